"""A rule's ``subject: alias.field``: one verdict per subject, through the real loader, compiler,
engine and diagnosis (packs written by ``packkit``)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
from packkit import CAUSE, CODE, case_file, has_error, load, load_errors, rule_file, rule_yaml, standard_pack
from relaydoctor.engine.api import diagnose
from relaydoctor.engine.facts import Provenance, fact_from_dict
from relaydoctor.engine.pack import compile_packs, run_cases
from relaydoctor.engine.pack.lint import lint
from relaydoctor.engine.regex_probe import probe
from relaydoctor.engine.report.markdown import render_markdown
from relaydoctor.engine.report.text import render_text

ROOT = Path(__file__).resolve().parents[3]
NOW = dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC)
SYMPTOM = {"kind": "symptom", "code": CODE, "text": f"550 {CODE} Widget refused"}


def subject_pack(root: Path) -> Path:
    """The standard pack with both rules judged per connector (``subject: c.name``)."""
    standard_pack(root)
    for name, status, enabled in (("confirmed", "confirmed", "false"), ("ruled-out", "ruled_out", "true")):
        rule_file(
            root,
            f"{CAUSE}.{name}",
            rule_yaml(
                f"{CAUSE}.{name}",
                f"""
                - fact: inbound_connector
                  as: c
                  where: {{enabled: {enabled}, connector_type: OnPremises}}
                """,
                status=status,
                extra='message: "{c.name} checked"\nsubject: c.name\n',
            ),
        )
    return root


def connector(name: str, enabled: bool, line: int) -> dict:
    return {
        "kind": "inbound_connector",
        "name": name,
        "enabled": enabled,
        "connector_type": "OnPremises",
        "_line": line,
    }


def facts(*items: dict) -> list:
    out = []
    for item in items:
        data = dict(item)
        line = data.pop("_line", None)
        out.append(fact_from_dict(data, Provenance("Get-InboundConnector.txt", line)))
    return out


def run(root: Path, *items: dict):
    return diagnose([], extra_facts=facts(SYMPTOM, *items), packs=load(root), now=NOW)


def test_one_verdict_per_subject_each_with_its_own_evidence(tmp_path: Path) -> None:
    report = run(
        subject_pack(tmp_path / "p"), connector("Inbound A", False, 3), connector("Inbound B", True, 9)
    )
    mine = [v for v in report.verdicts if v.cause == CAUSE]
    assert [(v.subject, v.status.value) for v in mine] == [
        ("Inbound A", "confirmed"),
        ("Inbound B", "ruled_out"),
    ]
    a, b = mine
    assert [e.source for e in a.evidence] == ["Get-InboundConnector.txt:3"]
    assert [e.source for e in b.evidence] == ["Get-InboundConnector.txt:9"]
    assert a.summary == "Inbound A checked" and b.summary == "Inbound B checked"
    # the remediation is filled from the subject's own firing
    assert [c for s in a.remediation for c in s.commands] == [
        "Set-InboundConnector -Identity 'Inbound A' -Enabled $true"
    ]


def test_same_status_on_two_subjects_stays_two_verdicts(tmp_path: Path) -> None:
    report = run(subject_pack(tmp_path / "p"), connector("A", False, 3), connector("B", False, 9))
    mine = [v for v in report.verdicts if v.cause == CAUSE]
    assert [(v.subject, v.status.value, [e.source for e in v.evidence]) for v in mine] == [
        ("A", "confirmed", ["Get-InboundConnector.txt:3"]),
        ("B", "confirmed", ["Get-InboundConnector.txt:9"]),
    ]


def test_no_firing_is_one_undetermined_verdict_without_subject(tmp_path: Path) -> None:
    report = run(subject_pack(tmp_path / "p"))
    (v,) = [v for v in report.verdicts if v.cause == CAUSE]
    assert v.status.value == "undetermined" and v.subject == ""
    assert "subject" not in v.to_json()


def test_json_adds_subject_only_where_there_is_one(tmp_path: Path) -> None:
    schema = json.loads((ROOT / "engine" / "schemas" / "report.schema.json").read_text("utf-8"))
    with_subject = run(subject_pack(tmp_path / "p"), connector("A", False, 3)).to_json()
    jsonschema.validate(with_subject, schema)
    assert [v.get("subject") for v in with_subject["verdicts"] if v["cause"] == CAUSE] == ["A"]
    plain = run(standard_pack(tmp_path / "q"), connector("A", False, 3)).to_json()
    jsonschema.validate(plain, schema)
    assert all("subject" not in v for v in plain["verdicts"])


def test_renderers_name_the_subject(tmp_path: Path) -> None:
    report = run(
        subject_pack(tmp_path / "p"), connector("Inbound A", False, 3), connector("Inbound B", True, 9)
    )
    text = render_text(report)
    assert f"{CAUSE} [Inbound A]" in text and f"{CAUSE} [Inbound B]" in text
    assert f"{CAUSE} \\[Inbound A\\]" in render_markdown(report)


def test_rules_without_subject_give_their_own_verdict_beside_the_subjects(tmp_path: Path) -> None:
    root = subject_pack(tmp_path / "p")
    rule_file(
        root,
        f"{CAUSE}.partner",
        rule_yaml(
            f"{CAUSE}.partner",
            """
            - fact: inbound_connector
              as: c
              where: {connector_type: Partner}
            """,
            status="likely",
        ),
    )
    partner = {"kind": "inbound_connector", "name": "P", "enabled": True, "connector_type": "Partner"}
    report = run(root, connector("A", True, 3), partner)
    mine = [(v.subject, v.status.value) for v in report.verdicts if v.cause == CAUSE]
    assert sorted(mine) == [("", "likely"), ("A", "ruled_out")]


def test_cases_expect_a_verdict_per_subject(tmp_path: Path) -> None:
    root = subject_pack(tmp_path / "p")
    case_file(
        root,
        "two",
        f"""
        case: two
        facts:
          - {{kind: symptom, code: "{CODE}", text: "550 {CODE} Widget refused"}}
          - {{kind: inbound_connector, name: Inbound A, enabled: false, connector_type: OnPremises}}
          - {{kind: inbound_connector, name: Inbound B, enabled: true, connector_type: OnPremises}}
        expect:
          "{CAUSE}[Inbound A]": confirmed
          "{CAUSE}@{CODE}[Inbound B]": ruled_out
          {CAUSE}: confirmed
        output:
          "{CAUSE}[Inbound A]": {{message: Inbound A checked}}
        """,
    )
    case_file(
        root,
        "wrong-subject",
        f"""
        case: wrong-subject
        facts:
          - {{kind: symptom, code: "{CODE}", text: "550 {CODE} Widget refused"}}
          - {{kind: inbound_connector, name: Inbound A, enabled: false, connector_type: OnPremises}}
        expect:
          "{CAUSE}[Inbound C]": confirmed
        """,
    )
    packs = load(root)
    results = {r.case: r for r in run_cases(packs, diagnose=diagnose, only=["two", "wrong-subject"])}
    assert results["two"].passed, results["two"].message()
    assert "[Inbound A]: confirmed" in " ".join(str(f) for f in results["two"].fired)
    wrong = results["wrong-subject"]
    assert not wrong.passed
    assert str(wrong.mismatches[0]) == (
        f"{CAUSE}[Inbound C]: expected confirmed, got absent (subjects judged: Inbound A)"
    )
    assert not [e for e in lint(packs) if "subject" in e.message]


def test_lint_refuses_a_subject_expectation_of_a_cause_without_subject(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    path = case_file(
        root,
        "needless",
        f"""
        case: needless
        facts:
          - {{kind: symptom, code: "{CODE}", text: "550 {CODE} Widget refused"}}
        expect:
          "{CAUSE}[X]": undetermined
        """,
    )
    found = lint(load(root))
    assert has_error(found, path, 5, f"no rule of cause {CAUSE} names a subject")


def test_a_subject_naming_an_unknown_alias_or_field_is_refused_at_its_line(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    when = """
    - fact: inbound_connector
      as: c
      where: {enabled: false}
    """
    bad_alias = rule_file(
        root, "bad-alias", rule_yaml("widget-broken.bad-alias", when, extra="subject: x.name\n")
    )
    bad_field = rule_file(
        root, "bad-field", rule_yaml("widget-broken.bad-field", when, extra="subject: c.nmae\n")
    )
    bad_shape = rule_file(
        root, "bad-shape", rule_yaml("widget-broken.bad-shape", when, extra="subject: name\n")
    )
    errors = load_errors(root)
    assert has_error(errors, bad_alias, 10, "subject names 'x', which is not a positive alias of this rule")
    assert has_error(
        errors, bad_field, 10, "subject: inbound_connector has no field 'nmae' (did you mean 'name'?)"
    )
    assert has_error(errors, bad_shape, 10, "must be `alias.field`")


def test_the_compiled_conclusion_carries_the_subject(tmp_path: Path) -> None:
    ruleset = compile_packs(load(subject_pack(tmp_path / "p")), probe=probe)
    assert {r.id: r.conclusion.subject for r in ruleset.rules} == {
        f"{CAUSE}.confirmed": "c.name",
        f"{CAUSE}.ruled-out": "c.name",
    }


def test_next_steps_name_the_subject_of_each_fix(tmp_path: Path) -> None:
    """Two subjects of one cause give two fixes; a next step that said only the cause would list the
    same words twice (a step text without placeholders) and not say which connector each is for."""
    report = run(subject_pack(tmp_path / "p"), connector("A", False, 3), connector("B", False, 9))
    fixes = [s.says for s in report.next_steps if s.kind == "fix"]
    assert [f.split(":")[0] for f in fixes] == [f"{CAUSE} [A] (confirmed)", f"{CAUSE} [B] (confirmed)"]
    plain = run(standard_pack(tmp_path / "q"), connector("A", False, 3))
    assert [s.says.split(":")[0] for s in plain.next_steps if s.kind == "fix"] == [f"{CAUSE} (confirmed)"]


def test_a_subject_that_is_not_text_reads_as_a_message_says_it(tmp_path: Path) -> None:
    """A boolean subject is ``true``/``false`` (what ``{c.enabled}`` fills in a message, and what a
    case writes in ``cause[false]``), not Python's ``False``; a list is joined with ``, `` and an
    empty list falls in the cause's verdict without subject."""
    root = standard_pack(tmp_path / "p")
    for name, field in (("flag", "c.enabled"), ("ips", "c.sender_ip_addresses")):
        rule_file(
            root,
            f"{CAUSE}.{name}",
            rule_yaml(
                f"{CAUSE}.{name}",
                """
                - fact: inbound_connector
                  as: c
                  where: {connector_type: OnPremises}
                """,
                status="likely",
                extra=f'message: "{{{field}}}"\nsubject: {field}\n',
            ),
        )
    report = run(
        root,
        connector("A", False, 3),
        {**connector("B", True, 9), "sender_ip_addresses": ["192.0.2.1", "192.0.2.2"]},
    )
    mine = {(v.subject, v.summary) for v in report.verdicts if v.cause == CAUSE}
    assert ("false", "false") in mine and ("true", "true") in mine
    assert ("192.0.2.1, 192.0.2.2", "192.0.2.1, 192.0.2.2") in mine
    assert "" in {s for s, _ in mine}  # A's empty list: the verdict without subject (with the others)


def test_a_case_expects_a_subject_with_brackets(tmp_path: Path) -> None:
    """A connector named ``Relay [EU]``: the expect key runs to its last ``]`` (the key was refused
    as "not a cause id" though the verdict carries exactly that subject)."""
    root = subject_pack(tmp_path / "p")
    case_file(
        root,
        "brackets",
        f"""
        case: brackets
        facts:
          - {{kind: symptom, code: "{CODE}", text: "550 {CODE} Widget refused"}}
          - {{kind: inbound_connector, name: "Relay [EU]", enabled: false, connector_type: OnPremises}}
          - {{kind: inbound_connector, name: "[US", enabled: true, connector_type: OnPremises}}
        expect:
          "{CAUSE}[Relay [EU]]": confirmed
          "{CAUSE}@{CODE}[[US]": ruled_out
        """,
    )
    packs = load(root)
    (result,) = run_cases(packs, diagnose=diagnose, only=["brackets"])
    assert result.passed, result.message()
