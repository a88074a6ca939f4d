"""Free text with an SMTP error → ``Symptom`` facts (origin "text").

For what users paste: ``--ndr TEXT``, the TUI's paste box (both through ``parse_text``), and small
text files holding an application's error (Python ``smtplib``, .NET ``SmtpException``, PHP mailers,
a copied NDR line). Any SMTP reply with an enhanced status code counts (``550 5.7.64 …``,
``(550, b'5.7.64 …')``, ``… The server response was: 5.7.57 …``), and so does a TLS failure without a
code: "TLS negotiation failed with error UnknownCredentials" becomes code ``tls:UnknownCredentials``
(status and reply code unknown, the error name in ``tokens``). NDR context (generating server, remote
host, recipient) is picked up when the text has it, so a whole NDR pasted into ``--ndr`` reads the
same as the file would.

``sniff`` is the last resort of the registry and deliberately narrow: it never claims protocol or
tracking logs, certificates, e-mail files, NDRs, queue output or cmdlet exports (JSON, CliXML, CSV,
Format-List, tables), Markdown or other reference text listing many codes, binary data, or files
larger than a paste.
"""

from __future__ import annotations

import re

from ... import lazyre
from ...errors import EvidenceError
from ..base import Document, ParseResult
from ..jsonish import looks_like_json
from . import ndr, queue
from .ndr_text import analyse, dedupe, symptom

KIND = "text"

MAX_SIZE = 1024 * 1024  # a paste, not a log

_LOG_LINE = lazyre.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z?,", re.MULTILINE)
_FL_LINE = lazyre.compile(r"^[A-Za-z][A-Za-z0-9]*\s*: ", re.MULTILINE)
_MARKDOWN = lazyre.compile(r"^(?:#{1,6} \S|\|.*\|\s*$|```)", re.MULTILINE)
_MAX_CODES = 6  # more distinct codes than this is a reference text (a README), not an error report
_TABLE_RULE = lazyre.compile(r"^\s*-{3,}(?:\s+-{3,})+\s*$", re.MULTILINE)


def sniff(doc: Document) -> bool:
    try:
        if doc.size > MAX_SIZE:
            return False
        head = doc.head_text()
        if _claimed_elsewhere(head) or ndr.sniff(doc) or queue.sniff(doc):
            return False
        findings = analyse(head)
        return bool(findings) and len({f.code for f in findings}) <= _MAX_CODES

    except Exception:  # a sniff is a guess; failing to guess means "not mine"
        return False


def parse(doc: Document) -> ParseResult:
    if doc.size > MAX_SIZE:
        raise EvidenceError(f"too large for pasted text ({doc.size:,} bytes)", doc.name)
    return parse_text(doc.name, doc.text())


def parse_text(label: str, text: str) -> ParseResult:
    """Symptoms in ``text``, each pointing at ``label:line``. Raises EvidenceError if there is none."""
    findings = dedupe(analyse(text.replace("\r\n", "\n").replace("\r", "\n")))
    if not findings:
        raise EvidenceError(
            "no SMTP error found: expected a reply with an enhanced status code such as "
            "'550 5.7.64 …', or 'TLS negotiation failed with error …'",
            label,
        )
    facts = [symptom(f, label, f.line, "text") for f in findings]
    codes = ", ".join(dict.fromkeys(f.code for f in facts))
    return ParseResult(facts=list(facts), detail=f"pasted text: {codes}")


def _claimed_elsewhere(head: str) -> bool:
    stripped = head.lstrip("\ufeff \t\n")
    w3c_csv_xml = ("#Software:", "#Version:", "#Fields:", "#TYPE", "<")
    if looks_like_json(stripped) or stripped.startswith(w3c_csv_xml):
        return True  # W3C-style logs, Export-Csv, JSON, CliXML/XML
    if "-----BEGIN " in head:
        return True
    if sum(1 for c in head[:4096] if c == "\ufffd" or (ord(c) < 32 and c not in "\t\n")) > 8:
        return True  # binary
    if len(_LOG_LINE.findall(head)) >= 3:
        return True  # protocol-log lines without their header
    content = [line for line in head.split("\n") if line.strip()]
    if len(_MARKDOWN.findall(head)) >= 3:
        return True  # documentation and notes, not an error someone pasted
    if _TABLE_RULE.search(head):
        return True  # Format-Table output
    return len(content) >= 5 and len(_FL_LINE.findall(head)) >= max(5, len(content) // 3)
