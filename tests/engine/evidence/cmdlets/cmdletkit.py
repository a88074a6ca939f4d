"""Helpers for the cmdlet-parser tests: build Documents the way the loader does."""

from __future__ import annotations

import io
from pathlib import Path
from types import ModuleType

from relaydoctor.engine.evidence.base import Document, ParseResult
from relaydoctor.engine.evidence.cmdlets import clixml, csvexport, formatlist, formattable, jsonexport
from relaydoctor.engine.facts import Fact

HEAD = 64 * 1024
# The cmdlet formats in the registry's order (evidence/registry.py).
PARSERS = (clixml, jsonexport, csvexport, formattable, formatlist)


def doc_from_bytes(data: bytes, name: str = "evidence.txt") -> Document:
    return Document(name=name, size=len(data), head=data[:HEAD], opener=lambda: io.BytesIO(data))


def doc_from_text(text: str, name: str = "evidence.txt", encoding: str = "utf-8") -> Document:
    """``encoding`` "utf-16" writes a BOM, as Windows PowerShell 5.1's ``>`` does."""
    return doc_from_bytes(text.encode(encoding), name)


def doc_from_path(path: Path) -> Document:
    return doc_from_bytes(path.read_bytes(), path.name)


def sniffers(doc: Document) -> list[str]:
    """Names of the parser modules whose sniff accepts ``doc``."""
    return [m.__name__.rsplit(".", 1)[-1] for m in PARSERS if m.sniff(doc)]


def parse_with(module: ModuleType, doc: Document) -> ParseResult:
    assert module.sniff(doc), f"{module.__name__} does not recognise {doc.name}"
    return module.parse(doc)


def by_name(facts: list[Fact], name: str, field: str = "name") -> Fact:
    hits = [f for f in facts if getattr(f, field, None) == name]
    assert len(hits) == 1, f"{len(hits)} facts with {field}={name!r}"
    return hits[0]


def line_of(doc: Document, number: int) -> str:
    """Physical line ``number`` (1-based) of the decoded document."""
    return doc.text().split("\n")[number - 1].rstrip("\r")
