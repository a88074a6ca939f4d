"""``relaydoctor watch``: follow the send logs until the fix is proven.

The followers (``follow``) hand over each finished session; the ``Watcher`` here decides what it
means. The fix is proven per failing sender (``senders``): the senders rejected before ``--since``
(read from ``LOOKBACK`` before it) or after it must get a session to Exchange Online accepted for
an external recipient after ``--since``; an accepted session of another sender proves nothing and
is said so. With no rejection seen at all, the first accepted session counts, and the line says
there was nothing to compare with. A rejection gets its verdict from the rules (``judge``), once
per failure kind, and a cause different from the previous one is called out. Each minute of log
time gets one line: sessions to Exchange Online, accepted and rejected by code. An app log's accept
counts only when it can be tied to a failing sender (``applines``); otherwise it is said once that it
cannot prove the fix.
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
from ..lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from ..results import EvidenceSet
from .follow import Event, Follower, Notice, SessionEvent, is_send_log
from .judge import Diagnose, Finding, Judge, failure_kind
from .lines import KINDS as LINE_KINDS
from .lines import DeliveryEvent, LineFollower, facts_of, kind_of
from .senders import MAX_SENDERS, Seen, Sender, Senders, accepted_txns, rejected_txn, sender_of

EXIT_FIXED, EXIT_TIMEOUT, EXIT_INTERRUPTED = 0, 1, 130
LOOKBACK = dt.timedelta(hours=1)  # logs written this long before --since are read for failing senders
SEEN_SESSIONS = 100_000  # session ids remembered to skip a re-read file's old sessions
# A live view's feed: (minute, sessions to Exchange Online, accepted, "5.7.64 ×3, …" rejected).
MinuteHook = Callable[[str, int, int, str], None]


# What one counted outcome is, by the kind of log it came from (the minute lines' words): a send
# log's session, a relay's delivery attempt (mail or IIS SMTP log), or a relay attempt through our
# own Exchange server (a receive log: a device's RCPT to an outside domain, refused or accepted).
NOUNS = {
    "send": "sessions to Exchange Online",
    "mail_log": "deliveries to Exchange Online",
    "iis_log": "deliveries to Exchange Online",
    "receive_log": "relay attempts through this Exchange server",
    "app_log": "messages an app sent",
}
COUNTED = {  # the same in the status line ("3 session(s) to Exchange Online")
    NOUNS["send"]: "session(s) to Exchange Online",
    NOUNS["mail_log"]: "delivery attempt(s) to Exchange Online",
    NOUNS["receive_log"]: "relay attempt(s) through this Exchange server",
    NOUNS["app_log"]: "message(s) an app sent",
}
MAX_UNPROVEN = 100  # app logs whose unprovable accept was said (once per file)


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
        self.counts: Counter[str] = Counter()  # the minute's, whatever the log kind (the live view's)
        self.by_noun: dict[str, Counter[str]] = {}  # the minute's, per NOUNS wording (the minute lines)
        self.nouns: dict[str, None] = {NOUNS["send"]: None}  # the kinds counted so far (status line)
        self.last_cause: str | None = None
        self.rejections = 0
        self.senders = Senders()
        self.sources: set[str] = set()  # followed folders/files seen (name them when several)
        self.noted: OrderedDict[Sender, None] = OrderedDict()  # unrelated accepted senders told once
        self._said: dict[tuple[Sender, bool], str] = {}  # senders' words, bounded
        self._minute_key: tuple | None = None  # the last session's minute, and its text
        self.unproven: OrderedDict[str, None] = OrderedDict()  # app logs told their accept proves nothing

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
        state = "fixed" if self.fixed else f"{self.waiting_for()}; {self.rejections} failure kind(s)"
        nouns = list(self.nouns)
        what = COUNTED[nouns[0]] if len(nouns) == 1 else "session(s), deliveries or relay attempts"
        self.out.write(f"\r\x1b[K{self.sessions} {what}, last at {last}; {state}")
        self.out.flush()

    def _words(self, sender: Sender) -> str:
        """The sender in words (remembered: the "still failing" line names every failing sender)."""
        key = (sender, len(self.sources) > 1)
        words = self._said.get(key)
        if words is None:
            if len(self._said) >= 4 * MAX_SENDERS:
                self._said.clear()
            words = self._said[key] = sender.words(source=key[1])
        return words

    def _failing_words(self, shown: int = 3) -> str:
        """The first failing senders in words, and how many more (a relay can have hundreds: naming
        them all on every fixed sender's line made the output quadratic)."""
        failing = self.senders.failing
        first = [self._words(k) for k, _ in zip(failing, range(shown), strict=False)]
        more = f" and {len(failing) - shown} more" if len(failing) > shown else ""
        return "; ".join(first) + more

    def waiting_for(self) -> str:
        """What would prove the fix now, in words."""
        if self.senders.failing:
            return f"waiting for an accepted session of the failing sender(s): {self._failing_words()}"
        if self.senders.fixed:
            return "every sender seen rejected has been accepted"
        return (
            "waiting for an accepted session (no rejection seen yet, so no failing sender to compare "
            "with: any sender's accepted session counts until one is rejected)"
        )

    def handle(self, event: Event | DeliveryEvent) -> bool:
        """Take one event; True when it proves the fix."""
        if isinstance(event, Notice):
            self.say(("warning: " if event.kind == "warning" else "") + event.text)
            return False
        if isinstance(event, DeliveryEvent):
            if event.kind == APP_LOG and event.delivery.accepted and (why := self._unproven(event)):
                self._say_unproven(event, why)
                return False
            return self._take(self._of_delivery(event))
        s = event.session
        if not s.to_eop:
            return False
        if s.sid in self.seen:
            return False
        self.seen[s.sid] = None
        if len(self.seen) > SEEN_SESSIONS:
            self.seen.popitem(last=False)
        return self._take(self._of_session(event))

    def _of_session(self, event: SessionEvent) -> Outcome:
        s, off = event.session, event.line_offset
        at = session_time(s)
        name = os.path.basename(event.file)
        cert = cn_of(s.cert.subject) if s.cert and s.cert.subject else None
        accepted = [(sender_of(event.source, s, txn), line + off) for txn, line in accepted_txns(s)]
        rejected = None
        if s.rejections and not accepted:
            rej = s.rejections[0]
            kind = failure_kind(s)
            detail = ", ".join(
                x for x in (f"certificate {cert}" if cert else "",
                            f"egress {s.ehlo_client_ip}" if s.ehlo_client_ip else "") if x
            )
            rejected = Failure(
                sender_of(event.source, s, rejected_txn(s)), rej.reply.row.line + off, rej.reply.text,
                kind, kind[1] or kind[0] or "", detail,
                lambda: self.judge.judge(kind, s, event.file, at) if self.judge else None,
            )
        return Outcome(event.source, at, name, accepted, rejected, cert, NOUNS["send"])

    def _unproven(self, event: DeliveryEvent) -> str:
        """Why an app log's accepted message cannot prove a fix ('' when it can: it follows a
        refusal from the same smart host in the same file, and that sender is known failing)."""
        if event.delivery.unproven:
            return event.delivery.unproven
        if not self.senders.failing and not self.senders.fixed:
            return "no refusal was reported before it"  # never "fixed, nothing to compare with"
        return ""

    def _say_unproven(self, event: DeliveryEvent, why: str) -> None:
        d = event.delivery
        if event.file in self.unproven:
            return
        self.unproven[event.file] = None
        if len(self.unproven) > MAX_UNPROVEN:
            self.unproven.popitem(last=False)
        self.say(
            f"accepted at {_clock(d.at)}, {os.path.basename(event.file)}:{d.line}: a message the app "
            f"sent, but {why}: the fix cannot be proven from this log"
        )

    def _of_delivery(self, event: DeliveryEvent) -> Outcome:
        d = event.delivery
        name = os.path.basename(event.file)
        if event.kind == APP_LOG:  # the file is the sender, narrowed by smart host and MAIL FROM
            sender = Sender(event.file, d.host, d.mail_from, None, None, app_log=True)
        else:
            sender = Sender(event.source, "", d.mail_from, None, d.client)
        if d.accepted:
            return Outcome(event.source, d.at, name, [(sender, d.line)], None, None, NOUNS[event.kind])
        # what the verdict can depend on: the reply and the sender domain the reader's facts carry
        # (not the client address: the reader does not use it, and a relay has hundreds of clients)
        kind = (event.kind, d.status or d.reply[:3], d.mail_from, d.host)
        code = d.status or d.reply[:3] or "?"
        if event.kind == APP_LOG:  # the facts from the lines before the reply decide (AUTH, port, TLS)
            facts = facts_of(event.kind, event.file, d.context)
            kind = (*kind, _client_key(facts))
            failure = Failure(
                sender, d.line, d.reply, kind, code, f"smart host {d.host}" if d.host else "",
                lambda: self.judge.judge_facts(kind, facts, d.at) if self.judge else None,
            )
            return Outcome(event.source, d.at, name, [], failure, None, NOUNS[event.kind])
        detail = ", ".join(x for x in (f"relay to {d.host}" if d.host else "",
                                       f"client {d.client}" if d.client else "") if x)
        failure = Failure(
            sender, d.line, d.reply, kind, code, detail,
            lambda: self.judge.judge_facts(kind, facts_of(event.kind, event.file, d.context), d.at)
            if self.judge else None,
        )
        return Outcome(event.source, d.at, name, [], failure, None, NOUNS[event.kind])

    def _take(self, o: Outcome) -> bool:
        self.sources.add(o.source)
        if self.since is not None and (o.at is None or o.at < self.since):
            if o.rejected is not None:  # failing before the change: what must be fixed
                self._failed(o, before=True)
            for sender, _ in o.accepted:  # accepted again before the change: not failing any more
                self.senders.forget(sender)
            return False
        self.sessions += 1
        if o.noun not in self.nouns:
            if self.sessions == 1:
                self.nouns.clear()
            self.nouns[o.noun] = None
        self.last_at = o.at or self.last_at
        self._count(o)
        if o.accepted:
            return self._accepted(o)
        if o.rejected is not None:
            self._failed(o, before=False)
        return False

    def _accepted(self, o: Outcome) -> bool:
        """Which failing senders this session proves fixed; True when none is left failing."""
        if self.fixed is not None:
            return False
        had_failures = bool(self.senders.failing or self.senders.fixed)
        proven: list[tuple[Sender, Seen]] = []
        for sender, line in o.accepted:
            got = self.senders.accepted(sender, Seen(o.at, f"{o.name}:{line}", o.cert or ""))
            proven.extend(got)
            if not got and self.senders.failing and sender not in self.noted:
                self.noted[sender] = None
                if len(self.noted) > MAX_SENDERS:
                    self.noted.popitem(last=False)
                self.say(
                    f"accepted at {_clock(o.at)}, {o.name}:{line}: {self._words(sender)}, a "
                    "sender that was not rejected: this does not prove the fix"
                )
        if had_failures and not proven:
            return False  # nothing more to say (the common case: checked before the words are made)
        when, where = _clock(o.at), f"{o.name}:{o.accepted[0][1]}"
        cert_words = f", certificate {o.cert}" if o.cert else ""
        if not had_failures:
            self.fixed = (
                f"fixed: first accepted session at {when}, {where}{cert_words}; "
                f"{self._words(o.accepted[0][0])} (no rejection was seen to compare with)"
            )
        elif proven and not self.senders.failing:
            self.fixed = f"fixed: first accepted session at {when}, {where}{cert_words}; " + "; ".join(
                f"{self._words(k)} (rejected at {_clock(v.at)}, {v.where})" for k, v in proven
            )
            if len(self.senders.fixed) > len(proven):
                self.fixed += f"; every one of the {len(self.senders.fixed)} senders rejected is now accepted"
        if self.fixed is not None:
            self.flush_minute()
            self.say(self.fixed)
            return True
        for k, v in proven:
            self.say(
                f"sender fixed: {self._words(k)}: accepted at {when}, {where}{cert_words} "
                f"(rejected at {_clock(v.at)}, {v.where})"
            )
        if proven:
            self.say(f"still failing: {self._failing_words()}", "  ")
        return False

    def _count(self, o: Outcome) -> None:
        minute = self._minute_of(o.at)
        if self.minute is not None and minute != self.minute:
            self.flush_minute()
        self.minute = minute
        by_noun = self.by_noun.get(o.noun)
        if by_noun is None:  # (not setdefault: a Counter made per session to be thrown away costs)
            by_noun = self.by_noun[o.noun] = Counter()
        for counts in (self.counts, by_noun):
            counts["sessions"] += 1
            if o.accepted:
                counts["accepted"] += 1
            elif o.rejected is not None:
                counts[f"rejected {o.rejected.code}"] += 1
        if self.on_minute is not None:
            c = self.counts
            self.on_minute(minute, c["sessions"], c["accepted"], rejected_by_code(c))

    def _minute_of(self, at: dt.datetime | None) -> str:
        """``2026-11-24 10:42`` (made once per minute, not once per session)."""
        if at is None:
            return "?"
        key = (at.minute, at.hour, at.day, at.month, at.year)
        if self._minute_key is None or self._minute_key[0] != key:
            self._minute_key = (key, at.strftime("%Y-%m-%d %H:%M"))
        return self._minute_key[1]

    def flush_minute(self) -> None:
        if self.minute is None or not self.counts:
            return
        for noun, c in self.by_noun.items():  # one line per kind of log seen in the minute
            rejected = rejected_by_code(c)
            self.say(
                f"{self.minute} {noun}: {c['sessions']}, accepted {c['accepted']}"
                + (f", rejected {rejected}" if rejected else "")
            )
        self.counts = Counter()
        self.by_noun = {}

    def _failed(self, o: Outcome, *, before: bool) -> None:
        f = o.rejected
        assert f is not None
        where = f"{o.name}:{f.line}"
        when = _clock(o.at)
        new_sender = f.sender not in self.senders.failing
        again = self.senders.rejected(f.sender, Seen(o.at, where, f.code))
        if again is not None:
            self.say(
                f"rejected again at {when}, {where}: {self._words(f.sender)} (accepted at "
                f"{_clock(again.at)}, {again.where}): it is failing again"
            )
        if self.judge is None:
            return
        known = self.judge.known(f.kind)
        if known is not None:
            if new_sender:
                self.say(
                    f"{'failing before --since' if before else 'rejected'} at {when}, {where}: "
                    f"{self._words(f.sender)}: {known.cause or known.status} as before"
                )
            return  # counted in the minute line; its verdict was shown when the kind first appeared
        self.rejections += 1
        finding = f.judge()
        assert finding is not None
        label = "failing before --since" if before else "rejected"
        self.say(f"{label} at {when}, {where}: {f.reply[:200]}" + (f" [{f.detail}]" if f.detail else ""))
        self.say(f"sender: {self._words(f.sender)}", "  ")
        verdict = f"{finding.cause} ({finding.status})" if finding.cause else finding.status
        self.say(f"verdict: {verdict}: {finding.summary}", "  ")
        if self.last_cause is not None and finding.cause != self.last_cause:
            self.say(
                f"note: a different cause than before ({self.last_cause or 'undetermined'} → "
                f"{finding.cause or 'undetermined'})",
                "  ",
            )
        self.last_cause = finding.cause


APP_LOG = "app_log"


def _client_key(facts: list) -> tuple:
    """What an app log's ``smtp_client`` facts say that a verdict can depend on (one rules run per
    distinct reply *and* way of sending, not per line)."""
    from ..facts import SmtpClient

    return tuple(
        (f.smart_host, f.port, f.auth_used, f.auth_failed, f.starttls_used, f.mail_from_domain, f.null_sender,
         f.client_ip)
        for f in facts if isinstance(f, SmtpClient)
    )


@dataclass(frozen=True, slots=True)
class Failure:
    sender: Sender
    line: int  # of the rejection, in its file
    reply: str
    kind: tuple  # what the verdict depends on (one diagnosis per kind)
    code: str  # "5.7.64 ATTR36" for the minute line
    detail: str
    judge: Callable[[], Finding | None]


@dataclass(frozen=True, slots=True)
class Outcome:
    """A session (send log) or a delivery attempt (relay log) to Exchange Online, in common terms."""

    source: str
    at: dt.datetime | None
    name: str  # the file's base name
    accepted: list[tuple[Sender, int]]  # each accepted sender and its line
    rejected: Failure | None
    cert: str | None
    noun: str = NOUNS["send"]  # what it is, in the minute line's words


def _clock(at: dt.datetime | None) -> str:
    return at.strftime("%H:%M:%S") if at else "?"


def split_paths(paths: Sequence[str]) -> tuple[list[tuple[str, str]], list[str]]:
    """(what to follow: (folder or file, "send" or a line-log kind), other evidence files in and
    beside them). A folder is followed for each kind of log its files show (send logs, mail logs,
    IIS SMTP logs, receive logs); a folder with none yet is followed for every kind."""
    targets: list[tuple[str, str]] = []
    others: list[str] = []
    for path in paths:
        if os.path.isdir(path):
            found: set[str] = set()
            for entry in sorted(os.scandir(path), key=lambda e: e.name):
                if not entry.is_file():
                    continue
                kind = "send" if is_send_log(entry.path) else kind_of(entry.path)
                if kind:
                    found.add(kind)
                else:
                    others.append(entry.path)
            targets.extend((path, k) for k in ("send", *LINE_KINDS) if k in found or not found)
        elif is_send_log(path):
            targets.append((path, "send"))
        elif kind := kind_of(path):
            targets.append((path, kind))
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
    followed, others = split_paths(paths)
    if not followed:
        raise InputError(
            "no send or receive protocol log, mail log (Postfix, sendmail, Exim), IIS SMTP log, application "
            "log or folder to follow among the PATHs"
        )
    targets = list(dict.fromkeys(t for t, _ in followed))
    config = load_config(others, pfx_password)
    judge = Judge(config, diagnose)
    live = bool(getattr(out, "isatty", lambda: False)()) and os.environ.get("TERM") != "dumb"
    watcher = Watcher(out, judge, since=since, live=live, on_minute=on_minute)
    watcher.sources.update(targets)  # several followed: each sender's words name its folder
    stop = stop or threading.Event()
    events: queue.Queue[Event | DeliveryEvent] = queue.Queue(maxsize=10_000)

    def from_start(path: str) -> bool:
        if since is None:
            return False
        try:
            return os.path.getmtime(path) >= (since - LOOKBACK).timestamp()
        except OSError:
            return False

    followers = [
        Follower(t, events, interval=interval, stop=stop, from_start=from_start)
        if k == "send"
        else LineFollower(t, events, kind=k, interval=interval, stop=stop, from_start=from_start)
        for t, k in followed
    ]
    read = [s for s in config.sources if not s.skipped_reason]
    watcher.say(
        f"watching {', '.join(targets)}"
        + (
            f" for the failing senders' first accepted session after {since.strftime('%Y-%m-%dT%H:%M:%SZ')}"
            f" (senders rejected from {(since - LOOKBACK).strftime('%H:%M')} on)"
            if since
            else "; the fix is proven when the senders rejected get an accepted session"
        )
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
                    failing = "; ".join(map(watcher._words, watcher.senders.failing))
                    watcher.say(
                        f"timeout: no accepted session for an external recipient within {timeout:g} s"
                        + (f" from the failing sender(s): {failing}" if failing else "")
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
