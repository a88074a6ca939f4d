"""Windows event exports (XML, text, CSV, Get-WinEvent CliXML) read from the fixtures, in five
label languages, with bad input giving one located warning each and the rest still read."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from relaydoctor.engine.evidence.loader import load_evidence
from relaydoctor.engine.facts import WindowsEvent

FIX = Path(__file__).resolve().parents[3] / "fixtures" / "windows"
THUMB = "F13EA69EB8D27B0D2A8947D5BCC472E6B2724B29"


def events(*names: str):
    ev = load_evidence([str(FIX / n) for n in names])
    return [f for f in ev.facts if isinstance(f, WindowsEvent)], ev


def test_capi2_xml_chain_errors_thumbprint_and_process():
    found, ev = events("capi2-chain-errors.wevtutil.xml")
    by = {(f.event_id, f.error_code): f for f in found}
    partial = by[(11, "800B010A")]
    assert (partial.chain_error, partial.thumbprint) == ("incomplete_chain", THUMB)
    assert partial.process == "lsass.exe"
    assert partial.subject_cn == "mail.contoso.com" and partial.category == "chain_error"
    assert (partial.computer, partial.scope) == ("exch01.contoso.com", "server")
    assert partial.scope_id == "exch01.contoso.com"
    assert partial.time == "2026-11-20T08:41:18Z" and partial.level == "error"
    assert partial.provenance.source.endswith("capi2-chain-errors.wevtutil.xml")
    assert partial.provenance.line == 1
    assert by[(30, "800B0109")].chain_error == "untrusted_root"
    offline = by[(11, "80092013")]
    assert offline.chain_error == "revocation_offline" and offline.process == "w3wp.exe"
    assert not ev.warnings


def test_truncated_event_xml_reads_the_rest_with_one_located_warning():
    found, ev = events("capi2-truncated.xml")
    assert [(f.event_id, f.chain_error) for f in found] == [(30, "untrusted_root")]
    assert len(ev.warnings) == 1
    assert "capi2-truncated.xml:4: truncated event" in ev.warnings[0]


@pytest.mark.parametrize("lang", ["en", "de", "fr", "it", "es"])
def test_event_viewer_text_in_five_languages(lang):
    found, ev = events(f"transport-12014.{lang}.txt")
    transport = next(f for f in found if f.event_id == 12014)
    assert transport.language == lang
    assert transport.source_family == "exchange_transport" and transport.category == "certificate_not_found"
    assert transport.connector == "Outbound to Office 365" and transport.fqdn == "mail.contoso.com"
    assert transport.certificate_name.startswith("<I>CN=Tailspin Trust RSA TLS CA G2")
    assert transport.certificate_name.endswith("<S>CN=mail.contoso.com")
    assert transport.level == "error" and transport.time == "2026-11-20T09:41:19"
    assert transport.computer == "exch01.contoso.com" and transport.provenance.line == 1
    capi = next(f for f in found if f.event_id == 30)
    assert capi.chain_error is None  # a text export drops the details …
    assert any(":13: CAPI2 event 30 without its result code" in w and "/f:xml" in w for w in ev.warnings)


def test_copy_details_with_event_xml_keeps_the_result():
    found, _ = events("capi2-30.copy-details.en.txt")
    assert [(f.event_id, f.chain_error, f.thumbprint) for f in found] == [(30, "untrusted_root", THUMB)]


def test_wevtutil_text_schannel_and_auth_failures():
    found, ev = events("system-schannel.wevtutil.txt")
    by = {f.event_id: f for f in found}
    assert (by[36887].category, by[36887].tls_alert) == ("tls_alert", 48)
    assert by[36874].category == "cipher_mismatch"
    auth = by[1035]
    assert (auth.category, auth.tls_error, auth.connector, auth.client_ip) == (
        "auth_failed", "LogonDenied", "Client Frontend EXCH01", "192.0.2.44"
    )
    assert [by[i].provenance.line for i in (36887, 36874, 1035)] == [1, 16, 31]
    assert not ev.warnings


def test_event_viewer_csv_english_and_italian():
    found, ev = events("application.eventviewer.en.csv", "application.eventviewer.it.csv")
    en = [f for f in found if f.provenance.source.endswith("en.csv")]
    assert [(f.event_id, f.category) for f in en] == [(12014, "certificate_not_found"), (36888, "tls_alert")]
    assert en[1].tls_alert == 10 and en[0].time == "2026-11-20T09:41:19"
    it = [f for f in found if f.provenance.source.endswith("it.csv")]
    assert {f.language for f in it} == {"it"} and it[0].connector == "Outbound to Office 365"
    assert it[1].level == "warning" and it[1].category == "other"
    assert [w for w in ev.warnings if "it.csv:3:" in w and "holds no message text" in w]


def test_binary_evtx_in_a_folder_is_skipped_with_how_to_export(tmp_path):
    shutil.copy(FIX / "Application.evtx", tmp_path / "Application.evtx")
    (tmp_path / "notes.txt").write_text("call back the printer vendor on Monday\n")
    ev = load_evidence([str(tmp_path)])
    skipped = {Path(s.source).name: s.skipped_reason for s in ev.sources if s.skipped_reason}
    assert "wevtutil qe" in skipped["Application.evtx"] and "/f:RenderedXml" in skipped["Application.evtx"]
    assert not ev.facts


def test_unknown_label_language_gives_one_warning_per_event(tmp_path):
    text = "".join(
        f"Event[{i}]:\r\n  Имя журнала: Application\r\n  Источник: MSExchangeTransport\r\n"
        f"  Дата: 2026-11-20T09:41:19.000\r\n  Код события: 12014\r\n  Уровень: Ошибка\r\n"
        f"  Компьютер: EXCH01.contoso.com\r\n  Описание: \r\nx\r\n\r\n"
        for i in range(2)
    )
    path = tmp_path / "events-ru.txt"
    path.write_text(text, encoding="utf-8")
    ev = load_evidence([str(tmp_path)])
    lang = [w for w in ev.warnings if "language relaydoctor does not read" in w]
    assert [w.split(": ")[0] for w in lang] == [f"{path}:1", f"{path}:11"]
    assert not ev.facts


def test_get_winevent_clixml_and_half_of_one():
    found, ev = events("Get-WinEvent.clixml.xml")
    capi = next(f for f in found if f.event_id == 30)
    assert (capi.origin, capi.chain_error, capi.thumbprint) == ("cmdlet", "untrusted_root", THUMB)
    assert capi.time == "2026-11-20T08:41:18Z" and capi.scope_id == "exch01.contoso.com"
    transport = next(f for f in found if f.event_id == 12014)
    assert transport.certificate_name == "mail.contoso.com"
    assert transport.connector == "Outbound to Office 365"
    half, ev = events("Get-WinEvent.half.clixml.xml")
    assert [f.event_id for f in half] == [30]
    assert len(ev.warnings) == 1 and "Get-WinEvent.half.clixml.xml:" in ev.warnings[0]
    assert "cut short" in ev.warnings[0]
