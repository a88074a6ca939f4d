"""Export-Csv edge cases: no #TYPE, $null vs "", delimiters, bad rows."""

from __future__ import annotations

import pytest
from cmdletkit import by_name, doc_from_text, parse_with
from relaydoctor.engine.errors import EvidenceError
from relaydoctor.engine.evidence.cmdlets import csvexport

# PowerShell 7: no #TYPE line; TlsSenderCertificateName is $null on one row and "" on the other.
PS7 = (
    '"Name","Enabled","ConnectorType","SenderIPAddresses","TlsSenderCertificateName","RequireTls","WhenChangedUTC"\n'
    '"Relay A","True","OnPremises","203.0.113.25 203.0.113.26",,"False","10/14/2026 9:06:00 AM"\n'
    '"Relay B","False","OnPremises","","","True",\n'
)


def test_csv_without_type_line_null_and_empty_string():
    doc = doc_from_text(PS7, "in.csv")
    assert csvexport.sniff(doc)
    result = csvexport.parse(doc)
    a = by_name(result.facts, "Relay A")
    b = by_name(result.facts, "Relay B")
    assert a.sender_ip_addresses == ("203.0.113.25", "203.0.113.26")
    assert a.tls_sender_certificate_name is None
    assert a.auth == "ip"
    assert a.when_changed == "2026-10-14T09:06:00Z"
    assert (b.enabled, b.require_tls, b.auth, b.when_changed) == (False, True, "none", None)
    assert (a.provenance.line, b.provenance.line) == (2, 3)


def test_null_is_kept_apart_from_the_empty_string_in_the_model():
    rows = list(csvexport.records(PS7, 1, ",", "in.csv"))
    assert rows[1][4].value is None  # ,, → $null
    assert rows[2][4].value == ""  # "" → empty string


def test_a_quoted_value_spanning_lines_and_doubled_quotes():
    text = (
        "#TYPE Deserialized.Microsoft.Exchange.Data.Directory.SystemConfiguration.TenantInboundConnector\r\n"
        '"Comment","Name","TlsSenderCertificateName"\r\n'
        '"say ""hi""\r\nsecond line","Relay","MAIL.contoso.com"\r\n'
    )
    result = parse_with(csvexport, doc_from_text(text))
    (conn,) = result.facts
    assert conn.tls_sender_certificate_name == "mail.contoso.com"
    assert conn.provenance.line == 4  # the Name field starts on the record's second line
    rows = list(csvexport.records(text.split("\r\n", 1)[1], 2, ",", "x"))
    assert rows[1][0].value == 'say "hi"\nsecond line'


def test_semicolon_delimiter_from_use_culture():
    text = '"DomainName";"DomainType";"Default";"Name"\n"contoso.com";"Authoritative";"True";"contoso.com"\n'
    (dom,) = parse_with(csvexport, doc_from_text(text)).facts
    assert (dom.domain, dom.default) == ("contoso.com", True)


def test_a_row_with_the_wrong_number_of_values_names_its_line():
    text = PS7 + '"Relay C","True"\n'
    with pytest.raises(EvidenceError) as err:
        csvexport.parse(doc_from_text(text, "in.csv"))
    assert (err.value.path, err.value.line) == ("in.csv", 4)
    assert "2 values but the header has 7 columns" in err.value.message


@pytest.mark.parametrize(
    ("tail", "message"),
    [('"Relay C","True\n', "never closed"), ('"Relay C","True"OnPremises\n', "bad quoting")],
)
def test_bad_quoting_is_an_evidence_error_with_the_line(tail: str, message: str):
    with pytest.raises(EvidenceError) as err:
        csvexport.parse(doc_from_text(PS7 + tail))
    assert err.value.line == 4
    assert message in err.value.message


def test_collections_exported_as_type_names_are_incomplete():
    text = (
        '"Name","ConnectorType","SenderIPAddresses","TlsSenderCertificateName"\n'
        '"Relay","OnPremises","System.Collections.ArrayList",""\n'
        '"Relay2","OnPremises",'
        '"Microsoft.Exchange.Data.MultiValuedProperty`1[Microsoft.Exchange.Data.IPRange]",""\n'
    )
    result = parse_with(csvexport, doc_from_text(text, "x.csv"))
    assert all(f.incomplete and f.sender_ip_addresses == () for f in result.facts)
    assert [w.split(":")[1] for w in result.warnings] == ["2", "3"]


def test_send_log_csv_is_not_sniffed():
    text = (
        "#Software: Microsoft Exchange Server\n#Version: 15.02.2562.017\n#Log-type: SMTP Send Protocol Log\n"
        "#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,"
        "event,data,context\n"
    )
    assert csvexport.sniff(doc_from_text(text)) is False
