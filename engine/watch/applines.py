"""Follow an application's or device's log (PHPMailer, MailKit, smtplib, Laravel/Symfony, nodemailer,
.NET/JavaMail traces, device syslogs: ``evidence.applog``) for new refusals and, where the app logs
one, an accepted message.

What each line means follows the app-log reader's own rules, from the same ``LineInfo`` the reader
gets (``applog.lineinfo``, worked out once per distinct line): a refusal is a 4xx/5xx reply it
recognises (``is_refusal``, multi-line replies joined by ``join_open``) or a TLS failure, on a line
the client does not write (``client_speaks``: after a 354 that is the message's text), and the
smart host a reply belongs to is the last endpoint line before it (``endpoint_from``), or, while no
line has named one, the server the first ``220`` greeting names (the reader's fallback: PHPMailer at
SMTPDebug 2 writes no endpoint line). A refusal's verdict runs that reader over the few lines it
needs (the line that named the smart host, the lines about AUTH/TLS/MAIL FROM/port since it, the
reply), so the facts are the ones ``diagnose`` gets from those lines. A new connection (an endpoint
line, or a ``220`` greeting naming its server) ends what was said on the last one: its AUTH, TLS and
MAIL FROM are not the new conversation's.

An accepted message is a 2xx reply to DATA (the final reply after a ``354``: a ``250`` that is the
reply to the end of the message's data, ``_answers_data``) or a line saying a message was sent with a
2xx reply on it. A conversation cut off after its ``354`` (the connection dropped, a time-out, the app
gave up) leaves its message with no fate: when the log goes on with another conversation (a ``220``
greeting, the client's EHLO, MAIL FROM, RCPT TO, STARTTLS, AUTH, RSET or QUIT, or the server's
reply to one of them) the message is no longer waited for, so none of those 2xx replies is taken
for it. PHPMailer at SMTPDebug 2 writes no "Connection:" line for the new connection.

App lines carry no session or queue id, so the sender is the log file itself (one app writes one
file), narrowed by the smart host and, when the dialogue shows it, the MAIL FROM domain. An accept
proves a fix only after a refusal from the same smart host in the same file, and never when a recipient
of that same message was refused (its data went to the others: 5.7.64 refuses only relaying, the
tenant's own recipients are accepted all along); any other accept is handed over marked ``unproven``
with the reason.

State is bounded: the endpoint line, ``CONTEXT`` session lines, the refused smart hosts
(``MAX_HOSTS``) and the names the app resolved (``MAX_HOSTS``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import OrderedDict, deque

from .. import lazyre
from ..evidence.applog import lineinfo
from ..evidence.applog import reader as applog
from ..evidence.applog.lineinfo import outcome, stamp_of
from ..evidence.symptoms.smtp_reply import Reply
from .delivery import Delivery

MAX_HOSTS = 64  # smart hosts refused / names resolved, remembered per file
CONTEXT = 12  # session lines (AUTH, TLS, MAIL FROM, port) kept for a refusal's verdict

KIND = applog.KIND
__all__ = ["AppLogLines", "stamp_of"]


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
        self.txn_refused = ""  # a refusal in the message under way (after its MAIL FROM): where it was
        self.refused: OrderedDict[str, str] = OrderedDict()  # smart host → where it last refused
        self.resolved: dict[str, str] = {}
        self.at: dt.datetime | None = None  # the last time a line named (a stack trace has none)
        self._stamp_text: str | None = None  # the plain stamp that set ``at`` (None: another line did)

    def feed(self, line_no: int, text: str) -> Delivery | None:
        text = text[: lineinfo.MAX_LINE]
        info, stamped = lineinfo.info_of(text)
        if stamped:  # the same stamp as the line that last set the time: the same time
            if text[: lineinfo.STAMP_LEN] != self._stamp_text:
                self._stamp_text = text[: lineinfo.STAMP_LEN]
                self.at = lineinfo.plain_stamp(text) or self.at
        elif info.at is not None:
            self.at, self._stamp_text = info.at, None
        if info.endpoint is not None and (
            endpoint := lineinfo.endpoint_from(info.endpoint, self.resolved)
        ) is not None:
            if len(self.resolved) > MAX_HOSTS:
                self.resolved.clear()
            self.host, self.endpoint = endpoint[0], (line_no, text)
            self._new_conversation()  # a new connection: what was said on the last one is not this one's
        elif info.greeting is not None and not info.client_speaks:
            # a new connection's greeting (SMTPDebug 2 writes no endpoint line): as after one, what was
            # said on the last connection is not this one's; while no line has named the smart host,
            # the server the first greeting names is it (the reader's fallback)
            if not self.host:
                self.host, self.endpoint = info.greeting, (line_no, text)
            self._new_conversation()
        if info.session:
            self.session.append((line_no, text))
            if info.mail_from is not None:
                self.mail_from = (info.mail_from_domain or "") if info.mail_from else "<>"
                self.last_refusal = self.txn_refused = ""  # (a new message)
        elif info.dialogue_client:
            self.last_refusal = ""
        if self.after_data and lineinfo.sends_command(info, text):
            self.after_data = False  # another command: the message's data is over (asked only after a 354)
        if self.open_reply is None:  # (most lines: their outcome is known with the line)
            replies = info.replies
            refusal, go_ahead, accepted = info.refusal, info.go_ahead, info.accepted
            if replies and replies[-1].continued:
                self.open_reply = replies[-1]
        else:
            replies, self.open_reply = lineinfo.join_open(info.replies, self.open_reply)
            refusal, go_ahead, accepted = outcome(replies)
        if self.open_reply is not None:
            self.reply_lines.append((line_no, text))
            del self.reply_lines[:-CONTEXT]
            return None
        if not info.client_speaks:  # (a 4xx/5xx or TLS failure the client writes is message text)
            if refusal is not None:
                self.after_data = False
                return self._refused(line_no, refusal.text, _status(refusal), self._lines(line_no, text))
            if not replies and info.tls is not None:
                return self._refused(line_no, info.tls[1], info.tls[0], self._lines(line_no, text))
        if go_ahead:
            self.after_data = True
        elif accepted is not None and not info.client_speaks:  # (a "250" the client writes is message text)
            # after a 354 the server's next 2xx ends the wait: the message's fate only if it answers the
            # end of the data, else another conversation's (the message's reply was never written)
            fate = self.after_data and _answers_data(accepted, bool(self.reply_lines))
            self.after_data = False
            if fate or lineinfo.says_sent(info, text):
                # (the data's 250 after a recipient of this message was refused: sent only to the others)
                partial = self.txn_refused if fate else ""
                return self._accepted(line_no, accepted, self._lines(line_no, text), partial)
        if self.reply_lines:
            self.reply_lines.clear()
        return None

    def _lines(self, line_no: int, text: str) -> list[tuple[int, str]]:
        """The lines of the reply that ends here (its first lines were kept while it was open)."""
        lines, self.reply_lines = [*self.reply_lines, (line_no, text)], []
        return lines

    def prime(self, lines: list[tuple[int, str]]) -> None:
        """Read the lines before where following starts, for the smart host and session only: what
        they show refused was never reported, so an accept cannot prove it fixed."""
        for line_no, text in lines:
            self.feed(line_no, text)
        self.refused.clear()
        self.last_refusal = self.txn_refused = ""

    def restart(self) -> None:
        """The file is read again from its first line (truncated, rotated or replaced, or re-read after
        an error): the conversation in flight when it was cut ends here. Its lines from here on may be
        another conversation, or this one after lines that were never read (those written between
        logrotate's copy and truncate are in neither file), so nothing about it is carried over: a
        reply left open is not joined to the next one, a 354 does not make the next 2xx (another
        connection's 220 greeting, a MAIL FROM's 250) the message's fate, and the old lines are not
        handed over with the new ones. What the file says of the app stays: the smart host and the
        line naming it (line 0: before every line of the new content, for the verdict's facts), the
        names it resolved, the last time read, and the refusals read before (an accept from the same
        smart host proves the fix)."""
        self.open_reply = None
        self.reply_lines.clear()
        self._new_conversation()
        if self.endpoint is not None:
            self.endpoint = (0, self.endpoint[1])

    def _new_conversation(self) -> None:
        """What was said since the last connection began (its AUTH, TLS, MAIL FROM, a 354 waiting for
        its fate, a refusal repeated, a recipient refused) is not the next conversation's."""
        self.session.clear()
        self.mail_from, self.after_data, self.last_refusal, self.txn_refused = "", False, "", ""

    def _context(self, lines: list[tuple[int, str]]) -> tuple[str, ...]:
        """The lines the app-log reader needs for this outcome's facts, in file order."""
        got = dict([*([self.endpoint] if self.endpoint else []), *self.session, *lines])
        return tuple(got[n] for n in sorted(got))

    def _refused(
        self, line_no: int, reply: str, status: str, lines: list[tuple[int, str]]
    ) -> Delivery | None:
        if self.mail_from and not self.txn_refused:  # (a recipient refused: its data may still go out)
            self.txn_refused = f"line {line_no}"
        if reply == self.last_refusal:
            return None  # the same reply said again ("SMTP ERROR: MAIL FROM command failed: 530 …")
        self.last_refusal = reply
        self.refused[self.host] = f"line {line_no}"
        self.refused.move_to_end(self.host)
        if len(self.refused) > MAX_HOSTS:
            self.refused.popitem(last=False)
        return Delivery(line_no, self.at, False, reply, status, self.host, self.mail_from, None,
                        self._context(lines))

    def _accepted(self, line_no: int, reply: Reply, lines: list[tuple[int, str]],
                  partial: str = "") -> Delivery:
        self.txn_refused = ""
        if partial:  # (5.7.64 refuses relaying only: the tenant's own recipients are accepted all along)
            unproven = f"this message was refused for a recipient at {partial}, sent only to the others"
        elif self.host in self.refused:
            unproven = ""
        elif self.refused:
            unproven = (f"the refusals before it in this file were from {_hosts(self.refused)}, not from "
                        f"{_host_words(self.host)}")
        else:
            unproven = f"no refusal from {_host_words(self.host)} was read before it in this file"
        return Delivery(line_no, self.at, True, reply.text, None, self.host, self.mail_from, None,
                        self._context(lines), unproven)


def _answers_data(reply: Reply, several_lines: bool) -> bool:
    """A 2xx after a 354 that can be the reply to the end of the message's data: a ``250`` (the only
    success reply to it, RFC 5321 4.3.2), on one line, whose enhanced status (if any) is not an
    address's (``2.1.x``: MAIL FROM's or RCPT TO's) and that is no EHLO reply's (it greets the client,
    or it names a service extension). A ``220`` greeting, a ``221`` goodbye, a ``235`` for AUTH, an
    EHLO's ``250-…`` lines or its last ``250 SIZE …``, a ``Sender OK`` are the next conversation's, not
    the message's fate (logs that write no client line show nothing else of it)."""
    return (
        reply.reply_code == "250" and not several_lines
        and not (reply.status_code or "").startswith("2.1.") and _EHLO_REPLY.search(reply.text) is None
    )


# an EHLO reply's line: "250 NAME Hello [ip]", or a service extension it offers ("250 SIZE 37748736")
_EHLO_REPLY = lazyre.compile(
    r"\bHello\b|^250[ -](?:SIZE|PIPELINING|STARTTLS|8BITMIME|BINARYMIME|CHUNKING|SMTPUTF8|DSN|AUTH|"
    r"ENHANCEDSTATUSCODES|DELIVERBY|ETRN|EXPN|VRFY|HELP|REQUIRETLS|MT-PRIORITY|LIMITS|XCLIENT|"
    r"XFORWARD|XEXCH50|XRDST|XSHADOW(?:REQUEST)?|X-[A-Z0-9-]+)\b",
    re.I,
)


def _status(reply: Reply) -> str:
    return " ".join(x for x in (reply.status_code, reply.attr) if x) or reply.reply_code or "?"


def _host_words(host: str) -> str:
    return f"smart host {host}" if host else "a smart host the log does not name"


def _hosts(refused: OrderedDict[str, str]) -> str:
    return ", ".join(_host_words(h) for h in refused)
