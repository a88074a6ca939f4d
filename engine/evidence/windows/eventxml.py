"""Windows events as XML: ``wevtutil qe <log> /f:xml`` (events back to back, no root element),
``/f:RenderedXml`` (with ``<RenderingInfo><Message>``), and Event Viewer's "Save As… XML"
(``<Events>`` around them).

The shape is the Windows event schema (learn.microsoft.com "EventType complex type", schema
``http://schemas.microsoft.com/win/2004/08/events/event``): ``<System>`` with ``<Provider Name>``,
``<EventID>``, ``<Level>``, ``<TimeCreated SystemTime>``, ``<Channel>``, ``<Computer>``; then
``<EventData><Data Name=…>`` or, for CAPI2, ``<UserData>`` with the chain details (KB 3212877).

Each event is parsed on its own, so a truncated or broken event costs only itself: one located
warning each, the rest still read.
"""

from __future__ import annotations

import re

from ... import lazyre
from ...errors import EvidenceError
from ..base import Document, ParseResult
from ..xmltree import read_tree
from .events import EventKeeper, RawEvent, to_fact, with_symptoms

KIND = "windows_event_xml"

NAMESPACE = "http://schemas.microsoft.com/win/2004/08/events/event"
_START = lazyre.compile(r"<Event[\s>]")
_END = "</Event>"
_MAX_EVENT = 1024 * 1024  # one event's XML; CAPI2 chains are a few KB


def sniff(doc: Document) -> bool:
    """XML from the first character; event text with an ``Event Xml:`` section is eventtext's."""
    head = doc.head_text().lstrip("\ufeff").lstrip()
    return head.startswith("<") and NAMESPACE in head[:4096] and _START.search(head[:4096]) is not None


def parse(doc: Document) -> ParseResult:
    text = doc.text().lstrip("\ufeff")
    warnings: list[str] = []
    events = list(iter_events(text, doc.name, warnings))
    keeper = EventKeeper()
    for raw in events:
        fact = to_fact(raw, doc.name, warnings)
        if fact is not None:
            keeper.add(fact)
    facts = keeper.facts()
    if (left_out := keeper.warning()) is not None:
        warnings.append(left_out)
    if not facts and not warnings:
        raise EvidenceError("no Windows events found in the XML", doc.name)
    detail = f"Windows event XML: {len(facts)} event{'s' if len(facts) != 1 else ''}"
    return ParseResult(facts=with_symptoms(facts, set()), detail=detail, warnings=warnings)


def iter_events(text: str, source: str, warnings: list[str]):
    """Each ``<Event>…</Event>`` block as a RawEvent; broken ones become warnings."""
    pos = 0
    while (m := _START.search(text, pos)) is not None:
        start = m.start()
        line = text.count("\n", 0, start) + 1
        end = text.find(_END, start)
        nxt = _START.search(text, m.end())
        if end < 0 or (nxt is not None and nxt.start() < end):
            warnings.append(f"line {line}: truncated event (no </Event>); skipped, the rest is read")
            pos = nxt.start() if nxt is not None else len(text)
            continue
        block = text[start : end + len(_END)]
        pos = end + len(_END)
        if len(block) > _MAX_EVENT:
            warnings.append(f"line {line}: event larger than {_MAX_EVENT} bytes; skipped")
            continue
        try:
            raw = event_from_xml(block, source, line)
        except EvidenceError as exc:
            warnings.append(f"line {line}: broken event XML ({exc.message}); skipped, the rest is read")
            continue
        if raw is None:
            warnings.append(f"line {line}: event without a provider or event id; skipped")
            continue
        yield raw


def event_from_xml(block: str, source: str, line: int, origin: str = "event_xml") -> RawEvent | None:
    """One ``<Event>`` element (text) → RawEvent. Raises EvidenceError for malformed XML."""
    root = read_tree(block, source)
    event = next((c for c in root.children if c.tag == "Event"), None)
    if event is None:
        return None
    system = event.child("System")
    if system is None:
        return None
    provider = system.child("Provider")
    event_id = system.child("EventID")
    name = (provider.attrs.get("Name") or provider.attrs.get("EventSourceName") or "") if provider else ""
    try:
        number = int((event_id.content() if event_id else "").strip())
    except ValueError:
        return None
    if not name:
        return None
    level = system.child("Level")
    created = system.child("TimeCreated")
    channel = system.child("Channel")
    computer = system.child("Computer")
    raw = RawEvent(
        provider=name,
        event_id=number,
        line=line,
        excerpt=f"{name} {number}",
        level=level.content() if level else None,
        time=_iso(created.attrs.get("SystemTime")) if created else None,
        computer=computer.content() if computer else None,
        channel=channel.content() if channel else None,
        origin=origin,
    )
    for section in event.children:
        if section.tag == "EventData":
            unnamed = 0
            for d in section.children:
                if d.tag != "Data":
                    continue
                key = d.attrs.get("Name")
                if not key:
                    unnamed += 1
                    key = f"Data{unnamed}"
                raw.data.setdefault(key, d.content())
        elif section.tag == "UserData":
            _walk_user_data(section, raw)
        elif section.tag == "RenderingInfo":
            msg = section.child("Message")
            if msg is not None:
                raw.message = msg.content()
            shown = section.child("Level")
            if raw.level in (None, "") and shown is not None:
                raw.level = shown.content()
    if raw.message:
        raw.excerpt = f"{name} {number}: {raw.message}"
    elif "result" in {k.lower() for k in raw.data}:
        raw.excerpt = f"{name} {number}: Result {raw.data.get('Result')}"
    return raw


def _walk_user_data(node, raw: RawEvent) -> None:
    for child in node.children:
        attrs = child.attrs
        if child.tag == "Certificate":
            raw.data.setdefault("fileRef", attrs.get("fileRef", ""))
            raw.data.setdefault("subjectName", attrs.get("subjectName", ""))
        elif child.tag == "Result" and "value" in attrs:
            raw.data.setdefault("Result", attrs["value"])
        elif child.tag == "EventAuxInfo" and "ProcessName" in attrs:
            raw.data.setdefault("ProcessName", attrs["ProcessName"])
        elif child.tag == "Policy" and "type" in attrs:
            raw.data.setdefault("Policy", attrs["type"])
        elif child.tag == "ErrorStatus":
            raw.flags.update(k for k, v in attrs.items()
                             if k.startswith("CERT_TRUST_") and v.lower() == "true")
        _walk_user_data(child, raw)


def _iso(value: str | None) -> str | None:
    """``2026-11-20T08:41:19.1234567Z`` → ``2026-11-20T08:41:19Z``."""
    if not value:
        return None
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?(Z|[+-]00:?00)?$", value.strip())
    return f"{m.group(1)}Z" if m and m.group(2) else None
