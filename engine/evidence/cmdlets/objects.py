"""Map exported PowerShell objects to facts, whatever format they came in.

``classify.py`` says which cmdlet an object came from; here each kind's properties are read
(through ``values``/``normalise``, once for all formats) into its fact. Whatever an export lost —
a Format-List ``...``, a table cell cut short, a collection written as its type name — marks the
fact ``incomplete`` where it has that field and always adds a warning naming the line.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import field

from ... import lazyre
from ...errors import EngineError
from ...facts import (
    AcceptedDomain,
    Certificate,
    DomainVerification,
    Fact,
    InboundConnector,
    OutboundConnector,
    Provenance,
    ReceiveConnector,
    SendConnector,
    TransportService,
    WindowsEvent,
)
from ...lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from ..base import ParseResult
from . import values as v
from .classify import MSOL_STATUS, classify
from .model import Prop, PSObject
from .normalise import (
    CONNECTOR_SOURCES,
    CONNECTOR_TYPES,
    common_name,
    lower,
    lower_all,
    services,
    smart_hosts_kind,
    split_tls_certificate_name,
)
from .scope import scope_of

_HEX40 = lazyre.compile(r"^[0-9A-F]{40}$")


@dataclass
class _Reader:
    """Reads one object's properties for one fact, noting what the export lost."""

    obj: PSObject
    source: str
    warnings: list[str]
    date_order: str | None = None  # "dmy"/"mdy" when the file's other dates revealed the culture
    incomplete: bool = False
    _noted: set[str] = field(default_factory=set)

    def p(self, name: str) -> Prop | None:
        return self.obj.get(name)

    def where(self, prop: Prop | None) -> str:
        line = prop.line if prop is not None and prop.line is not None else self.obj.line
        return f"{self.source}:{line}" if line is not None else self.source

    def warn(self, prop: Prop | None, message: str) -> None:
        key = f"{self.where(prop)} {message}"
        if key not in self._noted:
            self._noted.add(key)
            self.warnings.append(f"{self.where(prop)}: {message}")

    def text(self, name: str) -> str | None:
        """A scalar; a value the export cut short (a table cell ending in ``...``) is unknown."""
        prop = self.p(name)
        if prop is not None and prop.truncated:
            self._lost(prop)
            return None
        value = v.text(prop)
        if value is None and prop is not None and isinstance(prop.value, dict):
            self._lost(prop)  # a nested object of a kind values.nested_text does not know
        return value

    def bool(self, name: str) -> bool | None:
        return v.boolean(self.p(name))

    def list(self, name: str) -> tuple[str, ...]:
        prop = self.p(name)
        got = v.items(prop, self.obj.style)
        if got.incomplete:
            self._lost(prop)
        return got.values

    def flags(self, name: str) -> tuple[str, ...]:
        return v.flags(self.p(name), self.obj.style) or ()

    def enum(self, name: str, known: dict[int, str]) -> str | None:
        prop = self.p(name)
        value, understood = v.enum_name(prop, known)
        if not understood:
            self.warn(
                prop, f"{name} has the unknown value {prop.value if prop else None!r}; treated as unknown"
            )
        return value

    def time(self, *names: str) -> str | None:
        for name in names:
            prop = self.p(name)
            value = v.timestamp(prop, utc_hint=name.lower().endswith("utc"), order=self.date_order)
            if value is not None:
                return value
            if prop is not None and isinstance(prop.value, str) and v.date_order(prop.value) == "ambiguous":
                self.warn(
                    prop,
                    f"{name} {prop.value.strip()!r} reads as day/month or month/day and the exporting "
                    "culture is unknown; left unknown (re-export with ConvertTo-Json or Export-Clixml)",
                )
        return None

    def _lost(self, prop: Prop | None) -> None:
        self.incomplete = True
        name = prop.name if prop is not None else "a value"
        self.warn(
            prop,
            f"{name} is incomplete in this export (truncated or not serialised); "
            "re-export with Export-Clixml, or set $FormatEnumerationLimit = -1 before Format-List",
        )

    def provenance(self, *names: str) -> Provenance:
        for name in names:
            prop = self.p(name)
            if prop is not None and v.text(prop):
                line = prop.line if prop.line is not None else self.obj.line
                return Provenance(self.source, line, Provenance.clip(prop.excerpt.strip()))
        return Provenance(self.source, self.obj.line, "")


def _inbound(r: _Reader) -> Fact | None:
    name = r.text("Name") or r.text("Identity") or r.text("Id")
    if not name:
        r.warn(None, "an inbound connector without Name/Identity was skipped")
        return None
    cert_name = lower(r.text("TlsSenderCertificateName"))
    # a table cell cut short ("webmail.conto...") still says the connector names a certificate
    cut = r.p("TlsSenderCertificateName")
    cert_cut = cut is not None and cut.truncated and bool(str(cut.value or "").strip(" .…"))
    ips = tuple(x.strip() for x in r.list("SenderIPAddresses"))
    auth = {(True, True): "both", (True, False): "certificate", (False, True): "ip"}.get(
        (bool(cert_name) or cert_cut, bool(ips)), "none"
    )
    connector_type = r.enum("ConnectorType", CONNECTOR_TYPES)
    if connector_type not in (None, *CONNECTOR_TYPES.values()):
        r.warn(r.p("ConnectorType"), f"ConnectorType {connector_type!r} is not OnPremises or Partner")
        connector_type = None
    return InboundConnector(
        provenance=r.provenance("Name", "Identity", "Id"),
        name=name,
        enabled=r.bool("Enabled"),
        connector_type=connector_type,
        connector_source=r.enum("ConnectorSource", CONNECTOR_SOURCES),
        tls_sender_certificate_name=cert_name,
        sender_ip_addresses=ips,
        sender_domains=lower_all(r.list("SenderDomains")),
        require_tls=r.bool("RequireTls"),
        restrict_domains_to_certificate=r.bool("RestrictDomainsToCertificate"),
        restrict_domains_to_ip_addresses=r.bool("RestrictDomainsToIPAddresses"),
        cloud_services_mail_enabled=r.bool("CloudServicesMailEnabled"),
        treat_messages_as_internal=r.bool("TreatMessagesAsInternal"),
        auth=auth,
        when_changed=r.time("WhenChangedUTC", "WhenChanged"),
        incomplete=r.incomplete,
    )


def _outbound(r: _Reader) -> Fact | None:
    name = r.text("Name") or r.text("Identity")
    if not name:
        r.warn(None, "an outbound connector without Name/Identity was skipped")
        return None
    return OutboundConnector(
        provenance=r.provenance("Name", "Identity"),
        name=name,
        enabled=r.bool("Enabled"),
        connector_type=r.enum("ConnectorType", CONNECTOR_TYPES),
        recipient_domains=lower_all(r.list("RecipientDomains")),
        smart_hosts=lower_all(r.list("SmartHosts")),
        tls_settings=r.text("TlsSettings"),
        tls_domain=lower(r.text("TlsDomain")),
        use_mx_record=r.bool("UseMXRecord"),
    )


def _send(r: _Reader) -> Fact | None:
    name = r.text("Name") or r.text("Identity")
    if not name:
        r.warn(None, "a send connector without Name/Identity was skipped")
        return None
    hosts = lower_all(r.list("SmartHosts"))
    if not hosts and r.p("SmartHosts") is None:
        hosts = lower_all((r.text("SmartHostsString") or "").split(","))
    address_spaces = r.list("AddressSpaces")
    dns_routing = r.bool("DNSRoutingEnabled")
    kind = smart_hosts_kind(hosts)
    # The HCW connector has no smart host: it routes the tenant's *.mail.onmicrosoft.com by MX.
    hcw_routing = (
        kind == "none"
        and dns_routing is not False
        and bool(address_spaces)
        and all(_address_space_domain(a).endswith(".mail.onmicrosoft.com") for a in address_spaces)
    )
    raw_name = r.text("TlsCertificateName")
    tls = split_tls_certificate_name(raw_name)
    return SendConnector(
        provenance=r.provenance("Name", "Identity"),
        name=name,
        enabled=r.bool("Enabled"),
        address_spaces=address_spaces,
        smart_hosts=hosts,
        smart_host_kind=kind,
        routes_to_eop=kind in ("eop_tenant", "eop_legacy") or hcw_routing,
        dns_routing_enabled=dns_routing,
        require_tls=r.bool("RequireTLS"),
        tls_auth_level=r.text("TlsAuthLevel"),
        tls_domain=lower(r.text("TlsDomain")),
        tls_certificate_name=raw_name,
        tls_certificate_name_form=tls.form,
        tls_cert_issuer=tls.issuer,
        tls_cert_subject=tls.subject,
        tls_cert_cn=tls.cn,
        fqdn=lower(r.text("Fqdn")),
        cloud_services_mail_enabled=r.bool("CloudServicesMailEnabled"),
        source_transport_servers=r.list("SourceTransportServers"),
        protocol_logging_level=r.text("ProtocolLoggingLevel"),
        incomplete=r.incomplete,
    )


def _address_space_domain(space: str) -> str:
    """``SMTP:contoso.mail.onmicrosoft.com;1`` → ``contoso.mail.onmicrosoft.com``."""
    text = space.strip()
    if ":" in text:
        text = text.split(":", 1)[1]
    return text.split(";", 1)[0].strip().lower()


def _receive(r: _Reader) -> Fact | None:
    name = r.text("Name") or r.text("Identity")
    if not name:
        r.warn(None, "a receive connector without Name/Identity was skipped")
        return None
    return ReceiveConnector(
        provenance=r.provenance("Name", "Identity"),
        name=name,
        enabled=r.bool("Enabled"),
        bindings=r.list("Bindings"),
        remote_ip_ranges=r.list("RemoteIPRanges"),
        permission_groups=r.flags("PermissionGroups"),
        auth_mechanism=r.flags("AuthMechanism"),
        transport_role=r.text("TransportRole"),
        tls_certificate_name=r.text("TlsCertificateName") or None,
        fqdn=(r.text("Fqdn") or "").lower() or None,
    )


def _certificate(r: _Reader) -> Fact | None:
    raw = (r.text("Thumbprint") or "").replace(" ", "").upper()
    if not _HEX40.match(raw):
        r.warn(r.p("Thumbprint"), f"certificate thumbprint {raw[:60]!r} is not 40 hex digits; skipped")
        return None
    services_prop = r.p("Services")
    if services_prop is None:
        services_prop = r.p("ServicesStringForm")
    svc, understood = services(services_prop, r.obj.style)
    if not understood:
        r.warn(services_prop, "Services holds values that are not Exchange services; kept the known ones")
    subject = r.text("Subject")
    issuer = r.text("Issuer")
    serial = r.text("SerialNumber")
    return Certificate(
        provenance=r.provenance("Thumbprint"),
        thumbprint=raw,
        subject=subject,
        cn=common_name(subject),
        sans=lower_all(r.list("CertificateDomains")),
        issuer=issuer,
        issuer_cn=common_name(issuer),
        serial=serial.replace(" ", "").upper() if serial else None,
        not_before=r.time("NotBefore"),
        not_after=r.time("NotAfter"),
        self_signed=r.bool("IsSelfSigned"),
        origin="exchange",
        services=svc,
        smtp_enabled=("SMTP" in svc) if services_prop is not None and understood else None,
        status=_enum_text(r, "Status"),
        root_ca_type=_enum_text(r, "RootCAType"),
        has_private_key=r.bool("HasPrivateKey"),
        friendly_name=r.text("FriendlyName"),
    )


def _enum_text(r: _Reader, name: str) -> str | None:
    """An enum we know no integer values for: keep names, report integers as unknown."""
    prop = r.p(name)
    if v.integer(prop) is not None:
        r.warn(prop, f"{name} is exported as the integer {prop.value!r} (not its name); treated as unknown")
        return None
    return r.text(name)


def _accepted(r: _Reader) -> Fact | None:
    domain = lower(r.text("DomainName"))
    if not domain:
        r.warn(None, "an accepted domain without DomainName was skipped")
        return None
    return AcceptedDomain(
        provenance=r.provenance("DomainName"),
        domain=domain,
        domain_type=_enum_text(r, "DomainType"),
        default=r.bool("Default"),
        name=r.text("Name"),
    )


def _verification(r: _Reader) -> Fact | None:
    if r.p("IsVerified") is not None:  # Get-MgDomain
        domain = lower(r.text("Id"))
        verified = r.bool("IsVerified")
        where, auth = "Id", r.text("AuthenticationType")
    else:  # Get-MsolDomain
        domain = lower(r.text("Name"))
        status = (r.text("Status") or "").lower()
        verified = MSOL_STATUS.get(status)
        where, auth = "Name", r.text("Authentication")
    if not domain or verified is None:
        r.warn(r.p(where), "a domain without a readable name or verification state was skipped")
        return None
    return DomainVerification(
        provenance=r.provenance(where),
        domain=domain,
        verified=verified,
        is_default=r.bool("IsDefault"),
        is_initial=r.bool("IsInitial"),
        authentication_type=auth,
    )


def _transport(r: _Reader) -> Fact | None:
    name = r.text("Name") or r.text("Identity")
    if not name:
        r.warn(None, "a transport service without Name was skipped")
        return None
    return TransportService(
        provenance=r.provenance("Name", "Identity"),
        name=name,
        send_protocol_log_path=r.text("SendProtocolLogPath"),
        receive_protocol_log_path=r.text("ReceiveProtocolLogPath"),
        admin_display_version=r.text("AdminDisplayVersion"),
    )


_MAPPERS: dict[type[Fact], Callable[[_Reader], Fact | None]] = {
    InboundConnector: _inbound,
    OutboundConnector: _outbound,
    SendConnector: _send,
    ReceiveConnector: _receive,
    Certificate: _certificate,
    AcceptedDomain: _accepted,
    DomainVerification: _verification,
    TransportService: _transport,
}  # + newkinds.MAPPERS, looked up in ``_mapper``


def _mapper(cls: type[Fact]) -> Callable[[_Reader], Fact | None]:
    """The mapper of a kind: the connector, certificate and domain kinds here; the later kinds'
    (``newkinds``: transport and organisation config, servers, sign-ins, events) from their module,
    imported only when an object of one of them is read (~0.3 ms a diagnosis without them)."""
    found = _MAPPERS.get(cls)
    if found is None:
        from .newkinds import MAPPERS

        found = MAPPERS[cls]
    return found


def document_date_order(objects: list[PSObject]) -> str | None:
    """``dmy``/``mdy`` when the text dates that decide their own order all agree, else ``None``.

    One export comes from one session, so one culture: ``28/05/2027`` elsewhere in the file
    settles ``02/03/2027``."""
    found: set[str] = set()
    for obj in objects:
        for prop in obj.props:
            values = prop.value if isinstance(prop.value, tuple) else (prop.value,)
            for value in values:
                if isinstance(value, str):
                    order = v.date_order(value)
                    if order in ("dmy", "mdy"):
                        found.add(order)
    return found.pop() if len(found) == 1 else None


def to_fact(
    obj: PSObject, source: str, warnings: list[str], date_order: str | None = None
) -> Fact | None:
    """One object → its fact, or ``None`` (unknown kind, or unusable; a warning says why)."""
    cls = classify(obj)
    if cls is None:
        return None
    reader = _Reader(obj, source, warnings, date_order)
    try:
        fact = _mapper(cls)(reader)
        if fact is not None and getattr(fact, "scope", None) == "unknown":  # a mapper's own scope stays
            scope, scope_id = scope_of(fact, reader)
            if scope != "unknown":
                fact = dataclasses.replace(fact, scope=scope, scope_id=scope_id)
        return fact
    except EngineError as exc:  # a value outside a fact enum: report, do not crash the load
        where = f"{source}:{obj.line}" if obj.line is not None else source
        warnings.append(f"{where}: {cls.KIND} skipped: {exc}")
        return None


def build_result(
    objects: list[PSObject], source: str, fmt: str, warnings: list[str] | None = None
) -> ParseResult:
    """Facts for every recognised object, with a one-line summary of what was read."""
    warns = list(warnings or [])
    facts: list[Fact] = []
    unknown = 0
    order = document_date_order(objects)
    for obj in objects:
        fact = to_fact(obj, source, warns, order)
        if fact is None:
            if classify(obj) is None:
                unknown += 1
            continue
        facts.append(fact)
    if any(isinstance(f, WindowsEvent) for f in facts):  # a Get-WinEvent 2003/2004 event quotes a reply
        from ..windows.events import with_symptoms  # (only then: the module costs ~1.5 ms)

        facts = with_symptoms(facts, set())
    counts: dict[str, int] = {}
    for fact in facts:
        counts[fact.KIND] = counts.get(fact.KIND, 0) + 1
    shown = ", ".join(f"{n} {k}" for k, n in counts.items()) or "no known objects"
    noun = "object" if len(objects) == 1 else "objects"
    detail = f"{fmt}: {len(objects)} {noun} → {shown}"
    if unknown:
        detail += f" ({unknown} of an unrecognised kind ignored)"
    return ParseResult(facts=facts, detail=detail, warnings=warns)
