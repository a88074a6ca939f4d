"""The relaydoctor terminal UI: a six-step walk from the symptom to the fix.

``run(paths, ...)`` is what ``relaydoctor`` and ``relaydoctor tui [PATH...]`` call. Started with
evidence paths, the app reads and diagnoses them at once and opens on the conclusions; started
bare, it opens on the symptom step. Each step is an App mode (its own screen, keys 1-6). All
engine work (reading evidence, diagnosing, exporting) runs in worker threads; reading shows a
progress dialog and Esc cancels it. The app's state is one ``Walk`` (``state.py``), a reactive
the step screens watch; updates run as one exclusive ``@work`` thread worker whose result arrives
through Textual's ``Worker.StateChanged``, and progress as ``ReadingProgress`` messages.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from relaydoctor.engine import api
from relaydoctor.engine.api import Cancelled, PackError, RelaydoctorError, Report, Status
from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState, get_current_worker

from .folders import folder_question, large, skipped_note
from .literal import one_line
from .screens.base import StepScreen
from .screens.conclusions import ConclusionsScreen
from .screens.dialogs import AddEvidenceDialog, CommandDialog, ConfirmDialog, HelpScreen, ReadingDialog
from .screens.evidence import EvidenceScreen
from .screens.export import ExportScreen
from .screens.questions import QuestionsScreen
from .screens.remediation import RemediationScreen
from .screens.symptom import SymptomScreen
from .state import Update, Walk
from .steps import BY_MODE, STEPS
from .views import root_of

PROGRESS_INTERVAL = 0.1  # seconds between progress messages sent to the UI thread
READING_DIALOG_DELAY = 0.4  # seconds a read runs before its progress dialog opens
SURVEY_CAP = 20_000  # files counted at most before asking whether to add a folder


class ReadingProgress(Message):
    """The update worker read ``done`` of ``total`` bytes (or moved on to ``phase``)."""

    def __init__(self, worker: Worker[Walk], done: int = 0, total: int = 0, phase: str = "") -> None:
        super().__init__()
        self.worker = worker
        self.done = done
        self.total = total
        self.phase = phase


class RelayDoctorApp(App[int]):
    """relaydoctor's TUI."""

    CSS_PATH = "app.tcss"
    AUTO_FOCUS = None  # each step focuses what it wants: keys 1-6 must not land in a text box
    TITLE = "relaydoctor"
    SUB_TITLE = "why Exchange Online refuses to relay"
    MODES: ClassVar[dict[str, Any]] = {
        "symptom": SymptomScreen,
        "evidence": EvidenceScreen,
        "questions": QuestionsScreen,
        "conclusions": ConclusionsScreen,
        "remediation": RemediationScreen,
        "export": ExportScreen,
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(s.key, f"step('{s.mode}')", s.title, show=False) for s in STEPS),
        Binding("question_mark,f1", "help", "Help"),
        Binding("ctrl+t", "toggle_theme", "Light/dark", show=False),
        Binding("w", "watch", "Watch the logs", show=False),
        Binding("q", "quit", "Quit"),
    ]

    walk: reactive[Walk] = reactive(Walk, always_update=True, init=False)  # the screens watch it
    busy: reactive[bool] = reactive(True, init=False)  # an update is pending or running

    def __init__(
        self,
        paths: Sequence[str] = (),
        *,
        pack_dirs: Sequence[str] = (),
        now: dt.datetime | None = None,
        answers: Mapping[str, str] | None = None,
        pfx_password: str | None = None,
        pasted: str = "",
    ) -> None:
        super().__init__()
        _start_process_helpers()
        api.prefetch_packs(pack_dirs)  # ready (or nearly) by the time the first update runs
        walk = Walk(
            paths=list(paths),
            answers=dict(answers or {}),
            now=now,
            pack_dirs=tuple(pack_dirs),
            pfx_password=pfx_password,
        )
        self.set_reactive(RelayDoctorApp.walk, walk)
        self._initial_pasted = pasted
        self._job: Worker[Walk] | None = None  # the update whose result the walk will take
        self._job_update: Update | None = None  # ... and what it was asked to do
        self._reading: ReadingDialog | None = None  # the progress dialog of the running read
        self._reading_timer: Timer | None = None  # ... until it is shown

    @property
    def packs(self) -> api.Packs | None:
        return self.walk.packs

    # -- start -----------------------------------------------------------------------------

    def on_mount(self) -> None:
        start = "conclusions" if self.walk.paths else "symptom"
        self.switch_mode(start)
        text = self._initial_pasted
        self.request(
            Update(
                paths=tuple(self.walk.paths),
                pasted=text,
                answers=dict(self.walk.answers),
                read_files=bool(self.walk.paths) or bool(text.strip()),
                read_text=bool(text.strip()),
                what=_what(self.walk.paths),
            )
        )

    # -- the pipeline ----------------------------------------------------------------------

    def request(self, update: Update) -> None:
        """Bring the walk up to date in a worker thread; a newer request cancels an older one."""
        self.busy = True
        if update.reads and update.paths:
            self._close_reading()
            self._reading = ReadingDialog(update.what)
            # Shown only when reading takes a while: a quick read repaints once, with the
            # verdicts, and no animation competes with the worker for the interpreter.
            self._reading_timer = self.set_timer(READING_DIALOG_DELAY, self._show_reading)
        self._job_update = update
        self._job = self._update(self.walk, update)

    @work(thread=True, exclusive=True, group="job", exit_on_error=False)
    def _update(self, walk: Walk, update: Update) -> Walk:
        """The new walk for ``update`` (runs in a thread; the result arrives as a state change)."""
        worker: Worker[Walk] = get_current_worker()
        packs = walk.packs or api.load_packs(walk.pack_dirs, cached=True)
        new = dataclasses.replace(
            walk, paths=list(update.paths), pasted=update.pasted, answers=dict(update.answers), packs=packs
        )
        if update.reads:
            new.text_error = api.check_text(update.pasted)
            text = "" if new.text_error else update.pasted
            new.evidence = api.load_evidence(
                update.paths,
                ndr_texts=[text] if text.strip() else [],
                progress=self._progress_poster(worker),
                cancel=lambda: worker.is_cancelled,
                pfx_password=new.pfx_password,
            )
            self.post_message(ReadingProgress(worker, phase="Diagnosing…"))
        if worker.is_cancelled:
            raise Cancelled("cancelled")
        evidence = new.evidence if new.evidence is not None else api.EvidenceSet()
        new.report = (
            api.diagnose_evidence(evidence, packs=packs, answers=new.answers, now=new.now)
            if new.has_input
            else None
        )
        return new

    def _progress_poster(self, worker: Worker[Walk]):
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] < PROGRESS_INTERVAL and done < total:
                return
            last[0] = now
            self.post_message(ReadingProgress(worker, done, total))

        return progress

    @on(ReadingProgress)
    def _reading_progress(self, message: ReadingProgress) -> None:
        if message.worker is not self._job or self._reading is None:
            return  # a superseded update
        if message.phase:
            self._reading.set_phase(message.phase)
        else:
            self._reading.set_progress(message.done, message.total)

    @on(Worker.StateChanged)
    def _job_state(self, event: Worker.StateChanged) -> None:
        if event.worker is not self._job:
            return  # another group's worker, or an update a newer one replaced
        if event.state == WorkerState.SUCCESS:
            assert event.worker.result is not None and self._job_update is not None
            self._job_done(event.worker.result, self._job_update)
        elif event.state == WorkerState.ERROR:
            self._job_failed(_failure(event.worker.error))
        elif event.state == WorkerState.CANCELLED:
            self._job_failed(None)

    def _job_done(self, walk: Walk, update: Update) -> None:
        before = self.walk.report
        self._job = self._job_update = None
        self.walk = walk  # the watching screens redraw
        self.busy = False
        self._close_reading()
        if update.read_text and walk.text_error and update.pasted.strip():
            self.notify(f"The pasted text: {walk.text_error}", severity="warning", markup=False)
        if before is not None and walk.report is not None and not update.read_files:
            changes = _changes(before, walk.report)
            if changes:
                self.notify("; ".join(changes), title="Diagnosis updated", markup=False)
        if update.go_to and self.current_mode != update.go_to:
            self.switch_mode(update.go_to)

    def _job_failed(self, error: str | None) -> None:
        self._job = self._job_update = None
        self.busy = False
        self._close_reading()
        if error is None:
            self.notify("Reading cancelled; the evidence is as it was.", severity="warning")
        else:
            self.notify(
                one_line(error, 400),
                title="Could not diagnose",
                severity="error",
                markup=False,
                timeout=10,
            )

    def _show_reading(self) -> None:
        if self._reading is not None and not self._reading.is_attached:
            self.push_screen(self._reading)

    def _close_reading(self) -> None:
        if self._reading_timer is not None:
            self._reading_timer.stop()
            self._reading_timer = None
        if self._reading is not None:
            if self._reading.is_attached and self.screen is self._reading:
                self._reading.dismiss()
            self._reading = None

    def cancel_reading(self) -> None:
        if self._job is not None:
            self._job.cancel()

    # -- what the screens ask for ----------------------------------------------------------

    def add_paths(self, new: Iterable[str]) -> None:
        paths = list(self.walk.paths)
        added = [p for p in new if p not in paths]
        if not added:
            self.notify("Already added.", severity="information")
            return
        surveys = [api.survey_folder(p, cap=SURVEY_CAP) for p in added if os.path.isdir(p)]
        paths.extend(added)

        def add(ok: bool | None = True) -> None:
            if not ok:
                return
            note = skipped_note(surveys)
            if note:
                self.notify(note, title="Not evidence", markup=False)
            self.request(self._update_of(paths=paths, read_files=True, what=_what(added)))

        big = [s for s in surveys if large(s)]
        if big:
            title = "Add this folder?" if len(big) == 1 else "Add these folders?"
            self.push_screen(ConfirmDialog(title, folder_question(big), yes="Add"), add)
        else:
            add()

    def reload_evidence(self) -> None:
        if not self.walk.paths:
            self.notify("No evidence files to read yet: press a to add some.")
            return
        self.request(self._update_of(read_files=True, what=_what(self.walk.paths)))

    def remove_source(self, source: str) -> None:
        root = root_of(source, self.walk.paths)
        if root is None:
            self.notify("That source was not added as a file or folder.", severity="warning")
            return
        paths = [p for p in self.walk.paths if p != root]
        self.notify(f"Removed {one_line(root, 120)}", markup=False)
        self.request(self._update_of(paths=paths, read_files=True, what=_what(paths)))

    def set_pasted(self, text: str, *, go_to: str | None = None) -> None:
        if not text.strip() and not self.walk.paths:
            self.notify("Paste the error text first, or add evidence with 2.", severity="warning")
            return
        self.request(self._update_of(pasted=text, read_text=True, go_to=go_to))

    def answer(self, key: str, value: str | None) -> None:
        answers = dict(self.walk.answers)
        if value is None:
            answers.pop(key, None)
        else:
            answers[key] = value
        self.request(self._update_of(answers=answers))

    def rediagnose(self) -> None:
        self.request(self._update_of())

    def _update_of(
        self,
        *,
        paths: Sequence[str] | None = None,
        pasted: str | None = None,
        answers: Mapping[str, str] | None = None,
        read_files: bool = False,
        read_text: bool = False,
        go_to: str | None = None,
        what: str = "",
    ) -> Update:
        """An update of the current walk: what is not given stays as it is."""
        walk = self.walk
        return Update(
            paths=tuple(walk.paths if paths is None else paths),
            pasted=walk.pasted if pasted is None else pasted,
            answers=dict(walk.answers if answers is None else answers),
            read_files=read_files,
            read_text=read_text,
            go_to=go_to,
            what=what,
        )

    def copy_command(self, text: str, *, what: str = "") -> None:
        self.copy_to_clipboard(text)
        label = what or one_line(text, 48)
        self.notify(f"{label}\nNot in your clipboard? Press s.", title="Copied", markup=False)

    def show_command(self, text: str) -> None:
        self.copy_to_clipboard(text)
        self.push_screen(CommandDialog(text))

    # -- actions ---------------------------------------------------------------------------

    def action_step(self, mode: str) -> None:
        if mode not in self.MODES or self._reading is not None:
            return  # while reading, the progress dialog keeps the stage
        while not isinstance(self.screen, StepScreen) and len(self.screen_stack) > 1:
            self.pop_screen()  # a dialog (help, a command, the file browser) closes first
        if self.current_mode != mode:
            self.switch_mode(mode)

    def action_add_evidence(self, title: str = "Add evidence") -> None:
        def picked(path: str | None) -> None:
            if path:
                self.add_paths([path])

        self.push_screen(AddEvidenceDialog(title=title), picked)

    def action_watch(self) -> None:
        """The live pane over the send logs among the loaded evidence."""
        from .screens.watch import WatchScreen

        if not self.walk.paths:
            self.notify("Add the send-log folder as evidence first (a), then press w.", severity="warning")
            return
        self.push_screen(WatchScreen(self.walk.paths, pack_dirs=self.walk.pack_dirs))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        if isinstance(screen, StepScreen):
            for title, help_text, action in screen.palette_commands():
                name = action.split(".", 1)[-1]
                callback = getattr(screen, f"action_{name}", None)
                if callback is not None:
                    yield SystemCommand(title, help_text, callback)
        for step in STEPS:
            if self.current_mode != step.mode:
                yield SystemCommand(
                    f"Go to {step.key} {step.title}", step.help, lambda mode=step.mode: self.action_step(mode)
                )
        yield SystemCommand("Add evidence", "Browse and add files or folders", self.action_add_evidence)
        yield SystemCommand("Help", "Keys and the six steps", self.action_help)
        yield SystemCommand("Light/dark", "Switch between the light and dark theme", self.action_toggle_theme)
        yield from super().get_system_commands(screen)


def _start_process_helpers() -> None:
    """Start multiprocessing's resource tracker now, while ``sys.stderr`` is a real file.

    The loader scans several large logs in spawned worker processes. Spawning first starts the
    resource tracker and hands it ``sys.stderr.fileno()``; inside a running Textual app stderr is
    Textual's print capture, whose fileno is -1, and the spawn fails ("bad value(s) in
    fds_to_keep"). Once the tracker runs, later spawns no longer need stderr.
    """
    if os.name != "posix":
        return
    try:
        from multiprocessing import resource_tracker

        resource_tracker.ensure_running()
    except Exception:
        return


def _what(paths: Sequence[str]) -> str:
    if not paths:
        return ""
    return paths[0] if len(paths) == 1 else f"{paths[0]} and {len(paths) - 1} more"


def _changes(before: Report, after: Report) -> list[str]:
    old: dict[tuple[str, str, str], Status] = {
        (v.code, v.cause, v.subject): v.status for v in before.verdicts
    }
    out = []
    for v in after.verdicts:
        was = old.get((v.code, v.cause, v.subject))
        if was is not None and was != v.status:
            about = f" [{v.subject}]" if v.subject else ""
            out.append(f"{v.cause}{about}: {was.short_label} → {v.status.short_label}")
    return out


def _failure(error: BaseException | None) -> str | None:
    """What the user is told when an update fails (None: it was cancelled)."""
    if error is None or isinstance(error, Cancelled):
        return None
    if isinstance(error, PackError):
        return f"the knowledge packs could not be loaded: {api.error_line(error)}"
    if isinstance(error, RelaydoctorError):
        return api.error_line(error)
    return f"internal error: {type(error).__name__}: {' '.join(str(error).split())}"


def run(
    paths: list[str],
    *,
    pack_dirs: Sequence[str] = (),
    now: dt.datetime | None = None,
    answers: Mapping[str, str] | None = None,
    pfx_password: str | None = None,
) -> int:
    """Run the TUI (blocking) on ``paths``; returns the exit code."""
    app = RelayDoctorApp(paths, pack_dirs=pack_dirs, now=now, answers=answers, pfx_password=pfx_password)
    result = app.run()
    return result if isinstance(result, int) else 0


__all__ = ["BY_MODE", "RelayDoctorApp", "run"]
