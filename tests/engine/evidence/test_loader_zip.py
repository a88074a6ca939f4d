"""Zip bundles: read in place, recognised by content, hostile archives refused."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from relaydoctor.engine.evidence import loader
from relaydoctor.engine.evidence.loader import load_evidence
from relaydoctor.engine.facts import SmtpSession


def _zip(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.fixture
def log(samples: Path) -> bytes:
    return (samples / "send-logs" / "SEND20261120-1.LOG").read_bytes()


@pytest.fixture(autouse=True)
def never_extract(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("the loader must not extract archives to disk")

    monkeypatch.setattr(zipfile.ZipFile, "extract", refuse)
    monkeypatch.setattr(zipfile.ZipFile, "extractall", refuse)


def test_zip_members_are_read_in_place(tmp_path: Path, log: bytes) -> None:
    path = tmp_path / "bundle.zip"
    path.write_bytes(_zip({"case/logs/SEND20261120-1.LOG": log, "case/readme.txt": b"see the logs\n"}))
    ev = load_evidence([str(path)])
    names = [s.source for s in ev.sources]
    assert names == [f"{path}!case/logs/SEND20261120-1.LOG", f"{path}!case/readme.txt"]
    assert ev.sources[1].kind == "unknown" and ev.sources[1].skipped_reason
    rejected = next(f for f in ev.facts if isinstance(f, SmtpSession) and f.outcome == "rejected")
    assert rejected.provenance.ref() == f"{path}!case/logs/SEND20261120-1.LOG:116"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle.zip"]  # nothing written


def test_zip_is_recognised_by_content_not_extension(tmp_path: Path, log: bytes) -> None:
    path = tmp_path / "evidence.txt"
    path.write_bytes(_zip({"SEND.LOG": log}))
    assert any(isinstance(f, SmtpSession) for f in load_evidence([str(path)]).facts)
    fake = tmp_path / "fake.zip"
    fake.write_bytes(log)
    assert load_evidence([str(fake)]).sources[0].kind == "send_log"


def test_nested_zip_is_opened_one_level(tmp_path: Path, log: bytes) -> None:
    inner = _zip({"SEND.LOG": log})
    deeper = _zip({"inner2.zip": _zip({"SEND2.LOG": log})})
    path = tmp_path / "outer.zip"
    path.write_bytes(_zip({"inner.zip": inner, "deep.zip": deeper}, zipfile.ZIP_STORED))
    ev = load_evidence([str(path)])
    by_name = {s.source: s for s in ev.sources}
    assert by_name[f"{path}!inner.zip!SEND.LOG"].kind == "send_log"
    skipped = by_name[f"{path}!deep.zip!inner2.zip"]
    assert skipped.skipped_reason and "more than one level" in skipped.skipped_reason


@pytest.mark.parametrize("bad", ["../evil.LOG", "/etc/passwd", "a/../../x", "C:\\\\Windows\\\\x", "..\\\\x"])
def test_path_traversal_names_are_refused(tmp_path: Path, log: bytes, bad: str) -> None:
    path = tmp_path / "hostile.zip"
    path.write_bytes(_zip({"ok.LOG": log, bad: log}))
    for given in (path, tmp_path):  # named or inside a folder: the whole archive is refused
        ev = load_evidence([str(given)])
        (source,) = ev.sources
        assert source.source == str(path) and source.kind == "zip"
        assert "escapes the archive" in (source.skipped_reason or "")
        assert not ev.facts


def test_zip_bomb_by_ratio_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    path.write_bytes(_zip({"zeros.log": b"\0" * (20 * 1024 * 1024)}))
    (source,) = load_evidence([str(path)]).sources
    assert source.source == str(path) and "zip bomb" in (source.skipped_reason or "")


def test_zip_bomb_by_total_size_is_refused(tmp_path: Path, log: bytes,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "MAX_ZIP_TOTAL", len(log) * 2)
    path = tmp_path / "many.zip"
    path.write_bytes(_zip({f"SEND{i}.LOG": log for i in range(3)}))
    ev = load_evidence([str(path)])
    (source,) = ev.sources
    assert "zip bomb" in (source.skipped_reason or "") and not ev.facts


def test_damaged_member_is_skipped_with_the_reason(tmp_path: Path, log: bytes) -> None:
    data = bytearray(_zip({"SEND.LOG": log, "SEND2.LOG": log.replace(b"08DF", b"08DE")}))
    data[200:264] = b"\xff" * 64  # inside the first member's compressed data
    path = tmp_path / "damaged.zip"
    path.write_bytes(bytes(data))
    ev = load_evidence([str(path)])
    by_source = {s.source: s for s in ev.sources}
    first, second = by_source[f"{path}!SEND.LOG"], by_source[f"{path}!SEND2.LOG"]
    assert first.skipped_reason
    assert second.skipped_reason is None and second.facts == 4


def test_truncated_zip_is_skipped_with_the_reason(tmp_path: Path, log: bytes) -> None:
    path = tmp_path / "cut.zip"
    path.write_bytes(_zip({"SEND.LOG": log})[:200])
    (source,) = load_evidence([str(path)]).sources
    assert source.source == str(path) and "not a readable zip archive" in (source.skipped_reason or "")
