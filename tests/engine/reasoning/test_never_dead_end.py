"""Issue 10, failure class 5: every report that has a symptom ends with a next step — a fix of a
confirmed or likely cause, a question whose answer changes the outcome, or the evidence to
collect with the exact command — in the Report, the JSON, the text and the Markdown."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest
from relaydoctor.engine.api import diagnose
from relaydoctor.engine.guidance import COLLECT_SCRIPT, next_steps
from relaydoctor.engine.report.jsonreport import render_json, report_schema
from relaydoctor.engine.report.markdown import render_markdown
from relaydoctor.engine.report.text import render_text

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "knowledge" / "examples"
NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
RUNS = {
    **{b.name: [str(b)] for b in sorted(EXAMPLES.iterdir()) if b.is_dir()},
    **{f"{f.parent.name}/{f.name}": [str(f)] for f in sorted(EXAMPLES.glob("*/*")) if f.suffix != ".pfx"},
}
VALIDATOR = jsonschema.Draft202012Validator(report_schema())


@pytest.mark.parametrize("run", sorted(RUNS))
def test_every_report_with_a_symptom_has_a_next_step(run):
    report = diagnose(RUNS[run], now=NOW)
    data = json.loads(render_json(report))
    VALIDATOR.validate(data)
    if not report.symptoms:
        return
    assert data["next_steps"], run
    kinds = {s["kind"] for s in data["next_steps"]}
    positive = [v for v in report.verdicts if v.status in ("confirmed", "likely") and v.remediation]
    assert ("fix" in kinds) == bool(positive)
    assert ("question" in kinds) == bool(report.questions)
    for step in data["next_steps"]:
        if step["kind"] == "collect":  # a device's own log has no one command: the step says how
            assert step["command"] or "only the reply code" in step["says"] or (
                "relay's own configuration and log" in step["says"]), step


def test_when_every_known_cause_is_ruled_out_the_report_names_what_to_collect():
    report = diagnose([str(EXAMPLES / "renewed-certificate")], now=NOW)
    ruled_out = [dataclasses.replace(v, status="ruled_out", remediation=()) for v in report.verdicts]
    steps = next_steps(ruled_out, [], [], has_symptom=True)
    assert [(s.kind, s.command) for s in steps] == [("collect", COLLECT_SCRIPT)]
    assert "No known cause fits" in steps[0].says
    assert next_steps([], [], [], has_symptom=False) == []


def test_a_bare_reply_code_asks_for_the_full_reply_not_the_exchange_collector(tmp_path):
    log = tmp_path / "mfp-syslog.txt"
    log.write_text(
        "".join(
            f"#[dcs_nas(27)]16/03/01 20:{m}:28 SMTPC: received error code. [550] (8000)  ERR:\n"
            f"#[dcs_nas(27)]16/03/01 20:{m}:28 SMTPC: connection closed. (801)  ERR:\n"
            for m in (39, 40)
        )
    )
    report = diagnose([str(log)], now=NOW)
    assert [s.code for s in report.symptoms] == ["550"]
    assert not [v for v in report.verdicts if v.status in ("confirmed", "likely")]
    (step,) = report.next_steps
    assert step.kind == "collect" and "only the reply code 550" in step.says and step.command is None
    assert any("550 is not a code the loaded packs know" in n for n in report.notes)
    steps = next_steps([], [], [], has_symptom=True, bare_codes=["550"])
    assert [s.command for s in steps] == [None]


def test_missing_evidence_and_next_steps_reach_text_and_markdown():
    report = diagnose([str(EXAMPLES / "exchange2010-ndr")], now=NOW)
    assert report.missing and any(s.kind == "collect" for s in report.next_steps)
    text = render_text(report, verbose=True)
    markdown = render_markdown(report)
    for m in report.missing:  # the text report writes a command on one line, blanks collapsed
        assert " ".join(m.collect[0].split()) in text and m.collect[0] in markdown
    assert "MISSING EVIDENCE" in text and "## Missing evidence" in markdown
    assert "NEXT STEP" in text and "## Next step" in markdown
    brief = render_text(report)
    assert "NEXT: COLLECT" in brief


@pytest.mark.parametrize("mutate", [
    lambda d: d["next_steps"][0].update(kind="shrug"),
    lambda d: d["next_steps"][0].pop("command"),
    lambda d: d["missing_evidence"][0].update(collect="Get-X"),
    lambda d: d["verdicts"][0].update(basis="hunch"),
])
def test_the_schema_refuses_broken_new_fields(mutate):
    data = json.loads(render_json(diagnose([str(EXAMPLES / "exchange2010-ndr")], now=NOW)))
    VALIDATOR.validate(data)
    mutate(data)
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(data)


def test_a_missing_answer_is_labelled_with_its_question_not_the_fact_doc():
    """Each open question's missing answer is its own entry, in the question's words, with its command."""
    report = diagnose([str(EXAMPLES / "exchange2010-ndr")], now=NOW)
    answers = [m for m in report.missing if m.kind == "answer"]
    assert answers
    asks = {q.ask for q in report.questions}
    for m in answers:
        assert "What the user answered" not in m.what
        assert m.what in asks, m.what
    assert len({m.what for m in answers}) == len(answers)


def test_a_sender_that_is_not_exchange_is_pointed_at_its_own_config_not_the_exchange_collector(tmp_path):
    """No known cause fits a Postfix relay's refusal: the next evidence is Postfix's own settings
    and log and the tenant's inbound connectors — the Exchange collector reads neither."""
    log = tmp_path / "mail.log"
    log.write_text(
        "Mar  3 10:15:01 relay01 postfix/smtp[2211]: 4F1A22C0: to=<ap@fabrikam.example>, "
        "relay=contoso-com.mail.protection.outlook.com[52.101.68.1]:25, delay=1.2, "
        "delays=0.1/0/0.6/0.5, dsn=5.7.250, status=bounced (host "
        "contoso-com.mail.protection.outlook.com[52.101.68.1] said: 550 5.7.250 Example refusal no pack "
        "knows (in reply to RCPT TO command))\n"
    )
    report = diagnose([str(log)], now=NOW)
    assert report.symptoms and not [v for v in report.verdicts if v.status in ("confirmed", "likely")]
    assert not report.questions
    commands = [s.command for s in report.next_steps]
    assert COLLECT_SCRIPT not in commands
    assert commands[-2:] == [
        "postconf -n > postconf-n.txt", "Get-InboundConnector | Export-Clixml Get-InboundConnector.xml"]
    assert "sender is not Exchange (postfix)" in report.next_steps[-2].says


def test_non_exchange_sender_is_told_only_without_exchange_evidence():
    from relaydoctor.engine.facts import Provenance, SmtpClient, Symptom
    from relaydoctor.engine.guidance import non_exchange_sender, relay_fallback

    here = Provenance("x", 1, "x")
    client = SmtpClient(provenance=here, software="postfix", origin="mail_log")
    symptom = Symptom(provenance=here, code="5.7.64", origin="app_log")
    assert non_exchange_sender([client, symptom]) == "postfix"
    assert non_exchange_sender([symptom]) == "device"
    assert non_exchange_sender([dataclasses.replace(symptom, origin="ndr")]) is None
    report = diagnose([str(EXAMPLES / "renewed-certificate")], now=NOW)
    assert non_exchange_sender([*report.facts, client]) is None  # Exchange's send log is there
    steps = next_steps([], [], [], has_symptom=True, sender="device")
    assert steps == relay_fallback("device") and steps[0].command is None
    assert "SMTP settings" in steps[0].says and steps[1].command.startswith("Get-InboundConnector")
