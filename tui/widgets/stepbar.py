"""The step bar: where you are in the walk; each step is one key (1-6) or one click away."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.events import Click
from textual.widgets import Static

from ..steps import STEPS


class StepTab(Static):
    """One step: its key and title; clicking opens it."""

    def __init__(self, mode: str, label: str, *, current: bool) -> None:
        super().__init__(Content(label), classes="step -current" if current else "step")
        self.mode = mode

    async def on_click(self, event: Click) -> None:
        event.stop()
        await self.app.run_action(f"step('{self.mode}')")


class StepBar(Horizontal):
    """``1 Symptom  2 Evidence  3 Questions  4 Conclusions  5 Fix  6 Export``, current one lit."""

    def __init__(self, current: str) -> None:
        super().__init__(id="stepbar")
        self.current = current

    def compose(self) -> ComposeResult:
        for step in STEPS:
            yield StepTab(step.mode, f" {step.key} {step.title} ", current=step.mode == self.current)

    def set_badge(self, mode: str, badge: str) -> None:
        """Show a count next to a step title (e.g. open questions)."""
        for tab in self.query(StepTab):
            if tab.mode == mode:
                step = next(s for s in STEPS if s.mode == mode)
                suffix = f" ({badge})" if badge else ""
                tab.update(Content(f" {step.key} {step.title}{suffix} "))
