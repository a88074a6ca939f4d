"""The one ISO-UTC time codec: every time a fact, a report or the CLI writes or reads.

Facts and reports write ``2026-11-27T12:00:00Z`` (UTC, whole seconds). A time without a zone is
UTC (README: ``--now`` and case ``now``), except where evidence says a time is local with an
unknown offset: such a time is written without the ``Z`` (``format_naive``), never shifted.
"""

from __future__ import annotations

import datetime as dt

UTC = dt.UTC


def as_utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` as an aware UTC datetime; a naive one is taken as UTC (never as local time)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def now_utc() -> dt.datetime:
    return dt.datetime.now(UTC)


def format_naive(moment: dt.datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS`` of the wall-clock fields as they are (no zone, no shift)."""
    m = moment
    return f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}"


def format_utc(moment: dt.datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` in UTC; a naive ``moment`` is UTC already."""
    return format_naive(as_utc(moment)) + "Z"


def parse_utc(text: str) -> dt.datetime:
    """ISO 8601 with ``Z`` or an offset → aware UTC; without one it is UTC; a bare date is midnight
    UTC. Raises ``ValueError`` for anything else."""
    raw = text.strip()
    if raw[-1:] in ("z", "Z"):
        raw = raw[:-1] + "+00:00"
    moment = dt.datetime.fromisoformat(raw)
    try:
        return as_utc(moment)
    except OverflowError:  # 9999-12-31T23:00:00-05:00 is past the last UTC time a datetime holds
        raise ValueError(f"{text!r} is out of the range of UTC times") from None


def try_parse_utc(text: str | None) -> dt.datetime | None:
    """``parse_utc``, or None for empty or unreadable text."""
    if not text:
        return None
    try:
        return parse_utc(text)
    except ValueError:
        return None


def stamp_to_second(stamp: str) -> str | None:
    """A log's UTC stamp ``2026-11-20T07:58:11.412Z`` → ``2026-11-20T07:58:11Z`` (text only: hot
    path of log scans); None when ``stamp`` does not start with ``YYYY-MM-DDTHH:MM:SS``."""
    stamp = stamp.strip()
    if len(stamp) >= 19 and stamp[10:11] == "T" and stamp[:4].isdigit():
        return stamp[:19] + "Z"
    return None
