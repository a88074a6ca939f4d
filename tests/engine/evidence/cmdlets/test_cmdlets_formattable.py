"""Format-Table edge cases: right-aligned wide values, cut cells, 7-flag Services, other views."""

from __future__ import annotations

import pytest
from cmdletkit import by_name, doc_from_text, parse_with
from relaydoctor.engine.errors import EvidenceError
from relaydoctor.engine.evidence.cmdlets import formattable
from relaydoctor.engine.evidence.cmdlets.textlines import split_lines


def test_right_aligned_values_wider_than_their_label():
    text = (
        "\n"
        "Name          Port Enabled\n"
        "----          ---- -------\n"
        "a           123456    True\n"
        "bb              25   False\n"
    )
    objs = formattable.parse_lines(split_lines(text))
    assert [(o.get("Name").value, o.get("Port").value, o.get("Enabled").value) for o in objs] == [
        ("a", "123456", "True"),
        ("bb", "25", "False"),
    ]


def test_msol_domain_table_status_verified_unverified():
    text = (
        "PS C:\\> Get-MsolDomain\n"
        "\n"
        "Name                        Status     Authentication\n"
        "----                        ------     --------------\n"
        "contoso.com                 Verified   Managed\n"
        "contoso.net                 Unverified Managed\n"
        "contoso.onmicrosoft.com     Verified   Managed\n"
    )
    facts = parse_with(formattable, doc_from_text(text)).facts
    assert {f.domain: f.verified for f in facts} == {
        "contoso.com": True,
        "contoso.net": False,
        "contoso.onmicrosoft.com": True,
    }
    assert by_name(facts, "contoso.net", "domain").authentication_type == "Managed"
    assert by_name(facts, "contoso.net", "domain").provenance.line == 6


def test_seven_flag_services_and_a_cut_subject():
    text = (
        "\n"
        "Thumbprint                                Services   Subject\n"
        "----------                                --------   -------\n"
        "399A5C4C087B047C386279279B272AC2F681D966  I...S.C    CN=*.contoso.com\n"
        "121A013FD6789E1E09F2493A26AD9213BF5B07C7  .......    CN=mail2026.contoso.net, OU=Messaging a...\n"
    )
    result = parse_with(formattable, doc_from_text(text, "certs.txt"))
    star, renewed = result.facts
    assert star.services == ("IMAP", "SMTP", "UMCallRouter")
    assert star.smtp_enabled is True
    assert star.cn == "*.contoso.com"
    assert renewed.services == ()
    assert renewed.smtp_enabled is False
    assert renewed.subject is None and renewed.cn is None  # cut by the column: unknown, not wrong
    assert any(w.startswith("certs.txt:5: Subject is incomplete") for w in result.warnings)


def test_receive_connector_default_view_and_two_tables_in_one_paste():
    text = (
        "[PS] C:\\Windows\\system32>Get-ReceiveConnector\n"
        "\n"
        "Identity                                Bindings                                 Enabled\n"
        "--------                                --------                                 -------\n"
        "EXCH01\\Default EXCH01                   {[::]:2525, 0.0.0.0:2525}                True\n"
        "EXCH01\\Client Proxy EXCH01              {[::]:465, 0.0.0.0:465}                  True\n"
        "\n"
        "[PS] C:\\Windows\\system32>Get-AcceptedDomain\n"
        "\n"
        "Name                           DomainName                     DomainType    Default\n"
        "----                           ----------                     ----------    -------\n"
        "contoso.com                    contoso.com                    Authoritative True\n"
    )
    facts = parse_with(formattable, doc_from_text(text)).facts
    assert [f.KIND for f in facts] == ["receive_connector", "receive_connector", "accepted_domain"]
    assert facts[0].name == "EXCH01\\Default EXCH01"
    assert facts[0].bindings == ("[::]:2525", "0.0.0.0:2525")
    assert facts[2].provenance.line == 12


def test_truncated_list_cell_keeps_the_whole_items_and_is_incomplete():
    text = (
        "Name           ConnectorType SenderIPAddresses\n"
        "----           ------------- -----------------\n"
        "Contoso relay  OnPremises    {203.0.113.25, 203.0.113.26, 203.0…\n"
    )
    result = parse_with(formattable, doc_from_text(text))
    (conn,) = result.facts
    assert conn.sender_ip_addresses == ("203.0.113.25", "203.0.113.26")
    assert conn.incomplete is True
    assert len(result.warnings) == 1


def test_no_table_is_an_evidence_error():
    doc = doc_from_text("Name : x\nValue : y\n")
    assert formattable.sniff(doc) is False
    with pytest.raises(EvidenceError):
        formattable.parse(doc)


def test_a_table_of_an_unknown_cmdlet_is_not_sniffed():
    text = (
        "Identity          DeliveryType    Status MessageCount\n"
        "--------          ------------    ------ ------------\n"
    )
    assert formattable.sniff(doc_from_text(text)) is False


def test_inbound_connector_with_a_cut_certificate_name_still_names_a_certificate():
    """'webmail.conto...' is an unknown name, not no name: the connector identifies by certificate."""
    text = (
        "PS C:\\> Get-InboundConnector | ft Name,Enabled,ConnectorType,TlsSenderCertificateName\n"
        "\n"
        "Name            Enabled ConnectorType TlsSenderCertificateName\n"
        "----            ------- ------------- ------------------------\n"
        "From on-prem       True OnPremises    webmail.conto...\n"
        "Scanners          False OnPremises\n"
    )
    result = parse_with(formattable, doc_from_text(text))
    got = {f.name: (f.auth, f.tls_sender_certificate_name, f.incomplete) for f in result.facts}
    assert got == {"From on-prem": ("certificate", None, True), "Scanners": ("none", None, False)}
    assert any("TlsSenderCertificateName is incomplete" in w for w in result.warnings)
