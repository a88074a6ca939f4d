"""Named size limits, each tried just below and just above: fields, cmdlet files, folder depth,
zip ratio, `--ndr -`."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from clikit_path import REPO, run_cli
from relaydoctor.engine import cli
from relaydoctor.engine.evidence import fieldlimit, loader
from relaydoctor.engine.evidence.loader import load_evidence
from relaydoctor.engine.facts import InboundConnector
from samplepath import SAMPLES as SAMPLE_DIR

SAMPLES = SAMPLE_DIR
NEEDS_SAMPLES = pytest.mark.skipif(not (SAMPLES / "cmdlets").is_dir(), reason="no ../shared/samples")


def _inbound_fl(name: str) -> str:
    return (
        "\nRunspaceId                   : 0a67bb6c-1f62-4ce8-b408-452b1afefc97\n"
        "Enabled                      : True\n"
        "ConnectorType                : OnPremises\n"
        "TlsSenderCertificateName     : mail.contoso.com\n"
        "RequireTls                   : True\n"
        "SenderIPAddresses            : {}\n"
        f"Name                         : {name}\n\n"
    )


def _connector(tmp_path: Path, name_len: int) -> tuple[InboundConnector, list[str]]:
    path = tmp_path / f"Get-InboundConnector-{name_len}.txt"
    path.write_text(_inbound_fl("n" * name_len), "utf-8")
    ev = load_evidence([str(path)])
    (conn,) = [f for f in ev.facts if isinstance(f, InboundConnector)]
    return conn, ev.warnings


def test_field_just_below_and_just_above_the_maximum(tmp_path: Path):
    at, warnings = _connector(tmp_path, fieldlimit.MAX_FIELD_CHARS)
    assert len(at.name) == fieldlimit.MAX_FIELD_CHARS and not at.incomplete
    assert not [w for w in warnings if "truncated" in w]
    above, warnings = _connector(tmp_path, fieldlimit.MAX_FIELD_CHARS + 1)
    assert len(above.name) == fieldlimit.MAX_FIELD_CHARS and above.incomplete
    (warning,) = [w for w in warnings if "truncated" in w]
    assert warning.startswith(f"{tmp_path}/Get-InboundConnector-{fieldlimit.MAX_FIELD_CHARS + 1}.txt:8: ")


def test_a_20_mb_field_gives_a_report_not_an_internal_error(tmp_path: Path):
    """Durable-rules refuses facts past ~16 MB (error 314): the field is cut before it gets there."""
    path = tmp_path / "Get-InboundConnector.txt"
    path.write_text(_inbound_fl("x" * (20 * 1024 * 1024)), "utf-8")
    r = run_cli("diagnose", str(path), "--format", "json", timeout=240)
    assert r.code == 0, r.err
    assert "truncated and marked incomplete" in r.out


@NEEDS_SAMPLES
@pytest.mark.parametrize("fmt", ["json", "clixml"])
def test_a_17_mb_string_in_json_or_clixml_gives_a_report(tmp_path: Path, fmt: str):
    """The issue's 100 MB JSON and 200 MB CliXML strings, at the smallest size durable refuses
    (they are above MAX_CMDLET_BYTES at full size and refused in one line)."""
    big = "y" * (17 * 1024 * 1024)
    if fmt == "json":
        objs = json.loads((SAMPLES / "cmdlets" / "Get-InboundConnector.json").read_text("utf-8-sig"))
        objs[0]["Name"] = big
        path = tmp_path / "Get-InboundConnector.json"
        path.write_text(json.dumps(objs, indent=4), "utf-8")
    else:
        text = (SAMPLES / "cmdlets" / "Get-InboundConnector.clixml.xml").read_text("utf-8-sig")
        text = text.replace('<S N="Name">Inbound from 5c1a4e1b-6a0e-4e2b-9f3d-2c7b8d9e0f11</S>',
                            f'<S N="Name">{big}</S>', 1)
        path = tmp_path / "Get-InboundConnector.xml"
        path.write_text(text, "utf-8")
    r = run_cli("diagnose", str(path), "--format", "json", timeout=240)
    assert r.code == 0, r.err
    assert "truncated and marked incomplete" in r.out


def test_cmdlet_file_just_below_and_just_above_its_size_limit(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(loader, "MAX_CMDLET_BYTES", 4096)
    path = tmp_path / "Get-InboundConnector.txt"
    text = _inbound_fl("c" * 100)
    path.write_text(text + " " * (4096 - len(text.encode())), "utf-8")
    assert os.path.getsize(path) == 4096
    assert [f for f in load_evidence([str(path)]).facts if isinstance(f, InboundConnector)]
    path.write_text(text + " " * (4097 - len(text.encode())), "utf-8")
    (source,) = load_evidence([str(path)]).sources  # named or not, skipped with the reason (issue 9)
    assert "too large to read" in (source.skipped_reason or "")


@NEEDS_SAMPLES
def test_sparse_2_gb_cmdlet_file_is_refused_at_once(tmp_path: Path):
    """The issue's 2 GB sparse CliXML (10.3 GB RSS before): refused before it is read."""
    path = tmp_path / "Get-InboundConnector.xml"
    with open(path, "wb") as fh:
        fh.write((SAMPLES / "cmdlets" / "Get-InboundConnector.clixml.xml").read_bytes()[:30000])
        fh.truncate(2 * 1024**3)
    started = time.monotonic()
    line = run_cli("diagnose", str(path), timeout=60).one_error_line()
    assert "too large" in line and time.monotonic() - started < 30


def _nest(root: Path, depth: int) -> Path:
    folder = root
    for n in range(depth):
        folder = folder / f"d{n}"
    folder.mkdir(parents=True)
    return folder


def test_folder_depth_just_at_and_beyond_the_maximum(tmp_path: Path):
    deepest_read = _nest(tmp_path / "a", loader.MAX_DEPTH)
    (deepest_read / "ndr.txt").write_text("550 5.7.64 TenantAttribution; Relay Access Denied\n", "utf-8")
    ev = load_evidence([str(tmp_path / "a")])
    assert any(s.source.endswith("ndr.txt") and not s.skipped_reason for s in ev.sources)
    too_deep = _nest(tmp_path / "b", loader.MAX_DEPTH + 1)
    (too_deep / "ndr.txt").write_text("550 5.7.64 TenantAttribution; Relay Access Denied\n", "utf-8")
    ev = load_evidence([str(tmp_path / "b")])
    (skipped,) = [s for s in ev.sources if s.skipped_reason]
    assert f"deeper than {loader.MAX_DEPTH}" in skipped.skipped_reason
    assert skipped.source == str(too_deep)


def _zip(path: Path, sizes: list[int]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, size in enumerate(sizes):
            zf.writestr(f"m{n}.txt", b"\0" * size)
    return path


def test_zip_member_ratio_just_below_and_at_the_exempt_size(tmp_path: Path):
    below = _zip(tmp_path / "below.zip", [loader.RATIO_MIN_SIZE - 1])
    load_evidence([str(below)])  # small members may compress well: read (and skipped as not evidence)
    at = _zip(tmp_path / "at.zip", [loader.RATIO_MIN_SIZE])
    (source,) = load_evidence([str(at)]).sources  # the whole archive is refused, not the run
    assert "zip bomb" in (source.skipped_reason or "")


def test_many_small_bombs_are_refused_by_the_overall_ratio(tmp_path: Path):
    many = _zip(tmp_path / "many.zip", [loader.RATIO_MIN_SIZE // 2] * 8)
    ev = load_evidence([str(many)])
    (source,) = ev.sources
    assert "overall" in (source.skipped_reason or "") and not ev.facts


def test_ndr_stdin_just_below_and_just_above_the_maximum(monkeypatch):
    monkeypatch.setattr(cli, "MAX_NDR_STDIN_CHARS", 100)
    monkeypatch.setattr(sys, "stdin", io.StringIO("x" * 100))
    assert cli._ndr_texts(["-"]) == ["x" * 100]
    monkeypatch.setattr(sys, "stdin", io.StringIO("x" * 101))
    with pytest.raises(cli.InputError, match="more than 100 characters"):
        cli._ndr_texts(["-"])


def test_endless_ndr_stream_is_cut_off():
    proc = subprocess.run(
        f"yes '550 5.7.64 TenantAttribution' | {sys.executable} -m relaydoctor.engine diagnose --ndr -",
        shell=True, capture_output=True, text=True, cwd=REPO, timeout=120,
    )
    assert proc.returncode == 2 and "more than" in proc.stderr and len(proc.stderr.splitlines()) == 1
