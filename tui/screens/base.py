"""What every step screen shares: the step bar on top, the footer of bindings, and redrawing
from the app's current ``Walk`` when it changed while the screen was away."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, TextArea

from ..steps import BY_MODE
from ..widgets.stepbar import StepBar

if TYPE_CHECKING:
    from ..app import RelayDoctorApp
    from ..backend import Walk


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
    def packs(self) -> Any:
        return self.rd.packs

    def __init__(self) -> None:
        super().__init__(classes=f"step-screen {self.MODE}-screen")
        self._drawn_version = -1

    def compose(self) -> ComposeResult:
        yield StepBar(self.MODE)
        with Vertical(id="body"):
            yield from self.compose_body()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        self.sub_title = BY_MODE[self.MODE].title if self.MODE in BY_MODE else ""
        self.sync()

    def on_screen_resume(self) -> None:
        self.sync()

    def sync(self, *, force: bool = False) -> None:
        """Redraw when the walk changed since the last draw (or when forced)."""
        if force or self._drawn_version != self.walk.version:
            self._drawn_version = self.walk.version
            self.redraw()
        self._update_badges()

    def redraw(self) -> None:
        """Rebuild what depends on the walk."""

    def _update_badges(self) -> None:
        report = self.walk.report
        bar = self.query(StepBar)
        if not bar:
            return
        questions = len(report.questions) if report else 0
        bar.first().set_badge("questions", str(questions) if questions else "")

    def action_leave_input(self) -> None:
        """Esc in a text box hands the keys back to the step (1-6, ?, q)."""
        if isinstance(self.focused, Input | TextArea):
            self.set_focus(None)

    def palette_commands(self) -> list[tuple[str, str, str]]:
        """(title, help, action) offered by the command palette on this step."""
        return []
