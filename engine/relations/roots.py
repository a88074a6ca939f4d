"""An offline root store: certifi's Mozilla bundle (loaded once, lazily) plus roots the caller adds.

Used only when Windows gave no verdict on a certificate (DESIGN §3 Trust): a chain from the files
that reaches one of these roots is ``trusted`` on the basis ``public_roots``. A root found nowhere
is ``unknown`` — the samples' fictional "Tailspin Trust" root must stay unknown unless the user adds
it (``RootStore.from_pem_files``), never become "private CA" on our say-so.
"""

from __future__ import annotations

import contextlib
import functools
import warnings
from collections.abc import Iterable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from ..errors import InputError
from ..x509names import DnKey, name_key

_BEGIN = b"-----BEGIN CERTIFICATE-----"
_END = b"-----END CERTIFICATE-----"


def load_pem_certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate in PEM text; blocks that do not parse are skipped."""
    out: list[x509.Certificate] = []
    start = data.find(_BEGIN)
    while start >= 0:
        end = data.find(_END, start)
        if end < 0:
            break
        block = data[start : end + len(_END)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with contextlib.suppress(ValueError):
                out.append(x509.load_pem_x509_certificate(block))
        start = data.find(_BEGIN, end)
    return out


@functools.cache
def _public_roots() -> tuple[x509.Certificate, ...]:
    try:
        import certifi

        data = Path(certifi.where()).read_bytes()
    except (ImportError, OSError):
        return ()
    return tuple(load_pem_certificates(data))


def fingerprint(cert: x509.Certificate) -> bytes:
    return cert.fingerprint(hashes.SHA256())


class RootStore:
    """Trusted roots for offline chain checks. ``RootStore()`` = the public Mozilla roots."""

    def __init__(self, extra: Iterable[x509.Certificate] = (), *, include_public: bool = True):
        self._extra = tuple(extra)
        self._include_public = include_public
        self._index: dict[DnKey, list[x509.Certificate]] | None = None
        self._prints: set[bytes] = set()

    @classmethod
    def from_pem_files(cls, paths: Iterable[str | Path], *, include_public: bool = True) -> RootStore:
        """Public roots plus every certificate in the given PEM files (raises InputError)."""
        extra: list[x509.Certificate] = []
        for path in paths:
            try:
                data = Path(path).read_bytes()
            except OSError as exc:
                raise InputError(f"cannot read root certificates: {exc.strerror}", str(path)) from None
            found = load_pem_certificates(data)
            if not found:
                raise InputError("no PEM certificate found", str(path))
            extra.extend(found)
        return cls(extra, include_public=include_public)

    def _build(self) -> dict[DnKey, list[x509.Certificate]]:
        if self._index is None:
            index: dict[DnKey, list[x509.Certificate]] = {}
            roots = (*(_public_roots() if self._include_public else ()), *self._extra)
            for cert in roots:
                index.setdefault(name_key(cert.subject), []).append(cert)
                self._prints.add(fingerprint(cert))
            self._index = index
        return self._index

    def __len__(self) -> int:
        return sum(len(v) for v in self._build().values())

    def by_subject(self, key: DnKey | None) -> list[x509.Certificate]:
        """Roots whose subject has this DN key (for DN-only matching when no certificate object)."""
        if key is None:
            return []
        return list(self._build().get(key, []))

    def contains(self, cert: x509.Certificate) -> bool:
        """The same certificate, or the same subject and public key (a re-issued root)."""
        index = self._build()
        if fingerprint(cert) in self._prints:
            return True
        spki = _spki(cert)
        return any(_spki(root) == spki for root in index.get(name_key(cert.subject), []))

    def issuers_of(self, cert: x509.Certificate) -> list[x509.Certificate]:
        """Roots that really signed ``cert`` (subject = its issuer and the signature verifies)."""
        return [root for root in self.by_subject(name_key(cert.issuer)) if signed_by(cert, root)]


def _spki(cert: x509.Certificate) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """True when ``issuer``'s key verifies ``cert``'s signature (names and AKI/SKI consistent)."""
    if cert.issuer != issuer.subject:
        return False
    try:
        aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
        ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
        if aki is not None and aki != ski:
            return False
    except (x509.ExtensionNotFound, ValueError):
        pass
    try:
        cert.verify_directly_issued_by(issuer)
    except Exception:  # InvalidSignature, unsupported key or algorithm, ...
        return False
    return True


@functools.cache
def default_store() -> RootStore:
    return RootStore()
