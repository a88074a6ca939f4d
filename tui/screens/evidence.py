"""Step 2: evidence. Add files and folders; each source shows its kind and what it gave (or why
it was skipped); a fact shows its provenance; and what is still missing for the open causes."""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from functools import partial
from typing import ClassVar

from relaydoctor.engine.api import Fact, SourceSummary, describe
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Button, DataTable, OptionList, Static
from textual.widgets.option_list import Option

from ..literal import join, lines, lit, lit_line, one_line
from ..refs import ref_parts
from ..views import COLLECT_SCRIPT, facts_of_source, is_relation, missing_evidence, root_of, short_source
from ..widgets.command import CommandLine
from .base import StepScreen, no_evidence_line

GROUP_AT = 20  # skipped sources of one kind and reason beyond this many are one row (issue 11)
GROUP_READ_AT = 200  # ... and sources read, of one kind
GROUP_KEY = "\0group:"  # row keys of such groups (a NUL never starts a path)


def table_names(sources: list[str], roots: list[str]) -> dict[str, str]:
    """Short names for the sources table: the file name, or the path below the added folder when
    two sources share a file name. Linear: 10,000 sources took 1.6 s when each name was counted
    against the whole list."""
    base = {s: os.path.basename(s.split("!", 1)[-1]) or s for s in sources}
    seen = Counter(base.values())
    return {s: (short_source(s, roots) if seen[base[s]] > 1 else base[s]) for s in sources}


def table_entries(sources: list[SourceSummary]) -> list[SourceSummary | tuple[str, list[SourceSummary]]]:
    """The sources table's entries in source order: a source, or ``(key, members)`` for the
    sources of one kind and skip reason when more than ``GROUP_AT`` skipped (``GROUP_READ_AT``
    read) share them. 10,000 notes in a folder are one row saying how many, not 10,000 rows: a
    DataTable adds and measures each row on the UI thread (2 s for 10,000, the screen frozen)."""
    buckets: dict[tuple[str, str], list[SourceSummary]] = {}
    for s in sources:
        buckets.setdefault((s.kind, s.skipped_reason or ""), []).append(s)
    big = {k for k, members in buckets.items() if len(members) > (GROUP_AT if k[1] else GROUP_READ_AT)}
    out: list[SourceSummary | tuple[str, list[SourceSummary]]] = []
    placed: set[tuple[str, str]] = set()
    for s in sources:
        bucket = (s.kind, s.skipped_reason or "")
        if bucket not in big:
            out.append(s)
        elif bucket not in placed:  # the group's row stands where its first member was
            placed.add(bucket)
            out.append((f"{GROUP_KEY}{s.kind}\0{s.skipped_reason or ''}", buckets[bucket]))
    return out


class EvidenceScreen(StepScreen):
    MODE = "evidence"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add files"),
        Binding("r", "reread", "Re-read"),
        Binding("x", "remove", "Remove"),
    ]

    def compose_body(self) -> ComposeResult:
        with Horizontal(classes="step-intro-row"):
            yield Static(id="evidence-intro", classes="step-intro")
            yield Button("Add (a)", id="add", variant="primary", compact=True)
        yield DataTable(id="sources", cursor_type="row", zebra_stripes=True)
        yield Static(id="source-note")
        yield OptionList(id="facts")
        yield Static(id="provenance")
        with VerticalScroll(id="missing"):
            yield Static(id="missing-text")

    def on_mount(self) -> None:
        # what the table's rows and the list below it show, kept by redraw and _show_facts
        self._by_source: dict[str, SourceSummary] = {}
        self._groups: dict[str, list[SourceSummary]] = {}  # a group row's key → its files
        self._members: list[SourceSummary] = []  # the files the list shows (a group selected)
        self._facts: list[Fact] = []  # the facts the list shows (a source selected)
        table = self.query_one("#sources", DataTable)
        table.focus()
        table.add_column("Source", key="source")
        table.add_column("Facts", key="facts")
        table.add_column("Kind", key="kind")
        table.add_column("Note", key="note")
        super().on_mount()

    # -- drawing ---------------------------------------------------------------------------

    def _sources(self) -> list[SourceSummary]:
        report = self.walk.report
        if report is not None:
            return list(report.evidence)
        return list(self.walk.evidence.sources) if self.walk.evidence is not None else []

    def redraw(self) -> None:
        sources = self._sources()
        read = [s for s in sources if not s.skipped_reason]
        n_facts = sum(s.facts for s in read)
        intro = self.query_one("#evidence-intro", Static)
        if self.walk.report is not None and not self.walk.has_evidence:
            intro.update(Content.assemble(("2 · Evidence  ", "bold"), no_evidence_line(self.walk)))
        elif sources:
            intro.update(
                Content.assemble(
                    ("2 · Evidence  ", "bold"),
                    f"{len(read):,} read, {len(sources) - len(read):,} skipped, {n_facts:,} facts",
                )
            )
        else:
            intro.update(
                Content.assemble(
                    ("2 · Evidence  ", "bold"),
                    "Nothing yet. Press a to add send logs, cmdlet exports, certificates or a folder.",
                )
            )
        table = self.query_one("#sources", DataTable)
        keep = None
        if table.row_count and table.cursor_row is not None:
            try:
                keep = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
            except Exception:
                keep = None
        table.clear()
        relations = [f for f in self.walk.report.facts if is_relation(f)] if self.walk.report else []
        self._by_source = {s.source: s for s in sources}
        self._groups = {}
        entries = table_entries(sources)
        names = table_names([e.source for e in entries if isinstance(e, SourceSummary)], self.walk.paths)
        for s in entries:
            if isinstance(s, tuple):
                key, members = s
                self._groups[key] = members
                head = members[0]
                if head.skipped_reason:
                    n_facts = Text("–", justify="right")
                    note = Text(one_line(f"skipped: {head.skipped_reason} (select to list them)", 60),
                                style="yellow")
                else:
                    n_facts = Text(str(sum(m.facts for m in members)), justify="right")
                    note = Text("read, each with its note (select to list them)", style="dim")
                table.add_row(Text(f"{len(members):,} files"), n_facts, Text(one_line(head.kind)), note,
                              key=key)
                continue
            if s.skipped_reason:
                note = Text(one_line(f"skipped: {s.skipped_reason}", 60), style="yellow")
            else:
                note = Text(one_line(s.detail or "", 60), style="dim")
            table.add_row(
                Text(one_line(names.get(s.source, s.source), 32)),
                Text(str(s.facts) if not s.skipped_reason else "–", justify="right"),
                Text(one_line(s.kind)),
                note,
                key=s.source,
            )
        if relations:
            table.add_row(
                Text("(derived by relaydoctor)", style="italic"),
                Text(str(len(relations)), justify="right"),
                Text("relations"),
                Text("comparisons of the facts above: names, IPs, domains, dates", style="dim"),
                key="\0relations",
            )
        if keep is not None:
            with contextlib.suppress(Exception):  # the source went away
                table.move_cursor(row=table.get_row_index(keep))
        self._show_facts(self._selected_source())
        self._missing()

    def _selected_source(self) -> str | None:
        table = self.query_one("#sources", DataTable)
        if not table.row_count:
            return None
        try:
            return table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        except Exception:
            return None

    def _facts_for(self, source: str | None) -> list[Fact]:
        report = self.walk.report
        if source is None or report is None:
            return []
        if source == "\0relations":
            return [f for f in report.facts if is_relation(f)]
        return [f for f in facts_of_source(report, source) if not is_relation(f)]

    def _show_note(self, source: str | None) -> None:
        """The selected source's note whole (the table's Note column is cut at 80 columns)."""
        box = self.query_one("#source-note", Static)
        members = self._groups.get(source or "")
        if members:
            head = members[0]
            if head.skipped_reason:
                box.update(join((f"{len(members):,} files", "bold"), ("  Skipped: ", "bold $text-warning"),
                                lit(head.skipped_reason), (". Listed below.", "")))
            else:
                box.update(join((f"{len(members):,} files", "bold"), ("  of kind ", ""), lit(head.kind),
                                (", read. Listed below with their facts.", "")))
            return
        summary = self._by_source.get(source or "")
        if summary is None:
            box.update(Content(""))
            return
        if summary.skipped_reason:
            note = join(("Skipped: ", "bold $text-warning"), lit(summary.skipped_reason))
        else:
            note = join(("Note: ", "bold"), lit(summary.detail or "—"))
        box.update(join(lit(os.path.basename(summary.source.split("!", 1)[-1]) or summary.source, "bold"),
                        ("  ", ""), note))

    def _show_facts(self, source: str | None) -> None:
        self._show_note(source)
        facts_list = self.query_one("#facts", OptionList)
        facts_list.clear_options()
        members = self._groups.get(source or "")
        self._members = members or []
        if members:
            self._facts = []
            facts_list.add_options(
                [
                    Option(
                        join(lit_line(short_source(m.source, self.walk.paths), limit=300),
                             ("" if m.skipped_reason else f"  {m.facts} facts", "$text-muted"))
                    )
                    for m in members
                ]
            )
            facts_list.highlighted = 0
            self._show_member(members[0])
            return
        self._facts = self._facts_for(source)
        if not self._facts:
            hint = "No facts from this source." if source else "Select a source above."
            if self.walk.report is None and source:
                hint = "Facts appear once the evidence has been diagnosed."
            facts_list.add_option(Option(Content.styled(hint, "$text-muted"), disabled=True))
            self.query_one("#provenance", Static).update(Content(""))
            return
        options = []
        for i, fact in enumerate(self._facts):
            line = f"L{fact.provenance.line}" if fact.provenance.line is not None else "   "
            options.append(
                Option(
                    Content.assemble(
                        (f"{line:>6} ", "$text-muted"),
                        (f"{fact.KIND}: ", "bold"),
                        lit_line(describe(fact), limit=300),
                    ),
                    id=f"f{i}",
                )
            )
        facts_list.add_options(options)
        facts_list.highlighted = 0
        self._show_provenance(self._facts[0])

    def _show_member(self, member: SourceSummary) -> None:
        """A file of a group: where it is, and why it was skipped or what it gave."""
        why = ("  skipped: ", member.skipped_reason) if member.skipped_reason else ("  ", member.detail or "")
        self.query_one("#provenance", Static).update(
            join(("File ", "$text-muted"), lit(member.source, "bold $text-accent"),
                 (why[0], "$text-muted"), lit(why[1], "$text-muted"))
        )

    def _show_provenance(self, fact: Fact) -> None:
        p = fact.provenance
        name, folder = ref_parts(p.ref(), self.walk.paths, limit=60)
        parts = [
            join(
                ("From ", "$text-muted"),
                lit(name, "bold $text-accent"),
                *([("  in ", "$text-muted"), lit(folder, "$text-muted")] if folder else []),
                (f"  [{fact.KIND}]", "$text-muted"),
            )
        ]
        if p.excerpt:
            parts.append(join(("│ ", "$text-muted"), lit_line(p.excerpt, "italic", limit=600)))
        self.query_one("#provenance", Static).update(lines(parts))

    def _missing(self) -> None:
        box = self.query_one("#missing-text", Static)
        self.run_worker(partial(self._replace_commands, []), exclusive=True, group="rebuild")
        report = self.walk.report
        if report is None:
            box.update(
                Content.styled(
                    "What is still missing is shown here once there is a diagnosis.", "$text-muted"
                )
            )
            return
        if not self.walk.has_evidence:
            box.update(
                Content.styled(
                    "Press a to add send logs, cmdlet exports, certificates or a folder; "
                    "or paste the NDR in 1.",
                    "$text-muted",
                )
            )
            return
        missing = missing_evidence(report, self.packs)
        if not missing.items:
            if missing.open_causes:
                box.update(
                    Content.styled(
                        f"{missing.open_causes} cause(s) still open, but no kind of evidence is missing: "
                        "answer their questions (3).",
                        "$text-accent",
                    )
                )
            else:
                box.update(Content.styled("Nothing missing: every cause is decided.", "$text-success"))
            return
        out = [
            Content.styled(
                f"Still missing for the {missing.open_causes} open cause(s) — add it with a:",
                "bold underline",
            )
        ]
        commands: list[str] = []
        for item in missing.items:
            names = ", ".join(item.causes[:3]) + (
                f" +{len(item.causes) - 3} more" if len(item.causes) > 3 else ""
            )
            out.append(
                join(
                    ("• ", "bold"),
                    lit(item.what, "bold"),
                    ("  for ", "$text-muted"),
                    lit(names, "$text-muted"),
                )
            )
            for cmd in item.collect:
                if cmd not in commands:
                    commands.append(cmd)
        out.append(
            Content.styled(
                "Collect it with one of these commands (Enter copies), or everything at once:", "$text-muted"
            )
        )
        box.update(lines(out))
        widgets = [CommandLine(cmd) for cmd in [*commands, COLLECT_SCRIPT]]
        self.run_worker(partial(self._replace_commands, widgets), exclusive=True, group="rebuild")

    async def _replace_commands(self, widgets: list[CommandLine]) -> None:
        box = self.query_one("#missing", VerticalScroll)
        await box.query(CommandLine).remove()
        if widgets:
            await box.mount_all(widgets)

    # -- events ----------------------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#sources")
    def _row(self, event: DataTable.RowHighlighted) -> None:
        self._show_facts(event.row_key.value if event.row_key else None)

    @on(OptionList.OptionHighlighted, "#facts")
    def _fact(self, event: OptionList.OptionHighlighted) -> None:
        index = event.option_index
        members = self._members
        if 0 <= index < len(members):
            self._show_member(members[index])
            return
        facts = self._facts
        if 0 <= index < len(facts):
            self._show_provenance(facts[index])

    @on(Button.Pressed, "#add")
    def _add_pressed(self) -> None:
        self.action_add()

    def action_add(self) -> None:
        self.rd.action_add_evidence()

    def action_reread(self) -> None:
        self.rd.reload_evidence()

    def action_remove(self) -> None:
        source = self._selected_source()
        members = self._groups.get(source or "")
        if members:
            source = members[0].source  # the added file or folder the group came from
            roots = {root_of(m.source, self.walk.paths) for m in members}
            if len(roots) > 1:  # (several: the one of the file highlighted in the list below, when asked)
                facts_list = self.query_one("#facts", OptionList)
                index = facts_list.highlighted
                if not facts_list.has_focus or index is None or not 0 <= index < len(members):
                    self.app.notify(
                        f"These {len(members):,} files come from {len(roots)} added files or folders: "
                        "highlight one of them in the list below and press x to remove the one it came from.",
                        severity="warning", markup=False,
                    )
                    return
                source = members[index].source
        if not source or source.startswith("\0"):
            return
        self.rd.remove_source(source)

    def palette_commands(self) -> list[tuple[str, str, str]]:
        return [
            (
                "Add evidence files or a folder",
                "Browse and add send logs, exports, certificates",
                "screen.add",
            ),
            ("Re-read the evidence", "Parse every added path again", "screen.reread"),
            ("Remove the selected source", "Drop the added file or folder it came from", "screen.remove"),
        ]
