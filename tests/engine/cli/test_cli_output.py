"""--output never destroys input, never blocks, never leaves a partial file (issues 12 and 13)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from clikit import REPO, run_cli, run_main
from relaydoctor.engine import output as out_mod

NOW = "2026-11-27T12:00:00Z"


@pytest.fixture
def evidence(samples, tmp_path) -> Path:
    """A writable copy of one NDR: the smallest evidence that gives a report."""
    folder = tmp_path / "ev"
    folder.mkdir()
    src = samples / "bundles" / "renewed-certificate"
    ndr = next(p for p in src.iterdir() if p.suffix == ".eml")
    shutil.copy(ndr, folder / "ndr.eml")
    return folder / "ndr.eml"


def _unchanged(path: Path, before: bytes) -> None:
    assert path.read_bytes() == before


def test_output_naming_an_input_file_is_refused(capsys, evidence):
    before = evidence.read_bytes()
    line = run_main(capsys, "diagnose", str(evidence), "--output", str(evidence), "--force").one_error_line()
    assert "refusing to overwrite evidence" in line
    _unchanged(evidence, before)


def test_output_through_a_symlink_or_hard_link_to_an_input_is_refused(capsys, evidence, tmp_path):
    before = evidence.read_bytes()
    (tmp_path / "sym.txt").symlink_to(evidence)
    os.link(evidence, tmp_path / "hard.txt")
    for target in ("sym.txt", "hard.txt"):
        line = run_main(capsys, "diagnose", str(evidence), "--output", str(tmp_path / target),
                        "--force").one_error_line()
        assert "refusing to overwrite evidence" in line
    _unchanged(evidence, before)


def test_output_inside_an_input_folder_or_an_input_zip_is_refused(capsys, evidence, tmp_path):
    before = evidence.read_bytes()
    line = run_main(capsys, "diagnose", str(evidence.parent), "--output", str(evidence),
                    "--force").one_error_line()
    assert "refusing to overwrite evidence" in line
    bundle = tmp_path / "bundle.zip"
    with zipfile.ZipFile(bundle, "w") as zf:
        zf.write(evidence, "ndr.eml")
    zip_before = bundle.read_bytes()
    line = run_main(capsys, "diagnose", str(bundle), "--output", str(bundle), "--force").one_error_line()
    assert "refusing to overwrite evidence" in line
    _unchanged(evidence, before)
    assert bundle.read_bytes() == zip_before


def test_output_to_fifo_device_or_directory_is_refused_without_blocking(evidence, tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for target in (fifo, Path("/dev/null"), tmp_path):
        started = time.monotonic()
        line = run_cli("diagnose", str(evidence), "--output", str(target), timeout=60).one_error_line()
        assert "cannot write" in line
        assert time.monotonic() - started < 30


def test_existing_file_needs_force_and_format_follows_extension(capsys, evidence, tmp_path):
    report = tmp_path / "report.json"
    report.write_text("keep me", "utf-8")
    line = run_main(capsys, "diagnose", str(evidence), "--now", NOW, "--output", str(report)).one_error_line()
    assert "use --force" in line and report.read_text("utf-8") == "keep me"
    forced_run = run_main(capsys, "diagnose", str(evidence), "--now", NOW, "--output", str(report), "--force")
    assert forced_run.code == 0
    assert json.loads(report.read_text("utf-8"))["schema_version"] == 1
    md = tmp_path / "report.md"
    assert run_main(capsys, "diagnose", str(evidence), "--now", NOW, "--output", str(md)).code == 0
    assert md.read_text("utf-8").startswith("# relaydoctor diagnosis")
    txt = tmp_path / "report.txt"
    assert run_main(capsys, "diagnose", str(evidence), "--now", NOW, "--output", str(txt)).code == 0
    assert txt.read_text("utf-8").startswith("relaydoctor diagnosis")
    forced = tmp_path / "forced.json"
    assert run_main(capsys, "diagnose", str(evidence), "--now", NOW, "--output", str(forced),
                    "--format", "text").code == 0
    assert forced.read_text("utf-8").startswith("relaydoctor diagnosis")
    facts = tmp_path / "facts.json"
    assert run_main(capsys, "facts", str(evidence), "--now", NOW, "--output", str(facts)).code == 0
    json.loads(facts.read_text("utf-8"))
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []


def test_infer_format_table():
    assert out_mod.infer_format("x.JSON", None, ("text", "json")) == "json"
    assert out_mod.infer_format("x.md", None, ("text", "json")) == "text"  # facts has no markdown
    assert out_mod.infer_format("x.md", None, ("text", "markdown", "json")) == "markdown"
    assert out_mod.infer_format("x.json", "markdown", ("text", "markdown", "json")) == "markdown"
    assert out_mod.infer_format(None, None, ("text",)) == "text"


def test_failed_write_leaves_old_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "report.txt"
    target.write_text("old", "utf-8")

    def boom(*_a):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(out_mod.os, "fsync", boom)
    with pytest.raises(out_mod.InputError, match="No space left"):
        out_mod.write_atomic(str(target), "new report")
    assert target.read_text("utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.txt"]

    def interrupt(*_a):
        raise KeyboardInterrupt

    monkeypatch.setattr(out_mod.os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        out_mod.write_atomic(str(target), "new report")
    assert [p.name for p in tmp_path.iterdir()] == ["report.txt"]


def test_odd_output_names_and_undecodable_input_names(tmp_path, evidence):
    odd_dir = os.fsencode(tmp_path) + b"/\xff\xfe-odd"
    os.mkdir(odd_dir)
    odd_input = odd_dir + b"/ndr-\xe9\x1b[31m.eml"
    shutil.copy(evidence, os.fsdecode(odd_input))
    odd_out = os.fsencode(tmp_path) + b"/r\xe9port \xe2\x80\xae.json"  # latin-1 e-acute, U+202E
    proc = subprocess.run(
        [os.fsencode(sys.executable), b"-m", b"relaydoctor.engine", b"diagnose", odd_input, b"--now",
         NOW.encode(), b"--output", odd_out],
        capture_output=True, cwd=REPO, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(Path(os.fsdecode(odd_out)).read_text("utf-8"))
    text = json.dumps(data)
    assert "\x1b" not in Path(os.fsdecode(odd_out)).read_text("utf-8")
    assert "ndr-" in text


@pytest.mark.parametrize("env", [{"LANG": "C", "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"},
                                 {"PYTHONIOENCODING": "latin-1"}, {"PYTHONIOENCODING": "ascii"}])
def test_non_utf8_stdout_degrades_with_escapes(tmp_path, evidence, env):
    odd = tmp_path / "évidence-ü"
    odd.mkdir()
    shutil.copy(evidence, odd / "ndr-ö.eml")
    bad = os.fsencode(odd) + b"/x\xff.eml"
    shutil.copy(evidence, os.fsdecode(bad))
    full_env = {**os.environ, **env}
    for fmt in ("text", "markdown", "json"):
        proc = subprocess.run([sys.executable, "-m", "relaydoctor.engine", "diagnose", str(odd), "--now", NOW,
                               "--format", fmt], capture_output=True, env=full_env, cwd=REPO, timeout=120)
        assert proc.returncode == 0, proc.stderr
        assert b"Traceback" not in proc.stderr


def test_closed_stdout_full_disk_and_head_are_one_line_or_quiet(evidence):
    base = [sys.executable, "-m", "relaydoctor.engine", "diagnose", str(evidence), "--now", NOW]
    closed = subprocess.run(base, stdout=None, stderr=subprocess.PIPE, text=True, timeout=120,
                            cwd=REPO, pass_fds=(), close_fds=True,
                            preexec_fn=lambda: os.close(1))
    assert closed.returncode == 2 and len(closed.stderr.splitlines()) == 1, closed.stderr
    with open("/dev/full", "w") as full:
        proc = subprocess.run(base, stdout=full, stderr=subprocess.PIPE, text=True, timeout=120, cwd=REPO)
    assert proc.returncode == 2 and "No space left" in proc.stderr and len(proc.stderr.splitlines()) == 1
    head = subprocess.run(f"{' '.join(base)} | head -1", shell=True, capture_output=True, text=True,
                          timeout=120, cwd=REPO)
    assert head.stderr == "" and head.stdout.startswith("relaydoctor diagnosis")


def test_ctrl_c_while_writing_leaves_no_partial_file(evidence, tmp_path):
    """SIGINT during the run: exit 130, and --output holds nothing half-written."""
    target = tmp_path / "report.json"
    proc = subprocess.Popen([sys.executable, "-m", "relaydoctor.engine", "diagnose", str(evidence),
                             "--output", str(target)], cwd=REPO, stderr=subprocess.PIPE)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    code = proc.wait(timeout=30)
    # -SIGINT: on a loaded machine the signal can land before Python installs its handler, and the
    # interpreter dies of it as any program would; what matters is that nothing was half-written.
    assert code in (0, 130, -signal.SIGINT)
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    if target.exists():
        json.loads(target.read_text("utf-8"))


def test_output_dash_is_standard_output(capsys, evidence, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = run_main(capsys, "diagnose", str(evidence), "--now", NOW, "--output", "-", "--format", "json")
    assert run.code == 0 and json.loads(run.out)["schema_version"] == 1
    assert not (tmp_path / "-").exists()
