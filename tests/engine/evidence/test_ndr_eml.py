"""ndr.py on generated .eml shapes: no DSN part, base64 text, several recipients, HTML only."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from relaydoctor.engine.errors import EvidenceError
from relaydoctor.engine.evidence.base import Document
from relaydoctor.engine.evidence.symptoms import ndr
from relaydoctor.engine.evidence.symptoms.text import parse_text

REPLY = (
    "550 5.7.64 TenantAttribution; Relay Access Denied [AM6EUR05FT012.eop-EUR05.prod.protection.outlook.com]"
)

HEAD = (
    "Received: from EXCH01.corp.contoso.com (10.20.0.15) by EXCH01.corp.contoso.com\r\n"
    "From: Microsoft Outlook <MicrosoftExchange@contoso.com>\r\n"
    "To: <ana.ruiz@contoso.com>\r\n"
    "Date: Fri, 20 Nov 2026 00:41:20 -0800\r\n"
    "Subject: Undeliverable: test\r\n"
    "MIME-Version: 1.0\r\n"
)


def document(data: bytes, name: str = "report.eml") -> Document:
    return Document(name, len(data), data[:65536], lambda: io.BytesIO(data))


def parse(data: bytes):
    doc = document(data)
    assert ndr.sniff(doc)
    return ndr.parse(doc).facts


def raw_line(data: bytes, number: int) -> str:
    return data.decode().replace("\r\n", "\n").split("\n")[number - 1]


def without_dsn(eml: str) -> str:
    """The sample with its message/delivery-status part cut out."""
    boundary = "--c0d1e2f3-a4b5-4c6d-8e7f-90a1b2c3d4e5"
    parts = eml.split(boundary)
    kept = [p for p in parts if "Content-Type: message/delivery-status" not in p]
    return boundary.join(kept)


def test_quoted_printable_text_part_points_at_its_raw_line(samples: Path) -> None:
    eml = (samples / "ndr" / "NDR-5.7.64-TenantAttribution.eml").read_bytes().decode()
    data = without_dsn(eml).encode()
    (fact,) = parse(data)
    assert fact.text == REPLY  # decoded across the soft line break inside the bracket
    assert raw_line(data, fact.provenance.line).startswith("Remote Server returned '550 5.7.64")
    assert raw_line(data, fact.provenance.line).endswith("[=")  # the QP-encoded line in the file
    assert fact.provenance.excerpt.startswith("Remote Server returned '550 5.7.64")
    assert fact.generating_server == "exch01.corp.contoso.com"
    assert fact.remote_server == "am6eur05ft012.mail.protection.outlook.com"
    assert fact.recipient == "orders@fabrikam.com"
    assert fact.seen_at == "2026-11-20T08:41:20Z"


def test_same_reply_in_dsn_and_text_is_one_fact_with_the_dsn_line(samples: Path) -> None:
    data = (samples / "ndr" / "NDR-5.7.64-TenantAttribution.eml").read_bytes()
    facts = parse(data)
    assert len(facts) == 1
    assert raw_line(data, facts[0].provenance.line).startswith("Diagnostic-Code:")


def dsn_report(groups: list[str], text: str, text_cte: str = "7bit", extra_html: str | None = None) -> bytes:
    parts = [
        "Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"B\"\r\n\r\n",
    ]
    if text:
        body = text
        if text_cte == "base64":
            import base64

            body = base64.encodebytes(text.encode()).decode().replace("\n", "\r\n")
        parts.append(
            f"--B\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: {text_cte}\r\n\r\n"
            f"{body}\r\n"
        )
    if extra_html is not None:
        parts.append(f"--B\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{extra_html}\r\n")
    if groups:
        dsn = "Reporting-MTA: dns;EXCH01.corp.contoso.com\r\n\r\n" + "\r\n".join(groups)
        parts.append(f"--B\r\nContent-Type: message/delivery-status\r\n\r\n{dsn}\r\n")
    parts.append("--B--\r\n")
    return (HEAD + "".join(parts)).encode()


def group(recipient: str, status: str, diag: str | None, last: str | None = None) -> str:
    lines = [f"Final-Recipient: rfc822;{recipient}", "Action: failed", f"Status: {status}",
             "Remote-MTA: dns;AM6EUR05FT012.mail.protection.outlook.com"]
    if diag:
        lines.append(f"Diagnostic-Code: smtp;{diag}")
    if last:
        lines.append(f"Last-Attempt-Date: {last}")
    return "\r\n".join(lines) + "\r\n"


def test_two_recipients_two_facts_each_at_its_own_line() -> None:
    data = dsn_report(
        [group("a@fabrikam.com", "5.7.64", REPLY), group("B@Fabrikam.com", "5.7.64", REPLY)],
        text="",
    )
    facts = parse(data)
    assert [f.recipient for f in facts] == ["a@fabrikam.com", "b@fabrikam.com"]
    lines = [f.provenance.line for f in facts]
    assert lines[0] < lines[1]
    assert all(raw_line(data, n).startswith("Diagnostic-Code: smtp;550 5.7.64") for n in lines)


def test_last_attempt_date_wins_over_the_report_date() -> None:
    data = dsn_report([group("a@fabrikam.com", "5.7.64", REPLY, "Fri, 20 Nov 2026 09:10:11 +0100")], text="")
    (fact,) = parse(data)
    assert fact.seen_at == "2026-11-20T08:10:11Z"


def test_status_without_diagnostic_code_takes_the_text_parts_reply() -> None:
    text = (
        "Diagnostic information for administrators:\r\n\r\nGenerating server: EXCH01.corp.contoso.com\r\n\r\n"
        f"a@fabrikam.com\r\nAM6EUR05FT012.mail.protection.outlook.com\r\nRemote Server returned '{REPLY}'\r\n"
    )
    data = dsn_report([group("a@fabrikam.com", "5.7.64", None)], text)
    (fact,) = parse(data)
    assert fact.text == REPLY and fact.reply_code == "550"
    assert raw_line(data, fact.provenance.line).startswith("Remote Server returned '550")


def test_status_alone_still_gives_a_symptom() -> None:
    data = dsn_report([group("a@fabrikam.com", "5.7.64", None)], text="")
    (fact,) = parse(data)
    assert fact.code == "5.7.64" and fact.reply_code is None and fact.text == ""
    assert raw_line(data, fact.provenance.line) == "Status: 5.7.64"
    assert fact.recipient == "a@fabrikam.com" and fact.generating_server == "exch01.corp.contoso.com"


def test_base64_text_part_points_at_the_start_of_its_body() -> None:
    text = f"Generating server: EXCH01.corp.contoso.com\n\nx@fabrikam.com\nRemote Server returned '{REPLY}'\n"
    data = dsn_report([], text, text_cte="base64")
    (fact,) = parse(data)
    assert fact.text == REPLY and fact.recipient == "x@fabrikam.com"
    body_start = fact.provenance.line
    assert raw_line(data, body_start - 1) == ""  # the blank line after the part headers
    assert re.fullmatch(r"[A-Za-z0-9+/=]+", raw_line(data, body_start))


def test_html_only_report_is_read_when_there_is_no_plain_part() -> None:
    html = (f"<p>Generating server: EXCH01.corp.contoso.com<br><br>x@fabrikam.com<br>"
            f"AM6EUR05FT012.mail.protection.outlook.com<br>Remote Server returned &#39;{REPLY}&#39;</p>")
    data = dsn_report([], "", extra_html=html)
    (fact,) = parse(data)
    assert fact.text == REPLY
    assert fact.generating_server == "exch01.corp.contoso.com"
    assert fact.remote_server == "am6eur05ft012.mail.protection.outlook.com"


def test_bounced_message_headers_are_not_symptoms() -> None:
    data = dsn_report([group("a@fabrikam.com", "5.7.64", REPLY)], text="").replace(
        b"--B--",
        b"--B\r\nContent-Type: text/rfc822-headers\r\n\r\nX-Note: 550 5.7.1 Unable to relay\r\n\r\n--B--",
    )
    assert [f.code for f in parse(data)] == ["5.7.64"]


def test_non_exchange_bounce_with_dsn() -> None:
    data = (
        b"Return-Path: <>\r\nFrom: MAILER-DAEMON@relay.contoso.com (Mail Delivery System)\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=\"X\"\r\n\r\n"
        b"--X\r\nContent-Type: text/plain\r\n\r\nThis is the mail system at host relay.contoso.com.\r\n"
        b"<ops@fabrikam.com>: host contoso-com.mail.protection.outlook.com[52.101.1.1] said:\r\n"
        b"    550 5.7.64 TenantAttribution; Relay Access Denied [X.eop-nam02.prod.protection.outlook.com]"
        b" (in reply to RCPT TO command)\r\n\r\n"
        b"--X\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; relay.contoso.com\r\n\r\n"
        b"Final-Recipient: rfc822; ops@fabrikam.com\r\nAction: failed\r\nStatus: 5.7.64\r\n"
        b"Remote-MTA: dns; contoso-com.mail.protection.outlook.com\r\n"
        b"Diagnostic-Code: smtp; 550 5.7.64 TenantAttribution; Relay Access Denied\r\n"
        b"    [X.eop-nam02.prod.protection.outlook.com]\r\n\r\n--X--\r\n"
    )
    facts = parse(data)
    assert len(facts) == 1  # the folded Diagnostic-Code and the text part's reply are the same
    (fact,) = facts
    assert fact.host == "x.eop-nam02.prod.protection.outlook.com"
    assert fact.generating_server == "relay.contoso.com"
    assert fact.recipient == "ops@fabrikam.com"
    assert raw_line(data, fact.provenance.line).startswith("Diagnostic-Code:")


@pytest.mark.parametrize(
    "head",
    [
        "From: a@b.c\nSent: Monday\nTo: x@y.z\nSubject: Undeliverable: x\n\n",  # Outlook copy, not MIME
        "",
    ],
)
def test_pasted_text_is_not_taken_for_mime(head: str) -> None:
    text = (head + "Delivery has failed to these recipients or groups:\n\nx@fabrikam.com\n\n"
            "Diagnostic information for administrators:\n\nGenerating server: EXCH01.corp.contoso.com\n\n"
            f"x@fabrikam.com\nAM6EUR05FT012.mail.protection.outlook.com\nRemote Server returned '{REPLY}'\n")
    data = text.encode()
    (fact,) = parse(data)
    assert raw_line(data, fact.provenance.line).startswith("Remote Server returned")
    assert ndr.parse(document(data)).detail.startswith("pasted delivery report")


def test_localised_pasted_ndr_german() -> None:
    text = (
        "Von: Microsoft Outlook <MicrosoftExchange@contoso.com>\n"
        "Gesendet: Dienstag, 24. November 2026 08:11\n"
        "Betreff: Unzustellbar: Rechnung\n\n"
        "Ihre Nachricht an ap@fabrikam.com konnte nicht zugestellt werden.\n\n"
        "Diagnoseinformationen für Administratoren:\n\n"
        "Generierender Server: EXCH01.corp.contoso.com\n\n"
        "ap@fabrikam.com\n"
        "AM6EUR05FT047.mail.protection.outlook.com\n"
        "Remoteserver hat '550 5.7.64 Relay Access Denied ATTR36. For more details please refer to: "
        "https://support.microsoft.com/kb/3169958 [AM6EUR05FT047.eop-EUR05.prod.protection.outlook.com]' "
        "zurückgegeben\n\n"
        "Ursprüngliche Nachrichtenkopfzeilen:\n\n"
        "Received: from ERP01 (10.20.40.17) by EXCH01 with Microsoft SMTP Server id 15.2.2562.17\n"
    )
    data = text.encode()
    (fact,) = parse(data)
    assert fact.attr == "ATTR36" and fact.code == "5.7.64"
    assert fact.text.endswith("[AM6EUR05FT047.eop-EUR05.prod.protection.outlook.com]")
    assert fact.generating_server == "exch01.corp.contoso.com"
    assert fact.remote_server == "am6eur05ft047.mail.protection.outlook.com"
    assert fact.recipient == "ap@fabrikam.com"
    assert fact.provenance.line == 13


def test_unknown_language_uses_the_line_under_the_diagnostic_heading() -> None:
    text = (
        "Diagnostické informace pro správce:\n\nServer generující zprávu: EXCH01.corp.contoso.com\n\n"
        f"x@fabrikam.com\nAM6EUR05FT012.mail.protection.outlook.com\nRemote Server returned '{REPLY}'\n"
    )
    data = text.encode()
    assert not ndr.sniff(document(data))  # one NDR line is not enough; text.py takes it
    (fact,) = ndr.parse(document(data)).facts
    assert fact.generating_server == "exch01.corp.contoso.com"
    (same,) = parse_text("pasted", text).facts
    assert same.generating_server == "exch01.corp.contoso.com" and same.origin == "text"


BOUNDS_HEAD = "Subject: Undeliverable: x\nX-MS-Exchange-Message-Is-Ndr: \n"
BOUNDS_REPLY = "Remote Server returned '550 5.7.64 TenantAttribution; Relay Access Denied'\n"


def test_a_report_the_email_packages_parser_would_take_hours_over_is_refused_at_once() -> None:
    """A type header that is not plain (a comment) sends an .eml to the email package's parser,
    whose parameter split is quadratic in the header's length and whose line reads cost the
    nesting depth each: a 200 KB header took ~25 s there, a 32 MB report hours. Past
    MAX_TYPE_HEADER / MAX_NESTING such a report is refused in one line, before that parser runs."""
    huge = (BOUNDS_HEAD + 'Content-Type: multipart/mixed (c); boundary="' + ";" * 200_000 + '"\n\n'
            + BOUNDS_REPLY)
    with pytest.raises(EvidenceError, match=r"a Content-Type header of 200,032 characters"):
        parse(huge.encode())
    deep = (BOUNDS_HEAD + "Content-Type: multipart/mixed (c); boundary=B\n\n--B\n"
            + "".join(f"Content-Type: multipart/mixed; boundary=B{i}\n\n--B{i}\n" for i in range(40))
            + "\n" + BOUNDS_REPLY)
    with pytest.raises(EvidenceError, match=r"MIME parts nested more than 16 deep"):
        parse(deep.encode())
    # within the bounds the email package still reads it (its own policy: the comment)
    shallow = deep.replace("".join(f"Content-Type: multipart/mixed; boundary=B{i}\n\n--B{i}\n"
                                   for i in range(5, 40)), "")
    assert [f.code for f in parse(shallow.encode())] == ["5.7.64"]


@pytest.mark.parametrize("ctype", ["text/plain; charset=x-unknown", "text/plain; charset=x-unknown (c)"],
                         ids=["compat32 reading", "policy.default reading"])
def test_a_charset_python_does_not_know_reads_the_text_as_utf8(ctype: str) -> None:
    """``x-unknown`` (and other names Python has no codec for) occur in real mail: the text part is
    read as UTF-8 (with replacement) instead of the whole report being refused as 'unreadable MIME
    structure: unknown encoding' and its status lost."""
    eml = (BOUNDS_HEAD + "Content-Type: multipart/report; report-type=delivery-status; boundary=B\n\n"
           f"--B\nContent-Type: {ctype}\n\nDelivery failed: caf\xe9.\n" + BOUNDS_REPLY + "--B--\n")
    assert [f.code for f in parse(eml.encode())] == ["5.7.64"]
