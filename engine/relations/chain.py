"""Certificates merged per thumbprint, and the issuer chain the given files provide.

Links are found by certificate objects when the caller passes them (issuer DN = subject DN, AKI/SKI
consistent, signature verified with ``cryptography``), else by DN alone from the facts. The chain
verdict is about what the files show, never about what Windows fetched on its own:
- ``complete``: every link up to a self-signed root, or up to a root in the store, is present;
- ``incomplete``: a CA-issued leaf whose issuer is neither among the given certificates nor in the
  store, while the leaf came with other certificates (a chain export that lacks the intermediate);
- ``unknown``: only a lone leaf (a leaf file says nothing about what the server sends), only the
  log's record, or a gap above the first intermediate (the missing one may be a root, never sent).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import field
from typing import Any

from cryptography import x509

from ..facts import Certificate, SmtpSession
from ..lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from ..x509names import DnKey, dn_key, name_key, thumbprint
from .common import norm_thumbprint, prov_key
from .roots import RootStore, signed_by

_ORIGIN_ORDER = {"file": 0, "exchange": 1, "send_log": 2}


_UNSET = object()


@dataclass(eq=False)
class CertRecord:
    """Everything known about one thumbprint. Derived values (sorted facts, DN keys, self-signed)
    are computed once and cached: a record is complete when ``build_records`` returns, and the
    chain walk asks for them once per candidate, which re-parsed DN strings every time before."""

    thumbprint: str
    facts: list[Certificate] = field(default_factory=list)
    obj: x509.Certificate | None = None
    sessions: list[SmtpSession] = field(default_factory=list)
    _cache: dict[str, object] = field(default_factory=dict, repr=False)

    def _cached(self, name: str, compute: Callable[[], Any]) -> Any:
        value = self._cache.get(name, _UNSET)
        if value is _UNSET:
            value = self._cache[name] = compute()
        return value

    def sorted_facts(self) -> list[Certificate]:
        return list(self._cached("sorted_facts", lambda: sorted(
            self.facts, key=lambda c: (_ORIGIN_ORDER.get(c.origin, 9), prov_key(c)))))

    def _first(self, attr: str) -> str | None:
        return self._cached("first:" + attr, lambda: self._first_uncached(attr))

    def _first_uncached(self, attr: str) -> str | None:
        for c in self.sorted_facts():
            if getattr(c, attr):
                return getattr(c, attr)
        session_attr = {"subject": "cert_subject", "issuer": "cert_issuer", "cn": "cert_cn"}.get(attr)
        if session_attr:
            for s in sorted(self.sessions, key=prov_key):
                if getattr(s, session_attr):
                    return getattr(s, session_attr)
        return None

    @property
    def subject(self) -> str | None:
        if self.obj is not None and not self._first("subject"):
            return self._cached("obj_subject", lambda: self.obj.subject.rfc4514_string())
        return self._first("subject")

    @property
    def issuer(self) -> str | None:
        if self.obj is not None and not self._first("issuer"):
            return self._cached("obj_issuer", lambda: self.obj.issuer.rfc4514_string())
        return self._first("issuer")

    @property
    def cn(self) -> str | None:
        return self._first("cn")

    @property
    def subject_key(self) -> DnKey | None:
        return self._cached("subject_key", lambda: (
            name_key(self.obj.subject) if self.obj is not None else dn_key(self._first("subject"))))

    @property
    def issuer_key(self) -> DnKey | None:
        return self._cached("issuer_key", lambda: (
            name_key(self.obj.issuer) if self.obj is not None else dn_key(self._first("issuer"))))

    @property
    def self_signed(self) -> bool | None:
        return self._cached("self_signed", self._self_signed)

    def _self_signed(self) -> bool | None:
        if self.obj is not None:
            return self.obj.subject == self.obj.issuer and signed_by(self.obj, self.obj)
        stated = [c.self_signed for c in self.sorted_facts() if c.self_signed is not None]
        if stated:
            return any(stated)
        s, i = self.subject_key, self.issuer_key
        return (s == i) if s is not None and i is not None else None

    @property
    def is_ca(self) -> bool | None:
        if self.obj is not None:
            try:
                return bool(self.obj.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
            except x509.ExtensionNotFound:
                return False
        stated = [c.is_ca for c in self.sorted_facts() if c.is_ca is not None]
        return any(stated) if stated else None

    @property
    def file_sources(self) -> set[str]:
        return set(self._cached("file_sources", lambda: frozenset(
            c.provenance.source for c in self.facts if c.origin == "file")))


@dataclass(frozen=True)
class ChainIndex:
    """Records by subject DN key and file sources by record count, built once per set of records so
    a chain step looks its issuer up instead of comparing the record with every other one."""

    by_subject: Mapping[DnKey, tuple[CertRecord, ...]]
    holders: Mapping[str, int]  # file source → how many records it holds

    @classmethod
    def build(cls, records: Mapping[str, CertRecord]) -> ChainIndex:
        by_subject: dict[DnKey, list[CertRecord]] = {}
        holders: Counter[str] = Counter()
        for rec in records.values():
            key = rec.subject_key
            if key is not None:
                by_subject.setdefault(key, []).append(rec)
            holders.update(rec.file_sources)
        def best_first(group: list[CertRecord]) -> tuple[CertRecord, ...]:
            return tuple(sorted(group, key=lambda r: (r.obj is None, r.thumbprint)))

        return cls({k: best_first(v) for k, v in by_subject.items()}, holders)

    def issuers(self, child: CertRecord) -> tuple[CertRecord, ...]:
        """Records whose subject key is the child's issuer key: every possible issuer (a signature
        check also needs equal names, and equal names have equal keys), best first."""
        key = child.issuer_key
        return self.by_subject.get(key, ()) if key is not None else ()


def to_certificate(value: x509.Certificate | bytes) -> x509.Certificate | None:
    if isinstance(value, x509.Certificate):
        return value
    try:
        if value.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificate(value)
        return x509.load_der_x509_certificate(value)
    except ValueError:
        return None


def build_records(
    certificates: Sequence[Certificate],
    sessions: Sequence[SmtpSession],
    objects: Mapping[str, x509.Certificate | bytes] | None,
) -> dict[str, CertRecord]:
    records: dict[str, CertRecord] = {}
    for c in certificates:
        thumb = norm_thumbprint(c.thumbprint)
        if thumb:
            records.setdefault(thumb, CertRecord(thumb)).facts.append(c)
    for s in sessions:
        thumb = norm_thumbprint(s.cert_thumbprint)
        if s.cert_presented and thumb:
            records.setdefault(thumb, CertRecord(thumb)).sessions.append(s)
    for value in (objects or {}).values():
        obj = to_certificate(value)
        if obj is not None:  # keyed by its own SHA-1 (the Windows thumbprint), whatever the caller said
            thumb = thumbprint(obj)  # hashlib, not cryptography's ~0.7 ms first hash
            records.setdefault(thumb, CertRecord(thumb)).obj = obj
    return records


@dataclass(frozen=True, slots=True)
class ChainResult:
    chain: str  # complete | incomplete | unknown
    end: str  # self_signed_root | store_root | missing | loop
    path: tuple[str, ...]  # thumbprints from the leaf up
    root_in_store: bool
    root_name: str | None
    missing_issuer: str | None  # the issuer DN that is missing (for any gap)
    note: str


def _is_issuer(child: CertRecord, cand: CertRecord) -> bool:
    if child.obj is not None and cand.obj is not None:
        return signed_by(child.obj, cand.obj)
    ik, sk = child.issuer_key, cand.subject_key
    return ik is not None and ik == sk


def _root_in_store(rec: CertRecord, store: RootStore) -> bool:
    if rec.obj is not None:
        return store.contains(rec.obj)
    return bool(store.by_subject(rec.subject_key))


def _lone(leaf: CertRecord, index: ChainIndex) -> bool:
    """True when no file that holds the leaf holds any other certificate."""
    return all(index.holders[source] <= 1 for source in leaf.file_sources)


def walk_chain(
    leaf: CertRecord, records: Mapping[str, CertRecord], store: RootStore, index: ChainIndex | None = None
) -> ChainResult:
    """The chain above ``leaf``. Pass ``index`` (``ChainIndex.build(records)``) when walking many
    leaves of the same records: each step is then a lookup, so all walks are linear in records."""
    if index is None:
        index = ChainIndex.build(records)
    path = [leaf]
    cur = leaf
    for _ in range(12):
        if cur.self_signed:
            in_store = _root_in_store(cur, store)
            where = "in the offline root store" if in_store else "not in the offline root store"
            return ChainResult(
                "complete",
                "self_signed_root",
                tuple(r.thumbprint for r in path),
                in_store,
                cur.subject,
                None,
                f"chain of {len(path)} ends at self-signed {cur.subject or cur.thumbprint} ({where})",
            )
        if cur is not leaf and cur.obj is not None and store.contains(cur.obj):
            return ChainResult(
                "complete",
                "store_root",
                tuple(r.thumbprint for r in path),
                True,
                cur.subject,
                None,
                f"chain of {len(path)} reaches {cur.subject} (in the offline root store)",
            )
        candidates = [r for r in index.issuers(cur) if all(r is not p for p in path) and _is_issuer(cur, r)]
        if candidates:
            path.append(candidates[0])
            cur = candidates[0]
            continue
        if cur.obj is not None:
            roots = store.issuers_of(cur.obj)
        else:
            roots = store.by_subject(cur.issuer_key)
        if roots:
            name = roots[0].subject.rfc4514_string()
            return ChainResult(
                "complete",
                "store_root",
                tuple(r.thumbprint for r in path),
                True,
                name,
                None,
                f"chain of {len(path)} is issued by {name} (in the offline root store)",
            )
        missing = cur.issuer or "an unnamed issuer"
        if cur is leaf:
            if leaf.issuer_key is None and leaf.obj is None:
                return ChainResult(
                    "unknown",
                    "missing",
                    (leaf.thumbprint,),
                    False,
                    None,
                    None,
                    "the certificate's issuer is not known",
                )
            if _lone(leaf, index):
                return ChainResult(
                    "unknown",
                    "missing",
                    (leaf.thumbprint,),
                    False,
                    None,
                    missing,
                    f"only the leaf was given; its issuer {missing} is not in the files nor the store "
                    "(a lone leaf says nothing about what the server sends)",
                )
            return ChainResult(
                "incomplete",
                "missing",
                (leaf.thumbprint,),
                False,
                None,
                missing,
                f"the leaf came with other certificates but not its issuer {missing}, which is not in "
                "the offline root store either",
            )
        return ChainResult(
            "unknown",
            "missing",
            tuple(r.thumbprint for r in path),
            False,
            None,
            missing,
            f"chain of {len(path)} stops at {cur.subject}; its issuer {missing} is not given and not in "
            "the offline root store (it may be a root, which servers do not send)",
        )
    return ChainResult(
        "unknown",
        "loop",
        tuple(r.thumbprint for r in path),
        False,
        None,
        None,
        "issuer chain too long or looping",
    )
