"""decoding: BOMs, BOM-less UTF-16, UTF-8 → Windows-1252 fallback, line ends, streamed lines."""

from __future__ import annotations

import codecs
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from relaydoctor.engine.errors import EvidenceError
from relaydoctor.engine.evidence import decoding
from relaydoctor.engine.evidence.decoding import decode, decode_head, iter_lines, sniff_encoding

TEXT = "Name : Inbound – contoso\r\nTlsSenderCertificateName : mail.contoso.com\r\n"
EXPECTED = "Name : Inbound – contoso\nTlsSenderCertificateName : mail.contoso.com\n"


@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
    ],
)
def test_bom_decides_and_is_dropped(bom: bytes, codec: str) -> None:
    data = bom + TEXT.encode(codec)
    assert sniff_encoding(data)[0] == codec
    assert decode(data, "x.txt") == EXPECTED
    assert decode_head(data[:41]).startswith("Name : ")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_bomless_utf16_found_by_nul_pattern(codec: str) -> None:
    data = TEXT.encode(codec)
    assert sniff_encoding(data) == (codec, 0)
    assert decode(data, "x.txt") == EXPECTED


def test_utf8_then_cp1252_fallback_for_legacy_logs() -> None:
    assert decode("café – ok\r\n".encode(), "a") == "café – ok\n"
    legacy = "Zertifikat für Müller – ok\r\n".encode("cp1252")
    assert decode(legacy, "legacy.log") == "Zertifikat für Müller – ok\n"


def test_lone_cr_line_ends_become_lf() -> None:
    assert decode(b"one\rtwo\r\nthree\n", "a") == "one\ntwo\nthree\n"


def test_broken_utf16_is_an_error_with_the_offset_not_a_guess() -> None:
    data = codecs.BOM_UTF16_LE + "ab".encode("utf-16-le") + b"\x00\xd8" + b"x\x00"  # lone surrogate
    with pytest.raises(EvidenceError) as err:
        decode(data, "conn.fl.txt")
    assert err.value.path == "conn.fl.txt"
    assert "byte offset 6" in err.value.message


def test_invalid_utf8_after_bom_is_an_error() -> None:
    with pytest.raises(EvidenceError) as err:
        decode(codecs.BOM_UTF8 + b"ok\n\xff\xfe bad", "x.json")
    assert "UTF-8" in err.value.message and err.value.line == 2


def test_undecodable_bytes_name_file_and_offset() -> None:
    with pytest.raises(EvidenceError) as err:
        decode(b"text\nmore \x81 here", "odd.txt")  # 0x81 is undefined in Windows-1252
    assert err.value.path == "odd.txt" and "offset 10" in err.value.message and err.value.line == 2


def test_decode_head_never_raises_on_a_cut_character() -> None:
    head = "résumé".encode()[:-1]  # cut inside the last é
    assert decode_head(head) == "résum"
    assert decode_head(codecs.BOM_UTF16_LE + "abc".encode("utf-16-le")[:-1]) == "ab"
    assert isinstance(decode_head(bytes(range(256))), str)


@pytest.mark.parametrize("codec", ["utf-8", "utf-16-le", "utf-16-be", "cp1252"])
@pytest.mark.parametrize("chunk", [1, 3, 7, 4096])
def test_iter_lines_streams_any_chunking(codec: str, chunk: int) -> None:
    text = "first line – é\r\nsecond\rthird\n\nlast without end"
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}.get(codec, b"")
    data = bom + text.encode(codec)
    lines = list(iter_lines(io.BytesIO(data), None, chunk_size=chunk))
    assert lines == [(1, "first line – é"), (2, "second"), (3, "third"), (4, ""), (5, "last without end")]


def test_iter_lines_with_explicit_encoding_drops_matching_bom() -> None:
    data = codecs.BOM_UTF16_LE + "a\r\nb".encode("utf-16-le")
    assert list(iter_lines(io.BytesIO(data), "utf-16")) == [(1, "a"), (2, "b")]
    assert list(iter_lines(io.BytesIO(codecs.BOM_UTF8 + b"x\ny\n"), "utf-8")) == [(1, "x"), (2, "y")]


def test_iter_lines_error_names_line() -> None:
    data = codecs.BOM_UTF8 + b"ok\nok\nbad \xff\n"
    with pytest.raises(EvidenceError) as err:
        list(iter_lines(io.BytesIO(data), None, name="f.log"))
    assert (err.value.path, err.value.line) == ("f.log", 3)


_LINE_BYTES = st.sampled_from([
    b"\n", b"\r", b"\r\n", b"a", b"550 5.7.64 x", " – é ✓".encode(), b"\xef\xbb\xbf", b"\xe9", b"\xc3",
    b"\xa9", b"\x81", b"\xff", b"\x00",
])


@settings(deadline=None)
@given(parts=st.lists(_LINE_BYTES, max_size=40), chunk=st.sampled_from([1, 3, 16, 1 << 20]))
def test_narrow_lines_decoded_block_by_block_are_the_lines_decoded_one_by_one(
    parts: list[bytes], chunk: int
) -> None:
    """Whole blocks of valid UTF-8 are decoded at once: the same lines (CRs split, CRLF ends dropped)
    as decoding each line on its own, with the same Windows-1252 fallback and errors otherwise."""
    data = b"".join(parts)
    codec, skip = sniff_encoding(data)
    if codec is not None and decoding.is_wide(codec):
        return  # (the wide path is another reader)

    def one_by_one() -> list[tuple[int, str]]:
        out, raw_lines = [], data[skip:].split(b"\n")
        if raw_lines[-1] == b"":
            raw_lines.pop()
        for raw in raw_lines:
            for part in decoding._cr_split(raw):
                out.append((len(out) + 1, decoding._decode_line(part, codec, "x", len(out) + 1, 0)))
        return out

    def outcome(read):
        try:
            return read()
        except EvidenceError as exc:
            return ("error", exc.line)

    got = outcome(lambda: list(iter_lines(io.BytesIO(data), None, name="x", chunk_size=chunk)))
    assert got == outcome(one_by_one)
