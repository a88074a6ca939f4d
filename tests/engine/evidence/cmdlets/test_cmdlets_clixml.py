"""Export-Clixml edge cases: unsafe XML, escapes, enums as objects, references, type names."""

from __future__ import annotations

import pytest
from cmdletkit import by_name, doc_from_text, parse_with
from relaydoctor.engine.errors import EvidenceError
from relaydoctor.engine.evidence.cmdlets import clixml

NS = 'xmlns="http://schemas.microsoft.com/powershell/2004/04"'
DSC = "Deserialized.Microsoft.Exchange.Data.Directory.SystemConfiguration"
MVP = "Deserialized.Microsoft.Exchange.Data.MultiValuedProperty`1"
G2 = 'CN=Tailspin Trust RSA TLS CA G2, O="Tailspin Trust Services, Inc."'


def _objs(*objs: str) -> str:
    return f'<Objs Version="1.1.0.1" {NS}>\n' + "\n".join(objs) + "\n</Objs>"


SEND = f"""  <Obj RefId="0">
    <TN RefId="0">
      <T>{DSC}.SmtpSendConnectorConfig</T>
      <T>Deserialized.System.Object</T>
    </TN>
    <ToString>Outbound to Office 365</ToString>
    <Props>
      <S N="Name">Outbound to Office 365</S>
      <S N="Comment">line one_x000D__x000A_line two _x005F_x0041_</S>
      <S N="TlsCertificateName">&lt;I&gt;{G2}&lt;S&gt;CN=mail.contoso.com</S>
      <Obj N="SmartHosts" RefId="1">
        <TN RefId="1"><T>{MVP}[[Microsoft.Exchange.Data.SmartHost]]</T></TN>
        <LST><S>contoso-com.mail.protection.outlook.com</S></LST>
      </Obj>
      <Obj N="AddressSpaces" RefId="2">
        <TNRef RefId="1" />
        <LST><S>SMTP:*;1</S></LST>
      </Obj>
      <B N="RequireTLS">true</B>
      <Obj N="TlsAuthLevel" RefId="3">
        <TN RefId="2">
          <T>Deserialized.Microsoft.Exchange.Data.TlsAuthLevel</T><T>Deserialized.System.Enum</T>
        </TN>
        <ToString>CertificateValidation</ToString>
        <I32>2</I32>
      </Obj>
      <Ref N="SourceTransportServers" RefId="1" />
    </Props>
  </Obj>"""


def test_send_connector_escapes_enum_objects_and_references():
    doc = doc_from_text(_objs(SEND), "sc.xml", "utf-16")
    assert clixml.sniff(doc)
    root = clixml.read_tree(doc.text(), "sc.xml")
    (obj,) = clixml.objects_from_tree(root, "sc.xml", doc.text().split("\n"))
    assert obj.get("Comment").value == "line one\r\nline two _x0041_"
    assert obj.get("SourceTransportServers").value == ("contoso-com.mail.protection.outlook.com",)
    assert obj.type_names[0].endswith("SmtpSendConnectorConfig")
    (sc,) = clixml.parse(doc).facts
    assert sc.tls_certificate_name_form == "issuer_subject"
    assert sc.tls_cert_issuer == G2
    assert sc.tls_cert_cn == "mail.contoso.com"
    assert sc.tls_auth_level == "CertificateValidation"
    assert sc.smart_host_kind == "eop_tenant"
    assert sc.address_spaces == ("SMTP:*;1",)
    assert sc.provenance.line == 9


def test_type_names_decide_even_for_a_property_subset():
    obj = f"""  <Obj RefId="0">
    <TN RefId="0"><T>{DSC}.TenantInboundConnector</T></TN>
    <MS><S N="Name">Subset</S><B N="Enabled">false</B></MS>
  </Obj>
  <Obj RefId="1">
    <TNRef RefId="0" />
    <MS>
      <S N="Name">Second</S>
      <Obj N="ConnectorType" RefId="2"><ToString>Partner</ToString><I32>2</I32></Obj>
    </MS>
  </Obj>"""
    facts = parse_with(clixml, doc_from_text(_objs(obj))).facts
    assert [(f.KIND, f.name) for f in facts] == [
        ("inbound_connector", "Subset"),
        ("inbound_connector", "Second"),
    ]
    assert facts[0].enabled is False
    assert facts[1].connector_type == "Partner"


def test_datetime_offsets_become_utc():
    obj = """  <Obj RefId="0">
    <TN RefId="0">
      <T>Deserialized.Microsoft.Exchange.Management.SystemConfigurationTasks.ExchangeCertificate</T>
    </TN>
    <Props>
      <S N="Thumbprint">F13EA69EB8D27B0D2A8947D5BCC472E6B2724B29</S>
      <S N="Subject">CN=mail.contoso.com</S>
      <DT N="NotAfter">2026-12-05T15:59:59-08:00</DT>
      <DT N="NotBefore">2025-12-05T16:00:00.1234567-08:00</DT>
      <Obj N="Services" RefId="1"><ToString>IIS, SMTP</ToString><I32>24</I32></Obj>
      <Obj N="CertificateDomains" RefId="2"><LST><S>mail.contoso.com</S></LST></Obj>
    </Props>
  </Obj>"""
    (cert,) = parse_with(clixml, doc_from_text(_objs(obj))).facts
    assert cert.not_after == "2026-12-05T23:59:59Z"
    assert cert.not_before == "2025-12-06T00:00:00Z"
    assert cert.services == ("IIS", "SMTP")


@pytest.mark.parametrize(
    "text",
    [
        '<?xml version="1.0"?>\n<!DOCTYPE Objs [<!ENTITY a "x">]>\n<Objs '
        + NS
        + '><Obj><MS><S N="Name">&a;</S></MS></Obj></Objs>',
        '<!DOCTYPE Objs SYSTEM "file:///etc/passwd">\n<Objs ' + NS + " />",
        '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>\n<Objs '
        + NS
        + ">&lol2;</Objs>",
    ],
)
def test_doctype_and_entities_are_refused(text: str):
    with pytest.raises(EvidenceError) as err:
        clixml.parse(doc_from_text(text, "evil.xml"))
    assert err.value.path == "evil.xml"
    assert "DOCTYPE" in err.value.message


def test_malformed_xml_names_the_line():
    text = _objs(SEND).replace("</Props>", "</Prop>")
    with pytest.raises(EvidenceError) as err:
        clixml.parse(doc_from_text(text, "bad.xml"))
    assert err.value.line == 29
    assert err.value.message.startswith("not well-formed XML")


def test_not_clixml_root_is_an_evidence_error_and_not_sniffed():
    doc = doc_from_text("<root><a/></root>")
    assert clixml.sniff(doc) is False
    with pytest.raises(EvidenceError):
        clixml.parse(doc)


def test_xml_declaration_naming_utf16_is_accepted_once_decoded():
    text = '<?xml version="1.0" encoding="utf-16"?>\n' + _objs(SEND)
    facts = parse_with(clixml, doc_from_text(text, encoding="utf-16")).facts
    assert by_name(facts, "Outbound to Office 365").provenance.line == 10
