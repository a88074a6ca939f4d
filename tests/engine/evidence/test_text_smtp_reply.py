"""smtp_reply: the reply shapes admins meet, parsed into code, status, ATTR, host and tokens."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from relaydoctor.engine.evidence.symptoms import smtp_reply
from relaydoctor.engine.evidence.symptoms.smtp_reply import find_replies, parse_reply, tls_failure_code

EOP = "AM6EUR05FT012.eop-EUR05.prod.protection.outlook.com"


@pytest.mark.parametrize(
    ("text", "basic", "status", "reply_text"),
    [
        (f"550 5.7.64 TenantAttribution; Relay Access Denied [{EOP}]", "550", "5.7.64",
         f"550 5.7.64 TenantAttribution; Relay Access Denied [{EOP}]"),
        ("550 5.7.64 TenantAttribution: Relay Access Denied SMTP.", "550", "5.7.64",
         "550 5.7.64 TenantAttribution: Relay Access Denied SMTP."),
        (f"Remote Server returned '550 5.7.64 TenantAttribution; Relay Access Denied [{EOP}]'",
         "550", "5.7.64", f"550 5.7.64 TenantAttribution; Relay Access Denied [{EOP}]"),
        (f"X.mail.protection.outlook.com #550 5.7.64 TenantAttribution; Relay Access Denied [{EOP}] ##",
         "550", "5.7.64", f"550 5.7.64 TenantAttribution; Relay Access Denied [{EOP}]"),
        (f"smtplib.SMTPRecipientsRefused: {{'a@fabrikam.com': (550, b'5.7.64 TenantAttribution; "
         f"Relay Access Denied [{EOP}]')}}", "550", "5.7.64",
         f"550 5.7.64 TenantAttribution; Relay Access Denied [{EOP}]"),
        ("550-5.7.64 first line", "550", "5.7.64", "550-5.7.64 first line"),
        ("smtp;550 5.7.64 TenantAttribution", "550", "5.7.64", "550 5.7.64 TenantAttribution"),
        (f"550+5.7.64+TenantAttribution;+Relay+Access+Denied+[{EOP}]", "550", "5.7.64",
         f"550 5.7.64 TenantAttribution; Relay Access Denied [{EOP}]"),
        ("535 5.7.3 Authentication unsuccessful [BN9PR03CA0123.namprd03.prod.outlook.com]", "535", "5.7.3",
         "535 5.7.3 Authentication unsuccessful [BN9PR03CA0123.namprd03.prod.outlook.com]"),
        ("454 4.7.5 The certificate specified in TlsCertificateName could not be found.",
         "454", "4.7.5", "454 4.7.5 The certificate specified in TlsCertificateName could not be found."),
        ("Remote Server returned '< #4.4.7 smtp;550 4.4.7 QUEUE.Expired; message expired>'", "550", "4.4.7",
         "550 4.4.7 QUEUE.Expired; message expired"),
        ("x@y.com: host z said: 550 5.7.64 TenantAttribution (in reply to RCPT TO command)", "550", "5.7.64",
         "550 5.7.64 TenantAttribution"),
    ],
)
def test_single_reply_shapes(text: str, basic: str, status: str, reply_text: str) -> None:
    (reply,) = find_replies(text)
    assert (reply.reply_code, reply.status_code, reply.text) == (basic, status, reply_text)


def test_bracket_host_forms() -> None:
    plain = parse_reply(f"550 5.7.64 TenantAttribution; Relay Access Denied [{EOP}]")
    stamped = parse_reply(
        "550 5.7.51 TenantInboundAttribution; There is a partner connector configured "
        "[BN8NAM12FT012.eop-nam12.prod.protection.outlook.com 2026-11-20T08:41:07.123Z 08DE1A2B3C4D5E6F]"
    )
    named = parse_reply("451 4.7.500 Server busy [Hostname=BY5PR01MB1234.namprd01.prod.outlook.com]")
    ip_only = parse_reply("550 5.7.606 Access denied, banned sending IP [203.0.113.25]")
    assert plain.host == EOP.lower()
    assert stamped.host == "bn8nam12ft012.eop-nam12.prod.protection.outlook.com"
    assert "TenantInboundAttribution" in stamped.tokens
    assert named.host == "by5pr01mb1234.namprd01.prod.outlook.com"
    assert ip_only.host is None


def test_attr_tokens_and_transience() -> None:
    attr36 = parse_reply("550 5.7.64 Relay Access Denied ATTR36. For more details please refer to KB 3169958")
    attr35 = parse_reply(
        "451 4.4.62 Mail sent to the wrong Office 365 region. ATTR35. "
        "[x.eop-nam10.prod.protection.outlook.com]"
    )
    assert attr36.attr == "ATTR36" and not attr36.transient
    assert attr35.attr == "ATTR35" and attr35.transient
    assert attr35.tokens == ("ATTR35", "wrong Office 365 region")


def test_nested_replies_both_reported_and_the_outer_keeps_the_inner() -> None:
    outer, inner = find_replies(
        '451 4.4.0 Primary target IP address responded with: "421 4.4.1 Connection timed out." '
        "Attempted failover to alternate host, but that did not succeed."
    )
    assert (outer.status_code, inner.status_code) == ("4.4.0", "4.4.1")
    assert "421 4.4.1 Connection timed out." in outer.text and outer.text.endswith("did not succeed.")
    assert inner.text == "421 4.4.1 Connection timed out."
    led_outer, led_inner = find_replies(
        "451 4.4.395 Target host responded with error. -> 421 4.4.1 Connection timed out"
    )
    assert led_outer.text.endswith("-> 421 4.4.1 Connection timed out")
    assert led_inner.text == "421 4.4.1 Connection timed out"
    cert, starttls = find_replies(
        "450 4.4.317 Cannot connect to remote server [Message=451 5.7.3 STARTTLS is required to send mail]"
    )
    assert cert.text.endswith("[Message=451 5.7.3 STARTTLS is required to send mail]")
    assert starttls.text == "451 5.7.3 STARTTLS is required to send mail"


def test_dotnet_exception_bare_status_then_basic_code() -> None:
    first, second = find_replies(
        "System.Net.Mail.SmtpException: The SMTP server requires a secure connection or the client was not "
        "authenticated. The server response was: 5.7.57 Client not authenticated to send mail. "
        "Error: 535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant."
    )
    assert (first.reply_code, first.status_code) == (None, "5.7.57")
    assert (second.reply_code, second.status_code) == ("535", "5.7.139")
    assert "SmtpClientAuthentication is disabled" in second.tokens


def test_replies_on_separate_lines_stay_separate() -> None:
    a, b = find_replies("returned '400 4.4.7 Message delayed'\nreturned '451 4.4.62 wrong region. ATTR35.'")
    assert a.text == "400 4.4.7 Message delayed" and b.text == "451 4.4.62 wrong region. ATTR35."
    assert b.start > a.start


@pytest.mark.parametrize(
    "text",
    [
        "Outlook 16.0.5.7 and build 15.2.2562.17",
        "client 10.20.0.15 and 203.0.113.25 and 40.107.3.17",
        "on 24.11.2026 at 4.4.2026",
        "version 5.7.6412",
        "status 5.8.1 is not RFC 3463",
        "x5.7.64",
    ],
)
def test_numbers_that_are_not_statuses(text: str) -> None:
    assert find_replies(text) == []


def test_tls_failure_code() -> None:
    failed = "TLS negotiation failed with error UnknownCredentials"
    assert tls_failure_code(failed) == "tls:UnknownCredentials"
    assert tls_failure_code("*,,TLS negotiation failed with error NoCredentials") == "tls:NoCredentials"
    assert tls_failure_code("TLS negotiation succeeded") is None


def test_a_device_that_only_says_ssl_negotiation_failed_is_a_handshake_failure() -> None:
    # Ricoh/Kyocera/Xerox scan-to-email status text: no reply code at all
    assert tls_failure_code("Cannot connect to SMTP server. SSL negotiation failed.") == "tls:handshake"
    assert tls_failure_code("SSL handshake failed") == "tls:handshake"
    exchange = "TLS negotiation failed with error UnknownCredentials"
    assert tls_failure_code(exchange) == "tls:UnknownCredentials"
    assert tls_failure_code("negotiation of SSL failed") is None


def test_a_message_trace_inner_reply_ends_at_its_bracket() -> None:
    """'[Message=451 5.7.3 …]': the inner reply is what the bracket holds, not the fields after it."""
    text = ("LED=450 4.4.317 Cannot connect to remote server [Message=451 5.7.3 STARTTLS is required to "
            "send mail] [LastAttemptedServerName=mail.contoso.com] "
            "[AM5EUR02FT011.eop-EUR02.prod.protection.outlook.com]")
    outer, inner = find_replies(text)
    assert outer.status_code == "4.4.317" and "[Message=451 5.7.3" in outer.text
    assert inner.text == "451 5.7.3 STARTTLS is required to send mail"


# The recogniser's two scans, rewritten for speed (the lookbehind after the first character, so that
# re scans for the character set), must find what the patterns as first written found.
_FIRST_BASIC = re.compile(
    r"(?:(?<![\w.:/\\$%-])|(?<=\\n))(?P<basic>[2345][0-5]\d)(?P<sep>[ \-])(?=\s?[A-Za-z<\[(])"
)
_REPLY_PIECES = st.sampled_from([
    "550", "250", "354", "421", "5.7.64", "4.4.0", "2.6.0", "5.7.1", "5", "2", "4", "3", "0", "9", ".", "-",
    " ", "+", "#", ",", "'", '"', "‘", "b'", "\\n", "\n", "\\", "/", ":", "$", "%", "x", "A", "(", "[", "<",
    "٣", "_", "550 x", "5.7.64 x",
])
# every character the lookbehinds name, and none, before a code and a status
_BEFORE = [f"{c}{r}" for c in ("", "x", "٣", "_", "1", ".", ":", "/", "\\", "$", "%", "-", " ", "\\n", "\n")
           for r in ("550 x", "550-x", "5.7.64 x", "550 5.7.64 x", "250 2.6.0 <4277@x> [Id=4277] Queued")]


@settings(deadline=None)
@example(text="".join(_BEFORE))
@example(text=" ".join(_BEFORE))
@given(text=st.one_of(st.lists(_REPLY_PIECES, max_size=30).map("".join), st.text(max_size=40)))
def test_the_fast_reply_scans_find_what_the_first_patterns_found(text: str) -> None:
    def spans(found):
        return [(m.span(), m.groupdict()) for m in found]

    assert spans(smtp_reply._BASIC.finditer(text)) == spans(_FIRST_BASIC.finditer(text))
    assert spans(smtp_reply._enhanced_matches(text)) == spans(smtp_reply._REPLY.finditer(text))
