"""What the precheck's checks share: references, the "cannot check" line, address classes and
the names of multi-tenant services (MC1226222)."""

from __future__ import annotations

import ipaddress

from ..relations.domains import SHARED_PROVIDERS, DomainEvidence, connector_name_acceptance, shared_provider

__all__ = ["SHARED_PROVIDERS", "shared_provider"]  # re-exported: the checks still in Python use them
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


# -- address classes ----------------------------------------------------------------------------

_NOT_PUBLIC = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
    )
)


def not_public(value: object) -> bool:
    """RFC 1918, CGNAT, loopback or link-local (documentation ranges count as public: they stand
    for public addresses in examples)."""
    if isinstance(value, ipaddress.IPv4Network):
        return any(value.subnet_of(n) for n in _NOT_PUBLIC)
    if isinstance(value, ipaddress.IPv4Address):
        return any(value in n for n in _NOT_PUBLIC)
    if isinstance(value, ipaddress.IPv6Address):
        return value.is_private or value.is_loopback or value.is_link_local
    return False


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
