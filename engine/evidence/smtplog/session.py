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
from dataclasses import dataclass, field
from operator import itemgetter
from typing import NamedTuple

# Exchange Online host names in banners, EHLO replies and reply brackets (DOMAIN.md §5.3).
EOP_SUFFIXES = (
    ".mail.protection.outlook.com",
    ".prod.protection.outlook.com",
    ".protection.outlook.com",
    ".outlook.com",
    ".office365.com",
)
CLIENT_SUBMISSION_HOSTS = ("smtp.office365.com", "smtp-legacy.office365.com")

_HELLO_IP = re.compile(r"\bHello\s*\[([0-9A-Fa-f:.]+)\]")
_STARTTLS = re.compile(r"(?:^|[\s-])STARTTLS\b", re.IGNORECASE)
_MAIL = re.compile(r"^MAIL\s+FROM:\s*(?:<(?P<addr>[^>]*)>|(?P<bare>\S*))", re.IGNORECASE)
_RCPT = re.compile(r"^RCPT\s+TO:\s*(?:<(?P<addr>[^>]*)>|(?P<bare>\S*))", re.IGNORECASE)
_TLS_FAILED = re.compile(r"TLS negotiation failed(?: with error (?P<err>[A-Za-z0-9_]+))?", re.IGNORECASE)
_TLS_PROTOCOL = re.compile(r"SP_PROT_(?P<p>(?:TLS|SSL)\d(?:_\d)?)", re.IGNORECASE)
_TLS_PROTOCOL_PLAIN = re.compile(r"\b(?P<p>TLS ?1[._]\d)\b", re.IGNORECASE)
_HEX = re.compile(r"^[0-9A-Fa-f]+$")
_THUMB = re.compile(r"^[0-9A-Fa-f]{40}$")
_DN_BREAK = re.compile(r"[A-Za-z][A-Za-z0-9.]*=")
# An information line that mentions these is a TLS or certificate record: when it is not one of
# the layouts read above, the session's TLS part is incomplete.
_RECORD_OF_INTEREST = re.compile(r"certificat|thumbprint|\bTLS\b|\bSSL\b|SP_PROT_|schannel", re.IGNORECASE)
_BRACKET_HOSTS = re.compile(r"(?:\[|Hostname=)([A-Za-z0-9][A-Za-z0-9.\-]*\.[A-Za-z]{2,})")

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


class Row(NamedTuple):
    """One log row, reduced to what the replay needs."""

    seq: int
    line: int  # 1-based line in the file
    time: str  # "2026-11-20T07:58:11.412Z" or ""
    connector: str
    remote: str  # "52.101.68.24:25"
    event: str  # + - > < *
    data: str
    context: str
    text: str  # the whole line, for excerpts


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


def domain_of(address: str | None) -> str | None:
    """The lower-cased domain of an address (``None`` for the null sender or no ``@``)."""
    if not address or "@" not in address:
        return None
    return address.rsplit("@", 1)[1].strip().lower().rstrip(".") or None


def split_dns(value: str) -> tuple[str, ...]:
    parts = re.split(r"[;,\s]+", value.strip())
    return tuple(dict.fromkeys(p.lower() for p in parts if p))


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
    pending: deque[tuple[str, object, Txn | None]] = deque()  # (command, what it was about, txn)
    if not partial:
        pending.append(("CONNECT", None, None))
    reply_rows: list[Row] = []
    txn: Txn | None = None
    cert_mode: str | None = None
    tls_started = False  # STARTTLS accepted (220), waiting for the handshake to show
    tls_tried = False
    ehlo_done = False
    hosts: list[str] = []
    eop_seen = False  # once a host shows Exchange Online, stop looking at reply hosts

    for row in rows:
        if s.remote_ip is None and row.remote:
            s.remote_ip = ip_of_endpoint(row.remote)
        ev = row.event
        if ev == "*":
            cert_mode = _info(s, row, cert_mode)
            if s.tls == "negotiated" or s.tls == "failed":
                tls_started = False
        elif ev == ">":
            verb = row.data.split(" ", 1)[0].upper() if row.data else ""
            if verb in ("EHLO", "HELO"):
                if tls_started and s.tls == "unknown":
                    s.tls = "negotiated"
                tls_started = False
                pending.append((verb, None, None))
            elif verb in ("STARTTLS", "X-ANONYMOUSTLS"):
                tls_tried = True
                pending.append(("STARTTLS", None, None))
            elif verb == "MAIL":
                if tls_started and s.tls == "unknown":
                    s.tls = "negotiated"
                tls_started = False
                ehlo_done = True
                m = _MAIL.match(row.data)
                addr = _address(m) if m else ""
                txn = Txn(row=row, mail_from=addr or None, null_sender=addr == "")
                s.txns.append(txn)
                pending.append(("MAIL", txn, txn))
            elif verb == "RCPT":
                m = _RCPT.match(row.data)
                addr = _address(m) if m else row.data[8:].strip()
                if txn is None:
                    txn = Txn(row=row, mail_from=None, null_sender=False)
                    s.txns.append(txn)
                rcpt = Rcpt(address=addr, tenant=(domain_of(addr) or "").endswith(".onmicrosoft.com"))
                txn.rcpts.append(rcpt)
                pending.append(("RCPT", rcpt, txn))
            elif verb == "BDAT":
                pending.append(("BDAT_LAST" if "LAST" in row.data.upper() else "BDAT", txn, txn))
            elif verb == "DATA":
                pending.append(("DATA", txn, txn))
            elif verb == "AUTH":
                s.auth_used = True
                pending.append(("AUTH", None, None))
            elif verb == "RSET":
                txn = None
                pending.append(("RSET", None, None))
            else:
                pending.append((verb or "?", None, None))
        elif ev == "<":
            text = row.data
            code = text[:3]
            if not code.isdigit():
                continue
            command = pending[0][0] if pending else "?"
            if command in ("EHLO", "HELO"):
                _ehlo_line(s, row, text, hosts)
            elif code == "250" and not reply_rows and ("Hello" in text or _STARTTLS.search(text[3:])):
                # an EHLO reply whose command was left out (the fast scanner keeps only these lines)
                _ehlo_line(s, row, text, hosts)
                ehlo_done = True
                if tls_started and s.tls == "unknown":
                    s.tls = "negotiated"
                tls_started = False
                continue
            reply_rows.append(row)
            if text[3:4] == "-":
                continue  # a continuation line: the reply goes on
            reply = _join_reply(code, reply_rows)
            reply_rows = []
            command, ref, owner = pending.popleft() if pending else ("?", None, None)
            if command == "CONNECT":
                s.banner = reply
                s.remote_host = _host_of_reply(reply.row.data)
                if s.remote_host:
                    hosts.append(s.remote_host)
                    eop_seen = eop_seen or is_eop_host(s.remote_host)
            elif command in ("EHLO", "HELO"):
                ehlo_done = True
            elif command == "STARTTLS":
                if reply.code == "220":
                    tls_started = True
                elif reply.negative and s.tls == "unknown":
                    s.tls, s.tls_row = "failed", row
            elif command == "MAIL" and isinstance(ref, Txn):
                ref.mail_reply = reply
            elif command == "RCPT" and isinstance(ref, Rcpt):
                ref.reply = reply
            elif command == "DATA":
                if reply.code == "354":
                    pending.appendleft(("EOD", ref, owner))
                elif isinstance(ref, Txn):
                    ref.data_reply = reply
            elif isinstance(ref, Txn) and (
                command in ("BDAT_LAST", "EOD") or (command == "BDAT" and reply.negative)
            ):
                ref.data_reply = reply
            if not eop_seen and ("[" in text or "Hostname=" in text):
                hosts.extend(h.lower() for h in _BRACKET_HOSTS.findall(text))
                eop_seen = any(is_eop_host(h) for h in hosts)
            if reply.negative:
                recipient = ref.address if isinstance(ref, Rcpt) else None
                rej = Rejection(reply=reply, command=command, recipient=recipient)
                s.rejections.append(rej)
                if owner is not None:
                    owner.rejections.append(rej)
        elif ev == "-":
            break

    if s.tls == "unknown":
        if tls_started and ehlo_done:
            s.tls = "negotiated"
        elif not tls_tried and ehlo_done:
            s.tls = "not_attempted"
    if s.starttls_offered is None and ehlo_done:
        s.starttls_offered = tls_tried
    elif tls_tried:
        s.starttls_offered = True
    s.to_eop = any(is_eop_host(h) for h in hosts)
    banner_host = s.remote_host or ""
    s.client_submission = s.to_eop and (
        banner_host in CLIENT_SUBMISSION_HOSTS
        or (banner_host.endswith(".office365.com") and not banner_host.endswith("protection.outlook.com"))
        or s.auth_used
    )
    return s


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
