"""Modal dialogs: pick evidence, show a command to select by hand, reading progress, help."""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, DirectoryTree, Input, Markdown, ProgressBar, Static, TextArea

from ..literal import clean, join, lit_line
from ..widgets.filetree import EvidenceTree


class AddEvidenceDialog(ModalScreen[str | None]):
    """Browse to a file or folder and add it. The path box has the focus: a path typed there is
    added with Enter (ctrl+r browses a typed folder). In the tree (Tab), Enter on a file adds it,
    ``a`` adds the highlighted file or folder, Backspace goes up. The tree's letter keys are the
    tree's own bindings, so typing a path never fires them."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Close"),
        Binding("ctrl+r", "reroot", "Browse typed folder"),
    ]

    def __init__(self, start: str | os.PathLike[str] | None = None, *, title: str = "Add evidence") -> None:
        super().__init__(classes="dialog-screen")
        self.start = Path(start or os.getcwd()).expanduser()
        self.heading = title

    def compose(self) -> ComposeResult:
        with Vertical(id="add-dialog", classes="dialog"):
            yield Static(Content.styled(self.heading, "bold"), classes="dialog-title")
            yield Static(
                Content(
                    "Type a path and press Enter, or Tab to the tree: Enter on a file adds it, "
                    "a adds the highlighted file or folder, Backspace goes up. Esc closes."
                ),
                classes="dialog-help",
            )
            yield Input(placeholder="or type a path and press Enter", id="add-path")
            yield EvidenceTree(self.start, id="add-tree")
            yield Static("", id="add-status", markup=False)

    def on_mount(self) -> None:
        self.query_one("#add-path", Input).focus()
        self._status(self.start)

    def _status(self, path: Path) -> None:
        self.query_one("#add-status", Static).update(join(("Folder: ", "$text-muted"), lit_line(str(path))))

    @on(DirectoryTree.FileSelected)
    def _file(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        self.dismiss(str(event.path))

    @on(DirectoryTree.DirectorySelected)
    def _dir(self, event: DirectoryTree.DirectorySelected) -> None:
        event.stop()
        self._status(event.path)

    @on(Input.Submitted, "#add-path")
    def _typed(self, event: Input.Submitted) -> None:
        event.stop()
        path = Path(event.value.strip()).expanduser()
        if not event.value.strip():
            return
        if not path.exists():
            self.notify(f"No such file or folder: {clean(str(path))}", severity="error", markup=False)
            return
        self.dismiss(str(path))

    def action_add_highlighted(self) -> None:
        tree = self.query_one("#add-tree", EvidenceTree)
        node = tree.cursor_node
        if node is None or node.data is None:
            return
        self.dismiss(str(node.data.path))

    def action_reroot(self) -> None:
        raw = self.query_one("#add-path", Input).value.strip()
        path = Path(raw).expanduser() if raw else self.start
        if path.is_dir():
            self.query_one("#add-tree", EvidenceTree).path = path
            self._status(path)

    def action_up(self) -> None:
        tree = self.query_one("#add-tree", EvidenceTree)
        parent = Path(tree.path).resolve().parent
        tree.path = parent
        self._status(parent)


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question; y or Enter on the yes button says yes, n or Esc says no. The no button
    has the focus, so Enter alone never does the risky thing."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "dismiss(False)", "No"),
        Binding("y", "dismiss(True)", "Yes"),
    ]

    def __init__(self, title: str, body: Content, *, yes: str = "Yes", no: str = "Cancel") -> None:
        super().__init__(classes="dialog-screen")
        self.heading = title
        self.body = body
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog", classes="dialog"):
            yield Static(Content.styled(self.heading, "bold"), classes="dialog-title")
            yield Static(self.body, id="confirm-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.yes} (y)", id="confirm-yes", variant="warning")
                yield Button(f"{self.no} (n)", id="confirm-no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def _no(self) -> None:
        self.dismiss(False)


class CommandDialog(ModalScreen[None]):
    """A command shown whole in a read-only text area, for terminals that ignore clipboard
    requests: select it with the mouse or keys and copy it the terminal's way."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close"),
        Binding("c", "copy", "Copy again"),
    ]

    def __init__(self, command: str) -> None:
        super().__init__(classes="dialog-screen")
        self.command = command

    def compose(self) -> ComposeResult:
        with Vertical(id="command-dialog", classes="dialog"):
            yield Static(Content.styled("Command", "bold"), classes="dialog-title")
            yield Static(
                Content(
                    "Copied to the clipboard if your terminal allows it. If not, select the "
                    "text below (mouse, or shift+arrows then ctrl+c) and copy it."
                ),
                classes="dialog-help",
            )
            yield TextArea(clean(self.command), read_only=True, soft_wrap=True, id="command-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Copy again (c)", id="command-copy", variant="primary")
                yield Button("Close (Esc)", id="command-close")

    def on_mount(self) -> None:
        area = self.query_one("#command-text", TextArea)
        area.focus()
        area.select_all()

    def action_copy(self) -> None:
        self.app.copy_command(self.command)  # type: ignore[attr-defined]

    @on(Button.Pressed, "#command-copy")
    def _copy(self) -> None:
        self.action_copy()

    @on(Button.Pressed, "#command-close")
    def _close(self) -> None:
        self.dismiss()


class ReadingDialog(ModalScreen[None]):
    """Progress while evidence is read in a worker; Esc asks the worker to stop."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel reading", priority=True)]

    def __init__(self, what: str) -> None:
        super().__init__(classes="dialog-screen")
        self.what = what
        self._progress = (0, 0)
        self._phase = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="reading-dialog", classes="dialog"):
            yield Static(Content.styled("Reading evidence", "bold"), classes="dialog-title")
            yield Static(lit_line(self.what, limit=200), id="reading-what")
            yield ProgressBar(total=None, show_eta=False, id="reading-bar")
            yield Static(Content("Esc cancels; the evidence you had stays as it was."), classes="dialog-help")

    def on_mount(self) -> None:
        self._apply()

    def set_progress(self, done: int, total: int) -> None:
        """Progress so far; kept until the dialog is shown (it opens only for slow reads)."""
        self._progress = (done, total)
        self._apply()

    def set_phase(self, text: str) -> None:
        self._phase = text
        self._apply()

    def _apply(self) -> None:
        if not self.is_mounted:
            return
        done, total = self._progress
        if total > 0:
            self.query_one("#reading-bar", ProgressBar).update(total=total, progress=min(done, total))
        if self._phase:
            self.query_one("#reading-what", Static).update(lit_line(self._phase, limit=200))

    def action_cancel(self) -> None:
        self.app.cancel_reading()  # type: ignore[attr-defined]
        self.set_phase("Cancelling…")


HELP = """\
# relaydoctor

Explains why Exchange Online refuses to relay your mail (**550 5.7.64 TenantAttribution;
Relay Access Denied** and relatives), from your own evidence, offline. Walk the six steps in
any order; each has its key:

- **1 Symptom** — paste the NDR or error text (**ctrl+d** diagnoses it), or **ctrl+o** opens an .eml.
- **2 Evidence** — **a** adds files or folders (logs, exports, certificates); a fact shows its
  file:line. Folders holding .git, virtualenvs or node_modules are skipped.
- **3 Questions** — answer what the evidence could not decide; the diagnosis re-runs at once.
- **4 Conclusions** — every cause with its status, confirmed first; the reasoning of the selected one.
- **5 Fix** — ordered steps with your names filled in: **Enter**/**c** copies a command, **s** shows it.
- **6 Export** — save the report as Markdown or JSON, redacted unless you say otherwise.

## Keys everywhere

- **Tab** moves between parts; **↑↓ PgUp PgDn** scroll.
- **ctrl+p** opens the command palette (the actions of the current step).
- **ctrl+t** switches light/dark; **?** or **F1** shows this help; **q** quits (also **ctrl+q**).
- While typing in a text box, press **Esc** or **Tab** first to use the step keys.

## Status marks

**✔** confirmed · **◐** likely · **?** open (undetermined) · **✗** ruled out.

## Missing evidence?

`relaydoctor collect-script > collect.ps1` prints a read-only PowerShell collector; run it on
the Exchange server and add the folder it writes.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark,f1", "dismiss", "Close")]

    def __init__(self) -> None:
        super().__init__(classes="dialog-screen")

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog", classes="dialog"):
            with VerticalScroll(id="help-scroll"):
                yield Markdown(HELP, id="help-text")
            yield Static(Content("↑↓ PgUp PgDn scroll · Esc closes"), classes="dialog-help")

    def on_mount(self) -> None:
        self.query_one("#help-scroll", VerticalScroll).focus()
