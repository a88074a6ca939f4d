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

import csv
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


def split_row(text: str, width: int, data_index: int) -> list[str] | None:
    """The fields of one row, or None when it has too few. Extra unquoted commas go to ``data``."""
    text = text.rstrip("\r\n")
    if '"' in text:
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
