"""Arbitrary input into text.py, queue.py and smtp_reply: only relaydoctor errors come out."""

from __future__ import annotations

import contextlib
import io

from fuzzprofile import fuzz_settings
from hypothesis import given
from hypothesis import strategies as st
from relaydoctor.engine.errors import RelaydoctorError
from relaydoctor.engine.evidence.base import Document
from relaydoctor.engine.evidence.symptoms import queue, text
from relaydoctor.engine.evidence.symptoms.smtp_reply import find_replies, tls_failure_code

FUZZ = fuzz_settings(300)  # RELAYDOCTOR_HYPOTHESIS=deep: 10,000
PIECES = st.sampled_from([
    "550", "5.7.64", "4.4.62", " ", "-", "+", ",", "b'", "'", '"', "(", ")", "[", "]", "{", "}", "#", "##",
    "\n", "\r\n", "TenantAttribution;", "ATTR36", "[host.example.com]", "{LED=", "};{MSG=};{FQDN=", "};{IP=",
    "LastError : ", "TLS negotiation failed with error ", "UnknownCredentials", "responded with: ", "->",
    "Remote Server at ", "Generating server: ", "a@b.example", ".", "x", "é", "\u2028", "\x00",
])


def exercise(module, data: bytes) -> None:
    doc = Document("fuzz.txt", len(data), data[:65536], lambda: io.BytesIO(data))
    assert module.sniff(doc) in (True, False)
    try:
        result = module.parse(doc)
    except RelaydoctorError:
        return
    assert result.facts


@FUZZ
@given(st.binary(max_size=4096))
def test_arbitrary_bytes(data: bytes) -> None:
    exercise(text, data)
    exercise(queue, data)


@FUZZ
@given(st.lists(PIECES, max_size=80).map("".join))
def test_reply_like_text(pasted: str) -> None:
    for reply in find_replies(pasted):
        assert reply.status_code[0] in "245" and reply.text
        assert reply.start >= 0
    tls_failure_code(pasted)
    try:
        result = text.parse_text("--ndr", pasted)
    except RelaydoctorError:
        pass
    else:
        assert all(f.origin == "text" for f in result.facts)
    exercise(queue, pasted.encode("utf-8", errors="surrogatepass"))


@FUZZ
@given(st.text(max_size=3000))
def test_arbitrary_unicode(pasted: str) -> None:
    with contextlib.suppress(RelaydoctorError):
        text.parse_text("--ndr", pasted)
