"""IIS SMTP (W3C) logs and message trace / tracking CSV exports → rejection symptoms."""

from __future__ import annotations

import codecs
import io
from pathlib import Path

import pytest
from relaydoctor.engine.errors import EvidenceError
from relaydoctor.engine.evidence.base import Document
from relaydoctor.engine.evidence.loader import load_evidence
from relaydoctor.engine.evidence.smtplog import iis as iislog
from relaydoctor.engine.evidence.symptoms import messagetrace
from relaydoctor.engine.facts import Symptom

FIELDS = ("date time c-ip cs-username s-sitename s-computername s-ip s-port cs-method cs-uri-stem "
          "cs-uri-query sc-status sc-win32-status sc-bytes cs-bytes time-taken cs-version cs-host "
          "cs(User-Agent) cs(Cookie) cs(Referer)")


def _iis_row(who: str, method: str, query: str, ip: str = "52.101.68.24", t: str = "08:41:19") -> str:
    return f"2026-11-20 {t} {ip} {who} SMTPSVC1 APP01 - 25 {method} - {query} 0 0 4 0 0 SMTP - - - -"


IIS_LOG = "\r\n".join([
    "#Software: Microsoft Internet Information Services 10.0",
    "#Version: 1.0",
    "#Date: 2026-11-20 08:41:19",
    f"#Fields: {FIELDS}",
    _iis_row("OutboundConnectionResponse", "-",
             "220+AM6EUR05FT047.mail.protection.outlook.com+Microsoft+ESMTP+MAIL+Service+ready"),
    _iis_row("OutboundConnectionCommand", "EHLO", "APP01.contoso.com"),
    _iis_row("OutboundConnectionResponse", "-",
             "250-AM6EUR05FT047.mail.protection.outlook.com+Hello+[203.0.113.9]"),
    _iis_row("OutboundConnectionCommand", "MAIL", "FROM:<scanner@contoso.com>"),
    _iis_row("OutboundConnectionResponse", "-", "250+2.1.0+Sender+OK"),
    _iis_row("OutboundConnectionCommand", "RCPT", "TO:<orders@fabrikam.com>"),
    _iis_row("OutboundConnectionResponse", "-",
             "550+5.7.64+TenantAttribution;+Relay+Access+Denied+[AM6EUR05FT047.eop-EUR05.prod.protection."
             "outlook.com]", t="08:41:20"),
    _iis_row("OutboundConnectionCommand", "RCPT", "TO:<sales@tailspintoys.com>"),
    _iis_row("OutboundConnectionResponse", "-",
             "550+5.7.64+TenantAttribution;+Relay+Access+Denied+[AM6EUR05FT012.eop-EUR05.prod.protection."
             "outlook.com]", t="08:41:21"),
    _iis_row("OutboundConnectionCommand", "QUIT", "-"),
]) + "\r\n"


def _doc(data: bytes, name: str = "ex261120.log") -> Document:
    return Document(name=name, size=len(data), head=data[:65536], opener=lambda: io.BytesIO(data))


def test_iis_outbound_rejection_becomes_one_symptom() -> None:
    doc = _doc(IIS_LOG.encode())
    assert iislog.sniff(doc) and not messagetrace.sniff(doc)
    result = iislog.parse(doc)
    (symptom,) = result.facts
    assert isinstance(symptom, Symptom)
    assert (symptom.code, symptom.reply_code, symptom.origin, symptom.direction) == (
        "5.7.64", "550", "iis_log", "relay_to_exo")
    assert symptom.text.startswith("550 5.7.64 TenantAttribution; Relay Access Denied [")
    assert symptom.recipient == "orders@fabrikam.com" and symptom.provenance.line == 11
    assert symptom.remote_server == "am6eur05ft047.mail.protection.outlook.com"
    assert symptom.generating_server == "app01" and symptom.seen_at == "2026-11-20T08:41:20Z"
    assert "2 refusals (1 distinct)" in (result.detail or "")


def test_iis_web_log_is_not_taken() -> None:
    web = (b"#Software: Microsoft Internet Information Services 10.0\r\n#Fields: date time s-ip cs-method "
           b"cs-uri-stem sc-status\r\n2026-11-20 08:00:00 10.0.0.1 GET /owa 200\r\n")
    assert not iislog.sniff(_doc(web))


def test_iis_log_in_utf16_and_via_the_loader(tmp_path: Path) -> None:
    path = tmp_path / "ex261120.log"
    path.write_bytes(codecs.BOM_UTF16_LE + IIS_LOG.encode("utf-16-le"))
    ev = load_evidence([str(path)])
    assert ev.sources[0].kind == "iis_log"
    assert [f.code for f in ev.facts if isinstance(f, Symptom)] == ["5.7.64"]


def test_iis_rows_before_fields_header_are_an_error() -> None:
    data = ("#Software: Microsoft Internet Information Services 10.0\r\n"
            + _iis_row("OutboundConnectionResponse", "-", "550+5.7.64+x") + "\r\n").encode()
    with pytest.raises(EvidenceError) as err:
        iislog.parse(_doc(data))
    assert err.value.line == 2


TRACE_CSV = (
    '#TYPE Deserialized.Microsoft.Exchange.Management.FfoReporting.MessageTrace\r\n'
    '"PSComputerName","RunspaceId","PSShowComputerName","Organization","MessageId","Received",'
    '"SenderAddress","RecipientAddress","Subject","Status","ToIP","FromIP","Size","MessageTraceId"\r\n'
    '"outlook.office365.com","d1","False","contoso.onmicrosoft.com","<a@contoso.com>","2026-11-20T08:41:19Z",'
    '"erp@contoso.net","ap@fabrikam.com","Invoice","Failed","","203.0.113.25","1200","9f3c"\r\n'
)
DETAIL_CSV = (
    '"Date","Event","Action","Detail","Data","MessageTraceId","MessageId","RecipientAddress"\r\n'
    '"11/20/2026 12:41:19 AM","Fail","","Reason: [{LED=550 5.7.64 TenantAttribution; Relay Access Denied '
    '[AM6EUR05FT012.eop-EUR05.prod.protection.outlook.com]};{MSG=};{FQDN=};{IP=};{LRT=}]. '
    'OutboundProxyTargetIP: .","x","9f3c","<a@contoso.com>","ap@fabrikam.com"\r\n'
)
TRACKING_CSV = (
    '"Timestamp","EventId","Source","MessageId","Recipients","RecipientStatus","Sender"\r\n'
    '"2026-11-20T08:41:19.000Z","FAIL","SMTP","<b@contoso.com>","orders@fabrikam.com",'
    '"[{LED=550 5.7.64 Relay Access Denied ATTR36. For more details please refer to: kb [h.outlook.com]};'
    '{MSG=};{FQDN=contoso-com.mail.protection.outlook.com};{IP=52.101.68.24};{LRT=}]","erp@contoso.net"\r\n'
)


def test_message_trace_summary_has_no_reply_text() -> None:
    doc = _doc(TRACE_CSV.encode("ascii"), "trace.csv")
    assert messagetrace.sniff(doc)
    result = messagetrace.parse(doc)
    assert result.facts == [] and "1 trace rows" in (result.detail or "")


def test_message_trace_detail_gives_the_reason() -> None:
    doc = _doc(codecs.BOM_UTF8 + DETAIL_CSV.encode(), "detail.csv")
    assert messagetrace.sniff(doc)
    (symptom,) = messagetrace.parse(doc).facts
    assert isinstance(symptom, Symptom)
    assert (symptom.code, symptom.origin, symptom.recipient, symptom.provenance.line) == (
        "5.7.64", "message_trace", "ap@fabrikam.com", 2)
    assert symptom.seen_at is None  # en-US local time: not claimed as UTC
    assert symptom.host == "am6eur05ft012.eop-eur05.prod.protection.outlook.com"


def test_message_tracking_log_led() -> None:
    doc = _doc(TRACKING_CSV.encode(), "tracking.csv")
    assert messagetrace.sniff(doc)
    (symptom,) = messagetrace.parse(doc).facts
    assert isinstance(symptom, Symptom)
    assert (symptom.attr, symptom.recipient, symptom.seen_at) == ("ATTR36", "orders@fabrikam.com",
                                                                   "2026-11-20T08:41:19Z")


def test_cmdlet_csv_of_another_kind_is_not_a_trace(samples: Path) -> None:
    path = samples / "cmdlets" / "Get-InboundConnector.csv"
    data = path.read_bytes()
    assert not messagetrace.sniff(_doc(data, path.name))
