"""The audit of the current configuration (no plan given): what could break relay, or already
does, before any bounce — certificates about to expire on a connector's path, Microsoft's
MC1226222 anti-patterns, Partner connectors used for relay, disabled connectors."""

from __future__ import annotations

from ..facts import Certificate, InboundConnector, IpConnectorMatch, SendConnectorCertificate
from ..relations.common import norm_thumbprint
from ..relations.ips import not_public, parse_ip_entry
from ..relations.names import usable
from .certificate import lifetime_check
from .common import MC1226222, connector_name_check, shared_provider
from .context import Context
from .model import Check, link


def audit_checks(ctx: Context) -> list[Check]:
    return [
        *_expiry(ctx),
        *_ip_only(ctx),
        *_cert_names(ctx),
        *_ip_scope(ctx),
        *_partner(ctx),
        *_disabled(ctx),
    ]


def _on_path(ctx: Context) -> list[Certificate]:
    """Certificates on a connector's path: presented to Exchange Online in a send log, or named by a
    send connector's TlsCertificateName (one fact per thumbprint, the richest source first)."""
    wanted = {s.thumbprint for s in ctx.rel(SendConnectorCertificate) if s.thumbprint}
    wanted |= {
        norm_thumbprint(s.cert_thumbprint)
        for s in ctx.sessions
        if s.to_eop and s.cert_presented and s.cert_thumbprint
    }
    order = {"file": 0, "exchange": 1, "send_log": 2}
    best: dict[str, Certificate] = {}
    for c in sorted(ctx.of(Certificate), key=lambda c: (order.get(c.origin, 9), c.provenance.ref())):
        best.setdefault(norm_thumbprint(c.thumbprint), c)
    out = [best[t] for t in sorted(wanted) if t in best]
    for t in sorted(wanted - set(best)):  # presented, but only the log knows it: a status still exists
        status = ctx.status_of(t)
        if status is not None:
            out.append(
                Certificate(
                    provenance=status.provenance, thumbprint=t, cn=status.cn, not_after=status.not_after
                )
            )
    return out


def _expiry(ctx: Context) -> list[Check]:
    title = f"certificates on a connector's path do not expire within {ctx.plan.days} days"
    certs = _on_path(ctx)
    if not certs:
        return [
            Check(
                "audit-expiry",
                "warn",
                title,
                "cannot check: no send log shows a certificate presented to Exchange Online and no send "
                "connector names an installed certificate",
            )
        ]
    return [lifetime_check(ctx, c, "audit-expiry", title, subject=c.cn or c.thumbprint) for c in certs]


def _onprem(ctx: Context) -> list[InboundConnector]:
    return [c for c in ctx.inbound if usable(c)]


def _no_inbound(check: str, title: str) -> list[Check]:
    return [Check(check, "warn", title, "cannot check: no Get-InboundConnector export among the evidence")]


def _ip_only(ctx: Context) -> list[Check]:
    """Pack data: the built-in pack's ``audit-ip-only-connector`` cause (``packed``), a line per
    IP-only connector (``subject: c.name``)."""
    return ctx.packed["audit-ip-only"]


def _cert_names(ctx: Context) -> list[Check]:
    title = "certificate names are accepted domains of this tenant, not shared names (MC1226222)"
    if not ctx.inbound:
        return _no_inbound("audit-cert-name", title)
    out = []
    ev = ctx.domains
    for c in _onprem(ctx):
        value = c.tls_sender_certificate_name
        if not value:
            continue
        shared = shared_provider(value)
        if shared:
            out.append(
                Check(
                    "audit-cert-name",
                    "fail",
                    title,
                    f"{value} names {shared}, a service other tenants use too: their mail can be attributed "
                    "to you, and yours to them",
                    subject=c.name,
                    evidence=(link(c),),
                    references=(MC1226222,),
                )
            )
            continue
        out.append(connector_name_check("audit-cert-name", title, value, ev, c.name, (link(c),)))
    return out or [
        Check("audit-cert-name", "pass", title, "no enabled OnPremises connector names a certificate")
    ]


def _ip_scope(ctx: Context) -> list[Check]:
    title = "SenderIPAddresses are no wider than needed and public"
    if not ctx.inbound:
        return _no_inbound("audit-ip-scope", title)
    out = []
    seen = {r.ip for r in ctx.rel(IpConnectorMatch)}
    for c in _onprem(ctx):
        wide, private, bad = [], [], []
        for entry in c.sender_ip_addresses:
            parsed = parse_ip_entry(entry)
            if parsed.problem:
                bad.append(f"{entry} ({parsed.problem})")
            for net in parsed.networks:
                if not_public(net):
                    private.append(str(net))
                elif net.prefixlen < 32:
                    used = sorted(ip for ip in seen if _in(ip, net))
                    wide.append(f"{net}" + (f" (the logs show {', '.join(used)} used)" if used else ""))
        problems = []
        if bad:
            problems.append("ignored by Exchange Online: " + ", ".join(bad))
        if private:
            problems.append("private, never seen by Exchange Online: " + ", ".join(private))
        if wide:
            problems.append("wider than one address, shareable with other senders: " + ", ".join(wide))
        if problems:
            out.append(
                Check(
                    "audit-ip-scope",
                    "warn",
                    title,
                    "; ".join(problems),
                    subject=c.name,
                    evidence=(link(c),),
                    references=(MC1226222,),
                )
            )
        elif c.sender_ip_addresses:
            out.append(
                Check("audit-ip-scope", "pass", title, "every entry is one public address", subject=c.name)
            )
    return out or [
        Check("audit-ip-scope", "pass", title, "no enabled OnPremises connector lists SenderIPAddresses")
    ]


def _in(ip: str, net: object) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(ip) in net  # type: ignore[operator]
    except (ValueError, TypeError):
        return False


def _partner(ctx: Context) -> list[Check]:
    """Pack data: the built-in pack's ``audit-partner-connector`` cause (``packed``), a line per
    Partner connector (``subject: c.name``)."""
    return ctx.packed["audit-partner"]


def _disabled(ctx: Context) -> list[Check]:
    """Pack data: the built-in pack's ``audit-connector-disabled`` cause (``packed``), a line per
    disabled connector (``subject: c.name`` / ``sc.name``)."""
    return ctx.packed["audit-disabled"]
