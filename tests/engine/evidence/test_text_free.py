"""text.py: pasted errors (--ndr, the TUI paste box, small text files) and a narrow sniff."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from relaydoctor.engine.errors import EvidenceError
from relaydoctor.engine.evidence.base import Document
from relaydoctor.engine.evidence.symptoms import text
from relaydoctor.engine.facts import Symptom

EOP = "AM6EUR05FT012.eop-EUR05.prod.protection.outlook.com"


def document(data: bytes, name: str = "error.txt") -> Document:
    return Document(name, len(data), data[:65536], lambda: io.BytesIO(data))


def one(pasted: str) -> Symptom:
    (fact,) = text.parse_text("--ndr", pasted).facts
    assert isinstance(fact, Symptom) and fact.origin == "text"
    return fact


def test_plain_reply() -> None:
    fact = one(f"550 5.7.64 TenantAttribution; Relay Access Denied [{EOP}]")
    assert (fact.code, fact.status_code, fact.reply_code) == ("5.7.64", "5.7.64", "550")
    assert fact.host == EOP.lower() and fact.direction == "relay_to_exo"
    assert fact.provenance.source == "--ndr" and fact.provenance.line == 1


def test_python_smtplib() -> None:
    fact = one(
        "Traceback (most recent call last):\n  File \"relay.py\", line 12, in <module>\n"
        f"smtplib.SMTPRecipientsRefused: {{'orders@fabrikam.com': (550, b'5.7.64 TenantAttribution; "
        f"Relay Access Denied [{EOP}]')}}\n"
    )
    assert fact.reply_code == "550" and fact.text.startswith("550 5.7.64 TenantAttribution")
    assert fact.provenance.line == 3


def test_php_mailer() -> None:
    fact = one("SMTP ERROR: RCPT TO command failed: 550 5.7.64 TenantAttribution; Relay Access Denied SMTP")
    assert fact.code == "5.7.64" and fact.text == "550 5.7.64 TenantAttribution; Relay Access Denied SMTP"


def test_dotnet_smtp_exception_gives_both_statuses() -> None:
    facts = text.parse_text(
        "paste",
        "System.Net.Mail.SmtpException: The SMTP server requires a secure connection or the client was not "
        "authenticated. The server response was: 5.7.57 Client not authenticated to send mail. "
        "[BN9PR03CA0123.namprd03.prod.outlook.com]",
    ).facts
    assert [f.code for f in facts] == ["5.7.57"]
    assert facts[0].reply_code is None and facts[0].host == "bn9pr03ca0123.namprd03.prod.outlook.com"


@pytest.mark.parametrize(
    ("pasted", "code", "transient"),
    [
        ("535 5.7.3 Authentication unsuccessful", "5.7.3", False),
        ("535 5.7.139 Authentication unsuccessful, the request did not meet the criteria", "5.7.139", False),
        ("454 4.7.5 The certificate specified in TlsCertificateName of the SendConnector could not be found.",
         "4.7.5", True),
        ("450 4.4.317 Cannot connect to remote server [Message=UntrustedRoot]", "4.4.317", True),
        ("550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain", "5.7.54", False),
        ("550 5.7.68 TenantInboundAttribution; Direct Send not allowed for this organization from "
         "unauthorized sources", "5.7.68", False),
    ],
)
def test_neighbour_codes(pasted: str, code: str, transient: bool) -> None:
    fact = one(pasted)
    assert fact.code == code and fact.transient is transient


def test_nested_451_then_421_gives_two_symptoms() -> None:
    facts = text.parse_text(
        "paste",
        '451 4.4.0 Primary target IP address responded with: "421 4.4.1 Connection timed out." Attempted '
        "failover to alternate host, but that did not succeed.",
    ).facts
    assert [(f.code, f.reply_code) for f in facts] == [("4.4.0", "451"), ("4.4.1", "421")]
    assert all(f.transient for f in facts)


def test_tls_failure_without_status_is_a_tls_code() -> None:
    fact = one("2026-09-02 *,,TLS negotiation failed with error UnknownCredentials")
    assert fact.code == "tls:UnknownCredentials"
    assert fact.status_code is None and fact.reply_code is None
    assert fact.tokens == ("UnknownCredentials",)
    assert fact.transient is False


def test_queue_last_error_in_text() -> None:
    fact = one(
        "[{LED=550 5.7.64 TenantAttribution; Relay Access Denied [" + EOP + "]};{MSG=};"
        "{FQDN=contoso-com.mail.protection.outlook.com};{IP=52.101.1.1};{LRT=11/20/2026 8:41:07 AM}]"
    )
    assert fact.code == "5.7.64"
    assert fact.remote_server == "contoso-com.mail.protection.outlook.com"
    assert fact.host == EOP.lower()
    assert fact.text.endswith(f"[{EOP}]")


def test_whole_ndr_pasted_into_ndr_option(samples: Path) -> None:
    pasted = (samples / "ndr" / "NDR-5.7.64-ATTR36.pasted.txt").read_text()
    fact = one(pasted)
    assert fact.attr == "ATTR36" and fact.recipient == "ap@fabrikam.com"
    assert fact.generating_server == "exch01.corp.contoso.com" and fact.provenance.line == 21


def test_same_reply_twice_is_one_fact() -> None:
    line = f"550 5.7.64 TenantAttribution [{EOP}]"
    facts = text.parse_text("paste", f"{line}\n\n{line}")
    assert len(facts.facts) == 1


def test_crlf_and_lone_cr_line_numbers() -> None:
    fact = one("hello\r\nworld\r\n550 5.7.64 TenantAttribution")
    assert fact.provenance.line == 3


@pytest.mark.parametrize(
    "pasted",
    ["", "it does not work", "250 2.6.0 Queued mail for delivery", "Outlook version 5.1.2 crashed"],
)
def test_nothing_to_find_is_an_evidence_error(pasted: str) -> None:
    with pytest.raises(EvidenceError, match="no SMTP error found") as err:
        text.parse_text("--ndr", pasted)
    assert err.value.path == "--ndr"


def test_sniff_takes_a_small_error_file() -> None:
    data = b"Scanner log\r\nSend failed: 550 5.7.64 TenantAttribution; Relay Access Denied\r\n"
    doc = document(data)
    assert text.sniff(doc)
    (fact,) = text.parse(doc).facts
    assert fact.provenance.source == "error.txt" and fact.provenance.line == 2


def test_sniff_takes_no_sample_file(samples: Path) -> None:
    files = [p for p in samples.rglob("*") if p.is_file()]
    assert len(files) > 60
    for path in files:
        data = path.read_bytes()
        assert not text.sniff(document(data, path.name)), path


@pytest.mark.parametrize(
    "data",
    [
        b"#Software: Microsoft Exchange Server\r\n#Fields: x\r\n"
        b"2026-11-20T08:41:07.123Z,a,<,550 5.7.64 x\r\n",
        b"2026-11-20T08:41:07.123Z,Outbound,08DE,1,,<,550 5.7.64 TenantAttribution\n" * 3,
        b'{"LastError": "550 5.7.64 TenantAttribution"}',
        b"Name        : x\nLastError   : 550 5.7.64 TenantAttribution\n",
        b"Identity   Status  LastError\n--------   ------  ---------\nq1         Retry   451 4.4.0 x\n",
        b"A : 1\nB : 2\nC : 3\nD : 4\nE : 550 5.7.64 TenantAttribution\n",
        b"\x00\x01\x02\x03550 5.7.64 TenantAttribution\x00\x00\x00\x00\x00\x00\x00\x00\x00",
        b"x" * (1024 * 1024 + 1) + b"\n550 5.7.64 TenantAttribution",
    ],
)
def test_sniff_leaves_other_shapes_alone(data: bytes) -> None:
    assert not text.sniff(document(data))
