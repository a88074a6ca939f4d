"""One plain sentence per fact: what it says, for evidence chains in reports and the TUI."""

from __future__ import annotations

from collections.abc import Callable

from .facts import (
    AcceptedDomain,
    Answer,
    CertAttribution,
    Certificate,
    CertLifetime,
    CertNameMatch,
    CertStatus,
    ConnectorChange,
    ConnectorIpScope,
    DomainAcceptance,
    DomainVerification,
    Fact,
    InboundConnector,
    IpAttribution,
    IpConnectorMatch,
    PathCertificate,
    PlannedCertAttribution,
    PlannedCertNameMatch,
    PlannedCertSmtp,
    PlannedConnector,
    PlannedEgress,
    PlannedIpMatch,
    PlannedNameMatch,
    PlannedSendConnectorCert,
    PrecheckPlan,
    SendConnector,
    SendConnectorCertificate,
    SmtpClient,
    SmtpSession,
    Symptom,
)
from .plainwords import plain_value


def _session(f: SmtpSession) -> str:
    n = f"{f.sessions} session{'s' if f.sessions != 1 else ''}"
    where = f"to {f.remote_host}" if f.remote_host else f"via {f.connector}"
    parts = [f"{n} {where}"]
    if f.tls == "negotiated":
        parts.append(f"TLS {f.tls_protocol or ''}".rstrip() + " negotiated")
    elif f.tls == "failed":
        parts.append(f"TLS failed ({f.tls_error or 'unknown error'})")
    elif f.tls == "not_attempted":
        parts.append("no STARTTLS (plain text)")
    if f.cert_presented:
        parts.append(f"presented {f.cert_cn or f.cert_subject or 'a certificate'}")
    elif f.tls == "negotiated":
        parts.append("no client certificate presented")
    if f.ehlo_client_ip:
        parts.append(f"seen from {f.ehlo_client_ip}")
    if f.null_sender:
        parts.append("MAIL FROM:<>")
    elif f.mail_from_domain:
        parts.append(f"MAIL FROM @{f.mail_from_domain}")
    outcome = {
        "relayed": "relayed",
        "rejected": f"rejected: {f.reject_reply or f.reject_code}",
        "mixed": f"partly rejected: {f.reject_reply or f.reject_code}",
        "internal_only": "only tenant recipients, accepted",
        "tls_failed": "ended after the TLS failure",
        "no_mail": "no message sent",
    }[f.outcome]
    return ", ".join(parts) + f"; {outcome}"


def _cert(f: Certificate) -> str:
    name = f.cn or f.subject or f.thumbprint
    bits = [f"certificate {name} ({f.thumbprint[:8]}…)"]
    if f.not_after:
        bits.append(f"valid {f.not_before or '?'} to {f.not_after}")
    if f.origin == "exchange":
        bits.append(f"Exchange: status {f.status or '?'}, root {f.root_ca_type or '?'}")
        if f.services:
            bits.append("services " + ", ".join(f.services))
    if f.self_signed:
        bits.append("self-signed")
    return ", ".join(bits)


def _inbound(f: InboundConnector) -> str:
    state = "enabled" if f.enabled is not False else "DISABLED"
    ident = []
    if f.tls_sender_certificate_name:
        ident.append(f"certificate name {f.tls_sender_certificate_name}")
    if f.sender_ip_addresses:
        ident.append("IPs " + ", ".join(f.sender_ip_addresses))
    who = " and ".join(ident) or "no certificate name and no IPs"
    return f"inbound connector {f.name!r}: {f.connector_type or '?'} {state}, expects {who}"


def _send(f: SendConnector) -> str:
    hosts = ", ".join(f.smart_hosts) or "DNS routing"
    cert = f.tls_cert_subject or "no TlsCertificateName"
    return f"send connector {f.name!r} to {hosts}, presents {cert}"


def _client(f: SmtpClient) -> str:
    said = {"app_log": "log", "mail_log": "mail log", "mta_config": "configuration",
            "iis_config": "IIS SMTP settings", "app_config": "configuration"}.get(f.origin, f.origin)
    where = f"{f.smart_host}:{f.port}" if f.smart_host and f.port else f.smart_host or "an unnamed smart host"
    parts = [f"{f.software} ({said}) sends to {where} ({f.smart_host_kind.replace('_', ' ')})"]
    if f.auth_used is not None:
        parts.append(("AUTH used" + (", refused" if f.auth_failed else "")) if f.auth_used else "no AUTH")
    if f.starttls_used is not None:
        parts.append("TLS" if f.starttls_used else "no TLS")
    if f.client_cert_configured is not None:
        parts.append(f"client certificate {f.client_cert_name}" if f.client_cert_configured
                     else "no client certificate")
    if f.null_sender:
        parts.append("MAIL FROM:<> seen")
    if f.mail_from_domain:
        parts.append(f"MAIL FROM @{f.mail_from_domain}")
    if f.client_ip:
        parts.append(f"seen from {f.client_ip}")
    if f.last_status:
        parts.append(f"last refusal {f.last_status}")
    return ", ".join(parts)


_DESCRIBERS: dict[type, Callable[[Fact], str]] = {
    Symptom: lambda f: f"error {f.code}: {f.text}",
    SmtpSession: _session,
    SmtpClient: _client,
    Certificate: _cert,
    InboundConnector: _inbound,
    SendConnector: _send,
    AcceptedDomain: lambda f: f"accepted domain {f.domain} ({f.domain_type or '?'})",
    DomainVerification: lambda f: f"domain {f.domain} is {'verified' if f.verified else 'NOT verified'}",
    Answer: lambda f: f"you answered {f.key}={f.value}",
    CertNameMatch: lambda f: (
        f"certificate {f.thumbprint[:8]}… vs {f.connector!r} expecting {f.expected}: "
        f"{plain_value('match', f.match)}"
    ),
    CertAttribution: lambda f: (
        f"certificate {f.cn or f.thumbprint[:8]} against the connectors' certificate names: "
        + (f"{plain_value('match', f.match)} ({f.connector!r} expects {f.expected})" if f.connector
           else plain_value('match', f.match))
    ),
    IpConnectorMatch: lambda f: f"egress IP {f.ip} vs {f.connector!r}: {plain_value('match', f.match)}",
    IpAttribution: lambda f: (
        f"egress IP {f.ip} against the connectors' SenderIPAddresses: {plain_value('match', f.match)}"
        + (f" ({f.connector!r})" if f.connector else "")
    ),
    DomainAcceptance: lambda f: (
        f"{f.role.replace('_', ' ')} domain {f.domain}: {plain_value('status', f.status)}"
        + (f" (as {f.accepted_as})" if f.accepted_as else "")
    ),
    CertStatus: lambda f: (
        f"certificate {f.cn or f.thumbprint[:8]}: {plain_value('validity', f.validity)}"
        + (f" at {f.evaluated_at}" if f.evaluated_at else "")
        + f", {plain_value('trust', f.trust)} (judged from {plain_value('trust_basis', f.trust_basis)}),"
        f" chain {plain_value('chain', f.chain)}"
    ),
    ConnectorChange: lambda f: (
        f"inbound connector {f.connector!r} changed {f.minutes_before_failure} min before the last "
        f"rejected session (recent: {f.recent})"
    ),
    SendConnectorCertificate: lambda f: (
        f"send connector {f.connector!r} TlsCertificateName: {plain_value('state', f.state)}"
        + (f", {plain_value('presented', f.presented)}" if f.presented != "unknown" else "")
    ),
    CertLifetime: lambda f: (
        f"certificate {f.cn or f.thumbprint[:8]}: NotAfter {f.not_after}, "
        + (f"{f.days_left} day(s) left" if f.days_left >= 0 else f"expired {-f.days_left} day(s) ago")
        + f" ({plain_value('validity', f.validity)} now)"
    ),
    # the relation's own words (what was compared, and why it matches or not), as the check says them
    PlannedCertNameMatch: lambda f: f.provenance.excerpt or f.summary(),
    PlannedCertAttribution: lambda f: f.provenance.excerpt or f.summary(),
    PathCertificate: lambda f: f.provenance.excerpt or f.summary(),  # the certificate's own line
    ConnectorIpScope: lambda f: f.provenance.excerpt or f.summary(),  # the entries, judged
    PlannedSendConnectorCert: lambda f: (
        (f"send connector {f.connector!r} TlsCertificateName {f.current or '(empty)'}: " if f.connector
         else "no send connector given: ")
        + (("names the planned certificate" if f.names_planned else "set it to " + f.value) if f.value
           else "the planned certificate's issuer or subject is unknown")
    ),
    PrecheckPlan: lambda f: (
        "the planned change"
        + (f": certificate {f.cert_thumbprint[:8]}…" if f.cert_thumbprint else "")
        + f", expiry window {f.days} day(s)"
    ),
    PlannedEgress: lambda f: (
        f"planned egress {f.ip or repr(f.text)}: "
        + (f"{f.family}, {'public' if f.public else 'not public'}" if f.ip else "not an IP address")
        + (f"; certificate connector {f.cert_connector!r}" if f.cert_route == "present" else "")
        + ("; no connector authenticates by certificate" if f.cert_route == "none" else "")
    ),
    PlannedCertSmtp: lambda f: (
        f"planned certificate {f.thumbprint[:8]}…: "
        + {
            "smtp": f"installed with Services {', '.join(f.services)}",
            "not_smtp": f"installed without SMTP (Services {', '.join(f.services)})",
            "services_unknown": "installed, Services not exported",
            "not_installed": "not installed (Get-ExchangeCertificate does not list it)",
            "no_export": "no Get-ExchangeCertificate export",
        }[f.state]
        + (f"; servers {', '.join(f.servers)}" if f.servers else "")
    ),
    PlannedConnector: lambda f: (
        f"planned connector {f.name!r}" + ("" if f.exists else " (new)")
        + (f": TlsSenderCertificateName {f.cert_name}" if f.cert_name is not None else "")
        + (f"; SenderIPAddresses {', '.join(f.ips) or '(empty)'}" if f.ips_planned else "")
    ),
    PlannedNameMatch: lambda f: (
        f"certificate {f.label} vs planned TlsSenderCertificateName {f.expected}: "
        f"{plain_value('match', f.match)}"
    ),
    PlannedIpMatch: lambda f: (
        f"egress IP {f.ip} against the planned SenderIPAddresses: {plain_value('match', f.match)}"
    ),
}


def describe(fact: Fact) -> str:
    """A short sentence for ``fact``; falls back to the generic field list."""
    fn = _DESCRIBERS.get(type(fact))
    try:
        return fn(fact) if fn else fact.summary()
    except (AttributeError, KeyError, TypeError):
        return fact.summary()
