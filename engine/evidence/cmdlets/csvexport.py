"""Export-Csv / ConvertTo-Csv output.

Windows PowerShell 5.1 writes ``#TYPE <type name>`` first (PowerShell 7 does not, by default),
then a header of property names; every value is quoted, ``$null`` is an empty *unquoted* field
and ``""`` an empty string. A quoted value may hold raw line breaks, so one record can span
several physical lines. Collections are flattened to one blank-separated string. ``-Delimiter``
/ ``-UseCulture`` exports use ``;`` or a tab; the delimiter is read from the header.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ... import lazyre
from ...errors import EvidenceError
from ...lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from ..base import Document, ParseResult
from .classify import kind_from_names, kind_from_type_names
from .model import Prop, PSObject
from .objects import build_result

KIND = "cmdlet_csv"

_QUOTED = lazyre.compile(r'"([^"]*(?:""[^"]*)*)"')
_TYPE_LINE = lazyre.compile(r"^#TYPE[ \t]+(?P<type>\S.*?)\s*$")
_NAME = lazyre.compile(r"^[A-Za-z_@$][\w.@$ -]*$")


@dataclass(frozen=True, slots=True)
class Field:
    value: str | None  # None: an empty unquoted field ($null)
    line: int


def _delimiter(header_line: str) -> str:
    if header_line.startswith('"'):
        m = _QUOTED.match(header_line)
        if m and m.end() < len(header_line) and header_line[m.end()] in ",;\t|":
            return header_line[m.end()]
        return ","
    counts = {d: header_line.count(d) for d in ",;\t"}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def records(text: str, start_line: int, delim: str, source: str) -> Iterator[list[Field]]:
    """Every record, each field with the line it starts on. Raises EvidenceError on bad quoting."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    unquoted = re.compile(r"[^" + re.escape(delim) + r'\n"]*')
    pos, line, n = 0, start_line, len(text)
    while pos < n:
        row: list[Field] = []
        while True:
            if pos < n and text[pos] == '"':
                m = _QUOTED.match(text, pos)
                if m is None:
                    raise EvidenceError("a quoted value is never closed", source, line)
                row.append(Field(m.group(1).replace('""', '"'), line))
                line += m.group(0).count("\n")
                pos = m.end()
            else:
                m = unquoted.match(text, pos)
                assert m is not None  # the pattern matches the empty string
                raw = m.group(0)
                row.append(Field(raw if raw else None, line))
                pos = m.end()
            if pos >= n:
                break
            ch = text[pos]
            if ch == delim:
                pos += 1
                continue
            if ch == "\n":
                pos += 1
                line += 1
                break
            raise EvidenceError(f"unexpected {ch!r} after a value (bad quoting)", source, line)
        if len(row) == 1 and row[0].value is None:
            continue  # a blank line
        yield row


def _split_type_line(text: str) -> tuple[tuple[str, ...], str, int]:
    """(type names from ``#TYPE``, the rest of the text, the line the rest starts on)."""
    first, _, rest = text.partition("\n")
    m = _TYPE_LINE.match(first.rstrip("\r"))
    if m:
        return (m.group("type"),), rest, 2
    return (), text, 1


def _header_names(text: str) -> list[str]:
    stripped = text.lstrip("\r\n")
    first = stripped.split("\n", 1)[0].rstrip("\r")
    delim = _delimiter(first)
    try:
        row = next(records(first, 1, delim, "<head>"), [])
    except EvidenceError:
        return []
    return [f.value or "" for f in row]


def sniff(doc: Document) -> bool:
    """``#TYPE`` and/or a header row of property names describing an object this package knows."""
    head = doc.head_text().lstrip("\ufeff")
    types, rest, _ = _split_type_line(head)
    names = _header_names(rest)
    if len(names) < 2 or not all(_NAME.match(n) for n in names):
        return False
    if not types and not rest.lstrip("\r\n").startswith('"'):
        return False  # an unquoted, untyped header: too weak a signal (send logs are CSV too)
    return kind_from_type_names(types) is not None or kind_from_names(names) is not None


def parse(doc: Document) -> ParseResult:
    text = doc.text().lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    types, rest, first_line = _split_type_line(text)
    physical = rest.split("\n")
    skip = next((i for i, ln in enumerate(physical) if ln.strip()), None)
    if skip is None:
        raise EvidenceError("no CSV header row", doc.name)
    physical = physical[skip:]
    first_line += skip
    delim = _delimiter(physical[0])
    rows = records("\n".join(physical), first_line, delim, doc.name)
    names = [f.value or "" for f in next(rows)]
    if len(names) < 2 or not all(names):
        raise EvidenceError("the CSV header row has empty or too few column names", doc.name, first_line)
    objects: list[PSObject] = []
    for row in rows:
        if len(row) != len(names):
            raise EvidenceError(
                f"a row has {len(row)} values but the header has {len(names)} columns", doc.name, row[0].line
            )
        obj = PSObject(style="csv", line=row[0].line, type_names=types)
        for name, f in zip(names, row, strict=True):
            obj.add(Prop(name, f.value, f.line, physical[f.line - first_line]))
        objects.append(obj)
    return build_result(objects, doc.name, "Export-Csv")
