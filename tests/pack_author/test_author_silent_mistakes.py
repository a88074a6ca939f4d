"""Issue 14: mistakes a pack author made that loaded, linted and tested without a word. Each is a
fixture here, and lint now reports it at the line to change."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from clikit import run_main
from packkit import (
    CAUSE,
    case_file,
    cause_file,
    code_file,
    has_error,
    lines_of,
    load,
    manifest,
    rule_file,
    rule_yaml,
    standard_pack,
    write,
)
from relaydoctor.engine.pack import load_packs
from relaydoctor.engine.pack.lint import lint, lint_dirs
from relaydoctor.engine.pack.model import CAUSE_ID_RE
from relaydoctor.engine.paths import builtin_dir

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _no_user_packs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELAYDOCTOR_PACKS", "")


def _line(path: Path, fragment: str) -> int:
    """The 1-based line of the first line of ``path`` holding ``fragment``."""
    for number, text in enumerate(path.read_text("utf-8").splitlines(), 1):
        if fragment in text:
            return number
    raise AssertionError(f"{fragment!r} not in {path}")


# --- recognition patterns that take over other codes' replies ------------------------------


def test_a_pattern_that_finds_another_codes_case_reply_is_reported_at_its_line(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")  # its cases hold replies "550 9.9.9 Widget refused"
    greedy = code_file(root, "8.8.8", ("gadget-broken",), recognize=(r"8\.8\.8 Gadget", r"\d\.\d\.\d"))
    cause_file(root, "gadget-broken", "8.8.8")
    findings = lint(load(root))
    line = _line(greedy, r"\d\.\d\.\d")
    message = r"recognize pattern '\\d\\.\\d\\.\\d' also finds a reply of code 9.9.9"
    assert has_error(findings, greedy, line, message)
    assert not has_error(findings, greedy, _line(greedy, "Gadget"), "also finds a reply")


def test_a_bare_status_pattern_in_a_user_pack_takes_over_the_builtin_5_7_64(tmp_path: Path) -> None:
    """The issue's own example: a new code recognised by a bare '5.7.64'."""
    root = standard_pack(tmp_path / "p")
    greedy = code_file(root, recognize=(r"9\.9\.9 Widget", r"5\.7\.64"))
    findings = lint(load_packs([root], include_user_config=False))
    assert has_error(findings, greedy, _line(greedy, r"5\.7\.64"), "also finds a reply of code 5.7.64")


def test_the_builtin_codes_take_over_none_of_each_others_replies() -> None:
    findings = lint(load_packs(include_user_config=False))
    assert [f.one_line() for f in findings if "also finds a reply" in f.message] == []


# --- placeholders inside quotes --------------------------------------------------------------


def test_a_quoted_placeholder_is_reported_at_its_command_line(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    cause = cause_file(
        root,
        extra="""
        remediation:
          - step: Enable {c.name}.
            commands:
              - "Get-InboundConnector -Identity {c.name}"
              - "Set-InboundConnector -Identity '{c.name}' -Enabled $true"
              - 'Set-InboundConnector -Comment "was {c.name}"'
        """,
    )
    findings = lint(load(root))
    quoted = _line(cause, "'{c.name}'")
    assert has_error(findings, cause, quoted, "placeholder {c.name} is inside quotes")
    assert has_error(findings, cause, quoted, "''value'' (broken PowerShell)")
    assert has_error(findings, cause, _line(cause, '"was {c.name}"'), "is inside quotes")
    assert not has_error(findings, cause, _line(cause, "Get-InboundConnector"), "inside quotes")


def test_what_the_quoted_placeholder_would_have_printed() -> None:
    """Why it is an error: every value is already one single-quoted argument."""
    from relaydoctor.engine.pack import fill_command

    filled = fill_command("Set-X -Identity '{c.name}'", {"c.name": "198.51.100.77"})
    assert filled.text == "Set-X -Identity ''198.51.100.77''"


# --- YAML 1.1 booleans in case answers -------------------------------------------------------


@pytest.mark.parametrize("word", ["yes", "no", "on", "off", "Yes", "OFF"])
def test_an_unquoted_yes_in_a_case_answer_is_reported(tmp_path: Path, word: str) -> None:
    root = standard_pack(tmp_path / "p")
    case = case_file(
        root,
        "answered",
        f"""
        case: answered
        answers:
          widget: {word}
        expect: {{{CAUSE}: undetermined}}
        """,
    )
    findings = lint_dirs([root], include_builtin=False, include_user_config=False)
    assert has_error(findings, case, 3, f"answer 'widget': unquoted {word} is read by YAML as")
    assert has_error(findings, case, 3, f'write widget: "{word}"')


def test_quoted_yes_and_plain_true_are_accepted(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    body = f'case: answered\nanswers: {{a: "yes", b: true}}\nexpect: {{{CAUSE}: undetermined}}\n'
    case_file(root, "answered", body)
    packs = load(root)
    assert next(c for c in packs.cases if c.case == "answered").answers == {"a": "yes", "b": "true"}


# --- a question whose answer no rule reads ---------------------------------------------------


def test_a_question_whose_answer_key_no_rule_reads(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    cause = write(
        root / "knowledge" / "causes" / f"{CAUSE}.yaml",
        f"""
        cause: {CAUSE}
        code: "9.9.9"
        title: The widget is broken
        explanation: Because it is.
        question:
          id: widget
          ask: Is the widget broken?
          why: It matters.
          answers_with: "widget_broken=<yes|no>"
        """,
    )
    findings = lint(load(root))
    assert has_error(findings, cause, 6, "question widget asks for widget_broken=..., but no rule reads")
    rule_file(
        root,
        "answered",
        rule_yaml(f"{CAUSE}.answered", "- fact: answer\n  where: {key: widget_broken, value: 'yes'}\n",
                  status="likely"),
    )
    assert not has_error(lint(load(root)), cause, 6, "no rule reads")


def test_every_builtin_question_is_read_by_a_rule_or_the_engine() -> None:
    findings = lint(load_packs(include_user_config=False))
    assert [f.one_line() for f in findings if "no rule reads" in f.message] == []


# --- cause ids the report schema refuses -----------------------------------------------------


@pytest.mark.parametrize("bad", ["widget_broken", "widget.broken"])
def test_a_cause_id_with_underscore_or_dot_is_refused_at_its_line(tmp_path: Path, bad: str) -> None:
    root = standard_pack(tmp_path / "p")
    cause = cause_file(root, bad)
    findings = lint_dirs([root], include_builtin=False, include_user_config=False)
    assert has_error(findings, cause, 1, f"'cause' {bad!r} is not a cause id")


def test_cause_ids_agree_across_the_loader_the_report_schema_and_the_docs() -> None:
    schema = json.loads((ROOT / "engine" / "schemas" / "report.schema.json").read_text("utf-8"))
    found = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("cause"), dict) and "pattern" in node["cause"]:
                found.append(node["cause"]["pattern"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    assert found, "the report schema names a cause pattern"
    for sample in ("certificate-name-mismatch", "a", "x1-2", "widget_broken", "w.b", "-x", "Upper"):
        for pattern in found:
            assert bool(re.match(pattern, sample)) == bool(CAUSE_ID_RE.match(sample)), (pattern, sample)
    doc = (ROOT / "docs" / "pack-format.md").read_text("utf-8")
    assert CAUSE_ID_RE.pattern in doc


# --- rules test lints first ------------------------------------------------------------------


def test_rules_test_refuses_a_pack_that_does_not_lint(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    root = standard_pack(tmp_path / "p")
    cause = cause_file(
        root,
        extra="""
        remediation:
          - step: Enable it.
            commands: ["Set-InboundConnector -Identity '{c.name}'"]
        """,
    )
    run = run_main(capsys, "rules", "test", "--no-builtin", "--pack", str(root))
    assert run.code == 2
    assert f"{cause}:{_line(cause, 'Set-InboundConnector')}: cause {CAUSE}: placeholder {{c.name}}" in run.err
    assert "the packs do not lint" in run.err and "PASS" not in run.out
    clean = standard_pack(tmp_path / "clean")
    assert run_main(capsys, "rules", "test", "--no-builtin", "--pack", str(clean)).code == 0


# --- one mistake, one message ----------------------------------------------------------------


def test_a_fact_kind_typo_gives_one_message_not_a_cascade(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    rule = rule_file(
        root,
        "typo",
        rule_yaml(
            f"{CAUSE}.typo",
            """
            - fact: inbound_conector
              as: c
              where: {enabled: false}
            - fact: symptom
              as: s
              where: {host: {ref: c.name}}
            """,
            extra='message: "{c.name} at {s.host}"\nevidence: [c, s]\n',
        ),
    )
    findings = [f for f in lint_dirs([root], include_builtin=False, include_user_config=False)
                if f.path == str(rule)]
    assert lines_of(findings) == [
        f"{rule}:{_line(rule, 'inbound_conector')}: unknown fact kind 'inbound_conector' "
        "(did you mean 'inbound_connector'?)"
    ]


def test_an_unquoted_decimal_code_gives_one_message_not_one_per_rule(tmp_path: Path) -> None:
    root = tmp_path / "p"
    standard_pack(root, prefix="")
    code = root / "knowledge" / "codes" / "9.9.9.yaml"
    code.write_text(code.read_text("utf-8").replace('code: "9.9.9"', "code: 9.9"), encoding="utf-8")
    for path in (root / "rules").rglob("*.yaml"):
        path.write_text(path.read_text("utf-8").replace('"9.9.9"', '"9.9"'), encoding="utf-8")
    cause = root / "knowledge" / "causes" / f"{CAUSE}.yaml"
    cause.write_text(cause.read_text("utf-8").replace('"9.9.9"', '"9.9"'), encoding="utf-8")
    findings = lint_dirs([root], include_builtin=False, include_user_config=False)
    assert lines_of(findings) == [f"{code}:1: 'code' must be text, not a number with a fraction (quote it)"]


# --- YAML errors in plain words --------------------------------------------------------------


def test_a_tab_is_named(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    rule = root / "rules" / "9.9.9" / "tabbed.yaml"
    rule.write_text(f"id: {CAUSE}.tabbed\nwhen:\n\t- fact: symptom\n", encoding="utf-8")
    findings = lint_dirs([root], include_builtin=False, include_user_config=False)
    assert has_error(findings, rule, 3, "a tab character at column 1: YAML indents with spaces only")
    assert not any("cannot start any token" in f.message for f in findings)


def test_an_unquoted_colon_in_a_value_is_explained(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    rule = root / "rules" / "9.9.9" / "colon.yaml"
    rule.write_text(f"id: {CAUSE}.colon\ndescription: Reason: none\n", encoding="utf-8")
    findings = lint_dirs([root], include_builtin=False, include_user_config=False)
    assert has_error(findings, rule, 2, "a value holding ': ' must be quoted")


# --- remediation placeholders naming a missing field -----------------------------------------


def test_a_remediation_field_typo_says_has_no_field_at_the_commands_line(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    cause = cause_file(
        root,
        extra="""
        remediation:
          - step: Enable {c.name}.
            commands:
              - "Get-InboundConnector"
              - "Set-InboundConnector -Identity {c.nmae} -Enabled $true"
        """,
    )
    findings = lint(load(root))
    line = _line(cause, "{c.nmae}")
    message = "placeholder {c.nmae}: inbound_connector has no field 'nmae' (did you mean 'name'?)"
    assert has_error(findings, cause, line, message)
    assert not any("is not bound" in f.message and "c.nmae" in f.message for f in findings)


def test_the_builtin_pack_still_lints_clean() -> None:
    assert lines_of(lint(load_packs(include_user_config=False))) == []
    assert builtin_dir("knowledge").is_dir()


# --- a step whose alias only some rules bind ---------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_a_placeholder_the_concluding_rule_did_not_bind_says_needs_your_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    """The issue's silent class: `{c.name}` is bound by the confirmed rule, not by the likely rule
    that concluded here; the command keeps a visible `<c.name>` and the step says it needs a value
    (text and Markdown) or lists it in needs_values (JSON). Lint is right to accept the pack."""
    code = "5.7.199"  # a status the reply parser reads (9.9.9 is no SMTP status)
    root = tmp_path / "p"
    manifest(root)
    code_file(root, code, (CAUSE,), recognize=(r"5\.7\.199 Widget",))
    cause_file(root, CAUSE, code, extra="""
        remediation:
          - step: Enable the connector.
            commands: ["Set-InboundConnector -Identity {c.name} -Enabled $true"]
        """)
    binds = "- fact: inbound_connector\n  as: c\n  where: {enabled: false}"
    rule_file(root, "binds-c", rule_yaml(f"{CAUSE}.binds-c", binds, code=code), code=code)
    reply = f'- fact: symptom\n  as: s\n  where: {{code: "{code}"}}'
    likely = rule_yaml(f"{CAUSE}.reply-only", reply, code=code, status="likely")
    rule_file(root, "reply-only", likely, code=code)
    assert not [f for f in lint(load(root)) if "c.name" in f.message]
    run = run_main(
        capsys, "diagnose", "--pack", str(root), "--no-builtin", "--ndr", f"550 {code} Widget refused",
        "--now", "2026-11-27T12:00:00Z", "--format", fmt,
    )
    assert "Set-InboundConnector -Identity <c.name> -Enabled $true" in run.out
    if fmt == "json":
        steps = [s for v in json.loads(run.out)["verdicts"] for s in v["remediation"]]
        assert [s["needs_values"] for s in steps if "<c.name>" in " ".join(s["commands"])] == [["<c.name>"]]
    else:  # Markdown escapes the angle brackets of the value
        marker = [line for line in run.out.splitlines() if "needs your value:" in line.lower()]
        assert len(marker) == 1 and "c.name" in marker[0]
