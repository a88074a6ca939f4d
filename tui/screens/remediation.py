"""Step 5: the fix. Ordered steps for the confirmed (then likely) causes, commands filled with the
user's own names, each copyable, with the Microsoft references and a verify step."""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from ..literal import clean, join, lines, lit, lit_line
from ..views import all_commands, fix_verdicts, verdict_name
from ..widgets.command import CommandLine
from ..widgets.verdicts import status_badge
from .base import StepScreen

# Commands shown per step: a pack's for_each over a long list (a connector's SenderIPAddresses)
# gives one per element, and thousands of command widgets take a minute to mount. "Copy all" and
# the export still give every command (from the report, not the widgets).
COMMANDS_SHOWN = 50


class RemediationScreen(StepScreen):
    MODE = "remediation"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "copy_all", "Copy all"),
    ]

    def compose_body(self) -> ComposeResult:
        yield Static(id="fix-intro", classes="step-intro")
        yield VerticalScroll(id="fix")

    def redraw(self) -> None:
        report = self.walk.report
        intro = self.query_one("#fix-intro", Static)
        verdicts = fix_verdicts(report)
        if not verdicts:
            intro.update(
                Content.assemble(
                    ("5 · Fix  ", "bold"),
                    "Nothing to fix yet: no cause is confirmed or likely. See 4, answer questions in 3.",
                )
            )
            self.run_worker(partial(self._replace, []), exclusive=True, group="rebuild")
            return
        intro.update(
            Content.assemble(
                ("5 · Fix  ", "bold"),
                "↑↓ or Tab: next command · Enter or c: copy it · s: show it whole",
            )
        )
        widgets: list = []
        for verdict in verdicts:
            widgets.append(
                Static(
                    lines(
                        [
                            join(
                                status_badge(verdict.status),
                                ("  ", ""),
                                lit_line(verdict_name(verdict), "bold"),
                            ),
                            lit(verdict.title, "bold"),
                        ]
                    ),
                    classes="fix-cause",
                )
            )
            if verdict.status == "likely":
                widgets.append(
                    Static(
                        Content.styled(
                            "Likely, not confirmed: check before changing anything (its question is in 3).",
                            "italic $text-warning",
                        )
                    )
                )
            for n, step in enumerate(verdict.remediation, 1):
                text = " ".join(clean(step.step).split())
                is_verify = text.startswith("Verify:")
                label = "✓ " if is_verify else f"{n}. "
                widgets.append(
                    Static(
                        join((label, "bold $text-success" if is_verify else "bold"), lit(text)),
                        classes="fix-step verify" if is_verify else "fix-step",
                    )
                )
                for command in step.commands[:COMMANDS_SHOWN]:
                    widgets.append(CommandLine(command))
                if len(step.commands) > COMMANDS_SHOWN:
                    more = len(step.commands) - COMMANDS_SHOWN
                    widgets.append(
                        Static(
                            Content.styled(
                                f"+{more} more commands of this step: y copies them all, 6 exports them.",
                                "italic $text-muted",
                            )
                        )
                    )
            if verdict.references:
                refs = [Content.styled("References", "bold underline")]
                refs.extend(lit(url, "$text-accent") for url in verdict.references)
                widgets.append(Static(lines(refs), classes="fix-refs"))
        if report is not None and report.notes:
            notes = [Content.styled("Notes", "bold underline")]
            notes.extend(join(("• ", ""), lit(n)) for n in report.notes)
            widgets.append(Static(lines(notes), classes="fix-notes"))
        self.run_worker(partial(self._replace, widgets), exclusive=True, group="rebuild")

    async def _replace(self, widgets: list) -> None:
        box = self.query_one("#fix", VerticalScroll)
        await box.remove_children()
        if widgets:
            await box.mount_all(widgets)
        self._focus_first()

    def _focus_first(self) -> None:
        first = next(iter(self.query(CommandLine)), None)
        if first is not None and self.is_current:
            first.focus()
            self.query_one("#fix", VerticalScroll).scroll_home(animate=False)

    def _commands(self) -> list[CommandLine]:
        return list(self.query(CommandLine))

    def _move(self, delta: int) -> None:
        commands = self._commands()
        if not commands:
            return
        if self.focused in commands:
            index = (commands.index(self.focused) + delta) % len(commands)  # type: ignore[arg-type]
        else:
            index = 0
        commands[index].focus()
        commands[index].scroll_visible()

    def action_next_command(self) -> None:
        self._move(1)

    def action_previous_command(self) -> None:
        self._move(-1)

    def action_copy_all(self) -> None:
        commands = all_commands(fix_verdicts(self.walk.report))  # every one, not the widgets shown
        if commands:
            self.rd.copy_command("\n".join(commands), what=f"{len(commands)} commands")

    def palette_commands(self) -> list[tuple[str, str, str]]:
        return [
            ("Copy every command", "All remediation commands, one per line", "screen.copy_all"),
        ]
