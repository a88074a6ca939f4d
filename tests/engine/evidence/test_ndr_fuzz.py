"""Arbitrary and damaged input into ndr.py: only relaydoctor errors come out."""

from __future__ import annotations

import io

from fuzzprofile import fuzz_settings
from hypothesis import given
from hypothesis import strategies as st
from relaydoctor.engine.errors import RelaydoctorError
from relaydoctor.engine.evidence.base import Document
from relaydoctor.engine.evidence.symptoms import ndr
from samplepath import SAMPLES as SAMPLE_DIR

SAMPLES = SAMPLE_DIR / "ndr"
SEEDS = [p.read_bytes() for p in sorted(SAMPLES.glob("NDR-*"))] if SAMPLES.is_dir() else []
SEEDS.append(
    b"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n"
    b"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns;x\r\n\r\n"
    b"Final-Recipient: rfc822;a@b.c\r\nStatus: 5.7.64\r\nDiagnostic-Code: smtp;550 5.7.64 x\r\n--B--\r\n"
)
FUZZ = fuzz_settings(300)  # RELAYDOCTOR_HYPOTHESIS=deep: 10,000


def exercise(data: bytes) -> None:
    doc = Document("fuzz.eml", len(data), data[:65536], lambda: io.BytesIO(data))
    assert ndr.sniff(doc) in (True, False)
    try:
        result = ndr.parse(doc)
    except RelaydoctorError:
        return
    assert result.facts and all(f.origin == "ndr" for f in result.facts)


@FUZZ
@given(st.binary(max_size=4096))
def test_arbitrary_bytes(data: bytes) -> None:
    exercise(data)


DAMAGE = b"\r\n:;=-'\"<>[]#0123456789 \x00\xff"


def damage(seed: bytes, data: st.DataObject, alphabet: bytes = DAMAGE) -> bytes:
    """``seed`` with up to 12 bytes overwritten from ``alphabet``, cut somewhere."""
    blob = bytearray(seed)
    for _ in range(data.draw(st.integers(1, 12))):
        pos = data.draw(st.integers(0, len(blob) - 1))
        blob[pos] = data.draw(st.sampled_from(list(alphabet)))
    cut = data.draw(st.integers(1, len(blob)))
    return bytes(blob[:cut])


@FUZZ
@given(st.sampled_from(SEEDS), st.data())
def test_damaged_reports(seed: bytes, data: st.DataObject) -> None:
    exercise(damage(seed, data))


@FUZZ
@given(st.lists(st.sampled_from([
    "Content-Type: multipart/report; boundary=B", "MIME-Version: 1.0", "--B", "--B--", "",
    "Content-Type: message/delivery-status", "Content-Transfer-Encoding: quoted-printable",
    "Content-Transfer-Encoding: base64", "Status: 5.7.64",
    "Diagnostic-Code: smtp;550 5.7.64 x [h.example.com]",
    "Remote Server returned '550 5.7.64 x'", "Generating server: EXCH01", "Final-Recipient: rfc822;a@b.c",
    "Content-Type: text/plain", "Content-Type: text/html", "=3D=", "Last-Attempt-Date: garbage",
]), max_size=40))
def test_shuffled_mime_structure(lines: list[str]) -> None:
    exercise(("\r\n".join(["Received: x", *lines])).encode())
