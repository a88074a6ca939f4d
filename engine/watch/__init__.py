"""``relaydoctor watch``: follow the send logs until the fix is proven.

The followers (``follow``) hand over each finished session; the ``Watcher`` here decides what it
means: a session to Exchange Online accepted for an external recipient after ``--since`` is the
fix ("fixed: first accepted session at …"); a rejection gets its verdict from the rules
(``judge``), once per failure kind, and a cause different from the previous one is called out.
Each minute of log time gets one line: sessions to Exchange Online, accepted and rejected by code.
"""

from __future__ import annotations

import datetime as dt
import os
import queue
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from typing import TextIO

from ..errors import InputError
from ..evidence.smtplog.send import cn_of
from ..evidence.smtplog.session import Session
from ..results import EvidenceSet
from .follow import Event, Follower, Notice, SessionEvent, is_send_log
from .judge import Diagnose, Finding, Judge, failure_kind

EXIT_FIXED, EXIT_TIMEOUT, EXIT_INTERRUPTED = 0, 1, 130
SEEN_SESSIONS = 100_000  # session ids remembered to skip a re-read file's old sessions
# A live view's feed: (minute, sessions to Exchange Online, accepted, "5.7.64 ×3, …" rejected).
MinuteHook = Callable[[str, int, int, str], None]


def rejected_by_code(counts: dict[str, int]) -> str:
    """``5.7.64 ×3, 4.7.500 ×1`` from a minute's counters ('' when nothing was rejected)."""
    return ", ".join(f"{k[9:]} ×{n}" for k, n in sorted(counts.items()) if k.startswith("rejected "))


def session_time(s: Session) -> dt.datetime | None:
    row = s.first_row or s.last_row
    if row is None or len(row.time) < 19:
        return None
    try:
        return dt.datetime.fromisoformat(row.time[:19]).replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def accepted_external(s: Session) -> int | None:
    """The line of the first external recipient Exchange Online accepted (data not refused)."""
    for txn in s.txns:
        if txn.data_reply is not None and txn.data_reply.negative:
            continue
        for r in txn.rcpts:
            if r.reply is not None and r.reply.positive and not r.tenant:
                return r.reply.row.line
    return None


class Watcher:
    """What the sessions mean, as plain lines on ``out``."""

    def __init__(
        self,
        out: TextIO,
        judge: Judge | None,
        *,
        since: dt.datetime | None,
        live: bool = False,
        on_minute: MinuteHook | None = None,
    ):
        self.out = out
        self.on_minute = on_minute  # a live view: the minute's counts so far, after every session
        self.live = live  # a terminal: keep a status line under the output, rewritten in place
        self._status_at = 0.0
        self.sessions = 0
        self.last_at: dt.datetime | None = None
        self.judge = judge
        self.since = since
        self.fixed: str | None = None
        self.seen: OrderedDict[str, None] = OrderedDict()
        self.minute: str | None = None
        self.counts: Counter[str] = Counter()
        self.last_cause: str | None = None
        self.rejections = 0

    def say(self, line: str, indent: str = "") -> None:
        from ..report.common import one_line

        clear = "\r\x1b[K" if self.live else ""
        self.out.write(clear + indent + one_line(line) + "\n")
        self.out.flush()
        self._status_at = 0.0

    def status(self, now: float) -> None:
        """On a terminal, one line under the output: what has been seen so far (at most 2 per second)."""
        if not self.live or now - self._status_at < 0.5:
            return
        self._status_at = now
        last = self.last_at.strftime("%H:%M:%S") if self.last_at else "none yet"
        state = (
            "fixed" if self.fixed else f"waiting for an accepted session; {self.rejections} failure kind(s)"
        )
        self.out.write(f"\r\x1b[K{self.sessions} session(s) to Exchange Online, last at {last}; {state}")
        self.out.flush()

    def handle(self, event: Event) -> bool:
        """Take one event; True when it proves the fix."""
        if isinstance(event, Notice):
            self.say(("warning: " if event.kind == "warning" else "") + event.text)
            return False
        s = event.session
        if not s.to_eop:
            return False
        if s.sid in self.seen:
            return False
        self.seen[s.sid] = None
        if len(self.seen) > SEEN_SESSIONS:
            self.seen.popitem(last=False)
        at = session_time(s)
        if self.since is not None and (at is None or at < self.since):
            return False
        self.sessions += 1
        self.last_at = at or self.last_at
        self._count(s, at)
        name = os.path.basename(event.file)
        line = accepted_external(s)
        if line is not None:
            if self.fixed is None:
                cert = cn_of(s.cert.subject) if s.cert and s.cert.subject else None
                when = at.strftime("%H:%M:%S") if at else "?"
                self.fixed = f"fixed: first accepted session at {when}, {name}:{line + event.line_offset}" + (
                    f", certificate {cert}" if cert else ""
                )
                self.flush_minute()
                self.say(self.fixed)
                return True
            return False
        if s.rejections:
            self._rejected(s, event, name, at)
        return False

    def _count(self, s: Session, at: dt.datetime | None) -> None:
        minute = at.strftime("%Y-%m-%d %H:%M") if at else "?"
        if self.minute is not None and minute != self.minute:
            self.flush_minute()
        self.minute = minute
        self.counts["sessions"] += 1
        if accepted_external(s) is not None:
            self.counts["accepted"] += 1
        elif s.rejections:
            kind = failure_kind(s)
            self.counts[f"rejected {kind[1] or kind[0]}"] += 1
        if self.on_minute is not None:
            c = self.counts
            self.on_minute(minute, c["sessions"], c["accepted"], rejected_by_code(c))

    def flush_minute(self) -> None:
        if self.minute is None or not self.counts:
            return
        c = self.counts
        rejected = rejected_by_code(c)
        self.say(
            f"{self.minute} sessions to Exchange Online: {c['sessions']}, accepted {c['accepted']}"
            + (f", rejected {rejected}" if rejected else "")
        )
        self.counts = Counter()

    def _rejected(self, s: Session, event: SessionEvent, name: str, at: dt.datetime | None) -> None:
        kind = failure_kind(s)
        rej = s.rejections[0]
        where = f"{name}:{rej.reply.row.line + event.line_offset}"
        when = at.strftime("%H:%M:%S") if at else "?"
        if self.judge is None:
            return
        known = self.judge.known(kind)
        if known is not None:
            return  # counted in the minute line; its verdict was shown when the kind first appeared
        self.rejections += 1
        finding: Finding = self.judge.judge(kind, s, event.file, at)
        cert = cn_of(s.cert.subject) if s.cert and s.cert.subject else None
        detail = ", ".join(
            x
            for x in (
                f"certificate {cert}" if cert else "",
                f"egress {s.ehlo_client_ip}" if s.ehlo_client_ip else "",
            )
            if x
        )
        self.say(f"rejected at {when}, {where}: {rej.reply.text[:200]}" + (f" [{detail}]" if detail else ""))
        label = f"{finding.cause} ({finding.status})" if finding.cause else finding.status
        self.say(f"verdict: {label}: {finding.summary}", "  ")
        if self.last_cause is not None and finding.cause != self.last_cause:
            self.say(
                f"note: a different cause than before ({self.last_cause or 'undetermined'} → "
                f"{finding.cause or 'undetermined'})",
                "  ",
            )
        self.last_cause = finding.cause


def split_paths(paths: Sequence[str]) -> tuple[list[str], list[str]]:
    """(what to follow: folders and send-log files, other evidence files in and beside them)."""
    targets: list[str] = []
    others: list[str] = []
    for path in paths:
        if os.path.isdir(path):
            targets.append(path)
            for entry in sorted(os.scandir(path), key=lambda e: e.name):
                if entry.is_file() and not is_send_log(entry.path):
                    others.append(entry.path)
        elif is_send_log(path):
            targets.append(path)
        else:
            others.append(path)
    return targets, others


def load_config(files: Sequence[str], pfx_password: str | None) -> EvidenceSet:
    """The exports beside the logs (connectors, domains, certificates), read once."""
    from ..evidence.loader import load_evidence

    evidence = EvidenceSet()
    for path in files:
        try:
            evidence.extend(load_evidence([path], pfx_password=pfx_password))
        except InputError:
            continue  # not evidence: the logs are what matters here
    return evidence


def run_watch(
    paths: Sequence[str],
    *,
    since: dt.datetime | None,
    until_fixed: bool,
    timeout: float | None,
    interval: float,
    out: TextIO,
    diagnose: Diagnose,
    pfx_password: str | None = None,
    stop: threading.Event | None = None,
    clock: Callable[[], float] = time.monotonic,
    on_minute: MinuteHook | None = None,
) -> int:
    targets, others = split_paths(paths)
    if not targets:
        raise InputError("no send protocol log or folder to follow among the PATHs")
    config = load_config(others, pfx_password)
    judge = Judge(config, diagnose)
    live = bool(getattr(out, "isatty", lambda: False)()) and os.environ.get("TERM") != "dumb"
    watcher = Watcher(out, judge, since=since, live=live, on_minute=on_minute)
    stop = stop or threading.Event()
    events: queue.Queue[Event] = queue.Queue(maxsize=10_000)

    def from_start(path: str) -> bool:
        if since is None:
            return False
        try:
            return os.path.getmtime(path) >= since.timestamp()
        except OSError:
            return False

    followers = [Follower(t, events, interval=interval, stop=stop, from_start=from_start) for t in targets]
    read = [s for s in config.sources if not s.skipped_reason]
    watcher.say(
        f"watching {', '.join(targets)}"
        + (f" for the first accepted session after {since.strftime('%Y-%m-%dT%H:%M:%SZ')}" if since else "")
        + f"; verdicts from {len(read)} export file(s)"
    )
    deadline = clock() + timeout if timeout is not None else None
    for f in followers:
        f.start()
    try:
        while True:
            wait = 0.5 if deadline is None else max(0.0, min(0.5, deadline - clock()))
            try:
                event = events.get(timeout=wait)
            except queue.Empty:
                event = None
            if event is not None and watcher.handle(event) and until_fixed:
                return EXIT_FIXED
            watcher.status(clock())
            if deadline is not None and clock() >= deadline:
                watcher.flush_minute()
                if until_fixed and watcher.fixed is None:
                    watcher.say(
                        f"timeout: no accepted session for an external recipient within {timeout:g} s"
                    )
                    return EXIT_TIMEOUT
                return EXIT_FIXED
            if not any(f.is_alive() for f in followers) and events.empty():
                watcher.flush_minute()
                return EXIT_FIXED if watcher.fixed or not until_fixed else EXIT_TIMEOUT
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    finally:
        if live:
            out.write("\r\x1b[K")
            out.flush()
        stop.set()
        for f in followers:
            f.join(timeout=2)
