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


async def _open(pilot, app) -> WatchScreen:  # type: ignore[no-untyped-def]
    """Press w: the live pane, checking for new bytes every 0.05 s."""
    await pilot.press("w")
    screen = app.screen
    assert isinstance(screen, WatchScreen)
    screen.interval = 0.05
    return screen


def test_live_pane_follows_new_sessions(tmp_path: Path):
    folder = tmp_path / "evidence"
    shutil.copytree(EXAMPLES / "renewed-certificate", folder)
    log = folder / "SEND20261127-1.LOG"
    log.write_text(header(T0), "ascii", newline="")
    app = make_app(str(folder))

    async def scenario(pilot) -> None:  # type: ignore[no-untyped-def]
        screen = await _open(pilot, app)
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


def test_live_pane_follows_a_postfix_relay_log(tmp_path: Path):
    folder = tmp_path / "relay01"
    shutil.copytree(EXAMPLES / "renewed-certificate", folder)
    for old in folder.glob("SEND*.LOG"):
        old.unlink()  # only the relay's log is followed here
    log = folder / "maillog"
    eop = "contoso-com.mail.protection.outlook.com[52.101.68.24]:25"

    def message(qid: str, at: dt.datetime, outcome: str) -> list[str]:
        stamp = at.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00")
        return [
            f"{stamp} relay01 postfix/smtpd[2201]: {qid}: client=app01[10.0.0.5]\n",
            f"{stamp} relay01 postfix/qmgr[1187]: {qid}: from=<alerts@contoso.com>, size=2048, nrcpt=1\n",
            f"{stamp} relay01 postfix/smtp[2216]: {qid}: to=<partner@fabrikam.com>, relay={eop}, {outcome}\n",
        ]

    refused = ("dsn=5.7.64, status=bounced (host contoso-com.mail.protection.outlook.com[52.101.68.24] said: "
               "550 5.7.64 TenantAttribution; Relay Access Denied (in reply to RCPT TO command))")
    log.write_text("".join(message("4QZx1k3Hj2z9sW1", T0, refused)), "ascii", newline="")
    app = make_app(str(folder))

    async def scenario(pilot) -> None:  # type: ignore[no-untyped-def]
        screen = await _open(pilot, app)
        shown = screen.query_one("#watch-log", Log)
        await _until(pilot, lambda: any("following" in line for line in shown.lines))
        sent = "dsn=2.6.0, status=sent (250 2.6.0 Queued)"
        with log.open("a", encoding="ascii", newline="") as f:
            f.writelines(message("4QZx1k3Hj2z9sW2", T0 + dt.timedelta(seconds=20), refused))
            f.writelines(message("4QZx1k3Hj2z9sW3", T0 + dt.timedelta(seconds=40), sent))
        table = screen.query_one("#watch-minutes", DataTable)
        await _until(pilot, lambda: "2026-11-27 11:00" in table.rows
                     and str(table.get_cell("2026-11-27 11:00", "accepted")) == "1")
        assert str(table.get_cell("2026-11-27 11:00", "rejected by code")) == "5.7.64 ×1"
        await _until(pilot, lambda: "fixed: first accepted session" in "\n".join(
            screen.query_one("#watch-log", Log).lines))
        text = "\n".join(screen.query_one("#watch-log", Log).lines)
        assert "maillog:6" in text and "MAIL FROM @contoso.com from client 10.0.0.5" in text
        await press(pilot, "escape")
        assert screen.stop.is_set()

    drive(app, scenario, size=(120, 40))
