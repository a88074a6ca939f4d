"""What one line of an application's log can say, worked out once per distinct line.

The app-log reader (``diagnose``) and watch's app-log follower (``watch.applines``) read the same
lines with the same rules: the smart host a line names (``endpoint_in``), whether it speaks of AUTH,
TLS, MAIL FROM, the port or the client's IP (``session_line``), the SMTP replies on it (``recognise``),
a TLS failure without a reply, who speaks in a dialogue, a time stamp. ``info_of`` gives all of
that for a line as a ``LineInfo``, remembered per distinct line: a mailer's dialogue repeats the same
few dozen lines for every message, so most lines cost a dictionary look-up instead of a dozen
pattern searches and the reply recogniser.

A line that opens with a ``YYYY-MM-DD HH:MM:SS`` stamp (ASCII digits) and a blank or tab (PHPMailer's
``gmdate`` prefix) is remembered by what follows the stamp: no pattern here can match inside such a
stamp or reach into it (each opens with a letter, a quote, ``<``, ``(``, ``#`` or ``[``, or needs a
three-digit run or a dot that the stamp lacks; the lookbehinds and the reply cue see the blank or tab
after it; ``_DIALOGUE`` sees two non-blank words before it whatever the digits), and every offset
is the same for every such stamp. So its information is the same whatever the stamp says; only the
time (``stamp_of``) is read from the line itself. ``tests/engine/evidence/test_applog_lineinfo.py``
checks that on every line of the test corpus, fuzzed lines and generated dialogues.

A line seen once for its ids (each message's own ``250 2.6.0 <id> [InternalId=…]``, a refusal's
``[host time id]``) shares what a line differing only in those ids' digits said, with its own reply
texts (``_ID`` says which ids and why that is exact). So does Exchange Online's accept reply, whose
Message-ID, mailbox server, size, time and rate differ on every message, when nothing here reads
those characters (``_ACCEPT`` says when and why).
"""

from __future__ import annotations

import datetime as dt
import functools
import re

from ... import lazyre
from ...lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from ..relaylogs.client import SMTP_PORTS, clean_host, domain_of, public_ip
from ..symptoms.smtp_reply import Reply, continue_reply, recognise, tls_failure_span

MAX_LINE = 16384  # characters of one line that are analysed (a reply is far shorter)
MAX_RESOLVED = 4096  # names an app resolved that are remembered (IP → host name)
MAX_REMEMBERED = 4096  # distinct lines remembered (of each kind: stamped or not); then forgotten
MAX_REMEMBERED_LINE = 600  # characters: longer lines are worked out each time, never remembered

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
# ("host" itself only where ``_host_word`` finds it a word's end, as ``host\b``: Exchange's "[…, Hostname=…]"
# on each reply is none; the other alternatives holding it hold one of "_host", "smarthost" or "smtp?host".)
_ENDPOINT_WORDS = ("connect", "trying", "resolved", "said:", "_host", "smarthost", "smtphost", "smtp.host",
                   "smtp host", "_server", "smtp.server", "smtp server", "smtpserver", "mail.server",
                   "mail server", "mailserver")
_SESSION_WORDS = ("auth", "tls", "ssl", "secured", "mail from", "hello", "client host", "_user", "encryption",
                  "_port", "port")
# ... and for the patterns that read AUTH (command or setting) and TLS (STARTTLS, TLS or SSL settings)
_AUTH_SIGNS = ("auth", "user")
_TLS_WORDS = ("starttls", "connection secured", "starting tls", "encryption", "_use_", "smtpsecure", "ssl://",
              "smtps://")

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
# A command the client sends that begins a conversation or a transaction, or steers or ends one (EHLO,
# HELO, LHLO, MAIL FROM, RCPT TO, STARTTLS, AUTH, RSET, QUIT): never message text after a 354 that a
# server reply could be the fate of, so the message's data is over (its end's reply was not seen, or
# the conversation was cut off and this is the next one). Written so that a line of message text is
# rarely one: each verb stands alone or with only its argument ("CLIENT -> SERVER: Quit smoking" is
# not a QUIT); a line of text that still looks like one only loses that message's accept, never makes one.
_COMMAND = lazyre.compile(
    _CLIENT_CMD + r"(?:(?:EHLO|HELO|LHLO)\s+[^\s'\"\\]+|MAIL\s+FROM:\s*<|RCPT\s+TO:\s*<|"
    r"AUTH\s+(?:LOGIN|PLAIN|XOAUTH2|NTLM|CRAM-MD5|GSSAPI)(?:\s+[^\s'\"\\]+)?|STARTTLS|RSET|QUIT)"
    r"(?:\s*$|\s*(?:\\r\\n)?['\"]|(?<=<).)",
    re.I,
)
# (each match holds one: "from:" rather than "mail", which a message's text lines hold, X-Mailer...)
_COMMAND_WORDS = ("ehlo", "helo", "lhlo", "from:", "rcpt", "auth", "starttls", "rset", "quit")
_STARTTLS_CMD = lazyre.compile(_CLIENT_CMD + r"STARTTLS\b|\bConnection secured\b|\bStarting TLS\b", re.I)
_TLS_SETTING = lazyre.compile(r"\b(?:MAIL_ENCRYPTION\s*[:=]\s*[\"']?(?:tls|starttls)|"
                          r"EMAIL_USE_TLS\s*[:=]\s*(?:true|1)|"
                          r"SMTPSecure\s*=\s*['\"]tls|SMTP_STARTTLS\s*[:=]\s*(?:true|1))", re.I)
_IMPLICIT_TLS = lazyre.compile(r"\b(?:ssl://|smtps://|MAIL_ENCRYPTION\s*[:=]\s*[\"']?ssl|EMAIL_USE_SSL\s*[:=]\s*(?:true|1)|"
                           r"SMTPSecure\s*=\s*['\"]ssl)", re.I)
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
SOFTWARE = (
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
# One turn of a client/server SMTP dialogue as mailers print it (PHPMailer, MailKit, smtplib).
DIALOGUE = lazyre.compile(
    r"(?:CLIENT -> SERVER|SERVER -> CLIENT):|^\s*(?:\S+\s+){0,3}[CS]:\s|\b(?:send|reply):\s*b?['\"]"
)
_CLIENT_SPEAKS = lazyre.compile(r"CLIENT -> SERVER:|(?:^|\s)C:\s|\bsend:\s*b?['\"]")
# a line saying a message went out (with a 2xx reply on it, an accepted message) ...
_SENT_WORDS = lazyre.compile(
    r"\b(?:message|mail|e-?mail)\b[^\n]{0,60}?\b(?:sent|accepted|delivered|queued)\b", re.I
)
_SENT_SIGNS = ("sent", "accepted", "delivered", "queued")  # (for ASCII lines, as ``_may_hold`` says)
_NOT_SENT = lazyre.compile(r"\b(?:not|cannot|could not|couldn't|failed|failure|error|unable)\b", re.I)
# a leading date and time (PHPMailer's gmdate prefix, Laravel's [..], ISO stamps): with an offset, honoured
_STAMP = lazyre.compile(
    r"^\s*\[?(?P<at>\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d)(?:[.,]\d+)?(?P<tz>Z|[+-]\d\d:?\d\d)?"
)
# the stamp whose lines are remembered by what follows it (see the module docstring)
_PLAIN_STAMP = lazyre.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}[ \t]")
STAMP_LEN = 19
_GO_AHEAD = "354"  # the server's go-ahead for the message text: the next final reply is its fate


@dataclass(frozen=True, slots=True)
class Endpoint:
    """What a line says of the server the app talks to, before the names it resolved are applied."""

    resolved: tuple[str, str] | None  # (IP, the host name the app resolved to it)
    named: str | None  # the host or IP the first endpoint pattern that matched names (None: none did)
    matched: bool  # an endpoint pattern matched (when it names nothing usable, no other is tried)
    port: int | None
    mail_words: bool  # the line says smtp or mail


@dataclass(slots=True)
class LineInfo:
    """Everything ``info_of`` finds on one line (None / False / empty: the line does not say it).
    Shared by every line with the same text: never changed, but for ``sent`` worked out on demand."""

    endpoint: Endpoint | None  # None: the line names no server
    greeting: str | None  # the host a 220 greeting names
    session: bool  # may speak of AUTH, TLS, MAIL FROM, the port or the client's IP
    port_setting: int | None
    auth: bool  # AUTH command or setting
    starttls: bool  # STARTTLS / TLS / SSL command or setting
    mail_from: str | None  # the MAIL FROM address ("" null sender); None: no MAIL FROM
    mail_from_domain: str | None
    client_ip: str | None
    replies: tuple[Reply, ...]
    refusal: Reply | None  # the first 4xx/5xx reply
    go_ahead: bool  # a 354 reply
    accepted: Reply | None  # the first 2xx reply
    tls: tuple[str, str] | None  # a TLS failure without a reply: its code and the text from it on
    unexplained: bool  # speaks of an SMTP failure (a warning when no reply explains it)
    dialogue_client: bool  # a dialogue line the client wrote
    client_speaks: bool  # the client speaks (a reply on such a line is its text, not the server's)
    at: dt.datetime | None  # the line's stamp (a stamped line: None, read ``plain_stamp`` of the line itself)
    sent: bool | None = None  # says a message was sent, and not that it was not (None: not asked yet)
    command: bool | None = None  # the client sends a command (``sends_command``; None: not asked yet)


_plain: dict[str, LineInfo] = {}
_stamped: dict[str, LineInfo] = {}
# lines with ids, by what they say apart from the ids' digits (see ``_ids_key``): plain, stamped
_plain_ids: dict[str, LineInfo] = {}
_stamped_ids: dict[str, LineInfo] = {}


def info_of(text: str) -> tuple[LineInfo, bool]:
    """The line's information, and whether it opens with the plain stamp (whose time is then read
    from ``text[:STAMP_LEN]``; otherwise ``LineInfo.at`` is the line's time)."""
    if _PLAIN_STAMP.match(text) is not None:
        key, cache = text[STAMP_LEN:], _stamped
    else:
        key, cache = text, _plain
    info = cache.get(key)
    if info is None:
        if _ID.search(key) is not None:
            return _with_ids(text, key, cache is _stamped), cache is _stamped
        info = work_out(text, cache is _stamped)
        if len(key) <= MAX_REMEMBERED_LINE:
            if len(cache) >= MAX_REMEMBERED:
                cache.clear()
            cache[key] = info
    return info, cache is _stamped


# An id: four or more ASCII digits between "<", "=" or "[" and "@", ">", "]", "," or a blank, such as
# each message's own "250 2.6.0 <1234@host> [InternalId=5678, …] Queued mail for delivery". A line
# seen once for its ids would go through every pattern and the reply recogniser; lines differing only
# in their ids' digits instead share what the first of them says (``_with_ids``), which is right when
# nothing the line says depends on which digits an id has, only where they are. Why that holds for a
# line that names no server, no session detail (AUTH, TLS, MAIL FROM, port, client IP), no greeting
# and no TLS failure, and whose replies' texts are the line's own characters from where they start:
# - what reads a digit's value (a reply code or status: [245], [0-5], [0-7], 354, 550; ATTR\d+; a
#   leading stamp) needs, at the digit it would read inside an id, a non-digit after at most three
#   digits (an id has four or more), or before it a dot, colon, blank, backslash-n, word character or
#   line start (an id has "<", "=" or "[", and digits inside it have a digit before them);
# - what turns digits into values that an id could reach (ports after ":", "=" or a blank, client IPs,
#   MAIL FROM) is read only on a line that names a server or a session detail, and those lines never
#   share; a host (a greeting's, a bracket's) needs a dot after its digits, which an id does not have;
# - everything else sees a digit as any digit ("\d", "\w", "[^…]", counts of characters).
# So the replies are the same but for their texts, which are re-read from the line at the same places.
# ``tests/engine/evidence/test_applog_lineinfo.py`` checks it against lines worked out afresh.
#
# Exchange Online's refusals end with a time and an id in the bracket after the host that refused,
# "[AM6EUR05FT012.eop-eur05.prod.protection.outlook.com 2026-11-20T00:00:50.5+00:00 08DE0000000042AB]":
# that time and id (digits and A-F) count as ids too. Their shape is fixed here (a blank after the
# host, the stamp, a blank, 16 hex digits, "]"), so what stands between their digits is the same on
# every line that shares; nothing reads a value there: a status needs two dots (a stamp has one); a
# reply code three digits with a blank, "+" or "-" after them and no word character or dot before
# (only a fraction has three, after its dot; a continuation's code also needs a letter after the "-");
# the bracket's host ends at its blank; no word a pattern looks for is spelt in 0-9 and A-F, and in
# the 16 hex digits (a word character before each but the first, "]" after the last) nothing tells a
# digit from a letter; the line is not one naming a server or session detail (``_shareable``).
# (Each alternative opens with a character set, not a lookbehind, so that re scans for it fast; the
# first one's "<", "=" or "[" is in the match and stays as it is in the key.)
_ID = lazyre.compile(
    r"[<=\[][0-9]{4,}(?=[@>\], \t])"
    r"|[0-9](?<=[A-Za-z0-9.-] [0-9])[0-9]{3}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,7})?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2}) [0-9A-F]{16}(?=\])"
)
_SAME_ID = str.maketrans("0123456789ABCDEF", "0" * 16)


def _ids_key(key: str) -> str:
    """``key`` with every id's digits (and hex digits) zeroed, and an accept reply's own values made the
    same (``_ACCEPT``): two lines share it only if they differ in nothing else (what is zeroed still
    reads as an id, in the same places)."""
    if "KB/sec" in key:
        key = _ACCEPT.sub(_same_accept, key)
    return _ID.sub(lambda m: m.group().translate(_SAME_ID), key)


# Exchange Online's accept reply as relays log it: "250 2.6.0 <Message-ID@domain> [InternalId=14 digits,
# Hostname=AM6PR04MB1234.eurprd04.prod.outlook.com] 8547 bytes in 0.132, 63.086 KB/sec Queued mail for
# delivery". The Message-ID's left part (a client's is often ~43 letters and digits) and the mailbox
# server's first label differ on every message, and so do the size, time and rate, so without more
# no line would ever share. Lines differing only there (same lengths) share what the first said, which
# is exact when nothing the line says depends on those characters, only on where they are. Why:
# - the Message-ID's part and the label ("values": letters and digits, between "<" and "@" and between
#   "Hostname=" and ".") are taken only when inert (``_inert``): a letter among their first four
#   characters, and no three letters that begin a word any pattern or literal here holds (``_words``,
#   taken from the patterns' own text, so a pattern added later is covered too);
# - a value's letters can be read only by a literal; a literal's letters inside a value are a word of
#   three or more letters (caught), or a shorter one that needs next to it what a value's ends are not:
#   "C:", "S:", "b'", "e-mail", "CRAM-MD5", "couldn't", " at ", " in ", " on line", " to ", " as ",
#   ".js"/".py"/".cs"/".ts"/".rb" after a dot (a label comes after "=", the id part after "<"),
#   "is"/"to"/"of"/"ms" of the reply words "STARTTLS is required", "Unable to relay", "out-of-date",
#   "aka.ms/…" (blanks, "-", "." and "/" around them); stamps' "T"/"Z" between digits and "-"/":";
# - a value's digits can be read (codes, statuses, ATTR, ids, ports, stamps, IPs) only where a digit
#   has no word character before it (inside a value only its first, which is then at most three
#   digits before a letter: no code has its blank or "-", no status its dot, no id its four digits)
#   or after "ATTR" (a word, caught), a dot (a label's first digit has "=" before it) or ":" (ports,
#   read only on lines naming a server or session detail, which never share: ``_shareable``);
#   ``_MAYBE_REPLY`` and ``_STATUS`` may also see digits after a letter, but only to decide where
#   the recogniser looks, never what it finds;
# - the size, time and rate (digits zeroed): no code or status reads them (the size has "] " before
#   it, the time "in " and the rate ", ", and one dot each: a status needs two, a code a blank or "-"
#   after three digits, which a time or rate has only before its dot, never after; a three-digit size
#   before " bytes" is a reply code only with a cue before it, and "] " is none); no port, ATTR or id
#   reads them;
# - the rest of the line is the same in every line that shares (it is in the key).
# ``tests/engine/evidence/test_applog_lineinfo.py`` checks it against lines worked out afresh.
_ACCEPT = lazyre.compile(
    r"<(?P<mid>[A-Za-z0-9]{4,80})@[^<>\s]{1,255}> \[InternalId=[0-9]{4,20}, "
    r"Hostname=(?P<label>[A-Za-z0-9]{4,80})\.[A-Za-z0-9.-]{1,255}\] (?P<size>[0-9]{1,12}) bytes in "
    r"(?P<secs>[0-9]{1,6}\.[0-9]{1,6}), "
    r"(?P<rate>[0-9]{1,9}\.[0-9]{1,6}) KB/sec"
)
_ZEROS = str.maketrans("0123456789", "0" * 10)


def _same_accept(m: re.Match[str]) -> str:
    """The accept reply ``m`` with its inert values as "x"s and its size, time and rate zeroed (as it
    was when a value is not inert: then the line is shared with no other)."""
    mid, label = m.group("mid"), m.group("label")
    if not (_inert(mid) and _inert(label)):
        return m.group()
    text, at = m.group(), m.start()
    out, last = [], 0
    for name in ("mid", "label", "size", "secs", "rate"):
        start, end = m.start(name) - at, m.end(name) - at
        value = text[start:end]
        out += [text[last:start], "x" * len(value) if name in ("mid", "label") else value.translate(_ZEROS)]
        last = end
    out.append(text[last:])
    return "".join(out)


def _inert(value: str) -> bool:
    """A Message-ID part or label nothing here reads the characters of (see ``_ACCEPT``)."""
    if value[:4].isdigit():
        return False
    lower = value.lower()
    starts = _words()
    return not any(lower[i:i + 3] in starts for i in range(len(lower) - 2))


@functools.cache
def _words() -> frozenset[str]:
    """The first three letters (lowercase) of every word of three or more letters in the patterns and
    literals the line's information comes from (a value holding none holds none of those words)."""
    from ..symptoms import smtp_reply

    sources = list(_CODE_LITERALS)
    for value in [*vars(smtp_reply).values(), *globals().values()]:  # patterns, tuples of them, word lists
        items = value if isinstance(value, tuple) else (value,)
        if isinstance(value, tuple) and value and all(isinstance(x, str) for x in value):
            sources += items
        for item in items:
            for x in item if isinstance(item, tuple) else (item,):
                if isinstance(x, lazyre.LazyPattern):
                    sources.append(_letters_of_pattern(x.pattern))
    words = {w.lower() for src in sources for w in re.findall(r"[A-Za-z]{3,}", src)}
    return frozenset(w[:3] for w in words)


# literals the code here and in smtp_reply looks for in a line (besides its patterns and word tuples)
_CODE_LITERALS = ("led", "mtp", "code", "ATTR", "Hello", "Client host", "CLIENT -> SERVER:", "send:",
                  "SMTP server error:", "Detail:", "SMTP code:", "(in reply to ", "[message=", "sent")


def _letters_of_pattern(pattern: str) -> str:
    """A pattern's letters as the words it spells: "[Tt][Ll][Ss]" spells "TLS"; escapes (\\b, \\s),
    group names and other character sets spell nothing."""
    pattern = re.sub(r"\(\?P<\w+>|\\.", " ", pattern)  # (first: "\\[" opens no set)
    pattern = re.sub(r"\[([A-Za-z])([A-Za-z])\]",
                     lambda m: m.group(1) if m.group(1).lower() == m.group(2).lower() else " ", pattern)
    return re.sub(r"\[[^\]]*\]", " ", pattern)


def _with_ids(text: str, key: str, stamped: bool) -> LineInfo:
    """``info_of`` for a line holding ids (``_ID``): what a line differing only in its ids' digits said,
    with this line's reply texts, when that line could share it; else worked out."""
    if len(key) > MAX_REMEMBERED_LINE:  # (never remembered, so never found: not worth a key)
        return work_out(text, stamped)
    cache = _stamped_ids if stamped else _plain_ids
    shared = _ids_key(key)
    seen = cache.get(shared)
    if seen is not None:
        replies = tuple(
            Reply(r.reply_code, r.status_code, text[r.start:r.start + len(r.text)], r.attr, r.host, r.tokens,
                  r.start, r.continued)
            for r in seen.replies
        )
        refusal, go_ahead, accepted = outcome(replies)
        return LineInfo(  # (what ``_shareable`` let through: no server, session detail, greeting, TLS)
            None, None, False, None, False, False, None, None, None, replies, refusal, go_ahead, accepted,
            None, seen.unexplained, seen.dialogue_client, seen.client_speaks, seen.at,
        )
    info = work_out(text, stamped)
    if _shareable(info, text):
        if len(cache) >= MAX_REMEMBERED:
            cache.clear()
        cache[shared] = info
    else:  # remembered as any other line is
        exact = _stamped if stamped else _plain
        if len(exact) >= MAX_REMEMBERED:
            exact.clear()
        exact[key] = info
    return info


def _shareable(info: LineInfo, text: str) -> bool:
    """What ``info`` says of ``text`` holds for every line differing only in its ids' digits (see ``_ID``)."""
    return (
        info.endpoint is None and info.greeting is None and not info.session and info.tls is None
        and all(text[r.start:r.start + len(r.text)] == r.text for r in info.replies)
    )


def work_out(text: str, stamped: bool = False) -> LineInfo:
    """``LineInfo`` of ``text``, worked out (``info_of`` remembers it); ``stamped``: the line opens with
    the plain stamp (its time is not worked out)."""
    lower = text.lower()
    ascii_lower = lower if text.isascii() else None  # (see _holds)
    endpoint = _endpoint(text) if _may_name_endpoint(text, ascii_lower) else None
    greeting = _GREETING.search(text) if "220" in text else None
    session = _holds(ascii_lower, _SESSION_WORDS) and _MAYBE_SESSION.search(text) is not None
    auth = starttls = False
    port_setting = mail_from = domain = client_ip = None
    if session:
        pm = _PORT_SETTING.search(text) if _holds(ascii_lower, ("port",)) else None
        port_setting = int(pm.group("port")) if pm is not None else None
        auth = _holds(ascii_lower, _AUTH_SIGNS) and bool(_AUTH_CMD.search(text) or _AUTH_SETTING.search(text))
        starttls = _holds(ascii_lower, _TLS_WORDS) and any(
            rx.search(text) for rx in (_STARTTLS_CMD, _TLS_SETTING, _IMPLICIT_TLS)
        )
        if (m := _MAIL_FROM.search(text)) is not None:
            mail_from = m.group("addr")
            domain = domain_of(mail_from) if mail_from else None
        if ("Hello" in text or "Client host" in text) and (m := _CLIENT_IP.search(text)) is not None:
            client_ip = public_ip(m.group("ip") or m.group("ip2"))
    replies = tuple(recognise(text)) if _MAYBE_REPLY.search(text) else ()
    refusal, go_ahead, accepted = outcome(replies)
    tls = tls_failure_span(text) if "led" in lower else None  # (what tls_failure_span checks first)
    client_speaks = (  # (each of _CLIENT_SPEAKS' alternatives holds one of these)
        ("C:" in text or "CLIENT -> SERVER:" in text or "send:" in text)
        and _CLIENT_SPEAKS.search(text) is not None
    )
    stamp = None if stamped else _STAMP.match(text)
    return LineInfo(
        endpoint=endpoint,
        greeting=clean_host(greeting.group("host")) if greeting is not None else None,
        session=session,
        port_setting=port_setting,
        auth=auth,
        starttls=starttls,
        mail_from=mail_from,
        mail_from_domain=domain,
        client_ip=client_ip,
        replies=replies,
        refusal=refusal,
        go_ahead=go_ahead,
        accepted=accepted,
        tls=(tls[0], text[tls[1]:].strip()) if tls is not None else None,
        unexplained="mtp" in lower and _UNEXPLAINED.search(text) is not None,
        dialogue_client=client_speaks and DIALOGUE.search(text) is not None,
        client_speaks=client_speaks,
        at=None if stamp is None else _stamp(stamp.group("at"), stamp.group("tz")),
    )


def sends_command(info: LineInfo, text: str) -> bool:
    """The client sends a command on this line (``_COMMAND``, its words checked first): asked only
    while a message's data may be going out (after a 354), worked out the first time and remembered
    with the line (a message's text lines repeat)."""
    if info.command is None:
        info.command = _may_hold(text, _COMMAND_WORDS) and _COMMAND.search(text) is not None
    return info.command


def says_sent(info: LineInfo, text: str) -> bool:
    """The line says a message was sent, and not that it was not (asked of a line with a 2xx reply):
    worked out the first time it is asked and remembered (a message's own 2xx reply, which answers
    DATA and is often the only line of its kind, is never asked)."""
    if info.sent is None:
        info.sent = _may_hold(text, _SENT_SIGNS) and (
            _SENT_WORDS.search(text) is not None and _NOT_SENT.search(text) is None
        )
    return info.sent


def outcome(replies: tuple[Reply, ...] | list[Reply]) -> tuple[Reply | None, bool, Reply | None]:
    """The first refusal, whether a 354 go-ahead is among them, and the first 2xx reply."""
    refusal = accepted = None
    go_ahead = False
    for r in replies:
        if refusal is None and is_refusal(r):
            refusal = r
        go_ahead = go_ahead or r.reply_code == _GO_AHEAD
        if accepted is None and (r.reply_code or r.status_code or "")[:1] == "2":
            accepted = r
    return refusal, go_ahead, accepted


def is_refusal(reply: Reply) -> bool:
    """A 4xx/5xx reply (what becomes a symptom; ``watch`` follows the same rule)."""
    code = reply.status_code or reply.reply_code or ""
    return code[:1] in ("4", "5")


def software_of(text: str) -> str | None:
    """The first of ``SOFTWARE`` the line names (read by the reader until one is found, not remembered)."""
    return next((s for s, rx in SOFTWARE if rx.search(text)), None)


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


def plain_stamp(text: str) -> dt.datetime | None:
    """``stamp_of`` for a line ``info_of`` found stamped (its stamp has no fraction or offset)."""
    return _stamp(text[:STAMP_LEN], None)


def endpoint_in(text: str, resolved: dict[str, str]) -> tuple[str, int | None] | None:
    """The smart host (and port, if named) a line says the app talks to from here on. A name the
    app resolved (nodemailer's ``Resolved X as IP``) is noted in ``resolved`` and stands for its IP."""
    if not _may_name_endpoint(text, text.lower() if text.isascii() else None):
        return None
    return endpoint_from(_endpoint(text), resolved)


def endpoint_from(endpoint: Endpoint, resolved: dict[str, str]) -> tuple[str, int | None] | None:
    """``endpoint_in`` for a line whose ``Endpoint`` is known."""
    if endpoint.resolved is not None:
        ip, host = endpoint.resolved
        if ip in resolved or len(resolved) < MAX_RESOLVED:  # bounded: a log may resolve every MX
            resolved[ip] = host
    if not endpoint.matched:
        return None
    named = resolved.get(endpoint.named or "", endpoint.named)  # an IP the app looked up by name
    if named and (endpoint.port in SMTP_PORTS or _mail_host(named) or endpoint.mail_words):
        return named, endpoint.port
    return None


def _endpoint(text: str) -> Endpoint:
    pair = None
    if (r := _RESOLVED.search(text)) is not None and (ip := public_ip(r.group("ip"))):
        pair = (ip, clean_host(r.group("host")) or ip)
    for rx in _ENDPOINTS:
        m = rx.search(text)
        if m:
            return Endpoint(pair, clean_host(m.group("host")), True, _port(m),
                            re.search(r"\bsmtp|mail", text, re.I) is not None)
    return Endpoint(pair, None, False, None, False)


def session_line(text: str) -> bool:
    """A line that may say something about AUTH, TLS, MAIL FROM, the port or the client's IP."""
    return _may_hold(text, _SESSION_WORDS) and _MAYBE_SESSION.search(text) is not None


def _may_name_endpoint(text: str, ascii_lower: str | None) -> bool:
    """``_MAYBE_ENDPOINT`` matches ``text`` (whose ``lower()`` is given when it is ASCII); its words or a
    "host" that ends a word (``host\b``) first, for ASCII lines, as ``_may_hold`` says."""
    return (
        _holds(ascii_lower, _ENDPOINT_WORDS) or (ascii_lower is not None and _host_word(ascii_lower))
    ) and _MAYBE_ENDPOINT.search(text) is not None


def _host_word(ascii_lower: str) -> bool:
    """An ASCII line's "host" followed by no word character (\\w in ASCII: letters, digits, "_")."""
    at = ascii_lower.find("host")
    while at >= 0:
        after = ascii_lower[at + 4:at + 5]
        if not (after.isalnum() or after == "_"):
            return True
        at = ascii_lower.find("host", at + 4)
    return False


def _holds(ascii_lower: str | None, words: tuple[str, ...]) -> bool:
    """``_may_hold`` of a line whose ``lower()`` is given when the line is ASCII (None when it is not)."""
    return ascii_lower is None or any(map(ascii_lower.__contains__, words))


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
    return join_open(replies, open_reply)


def join_open(
    replies: list[Reply] | tuple[Reply, ...], open_reply: Reply | None
) -> tuple[list[Reply], Reply | None]:
    """``replies_in`` for a line whose replies are known (``replies`` is not changed)."""
    replies = list(replies)
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


def _mail_host(host: str) -> bool:
    return any(w in host for w in ("smtp", "mail", "outlook.com", "office365", "relay", "mx"))
