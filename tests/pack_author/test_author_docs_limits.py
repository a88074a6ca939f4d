"""Issue 14: every limit the pack documents state is the linter's own constant (a doc that says
"more than one variable repeat" while lint accepts two sends authors the wrong way)."""

from __future__ import annotations

from pathlib import Path

import pytest
from clikit import run_main
from relaydoctor.engine.pack.loader import MAX_PACK_BYTES, MAX_PACK_FILES
from relaydoctor.engine.pack.model import CODE_RE
from relaydoctor.engine.pack.parse import MAX_FRAGMENT_DEPTH
from relaydoctor.engine.pack.regex import (
    MAX_POSITIONS,
    MAX_REPEAT_COUNT,
    MAX_RULE_REGEX,
    MAX_VARIABLE_REPEATS,
)
from relaydoctor.engine.pack.yamlload import MAX_FILE_BYTES

DOCS = Path(__file__).resolve().parents[2] / "docs"
WORDS = {1: "one", 2: "two", 3: "three", 4: "four"}


def _flat(name: str) -> str:
    return " ".join((DOCS / name).read_text("utf-8").split())


def test_the_format_spec_states_the_linters_limits() -> None:
    spec = _flat("pack-format.md")
    assert f"more than {MAX_VARIABLE_REPEATS} variable repeats" in spec
    assert f"more than {MAX_POSITIONS} spelled-out characters" in spec
    assert f"more than {MAX_RULE_REGEX} characters" in spec
    assert f"repeat counts above {MAX_REPEAT_COUNT}" in spec
    limits = f"{MAX_FILE_BYTES >> 20} MiB per file; {MAX_PACK_BYTES >> 20} MiB and {MAX_PACK_FILES:,} files"
    assert f"Limits: {limits}" in spec
    assert f"at most {MAX_FRAGMENT_DEPTH} levels deep" in spec


def test_the_rules_reference_states_the_linters_limits() -> None:
    reference = _flat("rules-reference.md")
    assert f"more than {WORDS[MAX_VARIABLE_REPEATS]} variable repeats" in reference
    assert f"more than {MAX_POSITIONS} characters once spelled out" in reference
    assert f"more than {MAX_RULE_REGEX} characters as written" in reference
    assert "three classes" not in reference  # no such limit exists


@pytest.mark.parametrize("code", ["4.7.500-699", "5.7.64", "ATTR 36", "x" * 40])
def test_rules_new_takes_every_code_id_the_format_allows(
    code: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert CODE_RE.match(code)
    assert run_main(capsys, "rules", "new", code, "--dest", str(tmp_path / "p")).code == 0


@pytest.mark.parametrize("code", ["_5.7.64", "5/7", "x" * 41])
def test_rules_new_refuses_what_the_format_refuses(
    code: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert not CODE_RE.match(code)
    run = run_main(capsys, "rules", "new", code, "--dest", str(tmp_path / "p"))
    assert run.code == 2 and "is not a code id" in run.err
