"""Pack recognize patterns cannot hang recognition: lint at load time, a time budget at run time."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine" / "pack"))
from packkit import CAUSE, code_file, has_error, load, load_errors, standard_pack
from relaydoctor.engine.pack import recognize as rec
from relaydoctor.engine.pack.regex import backtracking_risk

SLOW = (r"(.*a){12}!", r"(a|aa){40}!")


@pytest.mark.parametrize("pattern", SLOW)
def test_patterns_lint_cannot_see_are_cut_by_the_time_budget(tmp_path: Path, pattern: str):
    assert backtracking_risk(pattern) is None  # passes lint: only the budget saves us
    root = standard_pack(tmp_path / "p")
    code_file(root, "9.9.9", (CAUSE,), recognize=(pattern,))
    packs = load(root)
    started = time.monotonic()
    assert rec.recognize(packs, "a" * 4000) is None
    assert rec.recognize(packs, "a" * 4000) is None  # dropped after the first timeout: no second wait
    assert time.monotonic() - started < 4 * rec.PATTERN_TIME_BUDGET + 2  # two tries, then dropped
    (note,) = rec.timed_out_notes(packs)
    assert pattern in note and "9.9.9" in note
    assert rec.recognize(packs, "9.9.9 widget") is None  # a dropped pattern no longer matches


def test_nested_repeat_pattern_is_refused_when_loaded(tmp_path: Path):
    root = standard_pack(tmp_path / "p")
    path = code_file(root, "9.9.9", (CAUSE,), recognize=(r"9\.9\.9 Widget", r"(a+)+$"))
    errors = load_errors(root)
    assert has_error(errors, path, 7, "could backtrack catastrophically")


def test_long_texts_are_searched_in_their_first_part(tmp_path: Path):
    root = standard_pack(tmp_path / "p")
    packs = load(root)
    assert rec.recognize(packs, "x" * rec.MAX_RECOGNIZE_CHARS + "9.9.9 widget") is None
    assert rec.recognize(packs, "x" * (rec.MAX_RECOGNIZE_CHARS - 12) + "9.9.9 widget") is not None


def test_cli_diagnose_and_explain_with_a_slow_pattern_finish(tmp_path: Path):
    from clikit_path import run_cli

    root = standard_pack(tmp_path / "p")
    code_file(root, "9.9.9", (CAUSE,), recognize=(r"9\.9\.9 Widget", r"(.*a){12}!"))
    started = time.monotonic()
    r = run_cli("explain", "--pack", str(root), "a" * 3000, timeout=60)
    assert r.code == 2 and len(r.err.splitlines()) == 1
    r = run_cli("diagnose", "--pack", str(root), "--ndr", "550 5.7.64 " + "a" * 3000, "--format", "json",
                timeout=60)
    assert r.code == 0, r.err
    assert "took longer than" in r.out
    assert time.monotonic() - started < 40


def test_loaded_bad_pack_is_refused_by_the_cli_with_path_line(tmp_path: Path):
    from clikit_path import run_cli

    root = standard_pack(tmp_path / "p")
    path = code_file(root, "9.9.9", (CAUSE,), recognize=(r"(a+)+$",))
    r = run_cli("diagnose", "--pack", str(root), "--ndr", "550 5.7.64 aaaa", timeout=60)
    assert r.code == 2 and f"{path}:6:" in r.err and "backtrack" in r.err


def test_a_busy_machine_never_drops_a_builtin_pattern(monkeypatch):
    """The budget is wall-clock time: on a loaded machine an honest search can overrun it. The
    built-in pack's patterns are vetted, so they are searched without it and never dropped (the
    same evidence gives the same recognition on any machine, in any order of runs)."""
    from relaydoctor.engine import api

    monkeypatch.setattr(rec, "PATTERN_TIME_BUDGET", 1e-9)  # every budgeted search would overrun
    packs = api.load_packs()
    line = "550 5.7.64 TenantAttribution; Relay Access Denied " + "x" * 60_000
    code = rec.recognize(packs, line)
    assert code is not None and code.code == "5.7.64"
    assert rec.timed_out_notes(packs) == []
