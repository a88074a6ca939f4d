"""The plain-text report: what an admin reads first in a terminal.

Order: the symptom, what is confirmed or likely (with the evidence chain and the commands that
fix it), what is still open (with the question and the ``--answer`` that settles it), what is
ruled out and why, then the evidence that was read or skipped. Untrusted text is passed through
``plain`` so a hostile log line cannot drive the terminal.
"""

from __future__ import annotations

import textwrap

from ..results import Question, Report, Verdict
from .common import STATUS_LABEL, by_status, check_sorted, one_line, plain

_COLORS = {
    "confirmed": "\x1b[1;31m",
    "likely": "\x1b[1;33m",
    "undetermined": "\x1b[1;36m",
    "ruled_out": "\x1b[2m",
    "head": "\x1b[1m",
    "dim": "\x1b[2m",
}
_RESET = "\x1b[0m"
_WIDTH = 100


class _Out:
    def __init__(self, color: bool):
        self.color = color
        self.lines: list[str] = []

    def paint(self, style: str, text: str) -> str:
        return f"{_COLORS[style]}{text}{_RESET}" if self.color else text

    def add(self, line: str = "") -> None:
        self.lines.append(line.rstrip())

    def wrap(self, text: str, indent: str, first: str | None = None) -> None:
        for i, para in enumerate(plain(text).strip().split("\n\n")):
            if i:
                self.add()
            self.lines.extend(
                textwrap.wrap(
                    " ".join(para.split()),
                    width=_WIDTH,
                    initial_indent=first if (first is not None and i == 0) else indent,
                    subsequent_indent=indent,
                    break_long_words=False,
                    break_on_hyphens=False,
                )
            )


_NEXT_SHOWN = 3  # the first few next steps; the rest are in the sections above


def render_text(report: Report, *, color: bool = False) -> str:
    """The report as terminal text; ``color`` adds ANSI styles (the CLI decides, honouring NO_COLOR)."""
    check_sorted(report)
    out = _Out(color)
    groups = by_status(report)
    questions_by_cause: dict[str, list[Question]] = {}
    for q in report.questions:
        questions_by_cause.setdefault(q.cause, []).append(q)

    out.add(out.paint("head", "relaydoctor diagnosis") + f"  (generated {report.generated_at})")
    out.add()
    _symptoms(out, report)

    decided = groups["confirmed"] + groups["likely"]
    if not decided:
        out.add(out.paint("head", "No cause is confirmed or likely from this evidence."))
        out.add()
    asked: set[str] = set()  # a question shared by several verdicts is asked once

    def fresh(verdict: Verdict) -> list[Question]:
        new = [q for q in questions_by_cause.get(verdict.cause, []) if q.id not in asked]
        asked.update(q.id for q in new)
        return new

    for verdict in decided:
        _decided(out, verdict, fresh(verdict))

    # With several codes in the report the same cause can be judged under each: name the code.
    several = len({v.code for v in report.verdicts}) > 1

    def label(verdict: Verdict) -> str:
        return one_line(verdict.cause) + (f" ({one_line(verdict.code)})" if several else "")

    if groups["undetermined"]:
        out.add(out.paint("undetermined", "UNDETERMINED") + " — needs more evidence")
        for verdict in groups["undetermined"]:
            out.add(f"  - {label(verdict)} — {one_line(verdict.title)}")
            if verdict.summary:
                out.wrap(verdict.summary, "      ")
            for q in fresh(verdict):
                _question(out, q, "      ")
        out.add()

    shown = {v.cause for v in decided} | {v.cause for v in groups["undetermined"]}
    loose = [q for q in report.questions if not q.cause or q.cause not in shown]
    if loose:
        out.add(out.paint("head", "QUESTIONS"))
        for q in loose:
            _question(out, q, "  ")
        out.add()

    if groups["ruled_out"]:
        out.add(out.paint("ruled_out", "RULED OUT"))
        for verdict in groups["ruled_out"]:
            out.add(f"  - {label(verdict)} — {one_line(verdict.title)}")
            if verdict.summary:
                out.wrap(verdict.summary, "      ", first="      because: ")
            if verdict.evidence:
                link = verdict.evidence[0]
                more = f" (+{len(verdict.evidence) - 1} more)" if len(verdict.evidence) > 1 else ""
                out.add(f"      {one_line(link.source)}: {one_line(link.says)}{more}")
        out.add()

    if report.notes:
        out.add(out.paint("head", "NOTES"))
        for note in report.notes:
            out.wrap(note, "    ", first="  - ")
        out.add()

    if report.missing:
        out.add(out.paint("head", "MISSING EVIDENCE"))
        for m in report.missing:
            out.wrap(f"{m.what} — would decide {', '.join(m.causes)}", "    ", first="  - ")
            for cmd in m.collect:
                out.add(f"      $ {one_line(cmd)}")
        out.add()

    if report.next_steps:
        out.add(out.paint("head", "NEXT STEP"))
        for step in report.next_steps[:_NEXT_SHOWN]:
            out.wrap(f"[{step.kind}] {step.says}", "    ", first="  - ")
            if step.command and step.kind == "collect":  # fixes and questions show theirs above
                out.add(f"      $ {one_line(step.command)}")
        if len(report.next_steps) > _NEXT_SHOWN:
            out.add(f"  (+{len(report.next_steps) - _NEXT_SHOWN} more above)")
        out.add()

    _sources(out, report)
    packs = ", ".join(f"{p.id} {p.version}" for p in report.packs) or "none"
    out.add(out.paint("dim", f"relaydoctor {report.tool_version} · packs: {plain(packs)}"
                      f" · generated {report.generated_at}"))
    if report.overrides:
        out.add(out.paint("dim", "pack overrides active: " + one_line(", ".join(report.overrides))))
    return "\n".join(out.lines) + "\n"


def _symptoms(out: _Out, report: Report) -> None:
    if not report.symptoms:
        out.add(out.paint("head", "SYMPTOM") + "  none found in the evidence")
        out.add("  Give the NDR or the rejection text with --ndr 'TEXT' to anchor the diagnosis.")
        out.add()
        return
    out.add(out.paint("head", "SYMPTOM" if len(report.symptoms) == 1 else "SYMPTOMS"))
    for s in report.symptoms:
        head = f"  {one_line(s.code)}"
        if s.title:
            head += f"  {one_line(s.title)}"
        out.add(head)
        if s.text:
            out.wrap(s.text, "      ", first="    \u201c")
            out.lines[-1] += "\u201d"
        extra = f"   tokens: {one_line(', '.join(s.tokens))}" if s.tokens else ""
        out.add(f"    seen at {one_line(s.source)}{extra}")
    out.add()


def _decided(out: _Out, verdict: Verdict, questions: list[Question]) -> None:
    label = out.paint(verdict.status, STATUS_LABEL[verdict.status])
    out.add(f"{label}  {one_line(verdict.cause)} ({one_line(verdict.code)})")
    out.wrap(verdict.title, "  ")
    if verdict.summary:
        out.wrap(verdict.summary, "       ", first="  Why: ")
    if verdict.explanation:
        out.add()
        out.wrap(verdict.explanation, "  ")
    if verdict.evidence:
        out.add()
        out.add("  Evidence:")
        for link in verdict.evidence:
            out.add(f"    - {one_line(link.source)}  [{one_line(link.fact)}]")
            out.wrap(link.says, "        ")
            if link.excerpt and one_line(link.excerpt) != one_line(link.says):
                out.add(f"        > {one_line(link.excerpt)}")
    if verdict.remediation:
        out.add()
        out.add("  What to do:")
        for n, step in enumerate(verdict.remediation, 1):
            out.wrap(step.step, "       ", first=f"    {n}. ")
            for command in step.commands:
                for line in plain(command).split("\n"):
                    out.add(f"         {line}")
    for q in questions:
        out.add()
        _question(out, q, "  ")
    if verdict.references:
        out.add()
        out.add("  References:")
        for ref in verdict.references:
            out.add(f"    {one_line(ref)}")
    out.add()


def _question(out: _Out, q: Question, indent: str) -> None:
    out.wrap(q.ask, indent + "  ", first=f"{indent}? ")
    if q.why:
        out.wrap(q.why, indent + "       ", first=f"{indent}  why: ")
    out.add(f"{indent}  answer: --answer {one_line(q.answers_with)}")


def _sources(out: _Out, report: Report) -> None:
    out.add(out.paint("head", "EVIDENCE"))
    if not report.evidence:
        out.add("  (none)")
    width = min(56, max((len(one_line(s.source)) for s in report.evidence), default=0))
    for s in report.evidence:
        name = one_line(s.source).ljust(width)
        if s.skipped_reason:
            out.add(f"  {name}  skipped: {one_line(s.skipped_reason)}")
            continue
        facts = f"{s.facts} fact{'s' if s.facts != 1 else ''}"
        detail = f"  ({one_line(s.detail)})" if s.detail else ""
        out.add(f"  {name}  {one_line(s.kind)}, {facts}{detail}")
    out.add()
