"""Stream a large protocol log and pull out only the sessions that matter, at C speed.

A busy server writes hundreds of MB a day, and most sessions (intra-organisation, internet
MX hosts) are irrelevant to a relay diagnosis. Splitting every line with ``csv`` in Python costs
more than reading the file, so the log is read in blocks of whole lines and searched with
``bytes.find`` (C) for *triggers*: Exchange Online host names, 4xx/5xx replies and TLS failures.
Each trigger names a session; that session's lines are then found by searching for
``,<session-id>,`` backwards to its start and forwards to its disconnect line, parsed, and replayed.
Lines of other sessions are never split or decoded. Memory is one block plus a look-back window
plus the sessions still open, whatever the file size.

A line longer than ``MAX_LINE`` is no row: among the first ``VALIDATE_ROWS`` rows it refuses the
file, like any malformed row there; after them it is emptied (its newline kept) with a located
warning, whether it lies in one block or spans several (``long_lines``: a few ``find`` calls a
block, no pass over the bytes).

Logs in a non-default column order or in UTF-16 go through the same block reader; a non-default
order falls back to splitting every row (correct, just slower).

With the optional C extension (``_sendfilter``; off with RELAYDOCTOR_NO_NATIVE=1) the trigger
search, the walk back to a session's start, the walk along it and the row cutting run in C with
the same results (a line only the csv module can read is left to the Python functions here), and
each row gets a *signature* so that a finished session like one replayed before is folded into the
aggregates instead of replayed (``Folder``; ``send.Aggregator.fold``). A seekable log of the
default column order goes further: the whole block step (``SessionCollector._feed_fast``) runs in
one C call per block and the finished sessions come to ``SessionCollector.take`` (``sendfilter``).
"""

from __future__ import annotations

import binascii
import bisect
import codecs
import functools
import io
import os
import re
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import field
from typing import TYPE_CHECKING, BinaryIO, Protocol

from ...errors import Cancelled, EvidenceError
from ...lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from ..decoding import is_wide, sniff_encoding
from .format import DEFAULT_FIELDS, Layout, decode_line, header_fields, split_row
from .rows import Row

if TYPE_CHECKING:
    from .session import Session

# What this code calls in the extension. An extension built from older sources (an editable
# install not rebuilt after an update) lacks some of it: it is not used at all, never half used.
NATIVE_API = ("Selector", "walk", "rows", "triggers", "backward", "newlines", "replay", "row", "ordered",
              "line_time", "Folds")
# What its rows must keep, beyond the API: a build older than this revision (REVISION 2: EHLO reply
# lines with "XXXXXXXA", STARTTLS masked by a firewall) keeps other rows than this module does;
# REVISION 4: ``rows(..., lite)`` makes lite rows (an older ``rows`` takes four arguments only);
# REVISION 5: ``Selector.start/collect/finish_all`` (sendfilter.py: the block step in C, one pass);
# REVISION 6: ``Folds`` and ``Selector.start(..., folds)`` (send.Aggregator's folding in C);
# REVISION 7: ``collect`` returns False for a block with a header line (sendfilter.py no longer looks).
NATIVE_REVISION = 7


def usable_native(module: object | None) -> object | None:
    """``module`` when it has every function this code calls and keeps the rows it keeps, else None
    (the pure-Python path)."""
    if module is None or not all(hasattr(module, name) for name in NATIVE_API):
        return None
    if getattr(module, "REVISION", 1) < NATIVE_REVISION:
        return None
    return module


try:  # the optional C extension (setup.py): the session walk and row cutting below, in C
    from . import _sendfilter as _native
except ImportError:
    _native = None
_native = usable_native(_native)

BLOCK = 4 << 20  # bytes read per block
# A file's first block is read smaller: it takes the slow path (header lines split out, each piece
# copied, the first rows validated), so its copies stay small; both scans cut blocks alike (the
# look-back decides what a late-triggered session can still read), sendfilter.py included.
FIRST_BLOCK = 128 << 10
LOOKBACK = 512 << 10  # earlier bytes kept so a session triggered late can be read from its start
MAX_LINE = 1 << 20  # a longer "line" is no row: refused among the first rows, else skipped (emptied)
LONG_LINE = "not a protocol log: a line is longer than 1 MB"  # the error among the first VALIDATE_ROWS rows
LONG_LINE_SKIPPED = "longer than 1 MB, not a protocol log row; skipped"  # the warning after them
VALIDATE_ROWS = 20  # the first rows are always parsed: a log with garbage rows fails early
CONNECT_WINDOW = 64 << 10  # how far before a connect row its "attempting to connect" row may be
IDLE_BYTES = 16 << 20  # an open session with no line in this much later log is finished as it is
MAX_OPEN = 5000  # open sessions kept at most (oldest finished first): bounds memory
MANY_OPEN = 256  # above this many open sessions, a block's lines are indexed by session id once
DONE_MEMORY = 50000  # finished session ids remembered, to ignore their stray late lines

MAX_FOLD_ROWS = 400  # sessions with more rows are always replayed (bounds a fold key's size)

ProgressHook = Callable[[int], None]  # bytes consumed since the last call
CancelHook = Callable[[], bool]


def replay(sid: str, rows: list[Row], *, partial: bool = False) -> Session:
    """``session.replay``: the Python replay's model is imported when a session first needs it
    (with the C extension, sessions are folded or replayed in C: a diagnosis seldom does)."""
    from .session import replay as python_replay

    return python_replay(sid, rows, partial=partial)


class LiteRows:
    """A session's rows as the C row cutter keeps them: one bytes object per line (``_replay.c``,
    "lite rows"), read by the C replay as they are. A ``Row`` (nine objects) is made only for a row
    asked for by index -- the few a fold or a new fact names (start line, times, examples) -- or for
    all of them when the session goes to the Python replay (``materialise``)."""

    __slots__ = ("connector", "raw")

    def __init__(self, raw: list[bytes], connector: str):
        self.raw = raw
        self.connector = connector

    def __len__(self) -> int:
        return len(self.raw)

    def __getitem__(self, i: int) -> Row:
        return _native.row(self.raw[i], self.connector, Row)

    def materialise(self) -> list[Row]:
        row, conn = _native.row, self.connector
        return [row(r, conn, Row) for r in self.raw]


SessionRows = list[Row] | LiteRows


def row_line(rows: SessionRows, i: int) -> int:
    """``rows[i].line``; of a lite row without making its Row (a fold reads only this and times)."""
    return _native.line_time(rows.raw[i])[0] if type(rows) is LiteRows else rows[i].line


def row_time(rows: SessionRows, i: int) -> str:
    """``rows[i].time``, like ``row_line``."""
    return _native.line_time(rows.raw[i])[1] if type(rows) is LiteRows else rows[i].time


def rows_connector(rows: SessionRows) -> str:
    """``rows[0].connector`` (every row of a session has the connector of its first)."""
    return rows.connector if type(rows) is LiteRows else rows[0].connector


if TYPE_CHECKING:  # for type checkers only (a Protocol class costs ~0.05 ms to make)

    class Folder(Protocol):
        """Takes finished sessions by signature instead of by replay (send.Aggregator)."""

        def fold(self, key: tuple, rows: SessionRows, lines: int) -> bool: ...

        def learn(self, key: tuple, session: Session, rows: list[Row]) -> None: ...

        def replayed(self, key: tuple, rows: SessionRows, partial: bool, lines: int) -> bool: ...


@dataclass(slots=True)
class Block:
    """Whole data lines (no header lines); ``buf[:start]`` is look-back already scanned."""

    buf: bytes
    start: int
    first_line: int  # line number of buf's first byte
    layout: Layout
    restart: bool  # a header line came just before: a new file was concatenated here
    newlines: int | None = None  # newlines in buf, if the consumer counted them (saves a pass)


@dataclass(slots=True)
class ScanStats:
    lines: int = 0
    sessions: int = 0
    version: str | None = None
    log_type: str | None = None
    malformed: int = 0
    first_malformed: int | None = None
    truncated_line: int | None = None
    warnings: list[str] = field(default_factory=list)
    validation_malformed: int = 0  # of ``malformed``, found among the first rows every scan reads
    long_lines: list[int] = field(default_factory=list)  # lines longer than MAX_LINE, emptied (skipped)

    def long_line_warning(self) -> str | None:
        """The warning for the over-long lines skipped (None: none)."""
        at = self.long_lines
        if not at:
            return None
        if len(at) == 1:
            return f"line {at[0]}: {LONG_LINE_SKIPPED}"
        more = ", ..." if len(at) > 5 else ""
        return (f"{len(at):,} lines longer than 1 MB (not protocol log rows) skipped: lines "
                f"{', '.join(map(str, at[:5]))}{more}")


def long_lines(buf: bytes | bytearray, start: int, end: int) -> list[tuple[int, int]]:
    """The lines of ``buf[start:end]`` (whole lines from ``start``, the last one ending at a newline)
    longer than ``MAX_LINE``: (start, position of its newline). A line that long holds a whole
    window of ``MAX_LINE // 2`` bytes at one of the offsets ``start + k * MAX_LINE // 2``, so a
    newline found in each window clears the block: ~8 ``find`` calls per 4 MB block, each stopping
    at the first line end (a log line is a few hundred bytes), instead of a pass over every byte."""
    half = max(1, MAX_LINE // 2)
    find = buf.find
    found: list[tuple[int, int]] = []
    a = start
    while a + half <= end:
        if find(b"\n", a, a + half) >= 0:
            a += half
            continue
        ls = buf.rfind(b"\n", start, a) + 1 or start
        le = find(b"\n", a + half, end)
        le = end if le < 0 else le
        if le - ls > MAX_LINE:
            found.append((ls, le))
        a = le + 1
    return found


def drop_long_lines(buf: bytes | bytearray, start: int, end: int, spans: list[tuple[int, int]], line: int,
                    stats: ScanStats) -> bytes:
    """``buf[start:end]`` with the over-long lines ``spans`` emptied (their newline kept: the line
    numbers stay); their line numbers (``line``: the line at ``start``) go to ``stats``. The byte
    distances the scan measures (idle sessions, the look-back) are those of the file without them,
    whatever the block boundaries."""
    parts, pos = [], start
    for ls, le in spans:
        line += buf.count(b"\n", pos, ls)
        stats.long_lines.append(line)
        parts.append(buf[pos:ls])
        pos = le
    parts.append(buf[pos:end])
    return b"".join(parts)


class BlockReader:
    """Read a protocol log as blocks of whole lines, tracking headers, encoding and line numbers."""

    def __init__(
        self,
        stream: BinaryIO,
        name: str,
        stats: ScanStats,
        *,
        progress: ProgressHook | None = None,
        cancel: CancelHook | None = None,
        block_size: int = BLOCK,
        lookback: int = LOOKBACK,
    ):
        self.name = name
        self.stats = stats
        self.progress = progress
        self.cancel = cancel
        self.block_size = block_size
        self.lookback = lookback
        self.layout: Layout | None = None
        self._read = self._reader(stream)
        self._newlines = _native.newlines if native_enabled() else _count_newlines

    # -- raw bytes -----------------------------------------------------------------------------
    def _reader(self, stream: BinaryIO) -> Callable[[], bytes]:
        first = stream.read(min(self.block_size, FIRST_BLOCK))
        codec, skip = sniff_encoding(first)
        if self.progress:
            self.progress(len(first))
        if not is_wide(codec):
            state = {"first": first[skip:]}

            def read_narrow() -> bytes:
                if state["first"] is not None:
                    data, state["first"] = state["first"], None
                    return data
                data = stream.read(self.block_size)
                if self.progress and data:
                    self.progress(len(data))
                return data

            return read_narrow
        # UTF-16/32: transcode to UTF-8 so the byte searches below work unchanged.
        rest = io.BufferedReader(_Prefixed(first[skip:], stream, self.progress))  # type: ignore[arg-type]
        decoder = codecs.getincrementaldecoder(codec)(errors="strict")
        done = {"eof": False}

        def read_wide() -> bytes:
            # read1, not read: a stream that is still being written (``watch``) hands over what
            # there is instead of blocking until a whole block arrives; an odd byte that decodes
            # to nothing yet is not the end of the file.
            while not done["eof"]:
                data = rest.read1(self.block_size)
                try:
                    text = decoder.decode(data, final=not data)
                except UnicodeDecodeError:
                    raise EvidenceError(
                        f"cannot decode as {codec.upper()} (invalid bytes after line {self.stats.lines})",
                        self.name,
                    ) from None
                if not data:
                    done["eof"] = True
                if text or not data:
                    return text.encode("utf-8")
            return b""

        return read_wide

    # -- blocks --------------------------------------------------------------------------------
    def blocks(self) -> Iterator[Block]:
        carry = b""
        line = 1  # line number of the next unread line
        back = b""
        back_first = 1
        back_lines = 0  # newlines in back
        restart = False
        eof = False
        skipping = False  # inside a line longer than MAX_LINE: its bytes are dropped up to its newline
        while not eof:
            if self.cancel and self.cancel():
                raise Cancelled("cancelled while reading " + self.name)
            data = self._read()
            if skipping and data:
                i = data.find(b"\n")
                if i < 0:
                    continue
                data, skipping = data[i:], False  # the line's newline stays: an empty line
            if not data:
                eof = True
                if skipping:  # the file ends inside the long line: an empty last line
                    chunk, carry = b"\n", b""
                elif not carry:
                    break
                elif len(carry) > MAX_LINE:
                    self._long_line(line)
                    chunk, carry = b"\n", b""
                else:
                    if carry.strip():
                        self.stats.truncated_line = line + carry.count(b"\n")
                    chunk, carry = carry + b"\n", b""
            else:
                cut = data.rfind(b"\n") + 1
                if cut == 0:
                    carry += data
                    if len(carry) > MAX_LINE:
                        self._long_line(line)
                        carry, skipping = b"", True
                    continue
                first = data.find(b"\n")
                if len(carry) + first > MAX_LINE or long_lines(data, first + 1, cut):
                    data = carry + data  # rare: a line too long inside the block
                    data = drop_long_lines(data, 0, len(data), long_lines(data, 0, len(carry) + cut), line,
                                           self.stats)
                    carry, cut = b"", data.rfind(b"\n") + 1
                if self.layout is not None and not carry.startswith(b"#") and not _has_header_line(data, cut):
                    # the common case: one copy (look-back + carried part line + whole new lines)
                    buf = b"".join((back, carry, memoryview(data)[:cut]))
                    carry = data[cut:]
                    block = Block(buf, len(back), back_first, self.layout, restart)
                    yield block
                    n = (block.newlines if block.newlines is not None else buf.count(b"\n")) - back_lines
                    self.stats.lines += n
                    restart = False
                    line += n
                    back, back_first, back_lines = self._lookback(buf, line, back_lines + n)
                    continue
                chunk, carry = carry + data[:cut], data[cut:]
            for piece, is_header in _split_headers(chunk):
                if is_header:
                    text = decode_line(piece).strip()
                    self._header(text, line)
                    line += 1
                    back, back_first, back_lines, restart = b"", line, 0, True
                    continue
                if self.layout is None:
                    self.layout = Layout(DEFAULT_FIELDS)  # headerless excerpt: documented default
                buf = back + piece
                block = Block(buf, len(back), back_first, self.layout, restart)
                yield block
                n = (block.newlines if block.newlines is not None else buf.count(b"\n")) - back_lines
                self.stats.lines += n
                restart = False
                line += n
                back, back_first, back_lines = self._lookback(buf, line, back_lines + n)

    def _long_line(self, line: int) -> None:
        """Line ``line``, not yet ended, is longer than MAX_LINE: its bytes are dropped (an empty line
        stays). Among the first rows, the error validation would give when it reached the line."""
        if self.stats.lines < VALIDATE_ROWS:
            raise EvidenceError(LONG_LINE, self.name, line)
        self.stats.long_lines.append(line)

    def _lookback(self, buf: bytes, line: int, buf_lines: int) -> tuple[bytes, int, int]:
        """The tail of ``buf`` kept for the next block: (bytes, its first line, its newlines)."""
        if not self.lookback:
            return b"", line, 0
        if len(buf) <= self.lookback:
            return buf, line - buf_lines, buf_lines
        cut = buf.find(b"\n", len(buf) - self.lookback) + 1
        back = buf[cut:]
        back_lines = self._newlines(back)
        return back, line - back_lines, back_lines

    def _header(self, text: str, line: int) -> None:
        self.layout = read_header(text, line, self.name, self.stats, self.layout)


def read_header(text: str, line: int, name: str, stats: ScanStats, layout: Layout | None) -> Layout | None:
    """A ``#`` header line: the layout from then on (a ``#Fields`` line sets it); version and log
    type go to ``stats``."""
    fields = header_fields(text)
    low = text.lower()
    if fields is not None:
        try:
            return Layout(fields)
        except ValueError as exc:
            raise EvidenceError(str(exc), name, line) from None
    if low.startswith("#version:"):
        stats.version = stats.version or text.split(":", 1)[1].strip()
    elif low.startswith("#log-type:"):
        stats.log_type = stats.log_type or text.split(":", 1)[1].strip()
    return layout


class _Prefixed(io.RawIOBase):
    """A raw stream that yields ``prefix`` first, then ``stream`` (for the UTF-16 transcoder)."""

    def __init__(self, prefix: bytes, stream: BinaryIO, progress: ProgressHook | None):
        self._prefix = prefix
        self._stream = stream
        self._progress = progress

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[no-untyped-def]
        if self._prefix:
            n = min(len(b), len(self._prefix))
            b[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        data = self._stream.read(len(b))
        if self._progress and data:
            self._progress(len(data))
        b[: len(data)] = data
        return len(data)


def _count_newlines(data: bytes) -> int:
    return data.count(b"\n")


def _has_header_line(chunk: bytes | bytearray, end: int | None = None, start: int = 0) -> bool:
    """True if a line of ``chunk[start:end]`` starts with ``#`` (``start``: a line start). (Searching
    for a lone ``#`` is memchr-fast; ``\\n#`` would stop at every line end.)"""
    end = len(chunk) if end is None else end
    i = chunk.find(b"#", start, end)
    while i >= 0:
        if i == start or chunk[i - 1] == 10:
            return True
        i = chunk.find(b"#", i + 1, end)
    return False


def _split_headers(chunk: bytes) -> Iterator[tuple[bytes, bool]]:
    """Split a chunk of whole lines into runs of data lines and single ``#`` header lines."""
    if not _has_header_line(chunk):
        yield chunk, False
        return
    pos = 0
    n = len(chunk)
    while pos < n:
        if chunk.startswith(b"#", pos):
            end = chunk.find(b"\n", pos) + 1 or n
            yield chunk[pos:end], True
            pos = end
            continue
        nxt = _next_header_line(chunk, pos)
        end = n if nxt < 0 else nxt
        yield chunk[pos:end], False
        pos = end


def _next_header_line(chunk: bytes, pos: int) -> int:
    """Where the first line after ``pos`` that starts with ``#`` starts (-1: none). A lone ``#`` is
    searched with memchr; ``\n#`` would stop at every line end (12 ms in a 4 MB block, the first
    block of every log, which holds the header). Text with many ``#`` inside lines falls back to it."""
    i = chunk.find(b"#", pos + 1)
    for _ in range(64):
        if i < 0 or chunk[i - 1] == 10:
            return i
        i = chunk.find(b"#", i + 1)
    if i < 0:
        return -1
    nxt = chunk.find(b"\n#", i - 1)  # i - 1 >= pos: the line starting at i is searched too
    return -1 if nxt < 0 else nxt + 1


# ------------------------------------------------------------------------------------------------
# Rows
# ------------------------------------------------------------------------------------------------


class RowMaker:
    """Turn raw lines into ``Row``s with the layout's column positions; counts malformed rows."""

    def __init__(self, name: str, stats: ScanStats):
        self.name = name
        self.stats = stats
        self._layout: Layout | None = None

    def _bind(self, layout: Layout) -> None:
        self._layout = layout
        ix = layout.index
        self._i = (
            ix("sequence-number"),
            ix("date-time"),
            ix("connector-id"),
            ix("remote-endpoint"),
            ix("event"),
            ix("data"),
            ix("context"),
            ix("session-id"),
        )

    def make(self, raw: bytes, line: int, layout: Layout, *, strict: bool = False) -> tuple[str, Row] | None:
        if layout is not self._layout:
            self._bind(layout)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")  # legacy logs
        if text.endswith("\r"):
            text = text[:-1]
        if not text or text.isspace():
            return None
        width = layout.width
        if '"' in text:
            fields = split_row(text, width, self._i[5])
        else:
            fields = text.split(",")
            if len(fields) != width:
                fields = split_row(text, width, self._i[5])
        if fields is not None:
            seq_i, time_i, conn_i, remote_i, event_i, data_i, ctx_i, sid_i = self._i
            seq = fields[seq_i]
            event = fields[event_i]
            if seq.isascii() and seq.isdigit() and len(event) <= 1 and len(seq) < 10:
                return fields[sid_i].strip(), Row(
                    int(seq),
                    line,
                    fields[time_i] if time_i >= 0 else "",
                    fields[conn_i] if conn_i >= 0 else "",
                    fields[remote_i] if remote_i >= 0 else "",
                    event,
                    fields[data_i],
                    fields[ctx_i] if ctx_i >= 0 else "",
                    text,
                )
        if line == self.stats.truncated_line:
            self.stats.warnings.append(f"line {line}: cut short (the file ends mid-line); ignored")
            return None
        if strict:
            raise EvidenceError(
                f"not a protocol log row (expected {layout.width} fields: {','.join(layout.fields)})",
                self.name,
                line,
            )
        self.stats.malformed += 1
        if self.stats.first_malformed is None:
            self.stats.first_malformed = line
        return None


# ------------------------------------------------------------------------------------------------
# Send-log session collection
# ------------------------------------------------------------------------------------------------

# Literal triggers for the default column order (event column right before data).
# Literals are searched with bytes.find (fast); 4xx/5xx replies with one regex pass, because a
# literal starting with "," would stop at every comma. Exchange writes EOP host names in lower case.
_SEND_TRIGGERS = (b"outlook.com", b"office365.com", b"negotiation failed")


@functools.cache
def _send_reply() -> re.Pattern[bytes]:
    """The 4xx/5xx reply pattern, compiled when the Python trigger search first runs (with the C
    extension it never does; a bytes pattern is not in the regex-program cache: ~0.1 ms a run)."""
    return re.compile(rb'<,"?[45][0-9][0-9]')


@dataclass(slots=True)
class _Open:
    rows: list[Row]  # with the C row cutter: lite rows (bytes, see LiteRows) and Rows the Python code made
    partial: bool
    idle: int = 0  # bytes of log read since its last line
    lines: int = 0  # every line of the session, parsed or skipped
    off: int = -1  # offset of ",sid," from the line start (same in every line of the session)
    tail: int = -1  # offset of the event's comma from the comma after the sequence number
    mail: bool = False  # a MAIL command was seen: from here on every reply is kept
    recv: bool = False  # inside the remote's certificate block
    conn: str | None = None  # connector name, from the first row made
    toff: int = 0  # length of the date-time column
    sigs: list[bytes] = field(default_factory=list)  # row signatures from the C row cutter (folding)


def trimmed_warning(count: int) -> str:
    return (f"{count:,} session(s) were finished before their end because more than {MAX_OPEN:,} were "
            "open at once (sessions that never close?); their later lines count as separate sessions")


class SessionCollector:
    """Find the relevant sessions of a send log, block by block, and hand each one over replayed."""

    def __init__(self, name: str, stats: ScanStats, on_session: Callable[[Session], None],
                 shard: tuple[int, int] | None = None):
        self.name = name
        self.shard = shard  # (i, n): follow only the sessions whose id hashes to i of n
        self.stats = stats
        self.on_session = on_session
        self.rows = RowMaker(name, stats)
        self.open: OrderedDict[str, _Open] = OrderedDict()
        self.done: OrderedDict[str, None] = OrderedDict()
        self.validated = 0
        self.trimmed = 0  # sessions finished early because too many were open at once
        # the C walk and row cutting (same lines, same rows) unless RELAYDOCTOR_NO_NATIVE=1
        self._walk = _walk_native if native_enabled() else _walk
        self._native = self._walk is _walk_native
        self._backward = _backward_native if self._native else _backward
        # Folding (native rows only): a finished session whose rows have the signatures of one
        # replayed before is handed to ``fold.fold`` instead of being replayed; see send.Aggregator.
        self.fold: Folder | None = None

    # -- public --------------------------------------------------------------------------------
    def feed(self, block: Block) -> None:
        if block.restart:
            self._finish_all()
        self._validate(block)
        sessions = block.buf.count(b",attempting to connect", block.start)
        self.stats.sessions += sessions or block.buf.count(b",+,", block.start)
        if block.layout.fields == DEFAULT_FIELDS:
            self._feed_fast(block)
        else:
            self._feed_every_row(block)

    def finish(self, *, warn: bool = True) -> None:
        self._finish_all()
        if self.trimmed and warn:
            self.stats.warnings.append(trimmed_warning(self.trimmed))

    def mine(self, sid: str) -> bool:
        """Whether this scan follows session ``sid`` (always, unless the file is sharded)."""
        if self.shard is None:
            return True
        i, n = self.shard
        # binascii.crc32 gives zlib.crc32's values; binascii is in the import floor, zlib is not
        return binascii.crc32(sid.encode("utf-8", "replace")) % n == i

    # -- helpers -------------------------------------------------------------------------------
    def _validate(self, block: Block) -> None:
        if self.validated >= VALIDATE_ROWS:
            return
        buf, pos, line = block.buf, block.start, block.first_line + block.buf.count(b"\n", 0, block.start)
        while self.validated < VALIDATE_ROWS and pos < len(buf):
            end = buf.find(b"\n", pos)
            end = len(buf) if end < 0 else end
            raw = buf[pos:end]
            if raw.strip():
                before = self.stats.malformed
                self.rows.make(raw, line, block.layout, strict=line != self.stats.truncated_line)
                self.stats.validation_malformed += self.stats.malformed - before
                self.validated += 1
            elif line in self.stats.long_lines:
                raise EvidenceError(LONG_LINE, self.name, line)
            pos, line = end + 1, line + 1

    def _finish(self, sid: str, item: _Open) -> None:
        self.done[sid] = None
        if len(self.done) > DONE_MEMORY:
            self.done.popitem(last=False)
        self._hand_over(sid, item, item.partial, item.lines)

    def _hand_over(self, sid: str, item: _Open, partial: bool, lines: int) -> None:
        """A finished session to the aggregation: folded, replayed in C, or replayed here."""
        rows = item.rows
        if not rows:
            return
        lines = max(lines, len(rows))
        key = None
        fold = self.fold
        sigs = item.sigs
        # foldable: every row cut in C (so signed, and a lite row), already in sequence order (so
        # the replay's sort keeps them where they are and row i of one session matches row i of
        # another); folded or replayed in C without a Row made but for the few the facts name
        if fold is not None and len(sigs) == len(rows) <= MAX_FOLD_ROWS and _native.ordered(rows):
            lite = LiteRows(rows, item.conn)  # type: ignore[arg-type]  # the first row set conn
            key = (item.conn, partial, *sigs)
            if fold.fold(key, lite, lines) or fold.replayed(key, lite, partial, lines):
                return
        if sigs:  # rows cut in C: Rows for the Python replay
            conn, make = item.conn, _native.row
            rows = [make(r, conn, Row) if type(r) is bytes else r for r in rows]
        session = replay(sid, rows, partial=partial)
        session.rows = lines
        self.on_session(session)
        if key is not None:
            fold.learn(key, session, rows)

    def take(self, finished: list[tuple[str, _Open, bool, int]]) -> None:
        """Sessions the C block step (``sendfilter``) finished: (id, session, partial, lines). The C
        code remembers finished ids itself: ``done`` is only for the block step of this module."""
        hand_over = self._hand_over
        for sid, item, partial, lines in finished:
            hand_over(sid, item, partial, lines)

    def left(self, buf: bytes | memoryview, layout: Layout,
             left: list[tuple[_Open, int, int, int, int, int, int]]) -> None:
        """Rows of the lines the C collector leaves to this code, as ``_rows_native`` makes them.
        ``buf`` may be the native scan's read buffer (a memoryview): each line is copied, never the
        block (a log's certificate lines are left here in nearly every 4 MB block)."""
        for item, line, ls, le, q, c1, c3 in left:
            raw = bytes(buf[ls:le])
            row = _fast_row(raw, 0, le - ls, q - ls, c1 - ls, c3 - ls, line, item) if c3 >= 0 else None
            if row is None:
                made = self.rows.make(raw, line, layout)
                if made is None:
                    continue
                row = made[1]
            item.rows.append(row)

    def _finish_all(self) -> None:
        while self.open:
            sid, item = self.open.popitem(last=False)
            self._finish(sid, item)

    def _feed_every_row(self, block: Block) -> None:
        """Non-default column order: split every row (slower, same result)."""
        buf, line = block.buf, block.first_line + block.buf.count(b"\n", 0, block.start)
        pos = block.start
        n = len(buf)
        touched: set[str] = set()
        while pos < n:
            end = buf.find(b"\n", pos)
            end = n if end < 0 else end
            made = self.rows.make(buf[pos:end], line, block.layout)
            if made is not None:
                sid, row = made
                if sid not in self.done and self.mine(sid):
                    item = self.open.get(sid)
                    if item is None:
                        item = self.open[sid] = _Open([], partial=row.seq > 0)
                    item.rows.append(row)
                    item.lines += 1
                    touched.add(sid)
                    if row.event == "-":
                        del self.open[sid]
                        self._finish(sid, item)
            pos, line = end + 1, line + 1
        for sid in list(self.open):  # sessions that stopped without a disconnect line
            item = self.open[sid]
            item.idle = 0 if sid in touched else item.idle + n - block.start
            if item.idle >= IDLE_BYTES:
                del self.open[sid]
                self._finish(sid, item)
        self._trim_open()

    def _trim_open(self) -> None:
        while len(self.open) > MAX_OPEN:
            sid, item = self.open.popitem(last=False)
            self.trimmed += 1
            self._finish(sid, item)

    def _feed_fast(self, block: Block) -> None:
        buf, start = block.buf, block.start
        found: list[tuple[int, int, int, int, int, _Open]] = []  # (ls, le, q, c1, c3, session) per kept line
        closed: set[str] = set()
        # With many sessions open, searching the block once per session costs sessions x block:
        # index the block's lines by session id once instead (same lines, same result).
        index = _sid_index(buf) if len(self.open) > MANY_OPEN else None
        # 1. sessions still open from earlier blocks: read on from the new data
        for sid, item in self.open.items():
            before = item.lines
            at = None
            if index is not None:
                at = _from(index.get(sid, ()), start)
                if not at:
                    item.idle += len(buf) - start
                    continue
            if self._walk(buf, sid, start, item, found, at):
                closed.add(sid)
            item.idle = 0 if item.lines > before else item.idle + len(buf) - start
        # 2. new sessions named by a trigger in the new data
        fresh: dict[str, int] = {}
        for sid, ls, le in _native.triggers(buf, start) if self._native else _triggers(buf, start):
            if sid is False:  # only the csv module can tell this line's columns
                sid = _sid_of(buf, ls, le)
            if sid and sid not in fresh and sid not in self.open and sid not in self.done and self.mine(sid):
                fresh[sid] = ls
        if index is None and len(fresh) > MANY_OPEN:
            index = _sid_index(buf)
        for sid, ls in fresh.items():
            first, partial = self._backward(buf, sid.encode("ascii", "replace"), ls,
                                            index.get(sid, ()) if index is not None else None)
            item = self.open[sid] = _Open([], partial=partial)
            at = _from(index.get(sid, ()), first) if index is not None else None
            if self._walk(buf, sid, first, item, found, at):
                closed.add(sid)
        # 3. number the kept lines (one pass over the block) and make rows of them
        found.sort()
        self._rows_step(block, found)
        # 4. hand over finished sessions
        for sid in list(self.open):
            item = self.open[sid]
            if sid in closed or item.idle >= IDLE_BYTES:
                del self.open[sid]
                self._finish(sid, item)
        self._trim_open()

    def _rows_step(self, block: Block, found: list[tuple[int, int, int, int, int, _Open]]) -> None:
        """Rows of the kept lines ``found`` (sorted), appended to their sessions; ``block.newlines``."""
        if self._native:
            self._rows_native(block, found)
            return
        buf = block.buf
        line = block.first_line
        cur = 0
        count = buf.count
        fast_row = _fast_row
        for ls, le, q, c1, c3, item in found:
            line += count(b"\n", cur, ls)
            cur = ls
            row = fast_row(buf, ls, le, q, c1, c3, line, item) if c3 >= 0 else None
            if row is None:  # not the expected shape: let the generic row maker judge it
                made = self.rows.make(buf[ls:le], line, block.layout)
                if made is None:
                    continue
                row = made[1]
            item.rows.append(row)
        block.newlines = line - block.first_line + count(b"\n", cur)

    def _rows_native(self, block: Block, found: list[tuple[int, int, int, int, int, _Open]]) -> None:
        """Step 3 of ``_feed_fast`` with the rows cut in C; a line the C code leaves alone (the
        generic shapes) goes through ``_fast_row`` and the row maker exactly as without it."""
        left, block.newlines = _native.rows(block.buf, found, block.first_line, Row, True)
        if left:  # the lines the C code left to the Python code, in order
            self.left(block.buf, block.layout, [(found[i][5], line, *found[i][:5]) for i, line in left])


def native_enabled() -> bool:
    """The C extension is built and not switched off with RELAYDOCTOR_NO_NATIVE=1."""
    return _native is not None and os.environ.get("RELAYDOCTOR_NO_NATIVE", "") in ("", "0")


def _walk_native(buf: bytes, sid: str, start: int, item: _Open,
                 found: list[tuple[int, int, int, int, int, _Open]], at: list[int] | None = None) -> bool:
    """``_walk`` in C (the same lines kept, the same state after); a line whose columns only the
    csv module can tell sends the call to ``_walk``."""
    got = _native.walk(buf, b"," + sid.encode("ascii", "replace") + b",", start, item.off, item.tail,
                       item.mail, item.recv, item, found, at)
    if got is None:
        return _walk(buf, sid, start, item, found, at)
    closed, item.off, item.tail, item.mail, item.recv, count = got
    item.lines += count
    return closed


def _backward_native(buf: bytes, sid: bytes, ls: int,
                     positions: Sequence[int] | None = None) -> tuple[int, bool]:
    """``_backward`` in C; a line whose columns only the csv module can tell sends it to Python."""
    got = _native.backward(buf, b"," + sid + b",", ls, positions)
    return _backward(buf, sid, ls, positions) if got is None else got


def _fast_row(buf: bytes, ls: int, le: int, q: int, c1: int, c3: int, line: int, item: _Open) -> Row | None:
    """A row of the documented column order, from positions the walk already found.
    None when the line is not plain ASCII text of that shape (the generic row maker decides)."""
    seq = buf[q:c1]
    if not seq.isdigit() or len(seq) > 9:
        return None
    end = le - 1 if buf[le - 1] == 13 else le
    try:
        text = buf[ls:end].decode("ascii")
    except UnicodeDecodeError:
        return None  # byte offsets are not character offsets: let the generic maker split it
    rest = text[c3 - ls + 3 :]  # data + context
    if '"' in rest:
        parsed = _split_data_context(rest)
        if parsed is None:
            return None
        data, context = parsed
    else:
        data, _, context = rest.partition(",")
    if item.conn is None:
        a = text.find(",")
        b = text.find(",", a + 1)
        if b < 0 or text[a + 1 : a + 2] == '"':
            return None
        item.toff, item.conn = a, text[a + 1 : b]
        endpoints = text[c1 - ls + 1 : c3 - ls]
        remote = endpoints[endpoints.find(",") + 1 :]
    else:
        remote = ""
    event = text[c3 - ls + 1]
    return _new_row(Row, (int(seq), line, text[: item.toff], item.conn, remote, event, data, context, text))


_new_row = tuple.__new__  # Row(...) without the generated __new__'s Python frame


def _split_data_context(rest: str) -> tuple[str, str] | None:
    """``data,context`` where either may be CSV-quoted (``""`` escapes), as ``csv`` would read
    them; the common shapes without the csv module, anything unusual through ``split_row``."""
    if rest.startswith('"'):
        i = rest.find('"', 1)
        while i >= 0 and rest.startswith('"', i + 1):
            i = rest.find('"', i + 2)
        if i < 0:
            return _split_slow(rest)
        data = rest[1:i]
        after = rest[i + 1 :]
        if not after.startswith(",") or "\x00" in rest:
            return _split_slow(rest)
        if '""' in data:
            data = data.replace('""', '"')
        context = after[1:]
    else:
        data, _, context = rest.partition(",")
        if '"' in data or "\x00" in rest:
            return _split_slow(rest)
    if '"' in context:
        if not (context.startswith('"') and context.endswith('"') and len(context) >= 2):
            return _split_slow(rest)
        inner = context[1:-1]
        if inner.replace('""', "").find('"') >= 0:
            return _split_slow(rest)
        context = inner.replace('""', '"')
    elif "," in context:
        return _split_slow(rest)
    return data, context


def _split_slow(rest: str) -> tuple[str, str] | None:
    parsed = split_row(rest, 2, 0)
    return None if parsed is None else (parsed[0], parsed[1])


def _sid_index(buf: bytes) -> dict[str, list[int]] | None:
    """Session id → positions of ``,sid,`` (its third column) in each of its lines, in order; None
    when a line has a quoted connector name (the per-session search handles those)."""
    index: dict[str, list[int]] = {}
    find = buf.find
    n = len(buf)
    ls = 0
    while ls < n:
        le = find(b"\n", ls)
        if le < 0:
            le = n
        a = find(b",", ls, le)
        b = find(b",", a + 1, le) if a >= 0 else -1
        if a >= 0 and a + 1 < le and buf[a + 1] == 34:
            return None
        if b >= 0:
            c = find(b",", b + 1, le)
            if 0 <= c - b - 1 <= 64:
                sid = buf[b + 1 : c].decode("ascii", "replace").strip()
                if sid:
                    index.setdefault(sid, []).append(b)
        ls = le + 1
    return index


def _from(positions: Sequence[int], start: int) -> list[int]:
    return list(positions[bisect.bisect_left(positions, start):])


def _walk(buf: bytes, sid: str, start: int, item: _Open,
          found: list[tuple[int, int, int, int, int, _Open]], at: list[int] | None = None) -> bool:
    """Lines of session ``sid`` from ``start`` on: the ones worth parsing go to ``found``.
    Returns True when its disconnect line was seen. ``at``: the positions of ``,sid,`` from an
    index of the block (instead of searching for them).

    Rows the replay does not need are recognised on the raw bytes and never decoded or split:
    before the first MAIL, commands other than STARTTLS and AUTH and the EHLO reply lines other
    than the Hello line and the STARTTLS offer (or "XXXXXXXA", STARTTLS masked by a firewall); the
    connect row, the "attempting to connect" and
    "sending message" notes, the certificate serial number, the remote's certificate, and QUIT
    with its 221 reply. A session's id sits at the same offset
    in each of its lines (same time format and connector), so one verified line vouches for the
    next; the endpoints repeat too, which finds the event column without splitting.
    """
    needle = b"," + sid.encode("ascii", "replace") + b","
    size = len(needle)
    find, rfind, bcount = buf.find, buf.rfind, buf.count
    n = len(buf)
    off, tail, mail, recv = item.off, item.tail, item.mail, item.recv
    count = 0
    append = found.append
    closed = False
    if at is not None:  # positions known: "find the next" is "take the next"
        queue = iter(at)

        def find(sub: bytes, begin: int, end: int | None = None, _find: Callable = buf.find) -> int:
            if sub is needle:
                return next(queue, -1)
            return _find(sub, begin) if end is None else _find(sub, begin, end)

    pos = find(needle, start)
    while pos >= 0:
        ls = pos - off
        if off < 0 or ls < 0 or (ls > 0 and buf[ls - 1] != 10):
            ls = rfind(b"\n", 0, pos) + 1
            if bcount(b",", ls, pos) != 1 and not _is_sid_column(buf, ls, pos, needle[1:-1]):
                pos = find(needle, pos + 1)
                continue
            off = pos - ls
        le = find(b"\n", pos)
        if le < 0:
            le = n
        count += 1
        q = pos + size
        c1 = find(b",", q, le)
        c3 = c1 + tail
        if c1 < 0 or tail < 0 or c3 + 2 >= le or buf[c3] != 44 or buf[c3 + 2] != 44:
            c2 = find(b",", c1 + 1, le) if c1 >= 0 else -1
            c3 = find(b",", c2 + 1, le) if c2 >= 0 else -1
            if c3 < 0 or c3 + 2 >= le or buf[c3 + 2] != 44:
                append((ls, le, q, c1, -1, item))  # not the expected shape
                pos = find(needle, le)
                continue
            tail = c3 - c1
        ev = buf[c3 + 1]
        d = c3 + 3
        if ev == 60:  # "<" a reply
            if mail:
                if not buf.startswith(b"221 ", d, le):
                    append((ls, le, q, c1, c3, item))
            elif buf.startswith(b"250", d, le) and not buf.startswith(b"250 2.", d, le):
                # EHLO reply lines: keep the Hello line and a STARTTLS offer (or its masked form)
                if (find(b"Hello", d, le) >= 0 or find(b"STARTTLS", d, le) >= 0
                        or find(b"XXXXXXXA", d, le) >= 0):
                    append((ls, le, q, c1, c3, item))
            else:
                append((ls, le, q, c1, c3, item))
        elif ev == 62:  # ">" a command
            if mail:
                if not buf.startswith(b"QUIT", d, le):
                    append((ls, le, q, c1, c3, item))
            elif buf.startswith(b"MAIL", d, le):
                mail = True
                append((ls, le, q, c1, c3, item))
            elif buf.startswith((b"STARTTLS", b"X-ANONYMOUSTLS", b"AUTH"), d, le):
                append((ls, le, q, c1, c3, item))
        elif ev == 42:  # "*" information
            if buf.startswith(b",Received certificate", d, le):
                recv = True  # the remote's certificate: its thumbprint line follows, not needed
            elif recv and find(b",Certificate thumbprint", d, le) >= 0:
                recv = False
            elif not (
                buf.startswith(b"attempting", d + 1, le)
                or find(b"sending message with", d, le) >= 0
                or buf.endswith(b",Certificate serial number", d, le - (buf[le - 1] == 13))
            ):
                append((ls, le, q, c1, c3, item))
        elif ev == 45:  # "-" disconnect
            append((ls, le, q, c1, c3, item))
            closed = True
            break
        elif ev != 43:  # not "+" (connect)
            append((ls, le, q, c1, c3, item))
        pos = find(needle, le)
    item.off, item.tail, item.mail, item.recv = off, tail, mail, recv
    item.lines += count
    return closed


def _triggers(buf: bytes, start: int) -> list[tuple[str | bool | None, int, int]]:
    """The lines from ``start`` on that name a session worth following, in search order (each
    literal trigger in turn, one hit per line, then every 4xx/5xx reply): (session id, line start,
    line end)."""
    hits: list[int] = []
    for trig in _SEND_TRIGGERS:
        pos = buf.find(trig, start)
        while pos >= 0:
            hits.append(pos)
            pos = buf.find(trig, buf.find(b"\n", pos) + 1 or len(buf))
    hits.extend(m.start() for m in _send_reply().finditer(buf, start))
    out: list[tuple[str | bool | None, int, int]] = []
    for pos in hits:
        ls = buf.rfind(b"\n", 0, pos) + 1
        le = buf.find(b"\n", pos)
        le = len(buf) if le < 0 else le
        out.append((_sid_of(buf, ls, le), ls, le))
    return out


def _sid_of(buf: bytes, ls: int, le: int) -> str | None:
    """The session id (third column) of the line ``buf[ls:le]``; None if it has no such column."""
    a = buf.find(b",", ls, le)
    if a < 0:
        return None
    if buf.startswith(b'"', a + 1):  # quoted connector name: let csv read it
        row = split_row(decode_line(buf[ls:le]), 3, 1)
        return row[2].strip() if row else None
    b = buf.find(b",", a + 1, le)
    if b < 0:
        return None
    c = buf.find(b",", b + 1, le)
    if c < 0:
        return None
    sid = buf[b + 1 : c]
    if not sid or len(sid) > 64:
        return None
    return sid.decode("ascii", "replace").strip() or None


def _is_sid_column(buf: bytes, ls: int, p: int, sid: bytes) -> bool:
    """True if the ``,sid,`` found at ``p`` is the line's third column (not text elsewhere)."""
    if buf.find(b'"', ls, p) < 0:
        return buf.count(b",", ls, p) == 1
    le = buf.find(b"\n", p)
    row = split_row(decode_line(buf[ls : len(buf) if le < 0 else le]), 3, 1)
    return row is not None and row[2].strip() == sid.decode("ascii", "replace")


def _tail(buf: bytes, p: int, needle: bytes) -> list[bytes]:
    """Sequence number, local endpoint, remote endpoint, event of the row with ``,sid,`` at ``p``."""
    q = p + len(needle)
    return buf[q : q + 200].split(b",", 4)


def _backward(buf: bytes, sid: bytes, ls: int, positions: Sequence[int] | None = None) -> tuple[int, bool]:
    """The first line of session ``sid`` at or before line start ``ls``, and whether the session's
    start was not found (a partial session). Stops at sequence 0; after the connect event (``+``)
    it looks only a little further back for the "attempting to connect" row."""
    needle = b"," + sid + b","
    here = buf.find(needle, ls)
    if here >= 0 and _tail(buf, here, needle)[0] == b"0":
        return ls, False
    first = ls
    pos = ls
    lo = 0
    connected = here >= 0 and len(_tail(buf, here, needle)) >= 4 and _tail(buf, here, needle)[3] == b"+"
    if connected:
        lo = max(0, ls - CONNECT_WINDOW)
    while pos > lo:
        if positions is None:
            p = buf.rfind(needle, lo, pos)
        else:  # from the block's index: the last ",sid," before ``pos`` and not before ``lo``
            k = bisect.bisect_left(positions, pos) - 1
            p = positions[k] if k >= 0 and positions[k] >= lo and positions[k] + len(needle) <= pos else -1
        if p < 0:
            break
        start = buf.rfind(b"\n", 0, p) + 1
        if _is_sid_column(buf, start, p, sid):
            first = start
            tail = _tail(buf, p, needle)
            if tail[0] == b"0":
                return first, False
            if len(tail) >= 4 and tail[3] == b"+" and not connected:
                connected = True
                lo = max(0, start - CONNECT_WINDOW)
        pos = start
    return first, not connected


