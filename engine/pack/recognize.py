"""Which pack code a reply text is: recognition patterns, most specific first.

Order rule (documented in docs/pack-format.md): every ``recognize`` pattern of every code is
tried on its own, in this order, and the first that finds the text names the code:
1. patterns that name an ATTR token (``ATTR36``, ``ATTR35``...) before those that don't, so a
   code for an ATTR variant wins over the generic code it refines;
2. then patterns that require more literal characters (a rough measure of specificity);
3. then load order: packs in load order (built-in first), codes in file-name order, patterns
   in the order written.
Patterns are Python regexes searched case-insensitively. A built-in pattern whose plain runs of
characters (``regex.required_literals``) an ASCII text lacks is skipped without being compiled.

A pattern from a pack is untrusted: lint flags the nested repeats it can see, but some patterns
that backtrack catastrophically pass any static check (``(.*a){12}!``, ``(a|aa){40}!``). So each
search of a user pack's pattern runs with a time budget (the ``regex`` module's ``timeout``, same
syntax as ``re``; the built-in pack's run on ``re`` itself): a pattern that exceeds
``PATTERN_TIME_BUDGET`` twice in a row on one text is skipped for the rest of the process and
named in the report's notes. The budget is wall-clock time, so a busy machine (or the TUI's own
threads) can stretch one honest search past it: one retry keeps a vetted pattern from
being dropped by load, and the built-in pack's patterns (linted and tested here) are never dropped,
so the same evidence gives the same recognition on any machine. Texts longer than
``MAX_RECOGNIZE_CHARS`` are searched in their first part only (a reply line is far shorter).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .. import lazyre, regexcache

if TYPE_CHECKING:  # Packs.recognize calls in here: the model is needed for types only
    from .model import CodeDef, Packs

PATTERN_TIME_BUDGET = 1.0  # seconds one recognition search may take (twice) before its pattern is dropped
BUILTIN_PACK = "builtin"
MAX_RECOGNIZE_CHARS = 64 * 1024  # characters of a text searched for a code

_ATTR = lazyre.compile(r"attr\\?\d", re.IGNORECASE)  # ranks come from the pack cache: rarely used
_TIMED_OUT: dict[str, str] = {}  # pattern → the code it belonged to
_INVALID = object()


class _Entry:
    """One pattern in recognition order, compiled on first use: a diagnosis usually stops at the
    first few, and compiling all of them (with the ``regex`` module's import) cost ~20 ms of every
    run. The built-in pack's patterns run on ``re`` (the pack format's syntax, and they are never
    budgeted); other packs' on ``regex`` with its ``timeout``."""

    __slots__ = ("_rx", "code", "needs", "pattern")

    def __init__(self, pattern: str, code: CodeDef, needs: tuple[str, ...] = ()) -> None:
        self.pattern = pattern
        self.code = code
        self.needs = needs  # texts every match contains (lower-cased ASCII), for the prefilter
        self._rx: Any = None

    def compiled(self) -> Any:
        """The compiled pattern, or ``_INVALID`` when it does not compile (it is then skipped)."""
        if self._rx is None:
            try:
                if self.code.pack == BUILTIN_PACK:  # shipped with the code: its program is kept
                    rx = regexcache.compile(self.pattern, re.IGNORECASE)  # (~0.2 ms a pattern)
                else:
                    rx = re.compile(self.pattern, re.IGNORECASE)  # the pack format's syntax is re's
                if self.code.pack != BUILTIN_PACK and _budgeted_engine() is not re:
                    engine = _budgeted_engine()
                    rx = engine.compile(self.pattern, engine.IGNORECASE | engine.V0)
                self._rx = rx
            except Exception:  # re.error, regex.error: an invalid pattern never matches
                self._rx = _INVALID
        return self._rx


@functools.lru_cache(maxsize=1)
def _budgeted_engine() -> Any:
    """The ``regex`` module (searches with a time budget), imported only when a pack other than
    the built-in one has recognition patterns; without it (an old install) ``re``, unbudgeted."""
    try:
        import regex

        return regex
    except ImportError:  # pragma: no cover - regex is a declared dependency
        return re


# pattern -> (0 if it names an ATTR token else 1, minus its literal weight, the texts every match
# contains): parsing every pattern for these cost ~3 ms a run, so the pack cache stores them
# (``remember_ranks``)
Rank = tuple[int, int, tuple[str, ...]]
_RANKS: dict[str, Rank] = {}


def pattern_rank(pattern: str) -> Rank:
    """Where ``pattern`` goes in recognition order, before its position decides (see above), and
    what a text must contain for it to match (``regex.required_literals``)."""
    rank = _RANKS.get(pattern)
    if rank is None:
        attr = 0 if _ATTR.search(pattern) else 1
        from .regex import literal_weight, required_literals  # a cached pack has them: ~1.3 ms

        rank = _RANKS[pattern] = (attr, -literal_weight(pattern), required_literals(pattern))
    return rank


def remember_ranks(ranks: Mapping[str, Sequence[Any]]) -> None:
    """Ranks computed before (the pack cache's), so this run need not parse those patterns."""
    checked = {}
    for pattern, rank in ranks.items():
        attr, weight, needs = rank  # ValueError/TypeError for anything else: none are taken
        if not (isinstance(pattern, str) and type(attr) is int and type(weight) is int
                and isinstance(needs, list | tuple) and all(type(n) is str for n in needs)):
            raise ValueError(f"not a recognition rank: {pattern!r}: {rank!r}")
        checked[pattern] = (attr, weight, tuple(needs))
    for pattern, rank in checked.items():
        _RANKS.setdefault(pattern, rank)


@functools.lru_cache(maxsize=64)
def _ordered(codes: tuple[CodeDef, ...]) -> tuple[_Entry, ...]:
    entries = []
    position = 0
    for code in codes:
        for pattern in code.recognize:
            attr, weight, needs = pattern_rank(pattern)
            entry = _Entry(pattern, code, needs if code.pack == BUILTIN_PACK else ())
            entries.append(((attr, weight, position), entry))
            position += 1
    entries.sort(key=lambda e: e[0])
    return tuple(entry for _, entry in entries)


def recognition_order(codes: Sequence[CodeDef]) -> list[tuple[str, CodeDef]]:
    """(pattern, code) in the order they are tried (patterns that do not compile are left out)."""
    return [(e.pattern, e.code) for e in _ordered(tuple(codes)) if e.compiled() is not _INVALID]


def recognize(packs: Packs, text: str) -> CodeDef | None:
    if not text:
        return None
    text = text[:MAX_RECOGNIZE_CHARS]
    # a pattern whose required texts an ASCII text lacks cannot match it: skipped uncompiled (with
    # IGNORECASE a non-ASCII character can match an ASCII one, 'K' the Kelvin sign: no prefilter then)
    lowered = text.lower() if text.isascii() else None
    for entry in _ordered(tuple(packs.codes.values())):
        if entry.pattern in _TIMED_OUT:
            continue
        if lowered is not None and not all(need in lowered for need in entry.needs):
            continue
        rx = entry.compiled()
        if rx is not _INVALID and _search(rx, text, entry.code):
            return entry.code
    return None


def _search(rx: Any, text: str, code: CodeDef) -> bool:
    if code.pack == BUILTIN_PACK or isinstance(rx, re.Pattern):
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
