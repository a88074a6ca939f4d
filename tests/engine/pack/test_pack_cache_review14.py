"""review14: the stat index skips ``cases`` folders only where the loader reads test cases."""

from __future__ import annotations

from pathlib import Path

import pytest
from packkit import standard_pack
from relaydoctor.engine.pack import cache, load_packs


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("RELAYDOCTOR_CACHE_DIR", str(folder))
    return folder


def _load(pack: Path):
    return load_packs([pack], include_builtin=False, include_user_config=False)


@pytest.mark.parametrize("kind", ["causes", "codes"])
def test_a_knowledge_file_in_a_folder_named_cases_is_a_definition(tmp_path, cache_dir, monkeypatch, kind):
    """The loader reads every YAML file under knowledge/causes and knowledge/codes as a cause or
    code, sub-folders included, whatever they are named: an edit to one in a folder named
    ``cases`` must reach the key like any other (it was left out of the stat index, so a
    diagnosis kept the cached text)."""
    monkeypatch.setattr(cache, "RACY_SECONDS", -1.0)
    pack = standard_pack(tmp_path / "p")
    first_file = sorted((pack / "knowledge" / kind).rglob("*.yaml"))[0]
    moved = first_file.parent / "cases" / first_file.name
    moved.parent.mkdir()
    first_file.rename(moved)
    before = _load(pack)
    text = moved.read_text()
    assert "description:" in text or "title:" in text, text
    field = "description:" if "description:" in text else "title:"
    moved.write_text(text.replace(field, f"{field} Edited", 1))
    fresh = load_packs([pack], include_builtin=False, include_user_config=False, cache=False)
    assert fresh != before  # the edit is visible to a fresh load
    assert _load(pack) == fresh
