"""A copyable command: focus it (Tab, click) and press Enter or c to copy, s to show it whole.

Copying uses the terminal clipboard (OSC 52, ``App.copy_to_clipboard``), which some terminals
ignore, so every copy also says so in a notification and the command can be opened in a dialog
where it is selectable text.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.events import Click
from textual.widgets import Static

from ..literal import clean


class CommandLine(Static, can_focus=True):
    """One PowerShell command, shown literally with a prompt mark."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,c", "copy", "Copy"),
        Binding("s", "show", "Show"),
        Binding("down", "next", "Next", show=False),
        Binding("up", "previous", "Previous", show=False),
    ]

    def __init__(self, command: str, *, id: str | None = None, classes: str = "") -> None:
        self.command = command
        super().__init__(
            Content.assemble(("> ", "bold $text-accent"), clean(command)),
            id=id,
            classes=f"command {classes}".strip(),
        )
        self.tooltip = "Enter or c: copy · s: show in a dialog"

    def on_focus(self) -> None:
        self.scroll_visible(animate=False)

    def action_copy(self) -> None:
        self.app.copy_command(self.command)  # type: ignore[attr-defined]

    def action_show(self) -> None:
        self.app.show_command(self.command)  # type: ignore[attr-defined]

    def action_next(self) -> None:
        self.screen.focus_next()
        if self.screen.focused is not None:
            self.screen.focused.scroll_visible()

    def action_previous(self) -> None:
        self.screen.focus_previous()
        if self.screen.focused is not None:
            self.screen.focused.scroll_visible()

    def on_click(self, event: Click) -> None:
        event.stop()
        self.focus()
        if event.chain >= 2:
            self.action_show()
        else:
            self.action_copy()
