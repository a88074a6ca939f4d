"""Cmdlet text output from non-en-US sessions: dates parse where the text decides its order,
stay unknown with a warning where it does not, and other dates of the same file settle it."""

from __future__ import annotations

import io

import pytest
from relaydoctor.engine.evidence.base import Document
from relaydoctor.engine.evidence.cmdlets import csvexport, formatlist
from relaydoctor.engine.evidence.cmdlets.values import date_order, parse_time
from relaydoctor.engine.facts import Certificate

THUMBS = ("121A013FD6789E1E09F2493A26AD9213BF5B07C7", "F13EA69EB8D27B0D2A8947D5BCC472E6B2724B29")


def _doc(text: str, name: str = "Get-ExchangeCertificate.fl.txt") -> Document:
    data = text.encode("utf-16")  # Windows PowerShell 5.1 `>`
    return Document(name=name, size=len(data), head=data[:65536], opener=lambda: io.BytesIO(data))


def _fl(*certs: tuple[str, str, str]) -> str:
    blocks = []
    for thumb, not_before, not_after in certs:
        blocks.append(
            "\r\n".join(
                [
                    "CertificateDomains : {mail.contoso.com}",
                    "NotAfter           : " + not_after,
                    "NotBefore          : " + not_before,
                    "Services           : IIS, SMTP",
                    "Subject            : CN=mail.contoso.com",
                    "Thumbprint         : " + thumb,
                ]
            )
        )
    return "\r\n\r\n" + "\r\n\r\n".join(blocks) + "\r\n\r\n\r\n"


def _certs(text: str) -> tuple[dict[str, Certificate], list[str]]:
    doc = _doc(text)
    assert formatlist.sniff(doc)
    result = formatlist.parse(doc)
    return {f.thumbprint: f for f in result.facts if isinstance(f, Certificate)}, result.warnings


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("02.02.2028 04:22:23", "2028-02-02T04:22:23"),  # de-DE
        ("28/05/2027 14:00:00", "2027-05-28T14:00:00"),  # en-GB, fr-FR
        ("2027-05-28 14:00:00", "2027-05-28T14:00:00"),  # ISO-like (sv-SE)
        ("2027/05/28 14:00:00", "2027-05-28T14:00:00"),  # ja-JP
        ("28-5-2027 14:00:00", "2027-05-28T14:00:00"),  # nl-NL
        ("2-3-2027 14:00:00", "2027-03-02T14:00:00"),  # nl-NL: dashes are day first
        ("5/28/2027 4:59:59 PM", "2027-05-28T16:59:59"),  # en-US
        ("3/2/2027 4:59:59 PM", "2027-03-02T16:59:59"),  # en-US: AM/PM
        ("11/9/2026 13:30:00", "2026-11-09T13:30:00"),  # unpadded: the en-US M/d/yyyy shape
        ("28/5/2027 4:59:59 PM", "2027-05-28T16:59:59"),  # en-AU: a day above 12 decides
        ("03/03/2027 10:00:00", "2027-03-03T10:00:00"),  # both readings agree
    ],
)
def test_text_dates_of_other_cultures(raw: str, expected: str):
    moment = parse_time(raw)
    assert moment is not None and moment.isoformat() == expected


@pytest.mark.parametrize(
    "raw",
    [
        "02/03/2027 14:00:00",
        "12/11/2026 09:00:00",
        "31/31/2027 10:00:00",
        "13/13/2027 10:00:00",
        "29.02.2027 10:00:00",
    ],
)
def test_ambiguous_or_impossible_dates_stay_unknown(raw: str):
    assert parse_time(raw) is None


def test_a_culture_hint_settles_an_ambiguous_date():
    assert date_order("02/03/2027 14:00:00") == "ambiguous"
    assert parse_time("02/03/2027 14:00:00", order="dmy").isoformat() == "2027-03-02T14:00:00"
    assert parse_time("02/03/2027 14:00:00", order="mdy").isoformat() == "2027-02-03T14:00:00"
    assert date_order("28/05/2027 14:00:00") == "dmy" and date_order("5/28/2027 4:59:59 PM") == "mdy"
    assert date_order("2027-05-28 14:00:00") is None


def test_de_de_format_list():
    certs, warnings = _certs(_fl((THUMBS[0], "10.11.2026 01:00:00", "02.02.2028 04:22:23")))
    assert (certs[THUMBS[0]].not_before, certs[THUMBS[0]].not_after) == (
        "2026-11-10T01:00:00",
        "2028-02-02T04:22:23",
    )
    assert warnings == []


def test_ambiguous_date_alone_is_unknown_with_a_warning():
    certs, warnings = _certs(_fl((THUMBS[0], "02/03/2027 14:00:00", "04/05/2027 14:00:00")))
    cert = certs[THUMBS[0]]
    assert (cert.not_before, cert.not_after) == (None, None)
    assert len([w for w in warnings if "day/month or month/day" in w]) == 2
    assert any(
        "'04/05/2027 14:00:00'" in w and w.startswith("Get-ExchangeCertificate.fl.txt:4:") for w in warnings
    ), warnings


def test_another_date_in_the_same_file_gives_the_culture():
    certs, warnings = _certs(
        _fl(
            (THUMBS[0], "02/03/2027 14:00:00", "28/05/2027 14:00:00"),
            (THUMBS[1], "06/12/2025 01:00:00", "05/12/2026 00:59:59"),
        )
    )
    assert certs[THUMBS[0]].not_before == "2027-03-02T14:00:00"
    assert certs[THUMBS[1]].not_after == "2026-12-05T00:59:59"
    assert warnings == []


def test_conflicting_cultures_give_no_hint():
    certs, warnings = _certs(
        _fl(
            (THUMBS[0], "5/28/2026 4:00:00 PM", "28/05/2027 14:00:00"),
            (THUMBS[1], "02/03/2027 14:00:00", "04/05/2027 14:00:00"),
        )
    )
    assert certs[THUMBS[0]].not_after == "2027-05-28T14:00:00"
    assert certs[THUMBS[1]].not_before is None
    assert any("day/month or month/day" in w for w in warnings)


def test_en_gb_export_csv():
    text = (
        "#TYPE Selected.Microsoft.Exchange.Management.SystemConfigurationTasks.ExchangeCertificate\r\n"
        '"Thumbprint","Subject","NotBefore","NotAfter","Services"\r\n'
        f'"{THUMBS[0]}","CN=mail2026.contoso.net","10/11/2026 00:00:00","28/05/2027 23:59:59","SMTP"\r\n'
    )
    data = text.encode("ascii")
    doc = Document(name="certs.csv", size=len(data), head=data, opener=lambda: io.BytesIO(data))
    assert csvexport.sniff(doc)
    result = csvexport.parse(doc)
    (cert,) = [f for f in result.facts if isinstance(f, Certificate)]
    assert (cert.not_before, cert.not_after) == ("2026-11-10T00:00:00", "2027-05-28T23:59:59")
