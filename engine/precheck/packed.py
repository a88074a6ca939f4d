"""The checks that are pack data: the built-in pack's ``precheck`` code, judged by the rules.

A ``precheck_plan`` fact puts the code in scope (as a symptom does for diagnose), so one run of
the same diagnosis as ``diagnose`` judges each of its causes; each cause is one check line:
confirmed is FAIL, likely WARN, ruled out PASS, undetermined WARN ("cannot check: …"). Which
checks are pack data and why the others are not yet: docs/precheck.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence

from ..facts import Certificate, Fact, PathCertificate, PrecheckPlan, Provenance, Symptom
from ..lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from ..relations.common import norm_name, norm_thumbprint
from ..results import EvidenceSet, Report
from .common import KB_ATTR36, KB_CONNECTORS, MC1226222
from .model import Check, Plan

PACK_CODE = "precheck"
# The diagnosis of already-read evidence at a time (``api.diagnose_evidence`` with the packs bound).
Diagnose = Callable[[EvidenceSet, dt.datetime], Report]
_STATUS = {"confirmed": "fail", "likely": "warn", "ruled_out": "pass", "undetermined": "warn"}


@dataclass(frozen=True, slots=True)
class Packed:
    check: str  # the check id the line keeps (the report contract)
    title: str | Callable[[Plan], str]
    cannot: str  # why an undetermined verdict could not be decided, in the user's words
    # what a line without a rule subject names (a line per subject names its verdict's subject)
    subject: Callable[[Plan], str] = lambda plan: ""
    references: tuple[str, ...] = ()  # on its FAIL and WARN lines (not on PASS or cannot check)
    references_on: tuple[str, ...] = ("fail", "warn")  # which decided lines carry ``references``
    # the line's references are its verdict's (the deciding rules' ``references:``; the cause cites
    # none of its own), when they differ by rule
    rule_references: bool = False
    commands: bool = False  # FAIL and WARN lines carry the verdict's filled remediation commands
    # lines per subject are in subject order, those about these fact kinds (a verdict's first
    # evidence) first, in this order: the order the Python check printed them in
    kinds: tuple[str, ...] = ()
    # what a line names when its rules' subject is a key (a thumbprint): (subject, report facts) -> name
    subject_name: Callable[[str, Sequence[Fact]], str] | None = None

    def title_for(self, plan: Plan) -> str:
        return self.title(plan) if callable(self.title) else self.title


# cause of the ``precheck`` code -> its check line
PACKED: Mapping[str, Packed] = {
    "planned-certificate-lifetime": Packed(
        "cert-lifetime", "certificate is valid for long enough", "the certificate's expiry date is not known"
    ),
    "planned-certificate-chain": Packed(
        "cert-chain",
        "certificate chains to a root Exchange Online trusts, intermediate available",
        "the certificate's trust and chain could not be judged from the files given",
    ),
    "planned-sending-domain": Packed(
        "sender-domain",
        "planned sending domain is accepted, or attribution comes from the certificate",
        "no Get-AcceptedDomain or Get-MgDomain export among the evidence",
        subject=lambda plan: norm_name(plan.sender_domain),
        references=(KB_ATTR36,),
    ),
    "audit-connector-disabled": Packed(
        "audit-disabled",
        "connectors on the relay path are enabled",
        "no Get-InboundConnector or Get-SendConnector export among the evidence",
        commands=True,
        kinds=("inbound_connector", "send_connector"),
    ),
    "audit-ip-only-connector": Packed(
        "audit-ip-only",
        "OnPremises connectors authenticate by certificate, not by IP alone (MC1226222)",
        "no Get-InboundConnector export among the evidence",
        references=(MC1226222,),
    ),
    "audit-partner-connector": Packed(
        "audit-partner",
        "no Partner-type connector is used for relay",
        "no Get-InboundConnector export among the evidence",
        commands=True,
    ),
    "planned-certificate-names": Packed(
        "cert-names",
        "certificate names vs the OnPremises connectors' TlsSenderCertificateName",
        "no Get-InboundConnector export among the evidence "
        "(Get-InboundConnector | Export-Clixml Get-InboundConnector.xml)",
        references=(KB_CONNECTORS,),
        references_on=("fail",),
        commands=True,
    ),
    "audit-certificate-expiry": Packed(
        "audit-expiry",
        lambda plan: f"certificates on a connector's path do not expire within {plan.days} days",
        "no send log shows a certificate presented to Exchange Online and no send connector names an "
        "installed certificate",
        subject_name=lambda thumb, facts: next(
            (f.name for f in facts if isinstance(f, PathCertificate) and f.thumbprint == thumb), thumb
        ),
    ),
    "audit-connector-certificate-name": Packed(
        "audit-cert-name",
        "certificate names are accepted domains of this tenant, not shared names (MC1226222)",
        "no Get-InboundConnector export among the evidence",
        rule_references=True,
    ),
    "audit-connector-ip-scope": Packed(
        "audit-ip-scope",
        "SenderIPAddresses are no wider than needed and public",
        "no Get-InboundConnector export among the evidence",
        references=(MC1226222,),
    ),
    "planned-send-connector-certificate": Packed(
        "send-connector-cert",
        "send connector TlsCertificateName names the planned certificate",
        "the planned certificate is not among the evidence",
        commands=True,
    ),
}


def plan_fact(plan: Plan, planned: Certificate | None) -> PrecheckPlan:
    return PrecheckPlan(
        provenance=Provenance("--plan", None, "the planned change"),
        code=PACK_CODE,
        days=plan.days,
        cert_thumbprint=norm_thumbprint(planned.thumbprint) if planned is not None else None,
        audit=plan.audit,
        sender_domain=norm_name(plan.sender_domain) or None,
    )


def packed_checks(
    facts: list[Fact], certificates: Mapping[str, bytes], plan: Plan, planned: Certificate | None,
    *, now: dt.datetime, diagnose: Diagnose,
) -> dict[str, list[Check]]:
    """Each pack check's lines, by check id: one per verdict of its cause (a cause whose rules name
    a ``subject:`` has one per subject). Symptoms are left out: only the plan's code is judged."""
    evidence = EvidenceSet(
        facts=[*(f for f in facts if not isinstance(f, Symptom)), plan_fact(plan, planned)],
        certificates=dict(certificates),
    )
    report = diagnose(evidence, now)
    out: dict[str, list[tuple[tuple, Check]]] = {}
    for v in report.verdicts:
        packed = PACKED.get(v.cause) if v.code == PACK_CODE else None
        if packed is None:
            continue
        status = _STATUS[v.status.value]
        decided = v.status.value != "undetermined"
        summary = v.summary if decided else f"cannot check: {packed.cannot}"
        warns = decided and status != "pass"
        commands = [c for step in v.remediation for c in step.commands] if packed.commands and warns else []
        shown = v.subject
        if shown and packed.subject_name is not None:
            shown = packed.subject_name(shown, report.facts)
        line = Check(
            packed.check, status, packed.title_for(plan), summary, subject=shown or packed.subject(plan),
            evidence=v.evidence, commands=tuple(commands),
            references=(
                v.references if packed.rule_references
                else packed.references if decided and status in packed.references_on else ()
            ),
        )
        kind = v.evidence[0].fact if v.evidence else ""
        rank = packed.kinds.index(kind) if kind in packed.kinds else len(packed.kinds)
        out.setdefault(packed.check, []).append(((rank, v.subject), line))
    return {check: [line for _, line in sorted(lines, key=lambda kl: kl[0])] for check, lines in out.items()}
