"""The front door: the same pipeline whichever front end calls it, on the bundled examples."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from relaydoctor.engine import api
from relaydoctor.engine.cli import main

REPO = Path(__file__).resolve().parents[3]
EXAMPLE = REPO / "knowledge" / "examples" / "renewed-certificate"
NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)


def test_diagnose_is_what_the_cli_prints(capsys: pytest.CaptureFixture[str]) -> None:
    report = api.diagnose([str(EXAMPLE)], now=NOW)
    assert main(["diagnose", str(EXAMPLE), "--format", "json", "--now", "2026-11-27T12:00:00Z"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(api.render(report, "json"))
    statuses = {v.cause: v.status for v in report.verdicts}
    assert statuses["certificate-name-mismatch"] is api.Status.CONFIRMED


def test_rediagnosis_reuses_the_evidence_and_takes_the_answers() -> None:
    packs = api.load_packs(cached=True)
    assert api.load_packs(cached=True) is packs
    evidence = api.load_evidence([str(EXAMPLE)])
    first = api.diagnose_evidence(evidence, packs=packs, now=NOW)
    answered = api.diagnose_evidence(evidence, packs=packs, answers={"egress_ip": "203.0.113.9"}, now=NOW)
    assert first.generated_at == answered.generated_at == "2026-11-27T12:00:00Z"
    assert [s.source for s in answered.evidence][-1] == "--answer"
    assert any(f.KIND == "answer" for f in answered.facts)
    assert not any(f.KIND == "answer" for f in first.facts)
    assert [s.source for s in first.evidence] == [s.source for s in answered.evidence][:-1]


def test_a_naive_now_is_utc() -> None:
    report = api.diagnose([], ndr_texts=["550 5.7.64 TenantAttribution; Relay Access Denied"],
                          now=dt.datetime(2026, 11, 27, 12, 0))
    assert report.generated_at == "2026-11-27T12:00:00Z"


def test_redacted_render_hides_the_names(tmp_path: Path) -> None:
    report = api.diagnose([str(EXAMPLE)], now=NOW)
    plain = api.render(report, "markdown")
    hidden = api.render(report, "markdown", redacted=True)
    assert "contoso" in plain.lower() and "contoso" not in hidden.lower()
    target = api.export(report, "json", tmp_path / "r.json", redacted=True)
    assert "contoso" not in target.read_text("utf-8").lower()


def test_export_goes_through_the_safe_writer(tmp_path: Path) -> None:
    report = api.diagnose([str(EXAMPLE)], now=NOW)
    target = tmp_path / "r.md"
    target.write_text("keep me")
    with pytest.raises(api.InputError, match="already exists"):
        api.export(report, "markdown", target)
    assert target.read_text() == "keep me"
    api.export(report, "markdown", target, force=True)
    assert target.read_text("utf-8") == api.render(report, "markdown")
    evidence = next(p for p in EXAMPLE.iterdir() if p.is_file())
    with pytest.raises(api.InputError, match="evidence being read"):
        api.export(report, "markdown", evidence, inputs=[str(EXAMPLE)], force=True)


def test_explain_knows_codes_causes_and_replies_and_refuses_the_rest() -> None:
    packs = api.load_packs(cached=True)
    assert api.explain(packs, "5.7.64").startswith("5.7.64")
    assert api.explain(packs, "certificate-name-mismatch").startswith("certificate-name-mismatch")
    assert "is recognised as code" in api.explain(packs, "550 5.7.64 TenantAttribution; Relay Access Denied")
    with pytest.raises(api.InputError, match="did you mean certificate-name-mismatch"):
        api.explain(packs, "certificate-name-mismatc")


def test_facts_view_lists_relations_with_provenance() -> None:
    report = api.diagnose([str(EXAMPLE)], now=NOW)
    data = json.loads(api.facts_view(report, "json"))
    kinds = {f["kind"] for f in data["facts"]}
    assert {"smtp_session", "inbound_connector", "cert_name_match"} <= kinds
