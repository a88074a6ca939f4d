"""Application and device logs → ``symptom`` and ``smtp_client`` facts.

What a line-of-business app, a web app or a device writes when it sends mail: PHPMailer's
``SMTPDebug`` dialogue (``CLIENT -> SERVER:`` / ``SERVER -> CLIENT:``), MailKit protocol logs
(``C:`` / ``S:``), nodemailer's debug log and error objects, Python ``smtplib`` debug output and
exceptions, SwiftMailer / Symfony Mailer / Laravel (``[2024-…] local.ERROR: …``), .NET
``SmtpException`` and JavaMail stack traces, and plain ``key=value`` mail settings (``MAIL_HOST``,
``SMTP_PORT`` …) when they sit in the same log. Shapes follow the public reports cited in
tests/engine/evidence/data/real_replies.yaml and tests/fixtures/relays/.

Every SMTP reply with an enhanced status (4xx/5xx) becomes a symptom (origin ``app_log``), with the
smart host the log was talking to at that point. The smart host and port, whether AUTH and
STARTTLS were used, the MAIL FROM domain and the client's own IP (the ``Hello [ip]`` in the EHLO
reply, or ``Client host [ip]``) become one ``smtp_client`` fact per smart host. Lines that mention an
SMTP failure without any reply code are reported as located warnings. Streamed line by line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import BinaryIO

from ... import lazyre
from ...errors import Cancelled, EvidenceError
from ...facts import Provenance, Symptom
from ..base import Document, ParseResult
from ..decoding import LongLines, iter_lines
from ..jsonish import looks_like_json
from ..relaylogs.client import Tally, count_sender, hosts_text
from ..symptoms.ndr_text import direction
from ..symptoms.smtp_reply import Reply, recognise
from .lineinfo import DIALOGUE, MAX_LINE, endpoint_from, info_of, is_refusal, join_open, software_of

KIND = "app_log"
MAX_SYMPTOMS = 200
MAX_WARNINGS = 20
_AUTH_WORDS = lazyre.compile(r"authenticat|credentials|password|login", re.I)
_LOG_SHAPE = lazyre.compile(
    r"^(?:\[?\d{4}-\d\d-\d\d[ T]\d\d:\d\d|\[?\d\d:\d\d:\d\d|\d{1,2}/\d{1,2}/\d{2,4}\s|\[[^\]]{1,40}\]\s|"
    r"[A-Z][a-z]{2}\s+\d{1,2}\s\d\d:\d\d|(?:C|S):\s|(?:CLIENT|SERVER) -> |\s*at\s+[\w$.]+\(|"
    r"(?:DEBUG|INFO|WARN(?:ING)?|ERROR|FATAL|TRACE)\b|"
    # a device's own prefix before its date and time: "#[dcs_nas(27)]16/03/01 20:39:28 SMTPC: …"
    r".{0,40}?(?<!\d)\d{2,4}[/.-]\d{1,2}[/.-]\d{1,4}[ T]+\d{1,2}:\d\d:\d\d)"
)
_SMTP_WORDS = lazyre.compile(r"\bSMTP\b|\bEHLO\b|\bHELO\b|MAIL FROM|RCPT TO|STARTTLS|\bAUTH (?:LOGIN|PLAIN)|"
                         r"smtp\.office365\.com|mail\.protection\.outlook\.com|Mailer", re.I)


def sniff(doc: Document) -> bool:
    """A line-oriented log with SMTP dialogue or an SMTP refusal; not JSON, XML or a single paste."""
    try:
        head = doc.head_text()[:32768]
    except Exception:
        return False
    stripped = head.lstrip("\ufeff \t\r\n")
    if not stripped or stripped.startswith(("<?xml", "<Objs", "#Software:", "#Fields:", "-----BEGIN")):
        return False
    if looks_like_json(stripped):
        return False
    lines = [ln for ln in head.split("\n") if ln.strip()]
    if len(lines) < 3:
        return False  # a single pasted error is the text parser's
    log_lines = sum(1 for ln in lines[:400] if _LOG_SHAPE.match(ln))
    smtp_lines = sum(1 for ln in lines[:400] if _SMTP_WORDS.search(ln))
    refusals = sum(1 for ln in lines[:400] if any(is_refusal(r) for r in recognise(ln)))
    if log_lines * 3 >= min(len(lines), 400) and (refusals >= 1 or smtp_lines >= 3):
        return True
    # a plugin's debug report (WP Mail SMTP, a help-desk "test e-mail" page) wraps the mailer's
    # SMTP dialogue in key: value sections: the dialogue with a refusal in it is the log
    dialogue = sum(1 for ln in lines[:400] if DIALOGUE.search(ln))
    return dialogue >= 3 and refusals >= 1


def parse(doc: Document) -> ParseResult:
    with doc.opener() as stream:
        return scan(stream, doc.name)


def scan(
    stream: BinaryIO,
    name: str,
    *,
    progress: Callable[[int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> ParseResult:
    tally: Tally | None = None
    software = "app"
    host: str | None = None
    port: int | None = None
    pending_port: int | None = None
    symptoms: dict[tuple, Symptom] = {}
    bare: dict[str, Symptom] = {}  # refusals without an enhanced status, kept when nothing better is seen
    warnings: list[str] = []
    unexplained = 0
    lines = refusals = 0
    open_reply: Reply | None = None  # a "550-…" whose next lines continue it
    resolved: dict[str, str] = {}  # IP → the host name the app resolved to it
    seen = None  # the smart host's observations the line adds to (``tally.get`` of host, port)
    long_lines = LongLines(MAX_LINE)
    for line_no, text in iter_lines(stream, None, name=name, long_lines=long_lines):
        lines = line_no
        if progress is not None:
            progress(len(text) + 1)
        if cancel is not None and line_no % 50_000 == 0 and cancel():
            raise Cancelled("cancelled while reading " + name)
        info = info_of(text)[0]
        if software == "app":
            software = software_of(text) or "app"
        if tally is None:
            tally = Tally(software, "app_log")
        prov = None  # made when something is kept from this line
        # the server this part of the log talks to
        if info.endpoint is not None and (endpoint := endpoint_from(info.endpoint, resolved)) is not None:
            host, port = endpoint[0], endpoint[1] or pending_port or port
            prov = Provenance(name, line_no, Provenance.clip(text))
            tally.get(host, port, prov).attempts += 1
            seen = None
        if host is None and info.greeting:
            host = info.greeting
            prov = prov or Provenance(name, line_no, Provenance.clip(text))
            tally.get(host, port, prov)
            seen = None
        if info.port_setting is not None:
            pending_port = info.port_setting
            if host is not None and port is None:
                port = pending_port
                prov = prov or Provenance(name, line_no, Provenance.clip(text))
                tally.get(host, None, prov).port = port
                seen = None
        if seen is None:  # host or port changed, or the first line: the same key is the same Seen
            prov = prov or Provenance(name, line_no, Provenance.clip(text))
            seen = tally.get(host, port, prov)
        if info.session:
            if info.auth:
                seen.auth_used = True
            if info.starttls:
                seen.starttls_used = True
            if info.mail_from is not None:
                if not info.mail_from:
                    seen.null_sender = True
                elif info.mail_from_domain:
                    count_sender(seen, info.mail_from_domain)
            if info.client_ip:
                seen.client_ip = seen.client_ip or info.client_ip
        if info.client_speaks or (not info.replies and open_reply is None):
            replies: list | tuple = ()  # (a reply the client writes is its text, after a 354 the message's)
        else:
            replies, open_reply = join_open(info.replies, open_reply)
        if open_reply is not None:
            continue  # wait for the reply's last line
        explained = False
        for reply in replies:
            code = reply.reply_code or ""
            if code.startswith("235"):
                seen.auth_used = True
            if code == "535" or (
                reply.status_code in ("5.7.3", "5.7.139", "5.7.8") and _AUTH_WORDS.search(reply.text)
            ):  # "451 5.7.3 STARTTLS is required" shares the status but is no sign-in failure
                seen.auth_failed = True
            if not is_refusal(reply):
                continue
            explained = True
            refusals += 1
            prov = prov or Provenance(name, line_no, Provenance.clip(text))
            if reply.status_code is None:
                if reply.reply_code and reply.reply_code not in bare and len(bare) < MAX_SYMPTOMS:
                    bare[reply.reply_code] = Symptom(
                        provenance=prov, code=reply.reply_code, reply_code=reply.reply_code,
                        text=Provenance.clip(reply.text, 500), host=reply.host, remote_server=host,
                        origin="app_log", transient=reply.transient, direction=direction(reply.host, host),
                    )
                continue
            seen.last_status = reply.status_code
            key = (reply.status_code, " ".join(reply.text.lower().split()))
            if key in symptoms or len(symptoms) >= MAX_SYMPTOMS:
                continue
            symptoms[key] = Symptom(
                provenance=prov,
                code=reply.status_code,
                status_code=reply.status_code,
                reply_code=reply.reply_code,
                text=Provenance.clip(reply.text, 500),
                attr=reply.attr,
                tokens=reply.tokens,
                host=reply.host,
                remote_server=host,
                origin="app_log",
                transient=reply.transient,
                direction=direction(reply.host, host),
            )
        if not explained and info.tls is not None and not info.client_speaks:
            explained = True
            code = info.tls[0]
            key = (code, "")
            if key not in symptoms:
                prov = prov or Provenance(name, line_no, Provenance.clip(text))
                symptoms[key] = Symptom(provenance=prov, code=code, text=Provenance.clip(text.strip(), 500),
                                        tokens=(code.split(":", 1)[1],), remote_server=host, origin="app_log",
                                        direction=direction(None, host))
        if not explained and not replies and info.unexplained and not info.client_speaks:
            unexplained += 1
            if len(warnings) < MAX_WARNINGS:
                clipped = Provenance.clip(text, 120)
                warnings.append(f"line {line_no}: SMTP failure without a reply code: {clipped}")
    if tally is None:
        raise EvidenceError("empty application log", name)
    tally.software = software
    if unexplained > MAX_WARNINGS:
        warnings.append(f"{unexplained - MAX_WARNINGS:,} more SMTP failure line(s) without a reply code")
    if (left_out := tally.warning()) is not None:
        warnings.append(left_out)
    if (cut := long_lines.warning()) is not None:
        warnings.append(cut)
    # a log whose refusals carry no enhanced status ("[550]", "554 go away") still shows a refusal:
    # its bare code is the symptom (no pack knows it, so the report says so and asks for the reply)
    facts: list = list(symptoms.values()) or list(bare.values())
    clients = [c for c in (tally.facts() if tally else []) if _worth_keeping(c)]
    facts.extend(clients)
    hosts = hosts_text(c.smart_host for c in clients) or "no smart host named"
    detail = f"{lines:,} lines ({software}), {refusals:,} refusal(s), {len(symptoms)} distinct; {hosts}"
    return ParseResult(facts=facts, detail=detail, warnings=warnings)


def _worth_keeping(client) -> bool:
    """A client fact says something: a smart host, or how the client behaved."""
    return bool(client.smart_host or client.auth_used or client.starttls_used or client.mail_from_domain
                or client.client_ip or client.null_sender)
