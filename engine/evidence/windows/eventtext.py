"""Windows events as text: Event Viewer's "Copy details as text" / pasted event properties
(``Log Name: … Description: …``, optionally followed by ``Event Xml:``) and ``wevtutil qe <log>
/f:text`` (``Event[0]:`` then indented ``Label: value`` lines), in English, German, French,
Italian or Spanish labels (``labels.py``).

The shape reproduced in the fixtures is the one quoted in public posts about event 12014
(blog.expta.com 2010/09 "How to fix MSExchangeTransport Event ID 12014"; blogs.blackmarble.co.uk
"Exchange 2013 Cert Change - Unable to Support the STARTTLS SMTP Verb").

Text exports of CAPI2 events carry only a generic description; the chain result is in the
details, so such an event gets a warning asking for the XML export (see ``events.to_fact``).
"""

from __future__ import annotations

from ... import lazyre
from ...errors import EvidenceError
from ..base import Document, ParseResult
from ..cmdlets.values import iso, parse_time
from ..decoding import LongLines, iter_lines
from .events import EventKeeper, RawEvent, source_family, to_fact, with_symptoms
from .eventxml import event_from_xml
from .labels import field_of, language_of

KIND = "windows_event_text"
MAX_LINE = 1 << 16  # characters of a line that are read (a description, an event's XML)

_WEVTUTIL = lazyre.compile(r"^Event\[\d+\]:\s*$")
_LABEL = lazyre.compile(r"^\s*(?P<label>[^:\t\r\n]{2,40}?)\s*:\s?(?P<value>.*)$")
_MIN_LABELS = 4


def _label(line: str) -> tuple[str, str, str] | None:
    """(field, label, value) when the line is ``Known label: value``."""
    m = _LABEL.match(line)
    if not m:
        return None
    hit = field_of(m.group("label"))
    if hit is None:
        return None
    return hit[0], m.group("label"), m.group("value").strip()


def sniff(doc: Document) -> bool:
    lines = doc.head_text().lstrip("\ufeff").splitlines()[:400]
    fields = set()
    for line in lines:
        got = _label(line)
        if got:
            fields.add(got[0])
    if {"source", "event_id"} <= fields and len(fields) >= _MIN_LABELS:
        return True
    labelled = sum(1 for ln in lines[:40] if _LABEL.match(ln))
    if any(_WEVTUTIL.match(ln) for ln in lines[:5]) and labelled >= 5:
        return True
    first = next((i for i, ln in enumerate(lines[:5]) if _LABEL.match(ln)), None)
    if first is None:
        return False
    got = _by_position(lines, first, min(len(lines), first + 60))
    return got is not None and source_family(got[0]) != "other"


def parse(doc: Document) -> ParseResult:
    # read line by line with long lines cut: a 60 MB line took 529 MB whole (issue 11, bad input)
    long_lines = LongLines(MAX_LINE)
    with doc.opener() as stream:
        lines = [text for _, text in iter_lines(stream, None, name=doc.name, long_lines=long_lines)]
    if lines:
        lines[0] = lines[0].lstrip("\ufeff")
    warnings: list[str] = []
    keeper = EventKeeper()
    unread = _Unread()
    for raw in _events(lines, doc.name, warnings, unread):
        fact = to_fact(raw, doc.name, warnings)
        if fact is not None:
            keeper.add(fact)
    facts = keeper.facts()
    if (left_out := keeper.warning()) is not None:
        warnings.append(left_out)
    if unread.first is not None:
        warnings.insert(0, unread.warning())
    if (cut := long_lines.warning()) is not None:
        warnings.insert(0, cut)
    if not facts and not warnings:
        raise EvidenceError("no Windows events found in the text", doc.name)
    detail = f"Windows event text: {len(facts)} event{'s' if len(facts) != 1 else ''}"
    return ParseResult(facts=with_symptoms(facts, set()), detail=detail, warnings=warnings)


def _starts_block(line: str) -> bool:
    if _WEVTUTIL.match(line):
        return True
    got = _label(line)
    return got is not None and got[0] == "log"


class _Unread:
    """Blocks whose labels are in a language relaydoctor does not read: one warning per file."""

    def __init__(self) -> None:
        self.first: int | None = None
        self.read = 0
        self.skipped = 0

    def note(self, line: int, read: bool) -> None:
        self.first = line if self.first is None else self.first
        if read:
            self.read += 1
        else:
            self.skipped += 1

    def warning(self) -> str:
        skipped = f", {self.skipped} without a readable event ID skipped" if self.skipped else ""
        return (
            f"line {self.first}: event labels not understood (not English, German, French, Italian or "
            f"Spanish); {self.read} event(s) read by position — source, event ID, computer, and the "
            f"codes, thumbprints and SMTP replies in the message{skipped}; wevtutil qe <log> /f:xml "
            "exports them language-neutral"
        )


def _events(lines: list[str], source: str, warnings: list[str], unread: _Unread | None = None):
    starts = [i for i, ln in enumerate(lines) if _starts_block(ln)]
    # a "Log Name:" right after "Event[n]:" belongs to the same block
    starts = [
        i
        for k, i in enumerate(starts)
        if not (k and i == starts[k - 1] + 1 and _WEVTUTIL.match(lines[starts[k - 1]]))
    ]
    if not starts:  # no known label: another language; each event starts with the first label
        first = next((i for i, ln in enumerate(lines) if _LABEL.match(ln)), None)
        if first is not None:
            head = _LABEL.match(lines[first]).group("label")  # type: ignore[union-attr]
            starts = [i for i, ln in enumerate(lines) if (m := _LABEL.match(ln)) and m.group("label") == head]
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        raw = _block(lines, start, end, source, warnings, unread or _Unread())
        if raw is not None:
            yield raw


def _block(
    lines: list[str], start: int, end: int, source: str, warnings: list[str], unread: _Unread
) -> RawEvent | None:
    values: dict[str, str] = {}
    labels: list[str] = []
    description: list[str] = []
    xml: list[str] = []
    mode = "fields"
    xml_line = None
    unknown_labels = 0
    for i in range(start, end):
        line = lines[i]
        if mode == "xml":
            xml.append(line)
            continue
        got = _label(line)
        if mode == "description":
            if got and got[0] == "event_xml":
                mode, xml_line = "xml", i + 2
                if got[2]:
                    xml.append(got[2])
            else:
                description.append(line)
            continue
        if got is None:
            if _LABEL.match(line) and not _WEVTUTIL.match(line):
                unknown_labels += 1
            continue
        fld, label, value = got
        labels.append(label)
        if fld == "description":
            mode = "description"
            if value:
                description.append(value)
        elif fld == "event_xml":
            mode, xml_line = "xml", i + 2
            if value:
                xml.append(value)
        else:
            values.setdefault(fld, value)
    line_no = start + 1
    where = f"line {line_no}"
    if "event_id" not in values or "source" not in values:
        if unknown_labels >= 3:
            raw = _positional_event(lines, start, end, source, warnings)
            unread.note(line_no, raw is not None)
            return raw
        if labels:
            warnings.append(f"{where}: event block without a source and event id; skipped")
        return None
    try:
        number = int(values["event_id"].split()[0])
    except (ValueError, IndexError):
        warnings.append(f"{where}: event id {values['event_id']!r} is not a number; skipped")
        return None
    moment = parse_time(values.get("date", "")) if values.get("date") else None
    message = "\n".join(description).strip()
    raw = RawEvent(
        provider=values["source"],
        event_id=number,
        line=line_no,
        excerpt=f"{values['source']} {number}: {message}",
        level=values.get("level"),
        time=iso(moment, utc_hint=False) if moment else None,
        computer=values.get("computer"),
        channel=values.get("log"),
        message=message,
        origin="event_text",
        language=language_of(labels),
    )
    if xml:
        _add_xml(raw, xml, source, xml_line or line_no, warnings)
    return raw


def _add_xml(raw: RawEvent, xml: list[str], source: str, line: int, warnings: list[str]) -> None:
    """The details an ``Event Xml:`` section carries (the chain result a text export drops)."""
    try:
        detail = event_from_xml("\n".join(xml), source, line)
    except EvidenceError as exc:
        warnings.append(f"line {line}: broken event XML ({exc.message}); text only")
        return
    if detail is not None:
        raw.data.update(detail.data)
        raw.flags |= detail.flags
        raw.time = detail.time or raw.time


_XML_START = lazyre.compile(r"^\s*<Event[\s>]")


def _by_position(lines: list[str], start: int, end: int) -> tuple[str, int, int] | None:
    """(source, event id, index of the description label) of a block whose labels are not known.

    Event Viewer's "Copy details as text" and ``wevtutil /f:text`` write their fields in a fixed
    order whatever the language: log name, source, date, event ID, task, level, …, computer,
    description. The description is the last label among the 6th to 12th with its value on the
    next lines (else the first label followed by a line that is not ``label: value``); the event ID
    must be a number and the source must not be blank.
    """
    labelled = [i for i in range(start, end) if _LABEL.match(lines[i]) and not _WEVTUTIL.match(lines[i])]
    if len(labelled) < 5:
        return None
    src = _LABEL.match(lines[labelled[1]]).group("value").strip()  # type: ignore[union-attr]
    number = _LABEL.match(lines[labelled[3]]).group("value").strip()  # type: ignore[union-attr]
    if not src or not number.isdigit() or int(number) > 65535:
        return None
    empty = [  # Description's value starts on the next line; it comes 10th or 12th
        i for k, i in enumerate(labelled[:12]) if k >= 5
        and not _LABEL.match(lines[i]).group("value").strip()  # type: ignore[union-attr]
        and not (i + 1 < end and _XML_START.match(lines[i + 1]))
    ]
    if empty:
        return src, int(number), empty[-1]
    for i in labelled[4:]:
        nxt = i + 1
        if nxt >= end or not _LABEL.match(lines[nxt]) or _XML_START.match(lines[nxt]):
            return src, int(number), i
    return None


def _positional_event(
    lines: list[str], start: int, end: int, source: str, warnings: list[str]
) -> RawEvent | None:
    got = _by_position(lines, start, end)
    if got is None:
        return None
    provider, number, desc = got
    labelled = [i for i in range(start, desc) if _LABEL.match(lines[i]) and not _WEVTUTIL.match(lines[i])]

    def value(k: int) -> str:
        return _LABEL.match(lines[labelled[k]]).group("value").strip()  # type: ignore[union-attr]

    body: list[str] = [_LABEL.match(lines[desc]).group("value")]  # type: ignore[union-attr]
    xml: list[str] = []
    for i in range(desc + 1, end):
        if xml or _XML_START.match(lines[i]):
            xml.append(lines[i])
        else:
            body.append(lines[i])
    if xml and body and _LABEL.match(body[-1] or ""):
        body.pop()  # the localised "Event Xml:" label
    message = "\n".join(body).strip()
    moment = parse_time(value(2)) if len(labelled) > 2 else None
    raw = RawEvent(
        provider=provider,
        event_id=number,
        line=start + 1,
        excerpt=f"{provider} {number}: {message}",
        level=value(5) if len(labelled) > 5 else None,
        time=iso(moment, utc_hint=False) if moment else None,
        computer=value(len(labelled) - 1) if len(labelled) > 5 else None,
        channel=value(0) or None,
        message=message,
        origin="event_text",
        language="unknown",
    )
    if xml:
        _add_xml(raw, xml, source, desc + 2, warnings)
    return raw
