"""The relaydoctor terminal UI: a six-step walk from the symptom to the fix.

``run(paths, ...)`` is what ``relaydoctor`` and ``relaydoctor tui [PATH...]`` call. Started with
evidence paths, the app reads and diagnoses them at once and opens on the conclusions; started
bare, it opens on the symptom step. Each step is an App mode (its own screen, keys 1-6). All
engine work (reading evidence, diagnosing, exporting) runs in worker threads; reading shows a
progress dialog and Esc cancels it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from relaydoctor.engine.errors import Cancelled, PackError, RelaydoctorError
from relaydoctor.engine.results import Report
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from . import backend
from .backend import Walk
from .literal import one_line
from .screens.base import StepScreen
from .screens.conclusions import ConclusionsScreen
from .screens.dialogs import AddEvidenceDialog, CommandDialog, HelpScreen, ReadingDialog
from .screens.evidence import EvidenceScreen
from .screens.export import ExportScreen
from .screens.questions import QuestionsScreen
from .screens.remediation import RemediationScreen
from .screens.symptom import SymptomScreen
from .steps import BY_MODE, STEPS
from .views import STATUS_LABEL, within

PROGRESS_INTERVAL = 0.1  # seconds between progress updates sent to the UI thread


@dataclass(frozen=True, slots=True)
class Job:
    """One request to bring the walk up to date: what changed, and where to go afterwards."""

    paths: tuple[str, ...]
    pasted: str
    answers: Mapping[str, str]
    reread: bool  # parse the files again (paths changed or the user asked)
    retext: bool  # parse the pasted text again
    go_to: str | None = None
    what: str = ""


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
        Binding("q", "quit", "Quit"),
    ]

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
        self.walk = Walk(
            paths=list(paths),
            answers=dict(answers or {}),
            now=now,
            pack_dirs=tuple(pack_dirs),
            pfx_password=pfx_password,
        )
        self._initial_pasted = pasted
        self.packs: Any = None
        self._generation = 0
        self._cancel = threading.Event()
        self._reading: ReadingDialog | None = None
        self.busy = True  # a job is pending or running (tests wait on this); on_mount starts the first

    # -- start -----------------------------------------------------------------------------

    def on_mount(self) -> None:
        start = "conclusions" if self.walk.paths else "symptom"
        self.switch_mode(start)
        self.run_job(
            Job(
                paths=tuple(self.walk.paths),
                pasted=self._initial_pasted,
                answers=dict(self.walk.answers),
                reread=bool(self.walk.paths) or bool(self._initial_pasted.strip()),
                retext=bool(self._initial_pasted.strip()),
                what=_what(self.walk.paths),
            )
        )

    # -- the pipeline ----------------------------------------------------------------------

    def run_job(self, job: Job) -> None:
        """Bring the walk up to date in a worker thread; the newest job wins."""
        self._generation += 1
        generation = self._generation
        self._cancel = threading.Event()
        self.busy = True
        if (job.reread or job.retext) and job.paths:
            self._close_reading()
            self._reading = ReadingDialog(job.what)
            self.push_screen(self._reading)
        cancel = self._cancel
        self.run_worker(
            lambda: self._job_thread(job, generation, cancel),
            thread=True,
            group="job",
            name=f"job-{generation}",
            exit_on_error=False,
        )

    def _job_thread(self, job: Job, generation: int, cancel: threading.Event) -> None:
        try:
            packs = self.packs or backend.packs_for(self.walk.pack_dirs)
            walk = dataclasses.replace(
                self.walk, paths=list(job.paths), pasted=job.pasted, answers=dict(job.answers)
            )
            if job.reread or job.retext:
                walk.text_error = backend.check_text(job.pasted)
                text = "" if walk.text_error else job.pasted
                walk.evidence = backend.load(
                    job.paths,
                    text,
                    progress=self._progress_fn(generation),
                    cancel=cancel.is_set,
                    pfx_password=walk.pfx_password,
                )
                self.call_from_thread(self._phase, generation, "Diagnosing…")
            if cancel.is_set():
                raise Cancelled("cancelled")
            walk.report = backend.diagnose(walk, packs) if walk.has_input else None
        except Cancelled:
            self.call_from_thread(self._job_failed, generation, None, job)
            return
        except PackError as exc:
            text = f"the knowledge packs could not be loaded: {backend._one_line(exc)}"
            self.call_from_thread(self._job_failed, generation, text, job)
            return
        except RelaydoctorError as exc:
            self.call_from_thread(self._job_failed, generation, backend._one_line(exc), job)
            return
        except Exception as exc:
            text = f"internal error: {type(exc).__name__}: {' '.join(str(exc).split())}"
            self.call_from_thread(self._job_failed, generation, text, job)
            return
        self.call_from_thread(self._job_done, generation, packs, walk, job)

    def _progress_fn(self, generation: int):
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] < PROGRESS_INTERVAL and done < total:
                return
            last[0] = now
            self.call_from_thread(self._progress, generation, done, total)

        return progress

    def _progress(self, generation: int, done: int, total: int) -> None:
        if generation == self._generation and self._reading is not None:
            self._reading.set_progress(done, total)

    def _phase(self, generation: int, text: str) -> None:
        if generation == self._generation and self._reading is not None:
            self._reading.set_phase(text)

    def _job_done(self, generation: int, packs: Any, walk: Walk, job: Job) -> None:
        if generation != self._generation:
            return
        self.packs = packs
        before = self.walk.report
        walk.version = self.walk.version + 1
        self.walk = walk
        self.busy = False
        self._close_reading()
        if job.retext and walk.text_error and job.pasted.strip():
            self.notify(f"The pasted text: {walk.text_error}", severity="warning", markup=False)
        if before is not None and walk.report is not None and not job.reread:
            changes = _changes(before, walk.report)
            if changes:
                self.notify("; ".join(changes), title="Diagnosis updated", markup=False)
        if job.go_to and self.current_mode != job.go_to:
            self.switch_mode(job.go_to)
        else:
            self._sync_current()

    def _job_failed(self, generation: int, error: str | None, job: Job) -> None:
        if generation != self._generation:
            return
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
        self._sync_current()

    def _close_reading(self) -> None:
        if self._reading is not None:
            if self._reading.is_attached and self.screen is self._reading:
                self._reading.dismiss()
            self._reading = None

    def _sync_current(self) -> None:
        screen = self.screen
        if isinstance(screen, StepScreen):
            screen.sync()

    def cancel_reading(self) -> None:
        self._cancel.set()

    # -- what the screens ask for ----------------------------------------------------------

    def add_paths(self, new: Iterable[str]) -> None:
        paths = list(self.walk.paths)
        added = [p for p in new if p not in paths]
        if not added:
            self.notify("Already added.", severity="information")
            return
        paths.extend(added)
        self.run_job(
            Job(tuple(paths), self.walk.pasted, dict(self.walk.answers), True, False, what=_what(added))
        )

    def reload_evidence(self) -> None:
        if not self.walk.paths:
            self.notify("No evidence files to read yet: press a to add some.")
            return
        self.run_job(
            Job(
                tuple(self.walk.paths),
                self.walk.pasted,
                dict(self.walk.answers),
                True,
                False,
                what=_what(self.walk.paths),
            )
        )

    def remove_source(self, source: str) -> None:
        root = next((p for p in self.walk.paths if within(source, p)), None)
        if root is None:
            self.notify("That source was not added as a file or folder.", severity="warning")
            return
        paths = [p for p in self.walk.paths if p != root]
        self.notify(f"Removed {one_line(root, 120)}", markup=False)
        self.run_job(
            Job(tuple(paths), self.walk.pasted, dict(self.walk.answers), True, False, what=_what(paths))
        )

    def set_pasted(self, text: str, *, go_to: str | None = None) -> None:
        if not text.strip() and not self.walk.paths:
            self.notify("Paste the error text first, or add evidence with 2.", severity="warning")
            return
        self.run_job(Job(tuple(self.walk.paths), text, dict(self.walk.answers), False, True, go_to=go_to))

    def answer(self, key: str, value: str | None) -> None:
        answers = dict(self.walk.answers)
        if value is None:
            answers.pop(key, None)
        else:
            answers[key] = value
        self.run_job(Job(tuple(self.walk.paths), self.walk.pasted, answers, False, False))

    def rediagnose(self) -> None:
        self.run_job(Job(tuple(self.walk.paths), self.walk.pasted, dict(self.walk.answers), False, False))

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
    old = {(v.code, v.cause): v.status for v in before.verdicts}
    out = []
    for v in after.verdicts:
        was = old.get((v.code, v.cause))
        if was is not None and was != v.status:
            out.append(f"{v.cause}: {STATUS_LABEL.get(was, was)} → {STATUS_LABEL.get(v.status, v.status)}")
    return out


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
