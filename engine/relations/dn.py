"""Distinguished names compared by meaning, not by spelling.

Exchange shows DNs in the .NET form (``CN=x, O="a, Inc.", S=Washington, C=US``), logs and cmdlet
output wrap and re-space them, and ``cryptography`` has its own objects. A DN key is the multiset of
(attribute, value) pairs with attribute aliases unified (``ST``→``S``, ``emailAddress``→``E``),
quotes and escapes removed, blanks collapsed and case folded, so the same name compares equal in
every spelling. RDN order is ignored on purpose: sources disagree on it and it never tells two real
certificates apart.
"""

from __future__ import annotations

import re

from cryptography import x509

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

_SPACE = re.compile(r"\s+")


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
    match = re.search(r'(?:^|[,;+]\s*)CN\s*=\s*("(?:[^"]|"")*"|[^,;+]*)', text, re.IGNORECASE)
    if not match:
        return None
    raw = match.group(1).strip()
    if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
        raw = raw[1:-1].replace('""', '"')
    return raw or None
