"""The progress bar shows only on a terminal; colour follows NO_COLOR."""

from __future__ import annotations

import io

from relaydoctor.engine.report.progress import ProgressBar, progress_for, use_color


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_no_bar_when_not_a_terminal():
    assert progress_for(io.StringIO(), env={}) is None


def test_no_bar_in_ci_or_dumb_terminal():
    assert progress_for(FakeTty(), env={"CI": "true"}) is None
    assert progress_for(FakeTty(), env={"TERM": "dumb"}) is None


def test_bar_on_a_terminal_draws_and_erases():
    stream = FakeTty()
    bar = progress_for(stream, env={"TERM": "xterm"})
    assert isinstance(bar, ProgressBar)
    bar(512, 2048)
    bar(2048, 2048)  # the last call always draws
    out = stream.getvalue()
    assert "\r" in out and "25.0%" in out and "100.0%" in out and "2.0 KB" in out
    assert "\x1b" not in out
    bar.close()
    assert stream.getvalue().endswith("\r")
    assert "\n" not in stream.getvalue()


def test_bar_throttles_redraws():
    stream = FakeTty()
    bar = ProgressBar(stream, min_interval=3600)
    bar(1, 100)
    bar(2, 100)  # within the interval: skipped
    assert stream.getvalue().count("\r") == 1


def test_unknown_total():
    stream = FakeTty()
    ProgressBar(stream).draw(5 * 1024 * 1024, 0)
    assert "5.0 MB" in stream.getvalue()


def test_colour_rules():
    assert use_color(FakeTty(), env={}) is True
    assert use_color(FakeTty(), env={"NO_COLOR": "1"}) is False
    assert use_color(FakeTty(), env={"TERM": "dumb"}) is False
    assert use_color(io.StringIO(), env={}) is False
