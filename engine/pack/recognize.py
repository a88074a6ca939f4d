"""Which pack code a reply text is: recognition patterns, most specific first.

Order rule (documented in docs/pack-format.md): every ``recognize`` pattern of every code is
tried on its own, in this order, and the first that finds the text names the code:
1. patterns that name an ATTR token (``ATTR36``, ``ATTR35``...) before those that don't, so a
   code for an ATTR variant wins over the generic code it refines;
2. then patterns that require more literal characters (a rough measure of specificity);
3. then load order: packs in load order (built-in first), codes in file-name order, patterns
   in the order written.
Patterns are Python regexes searched case-insensitively.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .regex import literal_weight

if TYPE_CHECKING:  # Packs.recognize calls in here: the model is needed for types only
    from .model import CodeDef, Packs

_ATTR = re.compile(r"attr\\?\d", re.IGNORECASE)


@functools.lru_cache(maxsize=64)
def _ordered(codes: tuple[CodeDef, ...]) -> tuple[tuple[re.Pattern[str], CodeDef], ...]:
    entries = []
    position = 0
    for code in codes:
        for pattern in code.recognize:
            try:
                rx = re.compile(pattern, re.IGNORECASE)
            except re.error:
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
    for rx, code in _ordered(tuple(packs.codes.values())):
        if rx.search(text):
            return code
    return None
