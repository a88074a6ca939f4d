"""Checks of a planned certificate: names vs the connectors, accepted domain (KB 4019940), lifetime,
chain and trust, SMTP binding, and the send connector's TlsCertificateName value."""

from __future__ import annotations

from ..facts import (
    Certificate,
)
from ..pack.templates import ps_quote
from ..plainwords import plain_value
from ..relations.common import norm_thumbprint
from ..relations.domains import certificate_name_acceptance
from .common import (
    KB_ATTR36,
    MC1226222,
)
from .context import Context, as_presented
from .model import Check, link


def cert_checks(ctx: Context) -> list[Check]:
    cert = ctx.planned
    assert cert is not None
    return [
        *_cert_names(ctx),
        _cert_domain(ctx, cert),
        _cert_lifetime(ctx, cert),
        _cert_chain(ctx, cert),
        _cert_smtp(ctx, cert),
        *_send_connector_name(ctx, cert),
    ]


def _cert_names(ctx: Context) -> list[Check]:
    """Pack data: the built-in pack's ``planned-certificate-names`` cause (``packed``), judged on the
    planned certificate's ``planned_cert_attribution`` and ``planned_cert_name_match`` relations."""
    return ctx.packed["cert-names"]


def _cert_domain(ctx: Context, cert: Certificate) -> Check:
    title = "certificate domain is an accepted domain (KB 4019940 parent rule)"
    ev = ctx.domains
    planned = as_presented(cert)
    if not ev.has_any:
        return Check(
            "cert-domain",
            "warn",
            title,
            "cannot check: no Get-AcceptedDomain or Get-MgDomain export among the evidence",
            evidence=(link(cert),),
        )
    looks = [(n, certificate_name_acceptance(n, ev)) for n in planned.names]
    if not looks:
        return Check(
            "cert-domain", "fail", title, "the certificate carries no DNS name", evidence=(link(cert),)
        )
    rank = {"accepted": 0, "unverified": 1, "unknown": 2, "not_accepted": 3}
    name, got = min(looks, key=lambda nl: (rank[nl[1].status], nl[0]))
    notes = "; ".join(dict.fromkeys(g.note for _, g in looks))
    says = link(cert, f"{name}: {plain_value('status', got.status)} — {notes}")
    if got.status == "accepted":
        return Check(
            "cert-domain",
            "pass",
            title,
            f"{name} is covered by accepted domain {got.accepted_as}",
            evidence=(says,),
        )
    if got.status in ("unverified", "unknown"):
        return Check(
            "cert-domain", "warn", title, f"{name}: {got.note}", evidence=(says,), references=(KB_ATTR36,)
        )
    return Check(
        "cert-domain",
        "fail",
        title,
        f"no certificate name is (or is a host directly under) an accepted domain: null senders "
        f"(MAIL FROM:<>) and senders from non-accepted domains will get 550 5.7.64 ATTR36 ({notes})",
        evidence=(says,),
        references=(KB_ATTR36, MC1226222),
    )


def _cert_lifetime(ctx: Context, cert: Certificate) -> Check:
    """Pack data: the built-in pack's ``planned-certificate-lifetime`` cause (``packed``)."""
    (line,) = ctx.packed["cert-lifetime"]
    return line


def _cert_chain(ctx: Context, cert: Certificate) -> Check:
    """Pack data: the built-in pack's ``planned-certificate-chain`` cause (``packed``)."""
    (line,) = ctx.packed["cert-chain"]
    return line


def _servers(ctx: Context) -> list[str]:
    return sorted({s for sc in ctx.send_to_eop() for s in sc.source_transport_servers})


def _enable_commands(ctx: Context, thumb: str) -> tuple[str, ...]:
    servers = _servers(ctx)
    base = f"Enable-ExchangeCertificate -Thumbprint {ps_quote(thumb)} -Services SMTP"
    return tuple(f"{base} -Server {ps_quote(s)}" for s in servers) or (base,)


def _cert_smtp(ctx: Context, cert: Certificate) -> Check:
    title = "certificate is enabled for SMTP on the send connector's servers"
    thumb = norm_thumbprint(cert.thumbprint)
    installed = ctx.installed
    servers = ", ".join(_servers(ctx)) or "the servers of the send connector"
    if not installed:
        return Check(
            "cert-smtp",
            "warn",
            title,
            f"cannot check: no Get-ExchangeCertificate export; after importing it, enable it for SMTP "
            f"on {servers}",
            commands=_enable_commands(ctx, thumb),
        )
    mine = [c for c in installed if norm_thumbprint(c.thumbprint) == thumb]
    if not mine:
        return Check(
            "cert-smtp",
            "warn",
            title,
            f"not installed on the servers Get-ExchangeCertificate was run on; import it and enable "
            f"it for SMTP on {servers}",
            evidence=tuple(link(c) for c in installed[:3]),
            commands=_enable_commands(ctx, thumb),
        )
    smtp = [c for c in mine if c.smtp_enabled or any(s.strip().upper() == "SMTP" for s in c.services)]
    if smtp:
        return Check(
            "cert-smtp",
            "pass",
            title,
            f"installed with Services {', '.join(smtp[0].services) or 'SMTP'}",
            evidence=(link(smtp[0]),),
        )
    return Check(
        "cert-smtp",
        "fail",
        title,
        f"installed but not enabled for SMTP (Services {', '.join(mine[0].services) or 'none'}): "
        "TLS to Exchange Online fails with UnknownCredentials / 454 4.7.5",
        evidence=(link(mine[0]),),
        commands=_enable_commands(ctx, thumb),
    )


def _send_connector_name(ctx: Context, cert: Certificate) -> list[Check]:
    """Pack data: the built-in pack's ``planned-send-connector-certificate`` cause (``packed``), a
    line per send connector (``subject: r.connector``), judged on ``planned_send_connector_cert``."""
    return ctx.packed["send-connector-cert"]
