"""The case runner (`relaydoctor rules test`), with the real diagnosis and the real engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from packkit import CAUSE, CODE, case_file, load, standard_pack
from relaydoctor.engine.api import diagnose
from relaydoctor.engine.facts import InboundConnector, Symptom
from relaydoctor.engine.pack import run_cases
from relaydoctor.engine.pack.cases import ABSENT, Mismatch, case_facts


def test_standard_cases_pass_with_the_real_diagnosis(tmp_path: Path) -> None:
    results = run_cases(load(standard_pack(tmp_path / "p")), diagnose=diagnose)
    assert [(r.case, r.passed) for r in results] == [
        (f"{CAUSE}-negative", True),
        (f"{CAUSE}-positive", True),
        (f"{CAUSE}-unknown", True),
    ]
    assert all(r.message().endswith(": ok") for r in results)


def test_a_wrong_expectation_is_reported(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    path = case_file(
        root,
        "wrong",
        f"""
        case: wrong
        facts:
          - {{kind: symptom, code: "9.9.9", text: "550 9.9.9 Widget refused"}}
          - {{kind: inbound_connector, name: X, enabled: true, connector_type: OnPremises}}
        expect:
          {CAUSE}: confirmed
        """,
    )
    (result,) = run_cases(load(root), diagnose=diagnose, only=["wrong"])
    assert not result.passed and result.path == f"{path}:1"
    assert result.mismatches == (Mismatch(CAUSE, "confirmed", "ruled_out"),)
    assert result.message() == f"{path}:1: case wrong: {CAUSE}: expected confirmed, got ruled_out"


def test_evidence_files_reach_the_diagnosis(tmp_path: Path, samples: Path) -> None:
    root = standard_pack(tmp_path / "p")
    export = samples / "bundles" / "renewed-certificate" / "Get-InboundConnector.fl.txt"
    target = root / "knowledge" / "examples" / "x" / export.name
    target.parent.mkdir(parents=True)
    target.write_bytes(export.read_bytes())  # UTF-16, as Exchange Online PowerShell writes it
    case_file(
        root,
        "from-files",
        f"""
        case: from-files
        evidence: ../../../knowledge/examples/x
        facts: [{{kind: symptom, code: "9.9.9", text: "550 9.9.9 Widget refused"}}]
        expect:
          {CAUSE}: ruled_out
        """,
    )
    (result,) = run_cases(load(root), diagnose=diagnose, only=["from-files"])
    assert result.passed, result.message()


def test_a_case_that_cannot_run_is_a_failure_with_the_reason(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    case_file(
        root,
        "boom",
        f"case: boom\nfacts: [{{kind: answer, key: k, value: v}}]\nexpect: {{{CAUSE}: likely}}\n",
    )

    def failing(*args: Any, **kwargs: Any) -> Any:
        from relaydoctor.engine.errors import EvidenceError

        raise EvidenceError("cannot parse", "x.log", 3)

    (result,) = run_cases(load(root), diagnose=failing, only=["boom"])
    assert not result.passed and result.error == "x.log:3: cannot parse"
    assert "could not run: x.log:3: cannot parse" in result.message()


def test_arguments_given_to_the_diagnosis(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    case_file(
        root,
        "args",
        f"""
        case: args
        ndr: [one, two]
        answers: {{egress_ip: 198.51.100.77}}
        now: "2026-01-02T03:04:05Z"
        facts: [{{kind: inbound_connector, name: X, enabled: true}}]
        expect: {{{CAUSE}: undetermined, other-cause: ruled_out}}
        """,
    )
    seen: dict[str, Any] = {}

    class Verdict:
        code, cause, status = CODE, CAUSE, "undetermined"

    class Report:
        verdicts = (Verdict(),)

    def recording(paths: list[str], **kwargs: Any) -> Report:
        seen.update(kwargs, paths=paths)
        return Report()

    packs = load(root)
    (result,) = run_cases(packs, diagnose=recording, only=["args"])
    assert seen["paths"] == [] and seen["ndr_texts"] == ["one", "two"]
    assert seen["answers"] == {"egress_ip": "198.51.100.77"} and seen["packs"] is packs
    assert seen["now"].isoformat() == "2026-01-02T03:04:05+00:00"
    (fact,) = seen["extra_facts"]
    assert isinstance(fact, InboundConnector) and fact.provenance.ref().endswith("args.yaml:5")
    assert result.mismatches == (Mismatch("other-cause", "ruled_out", ABSENT),)


def test_case_facts_carry_the_case_file_and_line(tmp_path: Path) -> None:
    packs = load(standard_pack(tmp_path / "p"))
    case = next(c for c in packs.cases if c.case.endswith("positive"))
    symptom, connector = case_facts(case)
    assert isinstance(symptom, Symptom) and symptom.code == "9.9.9"
    assert symptom.provenance.source == case.loc.path and symptom.provenance.line == 4
    assert isinstance(connector, InboundConnector) and connector.provenance.line == 5


def test_only_filters_by_case_or_pack(tmp_path: Path) -> None:
    packs = load(standard_pack(tmp_path / "a", "pa"), standard_pack(tmp_path / "b", "pb", prefix="x"))
    assert len(run_cases(packs, diagnose=diagnose, only=["pb"])) == 3
    assert [r.case for r in run_cases(packs, diagnose=diagnose, only=[f"{CAUSE}-unknown"])] == [
        f"{CAUSE}-unknown"
    ]
