"""The checks that are pack data: the built-in pack's ``precheck`` code, judged by the rules.

A ``precheck_plan`` fact puts the code in scope (as a symptom does for diagnose), so one run of
the same diagnosis as ``diagnose`` judges each of its causes; each cause is one check line:
confirmed is FAIL, likely WARN, ruled out PASS, undetermined WARN ("cannot check: …"). Every
check is pack data; what each one reads: docs/precheck.md.
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
    # the line's references are its verdict's (the deciding rules' ``references:``), when they
    # differ by rule: only those among ``references`` when it is given (the cause's own, which
    # ``explain`` shows, are other pages), else all of them (the cause cites none of its own)
    rule_references: bool = False
    commands: bool = False  # FAIL and WARN lines carry the verdict's filled remediation commands
    # lines per subject are in subject order, those about these fact kinds (a verdict's first
    # evidence) first, in this order: the order the Python check printed them in
    kinds: tuple[str, ...] = ()
    hidden: frozenset[str] = frozenset()  # verdict statuses that give no line (nothing to say)
    # what a line names when its rules' subject is a key (a thumbprint): (subject, report facts) -> name
    subject_name: Callable[[str, Sequence[Fact]], str] | None = None

    def title_for(self, plan: Plan) -> str:
        return self.title(plan) if callable(self.title) else self.title


_UNPLANNED = frozenset({"undetermined"})  # the plan does not edit what the check is about
_QUIET = frozenset({"undetermined", "ruled_out"})  # a line only when there is something to fix

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
        references=(KB_ATTR36, MC1226222),  # of the verdict's: the rules' (the cause's own is another page)
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
    "planned-egress-ip": Packed(
        "egress-ip",
        "planned egress IP is covered by a connector's SenderIPAddresses",
        "no Get-InboundConnector export among the evidence "
        "(Get-InboundConnector | Export-Clixml Get-InboundConnector.xml)",
        references=(KB_CONNECTORS,),
        rule_references=True,
        commands=True,
    ),
    "planned-egress-public": Packed(
        "egress-ip-public",
        "planned egress IP is a public address",
        "the planned address is not an IP address",
        hidden=_QUIET,
    ),
    "planned-certificate-domain": Packed(
        "cert-domain",
        "certificate domain is an accepted domain (KB 4019940 parent rule)",
        "no Get-AcceptedDomain or Get-MgDomain export among the evidence",
        references=(KB_ATTR36, MC1226222),
        rule_references=True,
    ),
    "planned-certificate-smtp": Packed(
        "cert-smtp",
        "certificate is enabled for SMTP on the send connector's servers",
        "no planned certificate",
        commands=True,
    ),
    # the planned connector edit: each line only when the plan edits what it checks (undetermined:
    # not planned), and the lines that only warn give none when there is nothing to say
    "planned-connector-name": Packed(
        "connector-cert-name",
        "planned TlsSenderCertificateName is a valid, accepted domain",
        "no planned TlsSenderCertificateName",
        references=(KB_ATTR36, MC1226222),
        rule_references=True,
        hidden=_UNPLANNED,
    ),
    "planned-connector-name-shared": Packed(
        "connector-cert-name-shared",
        "planned certificate name is yours alone",
        "no planned TlsSenderCertificateName",
        references=(MC1226222,),
        hidden=_QUIET,
    ),
    "planned-connector-name-presented": Packed(
        "connector-cert-name-presented",
        "the certificates your servers present satisfy the planned name",
        "no planned TlsSenderCertificateName",
        hidden=_UNPLANNED,
    ),
    "planned-connector-ips": Packed(
        "connector-ips",
        "planned SenderIPAddresses are valid IPv4 addresses or /24–/32 ranges",
        "no planned SenderIPAddresses",
        references=(KB_CONNECTORS,),
        rule_references=True,
        hidden=_UNPLANNED,
    ),
    "planned-connector-ips-public": Packed(
        "connector-ips-public", "planned addresses are public", "no planned SenderIPAddresses", hidden=_QUIET
    ),
    "planned-connector-ips-scope": Packed(
        "connector-ips-scope",
        "planned ranges are no wider than needed",
        "no planned SenderIPAddresses",
        references=(MC1226222,),
        hidden=_QUIET,
    ),
    "planned-connector-ips-egress": Packed(
        "connector-ips-egress",
        "your current egress IPs fall in the planned list",
        "no planned SenderIPAddresses",
        hidden=_UNPLANNED,
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
        egress_ip=plan.egress_ip or None,
        connector=plan.connector,
        connector_cert_name=plan.connector_cert_name,
        connector_ips=tuple(plan.connector_ips or ()),
        connector_ips_planned=plan.connector_ips is not None,
    )


def packed_checks(
    facts: list[Fact], certificates: Mapping[str, bytes], plan: Plan, planned: Certificate | None,
    *, now: dt.datetime, diagnose: Diagnose,
) -> tuple[dict[str, list[Check]], list[str]]:
    """Each pack check's lines, by check id: one per verdict of its cause (a cause whose rules name
    a ``subject:`` has one per subject), and the pack overrides in force in words (a local pack's
    ``disable_rules`` changes what a check can say: the report lists them, as a diagnosis does).
    Symptoms are left out: only the plan's code is judged."""
    evidence = EvidenceSet(
        facts=[*(f for f in facts if not isinstance(f, Symptom)), plan_fact(plan, planned)],
        certificates=dict(certificates),
    )
    report = diagnose(evidence, now)
    out: dict[str, list[tuple[tuple, Check]]] = {}
    for v in report.verdicts:
        packed = PACKED.get(v.cause) if v.code == PACK_CODE else None
        if packed is None or v.status.value in packed.hidden:
            continue
        status = _STATUS[v.status.value]
        decided = v.status.value != "undetermined"
        summary = v.summary if decided else f"cannot check: {_cannot(packed, v.cause, report.overrides)}"
        warns = decided and status != "pass"
        commands = [c for step in v.remediation for c in step.commands] if packed.commands and warns else []
        shown = v.subject
        if shown and packed.subject_name is not None:
            shown = packed.subject_name(shown, report.facts)
        line = Check(
            packed.check, status, packed.title_for(plan), summary, subject=shown or packed.subject(plan),
            evidence=v.evidence, commands=tuple(commands),
            references=(
                tuple(r for r in v.references if not packed.references or r in packed.references)
                if packed.rule_references
                else packed.references if decided and status in packed.references_on else ()
            ),
        )
        kind = v.evidence[0].fact if v.evidence else ""
        rank = packed.kinds.index(kind) if kind in packed.kinds else len(packed.kinds)
        out.setdefault(packed.check, []).append(((rank, v.subject), line))
    lines = {check: [line for _, line in sorted(lines, key=lambda kl: kl[0])] for check, lines in out.items()}
    return lines, list(report.overrides)


def _cannot(packed: Packed, cause: str, overrides: Sequence[str]) -> str:
    """Why the check could not be decided. ``packed.cannot`` names the evidence the built-in rules
    need; when a pack override turned off one of the cause's rules (built-in ids are
    ``cause.name``), that is what may have left it undecided, and the line says so instead of
    blaming evidence that may well be there."""
    off = [o for o in overrides if f" rule {cause}." in o]
    if off:
        return f"a pack override in force turns off a rule of this check ({'; '.join(off)})"
    return packed.cannot

