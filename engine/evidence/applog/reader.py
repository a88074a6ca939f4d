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
from ..decoding import iter_lines
from ..jsonish import looks_like_json
from ..relaylogs.client import SMTP_PORTS, Tally, clean_host, domain_of, public_ip
from ..symptoms.ndr_text import direction
from ..symptoms.smtp_reply import Reply, continue_reply, recognise, tls_failure_span

KIND = "app_log"
MAX_LINE = 16384  # characters of one line that are analysed (a reply is far shorter)
# A line can hold a reply only if it has a reply code or an enhanced status (timestamps do not count).
# (Written "one of [2345Tt], then which one it was": re scans for that set fast, where a pattern that
# opens with a lookbehind tries every position; the same lines match as with
# "(?<![\d.:/-])[2345][0-5]\d(?![\d:./-])|(?<![\d.])[245]\.[0-7]\.\d|[Tt][Ll][Ss] negotiation".)
_MAYBE_REPLY = lazyre.compile(
    r"[2345Tt](?:(?<=[2345])(?<![\d.:/-].)[0-5]\d(?![\d:./-])|(?<=[245])(?<![\d.].)\.[0-7]\.\d"
    r"|(?<=[Tt])[Ll][Ss] negotiation)"
)
_MAYBE_ENDPOINT = lazyre.compile(
    r"connect|trying|resolved|said:|host\b|_HOST|_SERVER|smtp[._ ]?(?:host|server)|mail[._ ]?server"
    r"|SMARTHOST",
    re.I,
)
# A line can say something about AUTH, TLS, MAIL FROM or the client's IP only if it has one of these.
_MAYBE_SESSION = lazyre.compile(
    r"AUTH|TLS|SSL|secured|MAIL FROM|Hello|Client host|_USER|ENCRYPTION|_PORT|smtp.?port", re.I
)
# Literals (lowercase) one of which each alternative of the pattern above holds, for ASCII lines: a
# line with none of them (most dialogue lines) skips the case-insensitive regex, which costs more.
_ENDPOINT_WORDS = ("connect", "trying", "resolved", "said:", "host", "_server", "smtp.server", "smtp server",
                   "smtpserver", "mail.server", "mail server", "mailserver")
_SESSION_WORDS = ("auth", "tls", "ssl", "secured", "mail from", "hello", "client host", "_user", "encryption",
                  "_port", "port")
# ... and for the patterns that read AUTH (command or setting) and TLS (STARTTLS, TLS or SSL settings)
_AUTH_SIGNS = ("auth", "user")
_TLS_WORDS = ("starttls", "connection secured", "starting tls", "encryption", "_use_", "smtpsecure", "ssl://",
              "smtps://")
MAX_SYMPTOMS = 200
MAX_WARNINGS = 20

_H = r"\[?(?P<host>[A-Za-z0-9][A-Za-z0-9.-]*\.[A-Za-z]{2,}|\d{1,3}(?:\.\d{1,3}){3})\]?"
# Where the log names the server it talks to.
_ENDPOINTS = (
    # smtplib debug
    lazyre.compile(r"connect:\s*\(\s*['\"](?P<host>[^'\"]+)['\"]\s*,\s*(?P<port>\d{1,5})\s*\)"),
    lazyre.compile(rf"Connected to smtps?://{_H}(?::(?P<port>\d{{1,5}}))?", re.I),  # MailKit
    # PHPMailer
    lazyre.compile(rf"Connection: opening to (?:ssl://|tls://)?{_H}(?::(?P<port>\d{{1,5}}))?", re.I),
    lazyre.compile(rf"(?:Connecting|Connected|Connection established|Trying)\s+to\s+(?:smtps?://)?{_H}"
               r"(?::(?P<port>\d{1,5})|\s+(?:at|on)\s+port\s+(?P<port2>\d{1,5}))?", re.I),
    lazyre.compile(rf"\b(?:MAIL_HOST|SMTP_HOST|EMAIL_HOST|SMTP_SERVER|SMTPHOST|SMARTHOST|smtp[._ ]?host|"
               rf"smtp[._ ]?server|mail[._ ]?server)\b\"?\s*[:=]\s*[\"']?(?:smtps?://)?{_H}"
               r"(?::(?P<port>\d{1,5}))?", re.I),
    lazyre.compile(rf"(?:host|server)\s+{_H}\s*(?:\[[\d.]+\])?\s*said:", re.I),
)
# nodemailer: "Resolved smtp.office365.com as 52.98.16.2 [cache miss]", then it connects to the IP
_RESOLVED = lazyre.compile(
    rf"\bResolved\s+{_H}\s+as\s+(?P<ip>\d{{1,3}}(?:\.\d{{1,3}}){{3}}|[0-9a-fA-F:]+:[0-9a-fA-F:]+)"
)
_PORT_SETTING = lazyre.compile(
    r"\b(?:MAIL_PORT|SMTP_PORT|EMAIL_PORT|smtp[._ ]?port)\b\"?\s*[:=]\s*[\"']?(?P<port>\d{1,5})\b", re.I
)
_CLIENT_CMD = r"(?:\bC:|CLIENT -> SERVER:|send:\s*b?['\"]|>>|\[client\]|C\s*->|\bSent:)\s*"
_AUTH_CMD = lazyre.compile(_CLIENT_CMD + r"AUTH\s+(?:LOGIN|PLAIN|XOAUTH2|NTLM|CRAM-MD5|GSSAPI)\b", re.I)
_AUTH_SETTING = lazyre.compile(
    r"\b(?:SMTPAuth\s*=\s*true|MAIL_USERNAME\s*[:=]\s*\S|EMAIL_HOST_USER\s*[:=]\s*\S|"
    r"SMTP_USER(?:NAME)?\s*[:=]\s*\S|smtp_auth\s*[:=]\s*(?:true|yes|1))", re.I)
_STARTTLS_CMD = lazyre.compile(_CLIENT_CMD + r"STARTTLS\b|\bConnection secured\b|\bStarting TLS\b", re.I)
_TLS_SETTING = lazyre.compile(r"\b(?:MAIL_ENCRYPTION\s*[:=]\s*[\"']?(?:tls|starttls)|"
                          r"EMAIL_USE_TLS\s*[:=]\s*(?:true|1)|"
                          r"SMTPSecure\s*=\s*['\"]tls|SMTP_STARTTLS\s*[:=]\s*(?:true|1))", re.I)
_IMPLICIT_TLS = lazyre.compile(r"\b(?:ssl://|smtps://|MAIL_ENCRYPTION\s*[:=]\s*[\"']?ssl|EMAIL_USE_SSL\s*[:=]\s*(?:true|1)|"
                           r"SMTPSecure\s*=\s*['\"]ssl)", re.I)
_AUTH_WORDS = lazyre.compile(r"authenticat|credentials|password|login", re.I)
# The server's greeting names it ("220 NAME Microsoft ESMTP MAIL Service ready"): the server a log
# talked to when the log never names the smart host it connected to (SwiftMailer's "<< 220 …").
_GREETING = lazyre.compile(
    r"(?:<<|\bS:|SERVER -> CLIENT:|<--\s*b?['\"]?|\bSMTP<)\s*220[ -]"
    r"(?P<host>[A-Za-z0-9][A-Za-z0-9.-]{0,252}\.[A-Za-z]{2,63})\s"  # bounded: no long backtracking
)
_MAIL_FROM = lazyre.compile(r"MAIL FROM:\s*<(?P<addr>[^<>\s]*)>", re.I)
_CLIENT_IP = lazyre.compile(
    r"\bHello\s+\[?[^\]\s]*\]?\s*\[(?P<ip>[0-9a-fA-F:.]+)\]|\bClient host \[(?P<ip2>[0-9a-fA-F:.]+)\]"
)
_SOFTWARE = (
    ("phpmailer", lazyre.compile(r"PHPMailer|CLIENT -> SERVER:|SERVER -> CLIENT:")),
    ("symfony_mailer", lazyre.compile(r"Symfony\\+Component\\+Mailer")),
    ("swiftmailer", lazyre.compile(r"Swift_\w+Exception|Swift_Transport")),
    ("nodemailer", lazyre.compile(r"nodemailer|SMTPConnection|\bEAUTH\b|responseCode:")),
    ("mailkit", lazyre.compile(r"MailKit|Connected to smtps?://")),
    ("dotnet", lazyre.compile(r"System\.Net\.Mail")),
    ("javamail", lazyre.compile(r"javax\.mail|jakarta\.mail|com\.sun\.mail|org\.eclipse\.angus\.mail")),
    ("python_smtplib", lazyre.compile(r"smtplib|SMTPRecipientsRefused|SMTPDataError|SMTPSenderRefused")),
    ("ruby_net_smtp", lazyre.compile(r"Net::SMTP")),
    ("laravel", lazyre.compile(r"^\[\d{4}-\d\d-\d\d[ T][\d:.]+[^\]]*\]\s+\w+\."
                           r"(?:ERROR|WARNING|INFO|DEBUG|CRITICAL|NOTICE|ALERT|EMERGENCY):")),
)
# An SMTP failure worth a warning when no reply code explains it.
_UNEXPLAINED = lazyre.compile(r"\bsmtp\b.*\b(?:error|fail(?:ed|ure)?|exception|refused|denied|rejected)\b"
                          r"|\b(?:error|fail(?:ed|ure)?|exception)\b.*\bsmtp\b", re.I)
_LOG_SHAPE = lazyre.compile(
    r"^(?:\[?\d{4}-\d\d-\d\d[ T]\d\d:\d\d|\[?\d\d:\d\d:\d\d|\d{1,2}/\d{1,2}/\d{2,4}\s|\[[^\]]{1,40}\]\s|"
    r"[A-Z][a-z]{2}\s+\d{1,2}\s\d\d:\d\d|(?:C|S):\s|(?:CLIENT|SERVER) -> |\s*at\s+[\w$.]+\(|"
    r"(?:DEBUG|INFO|WARN(?:ING)?|ERROR|FATAL|TRACE)\b|"
    # a device's own prefix before its date and time: "#[dcs_nas(27)]16/03/01 20:39:28 SMTPC: …"
    r".{0,40}?(?<!\d)\d{2,4}[/.-]\d{1,2}[/.-]\d{1,4}[ T]+\d{1,2}:\d\d:\d\d)"
)
# One turn of a client/server SMTP dialogue as mailers print it (PHPMailer, MailKit, smtplib).
_DIALOGUE = lazyre.compile(
    r"(?:CLIENT -> SERVER|SERVER -> CLIENT):|^\s*(?:\S+\s+){0,3}[CS]:\s|\b(?:send|reply):\s*b?['\"]"
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
    dialogue = sum(1 for ln in lines[:400] if _DIALOGUE.search(ln))
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
    for line_no, text in iter_lines(stream, None, name=name):
        lines = line_no
        if progress is not None:
            progress(len(text) + 1)
        if cancel is not None and line_no % 50_000 == 0 and cancel():
            raise Cancelled("cancelled while reading " + name)
        text = text[:MAX_LINE]
        if software == "app":
            software = next((s for s, rx in _SOFTWARE if rx.search(text)), "app")
        if tally is None:
            tally = Tally(software, "app_log")
        prov = Provenance(name, line_no, Provenance.clip(text))
        # the server this part of the log talks to
        if (endpoint := endpoint_in(text, resolved)) is not None:
            host, port = endpoint[0], endpoint[1] or pending_port or port
            seen = tally.get(host, port, prov)
            seen.attempts += 1
        greeting = _GREETING.search(text) if host is None else None
        if greeting is not None and (named := clean_host(greeting.group("host"))):
            host = named
            tally.get(host, port, prov)
        sessionish = session_line(text)
        if sessionish and _may_hold(text, ("port",)) and (pm := _PORT_SETTING.search(text)) is not None:
            pending_port = int(pm.group("port"))
            if host is not None and port is None:
                port = pending_port
                tally.get(host, None, prov).port = port
        seen = tally.get(host, port, prov)
        if sessionish and _may_hold(text, _AUTH_SIGNS) and (
            _AUTH_CMD.search(text) or _AUTH_SETTING.search(text)
        ):
            seen.auth_used = True
        if sessionish and _may_hold(text, _TLS_WORDS) and any(
            rx.search(text) for rx in (_STARTTLS_CMD, _TLS_SETTING, _IMPLICIT_TLS)
        ):
            seen.starttls_used = True
        if sessionish and (m := _MAIL_FROM.search(text)) is not None:
            addr = m.group("addr")
            if addr:
                dom = domain_of(addr)
                if dom:
                    seen.senders[dom] += 1
            else:
                seen.null_sender = True
        if sessionish and ("Hello" in text or "Client host" in text) and (
            m := _CLIENT_IP.search(text)
        ) is not None:
            seen.client_ip = seen.client_ip or public_ip(m.group("ip") or m.group("ip2"))
        replies, open_reply = replies_in(text, open_reply)
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
        if not explained and (tls := tls_failure_span(text)) is not None:
            explained = True
            code = tls[0]
            key = (code, "")
            if key not in symptoms:
                symptoms[key] = Symptom(provenance=prov, code=code, text=Provenance.clip(text.strip(), 500),
                                        tokens=(code.split(":", 1)[1],), remote_server=host, origin="app_log",
                                        direction=direction(None, host))
        if not explained and not replies and "mtp" in text.lower() and _UNEXPLAINED.search(text):
            unexplained += 1
            if len(warnings) < MAX_WARNINGS:
                clipped = Provenance.clip(text, 120)
                warnings.append(f"line {line_no}: SMTP failure without a reply code: {clipped}")
    if tally is None:
        raise EvidenceError("empty application log", name)
    tally.software = software
    if unexplained > MAX_WARNINGS:
        warnings.append(f"{unexplained - MAX_WARNINGS:,} more SMTP failure line(s) without a reply code")
    # a log whose refusals carry no enhanced status ("[550]", "554 go away") still shows a refusal:
    # its bare code is the symptom (no pack knows it, so the report says so and asks for the reply)
    facts: list = list(symptoms.values()) or list(bare.values())
    clients = [c for c in (tally.facts() if tally else []) if _worth_keeping(c)]
    facts.extend(clients)
    hosts = ", ".join(dict.fromkeys(c.smart_host for c in clients if c.smart_host)) or "no smart host named"
    detail = f"{lines:,} lines ({software}), {refusals:,} refusal(s), {len(symptoms)} distinct; {hosts}"
    return ParseResult(facts=facts, detail=detail, warnings=warnings)


def is_refusal(reply: Reply) -> bool:
    """A 4xx/5xx reply (what becomes a symptom; ``watch`` follows the same rule)."""
    code = reply.status_code or reply.reply_code or ""
    return code[:1] in ("4", "5")


def endpoint_in(text: str, resolved: dict[str, str]) -> tuple[str, int | None] | None:
    """The smart host (and port, if named) a line says the app talks to from here on. A name the
    app resolved (nodemailer's ``Resolved X as IP``) is noted in ``resolved`` and stands for its IP."""
    if not _may_hold(text, _ENDPOINT_WORDS) or _MAYBE_ENDPOINT.search(text) is None:
        return None
    if (r := _RESOLVED.search(text)) is not None and (ip := public_ip(r.group("ip"))):
        resolved[ip] = clean_host(r.group("host")) or ip
    for rx in _ENDPOINTS:
        m = rx.search(text)
        if m:
            named = clean_host(m.group("host"))
            named = resolved.get(named or "", named)  # an IP the app looked up by name
            found_port = _port(m)
            if named and (found_port in SMTP_PORTS or _mailish(named, text)):
                return named, found_port
            return None
    return None


def session_line(text: str) -> bool:
    """A line that may say something about AUTH, TLS, MAIL FROM, the port or the client's IP."""
    return _may_hold(text, _SESSION_WORDS) and _MAYBE_SESSION.search(text) is not None


def _may_hold(text: str, words: tuple[str, ...]) -> bool:
    """False only for an ASCII line without any of ``words`` in any case (re.IGNORECASE folds only
    ASCII letters onto ASCII letters in ASCII text, so that line cannot match the pattern)."""
    if not text.isascii():
        return True
    return any(map(text.lower().__contains__, words))


def replies_in(text: str, open_reply: Reply | None) -> tuple[list[Reply], Reply | None]:
    """The replies on a line, the first one joined to ``open_reply`` (a ``550-…`` line before it);
    and the reply left open by this line (then the replies are not complete yet)."""
    replies = recognise(text) if _MAYBE_REPLY.search(text) else []
    if open_reply is not None and replies and replies[0].reply_code == open_reply.reply_code:
        replies[0] = continue_reply(open_reply, replies[0])
    return replies, (replies[-1] if replies and replies[-1].continued else None)


def _port(m: re.Match[str]) -> int | None:
    for group in ("port", "port2"):
        value = m.groupdict().get(group)
        if value:
            number = int(value)
            return number if 0 < number < 65536 else None
    return None


def _mailish(host: str, line: str) -> bool:
    return any(w in host for w in ("smtp", "mail", "outlook.com", "office365", "relay", "mx")) or bool(
        re.search(r"\bsmtp|mail", line, re.I)
    )


def _worth_keeping(client) -> bool:
    """A client fact says something: a smart host, or how the client behaved."""
    return bool(client.smart_host or client.auth_used or client.starttls_used or client.mail_from_domain
                or client.client_ip or client.null_sender)
