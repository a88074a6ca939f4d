"""The live pane: ``relaydoctor watch`` inside the TUI (key ``w``).

It follows the send logs (and relay mail / IIS SMTP / app logs) among the loaded evidence (``api.watch``
in a thread worker) and shows,
per minute of log time, the sessions to Exchange Online accepted vs rejected by code, with the
watch lines (new failure kinds with their verdicts, rotations, the fix) below. Only new bytes are
read; Esc stops the followers and closes the pane.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import ClassVar

from relaydoctor.engine import api
from relaydoctor.engine.api import RelaydoctorError
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Log, Static

from ..literal import clean, lit_line

COLUMNS = ("minute", "sessions", "accepted", "rejected by code")


class _Lines:
    """A text stream for ``api.watch`` that hands each finished line to ``emit`` (UI thread)."""

    def __init__(self, emit: Callable[[str], None]):
        self._emit = emit
        self._part = ""

    def write(self, text: str) -> int:
        self._part += text
        *lines, self._part = self._part.split("\n")
        for line in lines:
            if line:
                self._emit(line)
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


class WatchScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,w", "close", "Close")]

    def __init__(self, paths: Sequence[str], *, interval: float = 1.0, pack_dirs: Sequence[str] = ()) -> None:
        super().__init__(id="watch-screen")
        self.paths = list(paths)
        self.interval = interval
        self.pack_dirs = tuple(pack_dirs)
        self.stop = threading.Event()
        self.lines_shown = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="watch-body"):
            yield Static(lit_line(f"Watching the logs in: {', '.join(self.paths)}"), id="watch-title")
            yield DataTable(id="watch-minutes", zebra_stripes=True)
            yield Log(id="watch-log", max_lines=2000)
            yield Static(
                Content("Esc closes (the logs are followed only while this pane is open)"),
                classes="dialog-help",
            )

    def on_mount(self) -> None:
        table = self.query_one("#watch-minutes", DataTable)
        for column in COLUMNS:
            table.add_column(column, key=column)
        self.follow()

    @work(thread=True, exclusive=True, group="watch")
    def follow(self) -> None:
        out = _Lines(lambda line: self._post(self._line, line))
        try:
            api.watch(
                self.paths,
                since=None,
                until_fixed=False,
                timeout=None,
                interval=self.interval,
                out=out,
                stop=self.stop,
                pack_dirs=self.pack_dirs,
                on_minute=lambda *row: self._post(self._minute, *row),
            )
        except (RelaydoctorError, OSError) as exc:
            self._post(self._line, api.error_line(exc))

    def _post(self, func: Callable[..., None], *args: object) -> None:
        if self.stop.is_set():
            return
        try:
            self.app.call_from_thread(func, *args)
        except RuntimeError:  # the app is shutting down
            self.stop.set()

    def _line(self, line: str) -> None:
        if self.is_attached:
            self.query_one("#watch-log", Log).write_line(clean(line))
            self.lines_shown += 1

    def _minute(self, minute: str, sessions: int, accepted: int, rejected: str) -> None:
        if not self.is_attached:
            return
        table = self.query_one("#watch-minutes", DataTable)
        cells = (str(sessions), str(accepted), rejected or "–")
        if minute in table.rows:
            for column, value in zip(COLUMNS[1:], cells, strict=True):
                table.update_cell(minute, column, Content(clean(value)))
        else:
            table.add_row(Content(clean(minute)), *(Content(clean(c)) for c in cells), key=minute)
            if table.row_count > 120:  # bounded over hours: the last two hours of minutes
                table.remove_row(next(iter(table.rows)))
            table.move_cursor(row=table.row_count - 1)

    def action_close(self) -> None:
        self.stop.set()
        self.dismiss()

    def on_unmount(self) -> None:
        self.stop.set()
