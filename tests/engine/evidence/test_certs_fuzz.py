"""Arbitrary and damaged bytes into certs.py: only relaydoctor errors come out."""

from __future__ import annotations

import contextlib
import io

from certfactory import make_chain, to_der, to_p7b, to_pem, to_pfx
from fuzzprofile import fuzz_settings
from hypothesis import given
from hypothesis import strategies as st
from relaydoctor.engine.errors import RelaydoctorError
from relaydoctor.engine.evidence.base import Document
from relaydoctor.engine.evidence.certificates import certs

CHAIN = make_chain("fuzz.contoso.com", key_type="rsa")
SEEDS = [
    to_der(CHAIN.leaf.cert),
    to_pem(*CHAIN.certs),
    to_p7b(CHAIN.certs),
    to_p7b(CHAIN.certs, "pem"),
    to_pfx(CHAIN.leaf, CHAIN.cas, "pw", legacy=True),
]
FUZZ = fuzz_settings(300)  # RELAYDOCTOR_HYPOTHESIS=deep: 10,000


def document(data: bytes) -> Document:
    return Document("fuzz.bin", len(data), data[:65536], lambda: io.BytesIO(data))


def exercise(data: bytes, password: str | None = None) -> None:
    doc = document(data)
    assert certs.sniff(doc) in (True, False)
    try:
        result = certs.parse_with_password(doc, password)
    except RelaydoctorError:
        return
    assert result.facts  # a parse that returns has found a certificate
    with contextlib.suppress(RelaydoctorError):
        certs.load_certificates(data, "fuzz.bin", password)


@FUZZ
@given(st.binary(max_size=4096))
def test_arbitrary_bytes(data: bytes) -> None:
    exercise(data)


@FUZZ
@given(st.sampled_from(SEEDS), st.data())
def test_damaged_certificate_files(seed: bytes, data: st.DataObject) -> None:
    blob = bytearray(seed)
    for _ in range(data.draw(st.integers(1, 8))):
        pos = data.draw(st.integers(0, len(blob) - 1))
        blob[pos] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(1, len(blob)))
    exercise(bytes(blob[:cut]), data.draw(st.sampled_from([None, "pw", "wrong"])))


@FUZZ
@given(st.text(max_size=2000))
def test_arbitrary_text_with_pem_markers(text: str) -> None:
    body = f"-----BEGIN CERTIFICATE-----\n{text}\n-----END CERTIFICATE-----\n"
    exercise(body.encode("utf-8", errors="surrogatepass"))
