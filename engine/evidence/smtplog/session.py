"""Replay one send-protocol-log session and say what happened in it.

Input is the session's rows in sequence order; output is a ``Session``: the connection facts
(remote host, Exchange Online or not, TLS outcome, presented certificate, the client IP the
receiver saw) and one ``Txn`` per mail transaction with each reply matched to its command.
Replies are matched to commands in order, so pipelined ``MAIL``/``RCPT`` batches (all commands
first, then all replies) come out right. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from dataclasses import field
from operator import itemgetter

from ... import lazyre
from ...lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from .rows import Row, domain_of, split_dns  # here too for this module's users (watch, tests)

# Exchange Online host names in banners, EHLO replies and reply brackets, as the send logs and NDRs
# in Microsoft's 5.7.64 articles show them.
EOP_SUFFIXES = (
    ".mail.protection.outlook.com",
    ".prod.protection.outlook.com",
    ".protection.outlook.com",
    ".outlook.com",
    ".office365.com",
)
CLIENT_SUBMISSION_HOSTS = ("smtp.office365.com", "smtp-legacy.office365.com")

_HELLO_IP = lazyre.compile(r"\bHello\s*\[([0-9A-Fa-f:.]+)\]")
_STARTTLS = lazyre.compile(r"(?:^|[\s-])STARTTLS\b", re.IGNORECASE)
# A firewall's SMTP/ESMTP inspection (Cisco ASA/PIX "inspect esmtp") overwrites the STARTTLS keyword of
# the EHLO reply with Xs: "250 XXXXXXXA" (Cisco 118550, "Why do you see XXXXXXXA after EHLO").
_STARTTLS_MASKED = lazyre.compile(r"(?:^|[\s-])XXXXXXXA\b")
_MAIL = lazyre.compile(r"^MAIL\s+FROM:\s*(?:<(?P<addr>[^>]*)>|(?P<bare>\S*))", re.IGNORECASE)
_RCPT = lazyre.compile(r"^RCPT\s+TO:\s*(?:<(?P<addr>[^>]*)>|(?P<bare>\S*))", re.IGNORECASE)
_TLS_FAILED = lazyre.compile(r"TLS negotiation failed(?: with error (?P<err>[A-Za-z0-9_]+))?", re.IGNORECASE)
_TLS_PROTOCOL = lazyre.compile(r"SP_PROT_(?P<p>(?:TLS|SSL)\d(?:_\d)?)", re.IGNORECASE)
_TLS_PROTOCOL_PLAIN = lazyre.compile(r"\b(?P<p>TLS ?1[._]\d)\b", re.IGNORECASE)
_HEX = lazyre.compile(r"^[0-9A-Fa-f]+$")
_THUMB = lazyre.compile(r"^[0-9A-Fa-f]{40}$")
_DN_BREAK = lazyre.compile(r"[A-Za-z][A-Za-z0-9.]*=")
# An information line that mentions these is a TLS or certificate record: when it is not one of
# the layouts read above, the session's TLS part is incomplete.
_RECORD_OF_INTEREST = lazyre.compile(r"certificat|thumbprint|\bTLS\b|\bSSL\b|SP_PROT_|schannel",
                                     re.IGNORECASE)
_BRACKET_HOSTS = lazyre.compile(r"(?:\[|Hostname=)([A-Za-z0-9][A-Za-z0-9.\-]*\.[A-Za-z]{2,})")

_SEQ = itemgetter(0)  # Row.seq
_CERT_FIELDS = {
    "certificate subject": "subject",
    "certificate issuer name": "issuer",
    "certificate serial number": "serial",
    "certificate thumbprint": "thumbprint",
    "certificate alternate names": "sans",
}


_CERT_FIELDS_EXACT = {
    "Certificate subject": "subject",
    "Certificate issuer name": "issuer",
    "Certificate serial number": "serial",
    "Certificate thumbprint": "thumbprint",
    "Certificate alternate names": "sans",
}


@dataclass(slots=True)
class Reply:
    code: str  # "550"
    text: str  # whole reply (continuation lines joined)
    row: Row

    @property
    def negative(self) -> bool:
        return self.code[:1] in ("4", "5")

    @property
    def positive(self) -> bool:
        return self.code[:1] in ("2", "3")


@dataclass(slots=True)
class Cert:
    row: Row  # the most telling line: the subject (or the merged record)
    subject: str | None = None
    issuer: str | None = None
    serial: str | None = None
    thumbprint: str | None = None
    sans: tuple[str, ...] = ()


@dataclass(slots=True)
class Rcpt:
    address: str
    tenant: bool  # *.onmicrosoft.com: delivered inside the tenant whatever the attribution
    reply: Reply | None = None


@dataclass(slots=True)
class Txn:
    row: Row  # the MAIL FROM line
    mail_from: str | None
    null_sender: bool
    mail_reply: Reply | None = None
    rcpts: list[Rcpt] = field(default_factory=list)
    data_reply: Reply | None = None
    rejections: list[Rejection] = field(default_factory=list)


@dataclass(slots=True)
class Rejection:
    reply: Reply
    command: str
    recipient: str | None = None


@dataclass(slots=True)
class Session:
    sid: str
    rows: int = 0
    connector: str = ""
    remote_ip: str | None = None
    remote_host: str | None = None  # from the 220 banner
    ehlo_host: str | None = None  # from the EHLO reply
    banner: Reply | None = None
    to_eop: bool = False
    client_submission: bool = False
    auth_used: bool = False
    tls: str = "unknown"
    tls_protocol: str | None = None
    tls_error: str | None = None
    tls_row: Row | None = None
    starttls_offered: bool | None = None
    starttls_masked: bool = False  # the EHLO reply carried "XXXXXXXA" where STARTTLS would be
    cert: Cert | None = None
    ehlo_client_ip: str | None = None
    ehlo_row: Row | None = None
    txns: list[Txn] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)  # every 4xx/5xx, in order
    first_row: Row | None = None
    last_row: Row | None = None
    partial: bool = False  # the first rows were not seen (session began before this file)
    unparsed: list[Row] = field(default_factory=list)  # TLS/certificate lines not understood

    @property
    def tls_complete(self) -> bool:
        """Whether the whole TLS/certificate part was read: only then does a missing certificate
        record prove that none was sent (confirmation discipline, docs/pack-format.md)."""
        return not self.partial and not self.unparsed


def is_eop_host(host: str | None) -> bool:
    if not host:
        return False
    host = host.lower().rstrip(".")
    return host in CLIENT_SUBMISSION_HOSTS or host.endswith(EOP_SUFFIXES)


def _host_of_reply(text: str) -> str | None:
    """The host name a 220 banner or EHLO reply starts with (``220 host ...``, ``250  host Hello``)."""
    rest = text[4:].strip() if len(text) > 3 else ""
    token = rest.split(" ", 1)[0] if rest else ""
    token = token.strip("[]")
    return token.lower() if "." in token else None


def _address(m: re.Match[str]) -> str:
    return (m.group("addr") if m.group("addr") is not None else m.group("bare") or "").strip()


def parse_merged_cert(data: str) -> dict[str, object]:
    """The Exchange 2016 CU2 one-line certificate record: `` subject issuer serial thumbprint sans``.

    The DNs contain blanks, so the record is read from the end: the 40-hex thumbprint after a hex
    serial; the SANs after it; before the serial, the issuer DN starts at the first blank that
    follows a DN component (not a ``,``) and precedes ``XX=`` outside quotes.
    """
    tokens = data.strip().split(" ")
    out: dict[str, object] = {}
    for i in range(len(tokens) - 1, 0, -1):
        if _THUMB.match(tokens[i]) and _HEX.match(tokens[i - 1]):
            out["thumbprint"] = tokens[i].upper()
            out["serial"] = tokens[i - 1].upper()
            out["sans"] = split_dns(" ".join(tokens[i + 1 :]))
            dns = " ".join(tokens[: i - 1])
            subject, issuer = _split_two_dns(dns)
            out["subject"], out["issuer"] = subject or None, issuer or None
            return out
    out["subject"] = data.strip() or None
    return out


def _split_two_dns(text: str) -> tuple[str, str]:
    quoted = False
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif ch == " " and not quoted and i > 0 and text[i - 1] != "," and _DN_BREAK.match(text, i + 1):
            return text[:i].strip(), text[i + 1 :].strip()
    return text.strip(), ""


def replay(sid: str, rows: list[Row], *, partial: bool = False) -> Session:
    """Run one session's rows (any order; sorted here by sequence number) through the SMTP dialogue."""
    rows = sorted(rows, key=_SEQ)
    s = Session(sid=sid, rows=len(rows), partial=partial)
    if not rows:
        return s
    s.first_row, s.last_row = rows[0], rows[-1]
    s.connector = rows[0].connector
    dialogue = _Dialogue(s, partial)
    for row in rows:
        if s.remote_ip is None and row.remote:
            s.remote_ip = ip_of_endpoint(row.remote)
        ev = row.event
        if ev == "*":
            dialogue.information(row)
        elif ev == ">":
            dialogue.command(row)
        elif ev == "<":
            dialogue.reply_line(row)
        elif ev == "-":
            break
    dialogue.finish()
    return s


Pending = tuple[str, object, "Txn | None"]  # (command, what it was about, its transaction)


class _Dialogue:
    """One session's SMTP dialogue while its rows are replayed: commands wait in ``pending`` for
    their replies, in order, so pipelined batches pair up right."""

    __slots__ = ("cert_mode", "ehlo_done", "eop_seen", "hosts", "pending", "reply_rows", "s",
                 "tls_started", "tls_tried", "txn")

    def __init__(self, s: Session, partial: bool):
        self.s = s
        self.pending: deque[Pending] = deque()
        if not partial:
            self.pending.append(("CONNECT", None, None))
        self.reply_rows: list[Row] = []  # lines of a multi-line reply so far
        self.txn: Txn | None = None
        self.cert_mode: str | None = None
        self.tls_started = False  # STARTTLS accepted (220), waiting for the handshake to show
        self.tls_tried = False
        self.ehlo_done = False
        self.hosts: list[str] = []
        self.eop_seen = False  # once a host shows Exchange Online, stop looking at reply hosts

    # -- information lines ---------------------------------------------------------------------

    def information(self, row: Row) -> None:
        self.cert_mode = _info(self.s, row, self.cert_mode)
        if self.s.tls in ("negotiated", "failed"):
            self.tls_started = False

    def _handshake_passed(self) -> None:
        """A command after an accepted STARTTLS: the handshake worked even if no line said so."""
        if self.tls_started and self.s.tls == "unknown":
            self.s.tls = "negotiated"
        self.tls_started = False

    # -- commands ------------------------------------------------------------------------------

    def command(self, row: Row) -> None:
        verb = row.data.split(" ", 1)[0].upper() if row.data else ""
        handler = _COMMANDS.get(verb)
        if handler is not None:
            handler(self, row, verb)
        else:
            self.pending.append((verb or "?", None, None))

    def _hello(self, row: Row, verb: str) -> None:
        self._handshake_passed()
        self.pending.append((verb, None, None))

    def _starttls(self, row: Row, verb: str) -> None:
        self.tls_tried = True
        self.pending.append(("STARTTLS", None, None))

    def _mail(self, row: Row, verb: str) -> None:
        self._handshake_passed()
        self.ehlo_done = True
        m = _MAIL.match(row.data)
        addr = _address(m) if m else ""
        self.txn = Txn(row=row, mail_from=addr or None, null_sender=addr == "")
        self.s.txns.append(self.txn)
        self.pending.append(("MAIL", self.txn, self.txn))

    def _rcpt(self, row: Row, verb: str) -> None:
        m = _RCPT.match(row.data)
        addr = _address(m) if m else row.data[8:].strip()
        if self.txn is None:
            self.txn = Txn(row=row, mail_from=None, null_sender=False)
            self.s.txns.append(self.txn)
        rcpt = Rcpt(address=addr, tenant=(domain_of(addr) or "").endswith(".onmicrosoft.com"))
        self.txn.rcpts.append(rcpt)
        self.pending.append(("RCPT", rcpt, self.txn))

    def _bdat(self, row: Row, verb: str) -> None:
        self.pending.append(("BDAT_LAST" if "LAST" in row.data.upper() else "BDAT", self.txn, self.txn))

    def _data(self, row: Row, verb: str) -> None:
        self.pending.append(("DATA", self.txn, self.txn))

    def _auth(self, row: Row, verb: str) -> None:
        self.s.auth_used = True
        self.pending.append(("AUTH", None, None))

    def _rset(self, row: Row, verb: str) -> None:
        self.txn = None
        self.pending.append(("RSET", None, None))

    # -- replies -------------------------------------------------------------------------------

    def reply_line(self, row: Row) -> None:
        text = row.data
        code = text[:3]
        if not code.isdigit() or self._hello_line(row, text, code):
            return
        self.reply_rows.append(row)
        if text[3:4] == "-":
            return  # a continuation line: the reply goes on
        reply = _join_reply(code, self.reply_rows)
        self.reply_rows = []
        command, ref, owner = self.pending.popleft() if self.pending else ("?", None, None)
        self._answered(command, ref, owner, reply, row)
        self._reply_hosts(text)
        if reply.negative:
            self._rejected(reply, command, ref, owner)

    def _hello_line(self, row: Row, text: str, code: str) -> bool:
        """Feed an EHLO reply line to the session. True when the line stands alone: an EHLO reply
        whose command was left out (the fast scanner keeps only these lines)."""
        command = self.pending[0][0] if self.pending else "?"
        if command in ("EHLO", "HELO"):
            _ehlo_line(self.s, row, text, self.hosts)
            return False
        if code == "250" and not self.reply_rows and (
                "Hello" in text or _STARTTLS.search(text[3:]) or _STARTTLS_MASKED.search(text[3:])):
            _ehlo_line(self.s, row, text, self.hosts)
            self.ehlo_done = True
            self._handshake_passed()
            return True
        return False

    def _answered(self, command: str, ref: object, owner: Txn | None, reply: Reply, row: Row) -> None:
        """What a complete reply says about the command it answers."""
        s = self.s
        if command == "CONNECT":
            self._banner(reply)
        elif command in ("EHLO", "HELO"):
            self.ehlo_done = True
        elif command == "STARTTLS":
            if reply.code == "220":
                self.tls_started = True
            elif reply.negative and s.tls == "unknown":
                s.tls, s.tls_row = "failed", row
        elif command == "MAIL" and isinstance(ref, Txn):
            ref.mail_reply = reply
        elif command == "RCPT" and isinstance(ref, Rcpt):
            ref.reply = reply
        elif command == "DATA":
            if reply.code == "354":
                self.pending.appendleft(("EOD", ref, owner))  # the message data comes next
            elif isinstance(ref, Txn):
                ref.data_reply = reply
        elif isinstance(ref, Txn) and (
            command in ("BDAT_LAST", "EOD") or (command == "BDAT" and reply.negative)
        ):
            ref.data_reply = reply

    def _banner(self, reply: Reply) -> None:
        s = self.s
        s.banner = reply
        s.remote_host = _host_of_reply(reply.row.data)
        if s.remote_host:
            self.hosts.append(s.remote_host)
            self.eop_seen = self.eop_seen or is_eop_host(s.remote_host)

    def _reply_hosts(self, text: str) -> None:
        """Host names in reply brackets (``[AM6PR.outlook.com]``), until one is Exchange Online."""
        if not self.eop_seen and ("[" in text or "Hostname=" in text):
            self.hosts.extend(h.lower() for h in _BRACKET_HOSTS.findall(text))
            self.eop_seen = any(is_eop_host(h) for h in self.hosts)

    def _rejected(self, reply: Reply, command: str, ref: object, owner: Txn | None) -> None:
        recipient = ref.address if isinstance(ref, Rcpt) else None
        rej = Rejection(reply=reply, command=command, recipient=recipient)
        self.s.rejections.append(rej)
        if owner is not None:
            owner.rejections.append(rej)

    # -- the end -------------------------------------------------------------------------------

    def finish(self) -> None:
        """Conclusions only the whole session allows: TLS outcome, STARTTLS offer, destination."""
        s = self.s
        if s.tls == "unknown":
            if self.tls_started and self.ehlo_done:
                s.tls = "negotiated"
            elif not self.tls_tried and self.ehlo_done:
                s.tls = "not_attempted"
        if s.starttls_offered is None and self.ehlo_done:
            s.starttls_offered = self.tls_tried
        elif self.tls_tried:
            s.starttls_offered = True
        s.to_eop = any(is_eop_host(h) for h in self.hosts)
        banner_host = s.remote_host or ""
        s.client_submission = s.to_eop and (
            banner_host in CLIENT_SUBMISSION_HOSTS
            or (banner_host.endswith(".office365.com") and not banner_host.endswith("protection.outlook.com"))
            or s.auth_used
        )


_COMMANDS: dict[str, Callable[[_Dialogue, Row, str], None]] = {
    "EHLO": _Dialogue._hello,
    "HELO": _Dialogue._hello,
    "STARTTLS": _Dialogue._starttls,
    "X-ANONYMOUSTLS": _Dialogue._starttls,
    "MAIL": _Dialogue._mail,
    "RCPT": _Dialogue._rcpt,
    "BDAT": _Dialogue._bdat,
    "DATA": _Dialogue._data,
    "AUTH": _Dialogue._auth,
    "RSET": _Dialogue._rset,
}


def _join_reply(code: str, rows: list[Row]) -> Reply:
    if len(rows) == 1:
        return Reply(code=code, text=rows[0].data.strip(), row=rows[0])
    parts = [rows[0].data.strip()] + [r.data[4:].strip() for r in rows[1:]]
    return Reply(code=code, text=" ".join(p for p in parts if p), row=rows[0])


def _ehlo_line(s: Session, row: Row, text: str, hosts: list[str]) -> None:
    m = _HELLO_IP.search(text)
    if m:
        s.ehlo_client_ip, s.ehlo_row = m.group(1), row
        host = _host_of_reply(text)
        if host:
            s.ehlo_host = host
            hosts.append(host)
    if _STARTTLS.search(text[3:]):
        s.starttls_offered = True
    elif _STARTTLS_MASKED.search(text[3:]):
        s.starttls_masked = True


def _info(s: Session, row: Row, mode: str | None) -> str | None:
    """An information (``*``) line: certificates and TLS. Returns the certificate block mode."""
    data, context = row.data, row.context
    key = _CERT_FIELDS_EXACT.get(context)
    if key is not None and mode != "recv" and s.cert is not None:  # the common case, quickly
        _cert_field(s.cert, key, data.strip(), row)
        return mode or "send"
    joined = f"{data} {context}"
    low_ctx = context.strip().lower()
    if "negotiation failed" in joined:
        m = _TLS_FAILED.search(joined)
        s.tls, s.tls_row = "failed", row
        s.tls_error = m.group("err") if m and m.group("err") else s.tls_error
        return mode
    if "negotiation succeeded" in joined and "TLS" in joined.upper():
        m = _TLS_PROTOCOL.search(joined) or _TLS_PROTOCOL_PLAIN.search(joined)
        if s.tls != "failed":
            s.tls, s.tls_row = "negotiated", row
        if m:
            s.tls_protocol = m.group("p").upper().replace(" ", "").replace(".", "_")
        return mode
    if low_ctx.startswith("sending certificate certificate"):  # merged one-line record
        parsed = parse_merged_cert(data)
        s.cert = Cert(row=row)
        for key, value in parsed.items():
            setattr(s.cert, key, value)
        return "send"
    if low_ctx.startswith("received certificate") or data.strip().lower() == "received certificate":
        return "recv"
    if low_ctx == "sending certificate" or data.strip().lower() == "sending certificate":
        s.cert = Cert(row=row)
        return "send"
    key = _CERT_FIELDS.get(low_ctx)
    if key is None and mode != "recv" and _RECORD_OF_INTEREST.search(joined):
        s.unparsed.append(row)  # looks like a certificate/TLS record, but not a layout we read
    if key is None or mode == "recv":
        return mode
    if s.cert is None:
        s.cert = Cert(row=row)  # a subject without the "Sending certificate" line before it
    _cert_field(s.cert, key, data.strip(), row)
    return mode or "send"


def _cert_field(cert: Cert, key: str, value: str, row: Row) -> None:
    if key == "subject":
        cert.subject, cert.row = value or None, row
    elif key == "issuer":
        cert.issuer = value or None
    elif key == "serial":
        cert.serial = value.upper() or None
    elif key == "thumbprint":
        cert.thumbprint = value.upper() or None
    elif key == "sans":
        cert.sans = split_dns(value)


def ip_of_endpoint(endpoint: str) -> str | None:
    """The address part of a log's ``ip:port`` / ``[v6]:port`` endpoint field."""
    endpoint = endpoint.strip()
    if not endpoint:
        return None
    if endpoint.startswith("["):
        return endpoint[1:].split("]", 1)[0] or None
    if endpoint.count(":") == 1:
        return endpoint.split(":", 1)[0] or None
    return endpoint or None
