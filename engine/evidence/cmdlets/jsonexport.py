"""ConvertTo-Json output (Windows PowerShell 5.1, PowerShell 7, Exchange Online V3 / Graph).

A small position-keeping JSON reader, so each property knows its line (the standard ``json``
module does not say where a key was). Accepted shapes: one object, an array of objects, several
documents one after another (``ForEach-Object { $_ | ConvertTo-Json }``) and a Graph REST
``{"value": [...]}`` page; prompt lines of a console paste around them are skipped.

Values are kept as JSON gave them: 5.1's ``"\\/Date(ms)\\/"`` and 7's ISO strings are read as times
by the fact mapping, enums may be names or integers, and a value that ``-Depth`` cut off
(``"System.Collections.Hashtable"``, ``"@{...}"``) is reported as incomplete there.
"""

from __future__ import annotations

import bisect
import json
import re

from ... import lazyre
from ...errors import EvidenceError
from ...lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from ..base import Document, ParseResult
from .classify import kind_from_names
from .model import Prop, PSObject, PSValue
from .objects import build_result
from .textlines import is_prompt

KIND = "cmdlet_json"

_MAX_DEPTH = 100
_NUMBER = lazyre.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_INTEGER = lazyre.compile(r"-?\d+")
_WS = lazyre.compile(r"[ \t\r\n\ufeff]*")
_KEY = lazyre.compile(r'"([A-Za-z_@$][\w.@$-]*)"\s*:')


@dataclass(slots=True)
class _Obj:
    """A JSON object with the offset of each key."""

    pairs: list[tuple[str, object, int]]


class _Reader:
    def __init__(self, text: str, source: str):
        self.s = text
        self.source = source
        self.breaks = [m.start() for m in re.finditer("\n", text)]

    def line(self, pos: int) -> int:
        return bisect.bisect_left(self.breaks, pos) + 1

    def fail(self, message: str, pos: int) -> EvidenceError:
        return EvidenceError(f"not valid JSON: {message}", self.source, self.line(min(pos, len(self.s))))

    def ws(self, pos: int) -> int:
        return _WS.match(self.s, pos).end()  # type: ignore[union-attr]

    def value(self, pos: int, depth: int) -> tuple[object, int]:
        if depth > _MAX_DEPTH:
            raise self.fail(f"nested deeper than {_MAX_DEPTH} levels", pos)
        pos = self.ws(pos)
        if pos >= len(self.s):
            raise self.fail("the text ends before the value is complete (a half-written file?)", pos)
        ch = self.s[pos]
        if ch == "{":
            return self.obj(pos + 1, depth)
        if ch == "[":
            return self.array(pos + 1, depth)
        if ch == '"':
            return self.string(pos)
        for word, val in (("true", True), ("false", False), ("null", None)):
            if self.s.startswith(word, pos):
                return val, pos + len(word)
        m = _NUMBER.match(self.s, pos)
        if m and m.group(0):
            raw = m.group(0)
            if _INTEGER.fullmatch(raw) and len(raw) <= 19:
                return int(raw), m.end()
            try:
                return float(raw), m.end()
            except (OverflowError, ValueError):
                raise self.fail(f"number {raw[:20]!r} out of range", pos) from None
        raise self.fail(f"unexpected {ch!r}", pos)

    def string(self, pos: int) -> tuple[str, int]:
        try:
            return json.decoder.scanstring(self.s, pos + 1, False)  # type: ignore[attr-defined]
        except json.JSONDecodeError as exc:
            raise self.fail(exc.msg.lower(), exc.pos) from None

    def obj(self, pos: int, depth: int) -> tuple[_Obj, int]:
        pairs: list[tuple[str, object, int]] = []
        pos = self.ws(pos)
        if self.s.startswith("}", pos):
            return _Obj(pairs), pos + 1
        while True:
            pos = self.ws(pos)
            if not self.s.startswith('"', pos):
                raise self.fail("expected a property name", pos)
            key_pos = pos
            key, pos = self.string(pos)
            pos = self.ws(pos)
            if not self.s.startswith(":", pos):
                raise self.fail("expected ':' after a property name", pos)
            val, pos = self.value(pos + 1, depth + 1)
            pairs.append((key, val, key_pos))
            pos = self.ws(pos)
            if self.s.startswith(",", pos):
                pos += 1
                continue
            if self.s.startswith("}", pos):
                return _Obj(pairs), pos + 1
            raise self.fail("expected ',' or '}'", pos)

    def array(self, pos: int, depth: int) -> tuple[list[object], int]:
        items: list[object] = []
        pos = self.ws(pos)
        if self.s.startswith("]", pos):
            return items, pos + 1
        while True:
            val, pos = self.value(pos, depth + 1)
            items.append(val)
            pos = self.ws(pos)
            if self.s.startswith(",", pos):
                pos += 1
                continue
            if self.s.startswith("]", pos):
                return items, pos + 1
            raise self.fail("expected ',' or ']'", pos)

    def skip_prompts(self, pos: int) -> int:
        """Skip blanks and whole console prompt lines."""
        while True:
            pos = self.ws(pos)
            end = self.s.find("\n", pos)
            end = len(self.s) if end < 0 else end
            if pos < len(self.s) and is_prompt(self.s[pos:end]):
                pos = end
                continue
            return pos

    def documents(self) -> list[object]:
        docs: list[object] = []
        pos = self.skip_prompts(0)
        while pos < len(self.s):
            if self.s[pos] not in "[{":
                raise self.fail(f"unexpected {self.s[pos]!r} outside a JSON value", pos)
            val, pos = self.value(pos, 0)
            docs.append(val)
            pos = self.skip_prompts(pos)
        return docs


def _plain(value: object, depth: int = 0) -> PSValue:
    if isinstance(value, _Obj):
        return {k: _plain(v, depth + 1) for k, v, _ in value.pairs}
    if isinstance(value, list):
        return tuple(_plain(v, depth + 1) for v in value)
    return value  # type: ignore[return-value]


def _object(reader: _Reader, value: _Obj) -> PSObject:
    first = value.pairs[0][2] if value.pairs else 0
    obj = PSObject(style="native", line=reader.line(first))
    for key, val, pos in value.pairs:
        line = reader.line(pos)
        start = reader.breaks[line - 2] + 1 if line > 1 else 0
        end = reader.breaks[line - 1] if line - 1 < len(reader.breaks) else len(reader.s)
        obj.add(Prop(key, _plain(val), line, reader.s[start:end].rstrip("\r")))
    return obj


def _objects(reader: _Reader, docs: list[object]) -> list[PSObject]:
    out: list[PSObject] = []
    for doc in docs:
        items = doc if isinstance(doc, list) else [doc]
        for item in items:
            if not isinstance(item, _Obj):
                continue
            page = dict((k, v) for k, v, _ in item.pairs)
            if isinstance(page.get("value"), list) and all(
                k == "value" or k.startswith("@odata") for k in page
            ):
                out.extend(_object(reader, x) for x in page["value"] if isinstance(x, _Obj))
            else:
                out.append(_object(reader, item))
    return out


def sniff(doc: Document) -> bool:
    """A JSON object or array whose property names describe an object this package knows."""
    head = doc.head_text().lstrip("\ufeff")
    lines = [ln for ln in head.splitlines() if ln.strip() and not is_prompt(ln)]
    if not lines or lines[0].lstrip()[:1] not in ("[", "{"):
        return False
    return kind_from_names(_KEY.findall(head)) is not None


def parse(doc: Document) -> ParseResult:
    reader = _Reader(doc.text(), doc.name)
    docs = reader.documents()
    if not docs:
        raise EvidenceError("the file holds no JSON", doc.name)
    return build_result(_objects(reader, docs), doc.name, "ConvertTo-Json")
