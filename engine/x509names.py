"""Certificate and distinguished-name helpers shared by evidence parsers and relations.

Below both layers on purpose: evidence renders names as Windows prints them, relations compare
them, and both must agree on what a name is.

**Rendering** — Exchange shows ``X509Certificate2.Subject``/``Issuer``: CryptoAPI's ``CertNameToStr``
with ``CERT_X500_NAME_STR | CERT_NAME_STR_REVERSE_FLAG`` — the last RDN first, ``", "`` between RDNs,
``" + "`` inside a multi-valued RDN, CryptoAPI's short names (``S=`` for stateOrProvinceName,
``E=`` for e-mail, ``OID.x.y.z=`` for types it has no name for), and a value wrapped in double quotes
(inner quotes doubled) when it is empty, has leading/trailing blanks, or holds one of
``, + = " < > # ;`` or a line break. ``SerialNumber`` is the DER INTEGER's bytes in upper-case hex,
so a serial whose top bit is set gains a leading ``00`` and one with a small first byte keeps ``0C``.

**Comparing** — Exchange shows DNs in the .NET form (``CN=x, O="a, Inc.", S=Washington, C=US``),
logs and cmdlet output wrap and re-space them, and ``cryptography`` has its own objects. A DN key is
the multiset of (attribute, value) pairs with attribute aliases unified (``ST``→``S``,
``emailAddress``→``E``), quotes and escapes removed, blanks collapsed and case folded, so the same
name compares equal in every spelling. RDN order is ignored on purpose: sources disagree on it and
it never tells two real certificates apart.
"""

from __future__ import annotations

import hashlib
import re

from cryptography import x509
from cryptography.x509.oid import NameOID

try:  # the module cryptography.x509 itself imports; the public serialization package re-exports it
    from cryptography.hazmat.primitives._serialization import Encoding
except ImportError:  # pragma: no cover (another cryptography layout)
    from cryptography.hazmat.primitives.serialization import Encoding

from . import lazyre

# --- rendering as Windows prints names ------------------------------------------------------------

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
    # what cert.fingerprint(hashes.SHA1()) gives (it hashes the DER encoding), by hashlib: the first
    # hash cryptography makes in a process costs ~0.7 ms (its digest set up), hashlib's ~0.06 ms
    return hashlib.sha1(der(cert), usedforsecurity=False).hexdigest().upper()


def sha256_fingerprint(cert: x509.Certificate) -> bytes:
    """``cert.fingerprint(hashes.SHA256())`` by hashlib, for the reason ``thumbprint`` gives."""
    return hashlib.sha256(der(cert)).digest()


def der(cert: x509.Certificate) -> bytes:
    """The certificate's DER encoding. ``Encoding`` comes from the module ``cryptography.x509``
    itself imports: the public serialization package (its ssh and cipher modules) is ~4 ms."""
    return cert.public_bytes(Encoding.DER)


# --- comparing names by meaning ------------------------------------------------------------------

DnKey = tuple[tuple[str, str], ...]

_ALIASES = {
    "ST": "S",
    "EMAILADDRESS": "E",
    "EMAIL": "E",
    "1.2.840.113549.1.9.1": "E",
    "OID.1.2.840.113549.1.9.1": "E",
    "STREET": "STREET",
    "SERIALNUMBER": "SERIALNUMBER",
    "2.5.4.5": "SERIALNUMBER",
    "OID.2.5.4.5": "SERIALNUMBER",
    "GN": "G",
    "GIVENNAME": "G",
    "SURNAME": "SN",
    "TITLE": "T",
    "UID": "UID",
    "2.5.4.97": "ORGANIZATIONIDENTIFIER",
    "OID.2.5.4.97": "ORGANIZATIONIDENTIFIER",
}

_SPACE = lazyre.compile(r"\s+")
_CN = lazyre.compile(r'(?:^|[,;+]\s*)CN\s*=\s*("(?:[^"]|"")*"|[^,;+]*)', re.IGNORECASE)


def _attr(name: str) -> str:
    name = name.strip().upper()
    return _ALIASES.get(name, name.removeprefix("OID."))


def _value(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()


def parse_dn(text: str | None) -> list[tuple[str, str]] | None:
    """``[(attr, value), ...]`` from a .NET or RFC 4514 DN string; None when it is not a DN."""
    if not text or "=" not in text:
        return None
    pairs: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " \t\r\n,;+":
            i += 1
        if i >= n:
            break
        eq = text.find("=", i)
        if eq < 0:
            return None
        attr = text[i:eq]
        if not attr.strip() or any(c in attr for c in ',;+"'):
            return None
        i = eq + 1
        while i < n and text[i] in " \t":
            i += 1
        buf: list[str] = []
        if i < n and text[i] == '"':
            i += 1
            closed = False
            while i < n:
                ch = text[i]
                if ch == '"':
                    if i + 1 < n and text[i + 1] == '"':
                        buf.append('"')
                        i += 2
                        continue
                    i += 1
                    closed = True
                    break
                if ch == "\\" and i + 1 < n:
                    buf.append(text[i + 1])
                    i += 2
                    continue
                buf.append(ch)
                i += 1
            if not closed:
                return None
            while i < n and text[i] not in ",;+":
                i += 1
        else:
            while i < n and text[i] not in ",;+":
                if text[i] == "\\" and i + 1 < n:
                    buf.append(text[i + 1])
                    i += 2
                    continue
                buf.append(text[i])
                i += 1
        pairs.append((_attr(attr), _value("".join(buf))))
    return pairs or None


def dn_key(text: str | None) -> DnKey | None:
    pairs = parse_dn(text)
    return tuple(sorted(pairs)) if pairs else None


def name_key(name: x509.Name) -> DnKey:
    """The DN key of a ``cryptography`` Name, comparable with ``dn_key`` of its .NET spelling."""
    pairs = []
    for attr in name:
        label = attr.rfc4514_attribute_name
        value = attr.value if isinstance(attr.value, str) else attr.value.hex()
        pairs.append((_attr(label), _value(value)))
    return tuple(sorted(pairs))


def dn_cn(text: str | None) -> str | None:
    """The (first) CN of a DN string, as written (not case folded)."""
    if not text:
        return None
    match = _CN.search(text)
    if not match:
        return None
    raw = match.group(1).strip()
    if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
        raw = raw[1:-1].replace('""', '"')
    return raw or None
