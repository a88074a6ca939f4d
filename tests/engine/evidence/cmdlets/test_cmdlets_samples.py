"""Every cmdlet sample in shared/samples, parsed with the values its README documents."""

from __future__ import annotations

from pathlib import Path

import pytest
from cmdletkit import by_name, doc_from_path, line_of, parse_with, sniffers
from relaydoctor.engine.evidence.cmdlets import clixml, csvexport, formatlist, formattable, jsonexport
from relaydoctor.engine.evidence.cmdlets.textlines import split_lines
from relaydoctor.engine.facts import (
    AcceptedDomain,
    Certificate,
    DomainVerification,
    InboundConnector,
    Provenance,
    SendConnector,
)
from samplepath import SAMPLES as SAMPLE_DIR

SAMPLES = SAMPLE_DIR
EXPECTED_PARSER = {
    ".fl.txt": "formatlist",
    ".table.txt": "formattable",
    ".csv": "csvexport",
    ".json": "jsonexport",
    ".xml": "clixml",
}
MODULES = {m.__name__.rsplit(".", 1)[-1]: m for m in (clixml, jsonexport, csvexport, formattable, formatlist)}
INBOUND = "Inbound from 5c1a4e1b-6a0e-4e2b-9f3d-2c7b8d9e0f11"
PARTNER = "Fabrikam Partner TLS"
TAILSPIN_G2 = (
    'CN=Tailspin Trust RSA TLS CA G2, O="Tailspin Trust Services, Inc.", L=Redmond, S=Washington, C=US'
)


def _cmdlet_files() -> list[Path]:
    if not SAMPLES.is_dir():
        return []
    files = sorted((SAMPLES / "cmdlets").iterdir()) + sorted(SAMPLES.glob("bundles/*/Get-*"))
    return [f for f in files if f.is_file()]


def _other_files() -> list[Path]:
    if not SAMPLES.is_dir():
        return []
    out = []
    for folder in ("ndr", "send-logs", "certs", "_generator"):
        out += sorted(p for p in (SAMPLES / folder).iterdir() if p.is_file())
    out += sorted(p for p in SAMPLES.glob("bundles/*/*") if not p.name.startswith("Get-"))
    return out


def _parse(samples: Path, rel: str):
    doc = doc_from_path(samples / rel)
    name = next(v for k, v in EXPECTED_PARSER.items() if rel.endswith(k))
    return doc, parse_with(MODULES[name], doc)


@pytest.mark.parametrize("path", _cmdlet_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_cmdlet_sample_is_claimed_by_exactly_its_parser_and_cited_correctly(path: Path, samples: Path):
    doc = doc_from_path(path)
    expected = next(v for k, v in EXPECTED_PARSER.items() if path.name.endswith(k))
    assert sniffers(doc) == [expected]
    result = parse_with(MODULES[expected], doc)
    assert result.facts, result.detail
    assert result.warnings == []
    for fact in result.facts:
        assert fact.provenance.source == path.name
        assert fact.provenance.line is not None
        assert Provenance.clip(line_of(doc, fact.provenance.line).strip()) == fact.provenance.excerpt


@pytest.mark.parametrize("path", _other_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_cmdlet_parser_claims_logs_ndrs_or_certificates(path: Path, samples: Path):
    assert sniffers(doc_from_path(path)) == []


def test_renewed_inbound_connector_format_list(samples: Path):
    doc, result = _parse(samples, "bundles/renewed-certificate/Get-InboundConnector.fl.txt")
    hybrid = by_name(result.facts, INBOUND)
    assert isinstance(hybrid, InboundConnector)
    assert hybrid.tls_sender_certificate_name == "mail.contoso.com"
    assert hybrid.sender_ip_addresses == ()
    assert hybrid.require_tls is True
    assert hybrid.enabled is True
    assert hybrid.connector_type == "OnPremises"
    assert hybrid.connector_source == "HybridWizard"
    assert hybrid.sender_domains == ("smtp:*;1",)
    assert hybrid.cloud_services_mail_enabled is True
    assert hybrid.auth == "certificate"
    assert hybrid.when_changed == "2025-12-08T19:03:12Z"  # WhenChangedUTC, read as UTC
    assert hybrid.incomplete is False
    assert hybrid.provenance.line == 29
    # The line the README cites for the certificate name.
    obj = formatlist.parse_lines(split_lines(doc.text()))[0]
    prop = obj.get("TlsSenderCertificateName")
    assert (prop.line, prop.value) == (20, "mail.contoso.com")
    assert line_of(doc, 20) == "TlsSenderCertificateName     : mail.contoso.com"
    comment = obj.get("Comment").value  # wrapped once at a blank, then an embedded CRLF
    assert comment == (
        "Cert auth – pairs with EXCH01 send connector TlsCertificateName <I>CN=Tailspin Trust "
        "RSA TLS CA G2...<S>CN=mail.contoso.com\nOwner: messaging-team@contoso.com (CHG0031877)"
    )
    assert obj.get("DistinguishedName").value.endswith(",DC=PROD,DC=OUTLOOK,DC=COM")  # cut mid-word twice
    assert "Configuration,CN=contoso" in obj.get("DistinguishedName").value


def test_partner_connector_ranges(samples: Path):
    _, result = _parse(samples, "cmdlets/Get-InboundConnector.fl.txt")
    partner = by_name(result.facts, PARTNER)
    assert partner.connector_type == "Partner"
    assert partner.sender_ip_addresses == ("192.0.2.32/27", "192.0.2.70")
    assert partner.tls_sender_certificate_name == "*.fabrikam.com"
    assert partner.restrict_domains_to_ip_addresses is True
    assert partner.auth == "both"


def test_ip_changed_clixml(samples: Path):
    doc, result = _parse(samples, "bundles/ip-changed/Get-InboundConnector.ip-changed.clixml.xml")
    relay = by_name(result.facts, "Contoso on-premises relay (IP)")
    assert relay.sender_ip_addresses == ("203.0.113.25",)
    assert relay.tls_sender_certificate_name is None
    assert relay.auth == "ip"
    assert relay.connector_type == "OnPremises"
    assert relay.require_tls is False
    partner = by_name(result.facts, PARTNER)
    assert partner.sender_ip_addresses == ("192.0.2.32/27", "192.0.2.70")
    assert partner.connector_type == "Partner"
    assert line_of(doc, 62).strip() == '<Nil N="TlsSenderCertificateName" />'
    assert line_of(doc, 24).strip() == "<S>203.0.113.25</S>"
    assert relay.provenance.excerpt == '<S N="Name">Contoso on-premises relay (IP)</S>'


def test_the_same_connectors_exported_four_ways_give_identical_facts(samples: Path):
    seen = {}
    for rel in (
        "cmdlets/Get-InboundConnector.fl.txt",
        "cmdlets/Get-InboundConnector.csv",
        "cmdlets/Get-InboundConnector.json",
        "cmdlets/Get-InboundConnector.clixml.xml",
    ):
        _, result = _parse(samples, rel)
        seen[rel] = [(type(f), f.values()) for f in result.facts]
    first, *others = seen.values()
    assert len(first) == 2
    for other in others:
        assert other == first
    # The excerpts differ (each format has its own text) but every one cites the Name.
    _, csv_result = _parse(samples, "cmdlets/Get-InboundConnector.csv")
    assert [f.provenance.line for f in csv_result.facts] == [4, 5]  # the Comment's CRLF moves Name


def test_attr36_json(samples: Path):
    doc, result = _parse(samples, "bundles/attr36/Get-InboundConnector.attr36.json")
    hybrid = by_name(result.facts, INBOUND)
    assert hybrid.tls_sender_certificate_name == "mail2026.contoso.net"
    assert hybrid.when_changed is not None and hybrid.when_changed.startswith("2026-11-23T")
    assert line_of(doc, 30).strip() == '"TlsSenderCertificateName":  "mail2026.contoso.net",'
    assert hybrid.provenance.line == 47


@pytest.mark.parametrize(
    ("rel", "cn", "domain", "level"),
    [
        ("bundles/ip-changed/Get-SendConnector.fl.txt", "mail.contoso.com", None, "CertificateValidation"),
        (
            "bundles/renewed-certificate/Get-SendConnector.renewed.fl.txt",
            "mail2026.contoso.net",
            "mail.protection.outlook.com",
            "DomainValidation",
        ),
    ],
)
def test_send_connector_with_wrapped_tls_certificate_name(samples: Path, rel, cn, domain, level):
    doc, result = _parse(samples, rel)
    (sc,) = result.facts
    assert isinstance(sc, SendConnector)
    assert sc.name == "Outbound to Office 365"
    assert sc.tls_certificate_name == f"<I>{TAILSPIN_G2}<S>CN={cn}"  # lines 37-38 joined at the blank
    assert sc.tls_certificate_name_form == "issuer_subject"
    assert sc.tls_cert_issuer == TAILSPIN_G2
    assert sc.tls_cert_subject == f"CN={cn}"
    assert sc.tls_cert_cn == cn
    assert sc.smart_hosts == ("contoso-com.mail.protection.outlook.com",)
    assert sc.smart_host_kind == "eop_tenant"
    assert sc.routes_to_eop is True
    assert sc.address_spaces == ("SMTP:*;1",)
    assert sc.require_tls is True
    assert sc.dns_routing_enabled is False
    assert sc.tls_auth_level == level
    assert sc.tls_domain == domain
    assert sc.fqdn == "mail.contoso.com"
    assert sc.source_transport_servers == ("EXCH01",)
    assert sc.protocol_logging_level == "Verbose"
    obj = formatlist.parse_lines(split_lines(doc.text()))[0]
    assert obj.get("TlsCertificateName").line == 37
    assert line_of(doc, 37).endswith("L=Redmond, ")
    assert line_of(doc, 38).strip() == f"S=Washington, C=US<S>CN={cn}"


CERTS = {
    "121A013FD6789E1E09F2493A26AD9213BF5B07C7": ("mail2026.contoso.net", ("IMAP", "POP", "IIS", "SMTP")),
    "A81F8D9C5F5FB9A4E018F5F3249224C5EAE525D4": ("Microsoft Exchange Server Auth Certificate", ("SMTP",)),
    "F13EA69EB8D27B0D2A8947D5BCC472E6B2724B29": ("mail.contoso.com", ("SMTP",)),
    "1F5543F4A7C89979765EB35ED799439D7F3CC4B2": ("exch01", ("SMTP",)),
}


def test_exchange_certificates_format_list(samples: Path):
    _, result = _parse(samples, "bundles/renewed-certificate/Get-ExchangeCertificate.fl.txt")
    assert [f.thumbprint for f in result.facts] == list(CERTS)
    for cert in result.facts:
        assert isinstance(cert, Certificate)
        assert (cert.cn, cert.services) == CERTS[cert.thumbprint]
        assert cert.origin == "exchange"
        assert cert.smtp_enabled is True
        assert cert.status == "Valid"
        assert cert.has_private_key is True
    renewed, auth, old, selfsigned = result.facts
    assert [c.root_ca_type for c in result.facts] == ["ThirdParty", "None", "ThirdParty", "Registry"]
    assert [c.self_signed for c in result.facts] == [False, True, False, True]
    assert renewed.sans == ("mail2026.contoso.net", "autodiscover.contoso.net")
    assert renewed.issuer == TAILSPIN_G2
    assert renewed.issuer_cn == "Tailspin Trust RSA TLS CA G2"
    assert renewed.serial == "61E8C2A40F5B9D37A2C4E8169B0D7F35"
    # en-US local (Pacific) time, no offset in the file: kept naive, without "Z".
    assert renewed.not_before == "2026-11-09T16:00:00"
    assert renewed.not_after == "2027-05-28T16:59:59"
    assert old.not_after == "2026-12-05T15:59:59"
    assert auth.sans == ()
    assert selfsigned.sans == ("exch01", "exch01.corp.contoso.com")
    assert renewed.provenance.line == 18


def test_exchange_certificate_table_flags_match_the_list(samples: Path):
    doc, table = _parse(samples, "cmdlets/Get-ExchangeCertificate.table.txt")
    _, fl = _parse(samples, "cmdlets/Get-ExchangeCertificate.fl.txt")
    assert [(c.thumbprint, c.services, c.subject, c.cn) for c in table.facts] == [
        (c.thumbprint, c.services, c.subject, c.cn) for c in fl.facts
    ]
    assert line_of(doc, 4).split()[1] == "IP.WS."
    assert table.facts[0].services == ("IMAP", "POP", "IIS", "SMTP")
    assert table.facts[1].services == ("SMTP",)
    assert all(c.not_after is None and c.root_ca_type is None for c in table.facts)


ACCEPTED = ["contoso.com", "contoso.mail.onmicrosoft.com", "contoso.onmicrosoft.com"]


@pytest.mark.parametrize(
    "rel", ["cmdlets/Get-AcceptedDomain.fl.txt", "bundles/ip-changed/Get-AcceptedDomain.table.txt"]
)
def test_accepted_domains_list_and_table_with_prompt_lines(samples: Path, rel: str):
    _, result = _parse(samples, rel)
    assert all(isinstance(f, AcceptedDomain) for f in result.facts)
    assert [f.domain for f in result.facts] == ACCEPTED
    assert [f.default for f in result.facts] == [True, False, False]
    assert {f.domain_type for f in result.facts} == {"Authoritative"}
    assert "contoso.net" not in [f.domain for f in result.facts]


@pytest.mark.parametrize("rel", ["cmdlets/Get-MgDomain.json", "bundles/attr36/Get-MgDomain.table.txt"])
def test_graph_domains_contoso_net_unverified(samples: Path, rel: str):
    _, result = _parse(samples, rel)
    assert all(isinstance(f, DomainVerification) for f in result.facts)
    state = {f.domain: f.verified for f in result.facts}
    assert state == {
        "contoso.com": True,
        "contoso.mail.onmicrosoft.com": True,
        "contoso.net": False,
        "contoso.onmicrosoft.com": True,
    }
    net = by_name(result.facts, "contoso.net", "domain")
    assert (net.is_default, net.is_initial, net.authentication_type) == (False, False, "Managed")
    assert by_name(result.facts, "contoso.onmicrosoft.com", "domain").is_initial is True
    if rel.endswith(".table.txt"):
        assert net.provenance.line == 7


def test_graph_domains_table_and_json_agree(samples: Path):
    _, table = _parse(samples, "cmdlets/Get-MgDomain.table.txt")
    _, js = _parse(samples, "cmdlets/Get-MgDomain.json")
    assert [f.values() for f in table.facts] == [f.values() for f in js.facts]
