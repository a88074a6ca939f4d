"""Export-Clixml output (PowerShell's object serialisation, schema 2004/04).

``<Objs>`` holds one ``<Obj>`` per exported object: type names in ``<TN>`` (or a ``<TNRef>`` to an
earlier one, with the ``Deserialized.`` prefix), properties in ``<Props>`` and ``<MS>`` (member
set: ``PSComputerName``, ``RunspaceId``), each a typed element with ``N="name"``: ``<S>``, ``<B>``,
``<I32>``, ``<DT>`` (with its offset), ``<G>``, ``<Nil/>``, or a nested ``<Obj>`` holding a ``<LST>``
(collections) or a ``<ToString>`` (enums, identities). ``<Ref RefId>`` repeats an earlier object.
Strings escape characters XML cannot carry as ``_xHHHH_`` (``_x000D__x000A_`` is CR LF).

Parsed with expat directly so each property keeps its line; a DOCTYPE or entity declaration is
refused (no entity expansion from untrusted files).
"""

from __future__ import annotations

import re
from dataclasses import field

from ... import lazyre
from ...errors import EvidenceError
from ...lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from ..base import Document, ParseResult
from ..xmltree import MAX_DEPTH as _MAX_DEPTH
from ..xmltree import Node as _Node
from ..xmltree import read_tree
from .classify import kind_from_names, kind_from_type_names
from .model import Prop, PSObject, PSValue
from .objects import build_result
from .values import parse_time

KIND = "cmdlet_clixml"

_NAMESPACE = "http://schemas.microsoft.com/powershell/2004/04"
_ESCAPE = lazyre.compile(r"_x([0-9A-Fa-f]{4})_")
# <Ref> repeats an earlier object; references to objects that hold references can describe an
# exponentially large value in a few KB (a "Ref bomb"). This many objects, counted as if every
# reference were expanded, may be reached through references in one file; past it a reference
# reads as absent, with a located warning.
MAX_REF_EXPANSION = 100_000
_CONTAINERS = ("LST", "IE", "STK", "QUE")
_INTS = ("I32", "I64", "I16", "U8", "SB", "U16", "U32", "U64", "By")
_FLOATS = ("Db", "Sg", "D")
_STRINGS = ("S", "G", "URI", "Version", "C", "TS", "XD", "SBK", "SS", "BA", "PR", "ToString")


def unescape(text: str) -> str:
    """Undo ``_xHHHH_`` escapes (``_x005F_`` protects a literal ``_x``)."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


@dataclass
class _Decoder:
    source: str
    types: dict[str, tuple[str, ...]] = field(default_factory=dict)  # TN RefId → names
    refs: dict[str, PSValue] = field(default_factory=dict)  # Obj RefId → decoded value
    expanded: int = 0  # objects reached through <Ref>, counted as if expanded
    sizes: dict[int, int] = field(default_factory=dict)  # id(tuple/dict) → expanded object count
    warnings: list[str] = field(default_factory=list)

    def type_names(self, obj: _Node) -> tuple[str, ...]:
        tn = obj.child("TN")
        if tn is not None:
            names = tuple(unescape(t.content()) for t in tn.children if t.tag == "T")
            if "RefId" in tn.attrs:
                self.types[tn.attrs["RefId"]] = names
            return names
        ref = obj.child("TNRef")
        if ref is not None:
            return self.types.get(ref.attrs.get("RefId", ""), ())
        return ()

    def value(self, node: _Node, depth: int = 0) -> PSValue:
        if depth > _MAX_DEPTH:
            raise EvidenceError("CliXML objects nested too deeply", self.source, node.line)
        tag = node.tag
        if tag == "Nil":
            return None
        if tag == "B":
            return node.content().strip().lower() == "true"
        if tag in _INTS:
            raw = node.content().strip()
            return int(raw) if re.fullmatch(r"-?\d{1,20}", raw) else raw
        if tag in _FLOATS:
            try:
                return float(node.content().strip())
            except ValueError:
                return node.content().strip()
        if tag == "DT":
            raw = node.content().strip()
            return parse_time(raw) or raw
        if tag == "Ref":
            return self.reference(node)
        if tag == "Obj":
            return self.obj_value(node, depth)
        if tag in _STRINGS:
            return unescape(node.content())
        return unescape(node.content()) if not node.children else None

    def reference(self, node: _Node) -> PSValue:
        target = self.refs.get(node.attrs.get("RefId", ""))
        cost = self.size(target)
        if self.expanded + cost > MAX_REF_EXPANSION:
            if not self.warnings:
                self.warnings.append(
                    f"line {node.line}: <Ref> references expand past {MAX_REF_EXPANSION:,} "
                    "objects; further references read as absent"
                )
            return None
        self.expanded += cost
        return target

    def size(self, value: PSValue) -> int:
        """Objects in ``value`` if every shared reference were copied (memoised: linear)."""
        if not isinstance(value, tuple | dict):
            return 1
        known = self.sizes.get(id(value))
        if known is None:
            children = value.values() if isinstance(value, dict) else value
            known = min(1 + sum(self.size(c) for c in children), MAX_REF_EXPANSION + 1)
            self.sizes[id(value)] = known
        return known

    def obj_value(self, node: _Node, depth: int) -> PSValue:
        """A nested object: a collection, an enum/identity (its ToString), or a property bag."""
        self.type_names(node)
        result: PSValue
        container = next((c for c in node.children if c.tag in _CONTAINERS), None)
        dct = node.child("DCT")
        to_string = node.child("ToString")
        if container is not None:
            result = tuple(self.value(c, depth + 1) for c in container.children)
        elif dct is not None:
            result = self.dictionary(dct, depth)
        elif to_string is not None:
            result = unescape(to_string.content())
        elif node.child("Props") is not None or node.child("MS") is not None:
            result = {p.attrs["N"]: self.value(p, depth + 1) for p in self.members(node) if "N" in p.attrs}
        else:
            scalar = next((c for c in node.children if c.tag not in ("TN", "TNRef")), None)
            result = self.value(scalar, depth + 1) if scalar is not None else None
        if "RefId" in node.attrs:
            self.refs[node.attrs["RefId"]] = result
        return result

    def dictionary(self, dct: _Node, depth: int) -> dict[str, PSValue]:
        out: dict[str, PSValue] = {}
        for entry in dct.children:
            key = next((c for c in entry.children if c.attrs.get("N") == "Key"), None)
            val = next((c for c in entry.children if c.attrs.get("N") == "Value"), None)
            if key is not None:
                out[str(self.value(key, depth + 1))] = self.value(val, depth + 1) if val is not None else None
        return out

    @staticmethod
    def members(node: _Node) -> list[_Node]:
        out: list[_Node] = []
        for tag in ("Props", "MS"):
            bag = node.child(tag)
            if bag is not None:
                out.extend(bag.children)
        return out


def objects_from_tree(
    root: _Node, source: str, lines: list[str], warnings: list[str] | None = None
) -> list[PSObject]:
    objs = root.child("Objs")
    if objs is None:
        raise EvidenceError("not a CliXML file (no <Objs> root)", source, 1)
    decoder = _Decoder(source, warnings=warnings if warnings is not None else [])
    out: list[PSObject] = []
    for node in objs.children:
        if node.tag != "Obj":
            continue
        obj = PSObject(style="native", line=node.line, type_names=decoder.type_names(node))
        for member in decoder.members(node):
            name = member.attrs.get("N")
            if name is None:
                continue
            excerpt = lines[member.line - 1].strip() if 0 < member.line <= len(lines) else ""
            obj.add(Prop(unescape(name), decoder.value(member), member.line, excerpt))
        if "RefId" in node.attrs:
            decoder.refs[node.attrs["RefId"]] = None
        out.append(obj)
    return out


def sniff(doc: Document) -> bool:
    """A PowerShell CliXML document holding objects this package knows (by type or properties)."""
    head = doc.head_text().lstrip("\ufeff")
    if "<Objs" not in head[:2000] or _NAMESPACE not in head[:2000]:
        return False
    types = [unescape(t) for t in re.findall(r"<T>([^<]{1,400})</T>", head)]
    names = [unescape(n) for n in re.findall(r'\bN="([^"]{1,200})"', head)]
    return kind_from_type_names(types) is not None or kind_from_names(names) is not None


def parse(doc: Document) -> ParseResult:
    text = doc.text()
    warnings: list[str] = []
    try:
        root = read_tree(text, doc.name)
    except EvidenceError as exc:
        root = _salvage(text, doc.name, exc)
        where = f"line {exc.line}: " if exc.line is not None else ""
        warnings.append(f"{where}{exc.message}; the file is cut short, the objects before it are read")
    lines = re.split(r"\r\n|\n|\r", text)  # as expat counts lines
    objects = objects_from_tree(root, doc.name, lines, warnings)
    return build_result(objects, doc.name, "Export-Clixml", warnings)


_SALVAGE_TRIES = 64


def _salvage(text: str, source: str, error: EvidenceError) -> _Node:
    """Half a CliXML (a copy cut short): the document up to its last whole top-level object.

    Re-raises ``error`` when no prefix ending at an ``</Obj>`` parses (not a truncation)."""
    end = len(text)
    for _ in range(_SALVAGE_TRIES):
        end = text.rfind("</Obj>", 0, end)
        if end < 0:
            break
        try:
            root = read_tree(text[: end + len("</Obj>")] + "</Objs>", source)
        except EvidenceError:
            continue
        objs = next((c for c in root.children if c.tag == "Objs"), None)
        if objs is not None and any(c.tag == "Obj" for c in objs.children):
            return root
    raise error
