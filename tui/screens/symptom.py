"""Step 1: the symptom. Paste the NDR or error text (recognised as you type) or open an .eml."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from relaydoctor.engine import api
from relaydoctor.engine.api import Fact
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Static, TextArea

from ..literal import UNSAFE, clean, join, lines, lit, lit_line
from ..refs import ref_parts
from ..views import SymptomCard, symptom_cards
from .base import StepScreen


def card_content(card: SymptomCard, roots: Sequence[str] = ()) -> Content:
    """A recognised error: code and title, the reply, tokens and hosts, what it means."""
    head = join(
        lit(card.code, "bold $text-accent"),
        ("  ", ""),
        lit(card.title or "(a code the packs do not know)", "bold"),
    )
    out = [head, join(("reply  ", "$text-muted"), lit_line(card.text, limit=300))]
    facts: list[Content] = []
    if card.tokens:
        facts.append(join(("tokens ", "$text-muted"), lit(" · ".join(card.tokens), "bold")))
    if card.host:
        facts.append(join(("rejected by ", "$text-muted"), lit(card.host, "bold")))
    if card.generating_server:
        facts.append(join(("reported by ", "$text-muted"), lit(card.generating_server)))
    if card.recipient:
        facts.append(join(("recipient ", "$text-muted"), lit(card.recipient)))
    out.extend(facts)
    name, folder = ref_parts(card.source, roots, limit=60)
    where = [(" in ", "$text-muted"), lit(folder, "$text-muted")] if folder else []
    out.append(join(("seen at ", "$text-muted"), lit(name, "$text-muted"), *where))
    if card.meaning:
        out.append(join(("What it means: ", "bold"), lit(" ".join(card.meaning.split()))))
    for token, note in card.token_notes:
        out.append(join((f"{token}: ", "bold"), lit(note)))
    if not card.known:
        out.append(Content.styled("No loaded pack knows this code; relaydoctor can only list it.", "italic"))
    return lines(out)


def _without_label(reason: str) -> str:
    prefix = api.NDR_LABEL + ": "
    return reason[len(prefix) :] if reason.startswith(prefix) else reason


class SymptomScreen(StepScreen):
    MODE = "symptom"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+d", "diagnose", "Diagnose", priority=True),
        Binding("ctrl+o", "open_file", "Open .eml/file", priority=True),
        Binding("ctrl+l", "clear", "Clear text", show=False),
    ]

    def compose_body(self) -> ComposeResult:
        yield Static(
            Content.assemble(
                ("1 · Symptom  ", "bold"),
                "Paste the NDR or error text (Tab to the box; Esc leaves it), then ctrl+d. "
                "ctrl+o opens an .eml.",
            ),
            classes="step-intro",
        )
        yield TextArea(id="paste", soft_wrap=True, tab_behavior="focus", show_line_numbers=False)
        with Horizontal(classes="buttons"):
            yield Button("Diagnose (ctrl+d)", id="diagnose", variant="primary", compact=True)
            yield Button("Open .eml/file (ctrl+o)", id="open", compact=True)
            yield Button("Clear", id="clear", compact=True)
        with VerticalScroll(id="recognised"):
            yield Static(id="preview")
            yield Static(id="evidence-symptoms")

    def on_mount(self) -> None:
        super().on_mount()
        area = self.query_one("#paste", TextArea)
        area.placeholder = Content(
            "e.g. 550 5.7.64 TenantAttribution; Relay Access Denied [AM6EUR05FT012.eop-…]"
        )
        if self.walk.pasted and area.text != self.walk.pasted:
            area.load_text(self.walk.pasted)
        if not self.walk.paths:
            area.focus()  # started bare: this is where to begin

    def redraw(self) -> None:
        area = self.query_one("#paste", TextArea)
        if self.walk.pasted != area.text and not area.has_focus:
            area.load_text(self.walk.pasted)
        self._preview(area.text)
        self._evidence_symptoms()

    def _evidence_symptoms(self) -> None:
        box = self.query_one("#evidence-symptoms", Static)
        report = self.walk.report
        facts = (
            [f for f in report.facts if f.KIND == "symptom" and f.provenance.source != api.NDR_LABEL]
            if report
            else []
        )
        cards = symptom_cards(facts, self.packs)
        if not cards:
            box.update(
                Content.styled(
                    "No error in your evidence files yet. Add files with 2 (send logs, NDR .eml).",
                    "$text-muted",
                )
                if self.walk.paths
                else Content("")
            )
            return
        out = [Content.styled(f"In your evidence ({len(cards)})", "bold underline")]
        for card in cards[:8]:
            out.append(card_content(card, self.walk.paths))
            out.append(Content(""))
        if len(cards) > 8:
            out.append(Content.styled(f"… and {len(cards) - 8} more (see 2 Evidence)", "$text-muted"))
        box.update(lines(out))

    @on(TextArea.Changed, "#paste")
    def _changed(self, event: TextArea.Changed) -> None:
        area = event.text_area
        if UNSAFE.search(area.text):
            # A paste with terminal escapes or bidi overrides: keep them, but as visible text
            # (``\x1b``), so the text box never sends them to the terminal.
            row, col = area.cursor_location
            area.load_text(clean(area.text))
            area.move_cursor((row, col))
            return
        self._preview(area.text)

    @work(thread=True, exclusive=True, group="preview")
    def _preview(self, text: str) -> None:
        facts, reason = api.preview_text(text)
        self.app.call_from_thread(self._show_preview, text, facts, reason)

    def _show_preview(self, text: str, facts: list[Fact], reason: str | None) -> None:
        box = self.query_one("#preview", Static)
        if not text.strip():
            box.update(
                Content.styled(
                    "Recognised codes, reasons and tokens appear here as you paste.", "$text-muted"
                )
            )
            return
        if not facts:
            box.update(
                join(
                    ("Nothing recognised yet: ", "bold $text-warning"),
                    lit(_without_label(reason or "no SMTP error found")),
                )
            )
            return
        cards = symptom_cards(facts, self.packs)
        out = [Content.styled("Recognised in the text", "bold underline")]
        for card in cards:
            out.append(card_content(card))
            out.append(Content(""))
        box.update(lines(out))

    def action_diagnose(self) -> None:
        self.rd.set_pasted(self.query_one("#paste", TextArea).text, go_to="conclusions")

    def action_open_file(self) -> None:
        self.rd.action_add_evidence(title="Open an NDR (.eml) or any evidence file")

    def action_clear(self) -> None:
        self.query_one("#paste", TextArea).load_text("")

    @on(Button.Pressed, "#diagnose")
    def _diagnose_pressed(self) -> None:
        self.action_diagnose()

    @on(Button.Pressed, "#open")
    def _open_pressed(self) -> None:
        self.action_open_file()

    @on(Button.Pressed, "#clear")
    def _clear_pressed(self) -> None:
        self.action_clear()

    def palette_commands(self) -> list[tuple[str, str, str]]:
        return [
            (
                "Diagnose the pasted text",
                "Use the text as the symptom and run the diagnosis",
                "screen.diagnose",
            ),
            ("Open an .eml or file", "Add an NDR or other evidence file", "screen.open_file"),
            ("Clear the pasted text", "Empty the text box", "screen.clear"),
        ]
