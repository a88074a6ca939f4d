"""A shared cause: a code's ``causes`` may name a cause whose home code is another code.

Rules may conclude it under any code that lists it, the diagnosis judges it separately per code,
lint checks rules, placeholders and cases per (code, cause) pair, and a case expectation
``cause@code`` names the code.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from packkit import (
    CAUSE,
    CODE,
    case_file,
    code_file,
    has_error,
    lines_of,
    load,
    load_errors,
    rule_file,
    rule_yaml,
    standard_pack,
)
from relaydoctor.engine.api import diagnose
from relaydoctor.engine.facts import InboundConnector, Provenance, Symptom
from relaydoctor.engine.pack import run_cases
from relaydoctor.engine.pack.lint import lint

OTHER = "8.8.8"
NOW = dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC)
GADGET = f"550 {OTHER} Gadget refused"
WIDGET = f"550 {CODE} Widget refused"
# the test codes are not real SMTP codes, so symptoms are given as inline facts, not NDR text
GADGET_FACT = f'{{kind: symptom, code: "{OTHER}", text: "{GADGET}"}}'
WIDGET_FACT = f'{{kind: symptom, code: "{CODE}", text: "{WIDGET}"}}'


def symptom(code: str, text: str) -> Symptom:
    return Symptom(code=code, text=text, provenance=Provenance("--ndr", None))


def shared_pack(root: Path, *, cases: bool = True, guarded: bool = True) -> Path:
    """The standard pack plus code 8.8.8, which lists widget-broken (home code 9.9.9) and
    decides it from an answer instead of the connector export. ``guarded`` shows the
    remediation step (which names the connector) only when a rule bound the connector."""
    standard_pack(root)
    if guarded:
        cause = root / "knowledge" / "causes" / f"{CAUSE}.yaml"
        text = cause.read_text(encoding="utf-8")
        cause.write_text(
            text.replace("  - step: Enable {c.name}.\n", "  - step: Enable {c.name}.\n    only_if: c\n")
        )
    code_file(root, OTHER, (CAUSE,), recognize=(r"8\.8\.8 Gadget",))
    for status, value in (("confirmed", "no"), ("ruled_out", "yes")):
        rule_file(
            root,
            f"{CAUSE}.gadget-{value}",
            rule_yaml(
                f"{CAUSE}.gadget-{value}",
                f"""
                - fact: symptom
                  as: s
                  where: {{code: "{OTHER}"}}
                - fact: answer
                  as: a
                  where: {{key: widget, value: "{value}"}}
                """,
                status=status,
                code=OTHER,
            ),
            code=OTHER,
        )
    if cases:
        for name, answers, status in (
            ("yes", "{widget: 'no'}", "confirmed"),
            ("no", "{widget: 'yes'}", "ruled_out"),
            ("unknown", "{}", "undetermined"),
        ):
            case_file(
                root,
                f"gadget-{name}",
                f"case: gadget-{name}\nfacts: [{GADGET_FACT}]\nanswers: {answers}\n"
                f"expect:\n  {CAUSE}@{OTHER}: {status}\n",
                code=OTHER,
            )
    return root


def test_a_rule_may_conclude_a_shared_cause_under_a_code_that_lists_it(tmp_path: Path) -> None:
    packs = load(shared_pack(tmp_path / "p"))
    assert packs.codes_for(CAUSE) == (CODE, OTHER)
    assert {r.id for r in packs.rules_for(CAUSE, OTHER)} == {f"{CAUSE}.gadget-no", f"{CAUSE}.gadget-yes"}
    assert packs.may_conclude(CAUSE, OTHER) and packs.may_conclude(CAUSE, CODE)
    assert lines_of(lint(packs)) == []


def test_a_code_that_does_not_list_the_cause_is_an_error_with_path_and_line(tmp_path: Path) -> None:
    root = shared_pack(tmp_path / "p")
    code_file(root, "7.7.7", ("other-cause",), recognize=(r"7\.7\.7 Thing",))
    bad = rule_file(root, "stray", rule_yaml("stray", "- fact: answer\n  as: a\n", code="7.7.7"))
    errors = load_errors(root)
    assert has_error(errors, bad, 1, f"code '7.7.7' is neither cause {CAUSE}'s code '{CODE}' nor a code")


def test_the_diagnosis_judges_a_shared_cause_separately_per_code(tmp_path: Path) -> None:
    packs = load(shared_pack(tmp_path / "p"))
    disabled = InboundConnector(
        name="Inbound from X",
        enabled=False,
        connector_type="OnPremises",
        provenance=Provenance("export.csv", 2),
    )
    report = diagnose(
        [], extra_facts=[symptom(CODE, WIDGET), symptom(OTHER, GADGET), disabled], packs=packs, now=NOW
    )
    got = {(v.code, v.cause): v for v in report.verdicts}
    assert set(got) == {(CODE, CAUSE), (OTHER, CAUSE)}
    # the connector rule concludes under 9.9.9 only; 8.8.8 waits for the answer
    assert got[(CODE, CAUSE)].status == "confirmed"
    assert got[(OTHER, CAUSE)].status == "undetermined"
    assert [q.id for q in report.questions] == ["widget"]  # one question for the shared cause
    answered = diagnose(
        [],
        extra_facts=[symptom(CODE, WIDGET), symptom(OTHER, GADGET), disabled],
        answers={"widget": "yes"},
        packs=packs,
        now=NOW,
    )
    got = {(v.code, v.cause): v for v in answered.verdicts}
    assert got[(CODE, CAUSE)].status == "confirmed"
    assert got[(OTHER, CAUSE)].status == "ruled_out"
    assert got[(OTHER, CAUSE)].rules == (f"{CAUSE}.gadget-yes",)
    assert not got[(OTHER, CAUSE)].remediation  # no remediation for a ruled-out verdict


def test_cases_check_the_verdict_under_the_named_code(tmp_path: Path) -> None:
    root = shared_pack(tmp_path / "p")
    case_file(
        root,
        "both",
        f'case: both\nanswers: {{widget: "no"}}\nfacts:\n  - {WIDGET_FACT}\n  - {GADGET_FACT}\n'
        "  - {kind: inbound_connector, name: X, enabled: true, connector_type: OnPremises}\n"
        f"expect:\n  {CAUSE}: ruled_out\n  {CAUSE}@{OTHER}: confirmed\n",
    )
    case_file(
        root,
        "unqualified",
        f'case: unqualified\nfacts: [{GADGET_FACT}]\nanswers: {{widget: "no"}}\n'
        f"expect:\n  {CAUSE}: confirmed\n",
    )
    packs = load(root)
    results = {r.case: r for r in run_cases(packs, diagnose=diagnose)}
    assert results["both"].passed, results["both"].message()
    assert all(r.passed for name, r in results.items() if name != "unqualified")
    # a plain cause id means its home code, which is not in scope here: the hint names the fix
    (miss,) = results["unqualified"].mismatches
    assert (miss.cause, miss.expected, miss.got) == (CAUSE, "confirmed", "absent")
    assert f"expect {CAUSE}@{OTHER}" in miss.hint


def test_lint_checks_cases_rules_and_placeholders_per_code(tmp_path: Path) -> None:
    root = shared_pack(tmp_path / "p", cases=False, guarded=False)
    cause = root / "knowledge" / "causes" / f"{CAUSE}.yaml"
    findings = lint(load(root))
    # the home code's cases (plain cause ids) do not count for 8.8.8
    assert has_error(findings, cause, 1, f"cause {CAUSE} has no cases under code {OTHER} in its pack")
    assert has_error(findings, cause, 1, f"(expect {CAUSE}@{OTHER}: ...)")
    # the remediation's {c.name} is bound by the 9.9.9 rules, not by any 8.8.8 rule
    assert has_error(
        findings,
        cause,
        10,
        f"placeholder {{c.name}} is not bound by any confirmed or likely rule of this "
        f"cause under code {OTHER}",
    )
    assert not any("under code 9.9.9" in f.message for f in findings)


def test_lint_rejects_an_expectation_under_a_code_that_does_not_judge_the_cause(tmp_path: Path) -> None:
    root = shared_pack(tmp_path / "p")
    bad = case_file(root, "bad", f"case: bad\nfacts: [{GADGET_FACT}]\nexpect:\n  {CAUSE}@5.7.64: confirmed\n")
    findings = lint(load(root))
    assert has_error(findings, bad, 4, f"code '5.7.64' does not judge cause {CAUSE}")


def test_a_cause_without_positive_rule_under_a_sharing_code_is_reported(tmp_path: Path) -> None:
    root = shared_pack(tmp_path / "p")
    (root / "rules" / OTHER / f"{CAUSE}.gadget-no.yaml").unlink()
    cause = root / "knowledge" / "causes" / f"{CAUSE}.yaml"
    findings = lint(load(root))
    assert has_error(
        findings, cause, 1, f"cause {CAUSE}: no confirmed or likely rule can conclude it under code {OTHER}"
    )
    assert not has_error(findings, cause, 1, "can conclude it under code 9.9.9")
