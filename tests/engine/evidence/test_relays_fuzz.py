"""Arbitrary input into the relay and application-log readers: a result or a relaydoctor error, never
a crash; every fact they make is valid and points at a line of the input."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from relaydoctor.engine.errors import RelaydoctorError
from relaydoctor.engine.evidence.applog import appconfig
from relaydoctor.engine.evidence.applog import reader as applog
from relaydoctor.engine.evidence.base import Document
from relaydoctor.engine.evidence.relaylogs import eximconf, iismetabase, maillog, postfixconf
from relaydoctor.engine.evidence.symptoms.smtp_reply import recognise

FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
PIECES = st.sampled_from(
    [
        "Nov 20 08:41:07 relay01 postfix/smtp[2216]: ",
        "2026-11-20T09:12:02.1+00:00 app02 postfix/qmgr[9]: ",
        "4QZx1k3Hj2z9sWf: ",
        "to=<a@b.example>, ",
        "relay=",
        "x.mail.protection.outlook.com",
        "[52.101.68.24]",
        ":25",
        ", dsn=5.7.64, ",
        "status=bounced (",
        "said: ",
        "550 5.7.64 TenantAttribution",
        ")",
        "from=<>",
        "from=<a@b>",
        "Trusted TLS connection established to ",
        "SASL authentication failed; ",
        "sm-mta[1]: ",
        "STARTTLS=client, ",
        "2026-11-20 14:20:02 1vXyZa-000Abc-3D ** ",
        "H=",
        " X=TLS1.2 ",
        "A=login ",
        "SMTP error from remote mail server after RCPT TO:<a@b>: ",
        "relayhost = ",
        "[smtp.office365.com]:587",
        "smtp_tls_security_level = ",
        "encrypt",
        "smtp_tls_cert_file = ",
        "/x/y.pem",
        "myhostname = h.example",
        '<IIsSmtpServer Location ="/LM/SmtpSvc/1" ',
        'SmartHost="',
        '"',
        'RemoteSmtpPort="25"',
        ">",
        "SmartHost : (STRING) ",
        "CLIENT -> SERVER: ",
        "SERVER -> CLIENT: ",
        "S: ",
        "C: ",
        "MAIL FROM:<",
        ">",
        "530-5.7.0 ",
        "Hello [203.0.113.9]",
        "Connection: opening to ",
        "[2024-01-01 00:00:00] local.ERROR: ",
        'with message "',
        "(550, b'",
        "'",
        "\n",
        "\r\n",
        " ",
        "é",
        "\x00",
        "\ufeff",
        "\u2028",
        "{",
        "[",
        "smarthost:\n",
        "  driver = manualroute\n",
        "  driver = smtp\n",
        "  route_list = * ",
        "::",
        "  tls_certificate = ",
    ]
)
TEXTS = st.lists(PIECES, max_size=60).map("".join)


def exercise(module, data: bytes) -> None:
    doc = Document("fuzz.log", len(data), data[:65536], lambda: io.BytesIO(data))
    assert module.sniff(doc) in (True, False)
    try:
        result = module.parse(doc)
    except RelaydoctorError:
        return
    lines = data.count(b"\n") + 2
    for fact in result.facts:
        fact.to_engine()
        assert fact.provenance.source == "fuzz.log"
        assert fact.provenance.line is None or 1 <= fact.provenance.line <= lines


@FUZZ
@given(TEXTS)
def test_mail_log_reader(text: str) -> None:
    exercise(maillog, text.encode("utf-8"))


@FUZZ
@given(TEXTS)
@example("smtp_tls_cert_file = , dsn=5.7.64, ")  # a value whose first comma-separated item is empty
def test_postfix_config_reader(text: str) -> None:
    exercise(postfixconf, text.encode("utf-8"))


@FUZZ
@given(TEXTS)
def test_iis_smtp_settings_reader(text: str) -> None:
    exercise(iismetabase, text.encode("utf-8"))


@FUZZ
@given(TEXTS)
@example("r:\n  driver = manualroute\n  transport = t\n  route_list = * ::\n"
         "t:\n  driver = smtp\n  port = 99999\n")
def test_exim_config_reader(text: str) -> None:
    exercise(eximconf, text.encode("utf-8"))


@FUZZ
@given(TEXTS)
def test_application_log_reader(text: str) -> None:
    exercise(applog, text.encode("utf-8"))


@FUZZ
@given(TEXTS)
def test_application_mail_settings_reader(text: str) -> None:
    exercise(appconfig, text.encode("utf-8"))


@FUZZ
@given(st.binary(max_size=2048))
def test_readers_on_bytes(data: bytes) -> None:
    for module in (maillog, postfixconf, iismetabase, eximconf, applog, appconfig):
        exercise(module, data)


@FUZZ
@given(TEXTS)
def test_recogniser_keeps_replies_inside_the_text(text: str) -> None:
    for reply in recognise(text):
        assert 0 <= reply.start < max(len(text), 1)
        assert reply.reply_code or reply.status_code
        assert len(reply.text) <= 500
