"""Pull SMTP replies (basic code, enhanced status, ATTR token, bracketed host) out of any text.

Shared by every parser that meets an SMTP reply: NDRs, send-log `<` lines, queue LastError,
pasted application errors. Pure functions, no I/O.

Shapes recognised (one ``Reply`` per enhanced status code found):
- ``550 5.7.64 TenantAttribution; Relay Access Denied [host]``, ``TenantAttribution:``, a trailing
  ``SMTP``/``SMTP.``, ``[host timestamp id]`` and ``[Hostname=host]`` brackets, ``ATTRnn`` tokens;
- ``#550 5.7.64 … ##`` (Exchange 2010 NDRs), ``550-5.7.64`` (multi-line replies), ``smtp;550 …``
  (DSN Diagnostic-Code), ``550+5.7.64+…`` (IIS W3C logs), ``(550, b'5.7.64 …')`` (Python smtplib,
  normalised to ``550 5.7.64 …``), a bare ``5.7.57 …`` (.NET ``SmtpException``, PHP mailers);
- nested replies such as ``451 4.4.0 … responded with: "421 4.4.1 …"`` or ``… error. -> 421 4.4.1 …``:
  both are returned; the outer reply's text runs to the end of the line so it keeps the inner one;
- ``#4.4.7 smtp;550 4.4.7 …``: the bare status right before the same status with a basic code is
  folded into it.
``tls_failure_code`` turns ``TLS negotiation failed with error UnknownCredentials`` (no status code)
into the symptom code ``tls:UnknownCredentials``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# RFC 3463: class 2/4/5, subject 0-7, detail 1-3 digits.
_REPLY = re.compile(
    r"(?<![\w.])(?:(?P<basic>[245]\d\d)(?P<sep>[ +\-]|,\s*b?['\"])\s*)?"
    r"(?P<status>[245]\.[0-7]\.\d{1,3})(?![\d.]\d|\d)"
)
_ATTR = re.compile(r"\bATTR\d+(?:\.\d+)?\b")
_BRACKET_HOST = re.compile(
    r"\[(?:Hostname=)?(?P<host>[A-Za-z0-9][A-Za-z0-9\-]*(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})"
    r"(?:[\s,;][^\]]*)?\]"
)
_TLS_FAILURE = re.compile(
    r"TLS negotiation failed with (?:the following )?error\s*:?\s*(?P<error>[A-Za-z][A-Za-z_]+)",
    re.IGNORECASE,
)
# What ends a reply's own text and hands over to a nested reply that it quotes.
_NESTING = re.compile(r"(?:->|responded with:?|returned|with error:?|Message=|[:'\"])\s*$", re.IGNORECASE)
_WORD_TOKENS = (
    "TenantAttribution",
    "TenantInboundAttribution",
    "Relay Access Denied",
    "UnknownCredentials",
    "NoCredentials",
    "UntrustedRoot",
    "SubjectMismatch",
    "STARTTLS is required",
    "Authentication unsuccessful",
    "SmtpClientAuthentication is disabled",
    "Client not authenticated",
    "Client was not authenticated",
    "Unable to relay",
    "wrong Office 365 region",
    "Direct Send not allowed",
    "out-of-date",
    "QUEUE.Expired",
)


@dataclass(frozen=True, slots=True)
class Reply:
    reply_code: str | None  # "550"
    status_code: str  # "5.7.64"
    text: str  # from the basic code (or status) to the end of the reply
    attr: str | None
    host: str | None
    tokens: tuple[str, ...]
    start: int = 0  # offset of the reply in the text searched (for line numbers)

    @property
    def transient(self) -> bool:
        return self.status_code.startswith("4")


def find_replies(text: str) -> list[Reply]:
    """Every SMTP reply with an enhanced status code in ``text`` (one per status occurrence)."""
    if "+" in text and " " not in text.strip():  # IIS W3C logs write blanks as "+"
        text = text.replace("+", " ")
    matches = list(_REPLY.finditer(text))
    out: list[Reply] = []
    for i, m in enumerate(matches):
        nxt = matches[i + 1] if i + 1 < len(matches) else None
        line_end = text.find("\n", m.start())
        line_end = len(text) if line_end < 0 else line_end
        if nxt is not None and m.group("basic") is None and nxt.group("status") == m.group("status") and (
            nxt.start() - m.end() <= 12 and nxt.start() < line_end
        ):
            continue  # "#4.4.7 smtp;550 4.4.7 …": the bare status announces the reply that follows
        end = line_end
        if nxt is not None and nxt.start() < line_end and not _NESTING.search(text[m.end():nxt.start()]):
            end = nxt.start()
        chunk = text[m.start():end]
        quote = _opening_quote(text, m)
        if quote and chunk.rfind(quote) > 0:  # '…' around the reply: it ends at the last closing quote
            chunk = chunk[: chunk.rfind(quote)]
        out.append(_reply_from(m, chunk, m.start()))
    return out


def parse_reply(text: str) -> Reply | None:
    """The first reply in ``text``, or None."""
    replies = find_replies(text)
    return replies[0] if replies else None


def tls_failure_code(text: str) -> str | None:
    """``tls:UnknownCredentials`` for "TLS negotiation failed with error UnknownCredentials"."""
    m = _TLS_FAILURE.search(text)
    return f"tls:{m.group('error')}" if m else None


def tls_failure_span(text: str) -> tuple[str, int] | None:
    """The TLS failure code and its offset in ``text`` (for line numbers), or None."""
    m = _TLS_FAILURE.search(text)
    return (f"tls:{m.group('error')}", m.start()) if m else None


def _opening_quote(text: str, m: re.Match[str]) -> str | None:
    sep = m.group("sep") or ""
    if "'" in sep or '"' in sep:  # (550, b'5.7.64 …')
        return "'" if "'" in sep else '"'
    before = text[m.start() - 1] if m.start() > 0 else ""
    return before if before in ("'", '"') else None


def _reply_from(m: re.Match[str], chunk: str, start: int) -> Reply:
    basic, status = m.group("basic"), m.group("status")
    if basic is not None and m.group("sep") not in (" ", "+", "-"):  # (550, b'5.7.64 …') -> 550 5.7.64 …
        chunk = f"{basic} {chunk[m.start('status') - m.start():]}"
    text = _clean_tail(chunk)
    attr_m = _ATTR.search(text)
    host_m = _BRACKET_HOST.search(text)
    lowered = text.lower()
    tokens = [attr_m.group(0)] if attr_m else []
    tokens.extend(t for t in _WORD_TOKENS if t.lower() in lowered)
    tls = tls_failure_code(text)
    if tls:
        tokens.append(tls.split(":", 1)[1])
    return Reply(
        reply_code=basic,
        status_code=status,
        text=text[:500],
        attr=attr_m.group(0) if attr_m else None,
        host=host_m.group("host").lower().rstrip(".") if host_m else None,
        tokens=tuple(dict.fromkeys(tokens)),
        start=start,
    )


_POSTFIX_NOTE = re.compile(r"\s*\(in reply to [A-Za-z ]{1,40}command\)$")
_QUOTE_ENDS = ("'", '"', ")", "}")
_PAIRS = ("[]", "<>", "{}", "()")


def _clean_tail(chunk: str) -> str:
    """Drop what quotes or wraps a reply: quotes, ``##``, ``')}``, an unbalanced ``]``/``>``, blanks."""
    text = _POSTFIX_NOTE.sub("", chunk.rstrip())
    while True:
        before = text
        text = text.rstrip(" \t\r\n")
        for junk in ("##", "#SMTP#"):
            text = text.removesuffix(junk)
        quote = text.endswith(("'", '"'))
        closes_quote = text.endswith((")", "}", ",", ";")) and text[:-1].rstrip().endswith(_QUOTE_ENDS)
        unbalanced = any(text.endswith(c) and text.count(c) > text.count(o) for o, c in _PAIRS)
        if quote or closes_quote or unbalanced:
            text = text[:-1]
        if text == before:
            return text
