"""Checks of a planned egress IP: which connector's SenderIPAddresses covers it, IPv6 caveats."""

from __future__ import annotations

from ..facts import (
    InboundConnector,
    IpAttribution,
    IpConnectorMatch,
)
from ..pack.templates import ps_quote
from ..relations.ips import ip_relations, not_public, parse_ip
from ..relations.names import usable
from .common import (
    KB_CONNECTORS,
    no_inbound,
)
from .context import Context
from .model import Check, link


def _cert_route(ctx: Context) -> InboundConnector | None:
    """A usable connector that authenticates by a certificate name (attribution does not need the IP)."""
    return next((c for c in ctx.inbound if usable(c) and c.tls_sender_certificate_name), None)


def egress_checks(ctx: Context) -> list[Check]:
    title = "planned egress IP is covered by a connector's SenderIPAddresses"
    ip_text = ctx.plan.egress_ip or ""
    ip = parse_ip(ip_text)
    if ip is None:
        return [Check("egress-ip", "fail", title, f"{ip_text!r} is not an IP address")]
    if not ctx.inbound:
        return [no_inbound("egress-ip", title)]
    answer = [a for a in ctx.facts if a.KIND == "answer" and a.provenance.source == "--egress-ip"]
    rels = ip_relations([], answer, ctx.inbound)
    best = next(r for r in rels if isinstance(r, IpAttribution))
    ev = (link(best), *(link(r) for r in rels if isinstance(r, IpConnectorMatch)))
    cert_route = _cert_route(ctx)
    lines: list[Check] = []
    if not_public(ip):
        lines.append(
            Check(
                "egress-ip-public",
                "warn",
                "planned egress IP is a public address",
                f"{ip} is not a public address: Exchange Online sees your NAT's public address, "
                "never this one",
            )
        )
    if best.match == "in_range":
        lines.append(
            Check(
                "egress-ip",
                "pass",
                title,
                f"{ip} is within {best.matched_range} of connector {best.connector!r}",
                subject=best.connector or "",
                evidence=ev,
            )
        )
        return lines
    if best.match == "ipv6" or ip.version == 6:
        status = "warn" if cert_route else "fail"
        via = (
            f"attribution must come from the certificate (connector {cert_route.name!r})"
            if cert_route
            else "no certificate connector exists, so relay over IPv6 will be rejected"
        )
        lines.append(
            Check(
                "egress-ip",
                status,
                title,
                f"{ip} is IPv6: SenderIPAddresses accepts IPv4 only; {via}",
                evidence=ev,
                references=(KB_CONNECTORS,),
            )
        )
        return lines
    if cert_route is not None:
        lines.append(
            Check(
                "egress-ip",
                "pass" if best.match == "no_ip_connector" else "warn",
                title,
                f"{ip} is not listed by any connector; relay is attributed by certificate "
                f"(connector {cert_route.name!r}), so this is fine if the certificate stays the same",
                evidence=ev,
            )
        )
        return lines
    target = best.connector or next((c.name for c in ctx.inbound if usable(c)), None)
    commands = ()
    if target:
        commands = (
            f"Set-InboundConnector -Identity {ps_quote(target)} -SenderIPAddresses "
            f"@{{Add={ps_quote(str(ip))}}}",
        )
    lines.append(
        Check(
            "egress-ip",
            "fail",
            title,
            f"{ip} is not within any enabled OnPremises connector's SenderIPAddresses: relay from it "
            "will be rejected with 550 5.7.64",
            subject=target or "",
            evidence=ev,
            commands=commands,
            references=(KB_CONNECTORS,),
        )
    )
    return lines
