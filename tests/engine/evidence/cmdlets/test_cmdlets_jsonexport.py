"""ConvertTo-Json edge cases: PowerShell 7, EXO V3 module, enums as integers, depth cuts, bad JSON."""

from __future__ import annotations

import json

import pytest
from cmdletkit import by_name, doc_from_text, parse_with
from relaydoctor.engine.errors import EvidenceError
from relaydoctor.engine.evidence.cmdlets import jsonexport

# PowerShell 7 ConvertTo-Json of ONE object (no array), ISO dates, enums as integers.
PS7_SINGLE = """{
  "Name": "Contoso relay",
  "Enabled": true,
  "ConnectorType": 1,
  "ConnectorSource": 2,
  "SenderIPAddresses": [
    "203.0.113.25"
  ],
  "TlsSenderCertificateName": "*.Contoso.com",
  "WhenChanged": "2026-11-23T14:47:05.1234567-08:00"
}
"""

# Exchange Online V3 (REST) module: SenderDomains "smtp:*;1", nulls, 7-digit fractions with Z.
V3 = """[
  {
    "Identity": "Inbound from 5c1a4e1b-6a0e-4e2b-9f3d-2c7b8d9e0f11",
    "Name": "Inbound from 5c1a4e1b-6a0e-4e2b-9f3d-2c7b8d9e0f11",
    "ConnectorType": "OnPremises",
    "SenderDomains": ["smtp:*;1"],
    "SenderIPAddresses": null,
    "TlsSenderCertificateName": null,
    "RequireTls": true,
    "WhenChangedUTC": "2025-12-08T19:03:12.9999999Z",
    "EFSkipIPs": null
  }
]
"""


def test_powershell7_single_object_with_integer_enums_and_offset_date():
    (conn,) = parse_with(jsonexport, doc_from_text(PS7_SINGLE, "one.json")).facts
    assert conn.connector_type == "OnPremises"  # TenantConnectorType.OnPremises = 1
    assert conn.connector_source == "HybridWizard"  # TenantConnectorSource.HybridWizard = 2
    assert conn.tls_sender_certificate_name == "*.contoso.com"
    assert conn.sender_ip_addresses == ("203.0.113.25",)
    assert conn.auth == "both"
    assert conn.when_changed == "2026-11-23T22:47:05Z"
    assert conn.provenance.line == 2
    assert conn.provenance.excerpt == '"Name": "Contoso relay",'


def test_partner_as_integer_and_an_unknown_integer():
    two = json.loads(PS7_SINGLE) | {"ConnectorType": 2}
    (conn,) = parse_with(jsonexport, doc_from_text(json.dumps(two))).facts
    assert conn.connector_type == "Partner"
    seven = json.loads(PS7_SINGLE) | {"ConnectorType": 7}
    result = parse_with(jsonexport, doc_from_text(json.dumps(seven, indent=2), "x.json"))
    assert result.facts[0].connector_type is None
    assert result.warnings == ["x.json:4: ConnectorType has the unknown value 7; treated as unknown"]


def test_exchange_online_v3_module_json():
    (conn,) = parse_with(jsonexport, doc_from_text(V3)).facts
    assert conn.sender_domains == ("smtp:*;1",)
    assert conn.sender_ip_addresses == ()
    assert conn.tls_sender_certificate_name is None
    assert conn.auth == "none"
    assert conn.when_changed == "2025-12-08T19:03:12Z"  # fraction dropped, not rounded
    assert conn.incomplete is False


@pytest.mark.parametrize(
    "cut", ["System.Collections.Hashtable", "@{Add=192.0.2.1; Remove=}", "System.Object[]"]
)
def test_values_cut_by_depth_are_incomplete(cut: str):
    data = json.loads(PS7_SINGLE) | {"SenderIPAddresses": cut}
    result = parse_with(jsonexport, doc_from_text(json.dumps(data, indent=4), "d.json"))
    (conn,) = result.facts
    assert conn.incomplete is True
    assert conn.sender_ip_addresses == ()
    assert result.warnings[0].startswith("d.json:6: SenderIPAddresses is incomplete")


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (V3[: V3.index('"RequireTls"')], 9),  # the file ends mid-object
        ('[\n  {"Name": "x",\n   "TlsSenderCertificateName": "a" "b"}\n]', 3),
        ('{"Name": "x", "TlsSenderCertificateName": "unterminated\n}', 1),
        ('{"Name": tru}', 1),
        ("[1, 2,]", 1),
    ],
)
def test_half_written_or_broken_json_is_an_evidence_error_with_the_line(text: str, line: int):
    with pytest.raises(EvidenceError) as err:
        jsonexport.parse(doc_from_text(text, "bad.json"))
    assert (err.value.path, err.value.line) == ("bad.json", line)
    assert err.value.message.startswith("not valid JSON")


def test_deep_nesting_is_refused_cleanly():
    text = "[" * 5000 + "]" * 5000
    with pytest.raises(EvidenceError):
        jsonexport.parse(doc_from_text(text))


def test_graph_rest_page_with_camel_case_keys():
    page = {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#domains",
        "value": [
            {"id": "contoso.com", "isVerified": True, "isDefault": True, "authenticationType": "Managed"},
            {"id": "Contoso.NET", "isVerified": False, "isDefault": False, "authenticationType": "Managed"},
        ],
    }
    facts = parse_with(jsonexport, doc_from_text(json.dumps(page, indent=2))).facts
    assert {f.domain: f.verified for f in facts} == {"contoso.com": True, "contoso.net": False}


def test_several_documents_and_prompt_lines_from_a_console_paste():
    one = json.dumps({"DomainName": "contoso.com", "DomainType": "Authoritative", "Default": True})
    two = json.dumps({"DomainName": "fabrikam.com", "DomainType": "InternalRelay", "Default": False})
    text = f"PS C:\\> Get-AcceptedDomain | % {{ $_ | ConvertTo-Json -Compress }}\n{one}\n{two}\nPS C:\\>\n"
    facts = parse_with(jsonexport, doc_from_text(text)).facts
    assert [(f.domain, f.domain_type, f.provenance.line) for f in facts] == [
        ("contoso.com", "Authoritative", 2),
        ("fabrikam.com", "InternalRelay", 3),
    ]


def test_exchange_certificate_json_with_services_flags_integer_and_epoch_dates():
    cert = {
        "Thumbprint": "121a013fd6789e1e09f2493a26ad9213bf5b07c7",
        "Services": 27,
        "Subject": "CN=mail2026.contoso.net",
        "CertificateDomains": ["mail2026.contoso.net", "Autodiscover.contoso.net"],
        "NotAfter": "/Date(1811548799000)/",
        "RootCAType": 3,
        "Status": "Valid",
        "IsSelfSigned": False,
    }
    result = parse_with(jsonexport, doc_from_text(json.dumps(cert, indent=2).replace("/", "\\/"), "c.json"))
    (fact,) = result.facts
    assert fact.thumbprint == "121A013FD6789E1E09F2493A26AD9213BF5B07C7"
    assert fact.services == ("IMAP", "POP", "IIS", "SMTP")  # 1 + 2 + 8 + 16
    assert fact.smtp_enabled is True
    assert fact.not_after == "2027-05-28T23:59:59Z"
    assert fact.sans == ("mail2026.contoso.net", "autodiscover.contoso.net")
    assert fact.root_ca_type is None
    assert any("RootCAType is exported as the integer 3" in w for w in result.warnings)


def test_outbound_connector_and_send_connector_kinds():
    data = [
        {
            "Name": "Outbound to on-premises",
            "ConnectorType": "OnPremises",
            "RecipientDomains": ["contoso.com"],
            "SmartHosts": ["MAIL.contoso.com"],
            "TlsSettings": "DomainValidation",
            "TlsDomain": "mail.contoso.com",
            "UseMXRecord": False,
        },
        {
            "Name": "HCW send",
            "AddressSpaces": ["smtp:contoso.mail.onmicrosoft.com;1"],
            "SmartHosts": [],
            "DNSRoutingEnabled": True,
            "TlsCertificateName": "<i>CN=CA<s>CN=mail.contoso.com",
        },
        {
            "Name": "Device relay",
            "AddressSpaces": ["SMTP:*;1"],
            "SmartHosts": ["smtp.office365.com"],
            "TlsCertificateName": "CN=mail.contoso.com",
        },
    ]
    facts = parse_with(jsonexport, doc_from_text(json.dumps(data))).facts
    out = by_name(facts, "Outbound to on-premises")
    assert (out.KIND, out.smart_hosts, out.tls_settings, out.use_mx_record) == (
        "outbound_connector",
        ("mail.contoso.com",),
        "DomainValidation",
        False,
    )
    hcw = by_name(facts, "HCW send")
    assert (hcw.smart_host_kind, hcw.routes_to_eop) == ("none", True)
    assert (hcw.tls_certificate_name_form, hcw.tls_cert_cn) == ("issuer_subject", "mail.contoso.com")
    device = by_name(facts, "Device relay")
    assert (device.smart_host_kind, device.routes_to_eop) == ("smtp_client_endpoint", False)
    assert device.tls_certificate_name_form == "malformed"


def test_json_of_something_else_is_not_sniffed():
    assert jsonexport.sniff(doc_from_text('{"id": 1, "name": "x", "tags": []}')) is False
    assert jsonexport.sniff(doc_from_text("not json at all")) is False
