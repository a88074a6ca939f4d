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
from .events import RawEvent, to_fact
from .eventxml import event_from_xml
from .labels import field_of, language_of

KIND = "windows_event_text"

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
    return any(_WEVTUTIL.match(ln) for ln in lines[:5]) and labelled >= 5


def parse(doc: Document) -> ParseResult:
    lines = doc.text().lstrip("\ufeff").splitlines()
    warnings: list[str] = []
    facts = []
    for raw in _events(lines, doc.name, warnings):
        fact = to_fact(raw, doc.name, warnings)
        if fact is not None:
            facts.append(fact)
    if not facts and not warnings:
        raise EvidenceError("no Windows events found in the text", doc.name)
    detail = f"Windows event text: {len(facts)} event{'s' if len(facts) != 1 else ''}"
    return ParseResult(facts=facts, detail=detail, warnings=warnings)


def _starts_block(line: str) -> bool:
    if _WEVTUTIL.match(line):
        return True
    got = _label(line)
    return got is not None and got[0] == "log"


def _events(lines: list[str], source: str, warnings: list[str]):
    starts = [i for i, ln in enumerate(lines) if _starts_block(ln)]
    # a "Log Name:" right after "Event[n]:" belongs to the same block
    starts = [
        i
        for k, i in enumerate(starts)
        if not (k and i == starts[k - 1] + 1 and _WEVTUTIL.match(lines[starts[k - 1]]))
    ]
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        raw = _block(lines, start, end, source, warnings)
        if raw is not None:
            yield raw


def _block(lines: list[str], start: int, end: int, source: str, warnings: list[str]) -> RawEvent | None:
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
            warnings.append(
                f"{where}: event labels in a language relaydoctor does not read; export with "
                "wevtutil qe <log> /f:xml (language-neutral) to have it read"
            )
        elif labels:
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
        try:
            detail = event_from_xml("\n".join(xml), source, xml_line or line_no)
        except EvidenceError as exc:
            warnings.append(f"line {xml_line}: broken event XML ({exc.message}); text only")
            detail = None
        if detail is not None:
            raw.data.update(detail.data)
            raw.flags |= detail.flags
            raw.time = detail.time or raw.time
    return raw
