"""The folder walk never reads a Git repository's internals, a virtualenv or node_modules: each is
listed as skipped with the reason and how many files were left unread (issue 13)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from relaydoctor.engine import api
from samplepath import SAMPLES as SAMPLE_ROOT

SAMPLES = SAMPLE_ROOT / "bundles" / "attr36"


def _tree(root: Path) -> Path:
    (root / ".git" / "objects").mkdir(parents=True)
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (root / ".git" / "objects" / "ab").write_text("550 5.7.64 TenantAttribution; Relay Access Denied\n")
    venv = root / "env"  # a virtualenv under any name: pyvenv.cfg says so
    (venv / "lib" / "python3.11" / "site-packages" / "pkg").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    for i in range(5):
        (venv / "lib" / "python3.11" / "site-packages" / "pkg" / f"m{i}.py").write_text("x = 1\n")
    (root / "web" / "node_modules" / "left-pad").mkdir(parents=True)
    (root / "web" / "node_modules" / "left-pad" / "index.js").write_text("module.exports = 1\n")
    (root / "web" / "ndr.txt").write_text(
        "Remote Server returned '550 5.7.64 TenantAttribution; Relay Access Denied'\n"
    )
    return root


def test_walk_skips_tool_folders_with_reason_and_count(tmp_path: Path) -> None:
    root = _tree(tmp_path / "case")
    evidence = api.load_evidence([str(root)])
    by_source = {s.source: s for s in evidence.sources}
    git = by_source[str(root / ".git")]
    assert git.skipped_reason == "a Git repository's internals, not evidence: 2 files not read"
    venv = by_source[str(root / "env")]
    assert venv.skipped_reason == "a Python virtualenv, not evidence: 6 files not read"
    node = by_source[str(root / "web" / "node_modules")]
    assert node.skipped_reason == "Node.js packages, not evidence: 1 file not read"
    # nothing below them was opened; the real evidence beside them was read
    assert not [s for s in evidence.sources if "/.git/" in s.source or "/env/" in s.source]
    assert not by_source[str(root / "web" / "ndr.txt")].skipped_reason
    assert any(f.provenance.source == str(root / "web" / "ndr.txt") for f in evidence.facts)


def test_survey_counts_what_would_be_read_and_skipped(tmp_path: Path) -> None:
    root = _tree(tmp_path / "case")
    survey = api.survey_folder(root)
    assert survey.files == 1  # web/ndr.txt
    skipped = [(Path(s.path).name, s.files) for s in survey.skipped]
    assert skipped == [(".git", 2), ("env", 6), ("node_modules", 1)]
    assert survey.skipped_files == 9
    assert not survey.capped


def test_survey_stops_counting_at_the_cap(tmp_path: Path) -> None:
    from relaydoctor.engine.evidence.folders import survey

    for i in range(30):
        (tmp_path / f"f{i}.log").write_text("x\n")
    assert survey(str(tmp_path), cap=10).capped


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared samples not present")
def test_diagnosis_of_a_bundle_is_unchanged_by_a_git_folder_in_it(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    shutil.copytree(SAMPLES, plain)
    with_git = tmp_path / "with-git"
    shutil.copytree(SAMPLES, with_git)
    (with_git / ".git").mkdir()
    shutil.copy(next(p for p in SAMPLES.iterdir() if p.is_file()), with_git / ".git" / "copy")
    now = api.parse_utc("2026-11-27T12:00:00Z")
    a = api.diagnose([str(plain)], now=now)
    b = api.diagnose([str(with_git)], now=now)
    assert [(v.cause, v.status) for v in a.verdicts] == [(v.cause, v.status) for v in b.verdicts]
    assert len(b.evidence) == len(a.evidence) + 1
