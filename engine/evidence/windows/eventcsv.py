"""Windows events as Event Viewer's "Save All Events As…" CSV (comma separated) or TXT (tab
delimited): a header row ``Level,Date and Time,Source,Event ID,Task Category`` in the display
language (labels.py), then one row per event whose sixth, unnamed column is the description
(quoted, with its line breaks). Dates are local times in the exporting culture.
"""

from __future__ import annotations

import csv
import io

from ...errors import EvidenceError
from ..base import Document, ParseResult
from ..cmdlets.values import date_order, iso, parse_time
from .events import EventKeeper, RawEvent, source_family, to_fact, with_symptoms
from .labels import field_of, language_of

KIND = "windows_event_csv"

_DELIMITERS = (",", "\t", ";")


def _header(line: str) -> tuple[str, dict[str, int], list[str]] | None:
    """(delimiter, field → column, labels) when the line is a known event-export header."""
    for delim in _DELIMITERS:
        cells = [c.strip().strip('"').lstrip("\ufeff") for c in line.split(delim)]
        if len(cells) < 4:
            continue
        columns: dict[str, int] = {}
        for i, cell in enumerate(cells):
            hit = field_of(cell)
            if hit is not None:
                columns.setdefault(hit[0], i)
        if {"source", "event_id", "level"} <= set(columns):
            return delim, columns, cells
    return None


# Event Viewer's column order, whatever the language (its header names five columns).
_POSITIONS = {"level": 0, "date": 1, "source": 2, "event_id": 3, "task": 4}


def _by_position(lines: list[str]) -> tuple[str, dict[str, int], list[str]] | None:
    """The header of an export whose column names are not known: five names, then rows whose
    fourth cell is a number and whose third, in at least one row, names a known event source."""
    first = next((ln for ln in lines if ln.strip()), "")
    for delim in _DELIMITERS:
        cells = [c.strip().strip('"').lstrip("\ufeff") for c in first.split(delim)]
        if len(cells) != 5 or not all(cells):
            continue
        body = "\n".join(lines[lines.index(first) + 1 :][:200])
        try:
            rows = [r for r in csv.reader(io.StringIO(body), delimiter=delim) if len(r) >= 5][:20]
        except csv.Error:
            continue
        if rows and all(r[3].strip().isdigit() for r in rows) and any(
            source_family(r[2]) != "other" for r in rows
        ):
            return delim, dict(_POSITIONS), cells
    return None


def sniff(doc: Document) -> bool:
    lines = doc.head_text().lstrip("\ufeff").splitlines()
    first = next((ln for ln in lines if ln.strip()), "")
    return _header(first) is not None or _by_position(lines) is not None


def parse(doc: Document) -> ParseResult:
    text = doc.text().lstrip("\ufeff")
    lines = text.splitlines()
    skip = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    head = _header(lines[skip]) if skip is not None else None
    warnings: list[str] = []
    language = None
    if head is None and skip is not None and (head := _by_position(lines)) is not None:
        language = "unknown"
        warnings.append(
            f"line {skip + 1}: column names not understood (not English, German, French, Italian or "
            f"Spanish: {', '.join(head[2])}); read by Event Viewer's column order — level, date, "
            "source, event ID, task, description — and only the codes, thumbprints and SMTP replies "
            "in the descriptions; wevtutil qe <log> /f:xml exports the events language-neutral"
        )
    if head is None:
        raise EvidenceError("no Event Viewer CSV header row", doc.name)
    delim, columns, labels = head
    language = language or language_of(labels)
    body = "\n".join(lines[skip + 1 :])
    reader = csv.reader(io.StringIO(body), delimiter=delim)
    rows: list[tuple[int, list[str]]] = []
    try:
        line = skip + 2
        for row in reader:
            if any(c.strip() for c in row):
                rows.append((line, row))
            line = skip + 2 + reader.line_num
    except csv.Error as exc:
        where = f"line {skip + 2 + reader.line_num}"
        warnings.append(f"{where}: CSV broken ({exc}); the rows before it are read")
    col = columns.get("date")
    orders = {date_order(r[col]) for _, r in rows if col is not None and len(r) > col}
    orders &= {"dmy", "mdy"}
    order = orders.pop() if len(orders) == 1 else None
    keeper = EventKeeper()
    width = max(columns.values()) + 1
    for line, row in rows:
        where = f"line {line}"
        if len(row) < width:
            warnings.append(f"{where}: event row has {len(row)} of {width} columns (truncated?); skipped")
            continue
        try:
            number = int(row[columns["event_id"]].strip())
        except ValueError:
            warnings.append(f"{where}: event id {row[columns['event_id']]!r} is not a number; skipped")
            continue
        moment = parse_time(row[columns["date"]], order=order) if "date" in columns else None
        message = row[width].strip() if len(row) > width else ""
        provider = row[columns["source"]].strip()
        raw = RawEvent(
            provider=provider,
            event_id=number,
            line=line,
            excerpt=f"{provider} {number}: {message}",
            level=row[columns["level"]],
            time=iso(moment, utc_hint=False) if moment else None,
            message=message,
            origin="event_csv",
            language=language,
        )
        fact = to_fact(raw, doc.name, warnings)
        if fact is not None:
            keeper.add(fact)
    facts = keeper.facts()
    if (left_out := keeper.warning()) is not None:
        warnings.append(left_out)
    detail = f"Event Viewer export: {len(facts)} event{'s' if len(facts) != 1 else ''}"
    return ParseResult(facts=with_symptoms(facts, set()), detail=detail, warnings=warnings)
