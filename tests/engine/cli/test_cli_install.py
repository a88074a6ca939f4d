"""The README's install sequence (`pip install .`, then `pip install -e '.[test]'`) leaves an empty
site-packages/relaydoctor/rules folder behind; the built-in pack must still be found."""

from __future__ import annotations

import importlib.util
from types import SimpleNamespace

from relaydoctor.engine import paths


def test_builtin_dir_skips_a_stale_empty_folder(monkeypatch, tmp_path):
    stale = tmp_path / "site-packages" / "relaydoctor" / "rules"
    stale.mkdir(parents=True)
    (stale / "__pycache__").mkdir()
    real = tmp_path / "src" / "rules"
    (real / "5.7.64").mkdir(parents=True)
    spec = SimpleNamespace(submodule_search_locations=[str(stale), str(tmp_path / "missing"), str(real)])
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: spec)
    assert paths.builtin_dir("rules") == real


def test_builtin_dir_of_this_install_has_the_pack():
    assert (paths.builtin_dir("knowledge") / "pack.yaml").is_file()
    assert any(paths.builtin_dir("rules").rglob("*.yaml"))
