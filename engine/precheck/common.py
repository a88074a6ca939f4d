"""What the precheck's checks share: references, the "cannot check" line and the names of
multi-tenant services (MC1226222)."""

from __future__ import annotations

from ..relations.domains import DomainEvidence, connector_name_acceptance

# the names of multi-tenant services are the relations' own; the audit checks import them from here
from ..relations.names import SHARED_PROVIDERS, shared_provider  # noqa: F401
from ..results import EvidenceLink
from .model import Check

KB_ATTR36 = (
    "https://learn.microsoft.com/en-us/troubleshoot/exchange/email-delivery/relay-access-denied-attr36"
)
KB_CONNECTORS = (
    "https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/use-connectors-to-"
    "configure-mail-flow/set-up-connectors-to-route-mail"
)
MC1226222 = (
    "https://mwpro.co.uk/blog/2026/02/04/updated-prevent-fix-guidance-for-on-premises-connectors-"
    "configuration-mc1226222"
)


def no_inbound(check: str, title: str) -> Check:
    return Check(
        check,
        "warn",
        title,
        "cannot check: no Get-InboundConnector export among the evidence "
        "(Get-InboundConnector | Export-Clixml Get-InboundConnector.xml)",
    )


# -- shared providers: relations.domains (a relation field the pack's rules read) -----------------

def connector_name_check(
    check: str,
    title: str,
    value: str,
    ev: DomainEvidence,
    subject: str,
    evidence: tuple[EvidenceLink, ...] = (),
) -> Check:
    """A TlsSenderCertificateName (planned or in force) against the accepted domains: pass when
    accepted, fail when not (ATTR36, MC1226222), warn when unknown or there is no domain export."""
    if not ev.has_any:
        return Check(
            check,
            "warn",
            title,
            f"{value}: cannot check acceptance without Get-AcceptedDomain or Get-MgDomain",
            subject=subject,
            evidence=evidence,
        )
    got = connector_name_acceptance(value, ev)
    status = {"accepted": "pass", "not_accepted": "fail"}.get(got.status, "warn")
    return Check(
        check,
        status,
        title,
        f"{value}: {got.note}",
        subject=subject,
        evidence=evidence,
        references=(KB_ATTR36, MC1226222) if status != "pass" else (),
    )
