"""Recognise SMTP replies (basic code, enhanced status, ATTR token, bracketed host) anywhere in text.

One recogniser for every parser that meets an SMTP reply: NDRs, send-log ``<`` lines, queue
LastError, Postfix ``said:``, application logs and pasted exceptions. Pure functions, no I/O.

``recognise(text)`` finds every reply; ``find_replies(text)`` only those with an enhanced status
(RFC 3463 ``[245].x.x``), which is what becomes a symptom. Shapes recognised, wherever they sit in a
line (after timestamps and log prefixes such as ``[2024-07-25 08:44:50] local.ERROR:``, in quotes,
in ``< >``, inside an exception's text):

- ``550 5.7.64 TenantAttribution; Relay Access Denied [host]``, ``550-5.7.64`` (continuation),
  ``550 #5.1.0``, ``#550 5.7.64 … ##`` (Exchange 2010 NDRs), ``smtp;550 …`` (DSN Diagnostic-Code),
  ``550+5.7.64+…`` (IIS W3C logs), ``[host timestamp id]`` / ``[Hostname=host]`` brackets, ATTR tokens;
- Python ``smtplib``: ``(550, b'5.7.64 …')``, ``{'a@b': (501, '5.1.5 …')}``, typographic quotes
  (``b’…’``), normalised to ``550 5.7.64 …``;
- PHPMailer's ``SMTP server error: … Detail: <text> SMTP code: 550 Additional SMTP info: 5.7.0`` and
  its ``command failed,<text> ,550,5.7.0`` prefix, folded into one ``550 5.7.0 <text>`` reply;
- SwiftMailer / Symfony Mailer / Laravel ``with message "550 5.7.60 …"``, nodemailer
  ``response: '535 5.7.139 …'``, .NET ``The server response was: 5.7.64 …`` (no basic code),
  JavaMail ``SMTPSendFailedException: 550 5.7.60 …``, MailKit ``S: 550 …`` protocol logs;
- a reply without an enhanced status (``451 Temporary local problem``) only where a reply stands:
  at the start of the text, or right after ``S:``, ``<``, ``SERVER -> CLIENT:``, ``said:``, a quote,
  ``failed:``, ``Exception:`` and similar cues — never "code 250 but", never a bare number;
- multi-line replies (``535-5.7.8 … \\n535 5.7.8 …``), in one text or joined by a logger, are folded
  into one reply; nested replies (``451 4.4.0 … responded with: "421 4.4.1 …"``) are both returned,
  the outer one's text keeping the inner; ``#4.4.7 smtp;550 4.4.7 …`` is one reply.
A reply's text stops at a closing quote, a stack frame (`` at X.Y(``, `` in /a/b.php:12``), a
logger's context JSON or a literal ``\\r\\n``.
``tls_failure_code`` turns ``TLS negotiation failed with error UnknownCredentials`` (no status code)
into the symptom code ``tls:UnknownCredentials``.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ... import lazyre
from ...lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use

_QUOTES = "'\"‘’“”"
_MAX_REPLIES = 32  # replies read from one text
_MAX_REPLY_SPAN = 2048  # characters a reply (with a quoted inner reply) may run to; its text keeps 500
# RFC 3463: class 2/4/5, subject 0-7, detail 1-3 digits.
_REPLY = lazyre.compile(
    r"(?:(?<![\w.])|(?<=\\n))(?:(?P<basic>[245]\d\d)(?P<sep>[ +\-]|\s+#|,\s*[bu]?['\"‘’“])\s*)?"
    r"(?P<status>[245]\.[0-7]\.\d{1,3})(?![\d.]\d|\d)"
)
# Where a match of _REPLY can start: one of its first characters, with its lookbehind (written after
# the character, so that re scans for the character set fast instead of trying every position).
# (and followed by what the code or the status needs next); a match holds a status, so none can
# start after the last one (_STATUS).
_REPLY_START = lazyre.compile(r"[245](?:(?<![\w.].)|(?<=\\n.))(?=\d\d|\.[0-7]\.\d)")
_STATUS = lazyre.compile(r"[245]\.[0-7]\.\d")
# A reply without an enhanced status: the code, one blank or '-', then words. (The lookbehind
# "(?:(?<![\w.:/\\$%-])|(?<=\\n))" before the code, written after its first digit: see _REPLY_START.)
_BASIC = lazyre.compile(
    r"(?P<basic>[2345](?:(?<![\w.:/\\$%-].)|(?<=\\n.))[0-5]\d)(?P<sep>[ \-])(?=\s?[A-Za-z<\[(])"
)
# A device's own words for a refusal without its text: "SMTPC: received error code. [550]",
# "SMTP reply code: 554". Only on a line that says SMTP: "status code 503" alone is HTTP.
_CODE_WORDS = lazyre.compile(
    r"\b(?:error|reply|response|result)\s+code\b[\s.:=\[(]{0,4}(?P<basic>[45][0-5]\d)(?P<sep>[\])]?)(?![\d.])",
    re.IGNORECASE,
)
_SMTP_LINE = lazyre.compile(r"smtp", re.IGNORECASE)
_BASIC_TUPLE = lazyre.compile(r"\(\s*(?P<basic>[2345][0-5]\d)\s*,\s*[bu]?(?P<q>['\"‘’“])")
# What stands right before a reply that has no enhanced status.
_BASIC_CUE = lazyre.compile(
    r"(?:^|[<'\"‘’“(]|\\n|(?:\b(?:S|Got|said|response|responded with|reply|replied|returned|message|Reason|"
    r"failed|SERVER -> CLIENT|server response was|Detail)|Exception|Error|error)\s*:?|└──|<--\s*b?['\"]?)\s*$"
)
_ATTR = lazyre.compile(r"\bATTR\d+(?:\.\d+)?\b")
_BRACKET_HOST = lazyre.compile(
    r"\[(?:Hostname=)?(?P<host>[A-Za-z0-9][A-Za-z0-9\-]*(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})"
    r"(?:[\s,;][^\]]*)?\]"
)
_TLS_FAILURE = lazyre.compile(
    r"TLS negotiation failed with (?:the following )?error\s*:?\s*(?P<error>[A-Za-z][A-Za-z_]+)"
    # devices and apps whose handshake itself fails say so in their own words, with no reply at all
    # (Ricoh/Kyocera/Xerox scan-to-email: "SSL negotiation failed"): code tls:handshake
    r"|(?P<handshake>\bSSL (?:negotiation|handshake) failed\b)",
    re.IGNORECASE,
)
# PHPMailer: "SMTP server error: … command failed Detail: … SMTP code: 550 Additional SMTP info: 5.7.0"
# (found with str.find, not one regex: lazy groups between the markers backtrack on hostile lines)
_PHP_CODE = lazyre.compile(
    r"\s*(?P<basic>[245]\d\d)(?:\s*Additional SMTP info:\s*(?P<status>[245]\.[0-7]\.\d{1,3}))?"
)
# Where a reply's own text ends inside a log line or exception.
_TEXT_END = lazyre.compile(
    r"\\r\\n|\\n(?![0-9]{3}[ \-])|\s+at\s+[\w$.`<>\[\]]+\("
    r"|\s+in\s+\S+\.(?:php|js|ts|py|cs|java|rb)(?::\d+| line \d+)"
    r"|\s*\"?\s+on line \d+\b|\s+Stack trace:|\s\{\"exception\"|\s+#\d+\s+/|\s+\[stacktrace\]"
)
# What ends a reply's own text and hands over to a nested reply that it quotes.
_NESTING = lazyre.compile(r"(?:->|responded with:?|returned|with error:?|Message=|[:'\"])\s*$", re.IGNORECASE)
_WORD_TOKENS: tuple[str, ...] = (
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
    # Not words: a setting's name and Microsoft's short links stay as they are in a reply Exchange
    # Online localises (a Portuguese or German 5.7.139 keeps "SmtpClientAuthentication" and
    # "https://aka.ms/smtp_auth_disabled"), so rules can read them where the words are translated.
    "SmtpClientAuthentication",
    "aka.ms/smtp_auth_disabled",
    "aka.ms/smtp_auth_tls",
    "aka.ms/BlockUnsafeExchange",
)


_WORD_TOKENS_LOWER = tuple((t, t.lower()) for t in _WORD_TOKENS)


@dataclass(frozen=True, slots=True)
class Reply:
    reply_code: str | None  # "550"
    status_code: str | None  # "5.7.64"; None only from ``recognise`` (a reply without enhanced status)
    text: str  # from the basic code (or status) to the end of the reply
    attr: str | None
    host: str | None
    tokens: tuple[str, ...]
    start: int = 0  # offset of the reply in the text searched (for line numbers)
    continued: bool = False  # "550-…": more lines of this reply follow

    @property
    def transient(self) -> bool:
        code = self.status_code or self.reply_code or ""
        return code.startswith("4")


def as_symptom(reply: Reply, provenance, origin: str, **fields):
    """The symptom fact for a reply with an enhanced status (its text clipped like every symptom's)."""
    from ...facts import Provenance, Symptom

    return Symptom(
        provenance=provenance,
        code=reply.status_code or "",
        status_code=reply.status_code,
        reply_code=reply.reply_code,
        text=Provenance.clip(reply.text, 500),
        attr=reply.attr,
        tokens=reply.tokens,
        origin=origin,
        transient=reply.transient,
        **{"host": reply.host, **fields},
    )


def find_replies(text: str) -> list[Reply]:
    """Every SMTP reply with an enhanced status code in ``text`` (one per reply)."""
    return [r for r in recognise(text) if r.status_code is not None]


def parse_reply(text: str) -> Reply | None:
    """The first reply with an enhanced status in ``text``, or None."""
    replies = find_replies(text)
    return replies[0] if replies else None


def recognise(text: str) -> list[Reply]:
    """Every SMTP reply in ``text``, with or without an enhanced status, in order of appearance."""
    if "+" in text and " " not in text.strip():  # IIS W3C logs write blanks as "+"
        text = text.replace("+", " ")
    php = _phpmailer(text)
    enhanced = _enhanced_matches(text)
    spans = _enhanced_spans(text, enhanced) + _basic_spans(text, enhanced)
    spans.sort(key=lambda s: s[0])
    del spans[_MAX_REPLIES:]  # a real line holds a handful; thousands are noise, not replies
    out: list[Reply] = []
    for i, (start, head_end, basic, status, sep, quote) in enumerate(spans):
        nxt = spans[i + 1] if i + 1 < len(spans) else None
        if nxt is not None and basic is None and status is not None and nxt[3] == status and (
            nxt[0] - head_end <= 12 and "\n" not in text[head_end:nxt[0]]
        ):
            continue  # "#4.4.7 smtp;550 4.4.7 …": the bare status announces the reply that follows
        line_end = text.find("\n", start)
        line_end = len(text) if line_end < 0 else line_end
        end = line_end
        if nxt is not None and nxt[0] < line_end and not _NESTING.search(text[head_end:nxt[0]]):
            end = nxt[0]
        chunk = text[start:min(end, start + _MAX_REPLY_SPAN)]
        if text[max(0, start - 9):start].lower() == "[message=":
            # message trace "[Message=451 5.7.3 …]": the bracket that opened the inner reply ends it
            close_at = chunk.find("]", head_end - start)
            if close_at >= 0:
                chunk = chunk[:close_at]
        if quote:  # '…' around the reply: it ends at the first quote that closes a word
            close = _closer(quote).search(chunk, head_end - start)
            if close:
                chunk = chunk[: close.start()]
        cut = _TEXT_END.search(chunk, head_end - start) if _may_end(chunk) else None
        if cut:
            chunk = chunk[: cut.start()]
        out.append(_reply_from(chunk, start, head_end - start, basic, status, sep))
    out = _fold_continuations(out)
    return _apply_phpmailer(out, php)


def continue_reply(first: Reply, rest: Reply) -> Reply:
    """``first`` (a ``550-…`` line) continued by ``rest`` (the next line's reply) as one reply; ``rest``
    alone when it is another reply (``550-5.7.1 …`` then ``550 5.7.64 …``: a status of its own)."""
    folded = _fold_continuations([first, replace(rest, start=first.start)])
    return folded[0] if len(folded) == 1 else rest


def tls_failure_code(text: str) -> str | None:
    """``tls:UnknownCredentials`` for "TLS negotiation failed with error UnknownCredentials"."""
    m = _TLS_FAILURE.search(text)
    return _tls_code(m) if m else None


def _tls_in(text: str, lowered: str) -> str | None:
    """``tls_failure_code`` for a text whose ``lower()`` is at hand: both of ``_TLS_FAILURE``'s shapes
    say "…failed" ("led" has no letter that IGNORECASE matches beyond what ``lower()`` folds)."""
    m = _TLS_FAILURE.search(text) if "led" in lowered else None
    return _tls_code(m) if m else None


def _tls_code(m: re.Match[str]) -> str:
    return "tls:handshake" if m.group("handshake") else f"tls:{m.group('error')}"


def tls_failure_span(text: str) -> tuple[str, int] | None:
    """The TLS failure code and its offset in ``text`` (for line numbers), or None."""
    m = _TLS_FAILURE.search(text) if "led" in text.lower() else None
    return (_tls_code(m), m.start()) if m else None


# ---------------------------------------------------------------------------------------------

_Span = tuple[int, int, str | None, str | None, str, str | None]  # start, head end, basic, status, sep, quote


def _may_end(chunk: str) -> bool:
    """Whether ``_TEXT_END`` can match: each of its shapes holds one of these (case-sensitive) literals."""
    return any(map(chunk.__contains__, _TEXT_END_LITERALS))


# each alternative of _TEXT_END holds one of these (case-sensitive, as _TEXT_END is); most replies hold
# none. (A PHP/JS/… frame " in x.php:12" holds its file's extension after a dot, not just "in", which
# Exchange's accept reply "… 8547 bytes in 0.132, …" holds too.)
_TEXT_END_LITERALS = ("\\", "(", ".php", ".js", ".ts", ".py", ".cs", ".java", ".rb", "on line",
                      "Stack trace:", '{"exception"', "#", "[stacktrace]")


def _enhanced_matches(text: str) -> list[re.Match[str]]:
    """``list(_REPLY.finditer(text))``, trying _REPLY only where it can start (see _REPLY_START)."""
    found: list[re.Match[str]] = []
    last = -1
    for status in _STATUS.finditer(text):
        last = status.start()
    resume = 0
    # (up to the last status and the four characters _REPLY_START's lookahead reads after it)
    for at in _REPLY_START.finditer(text, 0, last + 5 if last >= 0 else 0):
        start = at.start()
        if start < resume:
            continue  # inside the last match: finditer resumes after it
        m = _REPLY.match(text, start)
        if m is not None:
            found.append(m)
            resume = m.end()
    return found


def _enhanced_spans(text: str, found: list[re.Match[str]]) -> list[_Span]:
    spans: list[_Span] = []
    for m in found:
        sep = m.group("sep") or ""
        quote = next((c for c in sep if c in _QUOTES), None)
        if quote is None:
            before = text[m.start() - 1] if m.start() > 0 else ""
            quote = before if before in _QUOTES else None
        spans.append((m.start(), m.end(), m.group("basic"), m.group("status"), sep, _closing(quote)))
    return spans


def _basic_spans(text: str, enhanced: list[re.Match[str]]) -> list[_Span]:
    spans: list[_Span] = []
    taken = {m.start() for m in enhanced if m.group("basic")}
    for m in _BASIC.finditer(text):
        if m.start() in taken or not _BASIC_CUE.search(text[max(0, m.start() - 40):m.start()]):
            continue
        before = text[m.start() - 1] if m.start() > 0 else ""
        quote = before if before in _QUOTES else None
        spans.append((m.start(), m.end(), m.group("basic"), None, m.group("sep"), _closing(quote)))
    for span in list(spans):  # "550-first part … 550 second part": the continuation needs no cue
        if span[4] == "-":
            again = re.compile(rf"(?<!\d){span[2]}[ \-](?=\s?[A-Za-z<\[(])")
            follow = again.search(text, span[1], span[1] + 400)
            if follow and all(s[0] != follow.start() for s in spans):
                spans.append((follow.start(), follow.end(), span[2], None, follow.group(0)[-1], span[5]))
    for m in _CODE_WORDS.finditer(text) if "code" in text.lower() else ():
        line_start = text.rfind("\n", 0, m.start()) + 1
        line_end = text.find("\n", m.end())
        line = text[line_start:line_end if line_end >= 0 else len(text)]
        at = m.start("basic")
        if at in taken or any(s[0] == at for s in spans) or not _SMTP_LINE.search(line):
            continue
        spans.append((m.start("basic"), m.end(), m.group("basic"), None, m.group("sep") or "]", None))
    for m in _BASIC_TUPLE.finditer(text) if "(" in text else ():
        if _REPLY.match(text, m.start("basic")):
            continue  # (550, b'5.7.64 …'): the enhanced pattern has it
        spans.append((m.start("basic"), m.end(), m.group("basic"), None, ",", _closing(m.group("q"))))
    return spans


_CLOSERS: dict[str, lazyre.LazyPattern] = {}


def _closer(quote: str) -> lazyre.LazyPattern:
    """The quote where it closes a word (one pattern per quote character, kept: ``regexcache``)."""
    rx = _CLOSERS.get(quote)
    if rx is None:
        rx = lazyre.compile(re.escape(quote) + r"(?!\w)")
        if len(_CLOSERS) < 16:
            _CLOSERS[quote] = rx
    return rx


def _closing(quote: str | None) -> str | None:
    return {"‘": "’", "“": "”"}.get(quote or "", quote)


def _reply_from(chunk: str, start: int, head: int, basic: str | None, status: str | None, sep: str) -> Reply:
    if basic is not None and sep not in (" ", "+", "-") and not sep.strip().startswith("#"):
        # (550, b'5.7.64 …') -> 550 5.7.64 …
        body = chunk[head:].lstrip() if status is None else chunk[chunk.index(status):]
        chunk = f"{basic} {body}"
    elif basic is not None and status is not None and sep == "+":
        chunk = chunk.replace("+", " ")
    return _annotated(basic, status, _clean_tail(chunk), start, sep == "-")


def _annotate(reply: Reply) -> Reply:
    return _annotated(reply.reply_code, reply.status_code, reply.text, reply.start, reply.continued)


def _annotated(basic: str | None, status: str | None, text: str, start: int, continued: bool) -> Reply:
    """The reply with its text (kept to 500 characters), ATTR token, bracketed host and word tokens."""
    text = text[:500]
    attr_m = _ATTR.search(text) if "ATTR" in text else None
    host_m = _BRACKET_HOST.search(text) if "[" in text else None
    lowered = text.lower()
    tokens = [attr_m.group(0)] if attr_m else []
    tokens.extend([t for t, low in _WORD_TOKENS_LOWER if low in lowered])
    tls = _tls_in(text, lowered)
    if tls:
        tokens.append(tls.split(":", 1)[1])
    return Reply(
        basic,
        status,
        text,
        attr_m.group(0) if attr_m else None,
        host_m.group("host").lower().rstrip(".") if host_m else None,
        tuple(dict.fromkeys(tokens)),
        start,
        continued,
    )


def _fold_continuations(replies: list[Reply]) -> list[Reply]:
    """``550-5.7.1 first part`` + ``550 5.7.1 second part`` → ``550 5.7.1 first part second part``."""
    out: list[Reply] = []
    for reply in replies:
        prev = out[-1] if out else None
        if prev is not None and prev.continued and prev.reply_code == reply.reply_code and (
            prev.status_code == reply.status_code or reply.status_code is None or prev.status_code is None
        ):
            rest = _strip_head(reply.text, reply)
            joined = f"{_strip_head(prev.text, prev)} {rest}".strip()
            status = prev.status_code or reply.status_code
            head = " ".join(p for p in (prev.reply_code, status) if p)
            merged = replace(prev, status_code=status, text=f"{head} {joined}", continued=reply.continued)
            out[-1] = _annotate(merged)
            continue
        out.append(reply)
    return out


def _strip_head(text: str, reply: Reply) -> str:
    rest = text
    if reply.reply_code and rest.startswith(reply.reply_code):
        rest = rest[len(reply.reply_code):].lstrip(" -#")
    if reply.status_code and rest.startswith(reply.status_code):
        rest = rest[len(reply.status_code):]
    return rest.strip()


def _phpmailer(text: str) -> list[tuple[int, Reply]]:
    found: list[tuple[int, Reply]] = []
    start = text.find("SMTP server error:")
    while start >= 0:
        detail_at = text.find("Detail:", start)
        code_at = text.find("SMTP code:", detail_at) if detail_at >= 0 else -1
        m = _PHP_CODE.match(text, code_at + len("SMTP code:")) if code_at >= 0 else None
        if m is None:
            break
        detail = text[detail_at + len("Detail:"):code_at].strip()
        status = m.group("status")
        lead = _REPLY.match(detail)
        if lead and lead.group("basic") is None:
            status = status or lead.group("status")
            detail = detail[lead.end():].strip()
        body = " ".join(p for p in (m.group("basic"), status, detail) if p)
        reply = Reply(m.group("basic"), status, _clean_tail(body), None, None, (), start)
        found.append((start, _annotate(reply)))
        start = text.find("SMTP server error:", m.end())
    return found


def _apply_phpmailer(replies: list[Reply], php: list[tuple[int, Reply]]) -> list[Reply]:
    """PHPMailer repeats one reply three times in its message: keep the folded one."""
    if not php:
        return replies
    statuses = {r.status_code for _, r in php}
    codes = {r.reply_code for _, r in php}
    kept = [r for r in replies
            if not (r.status_code in statuses or (r.status_code is None and r.reply_code in codes))]
    return sorted(kept + [r for _, r in php], key=lambda r: r.start)


_POSTFIX_NOTE = lazyre.compile(r"\s*\(in reply to [A-Za-z ]{1,40}command\)$")
_QUOTE_ENDS = ("'", '"', ")", "}", "’", "”")
_PAIRS = ("[]", "<>", "{}", "()")


def _clean_tail(chunk: str) -> str:
    """Drop what quotes or wraps a reply: quotes, ``##``, ``')}``, an unbalanced ``]``/``>``, blanks."""
    text = chunk.rstrip()
    if "(in reply to " in text:
        text = _POSTFIX_NOTE.sub("", text)
    last = text[-1:]
    if last.isalnum() and not (last in "nr" and text[-2:-1] == "\\"):
        return text  # (most replies end in a word: nothing below would change it)
    while True:
        before = text
        text = text.rstrip(" \t\r\n")
        for junk in ("##", "#SMTP#", "\\r\\n", "\\n", "\\r", "`", "\\"):
            text = text.removesuffix(junk)
        quote = text.endswith(_QUOTE_ENDS[:2] + _QUOTE_ENDS[4:])
        closes_quote = text.endswith((")", "}", ",", ";")) and text[:-1].rstrip().endswith(_QUOTE_ENDS)
        unbalanced = any(text.endswith(c) and text.count(c) > text.count(o) for o, c in _PAIRS)
        if quote or closes_quote or unbalanced:
            text = text[:-1]
        if text == before:
            return text
