"""Exchange queue errors (``Get-Queue`` / ``Get-Message`` output) → ``Symptom`` facts (origin "queue").

``LastError`` is where an on-premises queue keeps the reply that stopped delivery, either plain
(``451 4.4.0 Primary target IP address responded with: "421 4.4.1 Connection timed out." …``) or in the
bracketed form ``[{LED=…};{MSG=};{FQDN=…};{IP=…};{LRT=…}]`` (then FQDN names the remote server).
Format-List records are read field by field (wrapped values re-joined; ``NextHopDomain`` becomes the
remote server); any other shape (tables, a pasted LED string) is read line by line. ``LRT`` and
``LastRetryTime`` are local times without a zone, so ``seen_at`` stays unknown.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ... import lazyre
from ...errors import EvidenceError
from ..base import Document, ParseResult
from .ndr_text import Finding, analyse, dedupe, symptom

KIND = "queue"

MAX_SIZE = 32 * 1024 * 1024

_FIELD = lazyre.compile(r"^(?P<label>[A-Za-z][A-Za-z0-9]*)\s*:(?: (?P<value>.*))?$")
_LAST_ERROR_LABEL = lazyre.compile(r"^\s*LastError\s*:", re.MULTILINE)
_LAST_ERROR_COLUMN = lazyre.compile(r"^[^\n]*\bLastError\b[^\n]*\n[ \t]*-{3,}[ \t-]*$", re.MULTILINE)
_WRAP_WIDTH = 118  # PowerShell 5.1 wraps Format-List at 119 columns; a full line was cut mid-word


def sniff(doc: Document) -> bool:
    try:
        head = doc.head_text()
        if head.lstrip().startswith("#Software:") or "-----BEGIN " in head:
            return False  # message-tracking / protocol logs and certificates are not queue output
        return "{LED=" in head or bool(_LAST_ERROR_LABEL.search(head) or _LAST_ERROR_COLUMN.search(head))
    except Exception:  # a sniff is a guess; failing to guess means "not mine"
        return False


def parse(doc: Document) -> ParseResult:
    if doc.size > MAX_SIZE:
        raise EvidenceError(f"too large for queue output ({doc.size:,} bytes)", doc.name)
    text = doc.text()
    findings = _format_list_findings(text) or analyse(text)
    kept = dedupe(findings)
    if not kept:
        raise EvidenceError("queue output without an SMTP error in LastError", doc.name)
    facts = [symptom(f, doc.name, f.line, "queue") for f in kept]
    codes = ", ".join(dict.fromkeys(f.code for f in facts))
    return ParseResult(facts=list(facts), detail=f"queue errors: {codes}")


def _format_list_findings(text: str) -> list[Finding]:
    findings: list[Finding] = []
    for record in _records(text.split("\n")):
        error = record.get("lasterror")
        if error is None:
            continue
        line, value = error
        next_hop = record.get("nexthopdomain", (0, ""))[1].strip().lower().rstrip(".") or None
        for f in analyse(value):
            remote = f.remote_server or (next_hop if next_hop and "." in next_hop else None)
            findings.append(replace(f, line=line, excerpt=f"LastError : {value}", remote_server=remote,
                                    host=f.host or remote))
    return findings


def _records(lines: list[str]) -> list[dict[str, tuple[int, str]]]:
    """Format-List objects: {lower-case label: (line, value with wrapped lines re-joined)}."""
    records: list[dict[str, tuple[int, str]]] = []
    current: dict[str, tuple[int, str]] = {}
    label = None
    previous = ""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            if current:
                records.append(current)
            current, label = {}, None
            continue
        m = _FIELD.match(line) if not line[0].isspace() else None
        if m:
            label = m.group("label").lower()
            current[label] = (number, (m.group("value") or "").rstrip())
        elif label is not None and line[0].isspace():
            start, value = current[label]
            glue = "" if len(previous) >= _WRAP_WIDTH and not previous.endswith(" ") else " "
            current[label] = (start, value + glue + line.strip())
        previous = line
    if current:
        records.append(current)
    return records
