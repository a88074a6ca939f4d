"""Checks of a planned sending (MAIL FROM) domain: accepted, or attributed by the certificate."""

from __future__ import annotations

from ..facts import (
    CertAttribution,
    DomainAcceptance,
)
from ..relations.common import norm_name
from ..relations.domains import mail_from_acceptance
from .common import (
    KB_ATTR36,
)
from .context import Context
from .model import Check, link


def sender_domain_checks(ctx: Context) -> list[Check]:
    domain = norm_name(ctx.plan.sender_domain)
    title = "planned sending domain is accepted, or attribution comes from the certificate"
    ev = ctx.domains
    if not ev.has_any:
        return [
            Check(
                "sender-domain",
                "warn",
                title,
                "cannot check: no Get-AcceptedDomain or Get-MgDomain export among the evidence",
                subject=domain,
            )
        ]
    got = mail_from_acceptance(domain, ev)
    if got.status == "accepted":
        return [Check("sender-domain", "pass", title, got.note, subject=domain)]
    if got.status in ("unknown", "unverified"):
        return [Check("sender-domain", "warn", title, got.note, subject=domain, references=(KB_ATTR36,))]
    # not accepted: relay is attributed only through a certificate whose domain is accepted
    for attribution in ctx.rel(CertAttribution):
        if attribution.match not in ("match", "wildcard_match"):
            continue
        accepted = [
            d
            for d in ctx.rel(DomainAcceptance)
            if d.role == "certificate" and d.thumbprint == attribution.thumbprint and d.status == "accepted"
        ]
        if accepted:
            return [
                Check(
                    "sender-domain",
                    "warn",
                    title,
                    f"{got.note}; mail from it is attributed by the certificate {accepted[0].domain} your "
                    f"servers present (connector {attribution.connector!r}); an IP-only path or another "
                    "certificate would get 550 5.7.64 ATTR36",
                    subject=domain,
                    evidence=(link(attribution), link(accepted[0])),
                    references=(KB_ATTR36,),
                )
            ]
    return [
        Check(
            "sender-domain",
            "fail",
            title,
            f"{got.note}, and no certificate your servers present is of an accepted domain and matches a "
            "connector: mail from it will get 550 5.7.64 ATTR36 (add and verify the domain, or relay with "
            "such a certificate)",
            subject=domain,
            references=(KB_ATTR36,),
        )
    ]
