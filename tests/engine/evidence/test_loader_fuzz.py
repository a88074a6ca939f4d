"""Fuzzing: whatever bytes arrive, the loader and the log parsers raise only relaydoctor errors."""

from __future__ import annotations

import contextlib
import io
import tempfile
import zipfile
from pathlib import Path

import pytest
from fuzzprofile import fuzz_settings
from hypothesis import given
from hypothesis import strategies as st
from relaydoctor.engine.errors import RelaydoctorError
from relaydoctor.engine.evidence.base import Document
from relaydoctor.engine.evidence.decoding import decode, decode_head, iter_lines
from relaydoctor.engine.evidence.loader import load_evidence
from relaydoctor.engine.evidence.smtplog import iis as iislog
from relaydoctor.engine.evidence.smtplog import receive as smtplog_receive
from relaydoctor.engine.evidence.smtplog import send as sendlog
from relaydoctor.engine.evidence.symptoms import messagetrace
from samplepath import SAMPLES as SAMPLE_DIR

SAMPLES = SAMPLE_DIR
LOGS = sorted((SAMPLES / "send-logs").glob("SEND*.LOG")) if SAMPLES.is_dir() else []
FUZZ = fuzz_settings(150)  # RELAYDOCTOR_HYPOTHESIS=deep: 10,000


def _doc(data: bytes) -> Document:
    return Document(name="fuzz.log", size=len(data), head=data[:65536], opener=lambda: io.BytesIO(data))


def _load(data: bytes, *, in_folder: bool) -> None:
    """Named or inside a folder, a readable file that is not evidence (or is broken) is skipped
    with its reason: load_evidence never raises for it."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "evidence.bin"
        path.write_bytes(data)
        ev = load_evidence([tmp if in_folder else str(path)])
        assert ev.sources
        assert all(s.source == str(path) or s.source.startswith(f"{path}!") for s in ev.sources)


@st.composite
def mutated_log(draw: st.DrawFn) -> bytes:
    """A sample send log with bytes flipped, cut, duplicated or spliced."""
    data = bytearray(LOGS[draw(st.integers(0, len(LOGS) - 1))].read_bytes())
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "delete", "insert", "truncate", "dup_line", "comma", "quote"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "flip":
            if data:
                data[at] = draw(st.integers(0, 255))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 400))]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=40))
        elif op == "truncate":
            del data[at:]
        elif op == "dup_line":
            end = data.find(b"\n", at)
            start = data.rfind(b"\n", 0, at) + 1
            if end > start:
                data[end + 1 : end + 1] = data[start : end + 1]
        elif op == "comma":
            data[at:at] = b","
        else:
            data[at:at] = b'"'
    return bytes(data)


@FUZZ
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_named_directly(data: bytes) -> None:
    _load(data, in_folder=False)


@FUZZ
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_in_a_folder_are_never_fatal(data: bytes) -> None:
    _load(data, in_folder=True)


@pytest.mark.skipif(not LOGS, reason="samples not available")
@FUZZ
@given(mutated_log())
def test_mutated_send_logs_through_the_parsers(data: bytes) -> None:
    for module in (sendlog, smtplog_receive):
        with contextlib.suppress(RelaydoctorError):
            module.parse(_doc(data))
    _load(data, in_folder=True)


@pytest.mark.skipif(not LOGS, reason="samples not available")
@FUZZ
@given(mutated_log(), st.integers(256, 8192), st.integers(0, 8192))
def test_mutated_logs_with_small_blocks(data: bytes, block: int, lookback: int) -> None:
    with contextlib.suppress(RelaydoctorError):
        sendlog.scan(io.BytesIO(data), "fuzz.log", block_size=block, lookback=lookback)


@pytest.mark.skipif(not LOGS, reason="samples not available")
@FUZZ
@given(st.binary(min_size=1, max_size=64), st.integers(0, 10_000))
def test_damaged_zips(patch: bytes, at: int) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("logs/SEND.LOG", LOGS[0].read_bytes())
        zf.writestr("notes.txt", b"hello")
    data = bytearray(buf.getvalue())
    at %= len(data)
    data[at : at + len(patch)] = patch
    _load(bytes(data), in_folder=False)
    _load(bytes(data), in_folder=True)


@FUZZ
@given(st.binary(max_size=2048))
def test_decoding_raises_only_evidence_errors(data: bytes) -> None:
    assert isinstance(decode_head(data), str)
    for call in (lambda: decode(data, "x"), lambda: list(iter_lines(io.BytesIO(data), None, chunk_size=7))):
        with contextlib.suppress(RelaydoctorError):
            call()


IIS_HEAD = b"#Software: Microsoft Internet Information Services 10.0\r\n#Fields: date time c-ip cs-username "
TRACE_HEAD = b'"Timestamp","EventId","Source","MessageId","Recipients","RecipientStatus"\r\n'


@FUZZ
@given(st.sampled_from([IIS_HEAD, TRACE_HEAD]), st.binary(max_size=2048))
def test_iis_and_trace_parsers_raise_only_evidence_errors(head: bytes, body: bytes) -> None:
    data = head + body
    for module in (iislog, messagetrace):
        with contextlib.suppress(RelaydoctorError):
            module.parse(_doc(data))


@pytest.mark.skipif(not LOGS, reason="samples not available")
def test_a_sequence_number_of_non_ascii_digits_is_not_a_row() -> None:
    """"²5" passes ``str.isdigit`` but not ``int()``: the row is left out, the log still read
    (found by test_mutated_send_logs_through_the_parsers)."""
    lines = LOGS[0].read_bytes().split(b"\n")
    rows = [i for i, line in enumerate(lines) if line and not line.startswith(b"#")]
    at = rows[40]  # past the rows every log must parse cleanly (scan.VALIDATE_ROWS)
    fields = lines[at].split(b",")
    fields[3] = "²5".encode()
    lines[at] = b",".join(fields)
    result = sendlog.parse(_doc(b"\n".join(lines)))
    assert result.facts
