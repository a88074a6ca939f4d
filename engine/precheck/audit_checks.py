"""The audit of the current configuration (no plan given): what could break relay, or already
does, before any bounce — certificates about to expire on a connector's path, Microsoft's
MC1226222 anti-patterns, Partner connectors used for relay, disabled connectors."""

from __future__ import annotations

from ..facts import InboundConnector, IpConnectorMatch
from ..relations.ips import not_public, parse_ip_entry
from ..relations.names import usable
from .common import MC1226222
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


def _expiry(ctx: Context) -> list[Check]:
    """Pack data: the built-in pack's ``audit-certificate-expiry`` cause (``packed``), a line per
    certificate on a connector's path (``subject: p.thumbprint``, named by its CN)."""
    return ctx.packed["audit-expiry"]


def _onprem(ctx: Context) -> list[InboundConnector]:
    return [c for c in ctx.inbound if usable(c)]


def _no_inbound(check: str, title: str) -> list[Check]:
    return [Check(check, "warn", title, "cannot check: no Get-InboundConnector export among the evidence")]


def _ip_only(ctx: Context) -> list[Check]:
    """Pack data: the built-in pack's ``audit-ip-only-connector`` cause (``packed``), a line per
    IP-only connector (``subject: c.name``)."""
    return ctx.packed["audit-ip-only"]


def _cert_names(ctx: Context) -> list[Check]:
    """Pack data: the built-in pack's ``audit-connector-certificate-name`` cause (``packed``), a line
    per OnPremises connector that names a certificate (``subject: c.name``)."""
    return ctx.packed["audit-cert-name"]


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
