"""The checks that are pack data: the built-in pack's ``precheck`` code, judged by the rules.

A ``precheck_plan`` fact puts the code in scope (as a symptom does for diagnose), so one run of
the same diagnosis as ``diagnose`` judges each of its causes; each cause is one check line:
confirmed is FAIL, likely WARN, ruled out PASS, undetermined WARN ("cannot check: …"). Which
checks are pack data and why the others are not yet: docs/precheck.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from ..facts import Certificate, Fact, PrecheckPlan, Provenance, Symptom
from ..lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from ..relations.common import norm_name, norm_thumbprint
from ..results import EvidenceSet, Report
from .common import KB_ATTR36
from .model import Check, Plan

PACK_CODE = "precheck"
# The diagnosis of already-read evidence at a time (``api.diagnose_evidence`` with the packs bound).
Diagnose = Callable[[EvidenceSet, dt.datetime], Report]
_STATUS = {"confirmed": "fail", "likely": "warn", "ruled_out": "pass", "undetermined": "warn"}


@dataclass(frozen=True, slots=True)
class Packed:
    check: str  # the check id the line keeps (the report contract)
    title: str
    cannot: str  # why an undetermined verdict could not be decided, in the user's words
    subject: Callable[[Plan], str] = lambda plan: ""  # what the line names (a Check's subject)
    references: tuple[str, ...] = ()  # on its FAIL and WARN lines (not on PASS or cannot check)


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
) -> dict[str, Check]:
    """Each pack check's line, by check id. Symptoms are left out: only the plan's code is judged."""
    evidence = EvidenceSet(
        facts=[*(f for f in facts if not isinstance(f, Symptom)), plan_fact(plan, planned)],
        certificates=dict(certificates),
    )
    report = diagnose(evidence, now)
    out: dict[str, Check] = {}
    for v in report.verdicts:
        packed = PACKED.get(v.cause) if v.code == PACK_CODE else None
        if packed is None:
            continue
        status = _STATUS[v.status.value]
        decided = v.status.value != "undetermined"
        summary = v.summary if decided else f"cannot check: {packed.cannot}"
        out[packed.check] = Check(
            packed.check, status, packed.title, summary, subject=packed.subject(plan), evidence=v.evidence,
            references=packed.references if decided and status != "pass" else (),
        )
    return out
