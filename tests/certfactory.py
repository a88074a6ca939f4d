"""Real X.509 test certificates, generated with ``cryptography`` (never checked-in blobs).

Small API for parser, relation and TUI tests::

    chain = make_chain("mail.contoso.com", ["mail.contoso.com"], not_before, not_after)
    chain.leaf.cert, chain.intermediate.cert, chain.root.cert, chain.certs  # leaf first
    to_pem(*chain.certs), to_der(chain.leaf.cert), to_p7b(chain.certs), to_pfx(chain.leaf, chain.cas, "pw")

Keys are EC P-256 by default (fast); pass ``key_type="rsa"`` where RSA matters. Default validity
is 2026-01-01 → 2027-01-01 UTC, which brackets the suite's ``fixed_now`` (2026-11-27).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

DEFAULT_NOT_BEFORE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
DEFAULT_NOT_AFTER = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)

# Short attribute names accepted by ``name()`` (the .NET spellings, plus ST as an alias of S).
_OIDS = {
    "CN": NameOID.COMMON_NAME,
    "O": NameOID.ORGANIZATION_NAME,
    "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
    "L": NameOID.LOCALITY_NAME,
    "S": NameOID.STATE_OR_PROVINCE_NAME,
    "ST": NameOID.STATE_OR_PROVINCE_NAME,
    "C": NameOID.COUNTRY_NAME,
    "E": NameOID.EMAIL_ADDRESS,
    "DC": NameOID.DOMAIN_COMPONENT,
    "SERIALNUMBER": NameOID.SERIAL_NUMBER,
    "STREET": NameOID.STREET_ADDRESS,
}

_serials = itertools.count(0x1000)


@dataclass(frozen=True)
class Issued:
    """A certificate and the key that belongs to it (test keys only)."""

    cert: x509.Certificate
    key: PrivateKey

    @property
    def thumbprint(self) -> str:
        return thumbprint(self.cert)


@dataclass(frozen=True)
class Chain:
    root: Issued
    intermediate: Issued
    leaf: Issued

    @property
    def certs(self) -> list[x509.Certificate]:
        """Leaf, intermediate, root."""
        return [self.leaf.cert, self.intermediate.cert, self.root.cert]

    @property
    def cas(self) -> list[x509.Certificate]:
        """Intermediate and root (what a PFX carries beside the leaf)."""
        return [self.intermediate.cert, self.root.cert]


def thumbprint(cert: x509.Certificate) -> str:
    return hashlib.sha1(cert.public_bytes(serialization.Encoding.DER)).hexdigest().upper()


def make_key(key_type: str = "ec") -> PrivateKey:
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def name(*parts: tuple[str, str] | Sequence[tuple[str, str]]) -> x509.Name:
    """``name(("CN", "x"), ("O", "y"))`` in encoding order; a list inside makes a multi-valued RDN."""
    rdns = []
    for part in parts:
        pairs = [part] if isinstance(part[0], str) else list(part)  # type: ignore[list-item]
        rdns.append(
            x509.RelativeDistinguishedName(
                [x509.NameAttribute(_OIDS[k.upper()], v) for k, v in pairs]  # type: ignore[misc]
            )
        )
    return x509.Name(rdns)


def _cn(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def issue(
    subject: x509.Name,
    *,
    issuer: Issued | None = None,
    sans: Iterable[str] = (),
    not_before: dt.datetime = DEFAULT_NOT_BEFORE,
    not_after: dt.datetime = DEFAULT_NOT_AFTER,
    ca: bool = False,
    path_length: int | None = None,
    serial: int | None = None,
    key_type: str = "ec",
    basic_constraints: bool = True,
) -> Issued:
    """Sign ``subject`` with ``issuer`` (self-signed when None)."""
    key = make_key(key_type)
    sans = list(sans)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(serial if serial is not None else next(_serials))
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )
    if basic_constraints:
        builder = builder.add_extension(
            x509.BasicConstraints(ca=ca, path_length=path_length if ca else None), critical=True
        )
    if not ca:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False,
        )
    if sans:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in sans]), critical=False
        )
    builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    signer = issuer.key if issuer else key
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), False
        )
    return Issued(builder.sign(signer, hashes.SHA256()), key)


def make_root(cn: str = "Relaydoctor Test Root CA", **kw) -> Issued:
    kw.setdefault("not_before", dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    kw.setdefault("not_after", dt.datetime(2040, 1, 1, tzinfo=dt.UTC))
    return issue(kw.pop("subject", None) or _cn(cn), ca=True, **kw)


def make_intermediate(root: Issued, cn: str = "Relaydoctor Test Issuing CA", **kw) -> Issued:
    kw.setdefault("not_before", dt.datetime(2021, 1, 1, tzinfo=dt.UTC))
    kw.setdefault("not_after", dt.datetime(2035, 1, 1, tzinfo=dt.UTC))
    return issue(kw.pop("subject", None) or _cn(cn), issuer=root, ca=True, path_length=0, **kw)


def make_leaf(
    issuer: Issued,
    cn: str | None,
    sans: Iterable[str] | None = None,
    not_before: dt.datetime = DEFAULT_NOT_BEFORE,
    not_after: dt.datetime = DEFAULT_NOT_AFTER,
    *,
    subject: x509.Name | None = None,
    **kw,
) -> Issued:
    """A server certificate; ``sans=None`` means "the CN only", ``sans=()`` means no SAN extension."""
    if subject is None:
        subject = _cn(cn) if cn is not None else x509.Name([])
    if sans is None:
        sans = [cn] if cn else []
    return issue(subject, issuer=issuer, sans=sans, not_before=not_before, not_after=not_after, **kw)


def make_self_signed(
    cn: str,
    sans: Iterable[str] | None = None,
    not_before: dt.datetime = DEFAULT_NOT_BEFORE,
    not_after: dt.datetime = DEFAULT_NOT_AFTER,
    **kw,
) -> Issued:
    """Like Exchange's default certificate: issuer == subject, signed by its own key, not a CA."""
    subject = kw.pop("subject", None) or _cn(cn)
    return issue(subject, sans=[cn] if sans is None else sans, not_before=not_before,
                 not_after=not_after, **kw)


def make_chain(
    leaf_cn: str | None,
    sans: Iterable[str] | None = None,
    not_before: dt.datetime = DEFAULT_NOT_BEFORE,
    not_after: dt.datetime = DEFAULT_NOT_AFTER,
    *,
    leaf_subject: x509.Name | None = None,
    root_cn: str = "Relaydoctor Test Root CA",
    intermediate_cn: str = "Relaydoctor Test Issuing CA",
    key_type: str = "ec",
) -> Chain:
    """Root → intermediate → leaf. The leaf has the dates given; the CAs outlive it."""
    root = make_root(root_cn, key_type=key_type)
    inter = make_intermediate(root, intermediate_cn, key_type=key_type)
    leaf = make_leaf(inter, leaf_cn, sans, not_before, not_after, subject=leaf_subject, key_type=key_type)
    return Chain(root, inter, leaf)


# ---------------------------------------------------------------------------------------------
# writers
# ---------------------------------------------------------------------------------------------


def to_der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def to_pem(*certs: x509.Certificate, crlf: bool = False) -> bytes:
    data = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)
    return data.replace(b"\n", b"\r\n") if crlf else data


def to_p7b(certs: Sequence[x509.Certificate], encoding: str = "der") -> bytes:
    enc = serialization.Encoding.PEM if encoding == "pem" else serialization.Encoding.DER
    return pkcs7.serialize_certificates(list(certs), enc)


def to_pfx(
    leaf: Issued,
    cas: Sequence[x509.Certificate] = (),
    password: str | None = "relaydoctor-test",
    friendly_name: str | None = "relaydoctor test",
    *,
    legacy: bool = False,
) -> bytes:
    """PKCS#12 with the leaf's key. ``password=None`` writes an unencrypted PFX (for an empty
    password, which ``cryptography`` cannot write, see ``to_pfx_empty_password``)."""
    if password is None:
        encryption: serialization.KeySerializationEncryption = serialization.NoEncryption()
    elif legacy:
        encryption = (
            serialization.PrivateFormat.PKCS12.encryption_builder()
            .kdf_rounds(2048)
            .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
            .hmac_hash(hashes.SHA1())
            .build(password.encode())
        )
    else:
        encryption = serialization.BestAvailableEncryption(password.encode())
    return pkcs12.serialize_key_and_certificates(
        friendly_name.encode() if friendly_name else None, leaf.key, leaf.cert, list(cas) or None,
        encryption,
    )


def to_pfx_empty_password(leaf: Issued, cas: Sequence[x509.Certificate] = ()) -> bytes | None:
    """A PFX protected by the empty password, as ``certutil``/``openssl -passout pass:`` write it.

    Needs the ``openssl`` command; returns None without it (callers skip).
    """
    tool = shutil.which("openssl")
    if tool is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        key_file, cert_file, out = Path(tmp, "k.pem"), Path(tmp, "c.pem"), Path(tmp, "o.pfx")
        key_file.write_bytes(key_pem(leaf))
        cert_file.write_bytes(to_pem(leaf.cert, *cas))
        done = subprocess.run(
            [tool, "pkcs12", "-export", "-inkey", str(key_file), "-in", str(cert_file), "-out", str(out),
             "-passout", "pass:"],
            capture_output=True, check=False,
        )
        return out.read_bytes() if done.returncode == 0 else None


def key_pem(issued: Issued) -> bytes:
    """The private key as unencrypted PKCS#8 PEM (to build PEM files that carry a key)."""
    return issued.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
