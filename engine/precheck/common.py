"""What the precheck's checks share: references, the "cannot check" line, address classes and
the names of multi-tenant services (MC1226222)."""

from __future__ import annotations

import ipaddress

from ..relations.common import norm_name
from ..relations.domains import DomainEvidence, connector_name_acceptance
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


# -- shared providers ---------------------------------------------------------------------------

# Names that belong to multi-tenant services: a certificate (or connector value) naming them is
# shared with every other customer of the service (MC1226222). Matched as the domain or under it.
SHARED_PROVIDERS = (
    "outlook.com",
    "office365.com",
    "microsoft.com",
    "mimecast.com",
    "pphosted.com",
    "messagelabs.com",
    "barracudanetworks.com",
    "ess.barracudanetworks.com",
    "sendgrid.net",
    "mailgun.org",
    "amazonses.com",
    "sparkpostmail.com",
    "mandrillapp.com",
    "google.com",
    "googlemail.com",
    "iphmx.com",
    "trendmicro.com",
    "sophos.com",
    "mailcontrol.com",
    "hornetsecurity.com",
)


def shared_provider(value: str) -> str | None:
    v = norm_name(value)
    v = v[2:] if v.startswith("*.") else v
    if "." not in v:
        return f"the whole top-level domain {v!r}"
    if v in ("onmicrosoft.com", "mail.onmicrosoft.com"):
        return v
    for provider in SHARED_PROVIDERS:
        if v == provider or v.endswith("." + provider):
            return provider
    return None


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
