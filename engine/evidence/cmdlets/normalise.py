"""Normalise messy cmdlet values into what the facts declare.

Smart hosts → ``smart_host_kind``; a send connector's ``<I>issuer<S>subject`` → its parts; a
.NET-style DN → its CN; Get-ExchangeCertificate ``Services`` in any of its three shapes (names,
the table's positional flags, the flags integer) → service names. Pure functions.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

from ... import lazyre
from ...lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from . import values as v
from .model import Prop, Style

# Enum integer values, from the Exchange assemblies (Microsoft.Exchange.Data.TenantConnectorType,
# TenantConnectorSource, Microsoft.Exchange.Management.SystemConfigurationTasks.AllowedServices).
CONNECTOR_TYPES = {1: "OnPremises", 2: "Partner"}
CONNECTOR_SOURCES = {0: "Default", 1: "Migrated", 2: "HybridWizard"}
SERVICES = (  # (flag bit, name, letter in ServicesStringForm / the default table's Services column)
    (1, "IMAP", "I"),
    (2, "POP", "P"),
    (4, "UM", "U"),
    (8, "IIS", "W"),
    (16, "SMTP", "S"),
    (32, "Federation", "F"),
    (64, "UMCallRouter", "C"),
)
_SERVICE_BY_LETTER = {letter: name for _, name, letter in SERVICES}
_SERVICE_ORDER = {name.lower(): i for i, (_, name, _) in enumerate(SERVICES)}
_SERVICE_NAMES = {name.lower(): name for _, name, _ in SERVICES}
_FLAG_STRING = lazyre.compile(r"^[IPUWSFC.]{6,7}$")
_TLS_CERT_NAME = lazyre.compile(r"^\s*<I>(?P<issuer>.*?)<S>(?P<subject>.*?)\s*$", re.I | re.S)
_HOSTLIKE = lazyre.compile(r"^[A-Za-z0-9*][A-Za-z0-9*._-]*$")

EOP_LEGACY_HOSTS = frozenset({"mail.messaging.microsoft.com", "mail.global.frontbridge.com"})
SMTP_CLIENT_HOSTS = frozenset({"smtp.office365.com", "smtp-mail.outlook.com"})
_KIND_PRIORITY = ("eop_tenant", "eop_legacy", "smtp_client_endpoint", "ip_literal", "other")


def smart_host_kind(host: str) -> str:
    """One smart host → eop_tenant / eop_legacy / smtp_client_endpoint / ip_literal / other."""
    h = host.strip().strip("[]").lower().rstrip(".")
    try:
        ipaddress.ip_address(h)
        return "ip_literal"
    except ValueError:
        pass
    if h.endswith(".mail.protection.outlook.com") and h != ".mail.protection.outlook.com":
        return "eop_tenant"
    if h in EOP_LEGACY_HOSTS or h.endswith(".mail.eo.outlook.com"):
        return "eop_legacy"
    if h in SMTP_CLIENT_HOSTS:
        return "smtp_client_endpoint"
    return "other"


def smart_hosts_kind(hosts: Iterable[str]) -> str:
    """The most telling kind over several smart hosts (EOP beats the rest); ``none`` for none."""
    kinds = {smart_host_kind(h) for h in hosts if h.strip()}
    for kind in _KIND_PRIORITY:
        if kind in kinds:
            return kind
    return "none"


@dataclass(frozen=True, slots=True)
class TlsCertificateName:
    form: str  # empty | malformed | issuer_subject
    issuer: str | None = None
    subject: str | None = None
    cn: str | None = None


def split_tls_certificate_name(raw: str | None) -> TlsCertificateName:
    """``<I>issuer<S>subject`` (any case) → its parts and the subject's CN."""
    if raw is None or not raw.strip():
        return TlsCertificateName("empty")
    m = _TLS_CERT_NAME.match(raw)
    if not m or not m.group("issuer").strip() or not m.group("subject").strip():
        return TlsCertificateName("malformed")
    subject = m.group("subject").strip()
    return TlsCertificateName("issuer_subject", m.group("issuer").strip(), subject, common_name(subject))


def split_dn(dn: str) -> list[tuple[str, str]]:
    """A .NET-style DN (``CN=a, O="b, Inc.", C=US``) as (key, value) pairs, quotes undone."""
    parts: list[tuple[str, str]] = []
    buf: list[str] = []
    quoted = False
    i = 0
    while i <= len(dn):
        ch = dn[i] if i < len(dn) else ","
        if ch == '"':
            if quoted and i + 1 < len(dn) and dn[i + 1] == '"':
                buf.append('"')
                i += 2
                continue
            quoted = not quoted
        elif (ch in ",;+" and not quoted) or i == len(dn):
            token = "".join(buf).strip()
            if "=" in token:
                key, _, value = token.partition("=")
                parts.append((key.strip(), value.strip()))
            buf = []
        else:
            buf.append(ch)
        i += 1
    return parts


def common_name(dn: str | None) -> str | None:
    """The CN of a DN as Windows shows it (the most specific CN comes first); host names lower."""
    if not dn:
        return None
    for key, value in split_dn(dn):
        if key.upper() == "CN" and value:
            return value.lower() if _HOSTLIKE.match(value) else value
    return None


def services(prop: Prop | None, style: Style) -> tuple[tuple[str, ...], bool]:
    """Get-ExchangeCertificate Services: ``IMAP, POP, IIS, SMTP``, ``IP.WS.`` flags, or the integer.

    Returns (services in canonical order, understood)."""
    if prop is None or prop.value is None:
        return (), True
    number = v.integer(prop)
    if number is not None:
        if number < 0 or number >= 128:
            return (), False
        return tuple(name for bit, name, _ in SERVICES if number & bit), True
    raw = v.text(prop)
    if raw is None:
        return (), True
    if _FLAG_STRING.match(raw) and raw.upper() == raw:
        return tuple(_SERVICE_BY_LETTER[c] for c in raw if c != "."), True
    names = v.flags(prop, style) or ()
    found: list[str] = []
    ok = True
    for name in names:
        low = name.lower()
        if low == "none":
            continue
        if low in _SERVICE_NAMES:
            found.append(_SERVICE_NAMES[low])
        else:
            ok = False
    found.sort(key=lambda s: _SERVICE_ORDER[s.lower()])
    return tuple(dict.fromkeys(found)), ok


def lower_all(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(x.strip().lower().rstrip(".") for x in values if x.strip())


def lower(text: str | None) -> str | None:
    if not text:
        return None
    return text.strip().lower().rstrip(".") or None
