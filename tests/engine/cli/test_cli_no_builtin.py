"""--no-builtin: an admin can develop or re-create a pack in isolation, even one that defines a
code the built-in pack already has (which, loaded beside the built-in pack, is a collision)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from clikit import run_main
from relaydoctor.engine.paths import builtin_dir

CODE, CAUSE = "5.7.68", "direct-send-rejected"


@pytest.fixture
def twin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user pack holding a copy of the built-in 5.7.68 code, cause, rules and cases."""
    monkeypatch.setenv("RELAYDOCTOR_PACKS", "")  # no user-config packs from the machine running the tests
    pack = tmp_path / "twin"
    (pack / "knowledge" / "codes").mkdir(parents=True)
    (pack / "knowledge" / "causes").mkdir(parents=True)
    (pack / "pack.yaml").write_text('id: twin\nversion: "1.0.0"\nengine_format: 1\n', encoding="utf-8")
    knowledge = builtin_dir("knowledge")
    shutil.copy(knowledge / "codes" / f"{CODE}.yaml", pack / "knowledge" / "codes")
    shutil.copy(knowledge / "causes" / f"{CAUSE}.yaml", pack / "knowledge" / "causes")
    shutil.copytree(builtin_dir("rules") / CODE, pack / "rules" / CODE)
    return pack


def test_beside_the_builtin_pack_the_code_collides_naming_both_files(twin, capsys):
    run = run_main(capsys, "rules", "lint", "--pack", str(twin))
    assert run.code == 2
    line = next(x for x in run.err.splitlines() if f"code '{CODE}' is defined twice" in x)
    assert str(twin / "knowledge" / "codes" / f"{CODE}.yaml") in line
    assert str(builtin_dir("knowledge") / "codes" / f"{CODE}.yaml") in line
    assert run_main(capsys, "rules", "test", "--pack", str(twin)).code == 2


def test_lint_with_no_builtin_loads_only_the_pack(twin, capsys):
    run = run_main(capsys, "rules", "lint", "--pack", str(twin), "--no-builtin")
    assert (run.code, run.err) == (0, "")
    assert run.out == "ok: 1 codes, 1 causes (twin 1.0.0)\n"


def test_rules_test_with_no_builtin_runs_only_the_packs_cases(twin, capsys):
    run = run_main(capsys, "rules", "test", "--pack", str(twin), "--no-builtin")
    assert run.code == 0, run.out + run.err
    cases = len(list((twin / "rules" / CODE / "cases").glob("*.yaml")))  # the pack's own cases
    assert cases >= 4
    assert run.out.count("PASS  direct-send-") == cases
    assert run.out.endswith(f"{cases} passed, 0 failed\n")


def test_diagnose_codes_and_explain_with_no_builtin(twin, capsys):
    ndr = "550 5.7.68 TenantInboundAttribution; Direct Send not allowed for this organization from x"
    run = run_main(capsys, "diagnose", "--pack", str(twin), "--no-builtin", "--ndr", ndr,
                   "--format", "json", "--now", "2026-11-27T12:00:00Z")  # fmt: skip
    assert run.code == 0, run.err
    assert '"direct-send-rejected"' in run.out and '"confirmed"' in run.out

    codes = run_main(capsys, "codes", "--pack", str(twin), "--no-builtin")
    assert codes.code == 0 and CODE in codes.out and "5.7.64 " not in codes.out
    assert run_main(capsys, "explain", CAUSE, "--pack", str(twin), "--no-builtin").code == 0


def test_no_builtin_without_a_pack_is_a_usage_error(capsys):
    for argv in (("rules", "lint"), ("rules", "test"), ("codes",), ("diagnose", "--ndr", "5.7.68")):
        line = run_main(capsys, *argv, "--no-builtin").one_error_line()
        assert "--no-builtin needs at least one --pack DIR" in line
