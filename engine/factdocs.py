"""One sentence per fact field, for pack authors (``relaydoctor rules fields``).

The sentence is the entry of ``FIELD_DOCS`` below, else the field's own comment in
``engine/facts.py`` (on its line or the lines right above it, read from the installed source, so
a new commented field documents itself). ``tests/pack_author`` asserts every field of every kind has one.
"""

from __future__ import annotations

import ast
import functools
import inspect
import io
import tokenize

from . import facts

FIELD_DOCS: dict[str, dict[str, str]] = {}  # filled in below, per kind


@functools.cache
def source_comments() -> dict[tuple[str, str], str]:
    """(class name, field) -> the comment on the field's line in facts.py."""
    try:
        source = inspect.getsource(facts)
    except (OSError, TypeError):  # no source installed (a compiled-only install)
        return {}
    comments: dict[int, str] = {}  # line -> a comment after code on that line
    alone: dict[int, str] = {}  # line -> a comment that is the whole line
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            text = token.string.lstrip("#").strip()
            if text and not text.startswith(("noqa", "type:", "fmt:")):
                own_line = not token.line[: token.start[1]].strip()
                (alone if own_line else comments)[token.start[0]] = text
    out: dict[tuple[str, str], str] = {}
    for node in ast.parse(source).body:
        if not isinstance(node, ast.ClassDef):
            continue
        for item in node.body:
            if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                comment = comments.get(item.end_lineno or item.lineno)
                if not comment:  # a comment block on the lines right above the field
                    above, line = [], item.lineno - 1
                    while line in alone:
                        above.insert(0, alone[line])
                        line -= 1
                    comment = " ".join(above)
                if comment:
                    out[(node.name, item.target.id)] = comment
    return out


def field_doc(kind: str, name: str) -> str:
    """The sentence for ``kind.name``: its FIELD_DOCS entry (written for pack authors), else its
    comment in facts.py, else the meaning every kind shares (scope, scope_id); "" when none."""
    written = FIELD_DOCS.get(kind, {}).get(name)
    if written:
        return written
    cls = facts.FACT_KINDS[kind]
    for klass in cls.__mro__:
        comment = source_comments().get((klass.__name__, name))
        if comment:
            return comment
    return COMMON_DOCS.get(name, "")


def fields_text(kind: str | None = None) -> str:
    """``rules fields``: every fact kind with its one-line meaning, or one kind's fields with
    type, whether it can be missing, the values of an enum, and a sentence each."""
    if kind is None:
        width = max(map(len, facts.FACT_KINDS))
        lines = ["Fact kinds (relaydoctor rules fields KIND shows the fields of one):", ""]
        for name, cls in facts.FACT_KINDS.items():
            what = "relation" if name in facts.RELATION_KINDS else "evidence"
            lines.append(f"  {name:<{width}}  {what:<8}  {cls.DOC}")
        return "\n".join(lines) + "\n"
    cls = facts.FACT_KINDS[kind]
    what = "a relation, derived by relaydoctor" if kind in facts.RELATION_KINDS else "evidence, from parsers"
    lines = [f"{kind} ({what}): {cls.DOC}", ""]
    for spec in facts.field_specs(kind).values():
        kind_word = spec.type + (", may be missing" if spec.optional else "")
        lines.append(f"  {spec.name}  ({kind_word})")
        lines.append(f"      {field_doc(kind, spec.name)}")
        if spec.enum:
            lines.append(f"      one of: {', '.join(spec.enum)}")
    return "\n".join(lines) + "\n"


# Fields whose meaning is the same on every kind that has them (the team's scope convention).
COMMON_DOCS = {
    "scope": "Whose object this is: tenant, onprem_org, server, or unknown when the export cannot tell.",
    "scope_id": "The tenant, organisation or server name the object belongs to; empty when unknown.",
}

FIELD_DOCS.update({
    "symptom": {
        "generating_server": "The server that generated the NDR (its 'Generating server' line).",
        "remote_server": "The remote server named in the NDR's diagnostic information.",
        "recipient": "The recipient the reply was about, when the evidence names one.",
        "origin": "Where the reply was seen: an NDR, a send or receive log, a queue, pasted text, a log.",
        "direction": "Which mail flow the reply belongs to, from the code's direction.",
        "seen_at": "When the reply was seen (ISO 8601), when the evidence says.",
    },
    "smtp_session": {
        "connector": "The send connector (or log source) the sessions went out through.",
        "remote_ip": "The IP address the sessions connected to.",
        "sessions": "How many sessions this aggregate holds.",
        "lines": "How many log lines this aggregate was built from.",
        "tls": "Whether STARTTLS was negotiated, failed, not attempted, or unknown.",
        "starttls_offered": "Whether the receiver offered STARTTLS in its EHLO reply.",
        "starttls_masked": "Whether the EHLO reply showed XXXXXXXA where STARTTLS goes (a firewall's SMTP "
                           "inspection masked it).",
        "cert_presented": "Whether the sending server presented a client certificate.",
        "cert_thumbprint": "The thumbprint of the certificate presented, when logged.",
        "cert_subject": "The subject of the certificate presented, as logged.",
        "cert_cn": "The common name of the certificate presented, lower case.",
        "cert_issuer": "The issuer of the certificate presented, as logged.",
        "cert_sans": "The DNS names of the certificate presented, lower case.",
        "client_ip_family": "Whether the egress IP the receiver saw is IPv4 or IPv6.",
        "mail_from": "The MAIL FROM address (the null sender <> is null_sender).",
        "mail_from_domain": "The domain of the MAIL FROM address, lower case.",
        "null_sender": "Whether MAIL FROM was the null sender <> (NDRs, receipts).",
        "outcome": "What happened to the mail: relayed, rejected, mixed, internal only, none, TLS failed.",
        "reject_attr": "The ATTR token of the rejection reply (ATTR36...), when it has one.",
        "rcpt_accepted": "Recipients accepted with 250 in these sessions.",
        "rcpt_rejected": "Recipients rejected in these sessions.",
        "first_seen": "The time of the first session of the aggregate.",
        "last_seen": "The time of the last session of the aggregate.",
    },
    "certificate": {
        "thumbprint": "The SHA-1 thumbprint, upper-case hex (as Exchange shows it).",
        "cn": "The subject common name, lower case.",
        "issuer": "The issuer's distinguished name.",
        "issuer_cn": "The issuer's common name.",
        "serial": "The serial number, hex.",
        "not_before": "Start of validity (ISO 8601).",
        "not_after": "End of validity (ISO 8601).",
        "self_signed": "Whether the issuer is the subject (signed by its own key).",
        "is_ca": "Whether it is a CA certificate (basic constraints).",
        "origin": "Where it came from: a certificate file, Get-ExchangeCertificate, or a send log.",
        "services": "The Exchange services it is enabled for (SMTP, IIS, ...).",
        "smtp_enabled": "Whether it is enabled for the SMTP service.",
        "has_private_key": "Whether the store holds its private key (the key itself is never kept).",
        "friendly_name": "The friendly name shown in the certificate store.",
    },
    "inbound_connector": {
        "name": "The connector's name (Identity).",
        "enabled": "Whether the connector is enabled.",
        "connector_type": "OnPremises (your servers) or Partner.",
        "connector_source": "How it was created (Default, HybridWizard, ...).",
        "sender_ip_addresses": "The SenderIPAddresses it accepts mail from.",
        "sender_domains": "The SenderDomains it applies to.",
        "require_tls": "Whether it requires TLS.",
        "restrict_domains_to_certificate": "Whether it checks the certificate name against sender domains.",
        "restrict_domains_to_ip_addresses": "Whether it rejects mail from IPs outside SenderIPAddresses.",
        "cloud_services_mail_enabled": "Whether CloudServicesMailEnabled is set (hybrid headers kept).",
        "treat_messages_as_internal": "Whether TreatMessagesAsInternal is set.",
        "when_changed": "When the connector was last changed (ISO 8601), when exported.",
    },
    "outbound_connector": {
        "name": "The connector's name (Identity).",
        "enabled": "Whether the connector is enabled.",
        "connector_type": "OnPremises or Partner.",
        "recipient_domains": "The recipient domains it routes.",
        "smart_hosts": "The smart hosts it delivers to.",
        "tls_settings": "Its TlsSettings (EncryptionOnly, CertificateValidation, DomainValidation).",
        "tls_domain": "The TlsDomain it validates, for DomainValidation.",
        "use_mx_record": "Whether it delivers by MX record instead of smart hosts.",
    },
    "send_connector": {
        "name": "The connector's name (Identity).",
        "enabled": "Whether the connector is enabled.",
        "address_spaces": "The address spaces it routes (SMTP:*;1 ...).",
        "smart_hosts": "The smart hosts it delivers to.",
        "smart_host_kind": "What the smart hosts are: Exchange Online (EOP), another host, or none.",
        "routes_to_eop": "Whether it delivers to Exchange Online Protection.",
        "dns_routing_enabled": "Whether it routes by MX record (DNSRoutingEnabled).",
        "require_tls": "Whether it requires TLS.",
        "tls_auth_level": "Its TlsAuthLevel (EncryptionOnly, CertificateValidation, DomainValidation).",
        "tls_domain": "The TlsDomain it validates.",
        "tls_certificate_name_form": "Whether TlsCertificateName is empty, malformed or <I>issuer<S>subject.",
        "tls_cert_issuer": "The issuer part of TlsCertificateName.",
        "tls_cert_subject": "The subject part of TlsCertificateName.",
        "tls_cert_cn": "The common name in the subject part of TlsCertificateName, lower case.",
        "fqdn": "The FQDN it announces in EHLO.",
        "cloud_services_mail_enabled": "Whether CloudServicesMailEnabled is set.",
        "source_transport_servers": "The servers that send through it.",
        "protocol_logging_level": "Its ProtocolLoggingLevel (None or Verbose).",
        "incomplete": "Whether a value was truncated in the export ('...' in Format-List).",
    },
    "receive_connector": {
        "name": "The connector's name (Identity).",
        "enabled": "Whether the connector is enabled.",
        "bindings": "The IP:port bindings it listens on.",
        "remote_ip_ranges": "The RemoteIPRanges it accepts connections from.",
        "permission_groups": "Its PermissionGroups (AnonymousUsers, ExchangeServers, ...).",
        "auth_mechanism": "Its AuthMechanism values (Tls, BasicAuth, ...).",
        "transport_role": "The transport role it belongs to (HubTransport, FrontendTransport).",
    },
    "accepted_domain": {
        "domain": "The domain name, lower case.",
        "default": "Whether it is the default accepted domain.",
        "name": "The accepted domain object's name.",
    },
    "domain_verification": {
        "domain": "The domain name, lower case.",
        "verified": "Whether the domain is verified in the tenant.",
        "is_default": "Whether it is the tenant's default domain.",
        "is_initial": "Whether it is the initial *.onmicrosoft.com domain.",
        "authentication_type": "Managed or Federated.",
    },
    "transport_service": {
        "name": "The transport server's name.",
        "send_protocol_log_path": "Where it writes send protocol logs.",
        "receive_protocol_log_path": "Where it writes receive protocol logs.",
        "admin_display_version": "Its Exchange version as shown by the cmdlet.",
    },
    "answer": {
        "key": "The answer's key (KEY of --answer KEY=VALUE).",
        "value": "The answer's value, as typed.",
    },
    "cert_name_match": {
        "thumbprint": "The presented certificate.",
        "connector": "The inbound connector compared with.",
        "expected": "The connector's TlsSenderCertificateName.",
        "match": "Whether a name of the certificate matches it (exactly, by wildcard, not, or ambiguous).",
        "matched_name": "The certificate name that matched.",
    },
    "cert_attribution": {
        "thumbprint": "The presented certificate.",
        "cn": "Its common name.",
        "match": "The best result over all certificate connectors, or no_cert_connector when none exists.",
        "expected": "That connector's TlsSenderCertificateName.",
        "matched_name": "The certificate name that matched.",
    },
    "ip_connector_match": {
        "ip": "The egress IP the receiver saw.",
        "connector": "The inbound connector compared with.",
        "match": "Whether the IP is in one of its SenderIPAddresses (IPv6 never is).",
        "matched_range": "The range that holds it.",
        "usable_connector": "Whether the connector is enabled and OnPremises.",
    },
    "ip_attribution": {
        "ip": "The egress IP (from the send log or an answer).",
        "match": "The best result over all IP connectors, or no_ip_connector when none exists.",
        "connector": "The connector whose range holds it (or the first one compared).",
        "matched_range": "The range that holds it.",
        "source": "Where the IP came from: the send log or an --answer.",
    },
    "domain_acceptance": {
        "role": "Which name was tested: a certificate's, the MAIL FROM domain, or a connector's name.",
        "status": "Whether an accepted (and verified) domain covers it.",
    },
    "cert_status": {
        "thumbprint": "The certificate judged.",
        "cn": "Its common name.",
        "validity": "Valid, expired or not yet valid at the evaluation time.",
        "not_after": "End of validity (ISO 8601).",
        "trust": "Whether it chains to a trusted root, and if not why.",
        "trust_basis": "What the trust verdict rests on (Windows' own check, public roots, ...).",
        "self_signed": "Whether it is self-signed.",
        "chain": "Whether its issuers are all in the evidence.",
        "missing_issuer": "The issuer not found, when the chain is incomplete.",
        "smtp_enabled": "Whether it is enabled for SMTP on the Exchange server.",
        "windows_status": "Get-ExchangeCertificate's Status (Valid, Invalid, ...).",
    },
    "connector_change": {
        "connector": "The inbound connector that changed.",
        "when_changed": "Its WhenChanged (ISO 8601).",
        "failure_at": "The time of the failure it is compared with (the last rejected session).",
        "minutes_before_failure": "Minutes from the change to the failure; negative when it came after.",
        "recent": "Whether the change came within an hour before the failure (uncertain: only if "
        "WhenChanged, a local time, is taken as UTC).",
    },
    "send_connector_cert": {
        "connector": "The send connector.",
        "state": "Whether its TlsCertificateName is empty, malformed, or names an installed certificate.",
    },
    "windows_event": {
        "source_family": "Which log family: CAPI2, MSExchangeTransport, Schannel or other.",
        "event_id": "The event ID.",
        "level": "The event level (error, warning, ...).",
        "time": "When the event was logged (ISO 8601).",
        "channel": "The event log channel.",
        "category": "What the event is about, as relaydoctor classifies it.",
        "chain_error": "The certificate chain error it reports, when any.",
        "subject_cn": "The common name of the certificate it is about.",
        "connector": "The connector it names.",
        "client_ip": "The remote IP it names.",
        "origin": "The export format: event XML, text, CSV, or a cmdlet.",
    },
    "cert_check": {
        "tool": "Which check was run: Test-Certificate or certutil -verify.",
        "thumbprint": "The certificate checked.",
        "subject_cn": "Its common name.",
        "chain_error": "The chain error the check reports (other when none is recognised).",
        "error_code": "The error code it printed (hex).",
        "passed": "Whether the check passed.",
    },
    "transport_config": {
        "internal_smtp_servers": "The InternalSMTPServers list.",
        "tls_receive_domain_secure_list": "The TLSReceiveDomainSecureList.",
    },
    "organization_config": {"name": "The organisation's name."},
    "cas_mailbox": {"name": "The mailbox's name."},
    "exchange_server": {
        "name": "The server's name.",
        "fqdn": "The server's FQDN.",
        "product": "The Exchange product line (2013, 2016, 2019, SE, ...).",
        "roles": "The server roles.",
    },
    "remote_domain": {
        "name": "The remote domain object's name.",
        "auto_forward_enabled": "Whether automatic forwarding is allowed.",
        "ndr_enabled": "Whether NDRs are sent.",
    },
    "signin": {
        "time": "When the sign-in happened (ISO 8601).",
        "app": "The application signed in to.",
        "failure_reason": "Why it failed, as Entra ID says.",
        "status": "Whether the sign-in succeeded, failed or was interrupted.",
        "conditional_access": "The Conditional Access result.",
        "ip": "The client IP.",
    },
    "tracking_event": {
        "connector": "The connector the event names.",
        "count": "How many events this aggregate holds.",
        "first_seen": "The time of the first event.",
        "last_seen": "The time of the last event.",
        "sender_domain": "The sender's domain, lower case.",
    },
    "smtp_client": {
        "origin": "Where it came from: an application log, a mail log, MTA or IIS settings, app settings.",
        "port": "The smart host port.",
        "smart_host_kind": "What the smart host is: Exchange Online, a literal EOP IP, another host, none.",
        "mail_from_domain": "The MAIL FROM domain it used, lower case.",
        "null_sender": "Whether it sent with the null sender <>.",
    },
})
