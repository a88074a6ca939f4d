"""The one ISO-UTC time codec: a naive time is UTC everywhere, and every writer agrees."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from relaydoctor.engine.utctime import (
    as_utc,
    format_naive,
    format_utc,
    parse_utc,
    stamp_to_second,
    try_parse_utc,
)

CET = dt.timezone(dt.timedelta(hours=1))


def test_formats_in_utc_with_z() -> None:
    assert format_utc(dt.datetime(2026, 11, 27, 13, 0, 5, 999, tzinfo=CET)) == "2026-11-27T12:00:05Z"


def test_a_naive_time_is_utc_whatever_the_machine_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two of the eight old copies read a naive time as the machine's local time."""
    if not hasattr(time, "tzset"):
        pytest.skip("no tzset on this platform")
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        naive = dt.datetime(2026, 11, 27, 12, 0, 0)
        assert format_utc(naive) == "2026-11-27T12:00:00Z"
        assert as_utc(naive) == dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC)
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-27T12:00:00Z", dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC)),
        ("2026-11-27T12:00:00z", dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC)),
        ("2026-11-27T13:00:00+01:00", dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC)),
        ("2026-11-27T12:00:00", dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC)),
        (" 2026-11-27 ", dt.datetime(2026, 11, 27, tzinfo=dt.UTC)),
    ],
)
def test_parses_iso_8601_to_aware_utc(text: str, expected: dt.datetime) -> None:
    moment = parse_utc(text)
    assert moment == expected and moment.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize("text", ["", "Z", "yesterday", "27/11/2026 12:00", "2026-13-01T00:00:00Z"])
def test_refuses_what_is_not_iso_8601(text: str) -> None:
    with pytest.raises(ValueError):
        parse_utc(text)
    assert try_parse_utc(text) is None


def test_naive_format_keeps_the_wall_clock_and_pads_the_year() -> None:
    assert format_naive(dt.datetime(987, 1, 2, 3, 4, 5, tzinfo=CET)) == "0987-01-02T03:04:05"


def test_log_stamps_are_cut_to_the_second() -> None:
    assert stamp_to_second(" 2026-11-20T07:58:11.412Z") == "2026-11-20T07:58:11Z"
    assert stamp_to_second("20/11/2026 07:58:11") is None


@given(st.datetimes(timezones=st.sampled_from([dt.UTC, CET, None])))
def test_format_then_parse_is_the_same_second(moment: dt.datetime) -> None:
    again = parse_utc(format_utc(moment))
    assert again == as_utc(moment).replace(microsecond=0)


@pytest.mark.parametrize("text", ["9999-12-31T23:59:59-23:59", "9999-12-31T20:00:00-05:00",
                                  "0001-01-01T00:00:00+14:00", "0001-01-01T00:30:00+01:00"])
def test_a_time_past_the_range_of_utc_times_is_a_value_error(text: str) -> None:
    """Shifting to UTC overflows datetime's range (OverflowError): parse_utc promises ValueError
    for what it cannot read, which --now (a usage error, not 'internal error ... a bug', exit 70)
    and try_parse_utc (None) rely on."""
    with pytest.raises(ValueError, match="out of the range"):
        parse_utc(text)
    assert try_parse_utc(text) is None
