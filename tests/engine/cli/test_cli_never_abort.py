"""Issue 9, never abort on a file: a named file that is not evidence (or is broken) is skipped like
one inside a folder — one stderr warning naming it and why, and an entry in the report's evidence
list in every format. Exit 2 only for a named path that is missing or unreadable, or when nothing
at all was recognised and no --ndr was given.

The evidence is the in-repository collector fixture, so these tests run on a fresh clone.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from clikit import REPO, Run, run_cli, run_main
from relaydoctor.engine.evidence.windows.evtx import HOW_TO_EXPORT

NOW = "2026-11-27T12:00:00Z"
BUNDLE = REPO / "tests" / "fixtures" / "collector" / "renewed-certificate"
CAUSE = "certificate-name-mismatch"  # what the fixture proves (tests/collector)
STRAYS = {  # what admins drag in with their evidence (issue 9)
    "Get-TransportConfig.txt": "Get-TransportConfig output nobody parses yet\r\nfoo bar\r\n",
    "ticket-note.txt": "Customer says mail from the scanner stopped on Monday.\n",
    "docker-compose.yml": "services:\n  relay:\n    image: boky/postfix\n    ports: ['25:25']\n",
    "app.ini": "[smtp]\nhost = smtp.example.net\nport = 25\n",
}
EVTX = b"ElfFile\x00" + bytes(120) + b"\x00" * 3968 + b"ElfChnk\x00" + bytes(512)


@pytest.fixture
def strays(tmp_path: Path) -> list[Path]:
    paths = []
    for name, text in STRAYS.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    evtx = tmp_path / "Microsoft-Windows-CAPI2%4Operational.evtx"
    evtx.write_bytes(EVTX)
    return [*paths, evtx]


def _warnings(run: Run) -> list[str]:
    lines = run.err.splitlines()
    assert all(line.startswith("relaydoctor: warning: ") for line in lines), run.err
    return lines


def _bundle_files() -> list[str]:
    return sorted(str(p) for p in BUNDLE.iterdir())


def test_named_stray_files_are_skipped_with_a_warning_each(capsys, strays: list[Path]) -> None:
    """`relaydoctor diagnose *` over a folder with stray files: the diagnosis is the bundle's."""
    r = run_main(capsys, "diagnose", *_bundle_files(), *map(str, strays), "--now", NOW, "--format", "json")
    assert r.code == 0, r.err
    warnings = _warnings(r)
    assert len(warnings) == len(strays)
    for path, line in zip(strays, warnings, strict=True):
        assert line.startswith(f"relaydoctor: warning: {path}: skipped: ")
    assert warnings[-1].endswith(HOW_TO_EXPORT)
    report = json.loads(r.out)
    skipped = {e["source"]: e["skipped_reason"] for e in report["evidence"] if e["skipped_reason"]}
    assert skipped == {
        str(p): (HOW_TO_EXPORT if p.suffix == ".evtx" else "not recognised as evidence") for p in strays
    }
    assert any(v["cause"] == CAUSE and v["status"] == "confirmed" for v in report["verdicts"])


def test_the_same_run_without_the_strays_gives_the_same_verdicts(capsys, strays: list[Path]) -> None:
    clean = run_main(capsys, "diagnose", *_bundle_files(), "--now", NOW, "--format", "json")
    mixed = run_main(capsys, "diagnose", *_bundle_files(), *map(str, strays), "--now", NOW,
                     "--format", "json")
    assert clean.code == mixed.code == 0 and clean.err == ""
    assert json.loads(clean.out)["verdicts"] == json.loads(mixed.out)["verdicts"]


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_skipped_named_files_are_listed_in_text_and_markdown(capsys, strays: list[Path], fmt: str) -> None:
    r = run_main(capsys, "diagnose", *_bundle_files(), str(strays[0]), str(strays[-1]), "--now", NOW,
                 "--format", fmt, "--verbose")
    assert r.code == 0 and len(_warnings(r)) == 2
    assert f"{strays[0].name}" in r.out and "skipped: not recognised as evidence" in r.out
    assert "wevtutil qe" in r.out


def test_a_broken_named_log_is_skipped_with_its_line(capsys, tmp_path: Path) -> None:
    log = tmp_path / "SEND20261120-9.LOG"
    log.write_bytes(
        b"#Software: Microsoft Exchange Server\r\n#Version: 15.02.1748.010\r\n"
        b"#Log-type: SMTP Send Protocol Log\r\n#Date: 2026-11-20T00:00:02.314Z\r\n"
        b"#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,"
        b"event,data,context\r\ngarbage,not,a,row\r\n"
    )
    r = run_main(capsys, "diagnose", *_bundle_files(), str(log), "--now", NOW)
    assert r.code == 0
    (warning,) = _warnings(r)
    assert warning.startswith(f"relaydoctor: warning: {log}: skipped: line 6: ")


def test_nothing_recognised_is_still_exit_2(capsys, strays: list[Path]) -> None:
    one = run_main(capsys, "diagnose", str(strays[1])).one_error_line()
    assert one == f"relaydoctor: {strays[1]}: not evidence relaydoctor can read: not recognised as evidence"
    evtx = run_main(capsys, "diagnose", str(strays[-1])).one_error_line()
    assert evtx.startswith(f"relaydoctor: {strays[-1]}: ") and "wevtutil qe" in evtx
    many = run_main(capsys, "diagnose", *map(str, strays)).one_error_line()
    assert f"no evidence relaydoctor recognises in {len(strays)} files" in many


def test_nothing_recognised_but_an_ndr_is_a_diagnosis(capsys, strays: list[Path]) -> None:
    r = run_main(capsys, "diagnose", str(strays[0]), "--ndr",
                 "550 5.7.64 TenantAttribution; Relay Access Denied", "--now", NOW, "--format", "json")
    assert r.code == 0 and len(_warnings(r)) == 1
    (entry,) = [e for e in json.loads(r.out)["evidence"] if e["source"] == str(strays[0])]
    assert entry["skipped_reason"] == "not recognised as evidence"


def test_a_missing_named_path_is_still_exit_2(capsys, tmp_path: Path) -> None:
    missing = tmp_path / "Get-InboundConnector.txt"
    line = run_main(capsys, "diagnose", *_bundle_files(), str(missing)).one_error_line()
    assert line == f"relaydoctor: {missing}: no such file or directory"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file without read permission")
def test_an_unreadable_named_file_is_still_exit_2(capsys, tmp_path: Path) -> None:
    locked = tmp_path / "SEND20261120-1.LOG"
    shutil.copy(BUNDLE / "EXCH01-SEND20261120-1.LOG", locked)
    locked.chmod(0)
    try:
        line = run_main(capsys, "diagnose", *_bundle_files(), str(locked)).one_error_line()
    finally:
        locked.chmod(0o600)
    assert line.startswith(f"relaydoctor: {locked}: ")


def test_a_named_fifo_is_still_exit_2(capsys, tmp_path: Path) -> None:
    fifo = tmp_path / "evidence.pipe"
    os.mkfifo(fifo)
    line = run_main(capsys, "diagnose", *_bundle_files(), str(fifo)).one_error_line()
    assert line == f"relaydoctor: {fifo}: not a regular file"


def test_facts_command_skips_a_named_stray_too(capsys, strays: list[Path]) -> None:
    r = run_main(capsys, "facts", *_bundle_files(), str(strays[2]), "--format", "json", "--now", NOW)
    assert r.code == 0 and len(_warnings(r)) == 1
    sources = {s["source"]: s for s in json.loads(r.out)["evidence"]}
    assert sources[str(strays[2])]["skipped_reason"] == "not recognised as evidence"


def test_subprocess_diagnose_star_with_strays(tmp_path: Path, strays: list[Path]) -> None:
    """The real entry point, as `relaydoctor diagnose *` in a folder mixing evidence and strays."""
    for path in BUNDLE.iterdir():
        shutil.copy(path, tmp_path / path.name)
    names = sorted(p.name for p in tmp_path.iterdir())
    r = run_cli("diagnose", *names, "--now", NOW, "--format", "json", cwd=tmp_path)
    assert r.code == 0, r.err
    assert "Traceback" not in r.err
    warned = [line.split(": ")[2] for line in _warnings(r)]
    assert warned == [n for n in names if n in {p.name for p in strays}]  # in the order named
    report = json.loads(r.out)
    assert any(v["cause"] == CAUSE and v["status"] == "confirmed" for v in report["verdicts"])


def test_subprocess_only_strays_is_exit_2_in_one_line(tmp_path: Path, strays: list[Path]) -> None:
    r = run_cli("diagnose", *sorted(p.name for p in strays), cwd=tmp_path)
    line = r.one_error_line()
    assert f"no evidence relaydoctor recognises in {len(strays)} files" in line and r.out == ""
