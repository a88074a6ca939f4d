"""The fact model: what parsers extract and what rules match on.

Facts are frozen, flat and small (durable_rules allows ~250 properties and compares values by
their text), and every fact carries its provenance. Messy source values are normalised into the
enums declared in ``ENUMS`` here, so rules never parse strings. The pack compiler and linter read
this module (``FACT_KINDS``) to know which kinds and fields exist; the JSON schema for packs is
generated from it too.

Conventions
- Domain names and host names are lower case, without a trailing dot.
- Thumbprints are 40 upper-case hex digits.
- Times are ISO 8601 UTC strings (``2026-11-20T08:41:07Z``): they compare correctly as text.
- ``None`` means "not known"; it is left out of the engine fact, so rules test it with ``missing``.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, ClassVar

from .errors import EngineError
from .lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use

Scalar = str | int | bool


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a fact came from: the file as the user named it, the 1-based line, the text there."""

    source: str
    line: int | None = None
    excerpt: str = ""

    def ref(self) -> str:
        return f"{self.source}:{self.line}" if self.line is not None else self.source

    @staticmethod
    def clip(text: str, limit: int = 240) -> str:
        text = text.replace("\r", "").replace("\n", " ⏎ ")
        return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True, kw_only=True)
class Fact:
    """Base of every fact kind. Subclasses set ``KIND`` and may declare ``ENUMS``."""

    KIND: ClassVar[str] = ""
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {}
    DOC: ClassVar[str] = ""

    provenance: Provenance

    def __post_init__(self) -> None:
        for name, allowed in self.ENUMS.items():
            value = getattr(self, name)
            if value is not None and value not in allowed:
                raise EngineError(f"{self.KIND}.{name}={value!r} is not one of {sorted(allowed)}")

    def values(self) -> dict[str, Any]:
        """The fact's fields (without provenance), None left out, tuples as lists."""
        out: dict[str, Any] = {}
        for name in _value_names(type(self)):
            value = getattr(self, name)
            if value is not None:
                out[name] = list(value) if isinstance(value, tuple) else value
        return out

    def to_engine(self) -> dict[str, Any]:
        return {"t": self.KIND, **self.values()}

    def identity(self) -> tuple:
        """What makes two facts "the same" regardless of which file said it (for de-duplication):
        the kind and ``(name, repr(value))`` of ``values()``, by name. Read from the fields in name
        order rather than by sorting a ``values()`` dict (the same tuple; ~90 calls a diagnosis)."""
        out = []
        for name in _sorted_value_names(type(self)):
            value = getattr(self, name)
            if value is not None:
                out.append((name, repr(list(value) if isinstance(value, tuple) else value)))
        return (self.KIND, tuple(out))

    def summary(self) -> str:
        """One human line: what this fact says."""
        vals = self.values()
        shown = ", ".join(f"{k}={v}" for k, v in vals.items() if not isinstance(v, list) or v)
        return f"{self.KIND}: {shown}"


_VALUE_NAMES: dict[type, tuple[str, ...]] = {}  # a fact class -> its fields but provenance, in order


_SORTED_VALUE_NAMES: dict[type, tuple[str, ...]] = {}  # the same, sorted by name


def _sorted_value_names(cls: type) -> tuple[str, ...]:
    names = _SORTED_VALUE_NAMES.get(cls)
    if names is None:
        names = _SORTED_VALUE_NAMES[cls] = tuple(sorted(_value_names(cls)))
    return names


def _value_names(cls: type) -> tuple[str, ...]:
    """``Fact.values``'s fields of ``cls`` (every fact of a diagnosis is read a few times: asking
    ``dataclasses.fields`` each time cost ~2 us of each read)."""
    names = _VALUE_NAMES.get(cls)
    if names is None:
        names = _VALUE_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls) if f.name != "provenance")
    return names


def _enum(*values: str) -> frozenset[str]:
    return frozenset(values)


# Where a cmdlet object lives: the Exchange Online tenant, the on-premises Exchange organisation,
# one named server, or unknown when the export's shape cannot tell (never guessed).
SCOPES = _enum("tenant", "onprem_org", "server", "unknown")


# --------------------------------------------------------------------------------------------
# Evidence facts (produced by parsers)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Symptom(Fact):
    """An error seen in an NDR, a send-log reply, a queue LastError, or text the user pasted."""

    KIND: ClassVar[str] = "symptom"
    DOC: ClassVar[str] = "An SMTP error seen in an NDR, log line, queue error or pasted text."
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {
        "origin": _enum(
            "ndr", "send_log", "receive_log", "queue", "text", "message_trace", "iis_log",
            "app_log", "mail_log", "event_log",
        ),
        "direction": _enum("relay_to_exo", "exo_to_onprem", "client_submission", "onprem", "unknown"),
    }

    code: str  # the pack code id that recognised it (e.g. "5.7.64"), else the raw status code
    status_code: str | None = None  # raw enhanced status, e.g. "5.7.64"
    reply_code: str | None = None  # basic SMTP reply, e.g. "550"
    text: str = ""  # the reply text as seen (clipped)
    attr: str | None = None  # ATTR token, e.g. "ATTR36"
    tokens: tuple[str, ...] = ()  # every notable token: ATTR36, TenantAttribution, ...
    host: str | None = None  # the bracketed / remote host that generated the reply
    generating_server: str | None = None
    remote_server: str | None = None
    recipient: str | None = None
    origin: str = "text"
    transient: bool = False  # 4xx
    direction: str = "unknown"
    seen_at: str | None = None


@dataclass(frozen=True, kw_only=True)
class SmtpSession(Fact):
    """Send-log sessions summarised and aggregated by what matters to the rules."""

    KIND: ClassVar[str] = "smtp_session"
    DOC: ClassVar[str] = (
        "Send protocol log sessions with the same connector, TLS outcome, presented certificate, "
        "egress IP, MAIL FROM domain and outcome, aggregated."
    )
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {
        "tls": _enum("negotiated", "failed", "not_attempted", "unknown"),
        "outcome": _enum("relayed", "rejected", "mixed", "internal_only", "no_mail", "tls_failed"),
        "client_ip_family": _enum("ipv4", "ipv6"),
    }

    connector: str
    remote_host: str | None = None  # from the 220 banner, lower case
    remote_ip: str | None = None
    to_eop: bool = False  # remote host/banner is Exchange Online Protection
    sessions: int = 1
    lines: int = 0
    tls: str = "unknown"
    tls_protocol: str | None = None  # "TLS1_2", "TLS1_0", ...
    tls_error: str | None = None  # "UnknownCredentials", "NoCredentials", ...
    starttls_offered: bool | None = None
    # the receiver's EHLO reply had "XXXXXXXA" where STARTTLS goes: a firewall's SMTP inspection
    # masked the keyword on the way (Cisco 118550), so the sender could not start TLS
    starttls_masked: bool = False
    cert_presented: bool = False
    cert_thumbprint: str | None = None
    cert_subject: str | None = None
    cert_cn: str | None = None
    cert_issuer: str | None = None
    cert_sans: tuple[str, ...] = ()
    ehlo_client_ip: str | None = None  # the [ip] in the receiver's EHLO reply: our public egress IP
    client_ip_family: str | None = None
    mail_from: str | None = None
    mail_from_domain: str | None = None
    null_sender: bool = False
    outcome: str = "no_mail"
    reject_reply: str | None = None  # first rejection reply text
    reject_code: str | None = None  # its enhanced status code, "5.7.64"
    reject_attr: str | None = None
    rcpt_accepted: int = 0
    rcpt_rejected: int = 0
    tenant_rcpt_accepted: int = 0  # accepted recipients at *.onmicrosoft.com
    first_seen: str | None = None
    last_seen: str | None = None
    last_source: str | None = None  # file:line of the last example in this aggregate
    # The whole TLS/certificate part of the session was read (not cut off at the file's start, no
    # certificate or TLS line in a layout the parser does not read). Only then is
    # ``cert_presented: false`` or ``tls: not_attempted`` proof of absence.
    tls_complete: bool = True


@dataclass(frozen=True, kw_only=True)
class Certificate(Fact):
    """A certificate from a file (PEM/DER/P7B/PFX) or from Get-ExchangeCertificate."""

    KIND: ClassVar[str] = "certificate"
    DOC: ClassVar[str] = "An X.509 certificate from a file or from Get-ExchangeCertificate."
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {
        "scope": SCOPES,
        "origin": _enum("file", "exchange", "send_log"),
    }

    thumbprint: str
    subject: str | None = None  # .NET form: "CN=mail.contoso.com, O=..."
    cn: str | None = None
    sans: tuple[str, ...] = ()  # DNS names, lower case
    issuer: str | None = None
    issuer_cn: str | None = None
    serial: str | None = None
    not_before: str | None = None
    not_after: str | None = None
    self_signed: bool | None = None
    is_ca: bool | None = None
    origin: str = "file"
    # Get-ExchangeCertificate only
    services: tuple[str, ...] = ()
    smtp_enabled: bool | None = None
    status: str | None = None  # "Valid", "Invalid", "RevocationCheckFailure", ...
    root_ca_type: str | None = None  # "ThirdParty", "Registry", "None", "Enterprise", ...
    has_private_key: bool | None = None
    friendly_name: str | None = None
    # Where the object lives (TEAM convention): tenant | onprem_org | server | unknown, and its name
    scope: str = "unknown"
    scope_id: str = ""


@dataclass(frozen=True, kw_only=True)
class InboundConnector(Fact):
    """An Exchange Online inbound connector (Get-InboundConnector)."""

    KIND: ClassVar[str] = "inbound_connector"
    DOC: ClassVar[str] = "An Exchange Online inbound connector (Get-InboundConnector)."
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {
        "scope": SCOPES,
        "connector_type": _enum("OnPremises", "Partner"),
        "auth": _enum("certificate", "ip", "both", "none"),
    }

    name: str
    enabled: bool | None = None
    connector_type: str | None = None
    connector_source: str | None = None
    tls_sender_certificate_name: str | None = None  # lower case; None when empty
    sender_ip_addresses: tuple[str, ...] = ()
    sender_domains: tuple[str, ...] = ()
    require_tls: bool | None = None
    restrict_domains_to_certificate: bool | None = None
    restrict_domains_to_ip_addresses: bool | None = None
    cloud_services_mail_enabled: bool | None = None
    treat_messages_as_internal: bool | None = None
    auth: str = "none"  # which identity it expects, derived from the two fields above
    when_changed: str | None = None
    incomplete: bool = False  # a value was truncated in the export ("..." in Format-List)
    # Where the object lives (TEAM convention): tenant | onprem_org | server | unknown, and its name
    scope: str = "unknown"
    scope_id: str = ""


@dataclass(frozen=True, kw_only=True)
class OutboundConnector(Fact):
    """An Exchange Online outbound connector (Get-OutboundConnector)."""

    KIND: ClassVar[str] = "outbound_connector"
    DOC: ClassVar[str] = "An Exchange Online outbound connector (Get-OutboundConnector)."
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {"scope": SCOPES}

    name: str
    enabled: bool | None = None
    connector_type: str | None = None
    recipient_domains: tuple[str, ...] = ()
    smart_hosts: tuple[str, ...] = ()
    tls_settings: str | None = None
    tls_domain: str | None = None
    use_mx_record: bool | None = None
    # Where the object lives (TEAM convention): tenant | onprem_org | server | unknown, and its name
    scope: str = "unknown"
    scope_id: str = ""


@dataclass(frozen=True, kw_only=True)
class SendConnector(Fact):
    """An on-premises Exchange send connector (Get-SendConnector)."""

    KIND: ClassVar[str] = "send_connector"
    DOC: ClassVar[str] = "An on-premises Exchange send connector (Get-SendConnector)."
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {
        "scope": SCOPES,
        "smart_host_kind": _enum(
            "eop_tenant", "eop_legacy", "smtp_client_endpoint", "ip_literal", "other", "none"
        ),
        "tls_certificate_name_form": _enum("empty", "malformed", "issuer_subject"),
    }

    name: str
    enabled: bool | None = None
    address_spaces: tuple[str, ...] = ()
    smart_hosts: tuple[str, ...] = ()
    smart_host_kind: str = "none"
    routes_to_eop: bool = False
    dns_routing_enabled: bool | None = None
    require_tls: bool | None = None
    tls_auth_level: str | None = None
    tls_domain: str | None = None
    tls_certificate_name: str | None = None  # raw "<I>issuer<S>subject"
    tls_certificate_name_form: str = "empty"
    tls_cert_issuer: str | None = None
    tls_cert_subject: str | None = None
    tls_cert_cn: str | None = None
    fqdn: str | None = None
    cloud_services_mail_enabled: bool | None = None
    source_transport_servers: tuple[str, ...] = ()
    protocol_logging_level: str | None = None
    incomplete: bool = False
    # Where the object lives (TEAM convention): tenant | onprem_org | server | unknown, and its name
    scope: str = "unknown"
    scope_id: str = ""


@dataclass(frozen=True, kw_only=True)
class ReceiveConnector(Fact):
    """An on-premises receive connector (Get-ReceiveConnector)."""

    KIND: ClassVar[str] = "receive_connector"
    DOC: ClassVar[str] = "An on-premises Exchange receive connector (Get-ReceiveConnector)."
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {"scope": SCOPES}

    name: str
    enabled: bool | None = None
    bindings: tuple[str, ...] = ()
    remote_ip_ranges: tuple[str, ...] = ()
    permission_groups: tuple[str, ...] = ()
    auth_mechanism: tuple[str, ...] = ()
    transport_role: str | None = None
    # Where the object lives (TEAM convention): tenant | onprem_org | server | unknown, and its name
    scope: str = "unknown"
    scope_id: str = ""
    # The certificate it offers for STARTTLS, as written (<I>issuer<S>subject): Exchange Online
    # checks it for mail it sends on-premises (4.4.317 family).
    tls_certificate_name: str | None = None
    fqdn: str | None = None  # the name it announces in its banner and EHLO, lower case


@dataclass(frozen=True, kw_only=True)
class AcceptedDomain(Fact):
    """An accepted domain of the tenant or organisation (Get-AcceptedDomain)."""

    KIND: ClassVar[str] = "accepted_domain"
    DOC: ClassVar[str] = "An accepted domain (Get-AcceptedDomain)."
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {"scope": SCOPES}

    domain: str
    domain_type: str | None = None  # Authoritative, InternalRelay, ExternalRelay
    default: bool | None = None
    name: str | None = None
    # Where the object lives (TEAM convention): tenant | onprem_org | server | unknown, and its name
    scope: str = "unknown"
    scope_id: str = ""


@dataclass(frozen=True, kw_only=True)
class DomainVerification(Fact):
    """A domain's verification state in Entra ID (Get-MgDomain / Get-MsolDomain)."""

    KIND: ClassVar[str] = "domain_verification"
    DOC: ClassVar[str] = "A domain's verification state (Get-MgDomain / Get-MsolDomain)."
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {"scope": SCOPES}

    domain: str
    verified: bool
    is_default: bool | None = None
    is_initial: bool | None = None
    authentication_type: str | None = None
    # Where the object lives (TEAM convention): tenant | onprem_org | server | unknown, and its name
    scope: str = "unknown"
    scope_id: str = ""


@dataclass(frozen=True, kw_only=True)
class TransportService(Fact):
    """Where a transport server writes its logs (Get-TransportService)."""

    KIND: ClassVar[str] = "transport_service"
    DOC: ClassVar[str] = "A transport server's log settings (Get-TransportService)."
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {"scope": SCOPES}

    name: str
    send_protocol_log_path: str | None = None
    receive_protocol_log_path: str | None = None
    admin_display_version: str | None = None
    # Where the object lives (TEAM convention): tenant | onprem_org | server | unknown, and its name
    scope: str = "unknown"
    scope_id: str = ""


@dataclass(frozen=True, kw_only=True)
class Answer(Fact):
    """Something the user told us (``--answer KEY=VALUE`` or a TUI question)."""

    KIND: ClassVar[str] = "answer"
    DOC: ClassVar[str] = "What the user answered (--answer KEY=VALUE)."

    key: str
    value: str


# --------------------------------------------------------------------------------------------
# Relations (derived in Python by relations.py, never by parsers)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CertNameMatch(Fact):
    """A presented certificate's names against one inbound connector's TlsSenderCertificateName."""

    KIND: ClassVar[str] = "cert_name_match"
    DOC: ClassVar[str] = (
        "Presented certificate (CN and SAN DNS names) against one inbound connector's "
        "TlsSenderCertificateName, with the documented wildcard semantics."
    )
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {
        "match": _enum("match", "wildcard_match", "mismatch", "ambiguous"),
    }

    thumbprint: str
    connector: str
    expected: str
    match: str
    matched_name: str | None = None
    usable_connector: bool = False  # enabled OnPremises


@dataclass(frozen=True, kw_only=True)
class CertAttribution(Fact):
    """The best name match of one presented certificate over every usable certificate connector."""

    KIND: ClassVar[str] = "cert_attribution"
    DOC: ClassVar[str] = (
        "Best name match of one presented certificate over all enabled OnPremises connectors "
        "that authenticate by certificate (no_cert_connector when there is none)."
    )
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {
        "match": _enum("match", "wildcard_match", "mismatch", "ambiguous", "no_cert_connector"),
    }

    thumbprint: str
    cn: str | None = None
    match: str
    connector: str | None = None  # the best connector (or the first one, for a mismatch)
    expected: str | None = None
    matched_name: str | None = None


@dataclass(frozen=True, kw_only=True)
class IpConnectorMatch(Fact):
    """An egress IP (from the receiver's EHLO reply or an answer) against one connector's ranges."""

    KIND: ClassVar[str] = "ip_connector_match"
    DOC: ClassVar[str] = "Egress IP against one inbound connector's SenderIPAddresses."
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {
        # incomplete: not within the ranges shown, but the export truncated the list (Format-List
        # "..."), so the hidden part may hold it: never a mismatch
        "match": _enum("in_range", "not_in_range", "ipv6", "incomplete"),
    }

    ip: str
    connector: str
    match: str
    matched_range: str | None = None
    usable_connector: bool = False


@dataclass(frozen=True, kw_only=True)
class IpAttribution(Fact):
    """The best IP match of one egress IP over every usable IP connector."""

    KIND: ClassVar[str] = "ip_attribution"
    DOC: ClassVar[str] = (
        "Best match of one egress IP over all enabled OnPremises connectors that list "
        "SenderIPAddresses (no_ip_connector when there is none)."
    )
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {
        "match": _enum("in_range", "not_in_range", "ipv6", "no_ip_connector", "incomplete"),
        "source": _enum("send_log", "answer", "relay_log"),
    }

    ip: str
    match: str
    connector: str | None = None
    matched_range: str | None = None
    source: str = "send_log"  # relay_log: the [ip] of EOP's EHLO reply in a Postfix or app log


@dataclass(frozen=True, kw_only=True)
class DomainAcceptance(Fact):
    """Whether a domain used for attribution is an accepted (and verified) domain."""

    KIND: ClassVar[str] = "domain_acceptance"
    DOC: ClassVar[str] = (
        "A certificate name, MAIL FROM domain, connector name, a precheck's planned sending domain "
        "(role planned_sender) or planned certificate (role planned_certificate: its best name, and "
        "every name's lookup in the note when none is accepted), or a planned connector edit's "
        "TlsSenderCertificateName (role planned_connector_name) against the accepted domains "
        "(KB 4019940: a host name counts if it or "
        "its immediate parent is accepted)."
    )
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {
        "role": _enum(
            "certificate", "mail_from", "connector_certificate_name", "recipient", "planned_sender",
            "planned_certificate", "planned_connector_name",
        ),
        "status": _enum("accepted", "not_accepted", "unverified", "unknown"),
        "certificate_status": _enum("accepted", "not_accepted", "unverified", "unknown"),
    }

    role: str  # recipient: the domain of a rejected recipient (5.4.1, the 5.4.6 ATTR1 loop)
    domain: str  # the name tested (a host name, a wildcard, or a MAIL FROM domain)
    status: str
    accepted_as: str | None = None  # the accepted domain that covered it
    thumbprint: str | None = None  # role=certificate: which certificate
    connector: str | None = None  # role=connector_certificate_name
    # not accepted: the domain to add and verify (KB 4019940: a host name's immediate parent, a
    # wildcard's base, a MAIL FROM or recipient domain itself); None when accepted
    to_add: str | None = None
    note: str | None = None  # role=planned_sender: the lookup in words (the precheck line's text)
    # role=planned_sender, not accepted: the presented certificate that attributes mail from it
    # anyway (matches a connector and is of an accepted domain); None when none does — a field,
    # so "no such certificate" is a positive test, not a `not:` over a join of two facts
    attributed_by: str | None = None
    # role=planned_certificate: how many DNS names the certificate carries (0: none to look up)
    names: int | None = None
    # role=connector_certificate_name: the value read as a certificate name is (KB 4019940: a host
    # directly under an accepted domain counts), where ``status`` reads it as a connector value (such
    # a host is unknown: KB 3169958). The precheck's audit-partner reads this one.
    certificate_status: str | None = None
    # role=connector_certificate_name: the multi-tenant service the value names (a shared name,
    # MC1226222: "mimecast.com", "the whole top-level domain 'com'"), when it names one
    shared_with: str | None = None
    # role=connector_certificate_name: a Get-AcceptedDomain or Get-MgDomain export was read (without
    # one, status says unknown: nothing to look the value up in)
    domains_given: bool | None = None


@dataclass(frozen=True, kw_only=True)
class CertStatus(Fact):
    """Everything known about one certificate's health, merged over all sources of it."""

    KIND: ClassVar[str] = "cert_status"
    DOC: ClassVar[str] = (
        "One certificate's health at the time it was used: validity, trust (Windows' word first, "
        "then the offline public root store), chain completeness from the files given."
    )
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {
        "validity": _enum("valid", "expired", "not_yet_valid", "unknown"),
        "trust": _enum("trusted", "self_signed", "private_ca", "untrusted_root", "revoked", "unknown"),
        "trust_basis": _enum("windows", "public_roots", "certificate", "answer", "none"),
        "chain": _enum("complete", "incomplete", "unknown"),
    }

    thumbprint: str
    cn: str | None = None
    presented: bool = False  # seen presented to Exchange Online in a send log
    validity: str = "unknown"
    evaluated_at: str | None = None  # the time validity was judged at (session time, else now)
    not_after: str | None = None
    trust: str = "unknown"
    trust_basis: str = "none"
    self_signed: bool | None = None
    chain: str = "unknown"
    missing_issuer: str | None = None
    smtp_enabled: bool | None = None
    windows_status: str | None = None


@dataclass(frozen=True, kw_only=True)
class SendConnectorCertificate(Fact):
    """A send connector's TlsCertificateName against the installed and the presented certificates."""

    KIND: ClassVar[str] = "send_connector_cert"
    DOC: ClassVar[str] = (
        "A send connector's TlsCertificateName (<I>issuer<S>subject) against Get-ExchangeCertificate "
        "and against what the send log shows presented."
    )
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {
        "state": _enum("empty", "malformed", "matches_installed", "not_installed", "unknown"),
        "presented": _enum("same", "different", "unknown"),
    }

    connector: str
    state: str
    thumbprint: str | None = None  # the installed certificate it names (newest if several)
    presented: str = "unknown"  # whether the log shows that certificate presented


@dataclass(frozen=True, kw_only=True)
class ConnectorChange(Fact):
    """An inbound connector changed shortly before the failure: Exchange Online applies connector
    changes with a delay ("Changes may take some time to take effect", KB 4051495)."""

    KIND: ClassVar[str] = "connector_change"
    DOC: ClassVar[str] = (
        "An inbound connector's WhenChanged against the time of the failure (the last rejected "
        "session): how many minutes before it the connector changed, and whether that is recent."
    )
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {
        # yes: changed 0-60 minutes before the failure, both times in UTC; uncertain: within 60
        # minutes only if WhenChanged (a local time without zone) is taken as UTC; no: otherwise
        "recent": _enum("yes", "no", "uncertain"),
    }

    connector: str
    when_changed: str
    failure_at: str
    minutes_before_failure: int  # negative: the change came after the failure
    recent: str


# --------------------------------------------------------------------------------------------
# Windows and Exchange sources (issue 9): event exports, more cmdlets, sign-in logs, cert checks.
# Cmdlet objects carry ``scope`` (tenant | onprem_org | server | unknown) and ``scope_id``, told
# from the export's shape or the collector's manifest, never guessed.
# --------------------------------------------------------------------------------------------

SCOPES = _enum("tenant", "onprem_org", "server", "unknown")
CHAIN_ERRORS = _enum(
    "untrusted_root",  # 0x800B0109 CERT_E_UNTRUSTEDROOT / CERT_TRUST_IS_UNTRUSTED_ROOT
    "incomplete_chain",  # 0x800B010A CERT_E_CHAINING / CERT_TRUST_IS_PARTIAL_CHAIN
    "revocation_offline",  # 0x80092013 CRYPT_E_REVOCATION_OFFLINE / CERT_TRUST_IS_OFFLINE_REVOCATION
    "no_revocation_check",  # 0x80092012 CRYPT_E_NO_REVOCATION_CHECK / ..._REVOCATION_STATUS_UNKNOWN
    "expired",  # 0x800B0101 CERT_E_EXPIRED / CERT_TRUST_IS_NOT_TIME_VALID
    "revoked",  # 0x80092010 CRYPT_E_REVOKED / CERT_TRUST_IS_REVOKED
    "other",  # another non-zero result
    "none",  # the check succeeded
)


@dataclass(frozen=True, kw_only=True)
class WindowsEvent(Fact):
    """One Windows event that matters to relay (CAPI2, Exchange transport, Schannel)."""

    KIND: ClassVar[str] = "windows_event"
    DOC: ClassVar[str] = (
        "A Windows event (wevtutil XML/text, Event Viewer text/CSV, Get-WinEvent export): CAPI2 "
        "chain errors, MSExchangeTransport certificate/TLS/auth events, Schannel alerts."
    )
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {
        "source_family": _enum("capi2", "exchange_transport", "schannel", "other"),
        "level": _enum("critical", "error", "warning", "information", "verbose", "unknown"),
        "category": _enum(
            "chain_error", "certificate_not_found", "tls_failed", "auth_failed", "tls_alert",
            "cipher_mismatch", "other", "send_rejected", "send_auth_failed", "tls_required_failed",
        ),
        "chain_error": CHAIN_ERRORS,
        "origin": _enum("event_xml", "event_text", "event_csv", "cmdlet"),
        "scope": SCOPES,
    }

    provider: str  # as logged: "Microsoft-Windows-CAPI2", "MSExchangeTransport", "Schannel"
    source_family: str = "other"
    event_id: int
    level: str = "unknown"
    time: str | None = None
    computer: str | None = None  # lower case
    channel: str | None = None
    category: str = "other"
    chain_error: str | None = None
    error_code: str | None = None  # 8 upper-case hex digits, "800B0109"
    thumbprint: str | None = None  # the certificate the event is about
    subject_cn: str | None = None
    certificate_name: str | None = None  # 12014: the domain / <I>…<S>… it looked for
    fqdn: str | None = None  # 12014: the connector's FQDN parameter
    connector: str | None = None
    tls_error: str | None = None  # "UnknownCredentials", "LogonDenied", …
    tls_alert: int | None = None  # Schannel fatal alert code
    client_ip: str | None = None
    process: str | None = None  # CAPI2: the process that asked ("lsass.exe", "EdgeTransport.exe")
    origin: str = "event_xml"
    language: str = "en"  # the export's label language: en, de, fr, it, es, or unknown
    scope: str = "server"  # an event log belongs to one computer
    scope_id: str = ""
    smtp_response: str | None = None  # 2004/2003: the remote server's reply as the event quotes it
    status_code: str | None = None  # its enhanced status, "5.7.64"
    remote_host: str | None = None  # 2003/2015/2016/2017: the server the send connector talked to
    auth_mechanism: str | None = None  # 1035/2016/2017: "ExchangeAuth", "Login", …
    message_id: str | None = None  # 2004: the Internet message ID of the refused message


@dataclass(frozen=True, kw_only=True)
class CertCheck(Fact):
    """What Windows said when asked to verify a certificate (Test-Certificate, certutil -verify)."""

    KIND: ClassVar[str] = "cert_check"
    DOC: ClassVar[str] = "A certificate check run on Windows: Test-Certificate or certutil -verify output."
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {
        "tool": _enum("test_certificate", "certutil"),
        "chain_error": CHAIN_ERRORS,
        "scope": SCOPES,
    }

    tool: str
    thumbprint: str | None = None
    subject_cn: str | None = None
    chain_error: str = "other"
    error_code: str | None = None
    passed: bool = False
    scope: str = "server"
    scope_id: str = ""


@dataclass(frozen=True, kw_only=True)
class TransportConfig(Fact):
    """Organisation-wide transport settings (Get-TransportConfig)."""

    KIND: ClassVar[str] = "transport_config"
    DOC: ClassVar[str] = "Organisation-wide transport settings (Get-TransportConfig)."
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {"scope": SCOPES}

    smtp_client_authentication_disabled: bool | None = None  # Exchange Online only
    allow_legacy_tls_clients: bool | None = None  # Exchange Online only
    internal_smtp_servers: tuple[str, ...] = ()
    tls_receive_domain_secure_list: tuple[str, ...] = ()
    scope: str = "unknown"
    scope_id: str = ""


@dataclass(frozen=True, kw_only=True)
class OrganizationConfig(Fact):
    """Organisation settings (Get-OrganizationConfig): RejectDirectSend and the organisation's name."""

    KIND: ClassVar[str] = "organization_config"
    DOC: ClassVar[str] = "Organisation settings (Get-OrganizationConfig), e.g. RejectDirectSend."
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {"scope": SCOPES}

    name: str | None = None
    reject_direct_send: bool | None = None  # Exchange Online only
    scope: str = "unknown"
    scope_id: str = ""


@dataclass(frozen=True, kw_only=True)
class CasMailbox(Fact):
    """A mailbox's client access settings (Get-CASMailbox): SMTP AUTH."""

    KIND: ClassVar[str] = "cas_mailbox"
    DOC: ClassVar[str] = "A mailbox's client access settings (Get-CASMailbox): SMTP AUTH disabled or not."
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {"scope": SCOPES}

    name: str
    primary_smtp_address: str | None = None  # lower case
    smtp_client_authentication_disabled: bool | None = None  # None: the organisation's setting applies
    scope: str = "unknown"
    scope_id: str = ""


@dataclass(frozen=True, kw_only=True)
class ExchangeServer(Fact):
    """An on-premises Exchange server and its build (Get-ExchangeServer)."""

    KIND: ClassVar[str] = "exchange_server"
    DOC: ClassVar[str] = "An on-premises Exchange server's version and build (Get-ExchangeServer)."
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {
        "product": _enum("2007", "2010", "2013", "2016", "2019", "se", "unknown"),
        "support": _enum("supported", "out_of_support", "unknown"),
        "scope": SCOPES,
    }

    name: str
    fqdn: str | None = None
    admin_display_version: str | None = None  # "Version 15.2 (Build 1544.4)"
    build: str | None = None  # "15.2.1544.4"
    product: str = "unknown"
    support: str = "unknown"  # of the product line, on the report's reference date
    roles: tuple[str, ...] = ()
    scope: str = "server"
    scope_id: str = ""


@dataclass(frozen=True, kw_only=True)
class RemoteDomain(Fact):
    """A remote domain's message format settings (Get-RemoteDomain)."""

    KIND: ClassVar[str] = "remote_domain"
    DOC: ClassVar[str] = "A remote domain (Get-RemoteDomain)."
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {"scope": SCOPES}

    name: str
    domain: str | None = None  # "*" for the default remote domain
    auto_forward_enabled: bool | None = None
    ndr_enabled: bool | None = None
    scope: str = "unknown"
    scope_id: str = ""


@dataclass(frozen=True, kw_only=True)
class SignIn(Fact):
    """One Entra ID sign-in (portal CSV/JSON export or Get-MgAuditLogSignIn)."""

    KIND: ClassVar[str] = "signin"
    DOC: ClassVar[str] = (
        "An Entra ID sign-in record: client app (e.g. Authenticated SMTP), error code (53003 = "
        "blocked by Conditional Access), Conditional Access result."
    )
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {
        "status": _enum("success", "failure", "interrupted", "unknown"),
        "conditional_access": _enum("success", "failure", "not_applied", "unknown"),
        "scope": SCOPES,
    }

    time: str | None = None
    user: str | None = None  # UPN, lower case
    app: str | None = None
    client_app: str | None = None  # "Authenticated SMTP", "Exchange ActiveSync", …
    smtp_auth: bool = False  # the client app is Authenticated SMTP
    error_code: int | None = None  # 0 = success
    failure_reason: str | None = None
    status: str = "unknown"
    conditional_access: str = "unknown"
    ip: str | None = None
    scope: str = "tenant"  # sign-ins are the tenant's
    scope_id: str = ""


@dataclass(frozen=True, kw_only=True)
class TrackingEvent(Fact):
    """Failed or deferred deliveries in Exchange's native message tracking logs (MSGTRK*.LOG), aggregated."""

    KIND: ClassVar[str] = "tracking_event"
    DOC: ClassVar[str] = (
        "Message tracking log FAIL/DEFER events, aggregated by event, connector, server and reply."
    )
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {"scope": SCOPES}

    event_id: str  # FAIL, DEFER, …
    source: str | None = None  # SMTP, ROUTING, …
    connector: str | None = None
    server: str | None = None  # server-hostname, lower case
    reply: str | None = None  # the recipient-status reply, clipped
    status_code: str | None = None  # "5.7.64"
    count: int = 1
    first_seen: str | None = None
    last_seen: str | None = None
    sender_domain: str | None = None
    scope: str = "server"
    scope_id: str = ""
@dataclass(frozen=True, kw_only=True)
class SmtpClient(Fact):
    """How an app, device or non-Exchange relay talks SMTP to its smart host, from its log or config."""

    KIND: ClassVar[str] = "smtp_client"
    DOC: ClassVar[str] = (
        "An SMTP client (application, device, Postfix/sendmail/Exim or IIS SMTP relay): the smart host "
        "and port it uses, whether it authenticated or used TLS, its MAIL FROM domain and own IP, "
        "from its log (what happened) or its configuration (what it would do)."
    )
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {
        "origin": _enum("app_log", "mail_log", "mta_config", "iis_config", "app_config"),
        "smart_host_kind": _enum(
            "eop_tenant", "eop_legacy", "smtp_client_endpoint", "ip_literal", "other", "none"
        ),
        "tls_policy": _enum("required", "opportunistic", "none", "unknown"),
        "scope": SCOPES,
    }

    software: str  # "postfix", "sendmail", "exim", "iis_smtp", "phpmailer", "nodemailer", "app", ...
    origin: str
    smart_host: str | None = None  # lower case, without brackets
    port: int | None = None
    smart_host_kind: str = "none"
    auth_used: bool | None = None  # AUTH seen in the log, or SASL/credentials configured
    auth_failed: bool | None = None  # the smart host refused the credentials (535, SASL failure)
    starttls_used: bool | None = None  # STARTTLS issued / TLS established (implicit TLS counts)
    tls_policy: str = "unknown"  # from configuration: required | opportunistic | none
    client_cert_configured: bool | None = None  # a client certificate is set up (never opened)
    client_cert_name: str | None = None  # the configured certificate file's name, or a logged subject
    mail_from_domain: str | None = None
    null_sender: bool = False
    client_ip: str | None = None  # the client's own IP as the smart host saw it
    last_status: str | None = None  # enhanced status of the last refusal seen, "5.7.64"
    attempts: int = 0  # deliveries or sessions seen to this smart host (0 for configuration)
    scope: str = "server"
    scope_id: str = ""  # the host that runs the client, when the evidence names it
    # the configuration names no smart host: mail goes to each recipient domain's MX (Postfix with
    # relayhost empty, or postconf -n without it); None when the configuration does not say
    direct_delivery: bool | None = None


@dataclass(frozen=True, kw_only=True)
class PrecheckPlan(Fact):
    """A change planned with ``relaydoctor precheck``: it puts its code in scope (as a symptom
    does for diagnose), so the pack's checks of that code are judged (docs/precheck.md)."""

    KIND: ClassVar[str] = "precheck_plan"
    DOC: ClassVar[str] = (
        "A change planned with relaydoctor precheck (or a case's inline fact): its code (the built-in "
        "pack's 'precheck') is judged as if a symptom named it; the planned certificate's thumbprint "
        "and the --days expiry window are what the checks compare with."
    )

    code: str = "precheck"  # the pack code the plan puts in scope (the built-in pack's checks)
    days: int = 30  # the expiry window (--days)
    cert_thumbprint: str | None = None  # the planned certificate (upper-case hex), when --cert
    audit: bool = False  # nothing planned: the current configuration is audited
    sender_domain: str | None = None  # the planned sending (MAIL FROM) domain, when --sender-domain
    egress_ip: str | None = None  # the planned egress address as given (--egress-ip), when given
    # a planned inbound connector edit (--connector, --connector-cert-name, --connector-ips)
    connector: str | None = None  # the connector it applies to, as given
    connector_cert_name: str | None = None  # the planned TlsSenderCertificateName, as given
    connector_ips: tuple[str, ...] = ()  # the planned SenderIPAddresses, as given
    connector_ips_planned: bool = False  # --connector-ips was given (an empty list is a plan too)


@dataclass(frozen=True, kw_only=True)
class CertLifetime(Fact):
    """Date arithmetic done in Python so rules can compare days: a certificate's days to expiry."""

    KIND: ClassVar[str] = "cert_lifetime"
    DOC: ClassVar[str] = (
        "How many whole days one certificate stays valid after the time of the diagnosis (--now; "
        "negative once expired), beside its validity then: rules compare days_left with a window "
        "such as precheck_plan.days."
    )
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {"validity": CertStatus.ENUMS["validity"]}

    thumbprint: str  # the certificate's SHA-1 thumbprint (upper-case hex), as cert_status has it
    cn: str | None = None  # its subject CN, when known
    days_left: int  # whole days from the time of the diagnosis to NotAfter; negative once expired
    validity: str = "unknown"  # at the time of the diagnosis (not at a session's time)
    not_after: str | None = None  # the NotAfter compared (ISO 8601)


@dataclass(frozen=True, kw_only=True)
class PlannedEgress(Fact):
    """A precheck's planned egress address, classified, with what the inbound connector export
    offers instead of it: whether an enabled OnPremises connector authenticates by certificate."""

    KIND: ClassVar[str] = "planned_egress"
    DOC: ClassVar[str] = (
        "The planned egress address of a precheck (--egress-ip): its family, whether it is public "
        "(RFC 1918, CGNAT, loopback and link-local are not; documentation ranges are), and, when a "
        "Get-InboundConnector export was read, whether a usable connector authenticates by "
        "certificate (cert_route none rests on the whole export: complete says no value of it was "
        "cut short) and which connector the address would be added to."
    )
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {
        "family": _enum("ipv4", "ipv6", "invalid"),
        "cert_route": _enum("present", "none"),
    }

    text: str  # the address as given
    ip: str | None = None  # normalised (an IPv4-mapped IPv6 address as IPv4); None when not an IP
    family: str = "invalid"  # ipv4, ipv6, or invalid when the text is not an address
    public: bool | None = None  # None when not an IP
    problem: str | None = None  # why it is not an address, in words
    # present: a usable (enabled OnPremises) connector names a TlsSenderCertificateName; none: no
    # connector of the export does; missing without a Get-InboundConnector export
    cert_route: str | None = None
    cert_connector: str | None = None  # the first such connector (by name)
    # where to add the address: its best connector, else the first usable one
    fix_connector: str | None = None
    complete: bool = False  # an inbound connector export was read and none of its values was cut short


@dataclass(frozen=True, kw_only=True)
class PlannedCertSmtp(Fact):
    """Whether the planned certificate is installed and enabled for SMTP where relay needs it."""

    KIND: ClassVar[str] = "planned_cert_smtp"
    DOC: ClassVar[str] = (
        "The planned certificate (precheck --cert) against Get-ExchangeCertificate: not installed, "
        "installed with or without the SMTP service, or no such export; with the source transport "
        "servers of the send connectors to Exchange Online, where it must be enabled."
    )
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {
        "state": _enum("smtp", "not_smtp", "services_unknown", "not_installed", "no_export"),
    }

    thumbprint: str  # the planned certificate (upper-case hex)
    # smtp, not_smtp, services_unknown (listed, but the export has no Services), not_installed, or
    # no_export without Get-ExchangeCertificate
    state: str
    # as the installed certificate lists them (SMTP when only its flag says so, none when empty)
    services: tuple[str, ...] = ()
    servers: tuple[str, ...] = ()  # the send connectors' source transport servers, sorted
    servers_known: bool = False  # servers is not empty (a rule's test: list fields are never missing)


@dataclass(frozen=True, kw_only=True)
class PlannedConnector(Fact):
    """The inbound connector a precheck's edit would leave (source: the plan): the current one
    (or a new one) with the planned TlsSenderCertificateName and SenderIPAddresses, and what
    rules cannot compute about those values."""

    KIND: ClassVar[str] = "planned_connector"
    DOC: ClassVar[str] = (
        "The inbound connector a precheck's planned edit would leave (--connector-cert-name, "
        "--connector-ips): only a precheck plan yields it, so no diagnosis reads it. It says whether "
        "the planned certificate name is a valid value (cert_name_problem) and names a multi-tenant "
        "service (shared), whether the planned addresses are readable (ips_problem), private or wider "
        "than one address, and how many presented certificates and egress addresses there are to "
        "compare with."
    )

    name: str  # the connector (its exported name), or "(new connector)"
    exists: bool = False  # the connector is in the Get-InboundConnector export
    cert_name: str | None = None  # the planned TlsSenderCertificateName (normalised), when planned
    cert_name_problem: str | None = None  # why it is not a valid SMTP domain (or wildcard of one)
    shared: str | None = None  # the multi-tenant service (or whole TLD) the planned name names
    domain_export: bool = False  # an accepted-domain export was read (acceptance can be judged)
    ips_planned: bool = False  # SenderIPAddresses are part of the edit
    ips: tuple[str, ...] = ()  # the planned SenderIPAddresses
    ips_count: int = 0  # how many planned SenderIPAddresses entries
    ips_problem: str | None = None  # the unreadable entries and why, "; "-separated
    ips_private: tuple[str, ...] = ()  # readable entries in RFC 1918, CGNAT, loopback, link-local
    private: bool = False  # ips_private is not empty
    ips_wide: tuple[str, ...] = ()  # public ranges wider than one address
    wide: bool = False  # ips_wide is not empty
    certificate_name: bool = False  # the connector would still have a certificate name (planned or current)
    presented: int = 0  # certificates your servers present (send logs, else send connectors' names)
    egress: int = 0  # egress addresses Exchange Online saw (send logs) or you gave


@dataclass(frozen=True, kw_only=True)
class PlannedNameMatch(Fact):
    """A certificate your servers present against a planned TlsSenderCertificateName."""

    KIND: ClassVar[str] = "planned_name_match"
    DOC: ClassVar[str] = (
        "One certificate your servers present (send logs, else the installed certificate a send "
        "connector names) against a precheck's planned TlsSenderCertificateName, with the same "
        "wildcard semantics as cert_name_match."
    )
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {"match": CertNameMatch.ENUMS["match"]}

    thumbprint: str  # the presented certificate (upper-case hex)
    short: str  # the thumbprint's first 8 digits and an ellipsis (the line's subject)
    label: str  # the certificate's CN, else its thumbprint
    names: tuple[str, ...] = ()  # its CN and SAN DNS names
    expected: str  # the planned value
    match: str  # match, wildcard_match, mismatch or ambiguous, as cert_name_match.match
    reason: str  # the comparison in words


@dataclass(frozen=True, kw_only=True)
class PlannedIpMatch(Fact):
    """An egress address Exchange Online saw (or you gave) against planned SenderIPAddresses."""

    KIND: ClassVar[str] = "planned_ip_match"
    DOC: ClassVar[str] = (
        "One egress address (the [ip] of Exchange Online's EHLO reply in a send log, or --egress-ip) "
        "against a precheck's planned SenderIPAddresses, and whether the connector would still have a "
        "certificate name to attribute relay."
    )
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {"match": _enum("in_range", "not_in_range", "ipv6")}

    ip: str  # the egress address compared
    match: str  # in_range, not_in_range, or ipv6 (Exchange Online does not match IPv6 senders by IP)
    reason: str  # the comparison in words
    certificate_name: bool = False  # the connector would still have a certificate name


@dataclass(frozen=True, kw_only=True)
class PlannedSendConnectorCert(Fact):
    """The planned certificate (precheck --cert) against a send connector's TlsCertificateName."""

    KIND: ClassVar[str] = "planned_send_connector_cert"
    DOC: ClassVar[str] = (
        "precheck --cert: the planned certificate's <I>issuer<S>subject against one send connector to "
        "Exchange Online (all of them when none says it routes there); connector missing: no send "
        "connector was given; value missing: the certificate's issuer or subject is unknown."
    )

    thumbprint: str  # the planned certificate (upper-case hex)
    value: str | None = None  # the TlsCertificateName that names it: "<I>issuer<S>subject"
    connector: str | None = None  # the send connector (None: no Get-SendConnector export)
    target: str  # what Set-SendConnector -Identity takes: the connector, or the HCW's name
    current: str | None = None  # the connector's TlsCertificateName now, as given
    names_planned: bool = False  # it already names the planned certificate (issuer and subject as DN keys)
    # installed certificates (Get-ExchangeCertificate) of the same issuer and subject, other than it:
    # Exchange uses the one that expires last
    others_same: int = 0


@dataclass(frozen=True, kw_only=True)
class PlannedCertNameMatch(Fact):
    """precheck --cert: the planned certificate's names against one inbound connector's
    TlsSenderCertificateName (a cert_name_match of a certificate not presented yet)."""

    KIND: ClassVar[str] = "planned_cert_name_match"
    DOC: ClassVar[str] = (
        "precheck --cert: the planned certificate (CN and SAN DNS names) against one inbound "
        "connector's TlsSenderCertificateName, with the wildcard semantics of cert_name_match."
    )
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {"match": CertNameMatch.ENUMS["match"]}

    thumbprint: str  # the planned certificate (upper-case hex)
    connector: str  # the inbound connector compared with
    expected: str  # its TlsSenderCertificateName
    match: str  # as cert_name_match.match
    matched_name: str | None = None  # the certificate name that satisfied it
    usable_connector: bool = False  # the connector is enabled, OnPremises and names a certificate


@dataclass(frozen=True, kw_only=True)
class PlannedCertAttribution(Fact):
    """precheck --cert: the best match of the planned certificate over the usable certificate
    connectors (a cert_attribution of a certificate not presented yet), with its names."""

    KIND: ClassVar[str] = "planned_cert_attribution"
    DOC: ClassVar[str] = (
        "precheck --cert: the planned certificate's best name match over all enabled OnPremises "
        "connectors that authenticate by certificate (no_cert_connector when there is none), with its "
        "names and the name a connector should expect."
    )
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {"match": CertAttribution.ENUMS["match"]}

    thumbprint: str  # the planned certificate (upper-case hex)
    match: str  # as cert_attribution.match (no_cert_connector when none authenticates by certificate)
    connector: str | None = None  # the best connector (or the first one, for a mismatch)
    expected: str | None = None  # that connector's TlsSenderCertificateName
    matched_name: str | None = None  # the certificate name that satisfied it
    names_text: str  # its DNS names, CN first ("no DNS names" when none)
    own_name: str | None = None  # its CN, else its first name: what a connector could expect
    target: str | None = None  # its CN when that is one of its DNS names, else its first DNS name


@dataclass(frozen=True, kw_only=True)
class PathCertificate(Fact):
    """precheck's audit: a certificate on a connector's path, with its days to expiry."""

    KIND: ClassVar[str] = "path_certificate"
    DOC: ClassVar[str] = (
        "precheck's audit: a certificate on a connector's path (presented to Exchange Online in a send "
        "log, or named by a send connector's TlsCertificateName), its days to expiry at the time of "
        "the diagnosis and its validity then (expired, not_yet_valid, valid; unknown: no NotAfter)."
    )
    ENUMS: ClassVar[dict[str, frozenset[str]]] = {"validity": CertStatus.ENUMS["validity"]}

    thumbprint: str  # upper-case hex
    name: str  # its CN, else its thumbprint: what the audit line names
    validity: str = "unknown"  # at the time of the diagnosis: expired, not_yet_valid, valid, unknown
    days_left: int | None = None  # whole days to NotAfter; negative once expired; None: unknown
    days_ago: int | None = None  # expired: whole days since NotAfter


@dataclass(frozen=True, kw_only=True)
class ConnectorIpScope(Fact):
    """precheck's audit: an enabled OnPremises connector's SenderIPAddresses, entry by entry."""

    KIND: ClassVar[str] = "connector_ip_scope"
    DOC: ClassVar[str] = (
        "precheck's audit: the SenderIPAddresses of one enabled (or not known disabled) OnPremises "
        "connector that lists any: entries Exchange Online ignores, private ones it never sees, and "
        "ranges wider than one address (with the addresses the logs show used in them), in words."
    )

    connector: str  # the inbound connector (its exported name)
    entries: int  # how many SenderIPAddresses entries it lists
    # what is wrong, in words ("ignored by Exchange Online: ...; private, ...; wider than one
    # address, ..."); None when every entry is one public address
    problem: str | None = None


FACT_KINDS: dict[str, type[Fact]] = {
    cls.KIND: cls
    for cls in (
        Symptom,
        SmtpSession,
        Certificate,
        InboundConnector,
        OutboundConnector,
        SendConnector,
        ReceiveConnector,
        AcceptedDomain,
        DomainVerification,
        TransportService,
        Answer,
        CertNameMatch,
        CertAttribution,
        IpConnectorMatch,
        IpAttribution,
        DomainAcceptance,
        CertStatus,
        SendConnectorCertificate,
        ConnectorChange,
        WindowsEvent,
        CertCheck,
        TransportConfig,
        OrganizationConfig,
        CasMailbox,
        ExchangeServer,
        RemoteDomain,
        SignIn,
        TrackingEvent,
        SmtpClient,
        PrecheckPlan,
        CertLifetime,
        PlannedEgress,
        PlannedCertSmtp,
        PlannedConnector,
        PlannedNameMatch,
        PlannedIpMatch,
        PlannedSendConnectorCert,
        PlannedCertNameMatch,
        PlannedCertAttribution,
        PathCertificate,
        ConnectorIpScope,
    )
}

# Derived (relation) kinds, in the order derive_relations emits them.
RELATION_ORDER: tuple[str, ...] = tuple(
    cls.KIND
    for cls in (
        CertNameMatch,
        CertAttribution,
        IpConnectorMatch,
        IpAttribution,
        DomainAcceptance,
        CertStatus,
        SendConnectorCertificate,
        ConnectorChange,
        CertLifetime,
        PlannedEgress,
        PlannedCertSmtp,
        PlannedConnector,
        PlannedNameMatch,
        PlannedIpMatch,
        PlannedSendConnectorCert,
        PlannedCertNameMatch,
        PlannedCertAttribution,
        PathCertificate,
        ConnectorIpScope,
    )
)
RELATION_KINDS = frozenset(RELATION_ORDER)


# Field values that say "not seen": a rule resting on one of them rests on an absence, which proves
# something only when the evidence that would show presence was read completely (the
# confirmation discipline, engine/discipline.py). (kind, field) -> the absent values.
ABSENCE_VALUES: dict[tuple[str, str], tuple[Scalar, ...]] = {
    ("smtp_session", "cert_presented"): (False,),
    ("smtp_session", "tls"): ("not_attempted",),
    ("smtp_session", "starttls_offered"): (False,),
    ("planned_egress", "cert_route"): ("none",),
}


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of a fact kind as rules see it."""

    name: str
    type: str  # "string" | "integer" | "boolean" | "list"
    optional: bool
    enum: tuple[str, ...] | None = None


def field_specs(kind: str) -> dict[str, FieldSpec]:
    """The fields a rule may test on ``kind`` (plus the implicit ``t``)."""
    cls = FACT_KINDS[kind]
    hints = typing.get_type_hints(cls)
    specs: dict[str, FieldSpec] = {}
    for f in dataclasses.fields(cls):
        if f.name == "provenance":
            continue
        hint = hints[f.name]
        args = typing.get_args(hint)
        optional = type(None) in args
        base = next((a for a in args if a is not type(None)), hint) if args and (
            typing.get_origin(hint) in (typing.Union, types.UnionType)
        ) else hint
        if typing.get_origin(base) is tuple:
            kind_name = "list"
        elif base is bool:
            kind_name = "boolean"
        elif base is int:
            kind_name = "integer"
        else:
            kind_name = "string"
        enum = tuple(sorted(cls.ENUMS[f.name])) if f.name in cls.ENUMS else None
        specs[f.name] = FieldSpec(f.name, kind_name, optional, enum)
    return specs


def fact_from_dict(data: dict[str, Any], provenance: Provenance) -> Fact:
    """Build a fact from a plain mapping (pack cases give facts inline). Raises EngineError."""
    data = dict(data)
    kind = data.pop("kind", None) or data.pop("t", None)
    if kind not in FACT_KINDS:
        raise EngineError(f"unknown fact kind {kind!r}; known: {', '.join(sorted(FACT_KINDS))}")
    cls = FACT_KINDS[kind]
    specs = field_specs(kind)
    unknown = set(data) - set(specs)
    if unknown:
        raise EngineError(f"{kind} has no field(s) {', '.join(sorted(unknown))}")
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        if specs[name].type == "list":
            if not isinstance(value, list | tuple):
                value = [value]
            value = tuple(value)
        kwargs[name] = value
    try:
        return cls(provenance=provenance, **kwargs)
    except TypeError as exc:
        raise EngineError(f"{kind}: {exc}") from None


