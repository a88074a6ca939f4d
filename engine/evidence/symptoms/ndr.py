"""Non-delivery and delay reports → ``Symptom`` facts (origin "ndr").

Two shapes, told apart by content:
- **.eml** (RFC 5322 headers at the top): parsed with the stdlib ``email`` package. The RFC 3464
  ``message/delivery-status`` part is read first (Reporting-MTA → generating server, per recipient
  Final-Recipient, Status, Remote-MTA, Diagnostic-Code, Last-Attempt-Date), then the human-readable
  ``text/plain`` parts after MIME decoding (quoted-printable soft breaks split the key strings in the
  raw file), and ``text/html`` only when no plain part exists. The bounced message's own headers
  (``text/rfc822-headers``, ``message/rfc822``) are skipped.
- **pasted text** (Outlook copy with ``From:/Sent:/To:/Subject:``, Exchange 2010 ``#550 … ##``, 2013+
  ``Remote Server returned '…'``, delay notices, localised bodies): read line by line (``ndr_text``).

Provenance points at a line of the file as the user has it. For .eml that is the raw line of the
``Diagnostic-Code:`` header when the DSN part carries the reply (preferred: it is unbroken), else the
raw line where the decoded text line starts (quoted-printable continuation lines are followed back;
for base64 parts, the first line of the part's body). The same reply for the same recipient in the
DSN and the text part is one fact; the text part fills what the DSN lacks (e.g. the remote host).
``seen_at`` is the DSN Last-Attempt-Date, else the report's own ``Date:`` header (both carry a zone);
pasted text has only local times, so it stays unknown.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from ... import lazyre
from ...errors import EvidenceError
from ...facts import Symptom
from ...utctime import format_utc
from ..base import Document, ParseResult
from .ndr_text import GENERATING_LINE, Finding, analyse, dedupe, symptom

if TYPE_CHECKING:  # the email package's parser (~3 ms to import) is loaded only for a report mimelite
    from email.message import Message  # does not read (mimelite: only for an .eml)

    from .mimelite import Part

    Msg = Message | Part

KIND = "ndr"

MAX_SIZE = 32 * 1024 * 1024

_HEADER_LINE = lazyre.compile(r"^[A-Za-z0-9][A-Za-z0-9\-]{0,60}:[ \t]?")
_MIME_HEADERS = ("mime-version", "content-type", "received", "return-path", "message-id", "x-ms-exchange-")
# Lines that only an NDR has, anchored so that prose quoting them (a README, a ticket) is not one.
_NDR_LINES = (
    lazyre.compile(r"^\s*Remote Server returned '", re.MULTILINE),
    lazyre.compile(r"^(?:[^'\n]{0,40} - )?Remote Server at \S+ (?:\([^)\n]*\) )?returned '", re.MULTILINE),
    lazyre.compile(r"^\s*\S+\s+#[245]\d\d [245]\.[0-7]\.\d{1,3}\b.*##\s*$", re.MULTILINE),
    lazyre.compile(r"^\s*(?:Delivery has failed to|Delivery is delayed to) these recipients or groups:\s*$",
               re.MULTILINE),
    lazyre.compile(r"^\S+ rejected your message to the following e-?mail addresses:\s*$", re.MULTILINE),
    lazyre.compile(
        r"^\s*(?:Diagnostic information for administrators|Diagnoseinformationen f[üu]r Administratoren"
        r"|Informations de diagnostic pour les administrateurs"
        r"|Informaci[óo]n de diagn[óo]stico para administradores"
        r"|Informazioni di diagnostica per gli amministratori"
        r"|Diagnostische gegevens voor beheerders)\s*:\s*$",
        re.MULTILINE | re.IGNORECASE,
    ),
    GENERATING_LINE,
)
_EML_NDR_MARKERS = lazyre.compile(
    r"multipart/report|message/delivery-status|X-MS-Exchange-Message-Is-Ndr|^Subject:\s*(?:Undeliverable|"
    r"Delivery (?:Status Notification|delayed|has failed)|Undelivered Mail|Mail delivery failed|"
    r"Returned mail|"
    r"failure notice|Non remis|Unzustellbar|No se puede entregar|Non recapitabile|Onbestelbaar)",
    re.IGNORECASE | re.MULTILINE,
)
_DSN_TYPE = lazyre.compile(r"^content-type:\s*message/delivery-status", re.IGNORECASE)
_DIAG_FIELD = lazyre.compile(r"^diagnostic-code:", re.IGNORECASE)
_STATUS_FIELD = lazyre.compile(r"^status:", re.IGNORECASE)
_STATUS = lazyre.compile(r"(?<![\w.])[45]\.[0-7]\.\d{1,3}(?![\d.]\d|\d)")


def sniff(doc: Document) -> bool:
    try:
        head = doc.head_text()
        if "-----BEGIN " in head or head.lstrip().startswith("#Software:"):
            return False  # certificates and Exchange/IIS logs have their own parsers
        if _is_eml(head):
            return bool(_EML_NDR_MARKERS.search(head))
        markers = sum(1 for marker in _NDR_LINES if marker.search(head))
        return markers >= 2 and bool(_STATUS.search(head))
    except Exception:  # a sniff is a guess; failing to guess means "not mine"
        return False


def parse(doc: Document) -> ParseResult:
    if doc.size > MAX_SIZE:
        raise EvidenceError(f"too large for a delivery report ({doc.size:,} bytes)", doc.name)
    text = doc.text()
    if _is_eml(text[:65536]):
        facts, detail = _parse_eml(doc, text)
    else:
        findings = dedupe(analyse(text))
        facts = [symptom(f, doc.name, f.line, "ndr") for f in findings]
        detail = "pasted delivery report"
    if not facts:
        raise EvidenceError("delivery report without an SMTP status code", doc.name)
    codes = ", ".join(dict.fromkeys(f.code for f in facts))
    return ParseResult(facts=list(facts), detail=f"{detail}: {codes}")


# ---------------------------------------------------------------------------------------------
# .eml
# ---------------------------------------------------------------------------------------------


def _is_eml(text: str) -> bool:
    """RFC 5322 headers from the first line, including at least one a mail system writes."""
    names: list[str] = []
    for line in text.lstrip("\n").split("\n")[:200]:
        if not line.strip():
            break
        if line[0] in " \t":
            continue  # folded header
        if not _HEADER_LINE.match(line):
            return False
        names.append(line.split(":", 1)[0].lower())
    if "sent" in names:  # Outlook's copied header block (From/Sent/To/Subject) is pasted text
        return False
    return len(names) >= 2 and any(n.startswith(_MIME_HEADERS) for n in names)


def _parse_eml(doc: Document, text: str) -> tuple[list[Symptom], str]:
    msg, read = _plain_message(text), _PLAIN
    if msg is None:  # a header the fast reading cannot vouch for: the email package's own policy
        _within_the_email_packages_bounds(doc, text)
        import email
        from email import policy

        try:
            msg = email.message_from_string(text, policy=policy.default)
        except Exception as exc:  # the email package raises a zoo of types on hostile input
            raise EvidenceError(f"unreadable e-mail message: {exc}", doc.name) from None
        read = _DEFAULT
    raw_lines = text.split("\n")
    dsn: list[Finding] = []
    body: list[Finding] = []
    report_date = _iso(read.date(msg))
    try:
        parts = list(_leaves(msg, read))
        # each get_content_type() re-parses the header under policy.default: once per part
        types = [p.get_content_type() for p in parts]
        plain_exists = "text/plain" in types
        for part, ctype in zip(parts, types, strict=True):
            if ctype == "message/delivery-status":
                dsn.extend(_dsn_findings(part, raw_lines, read))
            elif ctype == "text/plain" or (ctype == "text/html" and not plain_exists):
                body.extend(_body_findings(part, text, raw_lines, read))
    except EvidenceError:
        raise
    except Exception as exc:
        raise EvidenceError(f"unreadable MIME structure: {exc}", doc.name) from None
    merged = dedupe(dsn + body)
    facts = [symptom(replace(f, seen_at=f.seen_at or report_date), doc.name, f.line or None, "ndr")
             for f in merged]
    kind = "delivery status notification (RFC 3464)" if dsn else "e-mail delivery report"
    return facts, kind


# -- reading the message: the email package's policy.default, or the same answers faster -------------
# ``policy.default`` parses every header it is asked for into an object (its import and the parsing
# are ~9 ms of a run with one NDR). A report whose Content-Type and Content-Transfer-Encoding headers
# are plain (a type, ``name=value`` parameters, a value quoted without escapes; no comments, encoded
# words or RFC 2231 continuations) parses into the same parts under the legacy ``compat32`` policy,
# whose headers are the raw text: the parser's decisions (multipart or not, the boundary) read only
# those headers, and for plain ones both policies give the same type and parameters. Its header
# values then give what ``str()`` of ``policy.default``'s gives (below); any other report is read
# with ``policy.default`` itself. The ``compat32`` parse is ``mimelite``'s port of it, which spares
# importing the email package's parser (~3 ms) for the common report.

_TOKEN = r"[!#$&+.^_`|~0-9A-Za-z-]+"  # RFC 2045 token characters but RFC 2231's "*", "'" and "%"
_FOLD = r"(?:[ \t]|\n[ \t])*"  # blanks, and line breaks of a folded header
_PLAIN_TYPE = lazyre.compile(
    rf"{_FOLD}{_TOKEN}/{_TOKEN}{_FOLD}(?:;{_FOLD}{_TOKEN}{_FOLD}={_FOLD}(?:{_TOKEN}|\"[^\"\\\r\n]*\"){_FOLD})*"
)
_PLAIN_CTE = lazyre.compile(rf"[ \t]*{_TOKEN}[ \t]*")


# What the email package's parser is given (``policy.default``): its parameter split counts the quotes
# before each ";" afresh (quadratic in a type header's length: ~25 s for 200 KB) and each line read
# is tested against every open boundary (lines x nesting depth: ~6 s for 200,000 lines under 300
# levels). A delivery report's type headers are a few hundred characters, its parts nested ~5 deep.
MAX_TYPE_HEADER = 16 * 1024
MAX_NESTING = 16


def _within_the_email_packages_bounds(doc: Document, text: str) -> None:
    """EvidenceError for an .eml whose MIME tree (``mimelite``'s reading, linear) would cost the
    email package's parser minutes to hours: a type header or a nesting past the bounds above."""
    from . import mimelite

    too_deep = EvidenceError(f"MIME parts nested more than {MAX_NESTING} deep: not a delivery report "
                             "relaydoctor reads", doc.name)
    try:
        lite = mimelite.parse(text)
    except RecursionError:
        raise too_deep from None
    except Exception:  # the email package decides (and words the error)
        return
    pending = [] if lite is None else [(lite, 0)]
    while pending:
        part, depth = pending.pop()
        if depth > MAX_NESTING:
            raise too_deep
        for name, value in part.items():
            if name.lower() == "content-type" and len(value) > MAX_TYPE_HEADER:
                raise EvidenceError(f"a Content-Type header of {len(value):,} characters (more than "
                                    f"{MAX_TYPE_HEADER:,}): not a delivery report relaydoctor reads",
                                    doc.name)
        if part.is_multipart():
            pending.extend((sub, depth + 1) for sub in part.get_payload())


def _plain_message(text: str) -> Part | None:
    """The message as ``compat32`` parses it (``mimelite``: the same parts, without importing the
    email package's parser) when all its parts' type headers are plain; else None."""
    from . import mimelite

    try:
        msg = mimelite.parse(text)
        if msg is None:
            return None
        for part in msg.walk():
            for name, rx in (("Content-Type", _PLAIN_TYPE), ("Content-Transfer-Encoding", _PLAIN_CTE)):
                for value in part.get_all(name) or ():
                    if not isinstance(value, str) or "=?" in value or not rx.fullmatch(value):
                        return None
    except Exception:  # whatever goes wrong here, policy.default decides (and words the error)
        return None
    return msg


class _Default:
    """Header values and text content as ``policy.default`` gives them."""

    @staticmethod
    def is_part(obj: object) -> bool:
        from email.message import Message

        return isinstance(obj, Message)

    @staticmethod
    def header(part: Msg, name: str) -> str | None:
        value = part.get(name)
        return None if value is None else str(value)

    date = staticmethod(lambda msg: _Default.header(msg, "Date"))

    @staticmethod
    def content(part: Msg) -> str | None:
        from email.message import EmailMessage

        try:
            content = part.get_content() if isinstance(part, EmailMessage) else part.get_payload(decode=True)
        except LookupError:  # a charset Python does not know: the text read as UTF-8 (see _Plain)
            content = part.get_payload(decode=True)
        if isinstance(content, bytes):
            content = content.decode("utf-8", errors="replace")
        return content if isinstance(content, str) else None


class _Plain:
    """The same values from a ``compat32`` message: an unstructured header's ``str`` is its raw text
    with line breaks removed (``EmailPolicy.header_fetch_parse``) unless it holds encoded words;
    a Date header's is ``format_datetime`` of its date (``headerregistry.DateHeader.parse``); text
    content is ``contentmanager.get_text_content``'s. The parts are ``mimelite``'s."""

    @staticmethod
    def is_part(obj: object) -> bool:
        from .mimelite import Part

        return isinstance(obj, Part)

    @staticmethod
    def header(part: Msg, name: str) -> str | None:
        found = _Plain._raw(part, name)
        if found is None:
            return None
        key, raw = found
        if "=?" in raw:  # encoded words: policy.default's own decoding (its import is rare)
            from email import policy

            return str(policy.default.header_fetch_parse(key, raw))
        return raw.replace("\n", "").replace("\r", "")

    @staticmethod
    def date(msg: Msg) -> str | None:
        found = _Plain._raw(msg, "Date")
        if found is None:
            return None
        value = found[1].replace("\n", "").replace("\r", "")
        if not value:
            return value
        from email.utils import format_datetime, parsedate_to_datetime

        try:
            moment = parsedate_to_datetime(value)
        except ValueError:  # as DateHeader: kept as written (other errors are not caught there either)
            return value
        return format_datetime(moment)

    @staticmethod
    def _raw(part: Msg, name: str) -> tuple[str, str] | None:
        """The first ``name`` header as written (``Message.get``'s choice), with its name."""
        wanted = name.lower()
        return next(((k, v) for k, v in part.items() if k.lower() == wanted), None)

    @staticmethod
    def content(part: Msg) -> str:
        payload = part.get_payload(decode=True)
        try:
            return payload.decode(part.get_param("charset", "ASCII"), errors="replace")  # type: ignore[union-attr,arg-type]
        except LookupError:  # a charset Python does not know (x-unknown): its text read as UTF-8, a
            # superset of the ASCII a report's status lines are, rather than the report refused whole
            return payload.decode("utf-8", errors="replace")  # type: ignore[union-attr]


_PLAIN, _DEFAULT = _Plain(), _Default()
Reader = _Plain | _Default


def _leaves(msg: Msg, read: Reader):
    """Leaf parts in order, not descending into the bounced message or the DSN's field groups."""
    ctype = msg.get_content_type()
    if ctype in ("message/rfc822", "text/rfc822-headers", "message/global", "message/global-headers"):
        return
    if ctype == "message/delivery-status" or not msg.is_multipart():
        yield msg
        return
    for sub in msg.get_payload():
        if read.is_part(sub):
            yield from _leaves(sub, read)


def _dsn_findings(part: Msg, raw_lines: list[str], read: Reader) -> list[Finding]:
    groups = part.get_payload()
    if not isinstance(groups, list) or not groups:
        return []
    reporting = _mta(read.header(groups[0], "Reporting-MTA"))
    begin = next((i for i, line in enumerate(raw_lines) if _DSN_TYPE.match(line)), 0)
    diag_lines = iter(i + 1 for i in range(begin, len(raw_lines)) if _DIAG_FIELD.match(raw_lines[i]))
    status_lines = iter(i + 1 for i in range(begin, len(raw_lines)) if _STATUS_FIELD.match(raw_lines[i]))
    out: list[Finding] = []
    for group in groups[1:]:
        if not read.is_part(group):
            continue
        diag, status = _header(group, "Diagnostic-Code", read), _header(group, "Status", read)
        found: list[Finding] = []
        if diag:
            line = next(diag_lines, None)
            reply = diag.split(";", 1)[1] if diag.lower().startswith("smtp;") else diag
            found = [replace(f, line=line or 0, excerpt=f"Diagnostic-Code: {diag}") for f in analyse(reply)]
        status_line = next(status_lines, None) if status else None
        code = _STATUS.search(status or "")
        if code and not any(f.code == code.group(0) for f in found):
            found.append(Finding(code=code.group(0), line=status_line or 0, excerpt=f"Status: {status}"))
        recipient = _address(_header(group, "Final-Recipient", read)
                             or _header(group, "Original-Recipient", read))
        remote, when = _mta(read.header(group, "Remote-MTA")), _iso(read.header(group, "Last-Attempt-Date"))
        out.extend(
            replace(
                f,
                recipient=f.recipient or recipient,
                remote_server=f.remote_server or remote,
                host=f.host or f.remote_server or remote,
                generating_server=f.generating_server or reporting,
                seen_at=when,
            )
            for f in found
        )
    return out


def _body_findings(part: Msg, text: str, raw_lines: list[str], read: Reader) -> list[Finding]:
    content = read.content(part)
    if not isinstance(content, str):
        return []
    content = content.replace("\r\n", "\n").replace("\r", "\n")
    if part.get_content_type() == "text/html":
        content = _html_text(content)
    line_map = _raw_line_map(part, text, content, read)
    return [replace(f, line=line_map(f.line) or 0) for f in analyse(content)]


def _raw_line_map(part: Msg, text: str, decoded: str, read: Reader):
    """decoded line number (1-based) → raw file line number (1-based), or None if unknown."""
    raw = part.get_payload(decode=False)
    if not isinstance(raw, str) or not raw.strip():
        return lambda _n: None
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    pos = text.find(raw)
    if pos < 0:
        return lambda _n: None
    first = text.count("\n", 0, pos) + 1
    cte = (read.header(part, "Content-Transfer-Encoding") or "").strip().lower()
    if part.get_content_type() == "text/html" or cte == "base64":
        return lambda _n: first
    if cte != "quoted-printable":
        return lambda n: first + n - 1
    starts, continuing = [], False
    for offset, line in enumerate(raw.split("\n")):
        if not continuing:
            starts.append(first + offset)
        continuing = line.rstrip(" \t").endswith("=")
    if len(starts) < decoded.count("\n") + 1 - (1 if decoded.endswith("\n") else 0):
        return lambda _n: first  # encoded line breaks (=0A): the mapping is no longer exact
    return lambda n: starts[n - 1] if 0 < n <= len(starts) else first


def _header(group: Msg, name: str, read: Reader) -> str | None:
    value = read.header(group, name)
    if value is None:
        return None
    return " ".join(value.split()) or None


def _mta(value) -> str | None:
    """``dns;EXCH01.corp.contoso.com`` → ``exch01.corp.contoso.com``."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    text = text.split(";", 1)[1] if ";" in text else text
    text = text.strip().strip("[]").rstrip(".").lower()
    return text.split()[0] if text else None


def _address(value: str | None) -> str | None:
    if not value:
        return None
    text = value.split(";", 1)[1] if ";" in value else value
    text = text.strip().strip("<>").lower()
    return text or None


def _iso(value) -> str | None:
    if value is None:
        return None
    try:
        from email.utils import parsedate_to_datetime

        moment = parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return format_utc(moment)  # naive = RFC 5322 "-0000": UTC, origin unknown


def _html_text(markup: str) -> str:
    markup = re.sub(r"(?is)<(script|style)\b.*?</\1>", "", markup)
    markup = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</tr>|</li>", "\n", markup)
    import html

    return html.unescape(re.sub(r"<[^>]*>", "", markup))
