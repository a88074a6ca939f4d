"""The three sample bundles (and the 2017 expired-certificate fixture), as facts built by hand that
mirror what the parsers extract; certificates are the real sample files, loaded with cryptography."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs7
from relaydoctor.engine.facts import (
    CertAttribution,
    Certificate,
    CertNameMatch,
    CertStatus,
    DomainAcceptance,
    IpAttribution,
    IpConnectorMatch,
    SendConnectorCertificate,
)
from relaydoctor.engine.relations import RootStore, derive_relations
from relkit import accepted, cert_fact, inbound, prov, send_connector, session, verified

NEW = "121A013FD6789E1E09F2493A26AD9213BF5B07C7"
OLD = "F13EA69EB8D27B0D2A8947D5BCC472E6B2724B29"
EXPIRED = "DE3FD31EC11E59D18CD73373AFE8220C3CF4701A"
ISSUER = 'CN=Tailspin Trust RSA TLS CA G2, O="Tailspin Trust Services, Inc.", L=Redmond, S=Washington, C=US'
HCW = "Inbound from 5c1a4e1b-6a0e-4e2b-9f3d-2c7b8d9e0f11"


def one(rels, cls, **where):
    found = [r for r in rels if isinstance(r, cls) and all(getattr(r, k) == v for k, v in where.items())]
    assert len(found) == 1, (cls.__name__, where, found)
    return found[0]


def load(path: Path) -> list[x509.Certificate]:
    data = path.read_bytes()
    if path.suffix == ".p7b":
        return pkcs7.load_der_pkcs7_certificates(data)
    if data.lstrip().startswith(b"-----"):
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


def file_facts(path: Path) -> tuple[list[Certificate], dict[str, x509.Certificate]]:
    certs = load(path)
    facts = [cert_fact(c, source=path.name) for c in certs]
    return facts, {f.thumbprint: c for f, c in zip(facts, certs, strict=True)}


def gec(
    thumb,
    subject,
    not_after,
    *,
    issuer=ISSUER,
    services=("SMTP",),
    status="Valid",
    root="ThirdParty",
    self_signed=False,
):
    return Certificate(
        provenance=prov("Get-ExchangeCertificate.fl.txt", None),
        thumbprint=thumb,
        subject=subject,
        issuer=issuer,
        cn=subject[3:],
        not_after=not_after,
        not_before="2024-05-10T10:05:48",
        origin="exchange",
        services=services,
        smtp_enabled="SMTP" in services,
        status=status,
        root_ca_type=root,
        self_signed=self_signed,
    )


def renewed_certificate(bundle: Path):
    leaf, objects = file_facts(bundle / "mail2026.contoso.net.cer")
    cert_new = dict(
        cert_thumbprint=NEW,
        cert_cn="mail2026.contoso.net",
        cert_subject="CN=mail2026.contoso.net",
        cert_issuer=ISSUER,
        cert_sans=("mail2026.contoso.net", "autodiscover.contoso.net"),
        ehlo_client_ip="203.0.113.25",
        tls_protocol="TLS1_2",
    )
    facts = [
        session(
            line=6,
            cert_thumbprint=OLD,
            cert_cn="mail.contoso.com",
            cert_subject="CN=mail.contoso.com",
            cert_issuer=ISSUER,
            cert_sans=("mail.contoso.com", "autodiscover.contoso.com"),
            ehlo_client_ip="203.0.113.25",
            mail_from_domain="contoso.com",
            outcome="relayed",
            first_seen="2026-11-20T07:58:11Z",
            last_seen="2026-11-20T07:58:11Z",
        ),
        session(
            line=116,
            **cert_new,
            mail_from_domain="contoso.com",
            outcome="rejected",
            reject_code="5.7.64",
            first_seen="2026-11-20T08:41:19Z",
            last_seen="2026-11-20T09:30:02Z",
            sessions=3,
        ),
        session(
            line=133,
            **cert_new,
            mail_from_domain="contoso.com",
            outcome="internal_only",
            first_seen="2026-11-20T08:41:19Z",
            last_seen="2026-11-20T08:41:19Z",
        ),
        session(
            line=179,
            **cert_new,
            mail_from_domain="contoso.com",
            outcome="mixed",
            first_seen="2026-11-20T09:02:44Z",
            last_seen="2026-11-20T09:02:44Z",
        ),
        inbound(
            HCW,
            line=20,
            connector_source="HybridWizard",
            tls_sender_certificate_name="mail.contoso.com",
            require_tls=True,
            auth="certificate",
        ),
        send_connector(
            tls_certificate_name=f"<I>{ISSUER}<S>CN=mail2026.contoso.net",
            smart_hosts=("contoso-com.mail.protection.outlook.com",),
            smart_host_kind="eop_tenant",
        ),
        gec(NEW, "CN=mail2026.contoso.net", "2027-05-28T16:59:59", services=("IMAP", "POP", "IIS", "SMTP")),
        gec(
            "A81F8D9C5F5FB9A4E018F5F3249224C5EAE525D4",
            "CN=Microsoft Exchange Server Auth Certificate",
            "2029-04-14T10:05:48",
            issuer="CN=Microsoft Exchange Server Auth Certificate",
            root="None",
            self_signed=True,
        ),
        gec(OLD, "CN=mail.contoso.com", "2026-12-05T15:59:59"),
        gec(
            "1F5543F4A7C89979765EB35ED799439D7F3CC4B2",
            "CN=EXCH01",
            "2029-05-10T10:00:00",
            issuer="CN=EXCH01",
            root="Registry",
            self_signed=True,
            services=("IIS", "SMTP"),
        ),
        *accepted("contoso.com", "contoso.mail.onmicrosoft.com", "contoso.onmicrosoft.com"),
        *verified({"contoso.com": True, "contoso.net": False, "contoso.onmicrosoft.com": True}),
        *leaf,
    ]
    return facts, objects


def test_renewed_certificate(samples, fixed_now):
    facts, objects = renewed_certificate(samples / "bundles" / "renewed-certificate")
    rels = derive_relations(facts, now=fixed_now, certificates=objects)

    new = one(rels, CertAttribution, thumbprint=NEW)
    assert (new.match, new.connector, new.expected) == ("mismatch", HCW, "mail.contoso.com")
    assert new.provenance.line == 116  # the rejected session
    assert one(rels, CertAttribution, thumbprint=OLD).match == "match"
    assert one(rels, CertNameMatch, thumbprint=NEW).usable_connector is True

    # the secondary finding: contoso.net is not accepted (unverified in Entra)
    dom = one(rels, DomainAcceptance, role="certificate", thumbprint=NEW)
    assert dom.status == "not_accepted" and "unverified" in dom.provenance.excerpt
    assert one(rels, DomainAcceptance, role="certificate", thumbprint=OLD).status == "accepted"
    assert one(rels, DomainAcceptance, role="mail_from", domain="contoso.com").status == "accepted"
    # the connector's host value under accepted contoso.com: documented disagreement → unknown
    assert one(rels, DomainAcceptance, role="connector_certificate_name").status == "unknown"

    # no IP connector: the egress IP cannot attribute
    assert one(rels, IpAttribution, ip="203.0.113.25").match == "no_ip_connector"

    status = one(rels, CertStatus, thumbprint=NEW)
    assert (status.validity, status.trust, status.trust_basis) == ("valid", "trusted", "windows")
    assert status.evaluated_at == "2026-11-20T09:30:02Z" and status.presented
    assert status.chain == "unknown"  # a lone .cer says nothing about what the server sends
    assert status.smtp_enabled is True
    old = one(rels, CertStatus, thumbprint=OLD)
    assert (old.validity, old.trust) == ("valid", "trusted")
    exch01 = one(rels, CertStatus, thumbprint="1F5543F4A7C89979765EB35ED799439D7F3CC4B2")
    assert (exch01.trust, exch01.presented, exch01.validity) == ("self_signed", False, "valid")

    sc = one(rels, SendConnectorCertificate)
    assert (sc.state, sc.thumbprint, sc.presented) == ("matches_installed", NEW, "same")


def attr36_facts(bundle: Path):
    chain_facts, objects = file_facts(bundle / "mail2026.contoso.net.p7b")
    cert = dict(
        cert_thumbprint=NEW,
        cert_cn="mail2026.contoso.net",
        cert_subject="CN=mail2026.contoso.net",
        cert_issuer=ISSUER,
        cert_sans=("mail2026.contoso.net", "autodiscover.contoso.net"),
        ehlo_client_ip="203.0.113.25",
    )
    facts = [
        session(
            line=47,
            **cert,
            mail_from_domain="contoso.com",
            outcome="relayed",
            last_seen="2026-11-24T16:02:11Z",
        ),
        session(
            line=90,
            **cert,
            null_sender=True,
            outcome="rejected",
            reject_attr="ATTR36",
            last_seen="2026-11-24T16:05:48Z",
        ),
        session(
            line=133,
            **cert,
            mail_from_domain="contoso.net",
            outcome="rejected",
            reject_attr="ATTR36",
            last_seen="2026-11-24T16:11:30Z",
        ),
        session(
            line=176,
            **cert,
            mail_from_domain="contoso.net",
            outcome="internal_only",
            last_seen="2026-11-24T16:11:30Z",
        ),
        inbound(
            HCW,
            line=30,
            source="Get-InboundConnector.attr36.json",
            tls_sender_certificate_name="mail2026.contoso.net",
            when_changed="2026-11-23T10:00:00Z",
        ),
        send_connector(tls_certificate_name=f"<I>{ISSUER}<S>CN=mail2026.contoso.net"),
        *accepted("contoso.com", "contoso.mail.onmicrosoft.com", "contoso.onmicrosoft.com"),
        *verified({"contoso.com": True, "contoso.net": False}, source="Get-MgDomain.table.txt"),
        *chain_facts,
    ]
    return facts, objects


def test_attr36(samples, fixed_now):
    facts, objects = attr36_facts(samples / "bundles" / "attr36")
    rels = derive_relations(facts, now=fixed_now, certificates=objects)
    attr = one(rels, CertAttribution, thumbprint=NEW)
    assert (attr.match, attr.matched_name) == ("match", "mail2026.contoso.net")
    assert one(rels, DomainAcceptance, role="certificate").status == "not_accepted"
    assert one(rels, DomainAcceptance, role="mail_from", domain="contoso.net").status == "not_accepted"
    assert one(rels, DomainAcceptance, role="mail_from", domain="contoso.com").status == "accepted"
    conn = one(rels, DomainAcceptance, role="connector_certificate_name")
    assert (conn.status, conn.domain) == ("not_accepted", "mail2026.contoso.net")
    # the p7b holds leaf, intermediate and the fictional root: complete, but the root is unknown to
    # the public store and Windows said nothing → trust unknown (never private_ca)
    status = one(rels, CertStatus, thumbprint=NEW)
    assert (status.chain, status.trust, status.trust_basis, status.validity) == (
        "complete",
        "unknown",
        "none",
        "valid",
    )
    sc = one(rels, SendConnectorCertificate)
    assert (sc.state, sc.presented) == ("unknown", "same")  # no Get-ExchangeCertificate; log issuer/subject


def ip_changed_facts(bundle: Path):
    chain_facts, objects = file_facts(bundle / "mail.contoso.com.fullchain.pem")
    cert = dict(
        cert_thumbprint=OLD,
        cert_cn="mail.contoso.com",
        cert_subject="CN=mail.contoso.com",
        cert_issuer=ISSUER,
        cert_sans=("mail.contoso.com", "autodiscover.contoso.com"),
    )
    facts = [
        session(
            line=30,
            **cert,
            ehlo_client_ip="203.0.113.25",
            mail_from_domain="contoso.com",
            outcome="relayed",
            first_seen="2026-10-14T07:12:40Z",
            last_seen="2026-10-14T08:47:06Z",
            sessions=2,
        ),
        session(
            line=90,
            **cert,
            ehlo_client_ip="198.51.100.77",
            mail_from_domain="contoso.com",
            outcome="rejected",
            first_seen="2026-10-14T09:06:31Z",
            last_seen="2026-10-14T09:21:12Z",
            sessions=2,
        ),
        session(
            line=110,
            **cert,
            ehlo_client_ip="198.51.100.77",
            mail_from_domain="contoso.com",
            outcome="internal_only",
            first_seen="2026-10-14T09:06:31Z",
            last_seen="2026-10-14T09:06:31Z",
        ),
        inbound(
            "Contoso on-premises relay (IP)",
            line=24,
            source="Get-InboundConnector.ip-changed.clixml.xml",
            sender_ip_addresses=("203.0.113.25",),
            auth="ip",
        ),
        inbound(
            "Fabrikam Partner TLS",
            line=90,
            source="Get-InboundConnector.ip-changed.clixml.xml",
            connector_type="Partner",
            sender_ip_addresses=("192.0.2.32/27", "192.0.2.70"),
            tls_sender_certificate_name="mail.fabrikam.com",
            auth="both",
        ),
        *accepted("contoso.com", "contoso.mail.onmicrosoft.com", source="Get-AcceptedDomain.table.txt"),
        *chain_facts,
    ]
    return facts, objects


def test_ip_changed(samples, fixed_now):
    bundle = samples / "bundles" / "ip-changed"
    facts, objects = ip_changed_facts(bundle)
    rels = derive_relations(facts, now=fixed_now, certificates=objects)
    new_ip = one(rels, IpAttribution, ip="198.51.100.77")
    assert (new_ip.match, new_ip.connector, new_ip.source) == (
        "not_in_range",
        "Contoso on-premises relay (IP)",
        "send_log",
    )
    assert new_ip.provenance.line == 90
    old_ip = one(rels, IpAttribution, ip="203.0.113.25")
    assert (old_ip.match, old_ip.matched_range) == ("in_range", "203.0.113.25")
    partner = one(rels, IpConnectorMatch, ip="198.51.100.77", connector="Fabrikam Partner TLS")
    assert (partner.match, partner.usable_connector) == ("not_in_range", False)
    # a certificate is presented, but no usable connector authenticates by certificate
    assert one(rels, CertAttribution, thumbprint=OLD).match == "no_cert_connector"
    assert one(rels, DomainAcceptance, role="mail_from").status == "accepted"
    status = one(rels, CertStatus, thumbprint=OLD)
    assert (status.validity, status.chain, status.trust) == ("valid", "complete", "unknown")
    assert status.evaluated_at == "2026-10-14T09:21:12Z"


def test_ip_changed_with_the_sample_root_configured_as_trusted(samples, fixed_now):
    """The README: treat Tailspin as public inside the bundles — via configuration, not a guess."""
    facts, objects = ip_changed_facts(samples / "bundles" / "ip-changed")
    store = RootStore.from_pem_files([samples / "certs" / "tailspin-trust-root-ca-r2.pem"])
    status = one(
        derive_relations(facts, now=fixed_now, trusted_roots=store, certificates=objects),
        CertStatus,
        thumbprint=OLD,
    )
    assert (status.trust, status.trust_basis) == ("trusted", "public_roots")
    # and without certificate objects, by DN from the facts
    status = one(derive_relations(facts, now=fixed_now, trusted_roots=store), CertStatus, thumbprint=OLD)
    assert (status.trust, status.chain) == ("trusted", "complete")


def test_expired_2017_merged_layout(samples, fixed_now):
    leaf, objects = file_facts(samples / "certs" / "smtp.contoso.com-expired.cer")
    facts = [
        session(
            line=13,
            source="SEND20170306-1.LOG",
            cert_thumbprint=EXPIRED,
            cert_cn="smtp.contoso.com",
            cert_subject="CN=smtp.contoso.com",
            cert_issuer=ISSUER,
            ehlo_client_ip="203.0.113.25",
            outcome="rejected",
            first_seen="2017-03-06T09:14:22Z",
            last_seen="2017-03-06T10:02:48Z",
        ),
        *leaf,
    ]
    rels = derive_relations(facts, now=fixed_now, certificates=objects)
    status = one(rels, CertStatus, thumbprint=EXPIRED)
    assert (status.validity, status.evaluated_at, status.not_after) == (
        "expired",
        "2017-03-06T10:02:48Z",
        "2017-03-01T12:00:00Z",
    )
    assert status.provenance.source == "smtp.contoso.com-expired.cer"
    # judged at the session, not at "now": a "now" before the expiry changes nothing
    early = derive_relations(facts, now=dt.datetime(2016, 6, 1, tzinfo=dt.UTC), certificates=objects)
    assert one(early, CertStatus, thumbprint=EXPIRED).validity == "expired"


BUILDERS = {
    "renewed-certificate": renewed_certificate,
    "attr36": attr36_facts,
    "ip-changed": ip_changed_facts,
}


@pytest.mark.parametrize("bundle", sorted(BUILDERS))
def test_relations_do_not_depend_on_fact_order_or_duplicates(samples, fixed_now, bundle):
    facts, objects = BUILDERS[bundle](samples / "bundles" / bundle)

    def run(given):
        rels = derive_relations(given, now=fixed_now, certificates=objects)
        return [(r.KIND, r.values(), r.provenance) for r in rels]

    expected = run(facts)
    rng = random.Random(bundle)
    for _ in range(5):
        shuffled = facts[:]
        rng.shuffle(shuffled)
        assert run(shuffled + shuffled[:4]) == expected


def test_same_certificate_in_two_files_keeps_the_chain(samples, fixed_now):
    certs = samples / "certs"
    lone, objects = file_facts(certs / "mail.contoso.com.cer")
    chain, more = file_facts(certs / "mail.contoso.com.fullchain.pem")
    rels = derive_relations([*lone, *chain], now=fixed_now, certificates={**objects, **more})
    assert one(rels, CertStatus, thumbprint=OLD).chain == "complete"
