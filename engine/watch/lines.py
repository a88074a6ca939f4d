"""Follow line logs of relays in front of Exchange Online: Postfix, sendmail and Exim mail logs
(``evidence.relaylogs.maillog``) and IIS SMTP W3C logs (``evidence.smtplog.iis``); and Exchange
receive protocol logs (``evidence.smtplog.receive``), where our own server refuses to relay.

A ``LineFollower`` thread per folder or file reads only the bytes appended since its last read
(the send-log follower's ``TailStream``: rotation by rename, truncation and replacement are
noticed), cuts them into whole lines and hands each line to the format's reader here, which
turns a delivery attempt to Exchange Online into a ``Delivery``: accepted or rejected, with the
sender's MAIL FROM domain and, where the log shows it, the client that handed the mail to the
relay. Each delivery carries the few lines it came from, so its verdict comes from the *same*
parser and rules as ``diagnose`` (``facts_of`` runs the evidence reader over those lines).

Memory is bounded: per-queue-id and per-peer state is an LRU of ``MAX_OPEN`` entries, a delivery's
context at most ``CONTEXT`` lines, and lines already handed over after a replaced copy are
recognised by a bounded set of hashes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import queue
import re
import zlib
from collections import OrderedDict, deque
from collections.abc import Callable

from .. import lazyre
from ..errors import EvidenceError
from ..evidence.applog import reader as applog
from ..evidence.base import Document
from ..evidence.relaylogs import maillog
from ..evidence.relaylogs.client import domain_of, public_ip
from ..evidence.smtplog import iis, receive
from ..evidence.smtplog.session import ip_of_endpoint, is_eop_host
from ..evidence.symptoms.smtp_reply import find_replies
from ..facts import Fact
from ..lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from .applines import AppLogLines
from .delivery import Delivery
from .follow import BLOCK, FollowerBase, Notice, Replaced, TailStream, end_of_whole_lines

MAX_OPEN = 10_000  # queue ids / peers remembered (oldest forgotten first)
CONTEXT = 12  # lines kept per queue id or peer, for the verdict
MAX_LINE = 16384
SEEN_LINES = 100_000
HEAD = 65536
KINDS = (maillog.KIND, iis.KIND, receive.KIND, applog.KIND)
MAX_READERS = 16  # per-file app-log readers kept (the oldest forgotten first)
APP_PRIME = 64 << 10  # bytes before the end an app log's state is read from, when starting there
MAX_REFUSED_DOMAINS = 1000  # recipient domains an on-premises server refused to relay to, remembered


@dataclass(frozen=True, slots=True)
class DeliveryEvent:
    file: str
    kind: str  # mail_log | iis_log | receive_log | app_log
    delivery: Delivery
    source: str  # the followed folder or file


def kind_of(path: str) -> str | None:
    """``mail_log``, ``iis_log``, ``receive_log`` or ``app_log`` when the file is one (the evidence
    layer's own sniffers). An app log is a file the loader itself would read as one (its catch-all
    sniffer, after every specific format): judged on the content present, so a file not yet
    showing a refusal or SMTP dialogue is not one yet."""
    try:
        with open(path, "rb") as f:
            head = f.read(HEAD)
        size = os.path.getsize(path)
    except OSError:
        return None
    doc = Document(path, size, head, lambda: open(path, "rb"))  # noqa: SIM115 - opened by a sniffer only
    for module in (receive, iis, maillog):
        try:
            if module.sniff(doc):
                return module.KIND
        except Exception:
            continue
    return _app_log(doc)


def _app_log(doc: Document) -> str | None:
    from ..evidence.loader import classify

    try:
        parser = classify(doc)
    except Exception:
        return None
    return applog.KIND if getattr(parser, "kind", None) == applog.KIND else None


def facts_of(kind: str, name: str, lines: tuple[str, ...]) -> list[Fact]:
    """The facts the evidence reader gives for these lines (the delivery's verdict input)."""
    module = {maillog.KIND: maillog, iis.KIND: iis, receive.KIND: receive, applog.KIND: applog}[kind]
    try:
        return list(module.scan(io.BytesIO("\n".join(lines).encode("utf-8")), name).facts)
    except EvidenceError:
        return []


def _status(reply: str) -> str | None:
    got = find_replies(reply)
    if not got:
        return None
    r = got[-1]
    return " ".join(x for x in (r.status_code, r.attr) if x) or None


class _Lru(OrderedDict):
    def touch(self, key: str, default: object) -> object:
        if key not in self:
            self[key] = default
            if len(self) > MAX_OPEN:
                self.popitem(last=False)
        else:
            self.move_to_end(key)
        return self[key]


def _year_for(month_day_time: str, now: dt.datetime) -> dt.datetime | None:
    """A classic syslog stamp (no year) of a log being written now: this year, or last year when
    that would put it more than a day in the future (the turn of the year)."""
    try:
        at = dt.datetime.strptime(f"{now.year} {month_day_time}", "%Y %b %d %H:%M:%S").replace(tzinfo=dt.UTC)
    except ValueError:
        return None
    return at.replace(year=now.year - 1) if at - now > dt.timedelta(days=1) else at


class MailLogLines:
    """Postfix / sendmail / Exim lines → deliveries to Exchange Online."""

    kind = maillog.KIND

    def __init__(self, now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)):
        self.now = now
        self.queues: _Lru = _Lru()  # queue id → {"from", "client", "lines"}

    def _queue(self, qid: str) -> dict:
        return self.queues.touch(qid, {"from": None, "client": None, "lines": []})  # type: ignore[return-value]

    def feed(self, line_no: int, text: str) -> Delivery | None:
        if not _worth(text):  # cleanup, pickup, connect lines: nothing to keep
            return None
        text = text[:MAX_LINE]
        if text.endswith(": removed") and (done := _REMOVED.search(text)) is not None:
            self.queues.pop(done.group(1), None)  # Postfix is done with it: forget the queue id
            return None
        m = maillog._SYSLOG.match(text)
        if m and _program_ok(m.group("prog")):
            return self._mta(line_no, text, m)
        e = maillog._EXIM.match(text)
        if e and (x := maillog._EXIM_ID.match(e.group("msg"))):
            return self._exim(line_no, text, x, e)
        return None

    def _at(self, m: re.Match[str]) -> dt.datetime | None:
        """The syslog line's time (read only for a delivery: most lines never need it)."""
        if m.group("iso"):
            return _iso(m.group("iso"))
        return _year_for(" ".join(m.group("bsd").split()), self.now())

    def _mta(self, line_no: int, text: str, m: re.Match[str]) -> Delivery | None:
        q = maillog._QID.match(m.group("msg"))
        if q is None:
            return None
        state = self._queue(q.group("qid"))
        body = q.group("body")
        if body.startswith("client="):
            ip = _BRACKETED.search(body)
            state["client"] = _public_ip(ip.group(1)) if ip else None
            _keep(state["lines"], text)
            return None
        if "to=<" not in body:
            if (f := maillog._FROM.search(body)) is not None:
                state["from"] = f.group("addr")
                _keep(state["lines"], text)
            return None
        if "relay=" not in body:
            return None
        relay = maillog._PF_RELAY.search(body) or maillog._SM_RELAY.search(body)
        host = relay.group("host").lower().rstrip(".") if relay else None
        if not is_eop_host(host):
            return None
        why = ""
        if (s := maillog._STATUS.search(body)) is not None:
            why, outcome = s.group("why") or "", s.group("status").lower()
        elif (s := maillog._SM_STAT.search(body)) is not None:
            why = s.group("why")
            outcome = "sent" if why.lower().startswith("sent") else "failed"
        else:
            return None
        to = _TO.search(body)
        if outcome == "sent" and to and to.group(1).lower().endswith(".onmicrosoft.com"):
            return None  # delivered inside the tenant whatever the attribution
        if outcome not in ("sent", "bounced", "deferred", "failed", "expired"):
            return None
        context = (*state["lines"], text)
        return Delivery(
            line_no, self._at(m), outcome == "sent", why or body, None if outcome == "sent" else _status(why),
            host or "", _from(state["from"]), state["client"], context,
        )

    def _exim(self, line_no: int, text: str, x: re.Match[str], e: re.Match[str]) -> Delivery | None:
        flag, addr, rest = x.group("flag"), x.group("addr"), x.group("rest")
        state = self._queue(x.group("qid"))
        if flag == "<=":
            state["from"] = "" if addr == "<>" else addr
            h = maillog._EXIM_H.search(rest)
            state["client"] = _public_ip(h.group("ip")) if h and h.group("ip") else None
            _keep(state["lines"], text)
            return None
        h = maillog._EXIM_H.search(rest)
        host = h.group("host").lower().rstrip(".") if h else None
        if not is_eop_host(host):
            return None
        context = (*state["lines"], text)
        at = _iso(f"{e.group('date')}T{e.group('time')}")
        if flag in ("=>", "->"):
            if addr.lower().endswith(".onmicrosoft.com"):
                return None
            return Delivery(line_no, at, True, rest.strip(), None, host or "", _from(state["from"]),
                            state["client"], context)
        err = maillog._EXIM_ERR.search(rest)
        if flag in ("**", "==") and err is not None:
            reply = err.group("reply")
            return Delivery(line_no, at, False, reply, _status(reply), host or "", _from(state["from"]),
                            state["client"], context)
        return None


class IisLines:
    """IIS SMTP (SMTPSVC) W3C lines → deliveries to Exchange Online, per remote IP (no session id)."""

    kind = iis.KIND

    def __init__(self) -> None:
        self.header: dict[str, str] = {}  # the #Software and #Fields lines the reader needs
        self.fields: list[str] | None = None
        self.peers: _Lru = _Lru()  # remote IP → {"banner", "from", "rcpt", "command", "lines"}

    def feed(self, line_no: int, text: str) -> Delivery | None:
        if text.startswith("#"):
            if (m := iis._FIELDS.match(text)) is not None:
                self.fields = m.group("value").split()
                self.header["fields"] = text
            elif iis._SOFTWARE.match(text):
                self.header["software"] = text
            return None
        if self.fields is None or not text.strip():
            return None
        values = text.split()
        if len(values) < len(self.fields):
            return None
        row = dict(zip(self.fields, values, strict=False))
        ip = row.get("c-ip", "-")
        peer = self.peers.touch(
            ip, {"banner": None, "from": None, "rcpt": None, "command": None, "lines": deque(maxlen=CONTEXT)}
        )
        assert isinstance(peer, dict)
        peer["lines"].append(text)
        who = row.get("cs-username", "")
        if who == "OutboundConnectionCommand":
            verb = row.get("cs-method", "").upper()
            arg = row.get("cs-uri-query", "").replace("+", " ")
            peer["command"] = verb
            if verb == "MAIL":
                m = re.search(r"FROM:\s*<([^<>]*)>", arg, re.I)
                peer["from"] = m.group(1) if m else None
            elif verb == "RCPT":
                m = iis._RCPT.search(arg)
                peer["rcpt"] = m.group(1).lower() if m else None
            return None
        if who != "OutboundConnectionResponse":
            return None
        parts = [row.get(k, "-") for k in ("cs-method", "cs-uri-stem", "cs-uri-query")]
        reply = " ".join(p for p in parts if p and p != "-").replace("+", " ").strip()
        code = reply[:3]
        if code == "220" and peer["command"] != "STARTTLS":  # a new connection's banner
            host = reply[4:].split(" ", 1)[0].lower()
            peer.update(banner=host if "." in host else None, command="220", rcpt=None)
            peer["from"] = None
            return None
        replies = find_replies(reply)
        eop = is_eop_host(peer["banner"]) or any(is_eop_host(r.host) for r in replies)
        if not eop or peer["command"] != "RCPT" or not code.isdigit():
            return None
        peer["command"] = "RCPT-answered"
        if code[0] == "2" and (peer["rcpt"] or "").endswith(".onmicrosoft.com"):
            return None
        if code[0] not in "245":
            return None
        context = (*self.header.values(), *peer["lines"])
        return Delivery(
            line_no, _iso(f"{row.get('date', '')}T{row.get('time', '')[:8]}"), code[0] == "2", reply,
            None if code[0] == "2" else _status(reply), peer["banner"] or "", _from(peer["from"]), None,
            context,
        )


# A mail-log line matters only with one of these: MAIL FROM / RCPT TO (from=<, to=<), Postfix's
# client=, Exim's arrival and delivery flags, and Postfix's "removed" (the queue id is done).
_REMOVED = re.compile(r"\s([0-9A-Za-z]{6,20}): removed$")
_BRACKETED = lazyre.compile(r"\[([^\]]+)\]")
_TO = lazyre.compile(r"\bto=<([^<>]*)>")


def _worth(t: str) -> bool:
    """One of the markers above (chained ``in`` tests: 3× faster than a regex or ``any``)."""
    return ("=<" in t or "client=" in t or ": removed" in t or " <= " in t or " => " in t
            or " -> " in t or " ** " in t or " == " in t)
MEMO = 4096  # program names, client addresses and sender domains remembered (a relay has few)


def _memo(fn: Callable[[str], object]) -> Callable[[str], object]:
    """``fn`` remembered for the last ``MEMO`` distinct inputs (a log repeats a few hundred)."""
    seen: dict[str, object] = {}

    def remembered(key: str) -> object:
        try:
            return seen[key]
        except KeyError:
            if len(seen) >= MEMO:
                seen.clear()
            got = seen[key] = fn(key)
            return got

    return remembered


_program_ok: Callable[[str], object] = _memo(lambda prog: maillog._PROGRAMS.match(prog) is not None)
_public_ip: Callable[[str], str | None] = _memo(public_ip)  # type: ignore[assignment]
_domain_of: Callable[[str], str | None] = _memo(domain_of)  # type: ignore[assignment]


def _keep(lines: list[str], text: str) -> None:
    lines.append(text)
    if len(lines) > CONTEXT:
        del lines[0]


def _iso(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text[:19]).replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def _from(address: str | None) -> str:
    if address is None:
        return ""
    if address == "":
        return "<>"
    return _domain_of(address) or ""


class ReceiveLines:
    """Exchange receive protocol logs → relay attempts through our own server, per session id.

    Here the refusal is our server's (``550 5.7.54 … Unable to relay``) to a device or app, so the
    "session" is a RCPT to a recipient domain: refused, or accepted. Which recipients are external
    cannot be told from the log, so an accepted RCPT counts only for a recipient domain this
    server refused to relay to before (it proves relay to that domain now works); the sender is
    the client's address and MAIL FROM domain (not the receive connector: the fix is often a new
    relay connector)."""

    kind = receive.KIND
    DEFAULT_FIELDS = (
        "date-time", "connector-id", "session-id", "sequence-number", "local-endpoint", "remote-endpoint",
        "event", "data", "context",
    )

    def __init__(self) -> None:
        self.header: dict[str, str] = {}  # the #Software / #Log-type / #Fields lines the reader needs
        self.fields: tuple[str, ...] = self.DEFAULT_FIELDS
        self.sessions: _Lru = _Lru()  # session id → {"client", "from", "rcpt", "command", "lines"}
        self.refused: OrderedDict[str, None] = OrderedDict()  # recipient domains refused

    def feed(self, line_no: int, text: str) -> Delivery | None:
        if text.startswith("#"):
            name = text[1:].split(":", 1)[0].strip().lower()
            if name in ("software", "version", "log-type", "fields"):
                self.header[name] = text
            if name == "fields":
                self.fields = tuple(f.strip() for f in text.split(":", 1)[1].split(","))
            return None
        if not text.strip():
            return None
        try:
            values = next(csv.reader([text[:MAX_LINE]]))
        except (csv.Error, StopIteration):
            return None
        row = dict(zip(self.fields, values, strict=False))
        sid, event, data = row.get("session-id", ""), row.get("event", ""), row.get("data", "")
        state = self.sessions.touch(sid, {"client": None, "from": None, "rcpt": None, "command": None,
                                          "lines": []})
        assert isinstance(state, dict)
        _keep(state["lines"], text)
        if event == "+":
            state["client"] = ip_of_endpoint(row.get("remote-endpoint", ""))
        elif event == "-":
            self.sessions.pop(sid, None)
        elif event == "<":
            upper = data.upper()
            state["command"] = upper.split(":", 1)[0].split(" ", 1)[0]
            if upper.startswith("MAIL FROM:"):
                m = re.search(r"<([^<>]*)>", data)
                state["from"] = m.group(1) if m else None
            elif upper.startswith("RCPT TO:"):
                m = re.search(r"<([^<>]*)>", data)
                state["rcpt"] = domain_of(m.group(1)) if m else None
        elif event == ">" and state["command"] == "RCPT" and state["rcpt"]:
            state["command"] = "RCPT-answered"
            return self._reply(line_no, row, data, state)
        return None

    def _reply(self, line_no: int, row: dict, data: str, state: dict) -> Delivery | None:
        code = data.strip('"')[:3]
        domain = state["rcpt"]
        if code[:1] == "2":
            if domain not in self.refused:
                return None  # not known to be a relay: it proves nothing
        elif code[:1] in ("4", "5"):
            self.refused[domain] = None
            if len(self.refused) > MAX_REFUSED_DOMAINS:
                self.refused.popitem(last=False)
        else:
            return None
        client = state["client"] or ip_of_endpoint(row.get("remote-endpoint", ""))
        return Delivery(
            line_no, _iso(row.get("date-time", "")), code[:1] == "2", data.strip('"'),
            None if code[:1] == "2" else _status(data), domain, _from(state["from"]), client,
            (*self.header.values(), *state["lines"]),
        )


def reader_for(kind: str) -> Reader:
    return {maillog.KIND: MailLogLines, iis.KIND: IisLines, receive.KIND: ReceiveLines,
            applog.KIND: AppLogLines}[kind]()


Reader = MailLogLines | IisLines | ReceiveLines | AppLogLines


class LineFollower(FollowerBase):
    """Follow one folder's (or one file's) logs of one kind (mail, IIS SMTP or receive logs); the
    newest file of that kind by modification time is the one being written (``maillog`` after
    ``maillog.1``, ``u_ex261125.log`` after ``u_ex261124.log``)."""

    def __init__(self, target: str, events: queue.Queue, *, kind: str | None = None, **kw: object):
        super().__init__(target, events, **kw)  # type: ignore[arg-type]
        self.kind = kind  # None: whichever kind the target's newest log is
        self.readers: dict[str, Reader] = {}  # per file kind, kept across rotation
        self.known: dict[str, str | None] = {}
        self.asked: dict[str, int] = {}  # the size each file had when last sniffed
        self.seen: OrderedDict[int, None] = OrderedDict()  # hashes of outcome lines handed over

    def logs(self) -> list[str]:
        """This target's logs of its kind, oldest first by modification time."""
        if not self.is_dir:
            return [self.target] if os.path.exists(self.target) else []
        found = []
        try:
            entries = list(os.scandir(self.target))
        except OSError as exc:
            return self.unlistable(exc)
        self.listed()
        for entry in entries:
            try:
                if not entry.is_file():
                    continue
                # a file not recognised is asked again while its head still grows (the sniffers read
                # only the head): an app log is one once it shows SMTP, often long after it was created
                size = entry.stat().st_size
                asked = self.asked.get(entry.path)
                growing = self.known.get(entry.path, "") is None and asked is not None and asked < HEAD
                if entry.path not in self.known or (growing and size != asked):
                    self.known[entry.path] = kind_of(entry.path)
                    self.asked[entry.path] = size
                if self.known[entry.path] and self.kind in (None, self.known[entry.path]):
                    found.append((entry.stat().st_mtime, entry.name, entry.path))
            except OSError:
                continue
        return [p for _, _, p in sorted(found)]

    def run(self) -> None:
        logs = self.logs()
        pending = [p for p in logs if self.from_start(p)] or logs[-1:]
        first = not any(self.from_start(p) for p in logs)
        present = set(logs)  # a log that appears later is all news: read from its start
        self.done.update(p for p in logs if p not in pending)
        while not self.stop.is_set():
            if not pending:
                fresh = [p for p in self.logs() if p not in self.done]
                pending = fresh[-1:] if fresh else []
            if not pending:
                self.stop.wait(self.interval)
                continue
            path = pending.pop(0)
            self.current = path
            try:
                self._follow(path, at_end=first and path in present)
                self.done.add(path)
            except Replaced:
                self.events.put(
                    Notice(f"{path}: truncated, rotated or replaced; reading it again from the start")
                )
                pending.insert(0, path)
            except FileNotFoundError:
                self.events.put(Notice(f"{path}: disappeared", "warning"))
                self.done.add(path)
            except OSError as exc:
                self.events.put(Notice(f"{path}: {exc.strerror or exc}; retrying", "warning"))
                self.stop.wait(max(self.interval, 1.0))
                pending.insert(0, path)
            first = False

    def _follow(self, path: str, *, at_end: bool) -> None:
        # the kind this file was followed as, not sniffed again: re-opened after a truncation
        # (copytruncate) it may still be empty or hold a line or two, no kind of log to the sniffers
        sniffed = self.known.get(path) or self.kind or kind_of(path)
        if sniffed:
            self.known[path] = sniffed
        kind = sniffed or maillog.KIND
        # an app log's state is its own file's (the file is the sender); a relay's outlives rotation
        # (a queue id goes on from maillog.1 into maillog). An app log's reader met again is this file
        # read again from its start: the conversation that was in flight is dropped, what it refused kept
        key = f"{kind}:{path}" if kind == applog.KIND else kind
        if key not in self.readers and len(self.readers) >= MAX_READERS:
            self.readers.pop(next((k for k in self.readers if k.startswith(applog.KIND)), ""), None)
        reader = self.readers.get(key)
        if reader is None:
            reader = self.readers[key] = reader_for(kind)
        elif isinstance(reader, AppLogLines):
            reader.restart()  # this file read again (truncated or replaced): its conversation was cut
        start, line_no = 0, 0
        if at_end:
            start = end_of_whole_lines(path)
            line_no = self._prime(reader, path, start)
        stream = TailStream(path, start, interval=self.interval, stop=self.stop, newer=self._newer_than(path))
        self.events.put(Notice(f"following {path}" + (" from its end" if at_end else "")))
        rest = b""
        runaway = False  # inside a line too long to keep (said once)
        try:
            while not self.stop.is_set():
                data = stream.read(BLOCK)
                if not data:
                    break
                rest += data
                cut = rest.rfind(b"\n")
                if cut < 0:
                    if len(rest) > MAX_LINE * 4:
                        rest = rest[-MAX_LINE:]  # a runaway line: keep its tail only
                        if not runaway:
                            runaway = True
                            self.events.put(Notice(
                                f"{path}:{line_no + 1}: a line longer than {MAX_LINE * 4:,} bytes: only its "
                                f"last {MAX_LINE:,} are read", "warning"))
                    continue
                runaway = False
                whole, rest = rest[:cut], rest[cut + 1 :]
                # decoded at once (a newline is never inside a UTF-8 sequence, so each line
                # decodes as it would alone); \r\n lines lose their \r
                feed, put, new = reader.feed, self.events.put, self._new
                for line in whole.decode("utf-8", "replace").split("\n"):
                    line_no += 1
                    text = line.rstrip("\r")
                    got = feed(line_no, text)
                    # an app's lines may have no time ("S: 250 2.0.0 OK"): its line number tells them apart
                    if got is not None and new(text if kind != applog.KIND else f"{line_no}:{text}"):
                        put(DeliveryEvent(path, kind, got, self.target))
        finally:
            stream.close()

    def _newer_than(self, path: str) -> Callable[[], bool]:
        def newer() -> bool:
            if not self.is_dir:
                return False
            logs = self.logs()
            return bool(logs) and logs[-1] != path
        return newer

    def _prime(self, reader: Reader, path: str, start: int) -> int:
        """Starting at the end: the IIS header lines the rows need, and the line count so far."""
        lines = 0
        with open(path, "rb") as f:
            done = 0
            while done < start:
                chunk = f.read(min(BLOCK, start - done))
                if not chunk:
                    break
                lines += chunk.count(b"\n")
                if isinstance(reader, IisLines | ReceiveLines):
                    for raw in chunk.split(b"\n"):
                        if raw.startswith(b"#"):
                            reader.feed(0, raw.rstrip(b"\r").decode("utf-8", "replace"))
                done += len(chunk)
            if isinstance(reader, AppLogLines):  # the smart host and session the next lines belong to
                f.seek(max(0, start - APP_PRIME))
                tail = f.read(start - f.tell()).decode("utf-8", "replace").split("\n")
                first = lines - len(tail) + 3  # tail[-2] is line `lines`; tail[0] may be cut
                reader.prime([(first + i, t.rstrip("\r")) for i, t in enumerate(tail[1:-1])])
        return lines

    def _new(self, text: str) -> bool:
        """False for an outcome line already handed over (a copied-over file read again)."""
        key = zlib.crc32(text.encode("utf-8", "replace")) ^ (len(text) << 32)
        if key in self.seen:
            return False
        self.seen[key] = None
        if len(self.seen) > SEEN_LINES:
            self.seen.popitem(last=False)
        return True
