"""ndr.py reads a report with plain type headers under the email package's ``compat32`` policy
(start-up latency, issue 11) and anything else under ``policy.default``: both readings must give
the same facts, detail and errors. Each input here is parsed both ways (the fast one refused by
patching ``_plain_message``) and compared: the samples, generated report shapes, headers that
send a report to ``policy.default`` (encoded words, comments, escapes, RFC 2231), and damaged or
shuffled reports."""

from __future__ import annotations

import base64
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from relaydoctor.engine.errors import RelaydoctorError
from relaydoctor.engine.evidence.base import Document
from relaydoctor.engine.evidence.symptoms import ndr
from samplepath import SAMPLES as SAMPLE_DIR
from test_ndr_fuzz import damage

SAMPLE_EMLS = sorted((SAMPLE_DIR / "ndr").glob("*.eml")) if (SAMPLE_DIR / "ndr").is_dir() else []
REPLY = ("550 5.7.64 TenantAttribution; Relay Access Denied "
         "[AM6EUR05FT012.eop-EUR05.prod.protection.outlook.com]")


def _outcome(data: bytes):
    doc = Document("r.eml", len(data), data[:65536], lambda: io.BytesIO(data))
    try:
        result = ndr.parse(doc)
    except RelaydoctorError as exc:
        return "error", str(exc)
    return result.facts, result.detail, result.warnings


def both(data: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object, bool]:
    """(fast outcome, policy.default outcome, whether the fast reading was taken)."""
    text = Document("r.eml", len(data), data[:65536], lambda: io.BytesIO(data)).text()
    fast_taken = ndr._is_eml(text[:65536]) and ndr._plain_message(text) is not None
    fast = _outcome(data)
    with monkeypatch.context() as m:
        m.setattr(ndr, "_plain_message", lambda _text: None)
        default = _outcome(data)
    return fast, default, fast_taken


def report(ctype_extra: str = "", text_headers: str = "Content-Type: text/plain; charset=utf-8\r\n",
           text: str = f"Remote Server returned '{REPLY}'\r\n", dsn_fields: str = "",
           date: str = "Fri, 20 Nov 2026 00:41:20 -0800") -> bytes:
    return (
        "Received: from EXCH01.corp.contoso.com\r\nFrom: <MicrosoftExchange@contoso.com>\r\n"
        f"Date: {date}\r\nSubject: Undeliverable: test\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=delivery-status;\r\n"
        f"\tboundary=\"B\"{ctype_extra}\r\n\r\n"
        f"--B\r\n{text_headers}\r\n{text}\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns;EXCH01.corp.contoso.com\r\n\r\n"
        "Final-Recipient: rfc822;a@fabrikam.com\r\nAction: failed\r\nStatus: 5.7.64\r\n"
        f"Remote-MTA: dns;AM6EUR05FT012.mail.protection.outlook.com\r\n{dsn_fields}"
        f"Diagnostic-Code: smtp;{REPLY}\r\n\r\n--B--\r\n"
    ).encode()


@pytest.mark.parametrize("path", SAMPLE_EMLS, ids=lambda p: p.name)
def test_the_samples_are_read_the_fast_way_with_the_same_facts(path, monkeypatch) -> None:
    fast, default, taken = both(path.read_bytes(), monkeypatch)
    assert taken and fast == default and fast[0]


@pytest.mark.parametrize(("name", "data", "fast_expected"), [
    ("plain", report(), True),
    ("utf-16", b"\xff\xfe" + report().decode().encode("utf-16-le"), True),
    ("base64 text", report(text_headers="Content-Type: text/plain; charset=\"utf-8\"\r\n"
                           "Content-Transfer-Encoding: base64\r\n",
                           text=base64.encodebytes(f"Remote Server returned '{REPLY}'\n".encode()).decode()),
     True),
    ("quoted-printable", report(text_headers="Content-Type: text/plain; charset=iso-8859-1\r\n"
                                "Content-Transfer-Encoding: quoted-printable\r\n",
                                text=f"Remote Server returned '{REPLY[:40]}=\r\n{REPLY[40:]}' =E9\r\n"),
     True),
    ("unknown charset", report(text_headers="Content-Type: text/plain; charset=x-nonesuch\r\n"), True),
    ("html only", report(text_headers="Content-Type: text/html\r\n",
                         text=f"<p>Remote Server returned &#39;{REPLY}&#39;</p>"), True),
    ("naive date", report(date="Fri, 20 Nov 2026 00:41:20 -0000"), True),
    ("bad date", report(date="the 20th of November"), True),
    ("empty date", report(date=""), True),
    ("folded date", report(date="Fri, 20 Nov 2026\r\n 00:41:20 +0130"), True),
    ("two-digit year", report(date="Fri, 20 Nov 26 00:41:20 EST"), True),
    ("encoded word in the DSN", report(dsn_fields="Last-Attempt-Date: =?utf-8?q?Fri=2C_20_Nov_2026?=\r\n"
                                       "X-Note: x\r\n"), True),
    ("encoded word in a DSN reply", report().replace(b"Diagnostic-Code: smtp;",
                                                     b"Diagnostic-Code: =?utf-8?b?c210cDs=?= "), True),
    ("encoded word in the type", report(ctype_extra="; x=\"=?utf-8?q?a?=\""), False),
    ("comment in the type", report(ctype_extra=" (a comment)"), False),
    ("escape in a boundary", report().replace(b'boundary="B"', b'boundary="\\B"'), False),
    ("unclosed quote", report().replace(b'boundary="B"', b'boundary="B'), False),
    ("rfc 2231", report(ctype_extra="; title*=us-ascii'en'x"), False),
    ("odd transfer encoding", report(text_headers="Content-Type: text/plain\r\n"
                                     "Content-Transfer-Encoding: base64 (really)\r\n"), False),
])
def test_generated_shapes(name: str, data: bytes, fast_expected: bool, monkeypatch) -> None:
    fast, default, taken = both(data, monkeypatch)
    assert taken == fast_expected
    assert fast == default


SEEDS = [p.read_bytes() for p in SAMPLE_EMLS] + [report()]
PIECES = [
    "Content-Type: multipart/report; boundary=B", "Content-Type: multipart/mixed; boundary=\"B\"",
    "MIME-Version: 1.0", "--B", "--B--", "", "Content-Type: message/delivery-status",
    "Content-Type: message/rfc822", "Content-Transfer-Encoding: quoted-printable",
    "Content-Transfer-Encoding: base64", "Content-Transfer-Encoding: 7bit", "Status: 5.7.64",
    "Diagnostic-Code: smtp;550 5.7.64 x [h.example.com]", "Diagnostic-Code: =?utf-8?q?550_5.7.64_x?=",
    "Remote Server returned '550 5.7.64 x'", "Generating server: EXCH01", "Final-Recipient: rfc822;a@b.c",
    "Content-Type: text/plain", "Content-Type: text/plain; charset=utf-16", "Content-Type: text/html",
    "=3D=", "Last-Attempt-Date: garbage", "Last-Attempt-Date: Fri, 20 Nov 2026 09:10:11 +0100",
    "Date: Fri, 20 Nov 2026 00:41:20 -0800", "Date: 99 Nov 99 99:99:99 +9999", "\tcontinued",
    "Reporting-MTA: dns;x.example.com", "Remote-MTA: dns;[10.0.0.1]", "QUJD", "Content-Type:",
]


@given(st.sampled_from(SEEDS), st.data())
def test_damaged_reports_read_the_same_both_ways(seed: bytes, data: st.DataObject) -> None:
    _same(damage(seed, data, b"\r\n\t:;=-'\"()\\<>[]#?*%0123456789 \x00\xff"))


@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_shuffled_structures_read_the_same_both_ways(lines: list[str]) -> None:
    _same("\r\n".join(["Received: x", "Content-Type: multipart/report; boundary=B", "", *lines]).encode())


def _same(data: bytes) -> None:
    with pytest.MonkeyPatch.context() as m:
        fast, default, _ = both(data, m)
    assert fast == default
