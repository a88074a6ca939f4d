"""Certificate fields rendered the way Windows / Exchange print them, so facts compare as text.

Exchange shows ``X509Certificate2.Subject``/``Issuer``: CryptoAPI's ``CertNameToStr`` with
``CERT_X500_NAME_STR | CERT_NAME_STR_REVERSE_FLAG`` — the last RDN first, ``", "`` between RDNs,
``" + "`` inside a multi-valued RDN, CryptoAPI's short names (``S=`` for stateOrProvinceName,
``E=`` for e-mail, ``OID.x.y.z=`` for types it has no name for), and a value wrapped in double quotes
(inner quotes doubled) when it is empty, has leading/trailing blanks, or holds one of
``, + = " < > # ;`` or a line break. ``SerialNumber`` is the DER INTEGER's bytes in upper-case hex,
so a serial whose top bit is set gains a leading ``00`` and one with a small first byte keeps ``0C``.
"""

from __future__ import annotations

import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

# CryptoAPI's X.500 key names (crypt32 OID info table), by dotted OID.
_SHORT = {
    NameOID.COMMON_NAME.dotted_string: "CN",
    NameOID.SURNAME.dotted_string: "SN",
    NameOID.SERIAL_NUMBER.dotted_string: "SERIALNUMBER",
    NameOID.COUNTRY_NAME.dotted_string: "C",
    NameOID.LOCALITY_NAME.dotted_string: "L",
    NameOID.STATE_OR_PROVINCE_NAME.dotted_string: "S",
    NameOID.STREET_ADDRESS.dotted_string: "STREET",
    NameOID.ORGANIZATION_NAME.dotted_string: "O",
    NameOID.ORGANIZATIONAL_UNIT_NAME.dotted_string: "OU",
    NameOID.TITLE.dotted_string: "T",
    NameOID.GIVEN_NAME.dotted_string: "G",
    NameOID.INITIALS.dotted_string: "I",
    NameOID.EMAIL_ADDRESS.dotted_string: "E",
    NameOID.DOMAIN_COMPONENT.dotted_string: "DC",
    "2.5.4.13": "Description",
    "2.5.4.17": "PostalCode",
    "2.5.4.18": "POBox",
    "2.5.4.20": "Phone",
    "2.5.4.46": "dnQualifier",
}
_QUOTE_CHARS = frozenset(',+="<>#;\r\n')


def _value_text(value: str | bytes) -> str:
    if isinstance(value, bytes):  # e.g. x500UniqueIdentifier: CryptoAPI prints the encoded bytes
        return "#" + value.hex().upper()
    if value == "" or value != value.strip() or any(c in _QUOTE_CHARS for c in value):
        return '"' + value.replace('"', '""') + '"'
    return value


def dotnet_name(name: x509.Name) -> str:
    """E.g. ``CN=Tailspin Trust RSA TLS CA G2, O="Tailspin Trust Services, Inc.", S=Washington, C=US``."""
    rdns = []
    for rdn in reversed(list(name.rdns)):
        parts = []
        for attr in rdn:
            dotted = attr.oid.dotted_string
            key = _SHORT.get(dotted, f"OID.{dotted}")
            parts.append(f"{key}={_value_text(attr.value)}")
        rdns.append(" + ".join(parts))
    return ", ".join(rdns)


def common_name(name: x509.Name) -> str | None:
    """The most specific CN (the last one in encoding order, which .NET's GetNameInfo returns)."""
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not values:
        return None
    value = values[-1].value
    return value if isinstance(value, str) else value.hex()


def dotnet_serial(serial: int) -> str:
    """The serial as ``X509Certificate2.SerialNumber`` prints it: DER content bytes, upper hex."""
    magnitude = serial if serial >= 0 else ~serial
    length = (magnitude.bit_length() + 8) // 8  # room for the sign bit, as DER encodes it
    return serial.to_bytes(length, "big", signed=True).hex().upper()


def thumbprint(cert: x509.Certificate) -> str:
    """SHA-1 over the DER encoding, 40 upper-case hex digits (Windows' Thumbprint)."""
    return hashlib.sha1(cert.public_bytes(serialization.Encoding.DER)).hexdigest().upper()

