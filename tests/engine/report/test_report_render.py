"""Text and JSON renderers on a hand-built report: content, order, safety."""

from __future__ import annotations

import dataclasses
import json

import pytest
from relaydoctor.engine.report import FORMATS, render, render_json, render_text
from reportkit import CONNECTOR, NEW_THUMB, build_report


def test_text_reads_in_the_order_an_admin_needs():
    text = render_text(build_report(), verbose=True)
    order = ["SYMPTOM", "CONFIRMED", "LIKELY", "UNDETERMINED", "RULED OUT", "NOTES", "EVIDENCE"]
    positions = [text.index(word) for word in order]
    assert positions == sorted(positions)
    assert "550 5.7.64 TenantAttribution; Relay Access Denied" in text
    assert "seen at SEND20261120-1.LOG:116" in text


def test_text_confirmed_cause_has_evidence_chain_and_commands():
    text = render_text(build_report(), verbose=True)
    block = text[text.index("CONFIRMED"): text.index("LIKELY")]
    assert "certificate-name-mismatch (5.7.64)" in block
    assert "Why: mail2026.contoso.net was presented" in block
    assert "SEND20261120-1.LOG:105" in block and "Get-InboundConnector.fl.txt:20" in block
    assert "presented mail2026.contoso.net" in " ".join(block.split())
    command = f"Set-InboundConnector -Identity '{CONNECTOR}' -TlsSenderCertificateName 'mail2026.contoso.net'"
    assert command in block
    assert "https://learn.microsoft.com/" in block


def test_text_question_has_answer_hint_under_its_cause():
    text = render_text(build_report(), verbose=True)
    block = text[text.index("UNDETERMINED"): text.index("RULED OUT")]
    assert "sender-ip-mismatch" in block
    assert "Which public IP does mail leave from?" in block
    assert "--answer egress_ip=<IPv4 address>" in block


def test_text_ruled_out_is_brief_with_its_evidence():
    text = render_text(build_report(), verbose=True)
    block = text[text.index("RULED OUT"): text.index("NOTES")]
    assert "tls-not-negotiated — TLS was not negotiated" in block
    assert "SEND20261120-1.LOG:40: TLS TLS1_2 negotiated" in block
    assert "What to do" not in block


def test_text_sources_versions_and_time():
    text = render_text(build_report(), verbose=True)
    block = text[text.index("EVIDENCE"):]
    assert "send protocol log, 3 facts  (240 lines, 5 sessions)" in block
    assert "skipped: not a kind of evidence relaydoctor knows" in block
    assert "relaydoctor 0.1.0 · packs: builtin 1.0.0 · generated 2026-11-27T12:00:00Z" in block


def test_text_without_symptom_says_how_to_give_one():
    report = dataclasses.replace(build_report(), symptoms=[])
    assert "--ndr" in render_text(report)


def test_text_colour_only_when_asked():
    report = build_report()
    assert "\x1b" not in render_text(report)
    coloured = render_text(report, color=True)
    assert "\x1b[1;31mCONFIRMED\x1b[0m" in coloured


def test_text_neutralises_terminal_control_sequences():
    text = render_text(build_report(hostile=True), verbose=True)
    assert "\x1b" not in text and "\x07" not in text
    assert "\\x1b[2J" in text  # shown, visibly, instead of clearing the screen


def test_json_is_exactly_the_report_contract():
    report = build_report()
    assert json.loads(render_json(report)) == report.to_json()
    assert json.loads(render(report, "json"))["verdicts"][0]["status"] == "confirmed"


@pytest.mark.parametrize("fmt", FORMATS)
def test_unsorted_verdicts_are_a_bug_in_every_format(fmt):
    report = build_report()
    report.verdicts.reverse()
    with pytest.raises(AssertionError, match="not sorted"):
        render(report, fmt)


def test_unknown_status_is_refused():
    """A verdict's status is a ``Status``: text that is none of the four is refused when the verdict
    is made, and a renderer still refuses one smuggled past the constructor."""
    report = build_report()
    with pytest.raises(ValueError, match="'maybe' is not a valid Status"):
        dataclasses.replace(report.verdicts[0], status="maybe")
    object.__setattr__(report.verdicts[0], "status", "maybe")
    with pytest.raises(AssertionError, match="unknown status"):
        render_json(report)


def test_render_rejects_unknown_format():
    with pytest.raises(ValueError, match="unknown format"):
        render(build_report(), "xml")


def test_thumbprints_are_shown_in_full():
    assert NEW_THUMB in render_text(build_report(), verbose=True)
