"""What every step screen shares: the step bar on top, the footer of bindings, and redrawing
from the app's ``walk`` reactive: at once when it changes on the current screen, on return when it
changed while the screen was away."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, TextArea

from ..state import NO_EVIDENCE
from ..steps import BY_MODE
from ..widgets.footer import LeanFooter
from ..widgets.stepbar import StepBar

if TYPE_CHECKING:
    from relaydoctor.engine.api import Packs

    from ..app import RelayDoctorApp
    from ..state import Walk


def no_evidence_line(walk: Walk) -> str:
    """The empty state, as the CLI's exit 2 says it: what was skipped, if anything."""
    n = walk.skipped
    if not n:
        return NO_EVIDENCE
    return f"{NO_EVIDENCE} ({n} file{'s' if n != 1 else ''} skipped as not evidence: see 2)"


class StepScreen(Screen[None]):
    """A step of the walk. Subclasses set ``MODE``, implement ``compose_body`` and ``redraw``."""

    MODE = ""
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "leave_input", "Leave text box", show=False)]

    @property
    def rd(self) -> RelayDoctorApp:
        return self.app  # type: ignore[return-value]

    @property
    def walk(self) -> Walk:
        return self.rd.walk

    @property
    def packs(self) -> Packs | None:
        return self.rd.walk.packs

    def __init__(self) -> None:
        super().__init__(classes=f"step-screen {self.MODE}-screen")
        self._drawn: Walk | None = None  # the walk the screen shows

    def compose(self) -> ComposeResult:
        yield StepBar(self.MODE)
        with Vertical(id="body"):
            yield from self.compose_body()
        yield LeanFooter()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        self.sub_title = BY_MODE[self.MODE].title if self.MODE in BY_MODE else ""
        self.watch(self.app, "walk", self._walk_changed, init=False)
        self.sync()

    def _walk_changed(self, walk: Walk) -> None:
        if self.is_current:
            self.sync()  # a screen away redraws when it comes back (on_screen_resume)

    def on_screen_resume(self) -> None:
        self.sync()

    def sync(self, *, force: bool = False) -> None:
        """Redraw when the walk changed since the last draw (or when forced)."""
        if force or self._drawn is not self.walk:
            self._drawn = self.walk
            self.redraw()
        self._update_badges()

    def redraw(self) -> None:
        """Rebuild what depends on the walk."""

    def _update_badges(self) -> None:
        report = self.walk.report
        bar = self.query(StepBar)
        if not bar:
            return
        questions = len(report.questions) if report and self.walk.has_evidence else 0
        bar.first().set_badge("questions", str(questions) if questions else "")

    def action_leave_input(self) -> None:
        """Esc in a text box hands the keys back to the step (1-6, ?, q)."""
        if isinstance(self.focused, Input | TextArea):
            self.set_focus(None)

    def palette_commands(self) -> list[tuple[str, str, str]]:
        """(title, help, action) offered by the command palette on this step."""
        return []
