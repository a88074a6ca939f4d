"""The native send-log prefilter: keep only the lines of sessions worth following, in C.

The Python scanner (``scan``) already skips most lines, but every byte still passes through a
few Python-level searches per block. ``_sendfilter`` (a small C extension, built when a compiler
is present; ``setup.py`` marks it optional) makes two passes over the raw bytes instead:

1. the blocks ``BlockReader`` would read are searched for the scanner's triggers (Exchange
   Online host names, 4xx/5xx replies, TLS negotiation failures) and their session ids kept;
2. the file is read again and every line of any other session is replaced by an empty line.

The scanner then runs unchanged on the result: the same line numbers, the same rows, the same
replay and aggregation, so the facts are those of the pure-Python path (a differential test holds
them equal). Only the per-block session count comes from pass 1 (it counts lines the result no
longer has). Whatever the C code cannot judge as Python would (UTF-16 text, another column order,
a quoted column before the session id, a non-ASCII session id, a non-seekable stream) sends the
file down the pure-Python path. ``RELAYDOCTOR_NO_NATIVE=1`` forces that path everywhere.

One difference by design: distances. The scanner looks back at most ``LOOKBACK`` bytes for the
start of a triggered session and finishes a session after ``IDLE_BYTES`` without a line; in the
prefiltered text those distances are shorter, so a session spread over more than ~512 KB of
interleaved log can be read whole where the Python path reads it from the middle.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import BinaryIO

from ...errors import Cancelled
from ..decoding import is_wide, sniff_encoding
from .format import DEFAULT_FIELDS, decode_line, header_fields
from .scan import MAX_LINE, VALIDATE_ROWS, _has_header_line, _split_headers
from .scan import _native as _sendfilter  # None without a compiler at install, or when stale

MIN_BYTES = 256 << 10  # smaller logs go straight to the Python scanner (tests set 0)


class Fallback(Exception):
    """The prefiltered text would not read as the original does: use the Python path."""


def available() -> bool:
    """True when the extension is built and not switched off with RELAYDOCTOR_NO_NATIVE=1."""
    return _sendfilter is not None and os.environ.get("RELAYDOCTOR_NO_NATIVE", "") in ("", "0")


def prefilter(
    stream: BinaryIO,
    name: str,
    *,
    progress: Callable[[int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    block_size: int,
) -> tuple[BinaryIO, int] | None:
    """Pass 1 over ``stream``; then (a stream of the prefiltered text, the session count), or
    None when this file needs the Python path (``stream`` is rewound either way). Errors the
    scanner would raise on the original (a 1 MB line, a bad ``#Fields``) are raised here."""
    if _sendfilter is None or not stream.seekable() or not hasattr(stream, "readinto"):
        return None
    start = stream.tell()
    size = stream.seek(0, 2) - start  # both passes read exactly these bytes, even if the log grows
    stream.seek(start)
    if size < MIN_BYTES:  # too small to gain: two passes cost more
        return None
    codec, _ = sniff_encoding(stream.read(4096))
    stream.seek(start)
    if is_wide(codec):
        return None
    selector = _sendfilter.Selector(validate=VALIDATE_ROWS)
    sessions = _first_pass(stream, name, selector, cancel, block_size, size)
    stream.seek(start)
    if sessions is None:
        return None
    return _Selected(stream, selector, block_size, codec, progress, size), sessions


def _first_pass(stream: BinaryIO, name: str, selector, cancel: Callable[[], bool] | None,  # type: ignore[no-untyped-def]
                block_size: int, size: int) -> int | None:
    """Remember the triggered sessions; the session count as the scanner counts it (per block of
    new lines, split at header lines: ``BlockReader``'s blocks), or None for the Python path."""
    sessions = 0
    try:
        for chunk, buf, end in _whole_lines(stream, block_size, size, cancel=cancel, name=name):
            if _has_header_line(buf, end):
                pieces = list(_split_headers(bytes(chunk)))
            else:
                pieces = [(chunk, False)]
            for piece, is_header in pieces:
                if is_header:
                    if not _default_fields(piece):
                        return None
                    continue
                counted = selector.add_triggers(piece)
                if counted is None:
                    return None
                sessions += counted[1] or counted[2]
    except _TooLong:
        return None  # the scanner refuses the file; let it say so
    return sessions


class _TooLong(Exception):
    pass


def _whole_lines(stream: BinaryIO, block_size: int, size: int, *, cancel: Callable[[], bool] | None = None,
                 name: str = "", count: Callable[[int], None] | None = None,
                 ) -> Iterator[tuple[memoryview, bytearray, int]]:
    """The blocks of whole lines ``BlockReader`` reads (BOM skipped; at the end, a last line without
    its newline), as views of one reused buffer: (view, buffer, view's length). A view is valid
    until the next one is asked for. No copy of the file is made beyond the reads themselves."""
    buf = bytearray(min(MAX_LINE + 2 * block_size, size + 1))  # a small file, a small buffer
    view = memoryview(buf)
    have = 0  # a partial line carried at buf[:have]
    first = True
    while True:
        if cancel and cancel():
            raise Cancelled("cancelled while reading " + name)
        n = stream.readinto(view[have : have + min(block_size, size)])
        size -= n
        if count is not None and n:
            count(n)
        if first:
            first = False
            skip = sniff_encoding(bytes(view[: min(n, 16)]))[1]
            if skip:
                buf[: n - skip] = buf[skip:n]
                n -= skip
        if not n:
            if have:
                yield view[:have], buf, have
            return
        end = have + n
        cut = buf.rfind(b"\n", have, end) + 1
        if cut == 0:
            have = end
            if have > MAX_LINE:
                raise _TooLong
            continue
        yield view[:cut], buf, cut
        rest = end - cut
        buf[:rest] = view[cut:end]
        have = rest


def _default_fields(line: bytes) -> bool:
    """False for a ``#Fields`` header of another column order (the C code assumes the default)."""
    fields = header_fields(decode_line(line).strip())
    return fields is None or fields == DEFAULT_FIELDS


class _Selected:
    """Pass 2 as a read-only stream: the original, block by block, through ``Selector.select``."""

    def __init__(self, stream: BinaryIO, selector, block_size: int, codec: str | None,  # type: ignore[no-untyped-def]
                 progress: Callable[[int], None] | None, size: int):
        self._select = selector.select
        self._codec = codec
        self._progress = progress
        self._pending = 0  # bytes read but not yet reported (held until the text is known usable)
        self._started = False
        first = stream.read(16)
        self._bom = first[: sniff_encoding(first)[1]]
        stream.seek(-len(first), 1)
        self._blocks = _whole_lines(stream, block_size, size, count=self._count)

    def read(self, size: int = -1) -> bytes:
        for chunk, _, _ in self._blocks:
            text = self._select(chunk)
            if not self._started:
                self._started = True
                text = self._bom + text
                if sniff_encoding(text)[0] != self._codec:  # the scanner would read it differently
                    raise Fallback
            self._report()
            return text
        self._report()
        return b""

    def _count(self, n: int) -> None:
        self._pending += n

    def _report(self) -> None:
        if self._progress is not None and self._pending:
            self._progress(self._pending)
        self._pending = 0
