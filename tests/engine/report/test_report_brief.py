"""The default text report fits one screen: symptom, leading verdict with its deciding evidence and
fix, questions, one line per ruled-out cause; plain words, wrapped to the terminal's width."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from relaydoctor.engine.api import diagnose, load_packs
from relaydoctor.engine.facts import FACT_KINDS
from relaydoctor.engine.report import render_text

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
EXAMPLES = Path(__file__).resolve().parents[3] / "knowledge" / "examples"
# bundle → the command that fixes its cause (the sample bundles of shared/samples, in the repo)
FIX = {
    "renewed-certificate": "-TlsSenderCertificateName 'mail2026.contoso.net'",
    "ip-changed": "-SenderIPAddresses @{Add='198.51.100.77'}",
    "attr36": "Get-AcceptedDomain",
}


def _report(name: str):
    return diagnose([str(EXAMPLES / name)], packs=load_packs(cached=True), now=NOW)


@pytest.fixture(scope="module")
def reports():
    return {name: _report(name) for name in FIX}


@pytest.mark.parametrize("name", sorted(FIX))
def test_fits_one_screen_and_carries_the_fix(reports, name):
    text = render_text(reports[name], width=100)
    lines = text.splitlines()
    assert len(lines) <= 40, text
    assert FIX[name] in text
    lead = reports[name].verdicts[0]
    assert lead.status == "confirmed" and f"CONFIRMED  {lead.cause}" in text


@pytest.mark.parametrize("name", sorted(FIX))
def test_one_line_per_ruled_out_cause_with_where(reports, name):
    text = render_text(reports[name])
    section = text.split("RULED OUT\n", 1)[1].split("\n\n", 1)[0].splitlines()
    ruled_out = [v for v in reports[name].verdicts if v.status == "ruled_out"]
    assert len(section) == len(ruled_out)
    for line, verdict in zip(section, ruled_out, strict=True):
        assert line.startswith(f"  - {verdict.cause} — ")
        where = verdict.evidence[0].source.rsplit("/", 1)[-1]
        assert line.endswith(f"({where})"), line


@pytest.mark.parametrize("width", [60, 80, 100, 160])
def test_prose_is_wrapped_to_the_width(reports, width):
    for report in reports.values():
        for line in render_text(report, width=width).splitlines():
            if line.startswith("         "):  # commands are printed whole, to be copied
                continue
            assert len(line) <= width, line


# Enum values that rules compare must not reach prose (excerpts of log lines are quoted raw).
ENUM_VALUES = sorted(
    {v for cls in FACT_KINDS.values() for values in cls.ENUMS.values() for v in values if "_" in v}
)


@pytest.mark.parametrize("verbose", [False, True])
def test_no_enum_identifiers_in_prose(reports, verbose):
    for report in reports.values():
        prose = [
            line for line in render_text(report, verbose=verbose).splitlines()
            if not line.lstrip().startswith(">") and not line.startswith("         ")
        ]
        for line in prose:
            found = [v for v in ENUM_VALUES if re.search(rf"\b{v}\b", line)]
            assert not found, (found, line)


def test_verbose_keeps_every_evidence_link_and_reference(reports):
    report = reports["renewed-certificate"]
    brief, full = render_text(report), render_text(report, verbose=True)
    assert len(full.splitlines()) > len(brief.splitlines())
    for link in report.verdicts[0].evidence:
        assert link.source in full
    for ref in report.verdicts[0].references:
        assert ref in full


def test_empty_evidence_says_how_to_start():
    report = diagnose([], ndr_texts=["550 5.7.64 TenantAttribution; Relay Access Denied"],
                      packs=load_packs(cached=True), now=NOW)
    text = render_text(report)
    assert "QUESTIONS" in text and "--answer" in text
    assert "OPEN  " in text


def test_many_notes_are_capped_with_a_pointer_to_verbose(reports):
    import dataclasses

    report = dataclasses.replace(reports["attr36"], notes=[f"file.log:{n}: odd line" for n in range(30)])
    brief = render_text(report)
    assert "file.log:4:" in brief and "file.log:5:" not in brief and "+25 more notes" in brief
    assert "file.log:29:" in render_text(report, verbose=True)
