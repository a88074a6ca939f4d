"""Issue 10, failure class 6: questions are honest. Never ask for what the evidence already shows;
every asked question has an answer that changes a verdict, and answering it with any allowed
value changes a verdict or removes the question; answers the packs do not understand are refused
with one line (exit 2) in the CLI and inline in the TUI. Real engine, built-in pack."""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from pathlib import Path

import pytest
from relaydoctor.engine.answers import answer_form, answer_problem, candidate_values, known_answers
from relaydoctor.engine.api import diagnose_evidence, load_packs
from relaydoctor.engine.errors import InputError
from relaydoctor.engine.evidence.loader import load_evidence
from relaydoctor.engine.facts import InboundConnector

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "knowledge" / "examples"
sys.path.insert(0, str(REPO / "tests" / "engine" / "cli"))
from clikit import run_cli  # noqa: E402

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
PACKS = load_packs((), cached=True)


def _bundles() -> dict[str, list[str]]:
    """Example bundles, whole and cut down to one kind of file, as runs with open questions."""
    out: dict[str, list[str]] = {}
    for bundle in sorted(EXAMPLES.iterdir()):
        if not bundle.is_dir():
            continue
        out[bundle.name] = [str(bundle)]
        for file in sorted(bundle.iterdir()):
            if file.name.upper().startswith("SEND") or "InboundConnector" in file.name:
                out[f"{bundle.name}/{file.name}"] = [str(file)]
    return out


BUNDLES = _bundles()


def _statuses(report) -> dict[tuple[str, str], str]:
    return {(v.code, v.cause): v.status for v in report.verdicts}


@pytest.mark.parametrize("name", sorted(BUNDLES))
def test_every_answer_to_an_asked_question_changes_a_verdict_or_removes_it(name):
    evidence = load_evidence(BUNDLES[name])
    report = diagnose_evidence(evidence, packs=PACKS, now=NOW)
    connectors = [f for f in report.facts if isinstance(f, InboundConnector)]
    ranges = sorted({r for c in connectors for r in c.sender_ip_addresses})
    for q in report.questions:
        form = answer_form(q.answers_with)
        assert form is not None, q.id
        values = candidate_values(form, ranges)
        assert values, q.id
        changed_any = False
        for value in values:
            assert answer_problem(form.key, value, PACKS) is None, (q.id, value)
            after = diagnose_evidence(evidence, answers={form.key: value}, packs=PACKS, now=NOW)
            changed = _statuses(after) != _statuses(report)
            changed_any |= changed
            assert changed or q.id not in {x.id for x in after.questions}, (name, q.id, value)
        assert changed_any, (name, q.id, "no answer changes any verdict: the question is not worth asking")


def test_a_send_log_only_run_does_not_ask_for_the_egress_ip_the_log_shows():
    log = next((EXAMPLES / "ip-changed").glob("SEND*.LOG"))
    evidence = load_evidence([str(log)])
    report = diagnose_evidence(evidence, packs=PACKS, now=NOW)
    assert any(f.KIND == "smtp_session" and getattr(f, "ehlo_client_ip", None) for f in report.facts)
    assert "egress-ip" not in {q.id for q in report.questions}
    # what decides the IP causes is the connector export: the report says so, with the command
    missing = {m.kind: m for m in report.missing}
    assert "inbound_connector" in missing and "sender-ip-mismatch" in missing["inbound_connector"].causes
    assert any("Get-InboundConnector" in c for c in missing["inbound_connector"].collect)


def test_the_egress_ip_question_is_asked_when_only_an_answer_can_tell(tmp_path):
    bundle = tmp_path / "ip-changed"
    shutil.copytree(EXAMPLES / "ip-changed", bundle)
    for log in bundle.glob("SEND*.LOG"):
        log.unlink()
    evidence = load_evidence([str(bundle)])
    ndr = load_evidence([], extra_texts=[("--ndr", "550 5.7.64 TenantAttribution; Relay Access Denied")])
    evidence.extend(ndr)
    report = diagnose_evidence(evidence, packs=PACKS, now=NOW)
    assert "egress-ip" in {q.id for q in report.questions}
    after = diagnose_evidence(evidence, answers={"egress_ip": "198.51.100.77"}, packs=PACKS, now=NOW)
    assert _statuses(after)[("5.7.64", "sender-ip-mismatch")] == "confirmed"
    assert "egress-ip" not in {q.id for q in after.questions}


@pytest.mark.parametrize(
    ("answer", "names"),
    [
        ("foo=bar", ["'foo'", "egress_ip", "cert_valid"]),
        ("cert_valid=maybe", ["cert_valid", "yes, no"]),
        ("egress_ip=notanip", ["egress_ip", "'notanip'", "IP address"]),
        ("Egress_IP=198.51.100.77", ["'Egress_IP'", "did you mean egress_ip?"]),
        ("cert_valid=Yes", ["cert_valid", "did you mean yes?", "yes, no"]),
    ],
)
def test_cli_refuses_an_answer_the_packs_do_not_understand(answer, names):
    run = run_cli("diagnose", str(EXAMPLES / "ip-changed"), "--answer", answer)
    line = run.one_error_line()
    for name in names:
        assert name in line, line


def test_every_question_template_is_an_answer_the_packs_accept():
    forms = known_answers(PACKS)
    for cause in PACKS.causes.values():
        if cause.question is None or not cause.question.answers_with:
            continue
        form = answer_form(cause.question.answers_with)
        assert form is not None and form.key in forms
        for value in candidate_values(form, ["203.0.113.25"]):
            assert answer_problem(form.key, value, PACKS) is None, (cause.cause, value)


def test_the_engine_refuses_unknown_answers_before_reading_evidence():
    from relaydoctor.engine.api import diagnose

    with pytest.raises(InputError) as err:
        diagnose([str(EXAMPLES / "ip-changed")], answers={"foo": "bar"}, now=NOW)
    assert "unknown key 'foo'" in err.value.one_line()


def test_the_tui_command_refuses_an_unknown_answer_too():
    line = run_cli("tui", str(EXAMPLES / "ip-changed"), "--answer", "cert_valid=maybe").one_error_line()
    assert "cert_valid" in line and "yes, no" in line


def test_lint_refuses_a_case_whose_answer_no_rule_reads(tmp_path):
    from relaydoctor.engine import api

    case = tmp_path / "p" / "rules" / "5.7.64" / "cases" / "typo.yaml"
    case.parent.mkdir(parents=True)
    (tmp_path / "p" / "pack.yaml").write_text('id: p\nversion: "1"\nengine_format: 1\n')
    case.write_text('case: typo\nanswers: {cert_vaild: "yes"}\nexpect: {certificate-invalid: ruled_out}\n')
    findings = [f.one_line() for f in api.lint_packs(api.load_packs([str(tmp_path / "p")]))]
    assert any("typo.yaml:1" in f and "did you mean cert_valid?" in f for f in findings), findings
