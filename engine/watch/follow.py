"""Follow send protocol logs as Exchange writes them, through the streaming scanner.

One ``Follower`` thread per watched folder (or file). It feeds the scanner's ``BlockReader`` from
a ``TailStream`` whose ``read`` hands over only the bytes appended since the last read and, when
there are none, sleeps ``interval`` seconds between ``stat`` calls (no busy polling). The stream
ends when Exchange has moved on to a newer log file in the folder (rotation), and raises
``Replaced`` when the file was truncated or replaced (a smaller size, another inode, or other
first bytes — a folder copied over again), so the file is read again from its start; sessions
already reported are recognised by their session id and not reported twice.

Memory is the scanner's: one block, its look-back window and the open sessions, whatever the
file size; the followers hand finished sessions to the watcher through a queue.
"""

from __future__ import annotations

import os
import queue
import re
import threading
from collections.abc import Callable

from ..errors import EvidenceError
from ..evidence.smtplog.format import log_type
from ..evidence.smtplog.scan import BlockReader, ScanStats, SessionCollector, trimmed_warning
from ..evidence.smtplog.session import Session
from ..lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use

HEAD = 16384  # bytes read to tell a send log from other files
FINGERPRINT = 256  # first bytes compared to notice a replaced file
BLOCK = 1 << 20  # at most this much is read at once (memory stays small)


class Replaced(Exception):
    """The followed file was truncated or replaced: read it again from its start."""


@dataclass(frozen=True, slots=True)
class SessionEvent:
    file: str  # the file's path as found
    session: Session
    line_offset: int  # add to the rows' line numbers (lines skipped when starting at the end)
    source: str = ""  # the followed folder or file (one server's logs): part of who the sender is


@dataclass(frozen=True, slots=True)
class Notice:
    text: str
    kind: str = "info"  # info | warning


Event = SessionEvent | Notice


def is_send_log(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            head = f.read(HEAD)
    except OSError:
        return False
    for codec in ("utf-8-sig", "utf-16"):
        try:
            text = head.decode(codec)
        except UnicodeDecodeError:
            continue
        if log_type(text) == "send":
            return True
    return False


def _natural(name: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", name))


def log_files(folder: str, known: dict[str, bool] | None = None) -> list[str]:
    """The send logs directly in ``folder`` (and one level down), oldest first by name. ``known``
    caches what each file was found to be (a file still too short to tell is asked again)."""
    known = {} if known is None else known
    found: list[str] = []
    entries = sorted(os.scandir(folder), key=lambda e: _natural(e.name))  # OSError: the caller says it
    for entry in entries:
        try:
            if entry.is_file():
                if _is_log_cached(entry, known):
                    found.append(entry.path)
            elif entry.is_dir() and not entry.name.startswith("."):
                for sub in sorted(os.scandir(entry.path), key=lambda e: _natural(e.name)):
                    if sub.is_file() and _is_log_cached(sub, known):
                        found.append(sub.path)
        except OSError:
            continue
    return sorted(found, key=lambda p: (_natural(os.path.basename(p)), p))


def _is_log_cached(entry: os.DirEntry, known: dict[str, bool]) -> bool:
    got = known.get(entry.path)
    if got is None:
        got = is_send_log(entry.path)
        if got or entry.stat().st_size >= 1024:
            known[entry.path] = got
    return got


class TailStream:
    """A read-only binary stream over a growing file (see the module docstring)."""

    def __init__(
        self,
        path: str,
        start: int,
        *,
        interval: float,
        stop: threading.Event,
        newer: Callable[[], bool],
        prefix: bytes = b"",
        gone: Callable[[str], None] | None = None,
    ):
        self.path = path
        self.gone = gone  # told once when the file vanishes (a share unmounted, a file deleted)
        self._missing = False
        self.interval = interval
        self.stop = stop
        self.newer = newer
        self._f = open(path, "rb", buffering=0)  # noqa: SIM115 - closed by close()
        st = os.fstat(self._f.fileno())
        self.inode = (st.st_dev, st.st_ino)
        self.fingerprint = os.pread(self._f.fileno(), FINGERPRINT, 0)
        self._f.seek(start)
        self.pos = start
        self._prefix = prefix
        self.bytes_read = 0

    def close(self) -> None:
        self._f.close()

    def read(self, n: int = BLOCK) -> bytes:
        if self._prefix:
            data, self._prefix = self._prefix, b""
            return data
        n = min(n, BLOCK) if n and n > 0 else BLOCK
        while not self.stop.is_set():
            data = self._f.read(n)
            if data:
                self.pos += len(data)
                self.bytes_read += len(data)
                return data
            self._check()
            if self.newer():
                data = self._f.read(n)  # the last bytes written before the switch
                if data:
                    self.pos += len(data)
                    return data
                return b""
            self.stop.wait(self.interval)
        return b""

    def _check(self) -> None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            if not self._missing and self.gone is not None:
                self.gone(self.path)
            self._missing = True
            return  # gone: a newer log (rotation) or the file coming back (another inode) decides
        self._missing = False
        if (st.st_dev, st.st_ino) != self.inode or st.st_size < self.pos:
            raise Replaced(self.path)
        if len(self.fingerprint) < FINGERPRINT and st.st_size > len(self.fingerprint):
            self.fingerprint = os.pread(self._f.fileno(), FINGERPRINT, 0)  # the header was still short
        elif os.pread(self._f.fileno(), len(self.fingerprint), 0) != self.fingerprint:
            raise Replaced(self.path)


def _header_and_lines(path: str, start: int) -> tuple[bytes, int]:
    """The leading ``#`` header lines of the file, and how many lines lie between them and ``start``."""
    header = b""
    with open(path, "rb") as f:
        head = f.read(HEAD)
        pos = 0
        while pos < len(head) and head[pos : pos + 1] == b"#":
            end = head.find(b"\n", pos)
            if end < 0:
                break
            pos = end + 1
        header = head[:pos]
        f.seek(pos)
        lines, done = 0, pos
        while done < start:
            chunk = f.read(min(BLOCK, start - done))
            if not chunk:
                break
            lines += chunk.count(b"\n")
            done += len(chunk)
    return header, lines


def _wide(path: str) -> bool:
    with open(path, "rb") as f:
        return f.read(2) in (b"\xff\xfe", b"\xfe\xff")


def end_of_whole_lines(path: str) -> int:
    """The offset after the file's last complete line (a line being written is read later)."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        back = min(size, 1 << 20)
        f.seek(size - back)
        tail = f.read(back)
    cut = tail.rfind(b"\n")
    return size - back + cut + 1 if cut >= 0 else size - back


class FollowerBase(threading.Thread):
    """A thread following one folder (or file) of logs, handing what it finds to ``events``."""

    def __init__(
        self,
        target: str,
        events: queue.Queue,
        *,
        interval: float,
        stop: threading.Event,
        from_start: Callable[[str], bool],
    ):
        super().__init__(name=f"follow {target}", daemon=True)
        self.target = target
        self.is_dir = os.path.isdir(target)
        self.events = events
        self.interval = interval
        self.stop = stop
        self.from_start = from_start  # read this (pre-existing) file from its start?
        self.done: set[str] = set()
        self.current: str | None = None
        self._unlisted = False

    def unlistable(self, exc: OSError) -> list[str]:
        """The folder cannot be listed (unreadable, an unmounted share): say so once, keep trying
        with the file being followed."""
        if not self._unlisted:
            self.events.put(
                Notice(f"{self.target}: cannot list the folder ({exc.strerror or exc}); retrying", "warning")
            )
        self._unlisted = True
        return [self.current] if self.current else []

    def listed(self) -> None:
        if self._unlisted:
            self.events.put(Notice(f"{self.target}: readable again"))
            self._unlisted = False


class Follower(FollowerBase):
    """Follow one folder's send logs (or one file), handing finished sessions to ``events``."""

    def __init__(
        self,
        target: str,
        events: queue.Queue[Event],
        *,
        interval: float,
        stop: threading.Event,
        from_start: Callable[[str], bool],
        rescan_every: int = 1,
    ):
        super().__init__(target, events, interval=interval, stop=stop, from_start=from_start)
        self.rescan_every = rescan_every
        self._polls = 0
        self.bytes_read = 0
        self._known: dict[str, bool] = {}

    # -- which file -----------------------------------------------------------------------------
    def _logs(self) -> list[str]:
        if not self.is_dir:
            return [self.target] if os.path.exists(self.target) else []
        try:
            logs = log_files(self.target, self._known)
        except OSError as exc:
            return self.unlistable(exc)
        self.listed()
        return logs

    def _newer(self) -> bool:
        """True when a log later than the current one exists (checked every few idle polls)."""
        if not self.is_dir:
            return False
        self._polls += 1
        if self._polls % self.rescan_every:
            return False
        logs = self._logs()
        if self.current not in logs:
            return bool(logs)
        return logs.index(self.current) < len(logs) - 1

    def _next(self) -> str | None:
        for path in self._logs():
            if path not in self.done:
                return path
        return None

    # -- the loop -------------------------------------------------------------------------------
    def run(self) -> None:
        first = True
        pending = [p for p in self._logs() if self.from_start(p)]
        logs = self._logs()
        if logs and not pending:
            pending = [logs[-1]]
        for p in logs:
            if p not in pending:
                self.done.add(p)
        while not self.stop.is_set():
            path = pending.pop(0) if pending else self._next()
            if path is None:
                self.stop.wait(self.interval)
                continue
            self.current = path
            start_at_end = first and not self.from_start(path)
            first = False
            try:
                self._follow(path, at_end=start_at_end)
                self.done.add(path)
            except Replaced:
                self.events.put(Notice(f"{path}: truncated or replaced; reading it again from the start"))
            except FileNotFoundError:
                self.events.put(Notice(f"{path}: disappeared", "warning"))
                self.done.add(path)
            except EvidenceError as exc:
                self.events.put(Notice(exc.one_line(), "warning"))
                self.done.add(path)
            except OSError as exc:
                self.events.put(Notice(f"{path}: {exc.strerror or exc}; retrying", "warning"))
                self.stop.wait(max(self.interval, 1.0))

    def _follow(self, path: str, *, at_end: bool) -> None:
        start, offset, prefix = 0, 0, b""
        if at_end and _wide(path):  # UTF-16 (a re-saved log): the scanner must start at the BOM
            at_end = False
            self.events.put(Notice(f"{path}: UTF-16 log, read from its start"))
        if at_end:
            start = end_of_whole_lines(path)
            prefix, offset = _header_and_lines(path, start)
        stream = TailStream(
            path,
            start,
            interval=self.interval,
            stop=self.stop,
            newer=self._newer,
            prefix=prefix,
            gone=lambda p: self.events.put(
                Notice(f"{p}: disappeared; waiting for it or a newer log", "warning")
            ),
        )
        self.events.put(Notice(f"following {path}" + (" from its end" if at_end else "")))
        stats = ScanStats()
        collector = SessionCollector(
            path, stats, lambda s: self.events.put(SessionEvent(path, s, offset, self.target))
        )
        reader = BlockReader(stream, path, stats, block_size=BLOCK, lookback=256 << 10)  # type: ignore[arg-type]
        trimmed_said = False
        try:
            for block in reader.blocks():
                collector.feed(block)
                if collector.trimmed and not trimmed_said:
                    trimmed_said = True  # once per file: what load_evidence warns at the end of a file
                    self.events.put(Notice(f"{path}: {trimmed_warning(collector.trimmed)}", "warning"))
                if self.stop.is_set():
                    return
            collector.finish()
        except EvidenceError as exc:
            if exc.line is None or not offset:
                raise
            # the reader counts from the header it was given: the file's own line is further on
            raise EvidenceError(exc.message, exc.path, exc.line + offset) from None
        finally:
            self.bytes_read += stream.bytes_read
            stream.close()
