"""Follow an application's or device's log (PHPMailer, MailKit, smtplib, Laravel/Symfony, nodemailer,
.NET/JavaMail traces, device syslogs: ``evidence.applog``) for new refusals and, where the app logs
one, an accepted message.

What each line means follows the app-log reader's own rules (``applog.reader``): a refusal is a
4xx/5xx reply it recognises (``is_refusal``, multi-line replies joined by ``replies_in``) or a TLS
failure, and the smart host a reply belongs to is the last endpoint line before it
(``endpoint_in``). A refusal's verdict runs that reader over the few lines it needs (the endpoint
line, the lines about AUTH/TLS/MAIL FROM/port since it, the reply), so the facts are the ones
``diagnose`` gets from those lines.

An accepted message is a 2xx reply to DATA (the final reply after a ``354``) or a line saying a
message was sent with a 2xx reply on it. App lines carry no session or queue id, so the sender is
the log file itself (one app writes one file), narrowed by the smart host and, when the dialogue
shows it, the MAIL FROM domain. An accept proves a fix only after a refusal from the same smart
host in the same file; any other accept is handed over marked ``unproven`` with the reason.

State is bounded: the endpoint line, ``CONTEXT`` session lines, the refused smart hosts
(``MAX_HOSTS``) and the names the app resolved (``MAX_HOSTS``).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import OrderedDict, deque

from .. import lazyre
from ..evidence.applog import reader as applog
from ..evidence.relaylogs.client import domain_of
from ..evidence.symptoms.smtp_reply import Reply, tls_failure_span
from .delivery import Delivery

MAX_HOSTS = 64  # smart hosts refused / names resolved, remembered per file
CONTEXT = 12  # session lines (AUTH, TLS, MAIL FROM, port) kept for a refusal's verdict

KIND = applog.KIND
# a leading date and time (PHPMailer's gmdate prefix, Laravel's [..], ISO stamps): with an offset, honoured
_STAMP = lazyre.compile(
    r"^\s*\[?(?P<at>\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d)(?:[.,]\d+)?(?P<tz>Z|[+-]\d\d:?\d\d)?"
)
# the server's go-ahead for the message text: the next final reply is the message's fate
_GO_AHEAD = "354"
_SENT_WORDS = lazyre.compile(
    r"\b(?:message|mail|e-?mail)\b[^\n]{0,60}?\b(?:sent|accepted|delivered|queued)\b", re.I
)
_CLIENT_SPEAKS = lazyre.compile(r"CLIENT -> SERVER:|(?:^|\s)C:\s|\bsend:\s*b?['\"]")
_NOT_SENT = lazyre.compile(r"\b(?:not|cannot|could not|couldn't|failed|failure|error|unable)\b", re.I)


def stamp_of(text: str) -> dt.datetime | None:
    """The line's leading date and time (UTC unless it names an offset); None when it has none."""
    m = _STAMP.match(text)
    return None if m is None else _stamp(m.group("at"), m.group("tz"))


@functools.lru_cache(maxsize=64)
def _stamp(at_text: str, tz: str | None) -> dt.datetime | None:
    """A stamp's time (cached: a dialogue's lines share their second, and parsing costs per line)."""
    try:
        at = dt.datetime.fromisoformat(at_text.replace(" ", "T"))
    except ValueError:
        return None
    if tz and tz != "Z":
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        return (at - sign * offset).replace(tzinfo=dt.UTC)
    return at.replace(tzinfo=dt.UTC)


class AppLogLines:
    """One app log file's lines → refusals and accepted messages (see the module docstring)."""

    kind = KIND

    def __init__(self) -> None:
        self.host = ""  # the smart host the log talks to now ("" not named yet)
        self.endpoint: tuple[int, str] | None = None  # the line that named it
        self.session: deque[tuple[int, str]] = deque(maxlen=CONTEXT)  # AUTH/TLS/MAIL FROM/port lines
        self.mail_from = ""  # the MAIL FROM domain of the message being sent ("<>" null sender)
        self.open_reply: Reply | None = None
        self.reply_lines: list[tuple[int, str]] = []  # the lines of a reply still open
        self.after_data = False  # a 354 was seen: the next final reply is the message's fate
        self.last_refusal = ""  # a refusal's text, until the client speaks again (PHPMailer repeats it)
        self.refused: OrderedDict[str, str] = OrderedDict()  # smart host → where it last refused
        self.resolved: dict[str, str] = {}
        self.at: dt.datetime | None = None  # the last time a line named (a stack trace has none)

    def feed(self, line_no: int, text: str) -> Delivery | None:
        text = text[: applog.MAX_LINE]
        self.at = stamp_of(text) or self.at
        if (endpoint := applog.endpoint_in(text, self.resolved)) is not None:
            if len(self.resolved) > MAX_HOSTS:
                self.resolved.clear()
            self.host, self.endpoint = endpoint[0], (line_no, text)
            self.session.clear()  # a new connection: what was said on the last one is not this one's
            self.mail_from, self.after_data, self.last_refusal = "", False, ""
        if applog.session_line(text):
            self.session.append((line_no, text))
            if (m := applog._MAIL_FROM.search(text)) is not None:
                self.mail_from = (domain_of(m.group("addr")) or "") if m.group("addr") else "<>"
                self.last_refusal = ""
        elif applog._DIALOGUE.search(text) and _client_speaks(text):
            self.last_refusal = ""
        replies, self.open_reply = applog.replies_in(text, self.open_reply)
        if self.open_reply is not None:
            self.reply_lines.append((line_no, text))
            del self.reply_lines[:-CONTEXT]
            return None
        lines, self.reply_lines = [*self.reply_lines, (line_no, text)], []
        refusal = next((r for r in replies if applog.is_refusal(r)), None)
        if refusal is not None:
            self.after_data = False
            return self._refused(line_no, refusal.text, _status(refusal), lines)
        if not replies and (tls := tls_failure_span(text)) is not None:
            return self._refused(line_no, text[tls[1]:].strip(), tls[0], lines)
        if any((r.reply_code or "") == _GO_AHEAD for r in replies):
            self.after_data = True
            return None
        accepted = next((r for r in replies if (r.reply_code or r.status_code or "")[:1] == "2"), None)
        if accepted is None or _client_speaks(text):  # a "250" in the message text is no reply
            return None
        if self.after_data or (_SENT_WORDS.search(text) and not _NOT_SENT.search(text)):
            self.after_data = False
            return self._accepted(line_no, accepted, lines)
        return None

    def prime(self, lines: list[tuple[int, str]]) -> None:
        """Read the lines before where following starts, for the smart host and session only: what
        they show refused was never reported, so an accept cannot prove it fixed."""
        for line_no, text in lines:
            self.feed(line_no, text)
        self.refused.clear()
        self.last_refusal = ""

    def _context(self, lines: list[tuple[int, str]]) -> tuple[str, ...]:
        """The lines the app-log reader needs for this outcome's facts, in file order."""
        got = dict([*([self.endpoint] if self.endpoint else []), *self.session, *lines])
        return tuple(got[n] for n in sorted(got))

    def _refused(
        self, line_no: int, reply: str, status: str, lines: list[tuple[int, str]]
    ) -> Delivery | None:
        if reply == self.last_refusal:
            return None  # the same reply said again ("SMTP ERROR: MAIL FROM command failed: 530 …")
        self.last_refusal = reply
        self.refused[self.host] = f"line {line_no}"
        self.refused.move_to_end(self.host)
        if len(self.refused) > MAX_HOSTS:
            self.refused.popitem(last=False)
        return Delivery(line_no, self.at, False, reply, status, self.host, self.mail_from, None,
                        self._context(lines))

    def _accepted(self, line_no: int, reply: Reply, lines: list[tuple[int, str]]) -> Delivery:
        if self.host in self.refused:
            unproven = ""
        elif self.refused:
            unproven = (f"the refusals before it in this file were from {_hosts(self.refused)}, not from "
                        f"{_host_words(self.host)}")
        else:
            unproven = f"no refusal from {_host_words(self.host)} was read before it in this file"
        return Delivery(line_no, self.at, True, reply.text, None, self.host, self.mail_from, None,
                        self._context(lines), unproven)


def _client_speaks(text: str) -> bool:
    """A dialogue line the client wrote (a new command: a repeated reply after it is news)."""
    return _CLIENT_SPEAKS.search(text) is not None


def _status(reply: Reply) -> str:
    return " ".join(x for x in (reply.status_code, reply.attr) if x) or reply.reply_code or "?"


def _host_words(host: str) -> str:
    return f"smart host {host}" if host else "a smart host the log does not name"


def _hosts(refused: OrderedDict[str, str]) -> str:
    return ", ".join(_host_words(h) for h in refused)
