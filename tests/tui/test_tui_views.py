"""The display models behind the screens, computed from real reports of the example bundles."""

from __future__ import annotations

import dataclasses

import pytest
from relaydoctor.engine.api import diagnose, load_packs
from relaydoctor.engine.facts import Provenance, SmtpSession
from relaydoctor.tui.views import (
    cert_rows,
    failures_per_hour,
    headline,
    ip_rows,
    missing_evidence,
    ordered_verdicts,
    short_ref,
    short_source,
    symptom_cards,
)
from relaydoctor.tui.widgets.pictures import cert_picture, cert_picture_stacked, ip_picture
from tuikit import NOW, example


@pytest.fixture(scope="module")
def reports() -> dict:
    return {
        name: diagnose([example(name)], now=NOW) for name in ("renewed-certificate", "ip-changed", "attr36")
    }


def test_verdicts_are_ordered_confirmed_first(reports) -> None:
    order = ["confirmed", "likely", "undetermined", "ruled_out"]
    for report in reports.values():
        ranks = [order.index(v.status) for v in ordered_verdicts(report)]
        assert ranks == sorted(ranks) and ranks[0] == 0


def test_certificate_picture_puts_the_mismatch_first(reports) -> None:
    rows = cert_rows(reports["renewed-certificate"])
    bad = next(r for r in rows if r.match == "mismatch")
    assert bad.names[:2] == ("mail2026.contoso.net", "autodiscover.contoso.net")
    assert bad.expected == "mail.contoso.com"
    wide = cert_picture(rows, 90).plain.splitlines()
    assert "Presented certificate" in wide[0] and "Connector expects" in wide[0]
    assert "mail2026.contoso.net" in wide[1] and "✗ mismatch" in wide[1] and "mail.contoso.com" in wide[1]
    narrow = cert_picture_stacked(rows, 40).plain.splitlines()
    assert narrow[0].startswith("Presented  mail2026.contoso.net") and "✗ mismatch" in narrow[2]
    assert all(len(line) <= 40 for line in narrow)


def test_ip_picture_shows_the_new_address_against_the_range(reports) -> None:
    rows = ip_rows(reports["ip-changed"])
    by_ip = {r.ip: r.match for r in rows}
    assert by_ip == {"198.51.100.77": "not_in_range", "203.0.113.25": "in_range"}
    text = ip_picture(rows, 90).plain
    assert "198.51.100.77" in text and "✗ not listed" in text and "203.0.113.25" in text
    assert "Contoso on-premises relay (IP)" in text


def test_failures_per_hour_from_the_send_log(reports) -> None:
    timeline = failures_per_hour(reports["renewed-certificate"])
    assert timeline.start is not None and timeline.start.hour == 7
    assert timeline.total_rejected == 3 and timeline.total_relayed == 1
    assert timeline.rejected == (0, 3)
    assert timeline.span_label == "2026-11-20 07:00–08:59Z"


def test_failures_spread_over_the_hours_an_aggregate_spans() -> None:
    base = SmtpSession(connector="c", provenance=Provenance("x.log", 1), outcome="rejected")
    facts = [
        dataclasses.replace(
            base, sessions=6, first_seen="2026-11-20T08:10:00Z", last_seen="2026-11-20T10:50:00Z"
        ),
        dataclasses.replace(
            base, sessions=1, first_seen="2026-11-20T12:00:00Z", last_seen="2026-11-20T12:00:00Z"
        ),
        dataclasses.replace(base, sessions=4, outcome="no_mail", first_seen="2026-11-20T09:00:00Z"),
    ]
    report = type("R", (), {"facts": facts})()
    timeline = failures_per_hour(report)  # type: ignore[arg-type]
    assert timeline.rejected == (2, 2, 2, 0, 1)
    assert timeline.total_rejected == 7 and timeline.total_relayed == 0


def test_symptom_cards_explain_attr36(reports) -> None:
    packs = load_packs(cached=True)
    cards = symptom_cards(reports["attr36"].facts, packs)
    attr = next(c for c in cards if "ATTR36" in c.tokens)
    assert attr.code == "5.7.64" and attr.known and attr.meaning
    note = dict(attr.token_notes)["ATTR36"]
    assert "ATTR36" in note and "accepted domain" in note


def test_missing_evidence_names_what_to_collect() -> None:
    packs = load_packs(cached=True)
    report = diagnose([example("exchange2010-ndr")], now=NOW)
    missing = missing_evidence(report, packs)
    kinds = {m.kind: m for m in missing.items}
    assert {"inbound_connector", "smtp_session"} <= set(kinds)
    assert any("Get-InboundConnector" in c for c in kinds["inbound_connector"].collect)
    assert "connector-missing" in kinds["inbound_connector"].causes
    assert missing.open_causes == sum(v.status in ("undetermined", "likely") for v in report.verdicts)


def test_nothing_missing_when_every_cause_is_decided(reports) -> None:
    assert missing_evidence(reports["renewed-certificate"], load_packs(cached=True)).items == []


def test_short_source_names_files_below_the_added_folder() -> None:
    roots = ["/data/cases/bundle"]
    assert short_source("/data/cases/bundle/sub/SEND.LOG", roots) == "bundle/sub/SEND.LOG"
    assert short_source("/elsewhere/x.txt", roots) == "/elsewhere/x.txt"
    assert short_source("/data/cases/b.zip!dir/x.txt", ["/data/cases/b.zip"]) == "b.zip!dir/x.txt"
    assert short_ref("/data/cases/bundle/a.txt:12", roots) == "bundle/a.txt:12"
    assert short_ref("--ndr:1", roots) == "--ndr:1"


def test_headline_names_the_next_step_when_nothing_is_left_to_ask() -> None:
    from relaydoctor.engine.guidance import COLLECT_SCRIPT, next_steps

    report = diagnose([example("renewed-certificate")], now=NOW)
    ruled_out = [dataclasses.replace(v, status="ruled_out", remediation=()) for v in report.verdicts]
    report.verdicts, report.questions = ruled_out, []
    report.next_steps = next_steps(ruled_out, [], [], has_symptom=True)
    line = headline(report)
    assert line.startswith("Every known cause is ruled out") and COLLECT_SCRIPT in line
