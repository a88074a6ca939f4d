"""Step 3: questions. The pack's question for each open cause, answered inline; every answer
re-runs the diagnosis at once on the evidence already parsed (no re-reading)."""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from relaydoctor.engine.api import Question, answer_form, answer_problem
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Input, Static

from ..literal import join, lines, lit
from ..views import collect_command
from ..widgets.command import CommandLine
from .base import StepScreen, no_evidence_line


class AnswerButton(Button):
    """A button that gives one answer (``key=value``)."""

    def __init__(self, key: str, value: str, *, current: bool = False) -> None:
        super().__init__(
            Content(value), variant="success" if current else "default", compact=True, classes="answer-button"
        )
        self.key = key
        self.value = value


class AnswerInput(Input):
    """A free answer (e.g. an IP address) for ``key``; Enter submits."""

    def __init__(self, key: str, hint: str, value: str = "") -> None:
        super().__init__(value=value, placeholder=hint or "your answer", compact=True, classes="answer-input")
        self.key = key


class ClearAnswer(Button):
    def __init__(self, key: str) -> None:
        super().__init__(Content("forget"), compact=True, classes="clear-answer")
        self.key = key


class QuestionsScreen(StepScreen):
    MODE = "questions"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+r", "rediagnose", "Re-run", show=False)]

    def compose_body(self) -> ComposeResult:
        yield Static(id="questions-intro", classes="step-intro")
        yield VerticalScroll(id="questions")

    def redraw(self) -> None:
        report = self.walk.report
        intro = self.query_one("#questions-intro", Static)
        if report is None or not self.walk.has_evidence:
            why = "Questions appear once there is a diagnosis (1 or 2)."
            if report is not None or not self.walk.has_input:
                why = no_evidence_line(self.walk)
            intro.update(Content.assemble(("3 · Questions  ", "bold"), why))
            self.run_worker(partial(self._replace, []), exclusive=True, group="rebuild")
            return
        n = len(report.questions)
        intro.update(
            Content.assemble(
                ("3 · Questions  ", "bold"),
                (
                    f"{n} open question{'s' if n != 1 else ''}. Each answer re-runs the diagnosis at once."
                    if n
                    else "No open questions: the evidence decided every cause."
                    + (" Your answers are below." if self.walk.answers else "")
                ),
            )
        )
        widgets = [self._question(q) for q in report.questions]
        if self.walk.answers:
            widgets.append(self._answers())
        self.run_worker(partial(self._replace, widgets), exclusive=True, group="rebuild")

    async def _replace(self, widgets: list) -> None:
        box = self.query_one("#questions", VerticalScroll)
        await box.remove_children()
        if widgets:
            await box.mount_all(widgets)
        self._focus_first()

    def _focus_first(self) -> None:
        first = next(iter(self.query(".answer-button, .answer-input")), None)
        if first is not None and self.is_current:
            first.focus()
            self.query_one("#questions", VerticalScroll).scroll_home(animate=False)

    def _question(self, q: Question) -> Vertical:
        form = answer_form(q.answers_with)
        current = self.walk.answers.get(form.key, "") if form else ""
        parts: list = [
            Static(join(("? ", "bold $text-accent"), lit(q.ask, "bold")), classes="question-ask"),
            Static(join(("Why: ", "$text-muted"), lit(q.why, "$text-muted")), classes="question-why"),
        ]
        causes = self._causes_asking(q)
        if causes:
            parts.append(
                Static(join(("Decides: ", "$text-muted"), lit(", ".join(causes))), classes="question-cause")
            )
        if form is not None:
            row: list = [
                Static(
                    Content.assemble(("Answer ", "bold"), lit(form.key, "$text-muted"), (" = ", "")),
                    classes="answer-label",
                )
            ]
            if form.choices:
                row.extend(AnswerButton(form.key, c, current=c == current) for c in form.choices)
            else:
                row.append(AnswerInput(form.key, form.hint, current))
            parts.append(Horizontal(*row, classes="answer-row"))
        collect = collect_command(self.packs, q.cause)
        if collect:
            parts.append(Static(Content.styled("Or collect the evidence (Enter copies):", "$text-muted")))
            parts.append(CommandLine(collect))
        return Vertical(*parts, classes="question")

    def _causes_asking(self, q: Question) -> list[str]:
        """The open causes this question decides (several causes may share one question)."""
        report = self.walk.report
        out = [q.cause] if q.cause else []
        if report is None or self.packs is None:
            return out
        for v in report.verdicts:
            if not v.status.open or v.cause in out:
                continue
            cause = self.packs.causes.get(v.cause)
            if cause is not None and cause.question is not None and cause.question.id == q.id:
                out.append(v.cause)
        return out

    def _answers(self) -> Vertical:
        items: list = [Static(Content.styled("Your answers", "bold underline"))]
        for key, value in sorted(self.walk.answers.items()):
            items.append(
                Horizontal(
                    Static(join(lit(key, "bold"), (" = ", ""), lit(value)), classes="answer-given"),
                    ClearAnswer(key),
                    classes="answer-row",
                )
            )
        items.append(
            Static(
                lines(
                    [
                        Content.styled(
                            "Used like diagnose --answer KEY=VALUE, and part of the exported report.",
                            "$text-muted",
                        )
                    ]
                )
            )
        )
        return Vertical(*items, classes="question answers")

    @on(Button.Pressed, ".answer-button")
    def _choice(self, event: Button.Pressed) -> None:
        button = event.button
        assert isinstance(button, AnswerButton)
        self.rd.answer(button.key, button.value)

    @on(Input.Submitted, ".answer-input")
    def _typed(self, event: Input.Submitted) -> None:
        field = event.input
        assert isinstance(field, AnswerInput)
        value = event.value.strip()
        if not value:
            self.notify("Type an answer first.", severity="warning")
            return
        problem = answer_problem(field.key, value, self.packs) if self.packs is not None else None
        row = field.parent
        box = row.parent if row is not None else None
        shown = list(box.query(".answer-error")) if box is not None else []
        if problem:  # the engine's one line, shown under the field, as plain text
            if shown:
                shown[0].update(lit(problem, "$text-error"))
            elif box is not None:
                box.mount(Static(lit(problem, "$text-error"), classes="answer-error"), after=row)
            self.notify(problem, severity="error", markup=False)
            return
        for old in shown:
            old.remove()
        self.rd.answer(field.key, value)

    @on(Button.Pressed, ".clear-answer")
    def _forget(self, event: Button.Pressed) -> None:
        button = event.button
        assert isinstance(button, ClearAnswer)
        self.rd.answer(button.key, None)

    def action_rediagnose(self) -> None:
        self.rd.rediagnose()

    def palette_commands(self) -> list[tuple[str, str, str]]:
        return [("Re-run the diagnosis", "Diagnose again with the current answers", "screen.rediagnose")]
