"""Certificate names against TlsSenderCertificateName (DOMAIN §3.2, §9 4.4, §10.1)."""

from __future__ import annotations

import pytest
from relaydoctor.engine.facts import CertAttribution, CertNameMatch
from relaydoctor.engine.relations import derive_relations
from relaydoctor.engine.relations.names import best_name_match, compare_name
from relkit import cert_fact, inbound, session

THUMB = "121A013FD6789E1E09F2493A26AD9213BF5B07C7"


@pytest.mark.parametrize(
    ("cert_name", "value", "expected"),
    [
        ("mail.contoso.com", "mail.contoso.com", "match"),
        ("MAIL.Contoso.COM.", "mail.contoso.com", "match"),  # case and trailing dot ignored
        ("mail.contoso.com", "MAIL.CONTOSO.COM", "match"),
        ("mail.contoso.com", "*.contoso.com", "wildcard_match"),
        ("contoso.com", "*.contoso.com", "wildcard_match"),  # "a domain and all subdomains"
        ("a.b.contoso.com", "*.contoso.com", "wildcard_match"),
        ("*.contoso.com", "*.contoso.com", "match"),  # the KB's own example
        ("*.sub.contoso.com", "*.contoso.com", "wildcard_match"),
        ("mail.contoso.com", "contoso.com", "ambiguous"),  # "contain the domain name" vs use *.d
        ("a.b.contoso.com", "contoso.com", "ambiguous"),
        ("*.contoso.com", "mail.contoso.com", "ambiguous"),  # undocumented
        ("*.contoso.com", "contoso.com", "ambiguous"),
        ("*.contoso.com", "a.b.contoso.com", "mismatch"),  # a wildcard covers one label at most
        ("mail2026.contoso.net", "mail.contoso.com", "mismatch"),
        ("xcontoso.com", "*.contoso.com", "mismatch"),  # suffix must be a label boundary
        ("contoso.com.evil.net", "contoso.com", "mismatch"),
        ("contoso.com", "mail.contoso.com", "mismatch"),
        ("mail.contoso.com", "mail.*.contoso.com", "mismatch"),  # embedded wildcard is invalid
        ("mail.contoso.com", "*", "mismatch"),
        ("", "contoso.com", "mismatch"),
    ],
)
def test_compare_name(cert_name, value, expected):
    assert compare_name(cert_name, value).match == expected


def test_invalid_connector_value_says_why():
    verdict = compare_name("mail.contoso.com", "mail.*.contoso.com")
    assert "embedded wildcard" in verdict.reason


@pytest.mark.parametrize(
    ("names", "value", "expected", "name"),
    [
        (["mail2026.contoso.net", "autodiscover.contoso.net"], "mail.contoso.com", "mismatch", None),
        (["web.contoso.com", "mail.contoso.com"], "mail.contoso.com", "match", "mail.contoso.com"),
        (["mail.contoso.com", "contoso.com"], "contoso.com", "match", "contoso.com"),  # match beats ambiguous
        (["mail.contoso.com", "mail.contoso.com"], "*.contoso.com", "wildcard_match", "mail.contoso.com"),
        (["mail.fabrikam.com", "mail.contoso.com"], "contoso.com", "ambiguous", "mail.contoso.com"),
        ([], "contoso.com", "mismatch", None),
    ],
)
def test_best_name_match(names, value, expected, name):
    verdict = best_name_match(names, value)
    assert (verdict.match, verdict.name) == (expected, name)


def _relations(facts, fixed_now):
    return derive_relations(facts, now=fixed_now)


def _kind(rels, cls):
    return [r for r in rels if isinstance(r, cls)]


def test_one_cert_name_match_per_connector_and_best_attribution(fixed_now):
    facts = [
        session(
            cert_thumbprint=THUMB,
            cert_cn="mail2026.contoso.net",
            cert_sans=("mail2026.contoso.net", "autodiscover.contoso.net"),
            outcome="rejected",
        ),
        inbound("A mismatch", tls_sender_certificate_name="mail.contoso.com"),
        inbound("B disabled exact", tls_sender_certificate_name="mail2026.contoso.net", enabled=False),
        inbound("C partner wildcard", tls_sender_certificate_name="*.contoso.net", connector_type="Partner"),
        inbound("D ip only", sender_ip_addresses=("203.0.113.25",)),
    ]
    rels = _relations(facts, fixed_now)
    matches = {m.connector: m for m in _kind(rels, CertNameMatch)}
    assert set(matches) == {"A mismatch", "B disabled exact", "C partner wildcard"}
    assert matches["A mismatch"].match == "mismatch" and matches["A mismatch"].usable_connector
    assert matches["B disabled exact"].match == "match" and not matches["B disabled exact"].usable_connector
    assert matches["C partner wildcard"].match == "wildcard_match"
    assert not matches["C partner wildcard"].usable_connector
    (attr,) = _kind(rels, CertAttribution)
    # only the enabled OnPremises connector counts, and it does not match
    assert (attr.match, attr.connector, attr.expected) == ("mismatch", "A mismatch", "mail.contoso.com")
    assert attr.cn == "mail2026.contoso.net"
    # provenance: the session that presented the certificate, saying what was compared
    assert attr.provenance.source == "SEND20261120-1.LOG" and attr.provenance.line == 10
    assert "mail.contoso.com" in attr.provenance.excerpt and "mail2026.contoso.net" in attr.provenance.excerpt


def test_best_connector_wins_over_mismatching_ones(fixed_now):
    facts = [
        session(cert_thumbprint=THUMB, cert_cn="mail.contoso.com", cert_sans=("mail.contoso.com",)),
        inbound("old", tls_sender_certificate_name="mail.fabrikam.com"),
        inbound("wild", tls_sender_certificate_name="*.contoso.com"),
        inbound("ambig", tls_sender_certificate_name="contoso.com"),
    ]
    (attr,) = _kind(_relations(facts, fixed_now), CertAttribution)
    assert (attr.match, attr.connector, attr.matched_name) == ("wildcard_match", "wild", "mail.contoso.com")


def test_no_cert_connector(fixed_now):
    facts = [
        session(cert_thumbprint=THUMB, cert_cn="mail.contoso.com"),
        inbound("ip", sender_ip_addresses=("203.0.113.25",)),
        inbound("off", tls_sender_certificate_name="mail.contoso.com", enabled=False),
    ]
    rels = _relations(facts, fixed_now)
    (attr,) = _kind(rels, CertAttribution)
    assert attr.match == "no_cert_connector" and attr.connector is None
    assert "off" in attr.provenance.excerpt  # the unusable connector is mentioned
    (m,) = _kind(rels, CertNameMatch)
    assert m.match == "match" and m.usable_connector is False


def test_only_certificates_presented_to_eop_count(fixed_now):
    facts = [
        session(cert_thumbprint=THUMB, cert_cn="mail.contoso.com", to_eop=False),
        session(cert_presented=False, cert_thumbprint=None),
        inbound("c", tls_sender_certificate_name="mail.contoso.com"),
    ]
    rels = _relations(facts, fixed_now)
    assert not _kind(rels, CertNameMatch) and not _kind(rels, CertAttribution)


def test_sans_come_from_the_certificate_when_the_log_lacks_them(fixed_now):
    """Old merged layout: the log record has the CN only; the file adds the SANs."""
    from certfactory import make_chain

    chain = make_chain("smtp.contoso.com", ["smtp.contoso.com", "relay.contoso.com"])
    leaf = cert_fact(chain.leaf.cert, source="smtp.pem")
    facts = [
        session(cert_thumbprint=leaf.thumbprint, cert_cn="smtp.contoso.com", cert_sans=()),
        leaf,
        inbound("c", tls_sender_certificate_name="relay.contoso.com"),
    ]
    (attr,) = _kind(_relations(facts, fixed_now), CertAttribution)
    assert (attr.match, attr.matched_name) == ("match", "relay.contoso.com")
    assert "smtp.pem" in attr.provenance.excerpt
    assert "not the CN" in attr.provenance.excerpt  # a SAN-only match is flagged


def test_cn_from_subject_when_cn_field_missing(fixed_now):
    facts = [
        session(cert_thumbprint=THUMB, cert_subject="CN=Mail.Contoso.com, O=Contoso"),
        inbound("c", tls_sender_certificate_name="mail.contoso.com"),
    ]
    (attr,) = _kind(_relations(facts, fixed_now), CertAttribution)
    assert (attr.match, attr.cn) == ("match", "mail.contoso.com")


def test_a_certificate_connector_whose_name_was_cut_decides_nothing(fixed_now):
    """A connector known to name a certificate (auth certificate) whose name the export cut short:
    no 'no certificate connector' and no best mismatch, since it may be the one that matches."""
    cut = inbound("cut", auth="certificate", incomplete=True)
    alone = [session(cert_thumbprint=THUMB, cert_cn="webmail.contoso.com"), cut]
    assert not _kind(_relations(alone, fixed_now), CertAttribution)
    beside = [*alone, inbound("old", tls_sender_certificate_name="mail.fabrikam.com")]
    assert not _kind(_relations(beside, fixed_now), CertAttribution)
    matching = [*alone, inbound("new", tls_sender_certificate_name="webmail.contoso.com")]
    (attr,) = _kind(_relations(matching, fixed_now), CertAttribution)
    assert (attr.match, attr.connector) == ("match", "new")
