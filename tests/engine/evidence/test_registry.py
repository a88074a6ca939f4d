"""The evidence registry is the one list of parsers: every parser module in engine/evidence is in it,
once, as the module it came from, and the flags the loader relies on are where they belong."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import relaydoctor.engine.evidence as evidence_pkg
from relaydoctor.engine.evidence.registry import PARSERS, Entry, Parser

EVIDENCE = Path(evidence_pkg.__file__).resolve().parent


def _parser_modules() -> set[str]:
    """Dotted names of modules that define KIND, sniff and parse at top level (read, not imported)."""
    found = set()
    for path in EVIDENCE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        assigned = {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets
                    if isinstance(t, ast.Name)}
        if {"sniff", "parse"} <= names and "KIND" in assigned:
            rel = path.relative_to(EVIDENCE).with_suffix("")
            found.add(".".join([evidence_pkg.__name__, *rel.parts]))
    return found


def test_every_parser_module_is_registered_once() -> None:
    registered = [p.loaded().__name__ for p in PARSERS]
    assert len(registered) == len(set(registered)), "a module is registered twice"
    missing = _parser_modules() - set(registered)
    assert not missing, f"parser modules not in evidence/registry.py PARSERS: {sorted(missing)}"


def test_each_entry_calls_its_own_module() -> None:
    for parser in PARSERS:
        module = parser.loaded().__name__
        assert module == f"{evidence_pkg.__name__}.{parser.module}"
        assert parser.kind == parser.loaded().KIND
        assert parser.parse.__module__ == module, parser.kind
        if parser.scan is not None:
            assert parser.scan.__module__ == module and parser.streaming
        if parser.parse_with_password is not None:
            assert parser.parse_with_password.__module__ == module


def test_catch_alls_come_last_and_pasted_text_has_parsers() -> None:
    generic = [i for i, p in enumerate(PARSERS) if p.generic]
    assert generic and generic == list(range(len(PARSERS) - len(generic), len(PARSERS)))
    assert any(p.pasted for p in PARSERS)


def test_an_entry_is_a_plain_frozen_record() -> None:
    parser = PARSERS[0]
    assert isinstance(parser, Entry)
    with pytest.raises(AttributeError):  # frozen: the registry cannot be changed at run time
        parser.module = "other"  # type: ignore[misc]


def test_a_reader_that_crashes_while_sniffing_is_named_in_the_skip_reason() -> None:
    """A crashing sniff must not pass for "not evidence": the skip reason says which reader failed."""
    import io

    from relaydoctor.engine.evidence.base import Document
    from relaydoctor.engine.evidence.loader import classify

    def broken(doc: Document) -> bool:
        raise AttributeError("module has no attribute 'newlines'")

    def never(doc: Document) -> bool:
        return False

    def unused(doc: Document):
        raise AssertionError("not called")

    raw = b"2026-11-20 10:00:00 something an admin kept\n" * 3
    doc = Document("notes.txt", len(raw), raw, lambda: io.BytesIO(raw))
    reason = classify(doc, (Parser("send_log", broken, unused), Parser("text", never, unused)))
    assert reason == (
        "not recognised as evidence; the send_log reader failed while checking it (AttributeError): "
        "a relaydoctor bug worth reporting"
    )
    assert classify(doc, (Parser("text", never, unused),)) == "not recognised as evidence"


def test_a_reader_whose_module_does_not_import_is_named_in_the_skip_reason() -> None:
    import io

    from relaydoctor.engine.evidence.base import Document
    from relaydoctor.engine.evidence.loader import classify

    raw = b"2026-11-20 10:00:00 something an admin kept\n" * 3
    doc = Document("notes.txt", len(raw), raw, lambda: io.BytesIO(raw))
    reason = classify(doc, (Entry("symptoms.no_such_reader"),))
    assert reason == ("not recognised as evidence; the symptoms.no_such_reader reader failed while "
                      "checking it (ModuleNotFoundError): a relaydoctor bug worth reporting")
