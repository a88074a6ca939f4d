"""Certificate files → one ``Certificate`` fact per certificate (origin "file").

Formats, recognised by content only: PEM (one or many blocks, any text around them such as
OpenSSL's ``Bag Attributes`` / ``subject=`` lines, CRLF or LF, UTF-8 or UTF-16), DER X.509, PKCS#7
certs-only bundles (DER or PEM; certificates come in DER ``SET OF`` order, so facts are re-ordered
leaf first), and PKCS#12 / PFX.

PFX passwords: ``parse(doc)`` tries no password and the empty password; a protected file then
raises ``EvidenceError("PFX is password-protected: pass --pfx-password-env VAR")``. With a password
(``parse(doc, pfx_password=…)`` as the loader calls it, or ``parse_with_password(doc, password)``)
a wrong one raises a clear ``EvidenceError``. The private key is dropped inside
``_pfx_certificates`` as soon as the container is opened: it never reaches a fact, a warning, a log
or a returned object.

``read(doc, password)`` also returns each certificate's DER (public part) by thumbprint, for
``EvidenceSet.certificates``; ``load_certificates(data, name)`` gives ``x509.Certificate`` objects
to relations and tests.
"""

from __future__ import annotations

import base64
import binascii
import re
import warnings as _warnings
from dataclasses import field

from cryptography import x509
from cryptography.exceptions import InvalidSignature

from ... import lazyre
from ...errors import EvidenceError
from ...facts import Certificate, Provenance
from ...lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from ...utctime import format_utc
from ...x509names import common_name, dotnet_name, dotnet_serial, thumbprint
from ...x509names import der as der_of  # (a local 'der' maps thumbprints to encodings)
from ..base import Document, ParseResult

KIND = "certificate"

MAX_SIZE = 16 * 1024 * 1024  # no certificate container is this big; refuse rather than read it
MAX_CERTS_PER_FILE = 1000  # a chain or CA bundle holds far fewer; past it the rest is ignored (warned)

_PEM_BLOCK = lazyre.compile(
    r"-----BEGIN (?P<label>[A-Z0-9 #]{1,40})-----(?P<body>.*?)-----END (?P=label)-----", re.DOTALL
)
_CERT_LABELS = frozenset(
    {"CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE", "CERTIFICATE CHAIN", "PKCS7",
     "PKCS #7 SIGNED DATA"}
)
_BLANKS = lazyre.compile(r"\s+")
_PEM_SNIFF = lazyre.compile(r"-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----|-----BEGIN PKCS ?#?7")

_OID_PKCS7_SIGNED = bytes.fromhex("2a864886f70d010702")
_OID_PKCS7_DATA = bytes.fromhex("2a864886f70d010701")

_LABELS = {"pem": "PEM", "der": "DER", "pkcs7": "PKCS#7", "pfx": "PKCS#12"}


@dataclass(frozen=True, slots=True)
class CertFile:
    """What one certificate file gave: the facts and the public DER of each certificate."""

    result: ParseResult
    der: dict[str, bytes] = field(default_factory=dict)  # thumbprint -> DER
    format: str = ""  # "pem" | "der" | "pkcs7" | "pfx"


# ---------------------------------------------------------------------------------------------
# parser interface
# ---------------------------------------------------------------------------------------------


def sniff(doc: Document) -> bool:
    try:
        if detect_binary(doc.head, doc.size) is not None:
            return True
        return doc.size <= MAX_SIZE and bool(_PEM_SNIFF.search(doc.head_text()))
    except Exception:  # sniffing is a guess over untrusted bytes; a failure means "not mine"
        return False


def parse(doc: Document, pfx_password: str | bytes | None = None) -> ParseResult:
    """The loader passes ``pfx_password`` (the ``--pfx-password-env`` value) when it has one."""
    return read(doc, pfx_password).result


def parse_with_password(doc: Document, password: str | bytes | None) -> ParseResult:
    """``parse`` for the loader, with the ``--pfx-password-env`` value (ignored by other formats)."""
    return read(doc, password).result


def read(doc: Document, password: str | bytes | None = None) -> CertFile:
    """The certificates of ``doc``. What the X.509 library warns of while reading (a country name
    of seven letters, say) becomes a warning of the file, not a Python warning on stderr."""
    with _warnings.catch_warnings(record=True) as caught:
        _warnings.simplefilter("always")
        found = _read(doc, password)
    seen: set[str] = set()
    for w in caught:
        text = " ".join(str(w.message).split())
        if text not in seen:
            seen.add(text)
            found.result.warnings.append(f"certificate: {text}")
    return found


def _read(doc: Document, password: str | bytes | None) -> CertFile:
    if doc.size > MAX_SIZE:
        raise EvidenceError(f"too large for a certificate file ({doc.size:,} bytes)", doc.name)
    fmt = detect_binary(doc.head, doc.size)
    warnings: list[str] = []
    if fmt is None:
        located = _from_pem_text(doc.text(), doc.name, warnings)
        fmt = "pem"
    else:
        data = doc.read_bytes()
        located = [(c, None) for c in _from_binary(data, fmt, doc.name, password)]
    if not located:
        raise EvidenceError("no certificate found", doc.name)
    if len(located) > MAX_CERTS_PER_FILE:
        where = located[MAX_CERTS_PER_FILE][1]
        prefix = f"line {where}: " if where is not None else ""
        warnings.append(
            f"{prefix}more than {MAX_CERTS_PER_FILE:,} certificates in one file; the rest are ignored"
        )
        located = located[:MAX_CERTS_PER_FILE]
    return _build(doc.name, fmt, located, warnings)


def load_certificates(data: bytes, name: str, password: str | bytes | None = None) -> list[x509.Certificate]:
    """Every certificate in ``data`` (any supported format), leaf first. Raises EvidenceError."""
    if len(data) > MAX_SIZE:
        raise EvidenceError(f"too large for a certificate file ({len(data):,} bytes)", name)
    fmt = detect_binary(data[:65536], len(data))
    if fmt is None:
        from ..decoding import decode  # lazy, as in Document.text()

        certs = [c for c, _ in _from_pem_text(decode(data, name), name, [])]
    else:
        certs = _from_binary(data, fmt, name, password)
    if not certs:
        raise EvidenceError("no certificate found", name)
    return _leaf_first(_unique(certs))


def certificate_fact(cert: x509.Certificate, provenance: Provenance) -> Certificate:
    """The fact for one certificate. Raises EvidenceError if its names cannot be read."""
    try:
        subject_name, issuer_name = cert.subject, cert.issuer
        subject, issuer = dotnet_name(subject_name), dotnet_name(issuer_name)
        cn, issuer_cn = common_name(subject_name), common_name(issuer_name)
        not_before, not_after = format_utc(cert.not_valid_before_utc), format_utc(cert.not_valid_after_utc)
        serial = dotnet_serial(cert.serial_number)
    except Exception as exc:  # malformed names/dates inside a well-formed DER envelope
        message = f"unreadable certificate fields: {exc}"
        raise EvidenceError(message, provenance.source, provenance.line) from None
    return Certificate(
        provenance=provenance,
        thumbprint=thumbprint(cert),
        subject=subject,
        cn=cn,
        sans=_dns_sans(cert),
        issuer=issuer,
        issuer_cn=issuer_cn,
        serial=serial,
        not_before=not_before,
        not_after=not_after,
        self_signed=_self_signed(cert),
        is_ca=_is_ca(cert),
        origin="file",
    )


# ---------------------------------------------------------------------------------------------
# formats
# ---------------------------------------------------------------------------------------------


def detect_binary(head: bytes, size: int) -> str | None:
    """"der", "pkcs7" or "pfx" when ``head`` starts a DER structure of that shape spanning the file."""
    outer = _tlv(head, 0)
    if outer is None or outer[0] != 0x30:
        return None
    _, start, end = outer
    trailing = head[end:] if end <= len(head) else b""
    if end > size or (end < size and (len(head) < size or trailing.strip(b"\r\n\t \x00"))):
        return None
    inner = _tlv(head, start)
    if inner is None:
        return None
    tag, istart, iend = inner
    if tag == 0x06 and head[istart:iend] == _OID_PKCS7_SIGNED:
        return "pkcs7"
    if tag == 0x02 and head[istart:iend] == b"\x03":
        nxt = _tlv(head, iend)
        if nxt and nxt[0] == 0x30:
            oid = _tlv(head, nxt[1])
            if oid and oid[0] == 0x06 and head[oid[1]:oid[2]] in (_OID_PKCS7_DATA, _OID_PKCS7_SIGNED):
                return "pfx"
        return None
    if tag == 0x30:  # tbsCertificate: [0] version, or the serial INTEGER for a v1 certificate
        first = _tlv(head, istart)
        if first and first[0] in (0xA0, 0x02):
            return "der"
    return None


def _tlv(data: bytes, pos: int) -> tuple[int, int, int] | None:
    """(tag, value start, value end) of the DER element at ``pos``; None if it is not one."""
    if pos + 2 > len(data):
        return None
    tag, first = data[pos], data[pos + 1]
    if tag & 0x1F == 0x1F:  # high tag numbers never occur at the levels sniffed here
        return None
    if first < 0x80:
        return tag, pos + 2, pos + 2 + first
    count = first & 0x7F
    if count == 0 or count > 4 or pos + 2 + count > len(data):
        return None  # indefinite (BER) or absurd lengths
    length = int.from_bytes(data[pos + 2:pos + 2 + count], "big")
    start = pos + 2 + count
    return tag, start, start + length


def _from_binary(data: bytes, fmt: str, name: str, password: str | bytes | None) -> list[x509.Certificate]:
    if fmt == "pfx":
        return _pfx(data, name, password)
    certs = _certs_from_der(data)
    if not certs:
        what = "PKCS#7 bundle" if fmt == "pkcs7" else "DER certificate"
        raise EvidenceError(f"damaged {what}: it could not be decoded", name)
    return certs


def _certs_from_der(der: bytes) -> list[x509.Certificate]:
    """A DER certificate or PKCS#7 bundle; [] when it is neither."""
    try:
        return [x509.load_der_x509_certificate(der)]
    except Exception:  # not a lone certificate; try the bundle form next
        pass
    try:
        from cryptography.hazmat.primitives.serialization import pkcs7  # only for PKCS#7 files

        return list(pkcs7.load_der_pkcs7_certificates(der))
    except Exception:
        return []


def _from_pem_text(text: str, name: str, warnings: list[str]) -> list[tuple[x509.Certificate, int]]:
    found: list[tuple[x509.Certificate, int]] = []
    bad: list[tuple[int, str]] = []
    line, counted = 1, 0  # lines counted incrementally: a count from the start per block is quadratic
    for m in _PEM_BLOCK.finditer(text):
        if len(found) > MAX_CERTS_PER_FILE:  # enough to say the file is over the limit
            break
        label = m.group("label").strip()
        line += text.count("\n", counted, m.start())
        counted = m.start()
        if label not in _CERT_LABELS:
            if "PRIVATE KEY" in label:
                warnings.append(f"{name}:{line}: private key block ignored (never read)")
            continue
        body = _BLANKS.sub("", m.group("body"))
        try:
            der = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            bad.append((line, f"{label} block is not valid base64"))
            warnings.append(f"{name}:{line}: {bad[-1][1]}; skipped")
            continue
        if label == "TRUSTED CERTIFICATE":  # OpenSSL appends trust settings after the certificate
            tlv = _tlv(der, 0)
            der = der[: tlv[2]] if tlv else der
        certs = _certs_from_der(der)
        if not certs:
            bad.append((line, f"{label} block could not be decoded"))
            warnings.append(f"{name}:{line}: {bad[-1][1]}; skipped")
        found.extend((c, line) for c in certs)
    if not found and bad:
        line, message = bad[0]
        raise EvidenceError(message, name, line)
    return found


def _pfx(data: bytes, name: str, password: str | bytes | None) -> list[x509.Certificate]:
    given = password.encode() if isinstance(password, str) else password
    candidates: list[bytes | None] = [given] if given is not None else []
    candidates += [p for p in (None, b"") if p != given]
    for candidate in candidates:
        certs = _pfx_certificates(data, candidate)
        if certs is not None:
            if not certs:
                raise EvidenceError("PFX holds no certificate", name)
            return certs
    if given is not None:
        raise EvidenceError("PFX password is wrong (or the file is damaged)", name)
    raise EvidenceError("PFX is password-protected: pass --pfx-password-env VAR", name)


def _pfx_certificates(data: bytes, password: bytes | None) -> list[x509.Certificate] | None:
    """The certificates of a PFX, or None if it does not open with ``password``.

    The private key is released here, before returning: it must never outlive this call.
    """
    try:
        from cryptography.hazmat.primitives.serialization import pkcs12  # only for PFX files

        key, cert, extra = pkcs12.load_key_and_certificates(data, password)
    except Exception:  # wrong password and damaged data look alike to OpenSSL
        return None
    del key
    return ([cert] if cert is not None else []) + list(extra)


# ---------------------------------------------------------------------------------------------
# facts
# ---------------------------------------------------------------------------------------------


def _build(
    name: str, fmt: str, located: list[tuple[x509.Certificate, int | None]], warnings: list[str]
) -> CertFile:
    lines: dict[str, int | None] = {}
    by_thumb: dict[str, x509.Certificate] = {}
    for cert, line in located:
        thumb = thumbprint(cert)
        if thumb not in by_thumb:
            by_thumb[thumb], lines[thumb] = cert, line
    ordered = _leaf_first(list(by_thumb.values()))
    facts: list[Certificate] = []
    der: dict[str, bytes] = {}
    for index, cert in enumerate(ordered, 1):
        thumb = thumbprint(cert)
        try:
            subject = dotnet_name(cert.subject)
        except Exception:
            subject = "?"
        excerpt = Provenance.clip(f"{_LABELS[fmt]} certificate {index} of {len(ordered)}: {subject}")
        facts.append(certificate_fact(cert, Provenance(name, lines[thumb], excerpt)))
        der[thumb] = der_of(cert)
    names = ", ".join(f.cn or f.subject or f.thumbprint for f in facts[:4])
    more = f", +{len(facts) - 4} more" if len(facts) > 4 else ""
    detail = f"{_LABELS[fmt]}, {len(facts)} certificate{'s' if len(facts) != 1 else ''}: {names}{more}"
    result = ParseResult(facts=list(facts), detail=detail, warnings=warnings)
    return CertFile(result=result, der=der, format=fmt)


def _dns_sans(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        names = ext.value.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        return ()
    except Exception:  # a malformed SAN extension: the rest of the certificate is still useful
        return ()
    return tuple(dict.fromkeys(n.strip().lower().rstrip(".") for n in names if n.strip()))


def _is_ca(cert: x509.Certificate) -> bool | None:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return None if cert.version == x509.Version.v1 else False
    except Exception:
        return None


def _self_signed(cert: x509.Certificate) -> bool | None:
    """Issuer equals subject and the certificate's own key verifies its signature."""
    try:
        if cert.issuer != cert.subject:
            return False
        cert.verify_directly_issued_by(cert)
        return True
    except (ValueError, InvalidSignature):
        return False
    except Exception:  # unsupported key or signature types: not decidable here
        return None


def _unique(certs: list[x509.Certificate]) -> list[x509.Certificate]:
    return list({thumbprint(c): c for c in certs}.values())


def _leaf_first(certs: list[x509.Certificate]) -> list[x509.Certificate]:
    """Leaves (certificates that issued none of the others) first, each followed by its issuers."""
    if len(certs) < 2:
        return list(certs)

    def issued(parent: x509.Certificate, child: x509.Certificate) -> bool:
        try:
            return parent is not child and child.issuer == parent.subject
        except ValueError:  # a damaged name (cryptography parses names lazily): no known issuer
            return False

    leaves = [c for c in certs if not any(issued(c, other) for other in certs)]
    ordered: list[x509.Certificate] = []
    for leaf in leaves or certs[:1]:
        current: x509.Certificate | None = leaf
        while current is not None and all(current is not o for o in ordered):
            ordered.append(current)
            current = next((p for p in certs if issued(p, current)), None)
    ordered.extend(c for c in certs if all(c is not o for o in ordered))
    return ordered
