"""The field corpus (tests/field/cases): cases rebuilt from public threads and vendor articles.

Fails on what must never happen: a cause confirmed that is not the case's cause, a cause the case
says the evidence cannot decide against ruled out (or one it must not claim called confirmed or
likely), an undecidable case that ends with no question and no next step, or a case the tool cannot
run at all (except where the case says which missing reader it needs). Top-1 misses are recorded by the scorer
(``python -m benchmarks.field``) and in the README, not failed here.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from benchmarks import field  # noqa: E402

CASES = field.case_folders()
UNDECIDABLE = [f for f in CASES if field.load_case(f)["expect"].get("undecidable")]


def test_the_corpus_is_big_enough_and_honest() -> None:
    metas = [field.load_case(folder) for folder in CASES]
    undecidable = [m for m in metas if (m.get("expect") or {}).get("undecidable")]
    assert len(metas) >= 60
    assert len(undecidable) >= 15
    for meta in metas:
        assert meta["sources"] and all(s["url"].startswith(("http://", "https://")) for s in meta["sources"])
        assert meta["summary"] and meta["reconstruction"]
        expect = meta["expect"]
        assert expect.get("undecidable") or expect.get("cause"), meta["id"]
        if expect.get("undecidable"):
            assert expect.get("question"), f"{meta['id']}: an undecidable case says which question it expects"


@pytest.fixture(scope="module")
def results() -> dict[str, field.CaseResult]:
    return {r.case: r for r in field.run()}


@pytest.mark.parametrize("folder", CASES, ids=lambda p: p.name)
def test_no_wrong_confirm(folder: Path, results) -> None:
    result = results[folder.name]
    wrong = result.wrong_confirms
    assert not wrong, f"{folder.name}: confirmed {wrong}, not the thread's cause"


@pytest.mark.parametrize("folder", CASES, ids=lambda p: p.name)
def test_no_wrong_rule_out_or_overclaim(folder: Path, results) -> None:
    """Causes a case says the evidence cannot decide against, or must not claim, are honoured."""
    result = results[folder.name]
    assert not result.wrong_rule_outs, f"{folder.name}: ruled out {result.wrong_rule_outs}"
    assert not result.overclaims, f"{folder.name}: confirmed or likely {result.overclaims}"
    assert not result.wrong_codes, f"{folder.name}: symptoms recognised as {result.wrong_codes}"


@pytest.mark.parametrize("folder", UNDECIDABLE, ids=lambda p: p.name)
def test_undecidable_case_ends_with_a_question_or_next_step(folder: Path, results) -> None:
    result = results[folder.name]
    if result.error and result.needs:
        pytest.xfail(f"needs {'; '.join(result.needs)}: {result.error}")
    assert result.error is None, result.error
    assert result.has_next_step, f"{folder.name}: no question, missing-evidence item or next step"


@pytest.mark.parametrize("folder", CASES, ids=lambda p: p.name)
def test_every_case_runs(folder: Path, results) -> None:
    result = results[folder.name]
    if result.error and result.needs:
        pytest.xfail(f"needs {'; '.join(result.needs)}: {result.error}")
    assert result.error is None, result.error
