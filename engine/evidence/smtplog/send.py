"""Exchange SMTP **send** protocol logs → aggregated ``smtp_session`` facts and ``symptom`` facts.

Only sessions that matter become facts: sessions to Exchange Online, or with a 4xx/5xx reply
or a TLS failure. Each mail transaction of such a session is summarised (TLS outcome, presented
certificate, the client IP Exchange Online reported in its EHLO reply, MAIL FROM domain, what
happened to the recipients), and summaries that agree on everything the rules look at are
aggregated into one fact with counts, the first example as provenance and the last as
``last_source``. Every distinct rejection reply becomes one ``symptom`` (origin ``send_log``).

Outcome of a transaction (recipients at ``*.onmicrosoft.com`` are *tenant* recipients, the rest
*external*): ``relayed`` external recipients accepted, none rejected; ``rejected`` every external
recipient (or MAIL FROM, or the message data) rejected; ``mixed`` some external accepted and some
rejected; ``internal_only`` only tenant recipients; a session without a transaction is
``tls_failed``, ``rejected`` (refused before MAIL) or ``no_mail``.

The file is streamed (see ``scan``); ``scan`` takes progress/cancel hooks for the loader.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import fields, replace
from typing import TYPE_CHECKING, BinaryIO, NamedTuple

from ... import lazyre
from ...errors import EvidenceError
from ...facts import Fact, Provenance, SmtpSession, Symptom
from ...lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from ...utctime import stamp_to_second
from ...x509names import dn_cn
from ..base import Document, ParseResult
from ..symptoms.smtp_reply import Reply, parse_reply
from . import sendfilter
from .format import log_type
from .rows import Row, domain_of, split_dns
from .scan import (
    BLOCK,
    LOOKBACK,
    MAX_FOLD_ROWS,
    BlockReader,
    CancelHook,
    LiteRows,
    ProgressHook,
    ScanStats,
    SessionCollector,
    SessionRows,
    native_enabled,
    row_time,
    rows_connector,
    trimmed_warning,
)
from .scan import _native as _sendfilter  # None without the C extension (or a stale build)

if TYPE_CHECKING:  # the Python replay's model: imported by scan.py when a session needs it
    from .session import Rejection, Session, Txn

KIND = "send_log"

MAX_UNPARSED_WARNINGS = 5  # located warnings for unread TLS/certificate records, per file
MAX_AGGREGATES = 2000  # distinct smtp_session facts per file (then counted, not kept)
MAX_SYMPTOMS = 200  # distinct rejection replies per file
MAX_FOLD_PLANS = 2048  # session signatures remembered for folding, per file (then replayed as before)
MAX_FOLD_BYTES = 32 << 20  # bytes of those signatures, per file; one session's at most 1/256 of it

# ``parse_reply`` of rejection texts, kept for the process: a log folder's files share many (the
# same Exchange Online front-end's reply in each day's log). Bounded for long runs (watch).
MAX_SHARED_REPLIES = 2048
MAX_SHARED_REPLY = 512  # characters; a longer text is cached per file only
_REPLIES: dict[str, Reply | None] = {}

_NORMALISE = lazyre.compile(r"\[[^\]]*\]|<[^>]*>|\s+")

# The fields that decide whether two summaries are "the same" (aggregation key).
KEY_FIELDS = (
    "connector",
    "to_eop",
    "tls",
    "tls_protocol",
    "tls_error",
    "cert_thumbprint",
    "ehlo_client_ip",
    "mail_from_domain",
    "null_sender",
    "outcome",
    "reject_code",
    "reject_attr",
    "tls_complete",
)
SUMMED = ("sessions", "lines", "rcpt_accepted", "rcpt_rejected", "tenant_rcpt_accepted")


def sniff(doc: Document) -> bool:
    return log_type(doc.head_text()) == "send"


def parse(doc: Document) -> ParseResult:
    with doc.opener() as stream:
        return scan(stream, doc.name)


def scan(
    stream: BinaryIO,
    name: str,
    *,
    progress: ProgressHook | None = None,
    cancel: CancelHook | None = None,
    block_size: int = BLOCK,
    lookback: int = LOOKBACK,
) -> ParseResult:
    """Stream one send log. ``progress(n)`` gets the bytes read since its last call.

    With the C extension (``sendfilter``) the scanner's block step runs in C, the file read once;
    the result is the same as the pure-Python path's."""
    if sendfilter.available():
        start = stream.tell() if stream.seekable() else 0
        selected = sendfilter.prefilter(stream, name, progress=progress, cancel=cancel,
                                        block_size=block_size, lookback=lookback)
        if selected is not None:
            try:
                return _scan(selected, name)
            except sendfilter.Fallback:
                stream.seek(start)
    return _scan(stream, name, progress=progress, cancel=cancel, block_size=block_size, lookback=lookback)


def _scan(
    stream: BinaryIO | sendfilter.Selected,
    name: str,
    *,
    progress: ProgressHook | None = None,
    cancel: CancelHook | None = None,
    block_size: int = BLOCK,
    lookback: int = LOOKBACK,
) -> ParseResult:
    stats = ScanStats()
    agg = Aggregator(name)
    if isinstance(stream, sendfilter.Selected):  # the block step in C (sendfilter.py)
        collector = SessionCollector(name, stats, agg.add)
        collector.fold = agg
        layout = stream.run(collector, stats, agg.fold_in_c())
    else:
        reader = BlockReader(stream, name, stats, progress=progress, cancel=cancel, block_size=block_size,
                             lookback=lookback)
        collector = SessionCollector(name, stats, agg.add)
        if native_enabled():
            collector.fold = agg
        for block in reader.blocks():
            collector.feed(block)
        layout = reader.layout
    collector.finish()
    if layout is None and stats.lines == 0:
        raise EvidenceError("send log without rows", name)
    return agg.result(stats)


@dataclass(slots=True)
class SendLogPart:
    """One shard of a large send log: the sessions whose id hashes to it, aggregated, and the
    reading statistics (the same in every shard). Sent back from a worker pickled."""

    aggregator: Aggregator
    stats: ScanStats
    trimmed: int


def scan_part(
    stream: BinaryIO,
    name: str,
    *,
    shard: tuple[int, int],
    progress: ProgressHook | None = None,
    cancel: CancelHook | None = None,
    block_size: int = BLOCK,
    lookback: int = LOOKBACK,
) -> SendLogPart:
    """``scan`` of one shard ``(i, n)``: every shard reads the whole file, but follows, replays and
    aggregates only its own sessions, so n workers share one large log (``join_parts``)."""
    i, n = shard
    carry = [0]

    def share(k: int) -> None:  # each shard reads the file: report 1/n of its bytes
        carry[0] += k
        step, carry[0] = divmod(carry[0], n)
        if step and progress is not None:
            progress(step)

    stats = ScanStats()
    agg = Aggregator(name)
    reader = BlockReader(stream, name, stats, progress=share, cancel=cancel, block_size=block_size,
                         lookback=lookback)
    collector = SessionCollector(name, stats, agg.add, shard=(i, n))
    if native_enabled():
        collector.fold = agg
    for block in reader.blocks():
        collector.feed(block)
    collector.finish(warn=False)
    if reader.layout is None and stats.lines == 0:
        raise EvidenceError("send log without rows", name)
    agg.forget_caches()
    return SendLogPart(agg, stats, collector.trimmed)


def join_parts(parts: list[SendLogPart]) -> ParseResult:
    """The result ``scan`` gives for the whole file, from its shards (in shard order)."""
    first = parts[0]
    stats = replace(first.stats, warnings=list(first.stats.warnings))
    stats.malformed = first.stats.malformed + sum(p.stats.malformed - p.stats.validation_malformed
                                                 for p in parts[1:])
    firsts = [p.stats.first_malformed for p in parts if p.stats.first_malformed is not None]
    stats.first_malformed = min(firsts) if firsts else None
    for part in parts[1:]:  # a row-level warning comes from the shard that read the row
        stats.warnings.extend(w for w in part.stats.warnings if w not in stats.warnings)
    trimmed = sum(p.trimmed for p in parts)
    if trimmed:
        stats.warnings.append(trimmed_warning(trimmed))
    agg = first.aggregator
    for part in parts[1:]:
        agg.absorb(part.aggregator)
    return agg.result(stats)


# ------------------------------------------------------------------------------------------------
# Session → summaries → aggregates
# ------------------------------------------------------------------------------------------------


def cn_of(subject: str | None) -> str | None:
    """The subject's CN, lower-cased (host names compare case-insensitively)."""
    cn = dn_cn(subject)
    return cn.lower() if cn else None


def _outcome(txn: Txn) -> str:
    if txn.mail_reply is not None and txn.mail_reply.negative:
        return "rejected"
    data_rejected = txn.data_reply is not None and txn.data_reply.negative
    external = [r for r in txn.rcpts if not r.tenant]
    group = external or txn.rcpts
    accepted = sum(1 for r in group if r.reply is not None and r.reply.positive)
    rejected = sum(1 for r in group if r.reply is not None and r.reply.negative)
    if not external:
        if not txn.rcpts:
            return "no_mail"
        return "rejected" if (rejected and not accepted) or data_rejected else "internal_only"
    if accepted and rejected:
        return "mixed"
    if accepted:
        return "rejected" if data_rejected else "relayed"
    return "rejected" if rejected else "no_mail"


def _counts(lines: int, accepted: int, rejected: int, tenant: int) -> dict[str, int]:
    """The summed fields (``SUMMED``) of one summary."""
    return {"sessions": 1, "lines": lines, "rcpt_accepted": accepted, "rcpt_rejected": rejected,
            "tenant_rcpt_accepted": tenant}


def _line_time(row: Row) -> tuple[int, str]:
    """``_sendfilter.line_time`` of a Row."""
    return row.line, row.time


def _direction(client_submission: bool, to_eop: bool) -> str:
    if client_submission:
        return "client_submission"
    return "relay_to_exo" if to_eop else "unknown"


def _telling_row(s: Session, txn: Txn | None, outcome: str) -> Row:
    """The line that best shows this summary: the rejection, the accepted data, the TLS failure…"""
    if txn is not None:
        if outcome in ("rejected", "mixed") and txn.rejections:
            return txn.rejections[0].reply.row
        if outcome == "relayed":
            if txn.data_reply is not None and txn.data_reply.positive:
                return txn.data_reply.row
            for r in txn.rcpts:
                if not r.tenant and r.reply is not None and r.reply.positive:
                    return r.reply.row
        if outcome == "internal_only":
            for r in txn.rcpts:
                if r.reply is not None and r.reply.positive:
                    return r.reply.row
        return txn.row
    if outcome == "tls_failed" and s.tls_row is not None:
        return s.tls_row
    if outcome == "rejected" and s.rejections:
        return s.rejections[0].reply.row
    for row in (s.cert.row if s.cert else None, s.ehlo_row, s.banner.row if s.banner else None):
        if row is not None:
            return row
    assert s.first_row is not None
    return s.first_row


# SmtpSession's fields in declaration order: ``_new_session`` takes its values in this order.
_SESSION_FIELDS = (
    "provenance", "connector", "remote_host", "remote_ip", "to_eop", "sessions", "lines", "tls",
    "tls_protocol", "tls_error", "starttls_offered", "starttls_masked", "cert_presented",
    "cert_thumbprint", "cert_subject", "cert_cn", "cert_issuer", "cert_sans", "ehlo_client_ip",
    "client_ip_family", "mail_from", "mail_from_domain", "null_sender", "outcome", "reject_reply",
    "reject_code", "reject_attr", "rcpt_accepted", "rcpt_rejected", "tenant_rcpt_accepted",
    "first_seen", "last_seen", "last_source", "tls_complete",
)


def _new_session(values: tuple) -> SmtpSession:
    """``SmtpSession(**dict(zip(_SESSION_FIELDS, values)))``, the same object (its ``__dict__`` in
    field order, ``__post_init__``'s checks), without the frozen ``__init__``'s one
    ``object.__setattr__`` per field: 4 instead of 11-14 us, ~5k facts per GB of logs. Should
    SmtpSession's fields ever differ from ``_SESSION_FIELDS``, its ``__init__`` makes them."""
    if not _fields_in_order():
        return SmtpSession(**dict(zip(_SESSION_FIELDS, values, strict=True)))
    fact = _object_new(SmtpSession)
    fact.__dict__.update(zip(_SESSION_FIELDS, values, strict=True))
    fact.__post_init__()
    return fact


_object_new = object.__new__


@functools.cache
def _fields_in_order() -> bool:
    """SmtpSession's fields are ``_SESSION_FIELDS`` (asked on first use: the class's fields are
    processed when first needed, ``lazydataclass``)."""
    return tuple(f.name for f in fields(SmtpSession)) == _SESSION_FIELDS


def _kept(cache: dict, key: object, value: object, room: int = 4096) -> object:
    """``value``, remembered as ``cache[key]`` while the cache has room (a per-file cache of a
    pure function of ``key``: many sessions repeat a certificate)."""
    if len(cache) < room:
        cache[key] = value
    return value


class _Plan(NamedTuple):  # a tuple: one is made per session not folded, and only compared
    """What a session of one signature adds to the aggregates (``Aggregator.learn``)."""

    to_eop: bool
    partial: bool
    # per summary: (key, first in its session, accepted, tenant accepted, rejected recipients,
    # index of the row whose time it is, index of its telling row); () when not relevant
    units: tuple[tuple[tuple, bool, int, int, int, int, int], ...]
    symptoms: tuple[tuple[tuple, int], ...]  # (symptom key, index of the rejection's row)


# What a summary's fact is made of (``Aggregator._fact``): what its session shows (see ``_fact``),
# the line and excerpt of its telling row, MAIL FROM, null sender, outcome, first rejection (text,
# code) or None. The fact itself is made once, with the final counts, when the file is done.
_Example = tuple[tuple, int, str, "str | None", bool, str, "tuple[str, str] | None"]


@dataclass(slots=True)
class _Agg:
    example: _Example  # the earliest example (by the line its session starts on)
    counts: dict[str, int]
    first_seen: str | None
    last_seen: str | None
    last_line: int  # the latest example's line (``last_source``)
    first_start: int  # start line of the earliest session: sessions finish in any order
    last_start: int


class Aggregator:
    """Summaries of one file's relevant sessions, folded into facts."""

    def __init__(self, name: str):
        self.name = name
        self.aggs: dict[tuple, _Agg] = {}
        self.symptoms: dict[tuple, Symptom] = {}
        self.relevant = 0
        self.eop = 0
        self.partial = 0
        self.unparsed: list = []  # rows of TLS/certificate records in a layout not read
        self.more_unparsed = 0
        self.dropped = 0
        self.dropped_symptoms = 0
        self._replies: dict[str, Reply | None] = {}
        self._names: dict[str, tuple[str, ...]] = {}  # certificate names as logged -> split_dns
        self._cns: dict[str | None, str | None] = {}  # certificate subject -> cn_of
        self.symptom_keys: dict[str, tuple] = {}
        self.plans: dict[tuple, _Plan] = {}  # session signature -> what such a session adds
        self._last_units: tuple[Session | None, list] = (None, [])
        self._plan_bytes = 0
        # Folding in C (``fold_in_c``): the plans again, by slot numbers of aggregates and symptoms
        self.native_folds = None
        self._slots: dict[tuple, int] = {}  # aggregation key -> slot (slot numbers: insertion order)
        self._symptom_slots: dict[tuple, int] = {}

    def fold_in_c(self):  # type: ignore[no-untyped-def]
        """A ``_sendfilter.Folds`` for the C block step (``sendfilter.Selected.run``): every plan
        remembered from now on is given to it too, and it folds a session of such a signature where
        the scan finishes it, as ``fold`` would; what it adds is taken in (``_take_folded``) before
        anything reads the aggregates as a whole. None without the C extension."""
        if _sendfilter is not None and self.native_folds is None:
            self.native_folds = _sendfilter.Folds(MAX_FOLD_ROWS)
        return self.native_folds

    def _take_folded(self) -> None:
        """Add what the C folds added since the last call (sums, min/max times, the latest start:
        it commutes with what Python added meanwhile)."""
        folds = self.native_folds
        if folds is None:
            return
        eop, relevant, partial, slots = folds.take()
        self.eop += eop
        self.relevant += relevant
        self.partial += partial
        if not slots:
            return
        keys = list(self._slots)
        aggs = self.aggs
        for slot, sessions, lines, accepted, tenant, rejected, first, last, last_start, last_line in slots:
            agg = aggs[keys[slot]]
            c = agg.counts
            c["sessions"] += sessions
            c["lines"] += lines
            c["rcpt_accepted"] += accepted
            c["tenant_rcpt_accepted"] += tenant
            c["rcpt_rejected"] += rejected
            if first and (agg.first_seen is None or first < agg.first_seen):
                agg.first_seen = first
            if last and (agg.last_seen is None or last > agg.last_seen):
                agg.last_seen = last
            if last_start >= 0 and last_start >= agg.last_start:
                agg.last_line, agg.last_start = last_line, last_start

    def _started(self, key: tuple, start: int) -> None:
        """An aggregate now exists, or its earliest session starts earlier: tell the C folds (a
        no-op without them: slots exist only while there are C folds)."""
        slot = self._slots.get(key)
        if slot is not None:
            self.native_folds.start(slot, start)  # type: ignore[union-attr]

    def _slot(self, key: tuple) -> int:
        slot = self._slots.get(key)
        if slot is None:
            slot = self._slots[key] = len(self._slots)
            agg = self.aggs.get(key)
            if agg is not None:
                self.native_folds.start(slot, agg.first_start)  # type: ignore[union-attr]
        return slot

    def _symptom_slot(self, key: tuple) -> int:
        slot = self._symptom_slots.get(key)
        if slot is None:
            slot = self._symptom_slots[key] = len(self._symptom_slots)
            known = self.symptoms.get(key)
            if known is not None:
                self.native_folds.symptom(slot, known.provenance.line or 0)  # type: ignore[union-attr]
        return slot

    def forget_caches(self) -> None:
        """Drop the reply caches and fold plans (before pickling: they are only for speed)."""
        self._take_folded()
        self.native_folds = None
        self._slots = {}
        self._symptom_slots = {}
        self._replies = {}
        self._names = {}
        self._cns = {}
        self.symptom_keys = {}
        self.plans = {}
        self._last_units = (None, [])
        self._plan_bytes = 0

    def absorb(self, other: Aggregator) -> None:
        """Fold another shard's aggregates in: the same as if this one had seen its sessions (a
        session is in one shard only, so start lines never tie)."""
        self._take_folded()
        other._take_folded()
        for key, theirs in other.aggs.items():
            mine = self.aggs.get(key)
            if mine is None:
                if len(self.aggs) >= MAX_AGGREGATES:
                    self.dropped += theirs.counts["sessions"]
                    continue
                self.aggs[key] = theirs
                self._started(key, theirs.first_start)
                continue
            for f in SUMMED:
                mine.counts[f] += theirs.counts[f]
            seen_first = [t for t in (mine.first_seen, theirs.first_seen) if t]
            seen_last = [t for t in (mine.last_seen, theirs.last_seen) if t]
            mine.first_seen = min(seen_first) if seen_first else None
            mine.last_seen = max(seen_last) if seen_last else None
            if theirs.first_start < mine.first_start:
                mine.example, mine.first_start = theirs.example, theirs.first_start
                self._started(key, mine.first_start)
            if theirs.last_start >= mine.last_start:
                mine.last_line, mine.last_start = theirs.last_line, theirs.last_start
        for key, symptom in other.symptoms.items():
            known = self.symptoms.get(key)
            if known is None and len(self.symptoms) >= MAX_SYMPTOMS:
                self.dropped_symptoms += 1
            elif known is None or (symptom.provenance.line or 0) < (known.provenance.line or 0):
                self.symptoms[key] = symptom
                self._symptom_known(key, symptom.provenance.line or 0)
        self.relevant += other.relevant
        self.eop += other.eop
        self.partial += other.partial
        self.dropped += other.dropped
        self.dropped_symptoms += other.dropped_symptoms

    def add(self, s: Session) -> None:
        if s.to_eop:
            self.eop += 1
        if not (s.to_eop or s.rejections or s.tls == "failed"):
            return
        self.relevant += 1
        for row in s.unparsed:
            if len(self.unparsed) < MAX_UNPARSED_WARNINGS:
                self.unparsed.append(row)
            else:
                self.more_unparsed += 1
        if s.partial:
            self.partial += 1
        seen: set[tuple] = set()
        start = s.first_row.line if s.first_row else 0
        units = self._units(s)
        self._last_units = (s, units)  # for ``learn``, which follows ``add`` of the same session
        for txn, outcome, rejection, key in units:
            first_in_session = key not in seen
            seen.add(key)
            self._fold(key, s, txn, outcome, rejection, first_in_session, start)
        for rej in s.rejections:
            self._symptom(s, rej)

    def _units(self, s: Session) -> list[tuple[Txn | None, str, Rejection | None, tuple]]:
        """What a session is summarised as: (transaction, outcome, first rejection, aggregation key)
        per mail transaction, or one for the session when it has none."""
        units: list[tuple[Txn | None, str, Rejection | None]] = []
        for txn in s.txns:
            units.append((txn, _outcome(txn), txn.rejections[0] if txn.rejections else None))
        if not units:
            outcome = "tls_failed" if s.tls == "failed" else ("rejected" if s.rejections else "no_mail")
            units.append((None, outcome, s.rejections[0] if s.rejections else None))
        cert = s.cert
        out = []
        for txn, outcome, rejection in units:
            reply = self._reply(rejection.reply.text) if rejection else None
            key = (
                s.connector,
                s.to_eop,
                s.tls,
                s.tls_protocol,
                s.tls_error,
                cert.thumbprint if cert else None,
                s.ehlo_client_ip,
                domain_of(txn.mail_from) if txn else None,
                bool(txn and txn.null_sender),
                outcome,
                (reply.status_code if reply else rejection.reply.code) if rejection else None,
                reply.attr if reply else None,
                s.tls_complete,
            )
            out.append((txn, outcome, rejection, key))
        return out

    # -- folding: a session with the row signatures of one replayed before (scan.Folder) ---------
    #
    # Two sessions whose rows have equal signatures (scan._sendfilter: the same events, data and
    # context up to message ids, sizes and address local parts) replay to the same summaries: the
    # same keys, outcomes and recipient counts, the telling row and the rejection rows at the same
    # positions. A later one then only adds counts, times and ``last_source``; whenever it would do
    # more (a new aggregate, an earlier example, a new or earlier symptom) it is replayed instead.

    def learn(self, key: tuple, s: Session, rows: list[Row]) -> None:
        """Remember what a session of this signature adds (``s`` was replayed from ``rows``)."""
        size = self._room_for(key)
        if s.unparsed or size is None:
            return
        if not (s.to_eop or s.rejections or s.tls == "failed"):
            self._remember(key, _Plan(s.to_eop, False, (), ()), size)
            return
        last = self._last_units

        def at(row: Row) -> int:  # the replay's rows are the objects in ``rows``: find by identity
            i = rows.index(row)
            return i if rows[i] is row else next(k for k, r in enumerate(rows) if r is row)

        units = []
        seen: set[tuple] = set()
        for txn, outcome, _rejection, unit_key in last[1] if last[0] is s else self._units(s):
            accepted = tenant = rejected = 0
            for r in txn.rcpts if txn else ():
                if r.reply is None:
                    continue
                if r.reply.positive:
                    accepted += 1
                    tenant += r.tenant
                elif r.reply.negative:
                    rejected += 1
            when = txn.row if txn else (s.first_row or s.last_row)
            assert when is not None
            units.append((unit_key, unit_key not in seen, accepted, tenant, rejected, at(when),
                          at(_telling_row(s, txn, outcome))))
            seen.add(unit_key)
        symptoms = tuple((self._symptom_key(r.reply.text, r.reply.code), at(r.reply.row))
                         for r in s.rejections)
        self._remember(key, _Plan(s.to_eop, s.partial, tuple(units), symptoms), size)

    def _room_for(self, key: tuple) -> int | None:
        """The bytes a plan for ``key`` would keep, None when it may not be remembered (bounded in
        count and bytes)."""
        if key in self.plans or len(self.plans) >= MAX_FOLD_PLANS:
            return None
        size = sum(map(len, key[2:]))  # rows may be long (up to 1 MB each): bound what is kept
        return size if size <= MAX_FOLD_BYTES >> 8 and self._plan_bytes + size <= MAX_FOLD_BYTES else None

    def _remember(self, key: tuple, plan: _Plan, size: int) -> None:
        self._plan_bytes += size
        self.plans[key] = plan
        if self.native_folds is not None:  # the same plan by slot numbers, for the C block step
            slots, slot = self._slots, self._slot
            units = tuple([(slots[k] if k in slots else slot(k), first, acc, tenant, rejected, when, tell)
                           for k, first, acc, tenant, rejected, when, tell in plan.units])
            symptom_slot = self._symptom_slot
            self.native_folds.add(key, plan.to_eop, plan.partial, units,
                                  tuple([(symptom_slot(k), i) for k, i in plan.symptoms]))

    def fold(self, key: tuple, rows: SessionRows, lines: int) -> bool:
        """Add a session by its signature, as ``add`` would after replaying it; False when it has
        to be replayed (no plan, or it would add more than counts)."""
        plan = self.plans.get(key)
        return plan is not None and self._apply(plan, rows, lines)

    def replayed(self, key: tuple, rows: SessionRows, partial: bool, lines: int) -> bool:
        """Add a session from the C replay's record (``_replay.c``), as ``add`` would after replaying
        it in Python, and remember its plan for the signature ``key``. False when the C code leaves
        the session alone (it is then replayed in Python)."""
        raw = rows.raw if type(rows) is LiteRows else rows  # the C replay reads lite rows as they are
        record = _sendfilter.replay(raw, partial) if _sendfilter is not None else None
        if record is None:
            return False
        plan = self._plan_of(record, rows_connector(rows), partial)
        self._apply(plan, rows, lines, record, partial)
        size = self._room_for(key)
        if size is not None:
            self._remember(key, plan, size)
        return True

    def _plan_of(self, record: tuple, connector: str, partial: bool) -> _Plan:
        """The plan of a session from its C replay record (what ``learn`` makes from a Session)."""
        to_eop, tls, protocol, error, thumbprint, client_ip, units, rejections, _ = record
        if not (to_eop or rejections or tls == "failed"):
            return _Plan(to_eop, False, (), ())
        out = []
        seen: set[tuple] = set()
        complete = not partial
        for mail_from, null_sender, outcome, first_rejection, accepted, tenant, rejected, when, telling in (
                units):
            code = attr = None
            if first_rejection >= 0:
                text, code = rejections[first_rejection][:2]
                reply = self._reply(text)
                if reply is not None:
                    code, attr = reply.status_code, reply.attr
            key = (connector, to_eop, tls, protocol, error, thumbprint, client_ip, domain_of(mail_from),
                   null_sender, outcome, code, attr, complete)
            out.append((key, key not in seen, accepted, tenant, rejected, when, telling))
            seen.add(key)
        symptom_key = self._symptom_key
        symptoms = tuple([(symptom_key(text, code), row) for text, code, row, _ in rejections])
        return _Plan(to_eop, partial, tuple(out), symptoms)

    def _apply(self, plan: _Plan, rows: SessionRows, lines: int, record: tuple | None = None,
               partial: bool = False) -> bool:
        """Add a session of this plan when that adds only counts, times and ``last_source`` (else
        False, nothing added); with its C replay ``record``, whatever it adds (a new aggregate, an
        earlier example, a new or earlier symptom: their examples are made from the record)."""
        units = plan.units
        if not units:  # not relevant: only counted if it went to Exchange Online
            self.eop += plan.to_eop
            return True
        if type(rows) is LiteRows:  # a row's line and time without making its Row
            raw, line_time = rows.raw, _sendfilter.line_time
        else:
            raw, line_time = rows, _line_time
        start = line_time(raw[0])[0]
        aggs = self.aggs
        if record is None:
            for unit in units:
                agg = aggs.get(unit[0])
                if agg is None or start < agg.first_start:
                    return False
            symptoms = self.symptoms
            for skey, i in plan.symptoms:
                known = symptoms.get(skey)
                if known is None or (known.provenance.line or 0) > line_time(raw[i])[0]:
                    return False
        self.eop += plan.to_eop
        self.relevant += 1
        self.partial += plan.partial
        for n, (unit_key, first_in_session, accepted, tenant, rejected, when, telling) in enumerate(units):
            agg = aggs.get(unit_key)
            if agg is None:  # only with a record
                if len(aggs) >= MAX_AGGREGATES:
                    self.dropped += 1
                    continue
                example, counts, time = self._record_example(record, n, rows, lines, partial)  # type: ignore[arg-type]
                seen = stamp_to_second(time)
                aggs[unit_key] = _Agg(example, counts, seen, seen, example[1], start, start)
                self._started(unit_key, start)
                continue
            c = agg.counts
            if first_in_session:
                c["sessions"] += 1
                c["lines"] += lines
            c["rcpt_accepted"] += accepted
            c["tenant_rcpt_accepted"] += tenant
            c["rcpt_rejected"] += rejected
            seen = stamp_to_second(line_time(raw[when])[1])
            if seen:
                if agg.first_seen is None or seen < agg.first_seen:
                    agg.first_seen = seen
                if agg.last_seen is None or seen > agg.last_seen:
                    agg.last_seen = seen
            if start < agg.first_start:  # only with a record
                agg.example, agg.first_start = self._record_example(record, n, rows, lines, partial)[0], start  # type: ignore[arg-type]
                self._started(unit_key, start)
            if start >= agg.last_start:
                agg.last_line, agg.last_start = line_time(raw[telling])[0], start
        if record is not None:
            more = record[8]
            direction = _direction(more[5], plan.to_eop)
            symptoms = self.symptoms
            for (text, code, row, recipient), (skey, _) in zip(record[7], plan.symptoms, strict=True):
                known = symptoms.get(skey)
                if known is None or (known.provenance.line or 0) > line_time(raw[row])[0]:  # else no change
                    self._symptom_at(text, code, rows[row], recipient, direction, more[0])
        return True

    def _reply(self, text: str) -> Reply | None:
        """``parse_reply`` with a cache: the same rejection text repeats in thousands of sessions (and
        in the next file: short texts are remembered for the process, see ``_REPLIES``)."""
        replies = self._replies
        if text in replies:
            return replies[text]
        if text in _REPLIES:
            reply = _REPLIES[text]
        else:
            reply = parse_reply(text)
            if len(text) <= MAX_SHARED_REPLY and len(_REPLIES) < MAX_SHARED_REPLIES:
                _REPLIES[text] = reply
        if len(replies) < 4096:
            replies[text] = reply
        return reply

    def _summary(self, s: Session, txn: Txn | None, outcome: str,
                 rej: Rejection | None) -> tuple[_Example, dict[str, int], str]:
        """What one summary of a replayed session is made of: its example, counts and time."""
        row = _telling_row(s, txn, outcome)
        cert = s.cert
        shown = (s.connector, s.remote_host or s.ehlo_host, s.remote_ip, s.to_eop, s.rows, s.tls,
                 s.tls_protocol, s.tls_error, s.starttls_offered, s.starttls_masked,
                 (cert.thumbprint, cert.subject, cert.issuer, cert.sans) if cert else None, s.ehlo_client_ip,
                 s.tls_complete)
        rcpts = txn.rcpts if txn else []
        accepted = [r for r in rcpts if r.reply is not None and r.reply.positive]
        example = (shown, row.line, Provenance.clip(row.text), txn.mail_from if txn else None,
                   bool(txn and txn.null_sender), outcome, (rej.reply.text, rej.reply.code) if rej else None)
        rejected = sum(1 for r in rcpts if r.reply is not None and r.reply.negative)
        counts = _counts(s.rows, len(accepted), rejected, sum(1 for r in accepted if r.tenant))
        return example, counts, (txn.row if txn else s.first_row or row).time

    def _record_example(self, record: tuple, n: int, rows: SessionRows, lines: int,
                        partial: bool) -> tuple[_Example, dict[str, int], str]:
        """``_summary`` of unit ``n`` of a C replay record (``_replay.c``) of ``rows``."""
        to_eop, tls, protocol, error, thumbprint, client_ip, units, rejections, more = record
        host, remote_ip, offered, masked, cert, _ = more
        mail_from, null_sender, outcome, first_rejection, accepted, tenant, rejected, when, telling = units[n]
        if cert is not None:
            subject, issuer, sans = cert
            names = self._split_names(sans) if sans is not None else ()
            cert = (thumbprint, subject or None, issuer or None, names)
        shown = (rows_connector(rows), host, remote_ip, to_eop, lines, tls, protocol, error, offered, masked,
                 cert, client_ip, not partial)
        row = rows[telling]
        example = (shown, row.line, Provenance.clip(row.text), mail_from, null_sender, outcome,
                   rejections[first_rejection][:2] if first_rejection >= 0 else None)
        return example, _counts(lines, accepted, rejected, tenant), row_time(rows, when)

    def _split_names(self, names: str) -> tuple[str, ...]:
        """``split_dns`` with a cache: a host's certificate repeats in each of its new aggregates."""
        got = self._names.get(names)
        if got is None:
            got = split_dns(names)
            if len(self._names) < 1024:
                self._names[names] = got
        return got

    def _fact(self, example: _Example, counts: dict[str, int], first_seen: str | None, last_seen: str | None,
              last_line: int) -> SmtpSession:
        """An aggregate's fact. ``example[0]`` is what its earliest session shows (connector, host,
        remote IP, to Exchange Online, lines, TLS, protocol, error, STARTTLS offered, masked,
        certificate (thumbprint, subject, issuer, alternate names) or None, client IP, TLS complete);
        then its telling row's line and excerpt, sender, outcome, first rejection (text, code)."""
        shown, line, excerpt, mail_from, null_sender, outcome, rej = example
        (connector, host, remote_ip, to_eop, _, tls, protocol, error, offered, masked, cert, client_ip,
         complete) = shown
        reply = self._reply(rej[0]) if rej else None
        if cert is not None:
            thumbprint, subject, issuer, sans = cert
            cns = self._cns
            cn = cns[subject] if subject in cns else _kept(cns, subject, cn_of(subject))
        else:
            thumbprint = subject = cn = issuer = None
            sans = ()
        return _new_session((  # SmtpSession's fields in order (``_SESSION_FIELDS``)
            Provenance(self.name, line, excerpt),
            connector,
            host,
            remote_ip,
            to_eop,
            counts["sessions"],
            counts["lines"],
            tls,
            protocol,
            error,
            offered,
            masked,
            cert is not None,
            thumbprint,
            subject,
            cn,
            issuer,
            sans,
            client_ip,
            ("ipv6" if ":" in client_ip else "ipv4") if client_ip else None,
            mail_from or None,
            domain_of(mail_from),
            null_sender,
            outcome,
            Provenance.clip(rej[0], 500) if rej else None,
            (reply.status_code if reply else rej[1]) if rej else None,
            reply.attr if reply else None,
            counts["rcpt_accepted"],
            counts["rcpt_rejected"],
            counts["tenant_rcpt_accepted"],
            first_seen,
            last_seen,
            f"{self.name}:{last_line}",
            complete,
        ))

    def _fold(self, key: tuple, s: Session, txn: Txn | None, outcome: str, rej: Rejection | None,
              first_in_session: bool, start: int) -> None:
        agg = self.aggs.get(key)
        if agg is None:
            if len(self.aggs) >= MAX_AGGREGATES:
                self.dropped += 1
                return
            example, counts, time = self._summary(s, txn, outcome, rej)
            seen = stamp_to_second(time)
            self.aggs[key] = _Agg(example, counts, seen, seen, example[1], start, start)
            self._started(key, start)
            return
        seen = stamp_to_second((txn.row if txn else s.first_row or s.last_row).time)  # type: ignore[union-attr]
        c = agg.counts
        if first_in_session:
            c["sessions"] += 1
            c["lines"] += s.rows
        if txn is not None:
            for r in txn.rcpts:
                if r.reply is None:
                    continue
                if r.reply.positive:
                    c["rcpt_accepted"] += 1
                    c["tenant_rcpt_accepted"] += r.tenant
                elif r.reply.negative:
                    c["rcpt_rejected"] += 1
        if seen and (agg.first_seen is None or seen < agg.first_seen):
            agg.first_seen = seen
        if seen and (agg.last_seen is None or seen > agg.last_seen):
            agg.last_seen = seen
        if start < agg.first_start:
            agg.example, agg.first_start = self._summary(s, txn, outcome, rej)[0], start
            self._started(key, start)
        if start >= agg.last_start:
            row = _telling_row(s, txn, outcome)
            agg.last_line, agg.last_start = row.line, start

    def _symptom_key(self, text: str, code: str) -> tuple:
        key = self.symptom_keys.get(text)
        if key is None:
            reply = self._reply(text)
            key = (reply.status_code if reply else code, reply.attr if reply else None,
                   _NORMALISE.sub(" ", text).strip().lower())
            if len(self.symptom_keys) < 4096:
                self.symptom_keys[text] = key
        return key

    def _symptom(self, s: Session, rej: Rejection) -> None:
        self._symptom_at(rej.reply.text, rej.reply.code, rej.reply.row, rej.recipient,
                         _direction(s.client_submission, s.to_eop), s.remote_host or s.ehlo_host)

    def _symptom_at(self, text: str, code: str, row: Row, recipient: str | None, direction: str,
                    host: str | None) -> None:
        """One rejection reply as a ``symptom``, unless the same reply was seen on an earlier line."""
        key = self._symptom_key(text, code)
        known = self.symptoms.get(key)
        if known is not None and (known.provenance.line or 0) <= row.line:
            return
        if known is None and len(self.symptoms) >= MAX_SYMPTOMS:
            self.dropped_symptoms += 1
            return
        reply = self._reply(text)
        self._symptom_known(key, row.line)
        self.symptoms[key] = Symptom(
            provenance=Provenance(self.name, row.line, Provenance.clip(row.text)),
            code=key[0],
            status_code=reply.status_code if reply else None,
            reply_code=(reply.reply_code if reply and reply.reply_code else code),
            text=Provenance.clip(text, 500),
            attr=reply.attr if reply else None,
            tokens=reply.tokens if reply else (),
            host=reply.host if reply else None,
            remote_server=host,
            recipient=recipient,
            origin="send_log",
            transient=code.startswith("4"),
            direction=direction,
            seen_at=stamp_to_second(row.time),
        )

    def _symptom_known(self, key: tuple, line: int) -> None:
        """A symptom now exists, or is known from an earlier line: tell the C folds (as ``_started``)."""
        slot = self._symptom_slots.get(key)
        if slot is not None:
            self.native_folds.symptom(slot, line)  # type: ignore[union-attr]

    def facts(self) -> list[Fact]:
        self._take_folded()
        out: list[Fact] = [
            self._fact(agg.example, agg.counts, agg.first_seen, agg.last_seen, agg.last_line)
            for agg in sorted(self.aggs.values(), key=lambda a: (a.first_start, a.example[1]))
        ]
        out.extend(sorted(self.symptoms.values(), key=lambda f: f.provenance.line or 0))
        return out

    def result(self, stats: ScanStats) -> ParseResult:
        self._take_folded()
        warnings = list(stats.warnings)
        if stats.long_lines:
            warnings.append(stats.long_line_warning())
        if stats.malformed:
            warnings.append(
                f"{stats.malformed:,} malformed row(s) ignored (first at line {stats.first_malformed})"
            )
        for row in self.unparsed:
            warnings.append(
                f"line {row.line}: a TLS/certificate record in a layout relaydoctor does not read "
                f"({Provenance.clip(row.data + ' ' + row.context, 120).strip()}); causes that rest on "
                "a certificate or TLS being absent stay unconfirmed"
            )
        if self.more_unparsed:
            warnings.append(f"{self.more_unparsed} more TLS/certificate record(s) not understood")
        if self.partial:
            warnings.append(f"{self.partial} session(s) began before this file; their start is missing")
        if self.dropped:
            warnings.append(f"{self.dropped} session summaries beyond {MAX_AGGREGATES} kinds not kept")
        if self.dropped_symptoms:
            warnings.append(f"{self.dropped_symptoms} rejection replies beyond {MAX_SYMPTOMS} kinds not kept")
        sessions = max(stats.sessions, self.relevant)
        detail = (
            f"{stats.lines:,} lines, {sessions:,} sessions ({self.eop:,} to Exchange Online, "
            f"{self.relevant:,} relevant)"
        )
        return ParseResult(facts=self.facts(), detail=detail, warnings=warnings)


# ------------------------------------------------------------------------------------------------
# Across files
# ------------------------------------------------------------------------------------------------


def symptom_key(f: Symptom) -> tuple:
    return (f.code, f.attr, _NORMALISE.sub(" ", f.text).strip().lower())


def merge_facts(facts: Iterable[Fact]) -> list[Fact]:
    """Fold ``smtp_session`` aggregates and send-log symptoms of several files into one set.

    Aggregates with the same key add their counts; the earliest example stays the provenance
    and the latest becomes ``last_source``. Other facts pass through in order.
    """
    out: list[Fact] = []
    sessions: dict[tuple, int] = {}
    symptoms: dict[tuple, int] = {}
    for fact in facts:
        if isinstance(fact, SmtpSession):
            key = tuple(getattr(fact, f) for f in KEY_FIELDS)
            at = sessions.get(key)
            if at is None:
                sessions[key] = len(out)
                out.append(fact)
            else:
                out[at] = _merge_sessions(out[at], fact)  # type: ignore[arg-type]
        elif isinstance(fact, Symptom) and fact.origin == "send_log":
            key = symptom_key(fact)
            at = symptoms.get(key)
            if at is None:
                symptoms[key] = len(out)
                out.append(fact)
            else:
                old = out[at]
                assert isinstance(old, Symptom)
                if fact.seen_at and old.seen_at and fact.seen_at < old.seen_at:
                    out[at] = fact
        else:
            out.append(fact)
    return out


def _merge_sessions(a: SmtpSession, b: SmtpSession) -> SmtpSession:
    earlier, later = (a, b) if (a.first_seen or "") <= (b.first_seen or "") else (b, a)
    last = a if (a.last_seen or "") > (b.last_seen or "") else b
    return replace(
        earlier,
        **{f: getattr(a, f) + getattr(b, f) for f in SUMMED},
        first_seen=earlier.first_seen,
        last_seen=max(a.last_seen or "", b.last_seen or "") or None,
        last_source=last.last_source or later.provenance.ref(),
    )
