"""Exchange's native message tracking logs (``MSGTRK*.LOG``), streamed.

Shape (Exchange 2013 and later, "Message tracking" on Microsoft Learn: the ``#Fields`` header
and the field list ``date-time, client-ip, …, connector-id, source, event-id, …,
recipient-address, recipient-status, …, sender-address, …``): ``#Software``/``#Version``/
``#Log-type: Message Tracking Log``/``#Date``/``#Fields`` header lines, then one CSV row per
event. ``FAIL`` and ``DEFER`` rows carry the remote reply in ``recipient-status``, either as the
reply (``550 5.7.64 …``) or as a queue error ``[{LED=…};{MSG=};{FQDN=…};{IP=…};{LRT=…}]``
(the Exchange team's hybrid TLS article,
https://techcommunity.microsoft.com/blog/exchange/tls-certificates-in-exchange-hybrid---common-issues--how-to-fix-them/4420592,
and community queue samples such as https://jaapwesselius.com/tag/certificates/).

Only those rows matter: each distinct reply becomes one ``symptom`` (origin ``message_trace``)
and the rows are aggregated into ``tracking_event`` facts (event, connector, server, reply),
so memory stays flat whatever the log size.
"""

from __future__ import annotations

import csv
import io
import re

from ... import lazyre
from ...errors import EngineError, EvidenceError
from ...facts import Provenance, Symptom, TrackingEvent
from ..base import Document, ParseResult
from .smtp_reply import as_symptom, find_replies

KIND = "message_tracking_log"

_LOG_TYPE = lazyre.compile(r"^#Log-type:\s*Message Tracking Log", re.I | re.M)
_INTERESTING = frozenset({"FAIL", "DEFER", "DSN", "POISONMESSAGE"})
MAX_AGGREGATES = 500
MAX_LINE = 1 << 16  # characters of a row that are read; the rest of a longer line is read past
MAX_WARNINGS = 20
_NORMALISE = lazyre.compile(r"\s+")
_LED = lazyre.compile(r"\{LED=(.*?)\};")


def sniff(doc: Document) -> bool:
    head = doc.head_text().lstrip("\ufeff")
    return bool(_LOG_TYPE.search(head[:2000])) and "#Fields:" in head[:4000]


def parse(doc: Document) -> ParseResult:
    warnings: list[str] = []
    fields: list[str] | None = None
    aggregates: dict[tuple, dict] = {}
    symptoms: dict[tuple, Symptom] = {}
    rows = hidden = 0

    def warn(text: str) -> None:
        nonlocal hidden
        if len(warnings) < MAX_WARNINGS:
            warnings.append(text)
        else:
            hidden += 1

    with doc.opener() as raw:
        stream = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
        for number, line in enumerate(_lines(stream, warnings), 1):
            if not line:
                continue
            if line.startswith("#"):
                if line.lower().startswith("#fields:"):
                    fields = [f.strip().lower() for f in line.split(":", 1)[1].split(",")]
                continue
            if fields is None:
                warn(f"line {number}: row before the #Fields header; skipped")
                continue
            try:
                cells = next(csv.reader([line]))
            except csv.Error as exc:
                warn(f"line {number}: unreadable row ({exc}); skipped")
                continue
            rows += 1
            row = dict(zip(fields, cells, strict=False))
            event = (row.get("event-id") or "").strip().upper()
            if event not in _INTERESTING:
                continue
            if len(cells) < len(fields) - 2:
                warn(f"line {number}: {event} row has {len(cells)} of {len(fields)} fields")
            _take(row, event, doc.name, number, line, aggregates, symptoms)
    if fields is None:
        raise EvidenceError("message tracking log without a #Fields header", doc.name)
    if hidden:
        warnings.append(f"{hidden:,} more row warning(s) not listed")
    facts: list = list(symptoms.values())
    for key, agg in aggregates.items():
        try:
            facts.append(TrackingEvent(provenance=agg["provenance"], **agg["values"]))
        except EngineError as exc:
            warnings.append(f"tracking aggregate {key[0]} skipped: {exc}")
    detail = f"message tracking: {rows:,} rows, {len(aggregates)} failure kinds, {len(symptoms)} replies"
    return ParseResult(facts=facts, detail=detail, warnings=warnings)


def _lines(stream: io.TextIOWrapper, warnings: list[str]):  # type: ignore[no-untyped-def]
    """The rows without their line ends, each at most ``MAX_LINE`` characters: a longer line is
    read past in pieces, never held whole (a 60 MB line took 165 MB), and said once."""
    cut = first = 0
    number = 0
    while line := stream.readline(MAX_LINE):
        number += 1
        if line[-1] not in "\r\n" and len(line) >= MAX_LINE:
            while (rest := stream.readline(MAX_LINE)) and rest[-1] not in "\r\n":
                pass
            cut += 1
            first = first or number
        yield line.rstrip("\r\n")
    if cut:
        warnings.insert(0, f"line {first}: {cut:,} line(s) longer than {MAX_LINE:,} characters: only the "
                           f"first {MAX_LINE:,} of each were read")


def _take(
    row: dict, event: str, source: str, number: int, line: str, aggregates: dict, symptoms: dict
) -> None:
    status = row.get("recipient-status") or ""
    if led := _LED.search(status):  # the queue error's last error is the reply
        status = led.group(1)
    replies = [r for r in find_replies(status) if r.status_code[0] in "45"]
    reply = replies[0] if replies else None
    server = (row.get("server-hostname") or "").strip().lower() or None
    when = (row.get("date-time") or "").strip() or None
    sender = (row.get("sender-address") or "").strip().lower()
    key = (event, row.get("source"), row.get("connector-id"), server, reply.status_code if reply else None,
           _NORMALISE.sub(" ", reply.text).lower() if reply else status[:80])
    agg = aggregates.get(key)
    if agg is None:
        if len(aggregates) >= MAX_AGGREGATES:
            return
        agg = aggregates[key] = {
            "provenance": Provenance(source, number, Provenance.clip(line)),
            "values": {
                "event_id": event,
                "source": (row.get("source") or "").strip() or None,
                "connector": (row.get("connector-id") or "").strip() or None,
                "server": server,
                "reply": Provenance.clip(reply.text if reply else status, 300) or None,
                "status_code": reply.status_code if reply else None,
                "count": 0,
                "first_seen": when,
                "last_seen": when,
                "sender_domain": sender.rsplit("@", 1)[1] if "@" in sender else None,
                "scope": "server",
                "scope_id": server or "",
            },
        }
    values = agg["values"]
    values["count"] += 1
    if when:
        values["first_seen"] = min(values["first_seen"] or when, when)
        values["last_seen"] = max(values["last_seen"] or when, when)
    for r in replies:
        skey = (r.status_code, r.attr, _NORMALISE.sub(" ", r.text).strip().lower())
        if skey in symptoms or len(symptoms) >= MAX_AGGREGATES:
            continue
        recipient = (row.get("recipient-address") or "").strip().lower()
        symptoms[skey] = as_symptom(
            r, Provenance(source, number, Provenance.clip(line)), "message_trace",
            recipient=recipient if "@" in recipient else None,
            seen_at=when if when and when.endswith("Z") else None,
        )
