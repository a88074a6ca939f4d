"""The native send-log scan: the scanner's session walk for the default column order, in C.

The Python scanner (``scan``) reads a log in blocks and, per block, searches for triggers, walks
back to each triggered session's start and along its lines, and cuts the lines the replay needs
into rows: a few Python-level passes over every byte and Python work per kept line.
``_sendfilter`` (a small C extension, built when a compiler is present; ``setup.py`` marks it
optional) does that block step in one C pass per block (``Selector.collect``, scan.py's
``SessionCollector._feed_fast``): the trigger lines of the new lines in the scanner's order, the
walk back to each new session's start (``_backward``), every line of a followed session judged as
``_walk`` judges it, the kept ones cut into lite rows with signatures (``rows(..., lite=True)``),
and at the end of the block the sessions the scanner would finish handed to ``SessionCollector``
in its order (closed, idle for ``IDLE_BYTES``, the oldest beyond ``MAX_OPEN``; finished ids
remembered as in ``DONE_MEMORY``). The file is read once; no text is handed on and no ``Row`` is
made but for the few a new fact names.

This module does the rest as ``BlockReader`` does: the same blocks of whole lines with the same
look-back (``LOOKBACK``, kept in front of the read buffer instead of copied into a new block),
header lines, line numbers, the validated first rows, a truncated last line, a line longer than
``MAX_LINE`` (emptied with ``scan.drop_long_lines``, or read past while it spans blocks), the session count;
the folding and C replay of ``send.Aggregator`` take the sessions as before. So the facts are those
of the pure-Python path, distances included (a differential test holds them equal). Whatever the C
code cannot judge as Python would (UTF-16 text, another column order, a quoted connector or a
non-ASCII session id in a trigger line, a quote where ``_backward`` reads, a line with a quote before
its session id that names a followed session between two of its commas, more than ``MAX_ENTRIES`` session
ids named by triggers) sends the file down the pure-Python path (``Fallback``: read again from its
start, its progress reported twice). ``RELAYDOCTOR_NO_NATIVE=1`` forces that path everywhere;
``RELAYDOCTOR_NATIVE_SIMD=sse2`` keeps the C trigger pass off its AVX-512 loop (tests run both).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import BinaryIO

from ...errors import Cancelled
from ..decoding import is_wide, sniff_encoding
from . import scan
from .format import DEFAULT_FIELDS, Layout, decode_line, header_fields
from .scan import (
    DONE_MEMORY,
    IDLE_BYTES,
    LOOKBACK,
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
    """The C scan cannot read this file as the Python scanner does: use the Python path."""


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
    lookback: int = LOOKBACK,
) -> Selected | None:
    """The C scan of ``stream`` (``Selected.run``), or None when this file needs the Python path
    (``stream`` is rewound either way)."""
    if _sendfilter is None or not stream.seekable() or not hasattr(stream, "readinto"):
        return None
    start = stream.tell()
    size = stream.seek(0, 2) - start  # exactly these bytes are read, even if the log grows
    stream.seek(start)
    if size < MIN_BYTES:  # too small to gain
        return None
    codec, _ = sniff_encoding(stream.read(4096))
    stream.seek(start)
    if is_wide(codec):
        return None
    return Selected(stream, name, block_size, lookback, size, progress, cancel)


class Selected:
    """One file read once, block by block as ``BlockReader`` reads it, each block through
    ``Selector.collect``, which hands the scanner's ``SessionCollector`` its finished sessions."""

    def __init__(self, stream: BinaryIO, name: str, block_size: int, lookback: int, size: int,
                 progress: Callable[[int], None] | None, cancel: Callable[[], bool] | None):
        self._stream = stream
        self._name = name
        self._block_size = block_size
        self._lookback = lookback
        self._size = size
        self._progress = progress
        self._cancel = cancel

    def run(self, collector: SessionCollector, stats: ScanStats, folds: object = None) -> Layout | None:
        """Feed ``collector`` the sessions the scanner would follow; the layout read (None: no
        ``#Fields`` line and no data line). Raises ``Fallback`` for the Python path. With ``folds``
        (a ``_sendfilter.Folds``, send.Aggregator's) a session it folds is not handed over."""
        sel = _sendfilter.Selector()
        sel.start(_new_open, IDLE_BYTES, MAX_OPEN, DONE_MEMORY, folds)
        run = _Run(sel, collector, stats, self._lookback)
        stream, size, block = self._stream, self._size, self._block_size
        buf = bytearray(min(self._lookback, size) + min(scan.MAX_LINE + 2 * block, size + 1))
        view = memoryview(buf)
        back = have = 0  # buf[:back]: look-back (whole lines seen); buf[back:have]: a partial line
        first = True
        first_block = min(block, scan.FIRST_BLOCK)  # as BlockReader reads a file's first block
        skipping = False  # inside a line longer than MAX_LINE: its bytes are dropped up to its newline
        while True:
            if self._cancel and self._cancel():
                raise Cancelled("cancelled while reading " + self._name)
            n = stream.readinto(view[have : have + min(first_block if first else block, size)])
            size -= n
            if self._progress is not None and n:
                self._progress(n)
            if first:
                first = False
                skip = sniff_encoding(bytes(view[: min(n, 16)]))[1]
                if skip:
                    buf[: n - skip] = buf[skip:n]
                    n -= skip
            if not n:
                if skipping or have - back > scan.MAX_LINE:  # the file ends inside a long line
                    if not skipping:
                        run.long_line()
                    run.pieces(bytes(view[:back]), b"\n")  # an empty last line
                elif have > back:  # the last line, cut short: as BlockReader reads it
                    piece = bytes(view[back:have])
                    if piece.strip():
                        stats.truncated_line = run.line
                    run.pieces(bytes(view[:back]), piece + b"\n")
                break
            end = have + n
            if skipping:
                i = buf.find(b"\n", have, end)
                if i < 0:
                    continue
                view[have : have + end - i] = view[i:end]  # the line's newline stays: an empty line
                end, skipping = have + end - i, False
            cut = buf.rfind(b"\n", have, end) + 1
            if cut == 0:
                have = end
                if have - back > scan.MAX_LINE:
                    run.long_line()
                    have, skipping = back, True
                continue
            spans = scan.long_lines(buf, back, cut)
            if spans:  # rare: a line too long inside the block
                kept = scan.drop_long_lines(buf, back, end, spans, run.line, stats)
                view[back : back + len(kept)] = kept
                cut -= end - back - len(kept)
                end = back + len(kept)
            if run.layout is not None and run.block(view[:cut], back):
                # the common case: read in place, nothing copied (collect() found no header line)
                keep = run.keep_from(buf, cut)
                if keep:  # the look-back and the partial line to the front (memmove, no temporary)
                    view[: end - keep] = view[keep:end]
                back, have = cut - keep, end - keep
            else:  # header lines (a new file), or the first block
                kept = run.pieces(bytes(view[:back]), bytes(view[back:cut]))
                carry = bytes(view[cut:end])
                buf[: len(kept) + len(carry)] = kept + carry
                back, have = len(kept), len(kept) + len(carry)
        collector.take(sel.finish_all())
        view.release()
        return run.layout


class _Run:
    """What one scan carries from block to block (``BlockReader``'s line numbers and layout)."""

    def __init__(self, sel, collector: SessionCollector, stats: ScanStats, lookback: int):  # type: ignore[no-untyped-def]
        self.sel = sel
        self.collector = collector
        self.stats = stats
        self.lookback = lookback
        self.layout: Layout | None = None
        self.line = 1  # line number of the next new line
        self.first_line = 1  # line number of the look-back's first byte

    def block(self, buf: bytes | memoryview, start: int) -> bool:
        """One block: ``buf[:start]`` the look-back, ``buf[start:]`` new whole lines; False (nothing
        done) when one of them is a header line (``collect`` finds them in its trigger pass)."""
        collector, stats, sel = self.collector, self.stats, self.sel
        layout = self.layout
        assert layout is not None
        if collector.validated < VALIDATE_ROWS:  # (a header line first: validated after the split)
            data = bytes(buf)
            if _has_header_line(data, None, start):
                return False
            collector._validate(Block(data, start, self.first_line, layout, False))
        got = sel.collect(buf, start, self.first_line)
        if got is False:
            return False
        if got is None:
            raise Fallback
        newlines, attempts, connects, left = got
        stats.sessions += attempts or connects
        if left:
            collector.left(buf, layout, left)
        finished, trimmed = sel.end_block()
        collector.trimmed += trimmed
        collector.take(finished)
        stats.lines += newlines
        self.line += newlines
        return True

    def long_line(self) -> None:
        """The line at ``self.line``, not yet ended, is longer than MAX_LINE (``BlockReader._long_line``)."""
        if self.stats.lines < VALIDATE_ROWS:
            raise Fallback  # among the first rows: the Python path refuses the file
        self.stats.long_lines.append(self.line)

    def keep_from(self, buf: bytes | bytearray, cut: int) -> int:
        """Where the look-back kept from ``buf[:cut]`` starts (``BlockReader._lookback``)."""
        if not self.lookback:
            keep = cut
        elif cut <= self.lookback:
            keep = 0
        else:
            keep = buf.find(b"\n", cut - self.lookback, cut) + 1
        if keep:
            self.first_line = self.line - _sendfilter.newlines(memoryview(buf)[keep:cut])
        return keep

    def pieces(self, back: bytes, chunk: bytes) -> bytes:
        """A chunk of whole lines with header lines (``BlockReader``'s slow path); the look-back after it."""
        for piece, is_header in _split_headers(chunk):
            if is_header:
                text = decode_line(piece).strip()
                fields = header_fields(text)
                if fields is not None and fields != DEFAULT_FIELDS:
                    raise Fallback  # another column order: the Python scanner splits every row
                self.layout = read_header(text, self.line, self.collector.name, self.stats, self.layout)
                self.collector.take(self.sel.finish_all())  # a new file begins
                self.line += 1
                back, self.first_line = b"", self.line
                continue
            self.layout = self.layout or Layout(DEFAULT_FIELDS)  # headerless excerpt: documented default
            buf = back + piece
            if not self.block(buf, len(back)):  # never: _split_headers left no header line in it
                raise Fallback
            back = buf[self.keep_from(buf, len(buf)):]
        return back


class _NewOpen(_Open):
    """``_Open([], partial=False)``, made by calling the class: one Python frame instead of the
    function's and the dataclass ``__init__``'s (0.32 -> 0.16 us), for each of the ~20k sessions
    per GB the C scan follows. A test holds it equal to ``_Open([], partial=False)``."""

    __slots__ = ()

    def __init__(self) -> None:
        self.rows, self.partial, self.idle, self.lines, self.off, self.tail = [], False, 0, 0, -1, -1
        self.mail, self.recv, self.conn, self.toff, self.sigs = False, False, None, 0, []


_new_open = _NewOpen
