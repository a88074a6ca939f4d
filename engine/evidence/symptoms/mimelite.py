"""The email package's ``compat32`` reading of a message, without the email package's parser.

``ndr.py`` reads a delivery report with plain type headers as ``email.parser.Parser(policy=
compat32)`` reads it (see ``ndr._Plain``). Importing that parser costs ~2.7 ms of a diagnosis
(``email.feedparser``, ``message``, ``_policybase``, ``header``, ``_encoded_words``, ``parser``,
``iterators``: issue 11, start-up latency) and its parse ~1 ms more, for what is a few dozen lines
of a report. This module is that reading ported: ``FeedParser._parsegen`` and ``_parse_headers``
with ``BufferedSubFile``'s line splitting and false-EOF stack (CPython 3.11 ``email/feedparser.py``),
``compat32.header_source_parse``, and the ``email.message.Message`` methods ``ndr.py`` calls, step
for step and in the same order (a reader checking it against the stdlib should find each branch
there). The helpers it needs from ``email.utils`` (``decode_params``, ``unquote``,
``collapse_rfc2231_value``) are imported by the dependencies' import floor anyway.

What is left out is what nothing here reads: defects, the envelope ``From`` line, preambles and
epilogues (the trailing line break a boundary takes from a *payload* is kept), and a Message's
writing side. A text with surrogates (undecodable bytes) is not read here (``parse`` gives None):
``compat32`` turns such headers into ``Header`` objects. ``tests/engine/evidence/
test_ndr_mimelite.py`` compares every part, header, payload and parameter with the real parser.
"""

from __future__ import annotations

import base64
import binascii
import io
import quopri
from collections import deque
from email.utils import collapse_rfc2231_value, decode_params, unquote

from ... import lazyre

# feedparser.headerRE: a header line, a continuation, or the envelope line
_HEADER_LINE = lazyre.compile(r"^(From |[\041-\071\073-\176]*:|[\t ])")
_UU = ("x-uuencode", "uuencode", "uue", "x-uue")
_MISSING = object()


class Part:
    """One message or body part, as ``email.message.Message`` holds it after a ``compat32`` parse."""

    __slots__ = ("_default_type", "_headers", "_payload")

    def __init__(self) -> None:
        self._headers: list[tuple[str, str]] = []
        self._payload: str | list[Part] | None = None
        self._default_type = "text/plain"

    def __len__(self) -> int:  # Message.__len__: the feed parser tests a message's truth with it
        return len(self._headers)

    def __contains__(self, name: str) -> bool:
        return name.lower() in [k.lower() for k, _ in self._headers]

    def items(self) -> list[tuple[str, str]]:
        return list(self._headers)  # compat32.header_fetch_parse: the raw value (no surrogates here)

    def get(self, name: str, failobj=None):
        name = name.lower()
        for k, v in self._headers:
            if k.lower() == name:
                return v
        return failobj

    def get_all(self, name: str, failobj=None):
        name = name.lower()
        values = [v for k, v in self._headers if k.lower() == name]
        return values or failobj

    def is_multipart(self) -> bool:
        return isinstance(self._payload, list)

    def walk(self):
        yield self
        if self.is_multipart():
            for sub in self._payload:  # type: ignore[union-attr]
                yield from sub.walk()

    def get_content_type(self) -> str:
        value = self.get("content-type", _MISSING)
        if value is _MISSING:
            return self._default_type
        ctype = _splitparam(value)[0].lower()
        if ctype.count("/") != 1:
            return "text/plain"
        return ctype

    def get_content_maintype(self) -> str:
        return self.get_content_type().split("/")[0]

    def get_param(self, param: str, failobj=None, header: str = "content-type"):
        if header not in self:
            return failobj
        for k, v in self._params(header):
            if k.lower() == param.lower():
                if isinstance(v, tuple):  # message._unquotevalue
                    return v[0], v[1], unquote(v[2])
                return unquote(v)
        return failobj

    def _params(self, header: str) -> list:
        """``Message._get_params_preserve`` (only called for a header the part has)."""
        params = []
        for p in _parseparam(self.get(header)):
            try:
                name, val = p.split("=", 1)
                name = name.strip()
                val = val.strip()
            except ValueError:
                name = p.strip()
                val = ""
            params.append((name, val))
        return decode_params(params)

    def get_boundary(self, failobj=None):
        boundary = self.get_param("boundary", _MISSING)
        if boundary is _MISSING:
            return failobj
        return collapse_rfc2231_value(boundary).rstrip()

    def get_payload(self, decode: bool = False):
        """``Message.get_payload(decode=...)`` of a payload without surrogates."""
        if self.is_multipart():
            return None if decode else self._payload
        payload = self._payload
        if not decode:
            return payload
        cte = str(self.get("content-transfer-encoding", "")).lower()
        if isinstance(payload, str):
            try:
                bpayload = payload.encode("ascii")
            except UnicodeError:
                bpayload = payload.encode("raw-unicode-escape")
        if cte == "quoted-printable":
            return quopri.decodestring(bpayload)
        if cte == "base64":
            return _decode_b(b"".join(bpayload.splitlines()))
        if cte in _UU:
            raise _NotHere("uuencoded payload")  # parse() refuses these reports up front
        if isinstance(payload, str):
            return bpayload
        return payload


class _NotHere(Exception):
    """A report this reading does not take (the email package reads it)."""


def parse(text: str) -> Part | None:
    """The message ``Parser(policy=compat32).parsestr(text)`` gives, or None for a text with
    surrogates or a uuencoded part (read by the email package)."""
    try:
        text.encode()
    except UnicodeEncodeError:  # utils._has_surrogates
        return None
    root = _FeedParser(text).parse()
    for part in root.walk():
        if not part.is_multipart() and str(part.get("content-transfer-encoding", "")).lower() in _UU:
            return None
    return root


def _splitparam(param: str) -> tuple[str, str | None]:
    a, sep, b = str(param).partition(";")
    if not sep:
        return a.strip(), None
    return a.strip(), b.strip()


def _parseparam(s: str) -> list[str]:
    """``email.message._parseparam``: the parameters split at each ``;`` outside quotes. The
    email package counts the quotes before each candidate ``;`` afresh, quadratic in the header's
    length (a 200 KB type header of quoted semicolons took ~30 s); here the count carries on from
    the previous candidate, the same splits (no ``\\"`` spans a ``;``)."""
    s = str(s)
    plist = []
    start, n = 0, len(s)
    while True:
        end = s.find(";", start)
        counted, odd = start, 0
        while end > start:
            odd = (odd + s.count('"', counted, end) - s.count('\\"', counted, end)) % 2
            if not odd:
                break
            counted, end = end, s.find(";", end + 1)
        if end < 0:
            end = n
        f = s[start:end]
        if "=" in f:
            i = f.index("=")
            f = f[:i].strip().lower() + "=" + f[i + 1:].strip()
        plist.append(f.strip())
        if end >= n:
            return plist
        start = end + 1


def _decode_b(encoded: bytes) -> bytes:
    """``email._encoded_words.decode_b``'s value (its defects are not kept)."""
    pad_err = len(encoded) % 4
    missing_padding = b"==="[:4 - pad_err] if pad_err else b""
    try:
        return base64.b64decode(encoded + missing_padding, validate=True)
    except binascii.Error:
        try:
            return base64.b64decode(encoded, validate=False)
        except binascii.Error:
            try:
                return base64.b64decode(encoded + b"==", validate=False)
            except binascii.Error:
                return encoded


def _blank(line: str) -> bool:
    """feedparser.NLCRE.match: the line starts with a line break."""
    return line[:1] in ("\r", "\n")


def _strip_eol(text: str) -> str:
    """``text`` without one trailing line break (feedparser.NLCRE_eol)."""
    if text.endswith("\r\n"):
        return text[:-2]
    if text.endswith(("\r", "\n")):
        return text[:-1]
    return text


def boundary_match(separator: str, line: str) -> tuple[bool, str | None] | None:
    """What ``re.match('(?P<sep>' + re.escape(separator) + r')(?P<end>--)?(?P<ws>[ \\t]*)
    (?P<linesep>\\r\\n|\\r|\\n)?$', line)`` finds (the feed parser's boundary pattern, compiled per
    boundary: ~0.15 ms each): (``end`` matched, ``linesep``), or None."""
    if not line.startswith(separator):
        return None
    rest = line[len(separator):]
    if rest.startswith("--"):
        linesep = _tail(rest[2:])
        if linesep is not False:
            return True, linesep
    linesep = _tail(rest)
    return None if linesep is False else (False, linesep)


def _tail(rest: str) -> str | bool | None:
    """``[ \\t]*(\\r\\n|\\r|\\n)?$`` at the start of ``rest``: the line break taken (None: none), or
    False when it does not match (``$`` is the end, or before a final ``\\n``)."""
    r = rest.lstrip(" \t")
    for sep in ("\r\n", "\r", "\n"):
        if r.startswith(sep) and r[len(sep):] in ("", "\n"):
            return sep
    return None if r in ("", "\n") else False


class _FeedParser:
    """``FeedParser`` over a whole text (``parsestr``): its lines are all there, so the parse is
    a plain recursion instead of a generator waiting for data, with the same results."""

    def __init__(self, text: str):
        # BufferedSubFile: lines split at \r, \n and \r\n, each keeping its line break
        self._lines = deque(io.StringIO(text, newline="").readlines())
        # BufferedSubFile's false-EOF stack (a read ends at a line any of its tests takes, whatever
        # their order), kept as what the tests look for: per line one look-up, not one test per
        # level of nesting (the email package's; ~1.5 s per 100 levels and 100,000 lines)
        self._eof_blanks = 0  # delivery-status blocks open: a blank line ends each
        self._eof_separators: dict[str, int] = {}  # the open multiparts' separators: a boundary line
        self._msgstack: list[Part] = []
        self._cur: Part | None = None
        self._last: Part | None = None

    def parse(self) -> Part:
        self._parsegen()
        return self._pop_message()

    # -- BufferedSubFile ---------------------------------------------------------------------------

    def _readline(self) -> str:
        if not self._lines:
            return ""
        line = self._lines.popleft()
        if (self._eof_blanks and _blank(line)) or (self._eof_separators and self._at_separator(line)):
            self._lines.appendleft(line)
            return ""
        return line

    def _at_separator(self, line: str) -> bool:
        """``boundary_match(separator, line)`` for some open separator: the line is a separator,
        then ``--`` or not, blanks and a line break (a boundary has no trailing blanks:
        ``get_boundary``), so without its line break and blanks it is one, or one and ``--``."""
        if not line.startswith("--"):
            return False
        core = _strip_eol(line).rstrip(" \t")
        return core in self._eof_separators or (core.endswith("--") and core[:-2] in self._eof_separators)

    def _push_eof(self, separator: str | None) -> None:
        """``push_eof_matcher``: a blank line (None) or a boundary line of ``separator``."""
        if separator is None:
            self._eof_blanks += 1
        else:
            self._eof_separators[separator] = self._eof_separators.get(separator, 0) + 1

    def _pop_eof(self, separator: str | None) -> None:
        if separator is None:
            self._eof_blanks -= 1
        elif self._eof_separators[separator] == 1:
            del self._eof_separators[separator]
        else:
            self._eof_separators[separator] -= 1

    def _unreadline(self, line: str) -> None:
        self._lines.appendleft(line)

    def _rest(self):
        while line := self._readline():
            yield line

    # -- FeedParser ----------------------------------------------------------------------------------

    def _new_message(self) -> None:
        msg = Part()
        if self._cur and self._cur.get_content_type() == "multipart/digest":
            msg._default_type = "message/rfc822"
        if self._msgstack:
            parent = self._msgstack[-1]
            if parent._payload is None:  # Message.attach
                parent._payload = [msg]
            elif isinstance(parent._payload, list):
                parent._payload.append(msg)
            else:
                raise TypeError("Attach is not valid on a message with a non-multipart payload")
        self._msgstack.append(msg)
        self._cur = msg
        self._last = msg

    def _pop_message(self) -> Part:
        retval = self._msgstack.pop()
        self._cur = self._msgstack[-1] if self._msgstack else None
        return retval

    def _parsegen(self) -> None:
        self._new_message()
        cur = self._cur
        assert cur is not None
        headers = []
        for line in self._rest():
            if not _HEADER_LINE.match(line):
                if not _blank(line):  # a body line (MissingHeaderBodySeparatorDefect)
                    self._unreadline(line)
                break
            headers.append(line)
        self._parse_headers(headers)
        ctype = cur.get_content_type()
        if ctype == "message/delivery-status":
            # blocks of headers separated by blank lines, each a nested message without a body
            while True:
                self._push_eof(None)
                self._parsegen()
                self._pop_message()
                self._pop_eof(None)
                self._readline()  # the blank line
                line = self._readline()
                if line == "":
                    break
                self._unreadline(line)
            return
        if ctype.split("/")[0] == "message":
            self._parsegen()
            self._pop_message()
            return
        if ctype.split("/")[0] == "multipart":
            self._multipart(cur)
            return
        cur._payload = "".join(self._rest())

    def _multipart(self, cur: Part) -> None:
        boundary = cur.get_boundary()
        if boundary is None:  # NoBoundaryInMultipartDefect: the rest is the payload
            cur._payload = "".join(self._rest())
            return
        separator = "--" + boundary
        capturing_preamble = True
        preamble = []
        close_boundary_seen = False
        while True:
            line = self._readline()
            if line == "":
                break
            mo = boundary_match(separator, line)
            if mo:
                if mo[0]:  # the end boundary
                    close_boundary_seen = True
                    break
                if capturing_preamble:
                    capturing_preamble = False
                    self._unreadline(line)
                    continue
                while True:  # several boundary lines in a row make no parts
                    line = self._readline()
                    if not boundary_match(separator, line):
                        self._unreadline(line)
                        break
                self._push_eof(separator)
                self._parsegen()
                last = self._last
                assert last is not None
                # the line break before a boundary belongs to the boundary (RFC 2046)
                if last.get_content_maintype() != "multipart" and isinstance(last._payload, str):
                    last._payload = _strip_eol(last._payload)
                self._pop_eof(separator)
                self._pop_message()
                self._last = self._cur
            else:
                preamble.append(line)
        if capturing_preamble:  # StartBoundaryNotFoundDefect: the preamble is the payload
            cur._payload = "".join(preamble)
            for _line in self._rest():
                pass
            return
        if not close_boundary_seen:  # CloseBoundaryNotFoundDefect
            return
        for _line in self._rest():  # the epilogue (not kept)
            pass

    def _parse_headers(self, lines: list[str]) -> None:
        cur = self._cur
        assert cur is not None
        lastheader = ""
        lastvalue: list[str] = []
        for lineno, line in enumerate(lines):
            if line[0] in " \t":
                if not lastheader:  # FirstHeaderLineIsContinuationDefect
                    continue
                lastvalue.append(line)
                continue
            if lastheader:
                cur._headers.append(_header_source_parse(lastvalue))
                lastheader, lastvalue = "", []
            if line.startswith("From "):
                if lineno == 0:  # the envelope line
                    continue
                if lineno == len(lines) - 1:  # probably the body's first line
                    self._unreadline(line)
                    return
                continue  # MisplacedEnvelopeHeaderDefect
            i = line.find(":")
            if i == 0:  # InvalidHeaderDefect("Missing header name.")
                continue
            lastheader = line[:i]
            lastvalue = [line]
        if lastheader:
            cur._headers.append(_header_source_parse(lastvalue))


def _header_source_parse(sourcelines: list[str]) -> tuple[str, str]:
    """compat32.header_source_parse: the name as written, the value's leading blanks and final line
    break removed (inner line breaks of a folded header kept)."""
    name, value = sourcelines[0].split(":", 1)
    value = value.lstrip(" \t") + "".join(sourcelines[1:])
    return name, value.rstrip("\r\n")
