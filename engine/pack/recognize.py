"""Which pack code a reply text is: recognition patterns, most specific first.

Order rule (documented in docs/pack-format.md): every ``recognize`` pattern of every code is
tried on its own, in this order, and the first that finds the text names the code:
1. patterns that name an ATTR token (``ATTR36``, ``ATTR35``...) before those that don't, so a
   code for an ATTR variant wins over the generic code it refines;
2. then patterns that require more literal characters (a rough measure of specificity);
3. then load order: packs in load order (built-in first), codes in file-name order, patterns
   in the order written.
Patterns are Python regexes searched case-insensitively.

A pattern from a pack is untrusted: lint flags the nested repeats it can see, but some patterns
that backtrack catastrophically pass any static check (``(.*a){12}!``, ``(a|aa){40}!``). So each
search runs with a time budget (the ``regex`` module's ``timeout``, same syntax as ``re``): a
pattern that exceeds ``PATTERN_TIME_BUDGET`` twice in a row on one text is skipped for the rest of
the process and named in the report's notes. The budget is wall-clock time, so a busy machine (or
the TUI's own threads) can stretch one honest search past it: one retry keeps a vetted pattern from
being dropped by load, and the built-in pack's patterns (linted and tested here) are never dropped,
so the same evidence gives the same recognition on any machine. Texts longer than
``MAX_RECOGNIZE_CHARS`` are searched in their first part only (a reply line is far shorter).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .regex import literal_weight

if TYPE_CHECKING:  # Packs.recognize calls in here: the model is needed for types only
    from .model import CodeDef, Packs

try:  # the budgeted engine; without it (an old install) patterns run unbudgeted through re
    import regex as _engine

    _FLAGS = _engine.IGNORECASE | _engine.V0
    _BUDGETED = True
except ImportError:  # pragma: no cover - regex is a declared dependency
    _engine = re  # type: ignore[assignment]
    _FLAGS = re.IGNORECASE
    _BUDGETED = False

PATTERN_TIME_BUDGET = 1.0  # seconds one recognition search may take (twice) before its pattern is dropped
BUILTIN_PACK = "builtin"
MAX_RECOGNIZE_CHARS = 64 * 1024  # characters of a text searched for a code

_ATTR = re.compile(r"attr\\?\d", re.IGNORECASE)
_TIMED_OUT: dict[str, str] = {}  # pattern → the code it belonged to


@functools.lru_cache(maxsize=64)
def _ordered(codes: tuple[CodeDef, ...]) -> tuple[tuple[Any, CodeDef], ...]:
    entries = []
    position = 0
    for code in codes:
        for pattern in code.recognize:
            try:
                re.compile(pattern, re.IGNORECASE)  # the pack format's syntax is re's
                rx = _engine.compile(pattern, _FLAGS)
            except (re.error, _engine.error):
                continue
            attr = 0 if _ATTR.search(pattern) else 1
            entries.append(((attr, -literal_weight(pattern), position), rx, code))
            position += 1
    entries.sort(key=lambda e: e[0])
    return tuple((rx, code) for _, rx, code in entries)


def recognition_order(codes: Sequence[CodeDef]) -> list[tuple[str, CodeDef]]:
    """(pattern, code) in the order they are tried."""
    return [(rx.pattern, code) for rx, code in _ordered(tuple(codes))]


def recognize(packs: Packs, text: str) -> CodeDef | None:
    if not text:
        return None
    text = text[:MAX_RECOGNIZE_CHARS]
    for rx, code in _ordered(tuple(packs.codes.values())):
        if rx.pattern in _TIMED_OUT:
            continue
        if _search(rx, text, code):
            return code
    return None


def _search(rx: Any, text: str, code: CodeDef) -> bool:
    if not _BUDGETED:  # pragma: no cover
        return bool(rx.search(text))
    if code.pack == BUILTIN_PACK:
        return bool(rx.search(text))
    for _ in range(2):  # a second try: wall-clock time on a loaded machine is not the pattern's fault
        try:
            return bool(rx.search(text, timeout=PATTERN_TIME_BUDGET))
        except TimeoutError:
            continue
    _TIMED_OUT[rx.pattern] = code.code
    return False


def timed_out_notes(packs: Packs) -> list[str]:
    """One note per pattern of these packs dropped for exceeding the time budget (for the report)."""
    return [
        f"code {code}: recognize pattern {pattern!r} took longer than {PATTERN_TIME_BUDGET} s "
        "on a text and was skipped (it backtracks catastrophically; fix the pattern)"
        for pattern, code in sorted(_TIMED_OUT.items(), key=lambda kv: (kv[1], kv[0]))
        if code in packs.codes and pattern in packs.codes[code].recognize
    ]
