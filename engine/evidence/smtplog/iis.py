"""IIS SMTP service (SMTPSVC) logs in W3C extended format → rejection ``symptom`` facts.

KB 3212877 notes that relays through an IIS SMTP server show the 5.7.64 rejection only there.
The outbound dialogue appears as ``OutboundConnectionCommand`` (our verb in ``cs-method``, its
argument in ``cs-uri-query``) and ``OutboundConnectionResponse`` lines (the remote reply in
``cs-uri-query``, blanks written as ``+``)::

    #Fields: date time c-ip cs-username s-sitename s-computername s-ip s-port cs-method ...
    2026-11-20 08:41:19 52.101.68.24 OutboundConnectionResponse SMTPSVC1 APP01 - 25 - -
        550+5.7.64+TenantAttribution;+Relay+Access+Denied+[AM6EUR05FT012.eop-...] 0 0 ...

There is no session id, so the banner host and the last ``RCPT TO`` are remembered per remote
IP. One symptom per distinct rejection reply (origin ``iis_log``). Streamed line by line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import BinaryIO

from ...errors import Cancelled, EvidenceError
from ...facts import Provenance, Symptom
from ..base import Document, ParseResult
from ..decoding import LongLines, iter_lines
from ..symptoms.smtp_reply import parse_reply
from .session import is_eop_host

KIND = "iis_log"
MAX_SYMPTOMS = 200
MAX_LINE = 16384  # characters of a row that are read (a W3C row is a few hundred)
_SOFTWARE = re.compile(r"^#\s*software\s*:\s*microsoft internet information services", re.I | re.M)
_FIELDS = re.compile(r"^#\s*fields\s*:(?P<value>.*)$", re.I | re.M)
_SMTP_HINT = re.compile(r"SMTPSVC|OutboundConnection(?:Command|Response)", re.I)
_NORMALISE = re.compile(r"\[[^\]]*\]|<[^>]*>|\s+")
_RCPT = re.compile(r"TO:\s*<?([^<>\s]+@[^<>\s]+)>?", re.I)


def sniff(doc: Document) -> bool:
    head = doc.head_text()[:16384]
    return bool(_SOFTWARE.search(head) and _FIELDS.search(head) and _SMTP_HINT.search(head))


def parse(doc: Document) -> ParseResult:
    with doc.opener() as stream:
        return scan(stream, doc.name)


def _time(date: str, clock: str) -> str | None:
    if re.fullmatch(r"\d{4}-\d\d-\d\d", date) and re.fullmatch(r"\d\d:\d\d:\d\d(?:\.\d+)?", clock):
        return f"{date}T{clock[:8]}Z"  # W3C logs are written in UTC
    return None


def scan(
    stream: BinaryIO,
    name: str,
    *,
    progress: Callable[[int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> ParseResult:
    fields: list[str] | None = None
    banner: dict[str, str] = {}  # remote IP → host from its 220 banner
    last_rcpt: dict[str, str] = {}  # remote IP → last RCPT TO address
    symptoms: dict[tuple, Symptom] = {}
    lines = replies = rejections = malformed = 0
    long_lines = LongLines(MAX_LINE)
    for line_no, text in iter_lines(stream, None, name=name, long_lines=long_lines):
        lines = line_no
        if progress is not None:
            progress(len(text) + 1)
        if cancel is not None and line_no % 50_000 == 0 and cancel():
            raise Cancelled("cancelled while reading " + name)
        if text.startswith("#"):
            m = _FIELDS.match(text)
            if m:
                fields = m.group("value").split()
            continue
        if not text.strip():
            continue
        if fields is None:
            raise EvidenceError("IIS log row before any #Fields header", name, line_no)
        values = text.split()
        if len(values) < len(fields):
            malformed += 1
            if malformed > 50 and malformed * 2 > line_no:
                raise EvidenceError("not an IIS W3C log row (too few fields)", name, line_no)
            continue
        row = dict(zip(fields, values, strict=False))
        who = row.get("cs-username", "")
        ip = row.get("c-ip", "-")
        if who == "OutboundConnectionCommand":
            if row.get("cs-method", "").upper() == "RCPT":
                m = _RCPT.search(row.get("cs-uri-query", "").replace("+", " "))
                if m:
                    last_rcpt[ip] = m.group(1).lower()
            continue
        if who != "OutboundConnectionResponse":
            continue
        replies += 1
        parts = [row.get(k, "-") for k in ("cs-method", "cs-uri-stem", "cs-uri-query")]
        reply_text = " ".join(p for p in parts if p and p != "-").replace("+", " ").strip()
        code = reply_text[:3]
        if code == "220":
            host = reply_text[4:].split(" ", 1)[0].lower()
            if "." in host:
                banner[ip] = host
            continue
        if not (code.isdigit() and code[0] in "45"):
            continue
        rejections += 1
        reply = parse_reply(reply_text)
        status = reply.status_code if reply else code
        key = (status, reply.attr if reply else None, _NORMALISE.sub(" ", reply_text).strip().lower())
        if key in symptoms or len(symptoms) >= MAX_SYMPTOMS:
            continue
        remote = banner.get(ip)
        eop = is_eop_host(remote) or is_eop_host(reply.host if reply else None)
        symptoms[key] = Symptom(
            provenance=Provenance(name, line_no, Provenance.clip(text)),
            code=status,
            status_code=reply.status_code if reply else None,
            reply_code=code,
            text=Provenance.clip(reply_text, 500),
            attr=reply.attr if reply else None,
            tokens=reply.tokens if reply else (),
            host=reply.host if reply else None,
            remote_server=remote or (ip if ip != "-" else None),
            generating_server=(row.get("s-computername") or "").lower() or None,
            recipient=last_rcpt.get(ip),
            origin="iis_log",
            transient=code.startswith("4"),
            direction="relay_to_exo" if eop else "unknown",
            seen_at=_time(row.get("date", ""), row.get("time", "")),
        )
    if fields is None:
        raise EvidenceError("IIS log without a #Fields header", name)
    warnings = [f"{malformed:,} row(s) with too few fields ignored"] if malformed else []
    if (cut := long_lines.warning()) is not None:
        warnings.append(cut)
    detail = (f"{lines:,} lines, {replies:,} outbound replies, {rejections:,} refusals "
              f"({len(symptoms)} distinct)")
    return ParseResult(facts=list(symptoms.values()), detail=detail, warnings=warnings)
