"""The relations stay linear in the objects they pair (issue 11): counted work, never timed.

Doubling the certificates, sessions and connectors of a generated evidence set must roughly double
the DN parses and issuer comparisons (the chain walk used to compare every certificate record with
every other and re-parse both DN strings each time). The indexed walk is also checked against the
old exhaustive search, kept here as the oracle.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping

import pytest
from relaydoctor.engine import x509names as dn
from relaydoctor.engine.facts import Certificate, Fact, Provenance
from relaydoctor.engine.relations import RootStore, chain, derive_relations
from relaydoctor.engine.relations.chain import CertRecord, ChainIndex, build_records, walk_chain
from relkit import accepted, inbound, send_connector, session

NOW = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)


def generated(n: int, seed: int = 7) -> list[Fact]:
    """``n`` remote certificates (internet domains each present their own) from a few dozen CAs,
    some also given as files, sessions on three connectors, n/50 inbound connectors."""
    rng = random.Random(seed)
    facts: list[Fact] = []
    cas = []
    for i in range(max(2, n // 20)):
        ca = f'CN=Gen CA {i}, O="Gen Trust {i}, Inc.", C=US'
        root = f"CN=Gen Root {i % 3}, O=Gen Roots, C=US"
        cas.append(ca)
        facts.append(Certificate(provenance=Provenance(f"ca{i}.pem", 1, "x"), thumbprint=f"{i:040X}",
                                 subject=ca, issuer=root, origin="file", cn=f"Gen CA {i}", is_ca=True))
        if i % 2 == 0:
            facts.append(Certificate(provenance=Provenance(f"ca{i}.pem", 2, "x"),
                                     thumbprint=f"{i + 7000:040X}", subject=root, issuer=root, origin="file",
                                     is_ca=True, self_signed=True))
    for i in range(n):
        thumb = f"{rng.getrandbits(160):040X}"
        cn = f"mx{i}.example{i % 97}.com"
        issuer = rng.choice(cas) if rng.random() < 0.8 else f"CN=Unknown CA {i % 13}, O=Nowhere"
        to_eop = rng.random() < 0.1
        facts.append(session(
            line=10 + i, source=f"SEND{i % 7}.LOG", to_eop=to_eop, cert_thumbprint=thumb,
            cert_subject=f"CN={cn}, O=Example {i}", cert_issuer=issuer, cert_cn=cn, cert_sans=(cn,),
            ehlo_client_ip=f"203.0.113.{i % 50}" if to_eop else None, mail_from_domain=f"example{i % 31}.com",
            outcome=rng.choice(["relayed", "rejected", "tls_failed"]),
            connector=rng.choice(["Outbound to Office 365", "Internet", "CN=Internet,CN=Connections"]),
            last_seen=f"2026-11-{1 + i % 27:02d}T10:00:00Z",
        ))
        if rng.random() < 0.2:
            facts.append(Certificate(
                provenance=Provenance(f"certs{i % 5}.pem", i, "y"), thumbprint=thumb,
                subject=f"CN={cn}, O=Example {i}", issuer=issuer, origin="file", cn=cn,
                not_before="2026-01-01T00:00:00Z",
                not_after="2027-01-01T00:00:00Z",
            ))
    for j in range(max(2, n // 50)):
        facts.append(inbound(f"conn{j}", line=j + 1, tls_sender_certificate_name=f"*.example{j}.com",
                             sender_ip_addresses=(f"203.0.113.{j}/32",)))
    facts += accepted(*[f"example{k}.com" for k in range(0, 60, 3)], *[f"*.w{k}.com" for k in range(n // 10)])
    facts.append(send_connector(tls_certificate_name=f"<I>{cas[0]}<S>CN=mx1.example1.com, O=Example 1"))
    facts.append(send_connector(name="Internet", tls_certificate_name=f"<I>{cas[1]}<S>CN=mx2.example2.com",
                                routes_to_eop=False))
    return facts


class Counts:
    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.parses = 0
        self.issuer_checks = 0
        parse_dn, is_issuer = dn.parse_dn, chain._is_issuer

        def counted_parse(text):
            self.parses += 1
            return parse_dn(text)

        def counted_issuer(child, cand):
            self.issuer_checks += 1
            return is_issuer(child, cand)

        monkeypatch.setattr(dn, "parse_dn", counted_parse)
        monkeypatch.setattr(chain, "_is_issuer", counted_issuer)


def _work(monkeypatch: pytest.MonkeyPatch, n: int) -> Counts:
    facts = generated(n)
    counts = Counts(monkeypatch)
    derive_relations(facts, now=NOW, trusted_roots=RootStore(include_public=False))
    return counts


def test_dn_parses_and_issuer_checks_grow_linearly(monkeypatch):
    small, large = _work(monkeypatch, 400), _work(monkeypatch, 800)
    assert small.parses > 400 and small.issuer_checks > 0  # the counters see the work
    # doubling the objects doubles the work (quadratic would be 4x); 2.3 leaves room for the
    # random mix (which certificates have a known CA, which sessions go to EOP)
    assert large.parses / small.parses < 2.3, (small.parses, large.parses)
    assert large.issuer_checks / small.issuer_checks < 2.3, (small.issuer_checks, large.issuer_checks)


def _oracle(leaf: CertRecord, records: Mapping[str, CertRecord], store: RootStore) -> tuple[str, ...]:
    """The chain path by the old exhaustive search: every record tried as the issuer at each step."""
    path = [leaf]
    cur = leaf
    for _ in range(12):
        if cur.self_signed or (cur is not leaf and cur.obj is not None and store.contains(cur.obj)):
            break
        found = sorted(
            (r for r in records.values() if all(r is not p for p in path) and chain._is_issuer(cur, r)),
            key=lambda r: (r.obj is None, r.thumbprint),
        )
        if not found:
            break
        path.append(found[0])
        cur = found[0]
    return tuple(r.thumbprint for r in path)


def test_indexed_walk_finds_the_paths_the_exhaustive_search_finds():
    facts = generated(300, seed=11)
    certs = [f for f in facts if isinstance(f, Certificate)]
    sessions = [f for f in facts if f.KIND == "smtp_session"]
    records = build_records(certs, sessions, None)
    store = RootStore(include_public=False)
    index = ChainIndex.build(records)
    lengths = set()
    for rec in records.values():
        got = walk_chain(rec, records, store, index)
        assert got.path == _oracle(rec, records, store)
        assert got == walk_chain(rec, records, store)  # the index is an optimisation only
        lengths.add(len(got.path))
    assert {1, 2, 3} <= lengths  # leaves alone, to a CA, and up to a root all occur
