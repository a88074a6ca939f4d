"""A maximum size for every text value a fact carries, whatever format it came from.

The rules engine refuses a fact whose JSON passes about 16 MB (durable-rules error 314), which
ended a run as an internal error. A value this long is never meaningful evidence (a connector
name, a reply line, a certificate name), so it is cut to ``MAX_FIELD_CHARS``, the fact is marked
incomplete where its kind can say so, and a located warning names the field.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from operator import attrgetter
from typing import Any

from ..facts import Fact

MAX_FIELD_CHARS = 1_000_000  # characters in one fact field (a list: in all its items together)
_MARK = "…[truncated]"


def bound_fact(fact: Fact) -> tuple[Fact, list[str]]:
    """``fact`` with every over-long text field cut, and one warning per field cut."""
    for value in _values_of(type(fact))(fact):  # the usual case: nothing to cut, seen in one pass
        if isinstance(value, str):
            if len(value) > MAX_FIELD_CHARS:
                break
        elif isinstance(value, tuple) and _bounded(value) is not value:
            break
    else:
        return fact, []
    changes: dict[str, Any] = {}
    warnings: list[str] = []
    for f in dataclasses.fields(fact):
        if f.name == "provenance":
            continue
        value = getattr(fact, f.name)
        cut = _bounded(value)
        if cut is not value:
            changes[f.name] = cut
            where = f"line {fact.provenance.line}: " if fact.provenance.line is not None else ""
            warnings.append(
                f"{where}{fact.KIND}.{f.name} is longer than {MAX_FIELD_CHARS:,} characters; "
                "truncated and marked incomplete"
            )
    if not changes:
        return fact, []
    if "incomplete" in {f.name for f in dataclasses.fields(fact)}:
        changes["incomplete"] = True
    excerpt = fact.provenance.excerpt
    if len(excerpt) > MAX_FIELD_CHARS:
        changes["provenance"] = dataclasses.replace(fact.provenance, excerpt=excerpt[:240] + _MARK)
    return dataclasses.replace(fact, **changes), warnings


def _bounded(value: Any) -> Any:
    if isinstance(value, str):
        return value[: MAX_FIELD_CHARS - len(_MARK)] + _MARK if len(value) > MAX_FIELD_CHARS else value
    if isinstance(value, tuple) and value and all(isinstance(v, str) for v in value):
        if sum(len(v) for v in value) <= MAX_FIELD_CHARS:
            return value
        out: list[str] = []
        room = MAX_FIELD_CHARS - len(_MARK)
        for item in value:
            if len(item) > room:
                out.append(item[:room] + _MARK)
                break
            out.append(item)
            room -= len(item)
        return tuple(out)
    return value


_GETTERS: dict[type, Callable[[Fact], tuple]] = {}


def _values_of(kind: type) -> Callable[[Fact], tuple]:
    """A fact class's field values but the provenance, as one tuple (made once per class)."""
    getter = _GETTERS.get(kind)
    if getter is None:
        names = [f.name for f in dataclasses.fields(kind) if f.name != "provenance"]
        getter = _GETTERS[kind] = attrgetter(*names) if len(names) > 1 else lambda fact: (
            tuple(getattr(fact, name) for name in names))
    return getter

