"""`relaydoctor rules new CODE`: a lint-clean skeleton whose cases run and fail, saying what to fill in."""

from __future__ import annotations

from pathlib import Path

import pytest
from packkit import standard_pack
from relaydoctor.engine.api import diagnose
from relaydoctor.engine.errors import InputError
from relaydoctor.engine.pack import load_pack_dirs, run_cases, scaffold_code
from relaydoctor.engine.pack.lint import lint


def test_scaffold_writes_a_lint_clean_pack_whose_cases_fail_with_todos(tmp_path: Path) -> None:
    dest = tmp_path / "My Pack"
    written = scaffold_code("5.7.99", dest)
    assert sorted(p.relative_to(dest).as_posix() for p in written) == [
        "knowledge/causes/todo-cause-5-7-99.yaml",
        "knowledge/codes/5.7.99.yaml",
        "pack.yaml",
        "rules/5.7.99/cases/todo-cause-5-7-99-positive.yaml",
        "rules/5.7.99/cases/todo-cause-5-7-99-ruled-out.yaml",
        "rules/5.7.99/cases/todo-cause-5-7-99-undetermined.yaml",
        "rules/5.7.99/todo-cause-5-7-99.likely.yaml",
    ]
    packs = load_pack_dirs([dest])
    assert packs.packs[0].id == "my-pack"
    assert [e.one_line() for e in lint(packs)] == []
    assert packs.recognize("550 5.7.99 TODO reply text").code == "5.7.99"
    assert packs.recognize("550 5.7.990 other") is None
    results = run_cases(packs, diagnose=diagnose)
    assert len(results) == 3 and not any(r.passed for r in results)
    for result in results:
        assert result.error is None
        (mismatch,) = result.mismatches
        assert mismatch.got == "likely" and mismatch.cause == "todo-cause-5-7-99"
        assert "TODO: replace the inline fact with" in str(mismatch)
        assert "TODO" in result.message()


def test_scaffold_into_an_existing_pack_keeps_its_manifest(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p", "mine")
    before = (root / "pack.yaml").read_text()
    written = scaffold_code("4.4.62", root)
    assert root / "pack.yaml" not in written
    assert (root / "pack.yaml").read_text() == before
    packs = load_pack_dirs([root])
    assert set(packs.codes) == {"9.9.9", "4.4.62"}
    assert [e.one_line() for e in lint(packs)] == []


def test_scaffold_never_overwrites(tmp_path: Path) -> None:
    scaffold_code("5.7.99", tmp_path / "p")
    with pytest.raises(InputError, match="already exists"):
        scaffold_code("5.7.99", tmp_path / "p")


def test_scaffold_refuses_a_bad_code(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is not a code"):
        scaffold_code("../../etc", tmp_path / "p")
    assert not (tmp_path / "p").exists()


def test_scaffold_code_with_a_space(tmp_path: Path) -> None:
    written = scaffold_code("454 4.7.5", tmp_path / "p")
    assert any(p.name == "454-4-7-5.yaml" for p in written)
    packs = load_pack_dirs([tmp_path / "p"])
    assert "454 4.7.5" in packs.codes and lint(packs) == []
