"""One object model for every PowerShell export format.

Format-List, Format-Table, Export-Csv, ConvertTo-Json and Export-Clixml all serialise the same
thing: an ordered bag of named properties. Each format's parser turns its text into
``PSObject``s; ``objects.py`` maps those to facts without knowing the format. A property keeps
the line it was read from, so a fact can point at ``file:line``.

``style`` tells the value coercers how the exporter flattened collections:
``text`` (Format-List/Table: ``{a, b}``), ``csv`` (blank-joined ``a b``) or ``native`` (real
lists, JSON and CliXML).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import field
from typing import Literal, Union

from ...lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use

PSValue = Union[None, str, bool, int, float, dt.datetime, tuple["PSValue", ...], dict[str, "PSValue"]]  # noqa: UP007
Style = Literal["text", "csv", "native"]


@dataclass(frozen=True, slots=True)
class Prop:
    """One property as exported: its value, where it was, and whether the exporter cut it short."""

    name: str
    value: PSValue
    line: int | None = None
    excerpt: str = ""
    truncated: bool = False


@dataclass(slots=True)
class PSObject:
    """An exported object: ordered properties (looked up case-insensitively) and its type names."""

    style: Style
    line: int | None = None
    type_names: tuple[str, ...] = ()
    props: list[Prop] = field(default_factory=list)
    _index: dict[str, Prop] = field(default_factory=dict, repr=False)

    def add(self, prop: Prop) -> None:
        key = prop.name.lower()
        if key in self._index:  # PowerShell property names are unique per object; keep the first
            return
        self._index[key] = prop
        self.props.append(prop)

    def get(self, name: str) -> Prop | None:
        return self._index.get(name.lower())

    def has(self, *names: str) -> bool:
        return all(n.lower() in self._index for n in names)

    def names(self) -> set[str]:
        return set(self._index)
