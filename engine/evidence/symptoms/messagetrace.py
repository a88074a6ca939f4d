"""Message trace and message tracking CSV exports → rejection ``symptom`` facts.

Recognised by their header row (after an optional ``#TYPE`` line), never by file name:

- Exchange Online ``Get-MessageTrace | Export-Csv`` (``MessageTraceId``, ``RecipientAddress``,
  ``Status``) and ``Get-MessageTraceDetail`` (``Event``, ``Detail``);
- the downloadable historical-search report (``origin_timestamp_utc``, ``recipient_status``);
- on-premises ``Get-MessageTrackingLog | Export-Csv`` (``EventId``, ``RecipientStatus`` with
  ``[{LED=550 5.7.64 …};{FQDN=…}]``).

Every SMTP reply found in a status or detail column becomes one symptom per distinct reply
(origin ``message_trace``), with the row's recipient and, when the export is in UTC, its time.
"""

from __future__ import annotations

import csv
import io

from ... import lazyre
from ...errors import EvidenceError
from ...facts import Provenance, Symptom
from ..base import Document, ParseResult
from .smtp_reply import find_replies

KIND = "message_trace"
MAX_SYMPTOMS = 200
_NORMALISE = lazyre.compile(r"\[[^\]]*\]|<[^>]*>|\s+")
# Column sets that identify an export (lower case).
_SIGNATURES = (
    {"messagetraceid", "recipientaddress", "status"},
    {"messagetraceid", "event", "detail"},
    {"origin_timestamp_utc", "recipient_status"},
    {"eventid", "recipientstatus", "messageid"},
)
_REPLY_COLUMNS = ("detail", "recipient_status", "recipientstatus", "status", "lasterror", "eventdata")
_RECIPIENT_COLUMNS = ("recipientaddress", "recipient_address", "recipients", "recipient")
_TIME_COLUMNS = ("origin_timestamp_utc", "received", "timestamp", "date")
_ISO_UTC = lazyre.compile(r"^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:\.\d+)?(?:Z|\+00:00)?$")


def _header(text: str) -> list[str] | None:
    """The header row's column names (lower case), skipping a ``#TYPE`` line; None if not CSV."""
    for line in text.split("\n")[:3]:
        if not line.strip() or line.startswith("#TYPE"):
            continue
        try:
            cols = next(csv.reader([line]))
        except (csv.Error, StopIteration):
            return None
        return [c.strip().lower() for c in cols]
    return None


def sniff(doc: Document) -> bool:
    cols = _header(doc.head_text())
    if not cols or len(cols) < 3:
        return False
    names = set(cols)
    return any(sig <= names for sig in _SIGNATURES)


def parse(doc: Document) -> ParseResult:
    text = doc.text()
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    symptoms: dict[tuple, Symptom] = {}
    rows = 0
    start_line = 1
    try:
        for record in reader:
            line = start_line
            start_line = reader.line_num + 1
            if not record or (header is None and record[0].startswith("#TYPE")):
                continue
            if header is None:
                header = [c.strip().lower() for c in record]
                continue
            rows += 1
            row = dict(zip(header, record, strict=False))
            recipient = next((row[c].strip().lower() for c in _RECIPIENT_COLUMNS if row.get(c)), None)
            seen = None
            for c in _TIME_COLUMNS:
                if row.get(c):
                    seen = _time(c, row[c])
                    break
            for column in _REPLY_COLUMNS:
                value = row.get(column)
                if not value:
                    continue
                for reply in find_replies(value):
                    if reply.status_code[0] not in "45":
                        continue
                    key = (reply.status_code, reply.attr, _NORMALISE.sub(" ", reply.text).strip().lower())
                    if key in symptoms or len(symptoms) >= MAX_SYMPTOMS:
                        continue
                    symptoms[key] = Symptom(
                        provenance=Provenance(doc.name, line, Provenance.clip(",".join(record))),
                        code=reply.status_code,
                        status_code=reply.status_code,
                        reply_code=reply.reply_code,
                        text=Provenance.clip(reply.text, 500),
                        attr=reply.attr,
                        tokens=reply.tokens,
                        host=reply.host,
                        recipient=recipient if recipient and "@" in recipient else None,
                        origin="message_trace",
                        transient=reply.transient,
                        seen_at=seen,
                    )
    except csv.Error as exc:
        raise EvidenceError(f"malformed CSV: {exc}", doc.name, reader.line_num) from None
    if header is None:
        raise EvidenceError("message trace export without a header row", doc.name)
    detail = f"{rows:,} trace rows, {len(symptoms)} distinct SMTP errors"
    return ParseResult(facts=list(symptoms.values()), detail=detail)


def _time(column: str, value: str) -> str | None:
    """A UTC time only when the column or the value says it is UTC (exports are often local)."""
    m = _ISO_UTC.match(value.strip())
    if not m:
        return None
    if column.endswith("_utc") or value.strip().endswith(("Z", "+00:00")):
        return f"{m.group(1)}T{m.group(2)}Z"
    return None
