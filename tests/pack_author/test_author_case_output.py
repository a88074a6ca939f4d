"""Issue 14: cases assert what the admin sees (Semgrep-style): the verdict's message, the filled
commands, the rules that concluded it, that nothing else is confirmed; known gaps are marked
xfail; `rules test CASE...` filters and `-v` shows what fired and what nearly did."""

from __future__ import annotations

from pathlib import Path

import pytest
from clikit import run_main
from packkit import CAUSE, case_file, has_error, load, load_errors, standard_pack
from relaydoctor.engine import api

COMMAND = "Set-InboundConnector -Identity 'Inbound from X' -Enabled $true"
FACTS = """
facts:
  - {kind: symptom, code: "9.9.9", text: "550 9.9.9 Widget refused"}
  - {kind: inbound_connector, name: Inbound from X, enabled: false, connector_type: OnPremises}
"""


@pytest.fixture(autouse=True)
def _no_user_packs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELAYDOCTOR_PACKS", "")


def _case(root: Path, name: str, tail: str) -> Path:
    return case_file(root, name, f"case: {name}\n{FACTS.strip()}\nexpect:\n  {CAUSE}: confirmed\n{tail}")


def _result(root: Path, name: str):
    packs = load(root)
    return next(r for r in api.test_packs(packs, only=[name]))


def test_a_case_asserting_the_rendered_output_passes(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    _case(root, "shown", f"""output:
  {CAUSE}:
    message: "Inbound from X is disabled"
    commands: ["{COMMAND}"]
    rules: [{CAUSE}.confirmed]
only_confirmed: true
""")
    result = _result(root, "shown")
    assert result.passed and result.label == "PASS", result.message()


def test_each_wrong_output_is_its_own_mismatch(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    _case(root, "wrong", f"""output:
  {CAUSE}:
    message: "Inbound from Y"
    commands: ["Set-InboundConnector -Identity Inbound from X -Enabled $true"]
    rules: [{CAUSE}.other]
""")
    result = _result(root, "wrong")
    assert not result.passed
    text = result.message()
    assert "expected a message containing 'Inbound from Y', got 'Inbound from X is disabled'" in text
    assert f"got {COMMAND}" in text  # what was printed instead
    assert f"expected rules {CAUSE}.other, got {CAUSE}.confirmed" in text


def test_only_confirmed_fails_when_another_cause_is_confirmed(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    body = f"case: narrow\n{FACTS.strip()}\nexpect:\n  {CAUSE}: likely\nonly_confirmed: true\n"
    case_file(root, "narrow", body)
    result = _result(root, "narrow")
    assert "expected likely, got confirmed" in result.message()
    assert f"{CAUSE}@9.9.9: expected no other cause confirmed, got confirmed" in result.message()


def test_xfail_marks_a_known_gap_and_an_unexpected_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    root = standard_pack(tmp_path / "p")
    body = f"case: gap\n{FACTS.strip()}\nexpect: {{{CAUSE}: ruled_out}}\nxfail: ATTR99 unknown\n"
    case_file(root, "gap", body)
    _case(root, "fixed", "xfail: was a gap\n")
    gap, fixed = _result(root, "gap"), _result(root, "fixed")
    assert gap.passed and gap.label == "XFAIL" and "fails as expected (ATTR99 unknown)" in gap.message()
    assert not fixed.passed and fixed.label == "XPASS" and "remove the marker" in fixed.message()
    run = run_main(capsys, "rules", "test", "--no-builtin", "--pack", str(root), "gap", "fixed")
    assert run.code == 1
    assert "XFAIL  gap" in run.out and "XPASS  fixed" in run.out
    assert run.out.strip().endswith("0 passed, 1 failed, 1 expected failures")


def test_rules_test_filters_by_case_and_by_pack(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    root = standard_pack(tmp_path / "p")
    run = run_main(capsys, "rules", "test", "--no-builtin", "--pack", str(root), f"{CAUSE}-positive")
    assert run.code == 0 and run.out.count("PASS  ") == 1 and "1 passed, 0 failed" in run.out
    whole = run_main(capsys, "rules", "test", "--no-builtin", "--pack", str(root), "t")
    assert "3 passed, 0 failed" in whole.out
    typo = run_main(capsys, "rules", "test", "--no-builtin", "--pack", str(root), f"{CAUSE}-positiv")
    assert typo.code == 2 and f"did you mean {CAUSE}-positive?" in typo.err


def test_verbose_shows_the_rules_that_fired_and_the_nearest_misses(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    root = standard_pack(tmp_path / "p")
    run = run_main(capsys, "rules", "test", "-v", "--no-builtin", "--pack", str(root), f"{CAUSE}-unknown")
    assert run.code == 0
    assert "fired: no rule concluded" in run.out
    near = [line for line in run.out.splitlines() if "near miss:" in line]
    assert near and all("0 of 1 patterns hold; no inbound_connector fact passes the pattern at line" in x
                        for x in near)
    positive = run_main(
        capsys, "rules", "test", "-v", "--no-builtin", "--pack", str(root), f"{CAUSE}-positive"
    )
    assert f"fired: 9.9.9 {CAUSE}: confirmed ({CAUSE}.confirmed)" in positive.out
    assert f"near miss: {CAUSE}.ruled-out" in positive.out and "1 of 1 patterns hold" not in positive.out


def test_output_must_name_an_expected_positive_cause(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    path = case_file(root, "bad", f"""case: bad
{FACTS.strip()}
expect: {{{CAUSE}: ruled_out}}
output:
  {CAUSE}: {{message: x}}
  other-cause: {{message: y}}
xfail: ""
""")
    errors = load_errors(root)
    assert has_error(errors, path, 7, f"output: {CAUSE} is expected ruled_out, which shows no message")
    assert has_error(errors, path, 8, "output: 'other-cause' is not named in expect")
    assert has_error(errors, path, 9, "xfail needs the reason")


def test_a_failure_says_which_rule_concluded_and_which_came_closest(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """Not just "expected ruled_out, got confirmed": the rule that said so, and the nearest miss."""
    root = standard_pack(tmp_path / "p")
    case_file(root, "wrong", f"case: wrong\n{FACTS.strip()}\nexpect: {{{CAUSE}: ruled_out}}\n")
    run = run_main(capsys, "rules", "test", "--no-builtin", "--pack", str(root), "wrong")
    assert run.code == 1
    assert f"case wrong: {CAUSE}: expected ruled_out, got confirmed" in run.out
    assert f"      fired: 9.9.9 {CAUSE}: confirmed ({CAUSE}.confirmed)" in run.out
    assert f"      nearest miss: {CAUSE}.ruled-out (" in run.out
    assert "0 of 1 patterns hold; no inbound_connector fact passes the pattern at line" in run.out
