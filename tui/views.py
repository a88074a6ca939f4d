"""What the screens show, computed from a ``Report`` in plain Python (no Textual here).

Each function turns engine results into a small display model: the verdict list in status order,
the certificate-names-vs-connector and egress-IP-vs-ranges pictures, relay failures per hour,
the evidence still missing for open causes, and where a question's evidence is collected. Keeping this apart
from the widgets makes it testable and keeps the widgets thin.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from relaydoctor.engine.api import COLLECT_SCRIPT as COLLECT_SCRIPT
from relaydoctor.engine.api import (
    RELATION_KINDS,
    STATUS_ORDER,
    CertAttribution,
    Certificate,
    CertNameMatch,
    Fact,
    InboundConnector,
    IpAttribution,
    IpConnectorMatch,
    MissingEvidence,
    Report,
    SmtpSession,
    Status,
    Symptom,
    Verdict,
    settled_codes,
    try_parse_utc,
)
from relaydoctor.engine.api import SOURCE_HINT as SOURCE_HINT
from relaydoctor.engine.api import missing_evidence as engine_missing_evidence

from .literal import one_line

if TYPE_CHECKING:
    from relaydoctor.engine.api import Packs

_F = TypeVar("_F", bound=Fact)

# How the walk draws each status (its words are ``Status.short_label``). Theme variables, so light
# and dark themes both read well (NO_COLOR keeps the glyphs).
STATUS_GLYPH = {Status.CONFIRMED: "✔", Status.LIKELY: "◐", Status.UNDETERMINED: "?", Status.RULED_OUT: "✗"}
STATUS_STYLE = {
    Status.CONFIRMED: "bold $text-error",
    Status.LIKELY: "bold $text-warning",
    Status.UNDETERMINED: "$text-accent",
    Status.RULED_OUT: "$text-muted",
}

# What to collect for each kind of evidence lives in the engine (engine/guidance.py): the CLI
# reports and the TUI say the same.


# --------------------------------------------------------------------------------------------
# Verdicts
# --------------------------------------------------------------------------------------------


def ordered_verdicts(report: Report | None) -> list[Verdict]:
    """Verdicts confirmed first, then likely, open and ruled out (stable within a status)."""
    if report is None:
        return []
    return sorted(report.verdicts, key=lambda v: v.status.rank)


def verdict_key(v: Verdict) -> str:
    """The id of one verdict in a list: its code and cause, and its subject when its cause is judged
    per subject (a pack's ``subject:``), since such a cause has one verdict per connector or
    certificate and the ids must stay unique."""
    return f"{v.code}|{v.cause}|{v.subject}" if v.subject else f"{v.code}|{v.cause}"


def verdict_name(v: Verdict, limit: int = 60) -> str:
    """``cause`` or ``cause [subject]`` on one line, clipped: the subject is untrusted text (a
    connector or certificate name, possibly kilobytes long)."""
    return f"{v.cause} [{one_line(v.subject, limit)}]" if v.subject else v.cause


def headline(report: Report | None) -> str:
    """One line: what the diagnosis says so far."""
    if report is None:
        return "No diagnosis yet."
    by = {s: [v for v in report.verdicts if v.status == s] for s in STATUS_ORDER}
    if by[Status.CONFIRMED]:
        names = ", ".join(dict.fromkeys(v.cause for v in by[Status.CONFIRMED]))
        return f"Confirmed: {names}"
    if by[Status.LIKELY]:
        return "Likely: " + ", ".join(dict.fromkeys(v.cause for v in by[Status.LIKELY]))
    if by[Status.UNDETERMINED] and report.questions:
        return "Nothing confirmed yet: answer the questions (3)"
    collect = next((s for s in report.next_steps if s.kind == "collect"), None)
    if collect is not None:  # never a dead end: the engine's next step
        lead = "Nothing confirmed yet" if by[Status.UNDETERMINED] else "Every known cause is ruled out"
        return f"{lead}: collect more evidence (2) — {collect.command or collect.says}"
    if by[Status.UNDETERMINED]:
        return "Nothing confirmed yet: answer the questions (3)"
    return "Every known cause is ruled out."


def counts(report: Report | None) -> dict[Status, int]:
    out = dict.fromkeys(STATUS_ORDER, 0)
    for v in report.verdicts if report else ():
        out[v.status] = out.get(v.status, 0) + 1
    return out


# --------------------------------------------------------------------------------------------
# Pictures
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CertRow:
    """One presented certificate against what one connector expects."""

    cn: str
    names: tuple[str, ...]  # CN and SAN DNS names, CN first
    thumbprint: str
    connector: str | None
    expected: str | None
    match: str  # match | wildcard_match | mismatch | ambiguous | no_cert_connector
    matched_name: str | None = None


@dataclass(frozen=True, slots=True)
class IpRow:
    """One egress IP against the connectors' SenderIPAddresses."""

    ip: str
    match: str  # in_range | not_in_range | ipv6 | no_ip_connector
    connector: str | None
    matched_range: str | None
    source: str  # send_log | answer
    ranges: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (connector, ranges) of usable connectors


def _of(facts: Iterable[Fact], cls: type[_F]) -> list[_F]:
    return [f for f in facts if isinstance(f, cls)]


def cert_rows(report: Report | None) -> list[CertRow]:
    """Presented certificates vs the connector names (from cert_attribution, else cert_name_match)."""
    if report is None:
        return []
    names_of = _names_by_thumbprint(report.facts)
    rows: list[CertRow] = []
    seen: set[tuple[str, str | None]] = set()
    for a in _of(report.facts, CertAttribution):
        key = (a.thumbprint, a.connector)
        if key in seen:
            continue
        seen.add(key)
        cn = a.cn or ""
        rows.append(
            CertRow(
                cn=cn,
                names=_names(cn, names_of.get(a.thumbprint, ())),
                thumbprint=a.thumbprint,
                connector=a.connector,
                expected=a.expected,
                match=a.match,
                matched_name=a.matched_name,
            )
        )
    if rows:
        return rows
    for m in _of(report.facts, CertNameMatch):
        key = (m.thumbprint, m.connector)
        if key in seen:
            continue
        seen.add(key)
        names = names_of.get(m.thumbprint, ())
        cn = names[0] if names else ""
        rows.append(
            CertRow(cn, _names(cn, names), m.thumbprint, m.connector, m.expected, m.match, m.matched_name)
        )
    return rows


def _names(cn: str, names: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(n for n in (cn, *names) if n))


def _names_by_thumbprint(facts: Sequence[Fact]) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for s in _of(facts, SmtpSession):
        if s.cert_thumbprint:
            out.setdefault(s.cert_thumbprint, _names(s.cert_cn or "", s.cert_sans))
    for c in _of(facts, Certificate):
        if c.thumbprint not in out or len(out[c.thumbprint]) < 2:
            out[c.thumbprint] = _names(c.cn or "", c.sans)
    return out


def ip_rows(report: Report | None) -> list[IpRow]:
    """Egress IPs vs the usable IP connectors' ranges (from ip_attribution / ip_connector_match)."""
    if report is None:
        return []
    usable = [
        (c.name, c.sender_ip_addresses)
        for c in _of(report.facts, InboundConnector)
        if c.enabled is not False and c.connector_type == "OnPremises" and c.sender_ip_addresses
    ]
    others = [
        (c.name, c.sender_ip_addresses)
        for c in _of(report.facts, InboundConnector)
        if c.sender_ip_addresses and (c.name, c.sender_ip_addresses) not in usable
    ]
    ranges = tuple(usable or others)
    rows: list[IpRow] = []
    seen: set[str] = set()
    for a in _of(report.facts, IpAttribution):
        if a.ip in seen:
            continue
        seen.add(a.ip)
        rows.append(IpRow(a.ip, a.match, a.connector, a.matched_range, a.source, ranges))
    if rows:
        return rows
    for m in _of(report.facts, IpConnectorMatch):
        if m.ip in seen:
            continue
        seen.add(m.ip)
        rows.append(IpRow(m.ip, m.match, m.connector, m.matched_range, "send_log", ranges))
    return rows


CERT_CAUSE_KINDS = frozenset({"cert_attribution", "cert_name_match", "certificate", "cert_status"})
IP_CAUSE_KINDS = frozenset({"ip_attribution", "ip_connector_match"})


def pictures_for(decided_by: Sequence[str]) -> tuple[bool, bool]:
    """(show certificate picture, show IP picture) for a cause, from the fact kinds its pack entry
    says decide it — pack data, never the wording of the cause id."""
    kinds = set(decided_by)
    return bool(kinds & CERT_CAUSE_KINDS), bool(kinds & IP_CAUSE_KINDS)


@dataclass(frozen=True, slots=True)
class Timeline:
    """Send-log sessions to Exchange Online per hour (UTC), rejected and relayed."""

    start: dt.datetime | None = None  # the first hour
    rejected: tuple[int, ...] = ()
    relayed: tuple[int, ...] = ()

    @property
    def total_rejected(self) -> int:
        return sum(self.rejected)

    @property
    def total_relayed(self) -> int:
        return sum(self.relayed)

    def hour_label(self, index: int) -> str:
        if self.start is None:
            return ""
        return (self.start + dt.timedelta(hours=index)).strftime("%H:00")

    @property
    def span_label(self) -> str:
        if self.start is None or not self.rejected:
            return ""
        end = self.start + dt.timedelta(hours=len(self.rejected) - 1)
        day = self.start.strftime("%Y-%m-%d")
        return f"{day} {self.start:%H}:00–{end:%H}:59Z"


MAX_HOURS = 24 * 14  # two weeks of hourly buckets is plenty for a sparkline


def failures_per_hour(report: Report | None) -> Timeline:
    """Rejected and relayed sessions per hour from the (aggregated) smtp_session facts.

    An aggregate covers ``sessions`` sessions between ``first_seen`` and ``last_seen``; they are
    spread evenly over the hours it spans (exact when it spans one hour, which is typical)."""
    if report is None:
        return Timeline()
    spans: list[tuple[dt.datetime, dt.datetime, int, str]] = []
    for s in _of(report.facts, SmtpSession):
        if s.outcome not in ("rejected", "mixed", "relayed"):
            continue
        first = try_parse_utc(s.first_seen) or try_parse_utc(s.last_seen)
        last = try_parse_utc(s.last_seen) or first
        if first is None or last is None:
            continue
        if last < first:
            first, last = last, first
        spans.append((_hour(first), _hour(last), max(s.sessions, 1), s.outcome))
    if not spans:
        return Timeline()
    start = min(a for a, _, _, _ in spans)
    end = max(b for _, b, _, _ in spans)
    hours = min(int((end - start).total_seconds() // 3600) + 1, MAX_HOURS)
    rejected = [0.0] * hours
    relayed = [0.0] * hours
    for first, last, n, outcome in spans:
        a = int((first - start).total_seconds() // 3600)
        b = min(int((last - start).total_seconds() // 3600), hours - 1)
        if a >= hours:
            continue
        width = b - a + 1
        target = relayed if outcome == "relayed" else rejected
        for i in range(a, b + 1):
            target[i] += n / width
    return Timeline(start, _round_keep_total(rejected), _round_keep_total(relayed))


def _round_keep_total(values: Sequence[float]) -> tuple[int, ...]:
    out: list[int] = []
    carry = 0.0
    for v in values:
        carry += v
        n = round(carry)
        out.append(n)
        carry -= n
    return tuple(out)


def _hour(moment: dt.datetime) -> dt.datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


# --------------------------------------------------------------------------------------------
# Symptoms
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SymptomCard:
    """A recognised error with what it means."""

    code: str
    title: str
    text: str
    source: str
    tokens: tuple[str, ...] = ()
    host: str | None = None
    generating_server: str | None = None
    recipient: str | None = None
    meaning: str = ""
    token_notes: tuple[tuple[str, str], ...] = ()  # (token, what the pack says about it)
    known: bool = True  # a code the loaded packs know


def symptom_cards(facts: Iterable[Fact], packs: Packs | None) -> list[SymptomCard]:
    """One card per distinct (code, text), with the pack's code knowledge."""
    cards: dict[tuple[str, str], SymptomCard] = {}
    for f in _of(facts, Symptom):
        code_def = None
        if packs is not None:
            code_def = packs.codes.get(f.code)
            if code_def is None and f.text:
                code_def = packs.recognize(f.text)
        code = code_def.code if code_def is not None else f.code
        key = (code, f.text)
        if key in cards:
            continue
        summary = code_def.summary if code_def is not None else ""
        cards[key] = SymptomCard(
            code=code,
            title=code_def.title if code_def is not None else "",
            text=f.text,
            source=f.provenance.ref(),
            tokens=tuple(f.tokens),
            host=f.host or f.remote_server,
            generating_server=f.generating_server,
            recipient=f.recipient,
            meaning=summary,
            token_notes=tuple(token_notes(f.tokens, summary, code, packs)),
            known=code_def is not None,
        )
    return list(cards.values())


_SENTENCE = re.compile(r"[^.!?]*[.!?]")


def token_notes(
    tokens: Sequence[str], summary: str, code: str, packs: Packs | None
) -> list[tuple[str, str]]:
    """For each token, the first sentence of the code's knowledge (summary, then its causes'
    explanations) that mentions it."""
    texts = [summary]
    code_def = packs.codes.get(code) if packs is not None else None
    if code_def is not None:
        for cause_id in code_def.causes:
            cause = packs.causes.get(cause_id)
            if cause is not None:
                texts.append(cause.explanation)
    out = []
    for token in tokens:
        pattern = re.compile(rf"\b{re.escape(token)}\b", re.IGNORECASE)
        for text in texts:
            sentence = next(
                (s.strip() for s in _SENTENCE.findall(" ".join(text.split())) if pattern.search(s)), None
            )
            if sentence:
                out.append((token, sentence))
                break
    return out


# --------------------------------------------------------------------------------------------
# Evidence
# --------------------------------------------------------------------------------------------


def facts_of_source(report: Report | None, source: str) -> list[Fact]:
    """Facts whose provenance names ``source`` (a file, a zip member, ``--ndr``, ``--answer``)."""
    if report is None:
        return []
    return [f for f in report.facts if f.provenance.source == source]


def within(source: str, root: str) -> bool:
    """Whether ``source`` (a file, or a ``zip!member``) is ``root`` or lies below it."""
    src = os.path.normpath(source.split("!", 1)[0])
    base = os.path.normpath(root)
    return src == base or src.startswith(base + os.sep)


def root_of(source: str, roots: Sequence[str]) -> str | None:
    """The added file or folder ``source`` came from (the first that holds it), or None."""
    return next((root for root in roots if within(source, root)), None)


def short_source(source: str, roots: Sequence[str]) -> str:
    """A source named relative to the folder the user added (``bundle/SEND….LOG``)."""
    root = root_of(source, roots)
    if root is None:
        return source
    file, bang, member = source.partition("!")
    base = os.path.dirname(os.path.normpath(root))
    norm = os.path.normpath(file)
    rel = os.path.relpath(norm, base) if base else norm
    return rel + bang + member


def short_ref(ref: str, roots: Sequence[str]) -> str:
    """``short_source`` for a ``file:line`` reference."""
    head, sep, line = ref.rpartition(":")
    if sep and line.isdigit():
        return short_source(head, roots) + ":" + line
    return short_source(ref, roots)


def is_relation(fact: Fact) -> bool:
    return fact.KIND in RELATION_KINDS


@dataclass(slots=True)
class MissingReport:
    items: list[MissingEvidence] = field(default_factory=list)
    open_causes: int = 0


def missing_evidence(report: Report | None, packs: Packs | None) -> MissingReport:
    """The engine's missing-evidence list for the open causes (``Report.missing``), with their count."""
    if report is None or packs is None:
        return MissingReport()
    # a code's residual causes are not counted while another of its causes is confirmed
    settled = settled_codes(report.verdicts, packs)
    def residual(v: Verdict) -> bool:
        return v.code in settled and v.cause in getattr(packs.codes.get(v.code), "residual", ())

    open_verdicts = [v for v in report.verdicts if v.status.open and not residual(v)]
    items = list(report.missing) or engine_missing_evidence(report.verdicts, report.facts, packs)
    return MissingReport(items=items, open_causes=len(open_verdicts))


# --------------------------------------------------------------------------------------------
# Questions
# --------------------------------------------------------------------------------------------


def collect_command(packs: Packs | None, cause_id: str) -> str:
    """The command the pack gives to collect what decides ``cause_id`` ("" when it gives none)."""
    cause = packs.causes.get(cause_id) if packs is not None else None
    return cause.question.collect if cause is not None and cause.question is not None else ""


# --------------------------------------------------------------------------------------------
# Remediation
# --------------------------------------------------------------------------------------------


def fix_verdicts(report: Report | None) -> list[Verdict]:
    """The verdicts whose remediation is shown: confirmed first, then likely."""
    return [v for v in ordered_verdicts(report) if v.status.positive and v.remediation]


def all_commands(verdicts: Sequence[Verdict]) -> list[str]:
    return [c for v in verdicts for step in v.remediation for c in step.commands]
