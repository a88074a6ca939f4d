"""The registry's gates (evidence/registry.py) rule out parsers before importing them; they must
never change which parser takes a file. Checked on every evidence file of the tests, the field
cases, the bundled examples and the shared samples (zip members included): each module's sniff
answers True only where its gate does, and the gated registry picks the parser the plain one
(every sniff asked in order) picks."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from relaydoctor.engine.evidence import registry
from relaydoctor.engine.evidence.base import Document
from relaydoctor.engine.evidence.loader import _Walker, classify
from relaydoctor.engine.evidence.registry import PARSERS, Parser

REPO = Path(__file__).resolve().parents[3]
FOLDERS = (REPO / "tests" / "fixtures", REPO / "tests" / "field" / "cases", REPO / "knowledge" / "examples",
           REPO.parent / "shared" / "samples")


def _documents() -> list[Document]:
    walker = _Walker()
    for folder in FOLDERS:
        if folder.is_dir():
            walker.add_path(str(folder))
    docs = [item.doc for item in walker.items if item.doc is not None]
    # the same files as pasted text would be, and each one's head re-encoded as PowerShell 5.1 writes
    wide = []
    for doc in docs[::7]:
        data = b"\xff\xfe" + doc.head_text().encode("utf-16-le")
        wide.append(Document(doc.name + " (UTF-16)", len(data), data, lambda d=data: io.BytesIO(d)))
    return docs + wide


DOCS = _documents()
UNGATED = tuple(
    Parser(entry.kind, entry.loaded().sniff, entry.loaded().parse, scan=entry.scan,
           parse_with_password=entry.parse_with_password, generic=entry.generic, pasted=entry.pasted)
    for entry in PARSERS
)


def test_there_is_evidence_to_check() -> None:
    assert len(DOCS) > 300


@pytest.mark.parametrize("entry", [e for e in PARSERS if e.gate is not None], ids=lambda e: e.module)
def test_a_sniff_never_says_yes_where_its_gate_says_no(entry: registry.Entry) -> None:
    sniff = entry.loaded().sniff
    claimed = [doc for doc in DOCS if _sniffs(sniff, doc)]
    assert [doc.name for doc in claimed if not entry.gate(doc)] == []


def test_the_gated_registry_picks_what_every_sniff_in_order_picks() -> None:
    for doc in DOCS:
        gated, plain = classify(doc), classify(doc, UNGATED)
        assert _kind(gated) == _kind(plain), doc.name


def test_the_gates_see_every_file_the_registry_claims_in_the_samples() -> None:
    """Not vacuous: most gated parsers claim some file here, so their gates were put to the test."""
    claimed = {_kind(classify(doc)) for doc in DOCS}
    gated = {e.kind for e in PARSERS if e.gate is not None}
    assert len(gated & claimed) >= len(gated) - 4, sorted(gated - claimed)


def test_the_postfix_hints_cover_the_keys_its_sniff_counts() -> None:
    from relaydoctor.engine.evidence.relaylogs import postfixconf

    keys = (postfixconf._POSTFIX_ONLY - {"myhostname"}) | {"relayhost", "smtp_tls_security_level"}
    assert [k for k in keys if not k.startswith(registry.POSTFIX_HINTS)] == []


def test_folding_keeps_what_a_case_insensitive_pattern_matches() -> None:
    """``re.I`` matches dotted/dotless i, long s and the Kelvin sign to ASCII letters."""
    import re

    text = "TEST-CERT\u0130FICATE, \u017fource: and \u212aeyType IIsSmtpServer, sChannel"
    doc = Document("x", len(text), text.encode(), lambda: io.BytesIO(text.encode()))
    for literal in ("test-certificate", "source:", "keytype iissmtpserver", "schannel"):
        assert re.search(re.escape(literal), text, re.I)
        assert literal in doc.head_folded()


def _sniffs(sniff, doc: Document) -> bool:
    try:
        return bool(sniff(doc))
    except Exception:
        return False


def _kind(found) -> str:
    return found if isinstance(found, str) else found.kind


def test_after_sniffing_a_document_keeps_only_what_its_parser_reuses(samples: Path) -> None:
    """Thousands of files wait between sniffing and parsing: each keeps its head bytes and the
    memo of the parser that took it (Format-List's objects), not the decoded heads."""
    listing = samples / "bundles" / "renewed-certificate" / "Get-AcceptedDomain.fl.txt"
    walker = _Walker()
    walker.add_path(str(listing))
    doc = walker.items[0].doc
    assert _kind(classify(doc)) == "cmdlet_format_list"
    assert doc._head_text is None and doc._folded is None and list(doc.memo) == ["cmdlet_format_list"]
    from relaydoctor.engine.evidence.cmdlets import formatlist

    assert formatlist.parse(doc).facts and doc.memo == {}  # the parse took it
    raw = b"not evidence at all\n" * 3
    other = Document("n.txt", len(raw), raw, lambda: io.BytesIO(raw))
    assert isinstance(classify(other), str) and other.memo == {} and other._head_text is None
