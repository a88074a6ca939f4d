"""The Exchange SMTP protocol log file format: header lines, column layout, row splitting.

A protocol log is CSV text after a ``#``-header (Exchange Server "Protocol logging",
https://learn.microsoft.com/en-us/exchange/mail-flow/connectors/protocol-logging)::

    #Software: Microsoft Exchange Server
    #Log-type: SMTP Send Protocol Log      (label and value in any case)
    #Fields: date-time,connector-id,session-id,sequence-number,...,event,data,context

The ``#Fields`` order is honoured; fields containing commas are CSV-quoted with ``""`` escapes.
Pure functions over bytes/str; the streaming lives in ``scan``.
"""

from __future__ import annotations

import re

from ... import lazyre
from ...lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use

DEFAULT_FIELDS = (
    "date-time",
    "connector-id",
    "session-id",
    "sequence-number",
    "local-endpoint",
    "remote-endpoint",
    "event",
    "data",
    "context",
)
_REQUIRED = ("session-id", "sequence-number", "event", "data")
_LOG_TYPE = lazyre.compile(r"^#\s*log-type\s*:\s*(?P<value>.*?)\s*$", re.IGNORECASE | re.MULTILINE)
_FIELDS = lazyre.compile(r"^#\s*fields\s*:\s*(?P<value>.*?)\s*$", re.IGNORECASE | re.MULTILINE)
_SOFTWARE = lazyre.compile(r"^#\s*software\s*:\s*microsoft exchange", re.IGNORECASE | re.MULTILINE)
# A headerless row: ISO time, connector, 16-hex session id, sequence number.
_ROW = lazyre.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z,(?:\"[^\"]*\"|[^,\"]*),[0-9A-Fa-f]{16},\d+,",
    re.MULTILINE,
)
_SEND_HINT = lazyre.compile(r",>,(?:EHLO|HELO|STARTTLS|MAIL FROM|RCPT TO)|,\*,,attempting to connect", re.I)
_RECV_HINT = lazyre.compile(r",<,(?:EHLO|HELO|STARTTLS|MAIL FROM|RCPT TO)", re.I)


def log_type(head_text: str) -> str | None:
    """"send", "receive" or None, from the ``#Log-type`` header (or, headerless, from the rows)."""
    m = _LOG_TYPE.search(head_text[:4096])
    if m:
        value = m.group("value").lower()
        if "smtp" in value and "send" in value:
            return "send"
        if "smtp" in value and "receive" in value:
            return "receive"
        return None
    if _SOFTWARE.search(head_text[:2048]) and _FIELDS.search(head_text[:4096]):
        return None  # an Exchange log of another kind (message tracking, connectivity, ...)
    if len(_ROW.findall(head_text[:16384])) >= 2:
        if _SEND_HINT.search(head_text):
            return "send"
        if _RECV_HINT.search(head_text):
            return "receive"
    return None


@dataclass(frozen=True, slots=True)
class Layout:
    """Where each column is, from ``#Fields`` (or the documented default)."""

    fields: tuple[str, ...]

    def __post_init__(self) -> None:
        missing = [f for f in _REQUIRED if f not in self.fields]
        if missing:
            raise ValueError(f"#Fields lacks {', '.join(missing)}")

    def index(self, name: str) -> int:
        try:
            return self.fields.index(name)
        except ValueError:
            return -1

    @property
    def width(self) -> int:
        return len(self.fields)

    @property
    def sid(self) -> int:
        return self.fields.index("session-id")


def parse_fields(value: str) -> tuple[str, ...]:
    """The column names of a ``#Fields:`` value, lower case."""
    return tuple(f.strip().lower() for f in value.split(",") if f.strip())


def header_fields(line: str) -> tuple[str, ...] | None:
    """Column names if ``line`` is a ``#Fields:`` header line, else None."""
    m = _FIELDS.match(line.strip())
    return parse_fields(m.group("value")) if m else None


def decode_line(raw: bytes) -> str:
    """One log line as text: UTF-8, else Windows-1252 (legacy logs), never raising."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


# Quoted rows split by ``split_quoted`` before the csv module takes over: importing it costs ~0.6 ms,
# more than a small diagnosis's few quoted rows (the first rows every scan checks) take in Python;
# a large log's thousands are split faster in C (~1 us a row less). Both read a row alike.
PYTHON_SPLITS = 256
_python_splits = PYTHON_SPLITS
# csv.field_size_limit()'s default: the csv module refuses a row with a longer field (csv.Error, so
# split_row gives None), and a row must read the same whichever of the two splits it
CSV_FIELD_LIMIT = 131072


def split_row(text: str, width: int, data_index: int) -> list[str] | None:
    """The fields of one row, or None when it has too few. Extra unquoted commas go to ``data``."""
    global _python_splits
    text = text.rstrip("\r\n")
    if '"' in text:
        fields = None
        if _python_splits > 0:
            _python_splits -= 1
            fields = split_quoted(text)
        if fields is None:  # an unusual shape, or many rows: the csv module's own reading
            import csv

            try:
                fields = next(csv.reader([text]))
            except (csv.Error, StopIteration):
                return None
    else:
        fields = text.split(",")
    if len(fields) < width:
        return None
    if len(fields) > width:
        extra = len(fields) - width
        fields[data_index : data_index + extra + 1] = [",".join(fields[data_index : data_index + extra + 1])]
    return fields


def split_quoted(text: str) -> list[str] | None:
    """``next(csv.reader([text]))`` for a row whose every field is either unquoted without a quote
    or wholly quoted (``""`` for a quote inside); None for any other shape (a quote inside an
    unquoted field, text after a closing quote, an unclosed quote, a line break or NUL, a text
    that may hold a field longer than the csv module takes), which the csv module reads.
    ``tests/engine/evidence/test_sendlog_split_quoted.py`` compares the two."""
    if "\r" in text or "\n" in text or "\x00" in text or len(text) > CSV_FIELD_LIMIT:
        return None
    if not text:
        return []  # no row at all, as csv reads it
    fields: list[str] = []
    i, n = 0, len(text)
    while True:
        if i < n and text[i] == '"':
            parts, j = [], i + 1
            while True:
                k = text.find('"', j)
                if k < 0:
                    return None
                parts.append(text[j:k])
                if not text.startswith('"', k + 1):
                    break
                parts.append('"')
                j = k + 2
            fields.append("".join(parts))
            i = k + 1
            if i == n:
                return fields
            if text[i] != ",":
                return None
            i += 1
        else:
            k = text.find(",", i)
            field = text[i:] if k < 0 else text[i:k]
            if '"' in field:
                return None
            fields.append(field)
            if k < 0:
                return fields
            i = k + 1
