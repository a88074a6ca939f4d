"""The native send-log prefilter: find the sessions worth following and collect them, in C.

The Python scanner (``scan``) already skips most lines, but every byte still passes through a
few Python-level searches per block. ``_sendfilter`` (a small C extension, built when a compiler
is present; ``setup.py`` marks it optional) makes two passes over the raw bytes instead:

1. the blocks ``BlockReader`` would read are searched for the scanner's triggers (Exchange
   Online host names, 4xx/5xx replies, TLS negotiation failures) and their session ids kept;
2. the file is read again and every line of those sessions is judged as the scanner's walk judges
   it (``_walk``: which lines the replay needs), the kept ones cut into lite rows with signatures
   (as ``rows(..., lite=True)`` cuts them) and a session is handed to ``SessionCollector`` when the
   scanner would finish it (end of the block of its disconnect line, ``IDLE_BYTES`` without a line,
   the oldest beyond ``MAX_OPEN``; finished ids remembered as in ``DONE_MEMORY``). No text is
   handed on, no line is searched twice and no ``Row`` is made but for the few a new fact names.

Everything around the sessions is the scanner's: the same block boundaries, line numbers,
header lines, validated first rows, truncated last line and warnings; the folding and C replay
of ``send.Aggregator`` take the sessions as before, so the facts are those of the pure-Python path
(a differential test holds them equal). The session count comes from pass 1. Whatever the C code
cannot judge as Python would (UTF-16 text, another column order, a quoted column before the
session id of a trigger line, a non-ASCII session id, a non-seekable stream) sends the file down
the pure-Python path, and so does (``Fallback``) a line of pass 2 with a quote before its session
id that the csv module reads as one of the followed sessions. ``RELAYDOCTOR_NO_NATIVE=1`` forces
that path everywhere.

One difference by design: distances. The Python scanner follows a session from its trigger line,
looking back at most ``LOOKBACK`` bytes (512 KB) for its start; pass 2 knows the session from
pass 1 and reads it from its first line in the file, so a session spread over more than ~512 KB of
interleaved log is read whole where the Python path reads it from the middle (as a partial
session). Likewise ``IDLE_BYTES`` and ``MAX_OPEN`` count such a session from its first line, not
from its trigger, and whether it is partial is judged on all its lines up to its end (no sequence
number 0 and no connect row), not on those before the trigger.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import BinaryIO

from ...errors import Cancelled
from ..decoding import is_wide, sniff_encoding
from .format import DEFAULT_FIELDS, Layout, decode_line, header_fields, split_row
from .scan import (
    DONE_MEMORY,
    IDLE_BYTES,
    MAX_LINE,
    MAX_OPEN,
    VALIDATE_ROWS,
    Block,
    ScanStats,
    SessionCollector,
    _has_header_line,
    _Open,
    _split_headers,
    read_header,
)
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
) -> tuple[Selected, int] | None:
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
    selector = _sendfilter.Selector()
    sessions = _first_pass(stream, name, selector, cancel, block_size, size)
    stream.seek(start)
    if sessions is None:
        return None
    return Selected(stream, selector, block_size, size, progress, cancel, name), sessions


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


class Selected:
    """Pass 2: the original, block by block (``BlockReader``'s blocks), through ``Selector.collect``,
    which hands the scanner's ``SessionCollector`` its finished sessions (lite rows, as the C walk and
    row cutter make them) instead of a text for it to search again."""

    def __init__(self, stream: BinaryIO, selector, block_size: int, size: int,  # type: ignore[no-untyped-def]
                 progress: Callable[[int], None] | None, cancel: Callable[[], bool] | None, name: str):
        self._selector = selector
        self._blocks = _whole_lines(stream, block_size, size, cancel=cancel, name=name, count=progress)

    def run(self, collector: SessionCollector, stats: ScanStats) -> Layout | None:
        """Feed ``collector`` every session the first pass remembered; the layout read (None: no
        ``#Fields`` line and no data line). Raises ``Fallback`` when a line only the csv module can
        read may belong to one of those sessions."""
        sel = self._selector
        sel.start_collect(_new_open, IDLE_BYTES, MAX_OPEN, DONE_MEMORY)
        line = 1
        layout: Layout | None = None
        try:
            for chunk, buf, end in self._blocks:
                if end and buf[end - 1] != 10:  # the last line, cut short: as BlockReader reads it
                    piece = bytes(chunk)
                    if piece.strip():
                        stats.truncated_line = line
                    chunk = buf = piece + b"\n"
                    end += 1
                if _has_header_line(buf, end):
                    pieces: list = list(_split_headers(bytes(chunk)))
                else:
                    pieces = [(chunk, False)]
                for piece, is_header in pieces:
                    if is_header:
                        layout = read_header(decode_line(piece).strip(), line, collector.name, stats, layout)
                        collector.take(sel.finish_all())  # a new file begins
                        line += 1
                        continue
                    layout = layout or Layout(DEFAULT_FIELDS)  # headerless excerpt: documented default
                    if collector.validated < VALIDATE_ROWS:
                        collector._validate(Block(bytes(piece), 0, line, layout, False))
                    n, left, odd, finished, trimmed = sel.collect(piece, line)
                    if odd or left:
                        text = bytes(piece)
                        for ls, le in odd:
                            row = split_row(decode_line(text[ls:le]), 3, 1)
                            if row and sel.contains(row[2].strip().encode("utf-8", "replace")):
                                raise Fallback
                        collector.left(text, layout, left)
                    collector.trimmed += trimmed
                    collector.take(finished)
                    stats.lines += n
                    line += n
        except _TooLong:  # the file changed between the passes
            raise Fallback from None
        collector.take(sel.finish_all())
        return layout


def _new_open() -> _Open:
    return _Open([], partial=False)
