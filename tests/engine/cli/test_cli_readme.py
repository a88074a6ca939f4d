"""The README starts with the two commands that work on a fresh machine, and .ci/run runs exactly
the README's test command (so "CI is green" means "the README's instructions work")."""

from __future__ import annotations

import re

from clikit import REPO, run_cli


def _readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text("utf-8")
    first_block = re.search(r"```(?:sh|bash)?\n(.*?)```", text, re.S)
    assert first_block, "README has no command block"
    before = text[: first_block.start()].strip().splitlines()
    assert len(before) == 1 and before[0].startswith("# "), "the commands must come right after the title"
    return [line for line in first_block.group(1).splitlines() if line.strip()]


def test_readme_starts_with_install_demo_and_test_commands():
    install, test = _readme_commands()
    assert install == "python -m venv .venv && . .venv/bin/activate && pip install . && relaydoctor demo"
    assert test.startswith("pip install -e '.[test]' && ")


def test_ci_runs_exactly_the_readme_test_command():
    _, test = _readme_commands()
    pytest_command = test.split(" && ", 1)[1]
    ci = (REPO / ".ci" / "run").read_text("utf-8")
    assert ci.startswith("#!/usr/bin/env bash\n") and "set -euo pipefail" in ci
    assert "pip install -e '.[test]'" in ci
    assert "ruff check ." in ci
    code_lines = [line.strip() for line in ci.splitlines() if not line.lstrip().startswith("#")]
    runs = [line for line in code_lines if "pytest" in line and not line.startswith("echo")]
    # The README's command, verbatim (CI may put a time limit in front of it).
    assert any(re.search(rf"(^|\s){re.escape(pytest_command)}(\s|$)", line) for line in runs), runs
    assert '"$status" -eq 5' in ci  # "no tests collected" is a failure, said out loud
    assert "RELAYDOCTOR_WHEELHOUSE" in ci and "scripts/build-wheelhouse.sh" in ci


def test_readme_documents_every_command_and_exit_code():
    text = (REPO / "README.md").read_text("utf-8")
    for command in ("relaydoctor diagnose", "relaydoctor facts", "relaydoctor codes", "relaydoctor explain",
                    "relaydoctor rules lint", "relaydoctor rules test", "relaydoctor rules new",
                    "relaydoctor collect-script", "relaydoctor demo", "relaydoctor tui"):
        assert command in text.replace("|test", " test").replace("lint\\|test", "lint"), command
    for code in ("| 0 |", "| 1 |", "| 2 |", "| 70 |", "| 130 |"):
        assert code in text
    assert "## Performance" in text and "benchmarks/" in text
    assert 'CPPFLAGS="-DPyEval_CallObject=PyObject_CallObject"' in text
    assert "pip install --no-index --find-links" in text


def test_help_epilog_matches_readme_exit_codes():
    help_text = " ".join(run_cli("--help").out.split())
    assert ("Exit codes: 0 report produced, 1 'rules test' failures, 2 usage or input error, "
            "70 internal error (a bug), 130 interrupted.") in help_text
