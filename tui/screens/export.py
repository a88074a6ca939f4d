"""Step 6: export. Save the report as Markdown or JSON — the same bytes ``relaydoctor diagnose
--format markdown|json [--redact]`` writes for the same evidence, answers and time, through the
engine's safe writer (never over the evidence, atomically). Redaction is on by default and its
state reads in words; overwriting a file and exporting un-redacted each ask first."""

from __future__ import annotations

import os
from typing import ClassVar

from relaydoctor.engine import api
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Checkbox, Input, RadioButton, RadioSet, Static

from ..literal import join, lit
from .base import StepScreen
from .dialogs import ConfirmDialog

EXTENSIONS = {"markdown": ".md", "json": ".json"}


def redact_label(on: bool) -> str:
    """The checkbox's state in words, not only in colour."""
    if on:
        return "Redacted: yes (names, addresses, paths replaced)"
    return "Redacted: no (real names and addresses)"


class ExportScreen(StepScreen):
    MODE = "export"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+s", "save", "Save")]

    def compose_body(self) -> ComposeResult:
        yield Static(
            Content.assemble(
                ("6 · Export  ", "bold"),
                "The file is what 'relaydoctor diagnose --format …' writes for this evidence.",
            ),
            classes="step-intro",
        )
        with Vertical(id="export-form"):
            with Horizontal(classes="form-row"):
                yield Static(Content("Format"), classes="form-label")
                with RadioSet(id="format"):
                    yield RadioButton("Markdown", value=True, id="fmt-markdown")
                    yield RadioButton("JSON", id="fmt-json")
            with Horizontal(classes="form-row"):
                yield Static(Content("Redact"), classes="form-label")
                yield Checkbox(redact_label(True), value=True, id="redact")
            with Horizontal(classes="form-row"):
                yield Static(Content("File"), classes="form-label")
                yield Input(value=os.path.join(os.getcwd(), "relaydoctor-report.md"), id="export-path")
            yield Button("Save (ctrl+s)", id="save", variant="primary")
            yield Static("", id="export-status", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#format", RadioSet).focus()

    @on(Checkbox.Changed, "#redact")
    def _redact_changed(self, event: Checkbox.Changed) -> None:
        event.checkbox.label = redact_label(event.value)

    @property
    def fmt(self) -> str:
        pressed = self.query_one("#format", RadioSet).pressed_button
        return "json" if pressed is not None and pressed.id == "fmt-json" else "markdown"

    @on(RadioSet.Changed, "#format")
    def _format_changed(self) -> None:
        field = self.query_one("#export-path", Input)
        root, ext = os.path.splitext(field.value)
        if ext.lower() in (".md", ".json", ".markdown", ""):
            field.value = root + EXTENSIONS[self.fmt]

    def redraw(self) -> None:
        status = self.query_one("#export-status", Static)
        if self.walk.report is None:
            status.update(Content.styled("Nothing to export yet: diagnose first (1 or 2).", "$text-muted"))

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Input.Submitted, "#export-path")
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        report = self.walk.report
        if report is None:
            self.notify("Nothing to export yet: diagnose first.", severity="warning")
            return
        path = self.query_one("#export-path", Input).value.strip()
        if not path:
            self.notify("Give a file name.", severity="warning")
            return
        self._ask_then_save(report, self.fmt, path, self.query_one("#redact", Checkbox).value)

    def _ask_then_save(self, report: api.Report, fmt: api.Format, path: str, redact: bool) -> None:
        """Un-redacted asks first, then an existing file asks first; then the worker writes."""
        target = os.path.expanduser(path)

        def overwrite_ok() -> None:
            if os.path.isfile(target):
                body = join(lit(target, "bold"), (" already exists. Replace it?", ""))
                self.app.push_screen(
                    ConfirmDialog("Overwrite?", body, yes="Overwrite"),
                    lambda ok: ok and self._save(report, fmt, path, redact, force=True),
                )
            else:  # a file that appears meanwhile is still refused
                self._save(report, fmt, path, redact, force=False)

        if redact:
            overwrite_ok()
            return
        body = Content.assemble(
            ("Redacted: no. ", "bold $text-warning"),
            "The file will hold your real domains, IP addresses, host and connector names, "
            "thumbprints and file paths. Save it un-redacted?",
        )
        self.app.push_screen(
            ConfirmDialog("Export un-redacted?", body, yes="Save un-redacted"),
            lambda ok: ok and overwrite_ok(),
        )

    @work(thread=True, exclusive=True, group="export")
    def _save(self, report: api.Report, fmt: api.Format, path: str, redact: bool, *, force: bool) -> None:
        try:  # force only after the user said yes to overwriting; evidence is refused anyway
            target = api.export(report, fmt, path, redacted=redact, inputs=list(self.walk.paths), force=force)
        except Exception as exc:
            self.app.call_from_thread(self._done, None, api.error_line(exc))
            return
        self.app.call_from_thread(self._done, str(target), None)

    def _done(self, target: str | None, error: str | None) -> None:
        status = self.query_one("#export-status", Static)
        if error:
            status.update(join(("Not saved: ", "bold $text-error"), lit(error)))
            self.notify(f"Not saved: {error}", severity="error", markup=False)
            return
        status.update(join(("Saved ", "bold $text-success"), lit(target or "")))
        self.notify(f"Saved {target}", markup=False)

    def palette_commands(self) -> list[tuple[str, str, str]]:
        return [("Save the report", "Write the Markdown or JSON file", "screen.save")]
