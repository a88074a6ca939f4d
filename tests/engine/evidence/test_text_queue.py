"""queue.py: Get-Queue / Get-Message LastError values as symptoms (origin "queue")."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from relaydoctor.engine.errors import EvidenceError
from relaydoctor.engine.evidence.base import Document
from relaydoctor.engine.evidence.symptoms import queue

WIDTH = 119  # Windows PowerShell 5.1 Format-List in a 120-column console
INDENT = 25


def fl_value(label: str, value: str) -> str:
    """One Format-List property, wrapped the way PowerShell does: at a blank (which stays at the
    end of the line), or mid-word when a word does not fit."""
    lines, room = [], WIDTH - INDENT
    while len(value) > room:
        cut = value.rfind(" ", 0, room)
        cut = room if cut <= 0 else cut + 1
        lines.append(value[:cut])
        value = value[cut:]
    lines.append(value)
    first = f"{label:<{INDENT - 3}} : {lines[0]}"
    return "\r\n".join([first, *(" " * INDENT + rest for rest in lines[1:])]) + "\r\n"


TIMEOUT = (
    '451 4.4.0 Primary target IP address responded with: "421 4.4.1 Connection timed out." '
    "Attempted failover to alternate host, but that did not succeed. Either there are no alternate "
    "hosts, or delivery failed to all alternate hosts. The last endpoint attempted was 52.101.1.1:25"
)
LED = (
    "[{LED=454 4.7.5 The certificate specified in TlsCertificateName of the SendConnector "
    "could not be found.};"
    "{MSG=};{FQDN=contoso-com.mail.protection.outlook.com};{IP=52.101.1.1};{LRT=11/20/2026 8:41:07 AM}]"
)
GET_QUEUE_FL = (
    "\r\n\r\n"
    + fl_value("RunspaceId", "5c1a4e1b-6a0e-4e2b-9f3d-2c7b8d9e0f11")
    + fl_value("DeliveryType", "SmartHostConnectorDelivery")
    + fl_value("NextHopDomain", "contoso-com.mail.protection.outlook.com")
    + fl_value("TlsDomain", "mail.protection.outlook.com")
    + fl_value("Status", "Retry")
    + fl_value("MessageCount", "12")
    + fl_value("LastError", TIMEOUT)  # line 9
    + fl_value("RetryCount", "3")
    + fl_value("Identity", "EXCH01\\3")
    + "\r\n"
    + fl_value("DeliveryType", "SmartHostConnectorDelivery")
    + fl_value("NextHopDomain", "contoso-com.mail.protection.outlook.com")
    + fl_value("Status", "Retry")
    + fl_value("LastError", LED)  # line 19
    + fl_value("Identity", "EXCH01\\4")
    + "\r\n"
    + fl_value("DeliveryType", "Undefined")
    + fl_value("NextHopDomain", "submission")
    + fl_value("LastError", "")
    + fl_value("Identity", "EXCH01\\Submission")
    + "\r\n\r\n"
)


def document(data: bytes, name: str = "Get-Queue.fl.txt") -> Document:
    return Document(name, len(data), data[:65536], lambda: io.BytesIO(data))


def test_format_list_last_errors() -> None:
    doc = document(GET_QUEUE_FL.encode())
    assert queue.sniff(doc)
    result = queue.parse(doc)
    got = [(f.code, f.reply_code, f.provenance.line) for f in result.facts]
    lines = GET_QUEUE_FL.split("\r\n")
    assert max(len(line) for line in lines) <= WIDTH
    assert lines[8].startswith("LastError") and lines[18].startswith("LastError")
    assert got == [("4.4.0", "451", 9), ("4.4.1", "421", 9), ("4.7.5", "454", 19)]
    first, inner, cert = result.facts
    assert all(f.origin == "queue" for f in result.facts)
    assert first.remote_server == "contoso-com.mail.protection.outlook.com"
    assert first.text == TIMEOUT  # wrapped lines re-joined
    assert inner.text.startswith("421 4.4.1 Connection timed out.")
    assert cert.text == (
        "454 4.7.5 The certificate specified in TlsCertificateName of the SendConnector could not be found."
    )  # a word cut mid-way at column 119 is glued back together
    assert cert.remote_server == "contoso-com.mail.protection.outlook.com"
    assert cert.provenance.excerpt.startswith("LastError : [{LED=454 4.7.5")
    assert result.detail == "queue errors: 4.4.0, 4.4.1, 4.7.5"


def test_word_cut_mid_way_is_glued_back() -> None:
    host = "tenant-" + "x" * 100 + ".mail.protection.outlook.com"
    value = "[{LED=451 4.4.0 DNS query failed};{MSG=};{FQDN=" + host + "};{IP=};{LRT=11/20/2026 8:41:07 AM}]"
    record = fl_value("LastError", value)
    assert any(len(line) == WIDTH and not line.endswith(" ") for line in record.split("\r\n"))
    (fact,) = queue.parse(document(record.encode())).facts
    assert fact.remote_server == host


def test_utf16_export_as_powershell_writes_it() -> None:
    data = b"\xff\xfe" + GET_QUEUE_FL.encode("utf-16-le")
    assert [f.code for f in queue.parse(document(data)).facts] == ["4.4.0", "4.4.1", "4.7.5"]


def test_table_output_is_read_line_by_line() -> None:
    table = (
        "Identity     DeliveryType Status MessageCount Velocity LastError\r\n"
        "--------     ------------ ------ ------------ -------- ---------\r\n"
        "EXCH01\\3     SmartHost... Retry  12           0        "
        "451 4.4.0 Primary target IP address responded...\r\n"
    )
    doc = document(table.encode())
    assert queue.sniff(doc)
    (fact, *_) = queue.parse(doc).facts
    assert fact.code == "4.4.0" and fact.provenance.line == 3


def test_pasted_led_string() -> None:
    led = (
        "[{LED=550 5.7.64 TenantAttribution; Relay Access Denied [X.eop-EUR05.prod.protection.outlook.com]};"
        "{MSG=};{FQDN=contoso-com.mail.protection.outlook.com};{IP=52.101.1.1};"
        "{LRT=11/20/2026 8:41:07 AM}]"
    )
    doc = document(led.encode(), "lasterror.txt")
    assert queue.sniff(doc)
    (fact,) = queue.parse(doc).facts
    assert fact.remote_server == "contoso-com.mail.protection.outlook.com"
    assert fact.host == "x.eop-eur05.prod.protection.outlook.com"


def test_same_error_on_two_queues_is_one_fact() -> None:
    record = ("NextHopDomain : contoso-com.mail.protection.outlook.com\r\n"
              "LastError     : 451 4.4.0 DNS query failed.\r\n\r\n")
    assert len(queue.parse(document((record * 2).encode())).facts) == 1


def test_no_error_in_last_error_is_an_evidence_error() -> None:
    doc = document(b"Identity  : EXCH01\\Submission\r\nLastError : \r\n")
    assert queue.sniff(doc)
    with pytest.raises(EvidenceError, match="without an SMTP error"):
        queue.parse(doc)


def test_sniff_takes_no_sample_file(samples: Path) -> None:
    for path in (p for p in samples.rglob("*") if p.is_file()):
        data = path.read_bytes()
        assert not queue.sniff(document(data, path.name)), path
