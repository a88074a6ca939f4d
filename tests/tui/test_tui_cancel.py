"""Reading a large send log happens in a worker with a progress dialog; Esc cancels it and the
evidence the user had stays as it was."""

from __future__ import annotations

import time
from pathlib import Path

from relaydoctor.tui import app as tui_app
from relaydoctor.tui.screens.dialogs import ReadingDialog
from textual.widgets import ProgressBar
from tuikit import EXAMPLES, drive, example, make_app, notifications, screen_text, settle

SESSIONS_PER_COPY = 5  # SEND20261120-1.LOG holds five sessions


def big_send_log(path: Path, copies: int) -> Path:
    """The renewed-certificate send log repeated ``copies`` times with fresh session ids."""
    source = (EXAMPLES / "renewed-certificate" / "SEND20261120-1.LOG").read_text("ascii")
    lines = source.splitlines()
    header, body = lines[:5], [line for line in lines[5:] if line]
    with path.open("w", encoding="ascii", newline="\r\n") as out:
        out.write("\n".join(header) + "\n")
        for i in range(copies):
            chunk = []
            for line in body:
                stamp, connector, session, rest = line.split(",", 3)
                chunk.append(f"{stamp},{connector},{int(session, 16) + i * 16:016X},{rest}")
            out.write("\n".join(chunk) + "\n")
    return path


async def _wait_for_dialog(pilot, timeout: float = 60) -> ReadingDialog:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        screen = pilot.app.screen
        if isinstance(screen, ReadingDialog) and screen.query("#reading-what"):
            return screen
        await pilot.pause(0.01)
    raise AssertionError("no progress dialog")


def reading_held_until_cancelled(monkeypatch, log: Path) -> None:
    """The real read of ``log``, held at its progress reports until the user cancels: the native scan
    reads this log in a fraction of a second (repeated sessions folded in C), sooner than the
    dialog's delay, and the test is about cancelling, not about how fast the machine is. The
    cancel still travels the real way: the worker's flag, polled by the scan between blocks."""
    real = tui_app.api.load_evidence

    def load_evidence(paths, *, progress=None, cancel=None, **kwargs):
        if str(log) not in [str(p) for p in paths]:
            return real(paths, progress=progress, cancel=cancel, **kwargs)

        def held(*args) -> None:
            if progress is not None:
                progress(*args)
            deadline = time.monotonic() + 60
            while cancel is not None and not cancel() and time.monotonic() < deadline:
                time.sleep(0.01)

        return real(paths, progress=held, cancel=cancel, **kwargs)

    monkeypatch.setattr(tui_app.api, "load_evidence", load_evidence)


def test_escape_cancels_reading_a_large_log(tmp_path: Path, monkeypatch) -> None:
    log = big_send_log(tmp_path / "SEND20261120-9.LOG", copies=3000)  # ~100 MB, 15,000 sessions
    assert log.stat().st_size > 90_000_000
    app = make_app(example("renewed-certificate"))
    reading_held_until_cancelled(monkeypatch, log)

    async def scenario(pilot) -> None:
        report_before = app.walk.report
        paths_before = list(app.walk.paths)
        assert report_before is not None
        app.add_paths([str(log)])
        dialog = await _wait_for_dialog(pilot)
        assert "SEND20261120-9.LOG" in str(dialog.query_one("#reading-what").render())
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ReadingDialog)
        assert any("cancelled" in n for n in notifications(app))
        assert app.walk.report is report_before, "the diagnosis is the one from before"
        assert app.walk.paths == paths_before, "the big log was not added"
        assert app.current_mode == "conclusions"
        assert "Confirmed: certificate-name-mismatch" in screen_text(app)

    drive(app, scenario)


def test_progress_is_shown_while_reading(tmp_path: Path, monkeypatch) -> None:
    log = big_send_log(tmp_path / "SEND20261120-8.LOG", copies=600)
    app = make_app(str(log))
    seen: list[float] = []
    shown = ReadingDialog._apply

    def apply(dialog: ReadingDialog) -> None:
        # every update the dialog puts on its bar, however fast the read (the native scan can
        # finish between two polls of the screen)
        shown(dialog)
        if dialog.is_mounted:
            bar = dialog.query_one(ProgressBar)
            if bar.total:
                seen.append(bar.progress / bar.total)

    monkeypatch.setattr(ReadingDialog, "_apply", apply)
    # The dialog opens only for a read that outlasts READING_DIALOG_DELAY; the native scan reads
    # this 20 MB log faster than that on an idle machine (the test then saw no dialog at all),
    # so the delay is taken out: what is tested is the bar, not the threshold.
    monkeypatch.setattr(tui_app, "READING_DIALOG_DELAY", 0.01)  # not 0: Textual timers divide by it

    async def scenario(pilot) -> None:
        # The start-up read finished; read again and watch the bar move (the hook above records
        # every update, however fast the read: the dialog may close between two polls).
        await settle(pilot)
        app.reload_evidence()
        deadline = time.monotonic() + 60
        while app.busy and time.monotonic() < deadline:
            await pilot.pause(0.01)
        assert not app.busy, "the read did not finish"
        await settle(pilot)
        sessions = next(s for s in app.walk.report.evidence if s.source.endswith("SEND20261120-8.LOG"))
        assert sessions.kind == "send_log" and "3,000 sessions" in (sessions.detail or "")

    drive(app, scenario)
    assert seen and max(seen) > 0
