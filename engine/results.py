"""Result types shared by the engine, the renderers and the TUI.

``Report.to_json()`` is the JSON report contract (docs/architecture.md, "Contracts"); keep the two
in step with ``engine/schemas/report.schema.json``.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

from .facts import Fact
from .lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from .status import STATUS_ORDER, Status

__all__ = ["STATUS_ORDER", "Status"]  # re-exported: the vocabulary the results speak


@dataclass(frozen=True, slots=True)
class SourceSummary:
    """One evidence source (a file, a zip member, --ndr text, an answer) and what it gave."""

    source: str
    kind: str  # "send_log", "inbound_connector", "certificate", "ndr", ... or "unknown"
    facts: int = 0
    skipped_reason: str | None = None
    detail: str | None = None  # e.g. "12,345 lines, 40 sessions, 3 to Exchange Online"


@dataclass(slots=True)
class EvidenceSet:
    """Everything extracted from the user's evidence, before inference."""

    facts: list[Fact] = field(default_factory=list)
    sources: list[SourceSummary] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # "file:line: ..." from ParseResult.warnings
    certificates: dict[str, bytes] = field(default_factory=dict)  # thumbprint -> DER (public part only)

    def extend(self, other: EvidenceSet) -> None:
        self.facts.extend(other.facts)
        self.sources.extend(other.sources)
        self.warnings.extend(other.warnings)
        self.certificates.update(other.certificates)


@dataclass(frozen=True, slots=True)
class EvidenceLink:
    """One fact in a verdict's evidence chain."""

    fact: str  # fact kind
    source: str  # file:line
    says: str  # one human line
    excerpt: str = ""


@dataclass(frozen=True, slots=True)
class RemediationStep:
    """One step of a fix, its commands filled in with the user's names where the evidence gave them."""

    step: str
    commands: tuple[str, ...] = ()
    # values the evidence did not give, as they appear in the step: "<ExchangeServer>"
    needs_values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the rules concluded about one cause of one code, with the evidence chain and the fix."""

    cause: str
    code: str
    status: Status
    title: str
    summary: str = ""  # one line: why this status (the firing rule's message)
    explanation: str = ""
    evidence: tuple[EvidenceLink, ...] = ()
    remediation: tuple[RemediationStep, ...] = ()
    references: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()  # ids of the rules that concluded this status
    basis: str = ""  # evidence | answer | text: what the status rests on ("" when undetermined)
    specificity: tuple[int, ...] = ()  # precedence.specificity of the deciding rule (ranking only)
    # what this verdict is about, when the cause's rules name a ``subject:`` (one verdict per
    # connector, certificate…); "" for a cause's one verdict
    subject: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.status, Status):  # given as text: validate it, keep it typed
            object.__setattr__(self, "status", Status(self.status))

    def to_json(self) -> dict[str, Any]:
        out = {
            "cause": self.cause,
            "code": self.code,
            "status": self.status.value,
            "title": self.title,
            "summary": self.summary,
            "evidence": [{"fact": e.fact, "source": e.source, "says": e.says} for e in self.evidence],
            "remediation": [_step_json(r) for r in self.remediation],
            "references": list(self.references),
            "rules": list(self.rules),
            "basis": self.basis or None,
        }
        if self.subject:  # additive: a verdict without a subject keeps the shape it always had
            out["subject"] = self.subject
        return out


@dataclass(frozen=True, slots=True)
class Question:
    """What the tool asks when the evidence cannot decide a cause, and how to answer it."""

    id: str
    ask: str
    why: str
    answers_with: str  # "KEY=VALUE" template, e.g. "egress_ip=<IPv4 address>"
    cause: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "ask": self.ask, "why": self.why, "answers_with": self.answers_with}


@dataclass(frozen=True, slots=True)
class SymptomView:
    """An error the evidence shows, as the report lists it."""

    code: str
    text: str
    tokens: tuple[str, ...]
    source: str
    title: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "text": self.text, "tokens": list(self.tokens), "source": self.source}


@dataclass(frozen=True, slots=True)
class PackInfo:
    """A knowledge pack the report was made with (id and version)."""

    id: str
    version: str


@dataclass(slots=True)
class Report:
    """The whole result of a diagnosis: what every renderer and the TUI show."""

    tool_version: str
    generated_at: str
    packs: list[PackInfo]
    symptoms: list[SymptomView]
    verdicts: list[Verdict]
    questions: list[Question]
    evidence: list[SourceSummary]
    facts: list[Fact] = field(default_factory=list)  # evidence + relations, for `facts` and the TUI
    overrides: list[str] = field(default_factory=list)  # pack overrides that were active
    notes: list[str] = field(default_factory=list)  # secondary findings worth a line
    missing: list[Any] = field(default_factory=list)  # guidance.MissingEvidence, for open causes
    next_steps: list[Any] = field(default_factory=list)  # guidance.NextStep: never a dead end

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": 1,
            "tool": {"name": "relaydoctor", "version": self.tool_version},
            "packs": [{"id": p.id, "version": p.version} for p in self.packs],
            "generated_at": self.generated_at,
            "symptoms": [s.to_json() for s in self.symptoms],
            "verdicts": [v.to_json() for v in self.verdicts],
            "questions": [q.to_json() for q in self.questions],
            "evidence": [
                {"source": s.source, "kind": s.kind, "facts": s.facts, "skipped_reason": s.skipped_reason}
                for s in self.evidence
            ],
            "overrides": list(self.overrides),
            "notes": list(self.notes),
            "missing_evidence": [m.to_json() for m in self.missing],
            "next_steps": [n.to_json() for n in self.next_steps],
        }


def _step_json(step: RemediationStep) -> dict[str, Any]:
    """A remediation step; ``needs_values`` (additive) only when the step has unknown values."""
    out: dict[str, Any] = {"step": step.step, "commands": list(step.commands)}
    if step.needs_values:
        out["needs_values"] = list(step.needs_values)
    return out
