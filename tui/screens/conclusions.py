"""Step 4: conclusions. Every cause with its status (confirmed first) and, for the selected one,
the reasoning chain, with pictures of the names and addresses compared."""

from __future__ import annotations

from typing import ClassVar

from relaydoctor.engine.api import STATUS_ORDER, Verdict
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import OptionList, Static

from ..literal import join, lit
from ..views import (
    STATUS_GLYPH,
    STATUS_STYLE,
    counts,
    failures_per_hour,
    headline,
    ordered_verdicts,
    verdict_key,
)
from ..widgets.pictures import FailureTimeline
from ..widgets.verdicts import VerdictDetail, VerdictList
from .base import StepScreen, no_evidence_line


class ConclusionsScreen(StepScreen):
    MODE = "conclusions"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "fix", "Fix"),
        Binding("e", "explain_focus", "Read details", show=False),
    ]

    def compose_body(self) -> ComposeResult:
        yield Static(id="headline", classes="step-intro")
        yield FailureTimeline(id="timeline")
        with Horizontal(id="conclusions-main"):
            yield VerdictList(id="verdicts")
            yield VerdictDetail(id="detail")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#verdicts", VerdictList).focus()

    def redraw(self) -> None:
        report = self.walk.report
        head = self.query_one("#headline", Static)
        evidence = self.walk.has_evidence
        verdicts = ordered_verdicts(report) if evidence else []
        self._verdicts = {verdict_key(v): v for v in verdicts}
        if report is None and self.rd.busy and (self.walk.paths or self.walk.pasted.strip()):
            head.update(Content.assemble(("4 · Conclusions  ", "bold"), "Reading the evidence…"))
        elif not evidence:
            head.update(Content.assemble(("4 · Conclusions  ", "bold"), no_evidence_line(self.walk)))
        else:
            c = counts(report)
            tally = [
                (f"{STATUS_GLYPH[s]} {c[s]}  ", STATUS_STYLE[s])
                for s in STATUS_ORDER
            ]
            head.update(join(("4 · ", "bold"), lit(headline(report), "bold"), ("   ", ""), *tally))
        self.query_one("#timeline", FailureTimeline).show(failures_per_hour(report if evidence else None))
        # A new diagnosis opens on its top verdict (confirmed first), whatever was selected before.
        self.query_one("#verdicts", VerdictList).show(verdicts)
        self._show(self._current())

    def _current(self) -> Verdict | None:
        vlist = self.query_one("#verdicts", VerdictList)
        if vlist.highlighted is None or not vlist.option_count:
            return None
        return self._verdicts.get(vlist.get_option_at_index(vlist.highlighted).id or "")

    def _show(self, verdict: Verdict | None) -> None:
        detail = self.query_one("#detail", VerdictDetail)
        if not self._verdicts:
            empty = (
                "Paste the NDR or the error text in 1, or press 2 and a to add send logs, "
                "cmdlet exports, certificates or a folder."
            )
            detail.show(None, None, self.packs, empty=empty)
            return
        detail.show(verdict, self.walk.report, self.packs, self.walk.paths)

    @on(OptionList.OptionHighlighted, "#verdicts")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show(self._verdicts.get(event.option.id or ""))

    @on(OptionList.OptionSelected, "#verdicts")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        verdict = self._verdicts.get(event.option.id or "")
        if verdict is None:
            return
        if verdict.status.positive and verdict.remediation:
            self.rd.action_step("remediation")
        elif verdict.status == "undetermined":
            self.rd.action_step("questions")
        else:
            self.query_one("#detail", VerdictDetail).focus()

    def action_fix(self) -> None:
        self.rd.action_step("remediation")

    def action_explain_focus(self) -> None:
        self.query_one("#detail", VerdictDetail).focus()

    def palette_commands(self) -> list[tuple[str, str, str]]:
        return [
            ("Show the fix", "Remediation steps for the confirmed causes", "screen.fix"),
            (
                "Read the selected cause's reasoning",
                "Move the focus to the details pane",
                "screen.explain_focus",
            ),
        ]
