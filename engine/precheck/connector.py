"""Checks of a planned inbound connector edit: TlsSenderCertificateName and SenderIPAddresses
against the accepted domains and what your servers present and send from."""

from __future__ import annotations

from ..facts import (
    InboundConnector,
)
from ..plainwords import plain_value
from ..relations.common import norm_name
from ..relations.ips import egress_ips, match_ip, not_public, parse_ip_entry
from ..relations.names import best_name_match, connector_value_problem
from .common import (
    KB_CONNECTORS,
    MC1226222,
    connector_name_check,
    shared_provider,
)
from .context import Context
from .model import Check, link


def planned_connector(ctx: Context) -> tuple[str, InboundConnector | None]:
    """The connector the edit applies to: --connector, else the only OnPremises connector."""
    wanted = ctx.plan.connector
    if wanted:
        found = next((c for c in ctx.inbound if c.name.lower() == wanted.lower()), None)
        return wanted, found
    onprem = [c for c in ctx.inbound if c.connector_type == "OnPremises"]
    if len(onprem) == 1:
        return onprem[0].name, onprem[0]
    return "(new connector)", None


def connector_checks(ctx: Context) -> list[Check]:
    name, current = planned_connector(ctx)
    out: list[Check] = []
    if ctx.plan.connector_cert_name is not None:
        out.extend(_connector_cert_name(ctx, name))
    if ctx.plan.connector_ips is not None:
        out.extend(_connector_ips(ctx, name, current))
    return out


def _connector_cert_name(ctx: Context, name: str) -> list[Check]:
    value = norm_name(ctx.plan.connector_cert_name)
    title = "planned TlsSenderCertificateName is a valid, accepted domain"
    problem = connector_value_problem(value)
    if problem:
        return [Check("connector-cert-name", "fail", title, f"{value!r}: {problem}", subject=name)]
    out = []
    shared = shared_provider(value)
    if shared:
        out.append(
            Check(
                "connector-cert-name-shared",
                "fail",
                "planned certificate name is yours alone",
                f"{value} names {shared}, a service other tenants use too: their mail could be "
                "attributed to you (MC1226222)",
                subject=name,
                references=(MC1226222,),
            )
        )
    out.append(connector_name_check("connector-cert-name", title, value, ctx.domains, name))
    title = "the certificates your servers present satisfy the planned name"
    shown = ctx.presented()
    if not shown:
        out.append(
            Check(
                "connector-cert-name-presented",
                "warn",
                title,
                "cannot check: no send log shows a certificate presented to Exchange Online and no "
                "send connector names an installed certificate",
                subject=name,
            )
        )
        return out
    for cert in shown:
        verdict = best_name_match(cert.names, value)
        status = {"match": "pass", "wildcard_match": "pass", "ambiguous": "warn"}.get(verdict.match, "fail")
        tail = (
            ""
            if status == "pass"
            else ": relay presenting it will be rejected with 550 5.7.64"
            if status == "fail"
            else ""
        )
        out.append(
            Check(
                "connector-cert-name-presented",
                status,
                title,
                f"{cert.cn or cert.thumbprint} [{', '.join(cert.names)}] vs {value}: "
                f"{plain_value('match', verdict.match)} — "
                f"{verdict.reason}{tail}",
                subject=cert.thumbprint[:8] + "…",
                evidence=(link(cert.session),),
            )
        )
    return out


def _connector_ips(ctx: Context, name: str, current: InboundConnector | None) -> list[Check]:
    entries = list(ctx.plan.connector_ips or ())
    title = "planned SenderIPAddresses are valid IPv4 addresses or /24–/32 ranges"
    out: list[Check] = []
    bad, wide, private = [], [], []
    for e in entries:
        parsed = parse_ip_entry(e)
        if parsed.problem:
            bad.append(f"{e!r}: {parsed.problem}")
            continue
        for net in parsed.networks:
            if not_public(net):
                private.append(str(net))
            elif net.prefixlen < 32:
                wide.append(str(net))
    if not entries:
        out.append(
            Check(
                "connector-ips",
                "warn",
                title,
                "the list is empty: the connector would not match by IP",
                subject=name,
            )
        )
    elif bad:
        out.append(
            Check("connector-ips", "fail", title, "; ".join(bad), subject=name, references=(KB_CONNECTORS,))
        )
    else:
        out.append(
            Check(
                "connector-ips",
                "pass",
                title,
                f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'} readable",
                subject=name,
            )
        )
    if private:
        out.append(
            Check(
                "connector-ips-public",
                "warn",
                "planned addresses are public",
                f"{', '.join(private)} private: Exchange Online only sees your public (NAT) address",
                subject=name,
            )
        )
    if wide:
        out.append(
            Check(
                "connector-ips-scope",
                "warn",
                "planned ranges are no wider than needed",
                f"{', '.join(wide)} cover more than one address: any tenant sending from them could be "
                "attributed to you (MC1226222); list your egress addresses",
                subject=name,
                references=(MC1226222,),
            )
        )
    title = "your current egress IPs fall in the planned list"
    seen = egress_ips(ctx.sessions, [a for a in ctx.facts if a.KIND == "answer"])
    if not seen:
        out.append(
            Check(
                "connector-ips-egress",
                "warn",
                title,
                "cannot check: no send log shows Exchange Online's EHLO reply with your egress IP "
                "(or pass --egress-ip)",
                subject=name,
            )
        )
        return out
    has_cert = bool(ctx.plan.connector_cert_name or (current and current.tls_sender_certificate_name))
    for egress in seen:
        verdict = match_ip(egress.ip, entries)
        if verdict.match == "in_range":
            status = "pass"
        else:
            status = "warn" if has_cert else "fail"
        out.append(
            Check(
                "connector-ips-egress",
                status,
                title,
                verdict.reason
                + (
                    ""
                    if status == "pass"
                    else "; the connector still has a certificate name"
                    if has_cert
                    else "; relay from it would be rejected with 550 5.7.64"
                ),
                subject=egress.ip,
                evidence=(link(egress.premise),),
            )
        )
    return out
