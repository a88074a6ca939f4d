"""Exchange SMTP **receive** protocol logs: recognised, summarised, rejections kept as symptoms.

In a receive log our server is the one replying (``>`` lines), so a 4xx/5xx there is an
on-premises refusal, e.g. ``550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain``
to a device — the ``onprem-relay-denied`` cause. Only the reply lines are parsed: they are found
with byte searches, like the send-log scanner does.
"""

from __future__ import annotations

import re
from typing import BinaryIO

from ...errors import EvidenceError
from ...facts import Provenance, Symptom
from ...utctime import stamp_to_second
from ..base import Document, ParseResult
from ..symptoms.smtp_reply import parse_reply
from .format import log_type
from .scan import LONG_LINE, VALIDATE_ROWS, BlockReader, CancelHook, ProgressHook, RowMaker, ScanStats
from .session import ip_of_endpoint

KIND = "receive_log"
MAX_SYMPTOMS = 200
# our 4xx/5xx replies: one regex pass (a literal starting with "," would stop at every comma)
_REPLY = re.compile(rb',>,"?[45][0-9][0-9]')
_NORMALISE = re.compile(r"\[[^\]]*\]|<[^>]*>|\s+")


def sniff(doc: Document) -> bool:
    return log_type(doc.head_text()) == "receive"


def parse(doc: Document) -> ParseResult:
    with doc.opener() as stream:
        return scan(stream, doc.name)


def scan(
    stream: BinaryIO,
    name: str,
    *,
    progress: ProgressHook | None = None,
    cancel: CancelHook | None = None,
) -> ParseResult:
    stats = ScanStats()
    rows = RowMaker(name, stats)
    reader = BlockReader(stream, name, stats, progress=progress, cancel=cancel, lookback=0)
    symptoms: dict[tuple, Symptom] = {}
    rejections = 0
    validated = 0
    for block in reader.blocks():
        buf, layout = block.buf, block.layout
        stats.sessions += buf.count(b",+,", block.start)  # connect events
        if validated < VALIDATE_ROWS:
            validated = _validate(rows, block, validated, stats)
        hits = sorted({buf.rfind(b"\n", 0, m.start()) + 1 for m in _REPLY.finditer(buf, block.start)})
        line, cur = block.first_line, 0
        for ls in hits:
            line += buf.count(b"\n", cur, ls)
            cur = ls
            le = buf.find(b"\n", ls)
            made = rows.make(buf[ls : len(buf) if le < 0 else le], line, layout)
            if made is None or made[1].event != ">":
                continue
            row = made[1]
            code = row.data[:3]
            if not (code.isdigit() and code[0] in "45"):
                continue
            rejections += 1
            reply = parse_reply(row.data)
            status = reply.status_code if reply else code
            key = (status, reply.attr if reply else None, _NORMALISE.sub(" ", row.data).strip().lower())
            if key in symptoms or len(symptoms) >= MAX_SYMPTOMS:
                continue
            symptoms[key] = Symptom(
                provenance=Provenance(name, row.line, Provenance.clip(row.text)),
                code=status,
                status_code=reply.status_code if reply else None,
                reply_code=code,
                text=Provenance.clip(row.data.strip(), 500),
                attr=reply.attr if reply else None,
                tokens=reply.tokens if reply else (),
                host=reply.host if reply else None,
                remote_server=ip_of_endpoint(row.remote),
                origin="receive_log",
                transient=code.startswith("4"),
                direction="onprem",
                seen_at=stamp_to_second(row.time),
            )
    if reader.layout is None and stats.lines == 0:
        raise EvidenceError("receive log without rows", name)
    warnings = list(stats.warnings)
    if stats.long_lines:
        warnings.append(stats.long_line_warning())
    if stats.malformed:
        warnings.append(
            f"{stats.malformed:,} malformed row(s) ignored (first at line {stats.first_malformed})"
        )
    detail = (
        f"{stats.lines:,} lines, {stats.sessions:,} sessions, {rejections:,} replies refused by this "
        f"server ({len(symptoms)} distinct)"
    )
    return ParseResult(facts=list(symptoms.values()), detail=detail, warnings=warnings)


def _validate(rows: RowMaker, block, validated: int, stats: ScanStats) -> int:  # type: ignore[no-untyped-def]
    buf, pos = block.buf, block.start
    line = block.first_line + buf.count(b"\n", 0, pos)
    while validated < VALIDATE_ROWS and pos < len(buf):
        end = buf.find(b"\n", pos)
        end = len(buf) if end < 0 else end
        raw = buf[pos:end]
        if raw.strip():
            rows.make(raw, line, block.layout, strict=line != stats.truncated_line)
            validated += 1
        elif line in stats.long_lines:
            raise EvidenceError(LONG_LINE, rows.name, line)
        pos, line = end + 1, line + 1
    return validated

