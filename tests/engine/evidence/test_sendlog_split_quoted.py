"""format.split_quoted reads a quoted log row without importing the csv module (start-up latency,
issue 11): where it answers, it must give what ``csv.reader`` gives; the shapes it leaves to the
csv module must be the unusual ones."""

from __future__ import annotations

import csv

import pytest
from hypothesis import given
from hypothesis import strategies as st
from relaydoctor.engine.evidence.smtplog import format as smtplog_format
from relaydoctor.engine.evidence.smtplog.format import CSV_FIELD_LIMIT, split_quoted, split_row


def csv_fields(text: str) -> list[str]:
    return next(csv.reader([text]))


@given(st.text(alphabet='",ab \t\r\n\x00é', max_size=24))
def test_any_text_reads_as_the_csv_module_reads_it(text: str) -> None:
    fields = split_quoted(text)
    if fields is not None:
        assert fields == csv_fields(text)


FIELD = st.one_of(
    st.text(alphabet="ab ,.:;<>[]=é\t'", max_size=8).map(lambda v: '"' + v + '"'),
    st.text(alphabet='ab ,"é', max_size=8).map(lambda v: '"' + v.replace('"', '""') + '"'),
    st.text(alphabet="ab .:;<>[]=é'", max_size=8),
)


@given(st.lists(FIELD, min_size=1, max_size=9))
def test_rows_of_plain_and_quoted_fields_are_read_here(fields: list[str]) -> None:
    text = ",".join(fields)
    assert split_quoted(text) == csv_fields(text)


@pytest.mark.parametrize("text", [
    '2026-11-20T07:58:11.412Z,Outbound,08DE,1,10.0.0.5:1,52.1.2.3:25,<,"250 2.1.0 Sender OK",',
    '"",,""', '""""', '"a""b",c', 'a,"b,c",d', '"a",', ',"a"',
])
def test_log_shapes(text: str) -> None:
    assert split_quoted(text) == csv_fields(text)
    assert split_row(text, 1, 0) is not None


@pytest.mark.parametrize("text", ['a"b,c', '"a"b,c', '"a', '"a\rb"', 'x,"a\x00"'])
def test_unusual_shapes_are_left_to_the_csv_module(text: str) -> None:
    assert split_quoted(text) is None


@pytest.mark.parametrize("length", [CSV_FIELD_LIMIT - 2, CSV_FIELD_LIMIT, CSV_FIELD_LIMIT + 1])
def test_a_field_longer_than_the_csv_modules_limit_reads_as_the_csv_module_reads_it(
        length: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """csv.reader refuses a field past its limit (131,072 characters): such a row is no row (split_row
    gives None) whether it is among the first quoted rows, split here, or a later one."""
    row = f'2026-11-20T07:58:11.570Z,Outbound,08DE,18,10.0.0.5:1,52.1.2.3:25,*,"{"x" * length}",Certificate'
    try:
        expected = next(csv.reader([row]))
    except csv.Error:
        expected = None
    fields = split_quoted(row)
    assert fields is None or fields == expected
    monkeypatch.setattr(smtplog_format, "_python_splits", smtplog_format.PYTHON_SPLITS)  # split here
    assert split_row(row, 9, 7) == expected
