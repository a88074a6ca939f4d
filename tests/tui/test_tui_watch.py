"""The live pane (key w): the loaded send-log folder is followed, each minute shows sessions
accepted vs rejected by code, the watch lines appear below, and Esc stops the followers."""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import time
from pathlib import Path

from relaydoctor.tui.screens.watch import WatchScreen
from textual.widgets import DataTable, Log
from tuikit import EXAMPLES, drive, make_app, notifications, press

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ (sendlogsynth)
from sendlogsynth import header, session

T0 = dt.datetime(2026, 11, 27, 11, 0, tzinfo=dt.UTC)


async def _until(pilot, check, timeout: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        await pilot.pause(0.05)
    raise AssertionError("the live pane did not show it in time")


def test_live_pane_follows_new_sessions(tmp_path: Path):
    folder = tmp_path / "evidence"
    shutil.copytree(EXAMPLES / "renewed-certificate", folder)
    log = folder / "SEND20261127-1.LOG"
    log.write_text(header(T0), "ascii", newline="")
    app = make_app(str(folder))

    async def scenario(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("w")
        screen = app.screen
        assert isinstance(screen, WatchScreen)
        screen.interval = 0.05
        await _until(pilot, lambda: screen.lines_shown >= 2)  # "watching …", "following …"
        with log.open("a", encoding="ascii", newline="") as f:
            f.writelines(session("08DF0000000000B1", T0 + dt.timedelta(seconds=5), accepted=False))
            f.writelines(session("08DF0000000000B2", T0 + dt.timedelta(seconds=9), accepted=True))
        table = screen.query_one("#watch-minutes", DataTable)
        await _until(pilot, lambda: "2026-11-27 11:00" in table.rows
                     and str(table.get_cell("2026-11-27 11:00", "accepted")) == "1")
        assert str(table.get_cell("2026-11-27 11:00", "sessions")) == "2"
        assert str(table.get_cell("2026-11-27 11:00", "rejected by code")) == "5.7.64 ×1"
        await _until(pilot, lambda: "fixed: first accepted session" in "\n".join(
            screen.query_one("#watch-log", Log).lines))
        text = "\n".join(screen.query_one("#watch-log", Log).lines)
        assert "verdict: certificate-name-mismatch (confirmed)" in text
        assert "SEND20261127-1.LOG:" in text
        await press(pilot, "escape")
        assert not isinstance(app.screen, WatchScreen)
        assert screen.stop.is_set()

    drive(app, scenario, size=(120, 40))


def test_without_evidence_the_key_says_what_to_do():
    app = make_app()

    async def scenario(pilot) -> None:  # type: ignore[no-untyped-def]
        app.action_watch()  # (the bare app opens on the paste box, where w is a letter)
        await pilot.pause()
        assert not isinstance(app.screen, WatchScreen)
        assert any("send-log folder" in n for n in notifications(app))

    drive(app, scenario)
