"""--redact leaks nothing: every sample and fixture, every format, under an identifying path.

The secrets are gathered from the unredacted report's facts by field (names, addresses,
thumbprints, serials, connectors) and from the path the evidence sits under; none may appear in
any redacted rendering. A second test renames the organisation to TLDs no list knows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import re
import shutil
from pathlib import Path

import pytest
from relaydoctor.engine.api import diagnose
from relaydoctor.engine.facts import InboundConnector, OutboundConnector, ReceiveConnector, SendConnector
from relaydoctor.engine.report import redact_report, render
from samplepath import SAMPLES as SAMPLE_DIR

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
REPO = Path(__file__).resolve().parents[2]
SAMPLES = SAMPLE_DIR
FOLDERS = [
    *(f"bundles/{b}" for b in ("attr36", "ip-changed", "renewed-certificate")),
    "certs", "cmdlets", "ndr", "send-logs",
]
FIXTURES = REPO / "tests" / "fixtures" / "collector" / "renewed-certificate"
PRIVATE = ("contoso-ticket-4711", "adm-jsmith")  # folders an admin's evidence sits under

_NAME = re.compile(r"^(?:\*\.)?(?:[a-z0-9-]+\.)+[a-z]{2,63}$", re.I)
_MICROSOFT = re.compile(
    r"(?:^|\.)(?:outlook\.com|microsoft\.com|office365\.com|microsoftonline\.com|frontbridge\.com)$", re.I
)
_DEFAULT_CONNECTOR = re.compile(r"^(?:Outbound to Office 365|Inbound from [0-9a-f-]{36})$", re.I)


def _secrets(report) -> set[str]:
    found: set[str] = set(PRIVATE)
    for fact in report.facts:
        connector = isinstance(fact, InboundConnector | OutboundConnector | SendConnector | ReceiveConnector)
        if connector and not _DEFAULT_CONNECTOR.match(fact.name):
            found.add(fact.name)
        for f in dataclasses.fields(fact):
            if f.name == "provenance" or "source" in f.name:
                continue
            value = getattr(fact, f.name)
            for item in value if isinstance(value, tuple) else (value,):
                if not isinstance(item, str) or not item:
                    continue
                item = item.strip()
                if f.name.endswith("thumbprint") or f.name == "serial":
                    found.add(item)
                elif "@" in item and _NAME.match(item.rpartition("@")[2]):
                    found.add(item)
                    found.add(item.rpartition("@")[2])
                elif _NAME.match(item) and not (_MICROSOFT.search(item) and ".mail.protection." not in item):
                    found.add(item.lstrip("*."))
                else:
                    try:
                        ip = ipaddress.ip_address(item.split("/")[0])
                    except ValueError:
                        continue
                    if not (ip.is_loopback or ip.is_unspecified):
                        found.add(str(ip))
    return {s for s in found if len(s) >= 4}


def _leaks(text: str, secrets: set[str]) -> list[str]:
    low = text.lower()
    return sorted(s for s in secrets if re.search(rf"(?<![\w.-]){re.escape(s.lower())}(?![\w-])", low))


def _copy_under_private_path(src: Path, tmp: Path) -> Path:
    dest = tmp / PRIVATE[1] / PRIVATE[0]
    shutil.copytree(src, dest)
    return dest


def _check(folder: Path) -> None:
    report = diagnose([str(folder)], now=NOW)
    secrets = _secrets(report)
    assert _leaks(render(report, "json"), secrets)  # the check can see them before redaction
    redacted = redact_report(report)
    for fmt in ("text", "markdown", "json"):
        out = render(redacted, fmt)
        assert _leaks(out, secrets) == [], fmt


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="no sample evidence (tests/fixtures/samples)")
@pytest.mark.parametrize("folder", FOLDERS)
def test_no_sample_value_or_path_survives_redaction(tmp_path: Path, folder: str):
    _check(_copy_under_private_path(SAMPLES / folder, tmp_path))


def test_no_fixture_value_or_path_survives_redaction(tmp_path: Path):
    _check(_copy_under_private_path(FIXTURES, tmp_path))


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="no sample evidence (tests/fixtures/samples)")
@pytest.mark.parametrize("tld", ["berlin", "industries", "zzzz"])
def test_names_under_unlisted_tlds_are_redacted(tmp_path: Path, tld: str):
    """The organisation's names moved to a TLD no list has: redaction goes by structure."""
    dest = _copy_under_private_path(SAMPLES / "bundles" / "renewed-certificate", tmp_path)
    for path in dest.iterdir():
        data = path.read_bytes()
        enc = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue  # a DER certificate: its names stay as they are
        if "contoso" in text:
            text = re.sub(r"contoso\.(com|net)", rf"contoso-\1.{tld}", text)
            path.write_bytes(text.encode(enc))
    report = diagnose([str(dest)], now=NOW)
    secrets = _secrets(report) | {f"contoso-com.{tld}", "contoso"}
    assert f"contoso-com.{tld}" in render(report, "text")
    assert len(_leaks(render(report, "json"), secrets)) >= 3
    for fmt in ("text", "markdown", "json"):
        assert _leaks(render(redact_report(report), fmt), secrets) == [], fmt


def test_a_value_no_parser_understood_is_redacted_where_a_warning_quotes_it(tmp_path: Path):
    """Found by the deep fuzz run: an IIS smart host value a parser could not read became no fact,
    only a warning that quotes it, and its names under an unlisted TLD leaked through --redact."""
    src = (REPO / "tests" / "fixtures" / "relays" / "adsutil-smtpsvc.txt").read_text("utf-8")
    planted = "mail.qzxplanted.berlin relay@qzxplanted.berlin "
    text = src.replace('(STRING) "contoso-com', f'(STRING) " {planted}contoso-com', 1)
    assert text != src
    (tmp_path / "smtpsvc.txt").write_text(text, "utf-8")
    report = diagnose([str(tmp_path)], now=NOW)
    assert any("qzxplanted.berlin" in n for n in report.notes), report.notes  # the warning quotes it
    redacted = redact_report(report)
    for fmt in ("text", "markdown", "json"):
        out = render(redacted, fmt)
        assert "qzxplanted" not in out.lower(), fmt
        assert "SmartHost not understood" in out  # the warning itself stays


def test_names_only_an_excerpt_shows_are_redacted(tmp_path: Path):
    """Found by the deep fuzz run: an NDR line naming a host beside the one its fact took (the
    delay line's "Remote Server at …") showed it in an evidence excerpt; under an unlisted TLD it
    survived --redact. Names in excerpts are learned too, though not their labels as words."""
    src = REPO / "tests" / "fixtures" / "samples" / "ndr" / "NDR-4.4.62-ATTR35-delay.pasted.txt"
    text = src.read_text("utf-8")
    marker = "Remote Server at mail.global.frontbridge.com "
    assert marker + "(" in text
    head, _, tail = text.rpartition(marker + "(")  # the 4.4.62 line, the one the symptom quotes
    planted = head + marker + "mail.qzxplanted.berlin relay@qzxplanted.berlin (" + tail
    (tmp_path / "ndr.txt").write_text(planted, "utf-8")
    report = diagnose([str(tmp_path)], now=NOW)
    shown = render(report, "markdown")
    assert "qzxplanted.berlin" in shown  # the excerpt carries it
    redacted = redact_report(report)
    for fmt in ("text", "markdown", "json"):
        out = render(redacted, fmt)
        assert "qzxplanted" not in out.lower(), fmt
