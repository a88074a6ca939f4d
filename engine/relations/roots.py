"""An offline root store: certifi's Mozilla bundle (loaded once, lazily) plus roots the caller adds.

Used only when Windows gave no verdict on a certificate (DESIGN §3 Trust): a chain from the files
that reaches one of these roots is ``trusted`` on the basis ``public_roots``. A root found nowhere
is ``unknown`` — the samples' fictional "Tailspin Trust" root must stay unknown unless the user adds
it (``RootStore.from_pem_files``), never become "private CA" on our say-so.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import warnings
from collections.abc import Iterable
from pathlib import Path

from cryptography import x509

from .. import lazyre
from ..errors import InputError
from ..paths import cache_dir
from ..x509names import DnKey, name_key, sha256_fingerprint

_BEGIN = b"-----BEGIN CERTIFICATE-----"
_END = b"-----END CERTIFICATE-----"


def load_pem_certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate in PEM text; blocks that do not parse are skipped."""
    return [cert for cert, _, _ in _pem_certificates(data)]


def _pem_certificates(data: bytes) -> list[tuple[x509.Certificate, int, int]]:
    """Every certificate in PEM text with the offsets of its block; blocks that do not parse are
    skipped."""
    out: list[tuple[x509.Certificate, int, int]] = []
    start = data.find(_BEGIN)
    while start >= 0:
        end = data.find(_END, start)
        if end < 0:
            break
        cert = _parse_block(data[start : end + len(_END)])
        if cert is not None:
            out.append((cert, start, end + len(_END)))
        start = data.find(_BEGIN, end)
    return out


def _parse_block(block: bytes) -> x509.Certificate | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with contextlib.suppress(ValueError):
            return x509.load_pem_x509_certificate(block)
    return None


@functools.cache
def _bundle_path() -> Path:
    """certifi's ``cacert.pem``: beside its package when installed as files, found without
    importing certifi and ``importlib.resources`` (~4 ms of each run); else ``certifi.where()``
    (raises ImportError when certifi is missing)."""
    import importlib.util

    spec = importlib.util.find_spec("certifi")
    if spec is not None and spec.origin:
        beside = Path(spec.origin).parent / "cacert.pem"
        if beside.is_file():
            return beside
    import certifi

    return Path(certifi.where())


@functools.cache
def _bundle() -> bytes:
    try:
        return _bundle_path().read_bytes()
    except (ImportError, OSError):
        return b""


@functools.cache
def _public_entries() -> tuple[tuple[x509.Certificate, int, int], ...]:
    return tuple(_pem_certificates(_bundle()))


INDEX_FORMAT = 2
Index = tuple[tuple[DnKey, bytes, int, int], ...]  # subject key, SHA-256 fingerprint, PEM offsets
_INDEX_HEADER = "relaydoctor root index"


@functools.cache
def _public_lines() -> bytes:
    """The public roots' index: a line per root, ``subject DN key (JSON)<TAB>SHA-256 fingerprint
    (hex)<TAB>PEM block start<TAB>end``, in bundle order, after a header line naming the bundle.
    Parsing the ~140 roots and hashing them cost ~10 ms of each run that checks a chain, so the
    index is kept in the user cache folder beside the packs, under the bundle's path, size and
    modification time, and a root is parsed only when a chain reaches its subject. A run looks a
    subject or fingerprint up in the index's text (``_public_find``): decoding all of it into DN
    keys was ~0.4 ms of each run that checks a chain, which looks up a handful."""
    try:
        bundle = _bundle_path()
        st = bundle.stat()
    except (ImportError, OSError):
        return _lines_of(_index_of(_public_entries()), "")
    source = f"{bundle}\0{st.st_size}\0{st.st_mtime_ns}\0{INDEX_FORMAT}"
    entry = cache_dir() / f"roots-{hashlib.sha256(source.encode()).hexdigest()[:32]}.txt"
    lines = _read_index(entry, source)
    if lines is None:
        lines = _lines_of(_index_of(_public_entries()), source)
        _write_index(entry, lines)
    return lines


def _dn_text(key: DnKey) -> str:
    """A subject DN key as the index writes it (JSON: ASCII, no tab or line break)."""
    return json.dumps(key)


def _lines_of(index: Index, source: str) -> bytes:
    head = f"{_INDEX_HEADER}\t{json.dumps(source)}\n"
    rows = "".join(f"{_dn_text(dn)}\t{fp.hex()}\t{start}\t{end}\n" for dn, fp, start, end in index)
    return (head + rows).encode("ascii")


def _read_index(entry: Path, source: str) -> bytes | None:
    """The index as written for ``source`` (None: missing, another bundle's, not whole: every row
    four fields, checked in one match)."""
    try:
        data = entry.read_bytes()
        head, _, rows = data.partition(b"\n")
        if head != f"{_INDEX_HEADER}\t{json.dumps(source)}".encode("ascii"):
            return None
        if not _ROWS.fullmatch(rows.decode()):  # a write cut short, or not this format
            return None
        return data
    except (OSError, ValueError, UnicodeError):
        return None


# the index's rows, each whole: a DN key's JSON text (ASCII: no tab or line break), a fingerprint, offsets
_ROWS = lazyre.compile(r"(?:\[[ -~]*\t[0-9a-f]{64}\t[0-9]+\t[0-9]+\n)*", re.ASCII)


def _public_find(column: int, text: str) -> list[tuple[int, int]]:
    """The PEM offsets of the public roots whose field ``column`` (0: subject DN key, 1:
    fingerprint) is ``text``, found in the index's text without decoding the rest of it."""
    data = _public_lines()
    wanted = text.encode("ascii", "replace")
    out = []
    lead = b"\n" + wanted + b"\t" if column == 0 else b"\t" + wanted + b"\t"
    at = data.find(lead)
    while at >= 0:
        line_start = data.rfind(b"\n", 0, at + 1) + 1
        fields = data[line_start:data.find(b"\n", line_start)].split(b"\t")
        if fields[column] == wanted:
            out.append((int(fields[2]), int(fields[3])))
        at = data.find(lead, at + 1)
    return out


def _public_index() -> Index:
    """Every public root's subject DN key, fingerprint and PEM offsets, in bundle order."""
    rows = _public_lines().split(b"\n")[1:-1]
    return tuple(
        (tuple(tuple(pair) for pair in json.loads(dn)), bytes.fromhex(fp.decode()), int(start), int(end))
        for dn, fp, start, end in (row.split(b"\t") for row in rows)
    )


def _index_of(entries: Iterable[tuple[x509.Certificate, int, int]]) -> Index:
    return tuple((name_key(c.subject), fingerprint(c), start, end) for c, start, end in entries)


@functools.cache
def _public_root(start: int, end: int) -> x509.Certificate:
    cert = _parse_block(_bundle()[start:end])
    if cert is None:  # the bundle changed under a running process: fall back to a full parse
        return next(c for c, s, e in _public_entries() if (s, e) == (start, end))
    return cert


def _write_index(entry: Path, lines: bytes) -> None:
    tmp = entry.with_name(f".{entry.name}.{os.getpid()}.tmp")
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(lines)
        os.replace(tmp, entry)  # atomic: a concurrent run reads a whole index or none
    except OSError:  # an unwritable cache folder only costs speed
        with contextlib.suppress(OSError):
            tmp.unlink()


def fingerprint(cert: x509.Certificate) -> bytes:
    return sha256_fingerprint(cert)  # hashlib: cryptography's first hash in a process is ~0.7 ms


class RootStore:
    """Trusted roots for offline chain checks. ``RootStore()`` = the public Mozilla roots."""

    def __init__(self, extra: Iterable[x509.Certificate] = (), *, include_public: bool = True):
        self._extra = tuple(extra)
        self._include_public = include_public
        self._index: dict[DnKey, list[x509.Certificate]] | None = None
        self._extra_index: dict[DnKey, list[x509.Certificate]] | None = None
        self._extra_prints: set[bytes] = set()

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
        """Every root by subject (the public ones parsed when read): for counting and listing;
        a lookup reads the index's text (``_public_find``)."""
        if self._index is None:
            index: dict[DnKey, list[x509.Certificate]] = {}
            if self._include_public:
                for key, _, start, end in _public_index():
                    index.setdefault(key, []).append(_LazyRoot(start, end))  # type: ignore[arg-type]
            for key, certs in self._extras().items():
                index.setdefault(key, []).extend(certs)
            self._index = index
        return self._index

    def _extras(self) -> dict[DnKey, list[x509.Certificate]]:
        if self._extra_index is None:
            extra: dict[DnKey, list[x509.Certificate]] = {}
            for cert in self._extra:
                extra.setdefault(name_key(cert.subject), []).append(cert)
                self._extra_prints.add(fingerprint(cert))
            self._extra_index = extra
        return self._extra_index

    def _roots(self, key: DnKey) -> list[x509.Certificate]:
        public = _public_find(0, _dn_text(key)) if self._include_public else []
        return [*(_public_root(start, end) for start, end in public), *self._extras().get(key, [])]

    def __len__(self) -> int:
        return sum(len(v) for v in self._build().values())

    def by_subject(self, key: DnKey | None) -> list[x509.Certificate]:
        """Roots whose subject has this DN key (for DN-only matching when no certificate object)."""
        if key is None:
            return []
        return self._roots(key)

    def contains(self, cert: x509.Certificate) -> bool:
        """The same certificate, or the same subject and public key (a re-issued root)."""
        printed = fingerprint(cert)
        self._extras()
        if printed in self._extra_prints or (self._include_public and _public_find(1, printed.hex())):
            return True
        spki = _spki(cert)
        return any(_spki(root) == spki for root in self._roots(name_key(cert.subject)))

    def issuers_of(self, cert: x509.Certificate) -> list[x509.Certificate]:
        """Roots that really signed ``cert`` (subject = its issuer and the signature verifies)."""
        return [root for root in self.by_subject(name_key(cert.issuer)) if signed_by(cert, root)]


class _LazyRoot:
    """A public root in the index, parsed when a chain first reaches its subject."""

    __slots__ = ("end", "start")

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self.end = end

    def cert(self) -> x509.Certificate:
        return _public_root(self.start, self.end)


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
