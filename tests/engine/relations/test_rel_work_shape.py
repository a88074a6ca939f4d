"""Every relation stays linear in what it pairs (issue 11) — counted per function, never timed.

``test_rel_scaling`` counts the chain walk's DN parses and issuer checks; the benchmark
(``benchmarks/bench_scale.py``) doubles send-log sessions, files, certificates and connectors.
Neither sees the relations of the other evidence: relay and application log clients, Windows events
and certificate checks, send connectors against installed certificates, the precheck's planned and
audit relations. Here every kind doubles at once and the lines each function of
``engine/relations`` executes are counted with a trace (comprehension iterations included), so a
pairwise loop anywhere shows as ≈ 4x in its own function, however small its share of the whole.

What an organisation has a few of stays fixed, as in life: the certificates its servers present
to Exchange Online and its egress addresses (relations that are one fact per pair of those and the
connectors are linear in the connectors).
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from collections import Counter
from pathlib import Path

from relaydoctor.engine import relations as relations_pkg
from relaydoctor.engine.facts import (
    CertCheck,
    Certificate,
    Fact,
    PrecheckPlan,
    Provenance,
    SmtpClient,
    WindowsEvent,
)
from relaydoctor.engine.relations import RootStore, derive_relations
from relkit import accepted, inbound, send_connector, session

NOW = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)
RELATIONS = str(Path(relations_pkg.__file__).parent)
OURS = ("A1" * 20, "B2" * 20)  # the certificates our servers present to Exchange Online
EGRESS = ("203.0.113.25", "203.0.113.26", "198.51.100.7")


def evidence(n: int, seed: int = 5) -> list[Fact]:
    rng = random.Random(seed)
    facts: list[Fact] = []
    cas = [f"CN=Gen CA {i}, O=Gen Trust {i}, C=US" for i in range(max(2, n // 20))]
    for i, ca in enumerate(cas):
        facts.append(Certificate(provenance=Provenance(f"ca{i}.pem", 1, "x"), thumbprint=f"{i + 1:040X}",
                                 subject=ca, issuer=f"CN=Gen Root {i % 3}, O=Gen Roots, C=US", origin="file",
                                 cn=f"Gen CA {i}", is_ca=True))
    for i in range(n):  # internet MX hosts, each presenting its own certificate
        thumb = f"{rng.getrandbits(160):040X}"
        cn = f"mx{i}.partner{i}.example"
        facts.append(session(line=10 + i, source=f"SEND{i % 9}.LOG", to_eop=False, connector="Internet",
                             cert_thumbprint=thumb, cert_subject=f"CN={cn}", cert_issuer=rng.choice(cas),
                             cert_cn=cn, outcome=rng.choice(["relayed", "tls_failed"]),
                             last_seen=f"2026-11-{1 + i % 27:02d}T10:00:00Z"))
        if i % 5 == 0:
            facts.append(Certificate(provenance=Provenance(f"leaf{i % 7}.pem", i, "y"), thumbprint=thumb,
                                     subject=f"CN={cn}", issuer=rng.choice(cas), origin="file", cn=cn,
                                     not_before="2026-01-01T00:00:00Z", not_after="2027-01-01T00:00:00Z"))
        if i % 10 == 0:  # Windows saw chain errors for some of them
            facts.append(WindowsEvent(provenance=Provenance("capi2.xml", i, "z"),
                                      provider="Microsoft-Windows-CAPI2", source_family="capi2", event_id=30,
                                      category="chain_error", chain_error="untrusted_root", thumbprint=thumb,
                                      origin="event_xml"))
            facts.append(CertCheck(provenance=Provenance("certutil.txt", i, "z"), tool="certutil",
                                   thumbprint=thumb, chain_error="untrusted_root"))
    for i in range(max(4, n // 4)):  # our sessions to Exchange Online: many, from a few addresses
        facts.append(session(line=5000 + i, source=f"SEND{i % 9}.LOG", cert_thumbprint=OURS[i % 2],
                             cert_subject="CN=mail.contoso.com", cert_issuer=cas[0],
                             cert_cn="mail.contoso.com",
                             ehlo_client_ip=EGRESS[i % 3], mail_from_domain=f"brand{i % (n // 10)}.example",
                             outcome="rejected" if i % 3 else "relayed",
                             last_seen=f"2026-11-{1 + i % 27:02d}T11:00:00Z"))
    for i in range(max(2, n // 10)):  # Get-ExchangeCertificate across the servers
        facts.append(Certificate(provenance=Provenance("Get-ExchangeCertificate.fl.txt", i + 1, "e"),
                                 thumbprint=OURS[i % 2] if i < 2 else f"{i + 9000:040X}",
                                 subject=f"CN=mail{i % 7}.contoso.com", issuer=cas[i % len(cas)],
                                 origin="exchange", services=("SMTP",), not_after="2027-01-01T00:00:00Z"))
    for j in range(max(2, n // 50)):
        ips = (f"203.0.113.{j % 250}", f"198.51.{j % 250}.0/24", "10.0.0.1")
        facts.append(inbound(f"conn{j}", line=j + 1, tls_sender_certificate_name=f"*.brand{j}.example",
                             sender_ip_addresses=ips))
        named = f"<I>{cas[j % len(cas)]}<S>CN=mail{j % 7}.contoso.com"
        facts.append(send_connector(f"Outbound {j}", named, routes_to_eop=j % 3 == 0))
    for i in range(max(2, n // 10)):  # relay and application logs: their clients, behind the same NAT
        facts.append(SmtpClient(provenance=Provenance(f"app{i}.log", 1, "c"), software="phpmailer",
                                origin="app_log", smart_host=f"tenant{i % 3}-com.mail.protection.outlook.com",
                                smart_host_kind="eop_tenant", client_ip=EGRESS[i % 3],
                                mail_from_domain=f"app{i}.example", last_status="5.7.64"))
    facts += accepted(*[f"brand{k}.example" for k in range(0, n // 10, 2)])
    facts.append(PrecheckPlan(provenance=Provenance("precheck", None, "plan"), audit=True,
                              cert_thumbprint=OURS[0], egress_ip=EGRESS[0], sender_domain="brand2.example",
                              connector="conn0", connector_cert_name="*.brand0.example",
                              connector_ips=("203.0.113.25", "198.51.100.0/24"), connector_ips_planned=True))
    return facts


def lines_per_function(facts: list[Fact]) -> Counter:
    """Lines executed in each function of ``engine/relations`` while deriving the relations."""
    counts: Counter = Counter()

    def local(frame, event, arg):  # type: ignore[no-untyped-def]
        if event == "line":
            counts[f"{Path(frame.f_code.co_filename).stem}.{frame.f_code.co_qualname}"] += 1
        return local

    def calls(frame, event, arg):  # type: ignore[no-untyped-def]
        return local if frame.f_code.co_filename.startswith(RELATIONS) else None

    store = RootStore(include_public=False)
    sys.settrace(calls)
    try:
        derive_relations(facts, now=NOW, trusted_roots=store)
    finally:
        sys.settrace(None)
    return counts


def test_every_relation_function_grows_linearly_when_all_evidence_doubles():
    small, large = lines_per_function(evidence(300)), lines_per_function(evidence(600))
    assert sum(small.values()) > 20_000  # the trace sees the work
    for module in ("names", "ips", "domains", "sendconnector", "certstatus", "chain", "planned", "lifetime"):
        assert any(k.startswith(module + ".") for k in small), module  # every module took part
    grown = {name: large[name] / count for name, count in small.items() if count >= 200}
    assert len(grown) > 15
    quadratic = {name: round(r, 2) for name, r in grown.items() if r > 2.4}
    # 2.4 leaves room for the random mix; a loop over pairs of doubled things would be ≈ 4
    assert not quadratic, quadratic
