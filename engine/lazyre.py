"""Regular expressions compiled on first use, for module-level patterns.

Every run imports every evidence parser (each file is offered to each one's ``sniff``), and their
module-level ``re.compile`` calls cost ~25 ms of a ~100 ms start; most of those patterns are never
used in a given run. ``compile`` returns a stand-in with the compiled pattern's API: the first
method or attribute read compiles it and copies the pattern's bound methods onto the stand-in,
so later calls cost what a compiled pattern's do. ``pattern`` and ``flags`` are known without
compiling. The program is kept on disk for the next run (``regexcache``: ~6 ms of a small
diagnosis went to compiling the same patterns every run). A stand-in is not an ``re.Pattern``:
pass ``rx.compiled()`` to code that needs one (``re.sub(rx, ...)``, ``isinstance``).
"""

from __future__ import annotations

import re
from typing import Any

_METHODS = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split", "scanner")


class LazyPattern:
    """A pattern compiled when first used (see the module's docstring)."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags_given = flags

    def compiled(self) -> re.Pattern[str]:
        from .regexcache import compile as compile_kept  # the program kept from an earlier run

        rx = compile_kept(self.pattern, self.flags_given)
        for name in _METHODS:
            setattr(self, name, getattr(rx, name))
        self.groups = rx.groups
        self.groupindex = rx.groupindex
        self.flags = rx.flags
        self.compiled = lambda: rx  # type: ignore[method-assign]
        return rx

    def __getattr__(self, name: str) -> Any:  # only for names not yet copied onto the instance
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.compiled(), name)

    def __repr__(self) -> str:
        return f"lazyre.compile({self.pattern!r}, {self.flags_given!r})"


def compile(pattern: str, flags: int = 0) -> LazyPattern:
    """``re.compile(pattern, flags)``, deferred to the first use."""
    return LazyPattern(pattern, flags)
