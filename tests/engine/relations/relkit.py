"""Fact builders for the relation tests: evidence facts as the parsers would emit them."""

from __future__ import annotations

from cryptography import x509
from cryptography.x509.oid import NameOID
from relaydoctor.engine.facts import (
    AcceptedDomain,
    Answer,
    Certificate,
    DomainVerification,
    Fact,
    InboundConnector,
    Provenance,
    SendConnector,
    SmtpSession,
)

EOP_LOG = "SEND20261120-1.LOG"


def prov(source: str = EOP_LOG, line: int | None = 1) -> Provenance:
    return Provenance(source, line, "…")


def session(line: int = 10, source: str = EOP_LOG, **kw) -> SmtpSession:
    kw.setdefault("connector", "Outbound to Office 365")
    kw.setdefault("to_eop", True)
    kw.setdefault("tls", "negotiated")
    if kw.get("cert_thumbprint"):
        kw.setdefault("cert_presented", True)
    return SmtpSession(provenance=prov(source, line), **kw)


def inbound(name: str, line: int = 1, source: str = "Get-InboundConnector.fl.txt", **kw) -> InboundConnector:
    kw.setdefault("enabled", True)
    kw.setdefault("connector_type", "OnPremises")
    return InboundConnector(provenance=prov(source, line), name=name, **kw)


def accepted(
    *domains: str, source: str = "Get-AcceptedDomain.fl.txt", types: dict | None = None
) -> list[Fact]:
    types = types or {}
    return [
        AcceptedDomain(provenance=prov(source, i + 1), domain=d, domain_type=types.get(d, "Authoritative"))
        for i, d in enumerate(domains)
    ]


def verified(mapping: dict[str, bool], source: str = "Get-MgDomain.json") -> list[Fact]:
    return [
        DomainVerification(provenance=prov(source, i + 1), domain=d, verified=v)
        for i, (d, v) in enumerate(mapping.items())
    ]


def answer(key: str, value: str) -> Answer:
    return Answer(provenance=Provenance("--answer", None, f"{key}={value}"), key=key, value=value)


def send_connector(
    name: str = "Outbound to Office 365", tls_certificate_name: str | None = None, **kw
) -> SendConnector:
    form = "empty"
    if tls_certificate_name:
        form = "issuer_subject" if "<S>" in tls_certificate_name.upper() else "malformed"
    kw.setdefault("routes_to_eop", True)
    return SendConnector(
        provenance=prov("Get-SendConnector.fl.txt", 3),
        name=name,
        tls_certificate_name=tls_certificate_name,
        tls_certificate_name_form=kw.pop("form", form),
        **kw,
    )


def _cn(name: x509.Name) -> str | None:
    attrs = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else None


def cert_fact(
    cert: x509.Certificate,
    *,
    origin: str = "file",
    source: str = "cert.pem",
    naive_dates: bool = False,
    **kw,
) -> Certificate:
    """A Certificate fact for a generated certificate (subject/issuer in RFC 4514 spelling)."""
    from certfactory import thumbprint

    try:
        sans = tuple(
            cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
                x509.DNSName
            )
        )
    except x509.ExtensionNotFound:
        sans = ()
    try:
        is_ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        is_ca = False
    fmt = "%Y-%m-%dT%H:%M:%S" if naive_dates else "%Y-%m-%dT%H:%M:%SZ"
    values = dict(
        thumbprint=thumbprint(cert),
        subject=cert.subject.rfc4514_string(),
        cn=_cn(cert.subject),
        sans=tuple(s.lower() for s in sans),
        issuer=cert.issuer.rfc4514_string(),
        issuer_cn=_cn(cert.issuer),
        not_before=cert.not_valid_before_utc.strftime(fmt),
        not_after=cert.not_valid_after_utc.strftime(fmt),
        self_signed=cert.issuer == cert.subject,
        is_ca=is_ca,
        origin=origin,
    )
    values.update(kw)
    return Certificate(provenance=prov(source, None), **values)
