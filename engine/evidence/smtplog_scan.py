"""Stream a large protocol log and pull out only the sessions that matter, at C speed.

A busy server writes hundreds of MB a day, and most sessions (intra-organisation, internet
MX hosts) are irrelevant to a relay diagnosis. Splitting every line with ``csv`` in Python costs
more than reading the file, so the log is read in blocks of whole lines and searched with
``bytes.find`` (C) for *triggers*: Exchange Online host names, 4xx/5xx replies and TLS failures.
Each trigger names a session; that session's lines are then found by searching for
``,<session-id>,`` backwards to its start and forwards to its disconnect line, parsed, and replayed.
Lines of other sessions are never split or decoded. Memory is one block plus a look-back window
plus the sessions still open, whatever the file size.

Logs in a non-default column order or in UTF-16 go through the same block reader; a non-default
order falls back to splitting every row (correct, just slower).
"""

from __future__ import annotations

import codecs
import io
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from ..errors import Cancelled, EvidenceError
from .decoding import is_wide, sniff_encoding
from .smtplog_format import DEFAULT_FIELDS, Layout, decode_line, header_fields, split_row
from .smtplog_session import Row, Session, replay

BLOCK = 4 << 20  # bytes read per block
LOOKBACK = 512 << 10  # earlier bytes kept so a session triggered late can be read from its start
MAX_LINE = 1 << 20  # a "line" longer than this is not a protocol log
VALIDATE_ROWS = 20  # the first rows are always parsed: a log with garbage rows fails early
CONNECT_WINDOW = 64 << 10  # how far before a connect row its "attempting to connect" row may be
IDLE_BYTES = 16 << 20  # an open session with no line in this much later log is finished as it is
MAX_OPEN = 20000  # open relevant sessions kept at most (oldest finished first)
DONE_MEMORY = 50000  # finished session ids remembered, to ignore their stray late lines

ProgressHook = Callable[[int], None]  # bytes consumed since the last call
CancelHook = Callable[[], bool]


@dataclass(slots=True)
class Block:
    """Whole data lines (no header lines); ``buf[:start]`` is look-back already scanned."""

    buf: bytes
    start: int
    first_line: int  # line number of buf's first byte
    layout: Layout
    restart: bool  # a header line came just before: a new file was concatenated here


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

    # -- raw bytes -----------------------------------------------------------------------------
    def _reader(self, stream: BinaryIO) -> Callable[[], bytes]:
        first = stream.read(self.block_size)
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
            if done["eof"]:
                return b""
            data = rest.read(self.block_size)
            try:
                text = decoder.decode(data, final=not data)
            except UnicodeDecodeError:
                raise EvidenceError(
                    f"cannot decode as {codec.upper()} (invalid bytes after line {self.stats.lines})",
                    self.name,
                ) from None
            if not data:
                done["eof"] = True
            return text.encode("utf-8")

        return read_wide

    # -- blocks --------------------------------------------------------------------------------
    def blocks(self) -> Iterator[Block]:
        carry = b""
        line = 1  # line number of the next unread line
        back = b""
        back_first = 1
        restart = False
        eof = False
        while not eof:
            if self.cancel and self.cancel():
                raise Cancelled("cancelled while reading " + self.name)
            data = self._read()
            if not data:
                eof = True
                if not carry:
                    break
                if carry.strip():
                    self.stats.truncated_line = line + carry.count(b"\n")
                chunk, carry = carry + b"\n", b""
            else:
                data = carry + data
                cut = data.rfind(b"\n") + 1
                if cut == 0:
                    if len(data) > MAX_LINE:
                        raise EvidenceError("not a protocol log: a line is longer than 1 MB", self.name, line)
                    carry = data
                    continue
                chunk, carry = data[:cut], data[cut:]
            for piece, is_header in _split_headers(chunk):
                if is_header:
                    text = decode_line(piece).strip()
                    self._header(text, line)
                    line += 1
                    back, back_first, restart = b"", line, True
                    continue
                if self.layout is None:
                    self.layout = Layout(DEFAULT_FIELDS)  # headerless excerpt: documented default
                n = piece.count(b"\n")
                self.stats.lines += n
                buf = back + piece
                yield Block(buf, len(back), back_first, self.layout, restart)
                restart = False
                line += n
                if self.lookback and len(buf) > self.lookback:
                    cut = buf.find(b"\n", len(buf) - self.lookback) + 1
                    back_first += buf.count(b"\n", 0, cut)
                    back = buf[cut:]
                else:
                    back = buf if self.lookback else b""
                if not self.lookback:
                    back_first = line

    def _header(self, text: str, line: int) -> None:
        fields = header_fields(text)
        low = text.lower()
        if fields is not None:
            try:
                self.layout = Layout(fields)
            except ValueError as exc:
                raise EvidenceError(str(exc), self.name, line) from None
        elif low.startswith("#version:"):
            self.stats.version = self.stats.version or text.split(":", 1)[1].strip()
        elif low.startswith("#log-type:"):
            self.stats.log_type = self.stats.log_type or text.split(":", 1)[1].strip()


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


def _split_headers(chunk: bytes) -> Iterator[tuple[bytes, bool]]:
    """Split a chunk of whole lines into runs of data lines and single ``#`` header lines."""
    if not chunk.startswith(b"#") and b"\n#" not in chunk:
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
        nxt = chunk.find(b"\n#", pos)
        end = n if nxt < 0 else nxt + 1
        yield chunk[pos:end], False
        pos = end


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
        text = decode_line(raw).rstrip("\r\n")
        if not text.strip():
            return None
        fields = split_row(text, layout.width, self._i[5])
        seq_i, time_i, conn_i, remote_i, event_i, data_i, ctx_i, sid_i = self._i
        if fields is not None:
            seq = fields[seq_i].strip()
            event = fields[event_i].strip()
            if seq.isdigit() and len(event) <= 1 and len(seq) < 10:
                return fields[sid_i].strip(), Row(
                    seq=int(seq),
                    line=line,
                    time=fields[time_i].strip() if time_i >= 0 else "",
                    connector=fields[conn_i].strip() if conn_i >= 0 else "",
                    remote=fields[remote_i].strip() if remote_i >= 0 else "",
                    event=event,
                    data=fields[data_i],
                    context=fields[ctx_i] if ctx_i >= 0 else "",
                    text=text,
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
_SEND_TRIGGERS = (
    b"outlook.com",
    b"OUTLOOK.COM",
    b"office365.com",
    b"OFFICE365.COM",
    b"negotiation failed",
    b",<,4",
    b",<,5",
    b',<,"4',
    b',<,"5',
)


@dataclass(slots=True)
class _Open:
    rows: list[Row]
    partial: bool
    idle: int = 0  # bytes of log read since its last line


class SessionCollector:
    """Find the relevant sessions of a send log, block by block, and hand each one over replayed."""

    def __init__(self, name: str, stats: ScanStats, on_session: Callable[[Session], None]):
        self.name = name
        self.stats = stats
        self.on_session = on_session
        self.rows = RowMaker(name, stats)
        self.open: OrderedDict[str, _Open] = OrderedDict()
        self.done: OrderedDict[str, None] = OrderedDict()
        self.validated = 0

    # -- public --------------------------------------------------------------------------------
    def feed(self, block: Block) -> None:
        if block.restart:
            self._finish_all()
        self._validate(block)
        self.stats.sessions += block.buf.count(b",+,", block.start)
        layout = block.layout
        fast = layout.sid == 2 and layout.index("event") + 1 == layout.index("data") and layout.width >= 7
        if fast:
            self._feed_fast(block)
        else:
            self._feed_every_row(block)

    def finish(self) -> None:
        self._finish_all()

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
                self.rows.make(raw, line, block.layout, strict=line != self.stats.truncated_line)
                self.validated += 1
            pos, line = end + 1, line + 1

    def _finish(self, sid: str, item: _Open) -> None:
        self.done[sid] = None
        if len(self.done) > DONE_MEMORY:
            self.done.popitem(last=False)
        if item.rows:
            self.on_session(replay(sid, item.rows, partial=item.partial))

    def _finish_all(self) -> None:
        while self.open:
            sid, item = self.open.popitem(last=False)
            self._finish(sid, item)

    def _feed_every_row(self, block: Block) -> None:
        """Non-default column order: split every row (slower, same result)."""
        buf, line = block.buf, block.first_line + block.buf.count(b"\n", 0, block.start)
        pos = block.start
        n = len(buf)
        while pos < n:
            end = buf.find(b"\n", pos)
            end = n if end < 0 else end
            made = self.rows.make(buf[pos:end], line, block.layout)
            if made is not None:
                sid, row = made
                if sid not in self.done:
                    item = self.open.get(sid)
                    if item is None:
                        item = self.open[sid] = _Open([], partial=row.seq > 0)
                    item.rows.append(row)
                    if row.event == "-":
                        del self.open[sid]
                        self._finish(sid, item)
            pos, line = end + 1, line + 1
        self._trim_open()

    def _trim_open(self) -> None:
        while len(self.open) > MAX_OPEN:
            sid, item = self.open.popitem(last=False)
            self._finish(sid, item)

    def _feed_fast(self, block: Block) -> None:
        buf, start = block.buf, block.start
        found: list[tuple[int, str]] = []  # (line start, session id)
        closed: set[str] = set()
        # 1. sessions still open from earlier blocks: read on from the new data
        for sid, item in self.open.items():
            spans, is_closed = _forward(buf, sid.encode("ascii", "replace"), start)
            found.extend((ls, sid) for ls in spans)
            if is_closed:
                closed.add(sid)
            item.idle = 0 if spans else item.idle + len(buf) - start
        # 2. new sessions named by a trigger in the new data
        fresh: dict[str, int] = {}
        for trig in _SEND_TRIGGERS:
            pos = buf.find(trig, start)
            while pos >= 0:
                ls = buf.rfind(b"\n", 0, pos) + 1
                le = buf.find(b"\n", pos)
                le = len(buf) if le < 0 else le
                sid = _sid_of(buf, ls, le)
                if sid and sid not in fresh and sid not in self.open and sid not in self.done:
                    fresh[sid] = ls
                pos = buf.find(trig, le)
        for sid, ls in fresh.items():
            needle = sid.encode("ascii", "replace")
            first, partial = _backward(buf, needle, ls)
            spans, is_closed = _forward(buf, needle, first)
            found.extend((ls2, sid) for ls2 in spans)
            self.open[sid] = _Open([], partial=partial)
            if is_closed:
                closed.add(sid)
        # 3. number the lines (one pass over the block) and parse them
        found.sort()
        line = block.first_line
        cur = 0
        layout = block.layout
        for ls, sid in found:
            line += buf.count(b"\n", cur, ls)
            cur = ls
            le = buf.find(b"\n", ls)
            made = self.rows.make(buf[ls : len(buf) if le < 0 else le], line, layout)
            if made is not None:
                self.open[sid].rows.append(made[1])
        # 4. hand over finished sessions
        for sid in list(self.open):
            item = self.open[sid]
            if sid in closed or item.idle >= IDLE_BYTES:
                del self.open[sid]
                self._finish(sid, item)
        self._trim_open()


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


def _backward(buf: bytes, sid: bytes, ls: int) -> tuple[int, bool]:
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
        p = buf.rfind(needle, lo, pos)
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


def _forward(buf: bytes, sid: bytes, start: int) -> tuple[list[int], bool]:
    """Line starts of session ``sid`` from ``start`` on, and whether its disconnect line was seen."""
    needle = b"," + sid + b","
    spans: list[int] = []
    pos = buf.find(needle, start)
    n = len(buf)
    while pos >= 0:
        ls = buf.rfind(b"\n", 0, pos) + 1
        le = buf.find(b"\n", pos)
        le = n if le < 0 else le
        if _is_sid_column(buf, ls, pos, sid):
            spans.append(ls)
            tail = buf[pos + len(needle) : le].split(b",", 4)  # seq, local, remote, event, ...
            if len(tail) >= 4 and tail[3] == b"-":
                return spans, True
        pos = buf.find(needle, le)
    return spans, False
