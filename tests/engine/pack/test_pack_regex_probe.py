"""The regex probe: every rule regex is tried in the real engine (in a child process) first."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from packkit import load, rule_file, rule_yaml, standard_pack
from relaydoctor.engine.errors import PackErrors
from relaydoctor.engine.pack import compile_packs
from relaydoctor.engine.pack.lint import lint
from relaydoctor.engine.regex_probe import probe, sample_values


def test_samples_include_matches_and_near_misses() -> None:
    pattern = r"mail\d{1,3}\.contoso\.com"
    values = sample_values(pattern)
    hits = [v for v in values if re.fullmatch(pattern, v)]
    misses = [v for v in values if not re.fullmatch(pattern, v)]
    assert len(hits) >= 3 and len(misses) >= 3 and "" in values


def test_probe_accepts_good_patterns_and_reports_each_kind_of_failure() -> None:
    results = probe(
        [
            (r".*\.outlook\.com", False, r".*%.outlook%.com"),
            ("mail.*", True, "mail.*"),
            # registration refused (error 503): too many DFA states for the engine's construction
            ("abaab.+abababx", False, "abaab.+abababx"),
            # aborts the process with heap corruption: only the child dies
            ("a+b*[ -~][ -~]+", False, "a+b*[ -~][ -~]+"),
            # the engine's own [^a] answers wrongly here ("aab" matches in the engine)
            ("a*[^a]b", False, "a*[^a]b"),
        ]
    )
    assert results[(r".*\.outlook\.com", False)] is None
    assert results[("mail.*", True)] is None
    assert "error code: 503" in (results[("abaab.+abababx", False)] or "")
    assert "crashed" in (results[("a+b*[ -~][ -~]+", False)] or "")
    assert "answers differently from Python" in (results[("a*[^a]b", False)] or "")


def test_a_refused_regex_fails_compile_and_lint_at_its_line(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    path = rule_file(
        root,
        "rx",
        rule_yaml(
            "widget-broken.rx",
            """
            - fact: smtp_session
              as: s
              where:
                remote_host: {matches: 'abaab.+abababx'}
            """,
        ),
    )
    packs = load(root)
    with pytest.raises(PackErrors) as info:
        compile_packs(packs, probe=probe)
    (error,) = info.value.errors
    assert error.path == str(path) and error.line == 10 and "cannot build this pattern" in error.message
    assert any(f.path == str(path) and f.line == 10 for f in lint(packs, probe=probe))


def test_packs_without_regexes_start_no_child(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import relaydoctor.engine.regex_probe as probe_mod

    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("no child process expected")

    monkeypatch.setattr(probe_mod, "_run_child", boom)
    assert len(compile_packs(load(standard_pack(tmp_path / "p")), probe=probe).rules) == 2


def test_builtin_regexes_pass_the_probe() -> None:
    """The built-in pack is trusted at run time (no child process): this test is why."""
    from relaydoctor.engine.pack import load_packs
    from relaydoctor.engine.pack.compiler import regex_problems

    packs = load_packs(include_user_config=False)
    assert [e.one_line() for e in regex_problems(packs.rules, probe=probe)] == []


def test_builtin_compile_starts_no_child(monkeypatch: pytest.MonkeyPatch) -> None:
    import relaydoctor.engine.regex_probe as probe_mod
    from relaydoctor.engine.pack import load_packs

    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("no child process expected")

    monkeypatch.setattr(probe_mod, "_run_child", boom)
    monkeypatch.setattr(probe_mod, "_CACHE", {})
    assert compile_packs(load_packs(include_user_config=False), probe=probe).rules
