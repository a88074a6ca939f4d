"""Send connector TlsCertificateName against installed and presented certificates."""

from __future__ import annotations

import pytest
from relaydoctor.engine.facts import Certificate, SendConnectorCertificate
from relaydoctor.engine.relations import RootStore, derive_relations
from relaydoctor.engine.relations.sendconnector import split_tls_certificate_name
from relaydoctor.engine.x509names import dn_key
from relkit import prov, send_connector, session

ISSUER = 'CN=Tailspin Trust RSA TLS CA G2, O="Tailspin Trust Services, Inc.", L=Redmond, S=Washington, C=US'
NEW = "121A013FD6789E1E09F2493A26AD9213BF5B07C7"
OLD = "F13EA69EB8D27B0D2A8947D5BCC472E6B2724B29"
OLDER = "0000000000000000000000000000000000000001"


def installed(thumb, subject, not_after, issuer=ISSUER, source="Get-ExchangeCertificate.fl.txt"):
    return Certificate(
        provenance=prov(source, None),
        thumbprint=thumb,
        subject=subject,
        issuer=issuer,
        not_after=not_after,
        origin="exchange",
        status="Valid",
        root_ca_type="ThirdParty",
    )


GEC = [
    installed(NEW, "CN=mail2026.contoso.net", "2027-05-28T16:59:59"),
    installed(OLD, "CN=mail.contoso.com", "2026-12-05T15:59:59"),
    installed(OLDER, "CN=mail.contoso.com", "2025-12-05T15:59:59"),
]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            ISSUER,
            'cn=tailspin trust rsa tls ca g2,  O="Tailspin Trust Services, Inc.", '
            "L=Redmond,S=Washington, C=US",
        ),
        (
            ISSUER,
            "CN=Tailspin Trust RSA TLS CA G2,O=Tailspin Trust Services\\, Inc.,L=Redmond,ST=Washington,C=US",
        ),
        (
            ISSUER,
            'C=US, S=Washington, L=Redmond, O="Tailspin Trust Services, Inc.", '
            "CN=Tailspin Trust RSA TLS CA G2",
        ),
        ('O="A ""quoted"" Org", CN=x', 'CN=x, O=A \\"quoted\\" Org'),
    ],
)
def test_dn_key_ignores_spelling(a, b):
    assert dn_key(a) == dn_key(b)


def test_dn_key_tells_different_names_apart():
    assert dn_key("CN=mail.contoso.com") != dn_key("CN=mail2026.contoso.net")
    assert dn_key("not a dn") is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (f"<I>{ISSUER}<S>CN=mail.contoso.com", (ISSUER, "CN=mail.contoso.com")),
        ("<i>CN=CA<s>CN=x", ("CN=CA", "CN=x")),  # the lower-case spelling some docs show
        ("CN=mail.contoso.com", None),
        ("<I><S>CN=x", None),
        ("", None),
    ],
)
def test_split_tls_certificate_name(raw, expected):
    assert split_tls_certificate_name(raw) == expected


def rel(facts, fixed_now) -> list[SendConnectorCertificate]:
    out = derive_relations(facts, now=fixed_now, trusted_roots=RootStore(include_public=False))
    return [r for r in out if isinstance(r, SendConnectorCertificate)]


def test_matches_the_newest_installed_certificate(fixed_now):
    # wrapped Format-List value rejoined with other spacing
    raw = (
        '<I>CN=Tailspin Trust RSA TLS CA G2, O="Tailspin Trust Services, Inc.", L=Redmond,  '
        "S=Washington, C=US<S>CN=mail.contoso.com"
    )
    (sc,) = rel([send_connector(tls_certificate_name=raw), *GEC], fixed_now)
    assert (sc.state, sc.thumbprint, sc.presented) == ("matches_installed", OLD, "unknown")
    assert "newest of 2" in sc.provenance.excerpt
    assert sc.provenance.source == "Get-SendConnector.fl.txt"


def test_presented_same_or_different(fixed_now):
    sc = send_connector(tls_certificate_name=f"<I>{ISSUER}<S>CN=mail2026.contoso.net")
    same = session(cert_thumbprint=NEW)
    other = session(cert_thumbprint=OLD)
    (got,) = rel([sc, *GEC, same], fixed_now)
    assert (got.state, got.thumbprint, got.presented) == ("matches_installed", NEW, "same")
    (got,) = rel([sc, *GEC, other], fixed_now)
    assert got.presented == "different"
    # sessions of another connector do not count when the log names connectors
    foreign = session(cert_thumbprint=OLD, connector="Internet")
    (got,) = rel([sc, *GEC, foreign, send_connector(name="Internet", routes_to_eop=False)], fixed_now)[:1]
    assert got.presented == "unknown"


def test_not_installed_empty_malformed_unknown(fixed_now):
    wrong_ca = send_connector(tls_certificate_name="<I>CN=Other CA<S>CN=mail2026.contoso.net")
    assert rel([wrong_ca, *GEC], fixed_now)[0].state == "not_installed"
    assert rel([send_connector(), *GEC], fixed_now)[0].state == "empty"
    bad = send_connector(tls_certificate_name="mail.contoso.com")
    assert rel([bad, *GEC], fixed_now)[0].state == "malformed"
    no_gec = send_connector(tls_certificate_name=f"<I>{ISSUER}<S>CN=mail2026.contoso.net")
    (got,) = rel([no_gec], fixed_now)
    assert (got.state, got.thumbprint) == ("unknown", None)


def test_presented_by_issuer_and_subject_without_installed_evidence(fixed_now):
    sc = send_connector(tls_certificate_name=f"<I>{ISSUER}<S>CN=mail2026.contoso.net")
    log = session(
        cert_thumbprint=NEW,
        cert_subject="CN=mail2026.contoso.net",
        cert_issuer=ISSUER.upper().replace("S=WASHINGTON", "ST=Washington"),
    )
    (got,) = rel([sc, log], fixed_now)
    assert (got.state, got.presented) == ("unknown", "same")
    log_other = session(cert_thumbprint=OLD, cert_subject="CN=mail.contoso.com", cert_issuer=ISSUER)
    (got,) = rel([sc, log_other], fixed_now)
    assert got.presented == "different"
