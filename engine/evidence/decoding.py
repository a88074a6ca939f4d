"""Turn evidence bytes into text the way Windows tools wrote them.

Admins hand us files written by PowerShell 5.1 (UTF-16 LE with BOM, or ASCII), PowerShell 7 and
Exchange (UTF-8, sometimes with BOM) and old tools (Windows-1252). The rules, in order:
a BOM decides; otherwise a NUL-byte pattern reveals BOM-less UTF-16; otherwise UTF-8, and only
if that fails, Windows-1252. UTF-16/32 never silently falls back: a broken UTF-16 file is an
error naming the byte offset. Line ends become ``\\n``.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import BinaryIO

from ..errors import EvidenceError

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: FF FE 00 00 starts with FF FE
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_WIDE = frozenset({"utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"})
_SAMPLE = 4096


def sniff_encoding(head: bytes) -> tuple[str | None, int]:
    """(codec, BOM length) from the first bytes; codec None means "UTF-8, else Windows-1252"."""
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return codec, len(bom)
    sample = head[:_SAMPLE]
    if len(sample) >= 4:
        even, odd = sample[0::2], sample[1::2]
        pairs = min(len(even), len(odd))
        # ASCII text in UTF-16 has a NUL in every other byte; binary data has NULs anywhere.
        odd_nul, even_nul = odd.count(0), even.count(0)
        if odd_nul >= 0.4 * pairs and even_nul <= 0.05 * pairs:
            return "utf-16-le", 0
        if even_nul >= 0.4 * pairs and odd_nul <= 0.05 * pairs:
            return "utf-16-be", 0
    return None, 0


def is_wide(codec: str | None) -> bool:
    """True for UTF-16/32: encodings whose bytes are not ASCII-compatible."""
    return codec in _WIDE


def _normalise(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _line_of(data: bytes, offset: int, codec: str | None) -> int | None:
    if is_wide(codec):
        return None
    return data.count(b"\n", 0, offset) + 1


def decode(data: bytes, name: str) -> str:
    """All of ``data`` as text with ``\\n`` line ends. Raises EvidenceError with the byte offset."""
    codec, skip = sniff_encoding(data)
    if codec is not None:
        try:
            return _normalise(data[skip:].decode(codec))
        except UnicodeDecodeError as exc:
            offset = skip + exc.start
            raise EvidenceError(
                f"cannot decode as {codec.upper()} (invalid bytes at byte offset {offset})",
                name,
                _line_of(data, offset, codec),
            ) from None
    try:
        return _normalise(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    try:
        return _normalise(data.decode("cp1252"))
    except UnicodeDecodeError as exc:
        raise EvidenceError(
            f"not text: neither UTF-8 nor Windows-1252 (byte 0x{data[exc.start]:02X} at byte offset "
            f"{exc.start})",
            name,
            _line_of(data, exc.start, None),
        ) from None


def decode_head(head: bytes) -> str:
    """The first bytes as text, for sniffing: never raises (a cut-off last character is dropped)."""
    codec, skip = sniff_encoding(head)
    body = head[skip:]
    if codec is None:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start >= len(body) - 3 and exc.reason.startswith("unexpected end"):
                text = body[: exc.start].decode("utf-8", errors="replace")
            else:
                text = body.decode("cp1252", errors="replace")
    else:
        unit = 4 if codec.startswith("utf-32") else 2
        body = body[: len(body) - len(body) % unit]
        text = body.decode(codec, errors="replace")
    return _normalise(text)


class LongLines:
    """Lines ``iter_lines`` cut at ``limit`` characters: the rest of such a line is read past and
    never held, so one 60 MB line costs no more memory than a short one (issue 11, bad input)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.count = 0
        self.first: int | None = None
        self._last: int | None = None

    def note(self, line_no: int) -> None:
        if line_no != self._last:  # a line cut while read and again once decoded counts once
            self._last = line_no
            self.count += 1
            self.first = self.first or line_no

    def warning(self) -> str | None:
        """For the file's warnings (``line N: …``, so the loader locates it)."""
        if not self.count:
            return None
        return (f"line {self.first}: {self.count:,} line(s) longer than {self.limit:,} characters: only "
                f"the first {self.limit:,} of each were read")


def iter_lines(
    stream: BinaryIO,
    encoding: str | None = None,
    *,
    name: str = "<stream>",
    chunk_size: int = 1 << 20,
    long_lines: LongLines | None = None,
) -> Iterator[tuple[int, str]]:
    """Yield ``(line_no, text)`` (1-based, without line end) from a binary stream, incrementally.

    ``encoding`` None sniffs it from the first chunk (BOM, NUL pattern, else UTF-8 with a
    Windows-1252 fallback decided per line). Memory stays at about one chunk — with ``long_lines``
    even when a line is longer than the chunk: lines are cut at its limit and counted there.
    """
    first = stream.read(max(chunk_size, _SAMPLE))  # enough to see a BOM or the NUL pattern
    codec, skip = sniff_encoding(first)
    if encoding:
        wanted = codecs.lookup(encoding).name  # "utf-16-le", "utf-8", "cp1252", ...
        if wanted in ("utf-16", "utf-32"):  # endianness from the BOM / NUL pattern, else LE
            wanted = codec if codec and codec.startswith(wanted) else wanted + "-le"
        skip = skip if codec == wanted else 0  # drop the BOM only if it is that encoding's
        codec = wanted
    if codec is not None and is_wide(codec):
        lines = _iter_wide(stream, first[skip:], codec, name, chunk_size, long_lines)
    else:
        lines = _iter_narrow(stream, first[skip:], codec, name, chunk_size, long_lines)
    if long_lines is None:
        yield from lines
        return
    limit = long_lines.limit
    for line_no, text in lines:
        if len(text) > limit:
            long_lines.note(line_no)
            text = text[:limit]
        yield line_no, text


def _iter_narrow(
    stream: BinaryIO, first: bytes, codec: str | None, name: str, chunk_size: int,
    long_lines: LongLines | None = None,
) -> Iterator[tuple[int, str]]:
    """ASCII-compatible encodings: split bytes on newlines, decode each line on its own."""
    line_no = 0
    pending = b""
    chunk = first
    offset = 0  # byte offset of ``pending`` in the stream
    whole_utf8 = codec in (None, "utf-8", "utf8")
    # a line is held up to this many bytes (any character is at most 4); the rest is read past
    held = 4 * long_lines.limit if long_lines is not None else None
    skipping = False  # reading past the rest of a line already cut
    while chunk:
        if skipping:
            nl = chunk.find(b"\n")
            if nl < 0:
                offset += len(chunk)
                chunk = stream.read(chunk_size)
                continue
            offset += nl
            chunk = chunk[nl:]
            skipping = False
        data = pending + chunk
        cut = data.rfind(b"\n") if whole_utf8 else -1
        if cut >= 0:
            # the whole lines at once when they are all valid UTF-8 (a newline or CR byte is never
            # inside a UTF-8 sequence, so each line decodes, and splits on CRs, as it would alone)
            try:
                text = data[:cut].decode("utf-8")
            except UnicodeDecodeError:
                text = None
            if text is not None:
                for line in text.split("\n"):
                    if "\r" in line:
                        for part in _cr_split_text(line):
                            line_no += 1
                            yield line_no, part
                        continue
                    line_no += 1
                    yield line_no, line
                offset += cut + 1
                pending = data[cut + 1:]
                if held is not None and len(pending) > held:
                    pending, skipping = _cut(pending, held), True
                    long_lines.note(line_no + 1)  # type: ignore[union-attr]
                chunk = stream.read(chunk_size)
                continue
        lines = data.split(b"\n")
        pending = lines.pop()
        for raw in lines:
            size = len(raw) + 1
            if held is not None and len(raw) > held:
                raw = _cut(raw, held)
                long_lines.note(line_no + 1)  # type: ignore[union-attr]
            for part in _cr_split(raw):
                line_no += 1
                yield line_no, _decode_line(part, codec, name, line_no, offset)
            offset += size
        if held is not None and len(pending) > held:
            pending, skipping = _cut(pending, held), True
            long_lines.note(line_no + 1)  # type: ignore[union-attr]
        chunk = stream.read(chunk_size)
    if pending:
        for part in _cr_split(pending):
            line_no += 1
            yield line_no, _decode_line(part, codec, name, line_no, offset)


def _cut(raw: bytes, size: int) -> bytes:
    """The first ``size`` bytes of a line, not ending inside a UTF-8 sequence."""
    end = size
    while end > 0 and (raw[end] & 0xC0) == 0x80:
        end -= 1
    return raw[:end]


def _cr_split_text(line: str) -> list[str]:
    """``_cr_split`` of a decoded line."""
    if line.endswith("\r"):
        line = line[:-1]
    return line.split("\r") if "\r" in line else [line]


def _cr_split(raw: bytes) -> list[bytes]:
    """One line without its CR of CRLF; lone CRs (old Mac line ends) split it further."""
    if raw.endswith(b"\r"):
        raw = raw[:-1]
    return raw.split(b"\r") if b"\r" in raw else [raw]


def _decode_line(raw: bytes, codec: str | None, name: str, line_no: int, offset: int) -> str:
    if codec is not None and codec not in ("utf-8", "utf8"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError as exc:
            raise EvidenceError(
                f"cannot decode as {codec} (byte offset about {offset + exc.start})", name, line_no
            ) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        if codec is not None:  # declared UTF-8 (BOM): do not guess
            raise EvidenceError(
                f"invalid UTF-8 (byte offset about {offset})", name, line_no
            ) from None
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise EvidenceError(
            f"not text: byte 0x{raw[exc.start]:02X} at byte offset about {offset + exc.start}",
            name,
            line_no,
        ) from None


def _iter_wide(
    stream: BinaryIO, first: bytes, codec: str, name: str, chunk_size: int,
    long_lines: LongLines | None = None,
) -> Iterator[tuple[int, str]]:
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    line_no = 0
    pending = ""
    consumed = 0
    chunk = first
    final = False
    skipping = False  # reading past the rest of a line already cut
    while True:
        try:
            text = decoder.decode(chunk, final=final)
        except UnicodeDecodeError as exc:
            raise EvidenceError(
                f"cannot decode as {codec.upper()} (invalid bytes near byte offset {consumed + exc.start})",
                name,
                line_no + 1,
            ) from None
        consumed += len(chunk)
        if skipping:
            nl = min((i for i in (text.find("\n"), text.find("\r")) if i >= 0), default=-1)
            if nl >= 0:
                text, skipping = text[nl:], False
            else:
                text = ""
        data = pending + text
        if "\r" in data:
            keep_cr = data.endswith("\r") and not final
            data = data.replace("\r\n", "\n")
            if keep_cr:
                data = data[:-1]
            data = data.replace("\r", "\n") + ("\r" if keep_cr else "")
        lines = data.split("\n")
        pending = lines.pop()
        for line in lines:
            line_no += 1
            yield line_no, line
        if long_lines is not None and len(pending) > long_lines.limit and not final:
            pending, skipping = pending[: long_lines.limit], True
            long_lines.note(line_no + 1)
        if final:
            break
        chunk = stream.read(chunk_size)
        if not chunk:
            final = True
    if pending:
        line_no += 1
        yield line_no, pending.rstrip("\r")
