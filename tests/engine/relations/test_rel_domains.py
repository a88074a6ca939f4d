"""Certificate, MAIL FROM and connector names against accepted domains (DOMAIN §1.6, §6, §9 Step 6)."""

from __future__ import annotations

import pytest
from relaydoctor.engine.facts import AcceptedDomain, DomainAcceptance, DomainVerification
from relaydoctor.engine.relations import derive_relations
from relaydoctor.engine.relations.domains import (
    DomainEvidence,
    certificate_name_acceptance,
    connector_name_acceptance,
    mail_from_acceptance,
)
from relkit import accepted, inbound, session, verified

THUMB = "121A013FD6789E1E09F2493A26AD9213BF5B07C7"


def evidence(acc=(), ver=None, types=None):
    facts = accepted(*acc, types=types) + verified(ver or {})
    return DomainEvidence.from_facts(
        [f for f in facts if isinstance(f, AcceptedDomain)],
        [f for f in facts if isinstance(f, DomainVerification)],
    )


@pytest.mark.parametrize(
    ("name", "acc", "status", "accepted_as"),
    [
        ("contoso.com", ["contoso.com"], "accepted", "contoso.com"),
        ("mail.contoso.com", ["contoso.com"], "accepted", "contoso.com"),  # immediate parent
        ("host.sub.contoso.com", ["contoso.com"], "not_accepted", None),  # KB 4019940: needs sub.contoso.com
        ("host.sub.contoso.com", ["sub.contoso.com"], "accepted", "sub.contoso.com"),
        ("host.sub.contoso.com", ["host.sub.contoso.com"], "accepted", "host.sub.contoso.com"),
        ("*.contoso.com", ["contoso.com"], "accepted", "contoso.com"),  # wildcard counts as the domain
        ("*.sub.contoso.com", ["contoso.com"], "not_accepted", None),
        ("mail2026.contoso.net", ["contoso.com"], "not_accepted", None),
        ("MAIL.Contoso.COM.", ["contoso.com"], "accepted", "contoso.com"),
        ("mail.contoso.com", [], "unknown", None),  # no evidence at all
    ],
)
def test_certificate_name_acceptance(name, acc, status, accepted_as):
    got = certificate_name_acceptance(name, evidence(acc))
    assert (got.status, got.accepted_as) == (status, accepted_as)


def test_kb4019940_hint_names_the_needed_parent():
    got = certificate_name_acceptance("host.sub.contoso.com", evidence(["contoso.com"]))
    assert "sub.contoso.com" in got.note and "immediate parent" in got.note


@pytest.mark.parametrize(
    ("domain", "acc", "ver", "status"),
    [
        # Entra says unverified and it is not accepted: not accepted, and said so
        ("contoso.net", ["contoso.com"], {"contoso.net": False, "contoso.com": True}, "not_accepted"),
        # listed as accepted while Entra says unverified: the sources disagree
        ("contoso.net", ["contoso.com", "contoso.net"], {"contoso.net": False}, "unverified"),
        # only verification evidence: a verified domain counts as accepted
        ("contoso.com", [], {"contoso.com": True}, "accepted"),
        ("contoso.net", [], {"contoso.com": True, "contoso.net": False}, "not_accepted"),
        ("fabrikam.com", [], {"contoso.com": True}, "not_accepted"),
        ("contoso.com", [], {}, "unknown"),
    ],
)
def test_verification_evidence(domain, acc, ver, status):
    got = mail_from_acceptance(domain, evidence(acc, ver))
    assert got.status == status


def test_unverified_is_mentioned_and_verification_only_is_flagged():
    got = mail_from_acceptance("contoso.net", evidence(["contoso.com"], {"contoso.net": False}))
    assert "unverified" in got.note
    got = mail_from_acceptance("contoso.com", evidence([], {"contoso.com": True}))
    assert "no Get-AcceptedDomain" in got.note


def test_conflicting_verification_sources_keep_unverified():
    ev = DomainEvidence.from_facts(
        [],
        verified({"contoso.net": True}, source="a.json") + verified({"contoso.net": False}, source="b.txt"),
    )
    assert ev.lookup("contoso.net").status == "not_accepted"


@pytest.mark.parametrize(
    ("domain", "acc", "types", "status"),
    [
        ("contoso.com", ["contoso.com"], None, "accepted"),
        ("sub.contoso.com", ["contoso.com"], None, "not_accepted"),  # subdomains need their own entry
        ("sub.contoso.com", ["contoso.com"], {"contoso.com": "InternalRelay"}, "unknown"),  # MatchSubDomains?
        ("fabrikam.com", ["contoso.com"], None, "not_accepted"),
        ("a.contoso.com", ["*.contoso.com"], None, "accepted"),  # wildcard accepted domain
    ],
)
def test_mail_from_acceptance(domain, acc, types, status):
    assert mail_from_acceptance(domain, evidence(acc, types=types)).status == status


@pytest.mark.parametrize(
    ("value", "acc", "status"),
    [
        ("*.contoso.com", ["contoso.com"], "accepted"),
        ("contoso.com", ["contoso.com"], "accepted"),
        ("mail.contoso.com", ["mail.contoso.com"], "accepted"),
        ("mail.contoso.com", ["contoso.com"], "unknown"),  # KB 4019940 vs the HCW warning
        ("mail2026.contoso.net", ["contoso.com"], "not_accepted"),
        ("*.contoso.net", ["contoso.com"], "not_accepted"),
    ],
)
def test_connector_name_acceptance(value, acc, status):
    assert connector_name_acceptance(value, evidence(acc)).status == status


def _acceptances(facts, fixed_now):
    return [r for r in derive_relations(facts, now=fixed_now) if isinstance(r, DomainAcceptance)]


def test_one_acceptance_per_certificate_mail_from_and_connector(fixed_now):
    facts = [
        session(
            line=20,
            cert_thumbprint=THUMB,
            cert_cn="mail2026.contoso.net",
            cert_sans=("mail2026.contoso.net", "autodiscover.contoso.net"),
            mail_from="n.patel@contoso.com",
            mail_from_domain="contoso.com",
            outcome="relayed",
        ),
        session(line=87, cert_thumbprint=THUMB, null_sender=True, outcome="rejected"),
        session(line=130, cert_thumbprint=THUMB, mail_from_domain="Contoso.NET", outcome="rejected"),
        inbound("Inbound from 5c1a", tls_sender_certificate_name="mail2026.contoso.net"),
        *accepted("contoso.com", "contoso.mail.onmicrosoft.com", "contoso.onmicrosoft.com"),
        *verified({"contoso.com": True, "contoso.net": False}),
    ]
    got = {(a.role, a.domain): a for a in _acceptances(facts, fixed_now)}
    assert set(got) == {
        ("certificate", "mail2026.contoso.net"),
        ("mail_from", "contoso.com"),
        ("mail_from", "contoso.net"),
        ("connector_certificate_name", "mail2026.contoso.net"),
    }  # the null sender has no domain: no fact
    cert = got[("certificate", "mail2026.contoso.net")]
    assert (cert.status, cert.thumbprint) == ("not_accepted", THUMB)
    assert "unverified" in cert.provenance.excerpt
    assert cert.provenance.line == 87  # the most relevant (rejected) session presenting it
    assert got[("mail_from", "contoso.com")].status == "accepted"
    assert got[("mail_from", "contoso.net")].status == "not_accepted"
    assert got[("mail_from", "contoso.net")].provenance.line == 130
    conn = got[("connector_certificate_name", "mail2026.contoso.net")]
    assert (conn.status, conn.connector) == ("not_accepted", "Inbound from 5c1a")
    assert conn.provenance.source == "Get-InboundConnector.fl.txt"


def test_certificate_domain_is_the_accepted_name(fixed_now):
    facts = [
        session(
            cert_thumbprint=THUMB,
            cert_cn="mail.fabrikam.com",
            cert_sans=("mail.fabrikam.com", "relay.contoso.com"),
        ),
        *accepted("contoso.com"),
    ]
    (cert,) = _acceptances(facts, fixed_now)
    assert (cert.status, cert.domain, cert.accepted_as) == ("accepted", "relay.contoso.com", "contoso.com")


def test_no_domain_evidence_is_unknown(fixed_now):
    facts = [session(cert_thumbprint=THUMB, cert_cn="mail.contoso.com", mail_from_domain="contoso.com")]
    assert {(a.role, a.status) for a in _acceptances(facts, fixed_now)} == {
        ("certificate", "unknown"),
        ("mail_from", "unknown"),
    }
