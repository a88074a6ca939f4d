"""What a precheck is asked (the plan) and what it answers (one line per check).

A check says ``pass``, ``warn`` or ``fail``; the run fails when any check fails, so a script can
gate a change on the exit code. Evidence links and commands use the diagnosis' types, so the
renderers and redaction treat them alike.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

from ..facts import Fact
from ..lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from ..results import EvidenceLink, SourceSummary

STATUSES = ("fail", "warn", "pass")
DEFAULT_DAYS = 30


@dataclass(frozen=True, slots=True)
class Plan:
    """The planned change (every part optional); nothing planned means an audit."""

    cert: str | None = None  # the planned certificate's file
    egress_ip: str | None = None
    connector_cert_name: str | None = None
    connector_ips: tuple[str, ...] | None = None
    connector: str | None = None  # the inbound connector the edit applies to
    sender_domain: str | None = None
    days: int = DEFAULT_DAYS

    @property
    def audit(self) -> bool:
        return not (
            self.cert
            or self.egress_ip
            or self.connector_cert_name is not None
            or self.connector_ips is not None
            or self.sender_domain
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "certificate": self.cert,
            "egress_ip": self.egress_ip,
            "connector": self.connector,
            "connector_cert_name": self.connector_cert_name,
            "connector_ips": list(self.connector_ips) if self.connector_ips is not None else None,
            "sender_domain": self.sender_domain,
            "days": self.days,
            "audit": self.audit,
        }


@dataclass(frozen=True, slots=True)
class Check:
    """One line of the precheck: a check id, its outcome and why."""

    check: str  # e.g. "cert-names"
    status: str  # pass | warn | fail
    title: str  # what was checked
    summary: str  # one line: the outcome in the user's names
    subject: str = ""  # what it was checked on (a connector, a certificate), when several
    evidence: tuple[EvidenceLink, ...] = ()
    commands: tuple[str, ...] = ()
    references: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"check {self.check}: unknown status {self.status!r}")

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "status": self.status,
            "title": self.title,
            "subject": self.subject,
            "summary": self.summary,
            "evidence": [{"fact": e.fact, "source": e.source, "says": e.says} for e in self.evidence],
            "commands": list(self.commands),
            "references": list(self.references),
        }


@dataclass(slots=True)
class PrecheckReport:
    tool_version: str
    generated_at: str
    plan: Plan
    checks: list[Check]
    evidence: list[SourceSummary]
    notes: list[str] = field(default_factory=list)
    # The facts the checks looked at: never rendered, but ``--redact`` learns the names to hide
    # from them (as it does from a diagnosis' facts).
    facts: list[Fact] = field(default_factory=list, repr=False, compare=False)

    @property
    def status(self) -> str:
        found = {c.status for c in self.checks}
        return next((s for s in STATUSES if s in found), "pass")

    def counts(self) -> dict[str, int]:
        return {s: sum(1 for c in self.checks if c.status == s) for s in STATUSES}

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": 1,
            "kind": "precheck",
            "tool": {"name": "relaydoctor", "version": self.tool_version},
            "generated_at": self.generated_at,
            "plan": self.plan.to_json(),
            "status": self.status,
            "counts": self.counts(),
            "checks": [c.to_json() for c in self.checks],
            "evidence": [
                {"source": s.source, "kind": s.kind, "facts": s.facts, "skipped_reason": s.skipped_reason}
                for s in self.evidence
            ],
            "notes": list(self.notes),
        }


def link(fact: Fact, says: str | None = None) -> EvidenceLink:
    """An evidence link to ``fact``: where it is and what it says (its excerpt by default)."""
    p = fact.provenance
    return EvidenceLink(
        fact=fact.KIND, source=p.ref(), says=says or p.excerpt or fact.summary(), excerpt=p.excerpt
    )
