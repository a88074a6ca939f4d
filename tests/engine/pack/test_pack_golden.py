"""Golden files: the compiled engine JSON of every built-in rule, committed and compared.

A change to the compiler or to a built-in rule shows up here as a diff to review. To accept
the new output, regenerate with ``RELAYDOCTOR_UPDATE_GOLDEN=1 python -m pytest
tests/engine/pack/test_pack_golden.py`` and commit ``tests/engine/pack/golden/``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from relaydoctor.engine.compiled import CompiledRule
from relaydoctor.engine.errors import PackErrors
from relaydoctor.engine.pack import compile_packs, load_packs
from relaydoctor.engine.paths import builtin_dir
from relaydoctor.engine.regex_probe import probe

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("RELAYDOCTOR_UPDATE_GOLDEN") == "1"
HOW = "RELAYDOCTOR_UPDATE_GOLDEN=1 python -m pytest tests/engine/pack/test_pack_golden.py"


def _rule_files() -> list[Path]:
    try:
        root = builtin_dir("rules")
    except FileNotFoundError:
        return []
    # cases and fragments are not rules (a fragment's patterns are in the golden JSON of each
    # rule that uses it)
    return sorted(
        p for p in root.rglob("*.y*ml") if not {"cases", "fragments"} & set(p.relative_to(root).parts[:-1])
    )


RULE_FILES = _rule_files()


@pytest.fixture(scope="module")
def compiled() -> dict[str, tuple[str, CompiledRule]]:
    """rule file path -> (rule id, compiled rule), from the built-in pack alone."""
    try:
        packs = load_packs(include_user_config=False)
        ruleset = compile_packs(packs, probe=probe)
    except PackErrors as exc:
        pytest.fail("the built-in pack does not load:\n" + "\n".join(e.one_line() for e in exc.errors))
    by_id = {r.id: r for r in ruleset.rules}
    return {r.loc.path: (r.id, by_id[r.id]) for r in packs.rules}


def golden_json(rule: CompiledRule) -> dict[str, Any]:
    c = rule.conclusion
    return {
        "id": rule.id,
        "stratum": rule.stratum,
        "aliases": list(rule.aliases),
        "conclusion": {
            "cause": c.cause,
            "code": c.code,
            "status": c.status,
            "message": c.message,
            "evidence": list(c.evidence),
            **({"subject": c.subject} if c.subject else {}),
        },
        "condition": rule.condition,
    }


def _text(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("rule_file", RULE_FILES, ids=[p.stem for p in RULE_FILES])
def test_compiled_rule_matches_its_golden_file(
    rule_file: Path, compiled: dict[str, tuple[str, CompiledRule]]
) -> None:
    assert str(rule_file) in compiled, f"{rule_file} defines no active rule"
    rule_id, rule = compiled[str(rule_file)]
    golden = GOLDEN / f"{rule_id}.json"
    text = _text(golden_json(rule))
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8")
        return
    if not golden.exists():
        pytest.fail(
            f"no golden file for rule {rule_id} ({rule_file}): review its compiled JSON and run {HOW}"
        )
    assert golden.read_text(encoding="utf-8") == text, (
        f"compiled JSON of {rule_id} changed; review, then run {HOW}"
    )


def test_no_stale_golden_files(compiled: dict[str, tuple[str, CompiledRule]]) -> None:
    ids = {rule_id for rule_id, _ in compiled.values()}
    stale = sorted(p for p in GOLDEN.glob("*.json") if p.stem not in ids) if GOLDEN.is_dir() else []
    if UPDATE:
        for path in stale:
            path.unlink()
        return
    assert stale == [], f"golden files for rules that no longer exist: {[p.name for p in stale]}; run {HOW}"
