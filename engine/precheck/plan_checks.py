"""Checks of a planned change: a certificate, an egress IP, a connector edit, a sending domain.

Each function returns ``Check`` lines. Matching is always delegated to the relation functions the
diagnosis uses (``best_name_match``, ``match_ip``, ``certificate_name_acceptance``…).
"""

from __future__ import annotations

import ipaddress

from ..facts import (
    CertAttribution,
    Certificate,
    CertNameMatch,
    DomainAcceptance,
    InboundConnector,
    IpAttribution,
    IpConnectorMatch,
)
from ..pack.templates import ps_quote
from ..relations.common import norm_name, norm_thumbprint
from ..relations.domains import certificate_name_acceptance, connector_name_acceptance, mail_from_acceptance
from ..relations.ips import egress_ips, ip_relations, match_ip, parse_ip, parse_ip_entry
from ..relations.names import best_name_match, cert_name_relations, connector_value_problem, usable
from ..relations.sendconnector import split_tls_certificate_name
from ..x509names import dn_key
from .context import Context, as_presented
from .model import Check, link

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
PLACEHOLDER_SEND = "Outbound to Office 365"  # the Hybrid Configuration Wizard's name


def _cert_label(cert: Certificate) -> str:
    return f"{cert.cn or cert.subject or '?'} ({norm_thumbprint(cert.thumbprint)[:8]}…)"


def _no_inbound(check: str, title: str) -> Check:
    return Check(
        check,
        "warn",
        title,
        "cannot check: no Get-InboundConnector export among the evidence "
        "(Get-InboundConnector | Export-Clixml Get-InboundConnector.xml)",
    )


# -- planned certificate ------------------------------------------------------------------------


def cert_checks(ctx: Context) -> list[Check]:
    cert = ctx.planned
    assert cert is not None
    return [
        _cert_names(ctx, cert),
        _cert_domain(ctx, cert),
        _cert_lifetime(ctx, cert),
        _cert_chain(ctx, cert),
        _cert_smtp(ctx, cert),
        *_send_connector_name(ctx, cert),
    ]


def _cert_names(ctx: Context, cert: Certificate) -> Check:
    title = "certificate names vs the OnPremises connectors' TlsSenderCertificateName"
    if not ctx.inbound:
        return _no_inbound("cert-names", title)
    planned = as_presented(cert)
    rels = cert_name_relations([planned], ctx.inbound)
    matches = [r for r in rels if isinstance(r, CertNameMatch)]
    best = next(r for r in rels if isinstance(r, CertAttribution))
    evidence = tuple(link(m) for m in matches)
    names = ", ".join(planned.names) or "no DNS names"
    if best.match == "no_cert_connector":
        return Check(
            "cert-names",
            "warn",
            title,
            f"no enabled OnPremises connector authenticates by certificate; the names [{names}] "
            "are not used for attribution (IP-based connectors only)",
            evidence=(link(best),),
        )
    conn = best.connector or "?"
    if best.match in ("match", "wildcard_match"):
        return Check(
            "cert-names",
            "pass",
            title,
            f"{best.matched_name} satisfies connector {conn!r} ({best.expected}): {best.match}",
            subject=conn,
            evidence=(link(best), *evidence),
        )
    if best.match == "ambiguous":
        return Check(
            "cert-names",
            "warn",
            title,
            f"{best.matched_name} vs connector {conn!r} ({best.expected}) is ambiguous in "
            f"Microsoft's documents; set the connector to the certificate's own name to be sure",
            subject=conn,
            evidence=(link(best), *evidence),
            commands=(
                f"Set-InboundConnector -Identity {ps_quote(conn)} -TlsSenderCertificateName "
                f"{ps_quote(planned.cn or planned.names[0])}",
            ),
        )
    target = planned.cn if planned.cn in planned.names else (planned.names[0] if planned.names else None)
    commands = ()
    if target:
        commands = (
            f"Set-InboundConnector -Identity {ps_quote(conn)} -TlsSenderCertificateName {ps_quote(target)}",
        )
    return Check(
        "cert-names",
        "fail",
        title,
        f"none of [{names}] satisfies connector {conn!r} ({best.expected}): relay will be "
        "rejected with 550 5.7.64 once this certificate is presented",
        subject=conn,
        evidence=(link(best), *evidence),
        commands=commands,
        references=(KB_CONNECTORS,),
    )


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
    says = link(cert, f"{name}: {got.status} — {notes}")
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


def lifetime_check(ctx: Context, cert: Certificate, check: str, title: str, subject: str = "") -> Check:
    status = ctx.status_of(cert.thumbprint)
    left = ctx.days_left(status, cert)
    ev = tuple(link(f) for f in (status, cert) if f is not None)
    if status is not None and status.validity == "not_yet_valid":
        return Check(
            check,
            "warn",
            title,
            "not valid yet (its NotBefore is later): do not switch to it yet",
            subject=subject,
            evidence=ev,
        )
    if left is None:
        return Check(
            check,
            "warn",
            title,
            "cannot check: the certificate's expiry date is not known",
            subject=subject,
            evidence=ev,
        )
    if left < 0 or (status is not None and status.validity == "expired"):
        return Check(check, "fail", title, f"expired {-left} day(s) ago", subject=subject, evidence=ev)
    if left < ctx.plan.days:
        return Check(
            check,
            "warn",
            title,
            f"expires in {left} day(s), within the {ctx.plan.days}-day window",
            subject=subject,
            evidence=ev,
        )
    return Check(
        check,
        "pass",
        title,
        f"valid for {left} more day(s) (window {ctx.plan.days})",
        subject=subject,
        evidence=ev,
    )


def _cert_lifetime(ctx: Context, cert: Certificate) -> Check:
    return lifetime_check(ctx, cert, "cert-lifetime", "certificate is valid for long enough")


def _cert_chain(ctx: Context, cert: Certificate) -> Check:
    title = "certificate chains to a root Exchange Online trusts, intermediate available"
    status = ctx.status_of(cert.thumbprint)
    if status is None:
        return Check(
            "cert-chain", "warn", title, "cannot check: no certificate status", evidence=(link(cert),)
        )
    ev = (link(status),)
    if status.trust in ("self_signed", "private_ca", "untrusted_root", "revoked"):
        return Check(
            "cert-chain",
            "fail",
            title,
            f"trust {status.trust} ({status.trust_basis}): Exchange Online accepts only certificates "
            "from a public CA",
            evidence=ev,
        )
    if status.chain == "incomplete":
        return Check(
            "cert-chain",
            "fail",
            title,
            f"the intermediate {status.missing_issuer} is missing: install it on the sending servers "
            "(Intermediate Certification Authorities) so the full chain is sent",
            evidence=ev,
        )
    if status.trust == "trusted" and status.trust_basis == "windows":
        return Check(
            "cert-chain",
            "pass",
            title,
            f"Windows on the server accepts it ({status.windows_status or 'Valid'}, public root): the chain "
            "and its intermediate are available there",
            evidence=ev,
        )
    if status.trust == "trusted" and status.chain == "complete":
        return Check(
            "cert-chain",
            "pass",
            title,
            "the chain reaches a public root (offline Mozilla root store)",
            evidence=ev,
        )
    issuer = status.missing_issuer or (cert.issuer if status.chain == "unknown" else None)
    if issuer:
        return Check(
            "cert-chain",
            "warn",
            title,
            f"the issuer {issuer} is not in the file nor the offline root store: make "
            "sure the intermediate is installed on the sending servers (export the full chain, "
            "e.g. a .pfx or .p7b with the chain, to check it here)",
            evidence=ev,
        )
    return Check(
        "cert-chain", "warn", title, f"trust {status.trust}, chain {status.chain}: cannot tell", evidence=ev
    )


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


def tls_certificate_name(cert: Certificate) -> str | None:
    """The send connector's ``TlsCertificateName`` value for ``cert``: ``<I>issuer<S>subject`` as
    Get-ExchangeCertificate prints them."""
    if not cert.issuer or not cert.subject:
        return None
    return f"<I>{cert.issuer}<S>{cert.subject}"


def _send_connector_name(ctx: Context, cert: Certificate) -> list[Check]:
    title = "send connector TlsCertificateName names the planned certificate"
    value = tls_certificate_name(cert)
    if value is None:
        return [
            Check(
                "send-connector-cert",
                "warn",
                title,
                "cannot build <I>issuer<S>subject: issuer or subject unknown",
            )
        ]
    scs = ctx.send_to_eop()
    if not scs:
        cmd = (
            f"Set-SendConnector -Identity {ps_quote(PLACEHOLDER_SEND)} -TlsCertificateName {ps_quote(value)}"
        )
        return [
            Check(
                "send-connector-cert",
                "warn",
                title,
                f"no Get-SendConnector export; set the connector to Exchange Online to {value}",
                commands=(cmd,),
            )
        ]
    out = []
    want = (dn_key(cert.issuer), dn_key(cert.subject))
    for sc in scs:
        cmd = f"Set-SendConnector -Identity {ps_quote(sc.name)} -TlsCertificateName {ps_quote(value)}"
        parts = split_tls_certificate_name(sc.tls_certificate_name)
        have = (dn_key(parts[0]), dn_key(parts[1])) if parts else None
        if have == want:
            same = [
                c
                for c in ctx.installed
                if (dn_key(c.issuer), dn_key(c.subject)) == want
                and norm_thumbprint(c.thumbprint) != norm_thumbprint(cert.thumbprint)
            ]
            note = (
                (
                    f"; {len(same)} other installed certificate(s) share issuer and subject — Exchange "
                    "uses the one that expires last"
                )
                if same
                else ""
            )
            out.append(
                Check(
                    "send-connector-cert",
                    "warn" if same else "pass",
                    title,
                    f"already {value}{note}",
                    subject=sc.name,
                    evidence=(link(sc),),
                )
            )
            continue
        current = sc.tls_certificate_name or "(empty: Exchange picks a certificate by the connector's FQDN)"
        out.append(
            Check(
                "send-connector-cert",
                "warn",
                title,
                f"now {current}; set it to {value} when you switch",
                subject=sc.name,
                evidence=(link(sc),),
                commands=(cmd,),
            )
        )
    return out


# -- planned egress IP --------------------------------------------------------------------------


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
        return [_no_inbound("egress-ip", title)]
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


# -- planned connector edit ---------------------------------------------------------------------


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
    ev = ctx.domains
    if not ev.has_any:
        out.append(
            Check(
                "connector-cert-name",
                "warn",
                title,
                "cannot check acceptance: no Get-AcceptedDomain or Get-MgDomain export",
                subject=name,
            )
        )
    else:
        got = connector_name_acceptance(value, ev)
        status = {"accepted": "pass", "not_accepted": "fail"}.get(got.status, "warn")
        out.append(
            Check(
                "connector-cert-name",
                status,
                title,
                f"{value}: {got.note}",
                subject=name,
                references=(KB_ATTR36, MC1226222) if status != "pass" else (),
            )
        )
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
                f"{cert.cn or cert.thumbprint} [{', '.join(cert.names)}] vs {value}: {verdict.match} — "
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


# -- planned sending domain ---------------------------------------------------------------------


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
