"""The plain-text report: what an admin reads first in a terminal.

The default report fits one screen for the common case: the symptom, the leading verdicts with the
one deciding evidence line and the fix, the open questions, one line per other open cause and per
ruled-out cause, and the evidence in one line (skipped files named). ``verbose`` gives the full
detail: every evidence link, explanations, references, and why each cause was ruled out, with the
line that shows it. Untrusted text is passed through ``plain`` so a hostile log line cannot drive
the terminal.
"""

from __future__ import annotations

import textwrap

from ..facts import RELATION_KINDS
from ..paths import file_name
from ..plainwords import plain_kind
from ..results import EvidenceLink, Question, Report, Verdict
from ..status import Status
from .common import by_status, check_sorted, one_line, plain

_COLORS = {
    "confirmed": "\x1b[1;31m",
    "likely": "\x1b[1;33m",
    "undetermined": "\x1b[1;36m",
    "ruled_out": "\x1b[2m",
    "head": "\x1b[1m",
    "dim": "\x1b[2m",
}
_RESET = "\x1b[0m"
WIDTH = 100  # when the terminal's width is not known (output to a file or a pipe)
_MIN_WIDTH = 60


class _Out:
    def __init__(self, color: bool, width: int = WIDTH):
        self.color = color
        self.width = max(_MIN_WIDTH, width)
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
                    width=self.width,
                    initial_indent=first if (first is not None and i == 0) else indent,
                    subsequent_indent=indent,
                    break_long_words=False,
                    break_on_hyphens=False,
                )
            )


_NEXT_SHOWN = 3  # the first few next steps; the rest are in the sections above


def render_text(report: Report, *, color: bool = False, verbose: bool = False, width: int = WIDTH) -> str:
    """The report as terminal text; ``color`` adds ANSI styles (the CLI decides, honouring NO_COLOR),
    ``width`` is the terminal's width, ``verbose`` the full detail instead of one screen."""
    check_sorted(report)
    if not verbose:
        return _render_brief(report, _Out(color, width))
    out = _Out(color, width)
    groups = by_status(report)
    questions_by_cause: dict[str, list[Question]] = {}
    for q in report.questions:
        questions_by_cause.setdefault(q.cause, []).append(q)

    out.add(out.paint("head", "relaydoctor diagnosis") + f"  (generated {report.generated_at})")
    out.add()
    _symptoms(out, report)

    decided = groups[Status.CONFIRMED] + groups[Status.LIKELY]
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
        return one_line(verdict.cause) + _about(verdict) + (f" ({one_line(verdict.code)})" if several else "")

    if groups[Status.UNDETERMINED]:
        out.add(out.paint("undetermined", Status.UNDETERMINED.label.upper()) + " — needs more evidence")
        for verdict in groups[Status.UNDETERMINED]:
            out.add(f"  - {label(verdict)} — {one_line(verdict.title)}")
            if verdict.summary:
                out.wrap(verdict.summary, "      ")
            for q in fresh(verdict):
                _question(out, q, "      ")
        out.add()

    shown = {v.cause for v in decided} | {v.cause for v in groups[Status.UNDETERMINED]}
    loose = [q for q in report.questions if not q.cause or q.cause not in shown]
    if loose:
        out.add(out.paint("head", "QUESTIONS"))
        for q in loose:
            _question(out, q, "  ")
        out.add()

    if groups[Status.RULED_OUT]:
        out.add(out.paint("ruled_out", Status.RULED_OUT.label.upper()))
        for verdict in groups[Status.RULED_OUT]:
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
    label = out.paint(verdict.status, verdict.status.label.upper())
    out.add(f"{label}  {one_line(verdict.cause)}{_about(verdict)} ({one_line(verdict.code)})")
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
            if step.needs_values:
                out.add(f"       needs your value: {one_line(', '.join(step.needs_values))}")
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
        out.add(f"  {name}  {plain_kind(one_line(s.kind))}, {facts}{detail}")
    out.add()


# ------------------------------------------------------------------------------------------------
# The one-screen report
# ------------------------------------------------------------------------------------------------


def _brief_collect(out: _Out, report: Report) -> None:
    """Never a dead end: what to collect next, with the command (when nothing is confirmed)."""
    collect = [s for s in report.next_steps if s.kind == "collect"]
    if collect:  # never a dead end: what to collect next, with the command
        out.add(out.paint("head", "NEXT: COLLECT") + "  (evidence that would decide open causes)")
        for step in collect[:_NEXT_SHOWN]:
            _wrapped(out, one_line(step.says), "    ", "  - ", most=2)
            if step.command:
                out.add(f"    $ {one_line(step.command)}")
        if len(collect) > _NEXT_SHOWN:
            out.add(f"  (+{len(collect) - _NEXT_SHOWN} more: add --verbose)")
        out.add()


def _render_brief(report: Report, out: _Out) -> str:
    groups = by_status(report)
    head = f"  (generated {report.generated_at}"
    hint = "; --verbose for every detail)"
    fits = len("relaydoctor diagnosis") + len(head) + len(hint) <= out.width
    out.add(out.paint("head", "relaydoctor diagnosis") + head + (hint if fits else ")"))
    out.add()
    _brief_symptoms(out, report)

    confirmed, likely = groups[Status.CONFIRMED], groups[Status.LIKELY]
    # The leading verdicts get their evidence and fix; further likely ones a line each.
    leading = confirmed or likely[:2]
    also = [v for v in likely if v not in leading]
    if not leading:
        out.add(out.paint("head", "No cause is confirmed or likely from this evidence."))
        out.add()
    for n, verdict in enumerate(leading):
        _brief_decided(out, verdict, steps=None if n == 0 else 1)
    if also:
        out.add(out.paint("likely", "ALSO LIKELY"))
        for verdict in also:
            _clipped(out, f"  - {_label(report, verdict)} — {one_line(verdict.summary or verdict.title)}")
        out.add()

    open_verdicts = groups[Status.UNDETERMINED]
    if confirmed:
        # A cause is proven: still-open causes are secondary. One line each, with the answer that
        # would decide it; the questions themselves are in --verbose.
        hints = {q.cause: q.answers_with for q in report.questions if q.cause}
        if open_verdicts:
            asked: set[str] = set()  # a question shared by a cause under two codes is shown once
            hinted = [v for v in open_verdicts
                      if v.cause in hints and not (hints[v.cause] in asked or asked.add(hints[v.cause]))]
            quiet = [_label(report, v) for v in open_verdicts if v not in hinted]
            head = out.paint("undetermined", "OPEN") + "  "
            if quiet:
                _items(out, quiet, head, "      ", tail="(not decided by this evidence)")
            else:
                out.add(head + "(not decided by this evidence; an answer may decide)")
            for verdict in hinted:
                _clipped(out, f"  - {_label(report, verdict)}: --answer {one_line(hints[verdict.cause])}")
            out.add()
        shown = {v.cause for v in open_verdicts}
        loose = [q for q in report.questions if not q.cause or q.cause not in shown]
        _brief_questions(out, loose, room=_QUESTIONS_SHOWN_CONFIRMED, most=2)
    else:
        _brief_questions(out, report.questions, room=_QUESTIONS_SHOWN, most=4)
        _brief_collect(out, report)
        if open_verdicts:
            names = [_label(report, v) for v in open_verdicts]
            _items(out, names, out.paint("undetermined", "OPEN") + "  ", "      ",
                   tail="(not decided by this evidence)")
            out.add()

    if groups[Status.RULED_OUT]:
        out.add(out.paint("ruled_out", Status.RULED_OUT.label.upper()))
        for verdict in groups[Status.RULED_OUT]:
            where = _short_source(verdict.evidence[0].source) if verdict.evidence else ""
            why = one_line(verdict.summary or verdict.title)
            tail = f" ({one_line(where)})" if where else ""
            _clipped(out, f"  - {_label(report, verdict)} — {why}", tail)
        out.add()

    if report.notes:
        out.add(out.paint("head", "NOTES"))
        for note in report.notes[:_NOTES_SHOWN]:
            _wrapped(out, one_line(note), "    ", "  - ")
        if len(report.notes) > _NOTES_SHOWN:
            out.add(f"  (+{len(report.notes) - _NOTES_SHOWN} more notes: add --verbose)")
        out.add()

    _brief_sources(out, report)
    return "\n".join(out.lines) + "\n"


_QUESTIONS_SHOWN = 5
_NOTES_SHOWN = 5
_QUESTIONS_SHOWN_CONFIRMED = 2


def _short_source(source: str) -> str:
    """``file:line`` without the folders: the full path is in the EVIDENCE list and in --verbose."""
    return file_name(source)


def _brief_questions(out: _Out, questions: list[Question], *, room: int, most: int) -> None:
    if not questions:
        return
    out.add(out.paint("head", "QUESTIONS") + "  (answering one may decide a cause)")
    for q in questions[:room]:
        _wrapped(out, one_line(q.ask), "    ", "  ? ", most=most)
        out.add(f"    answer: --answer {one_line(q.answers_with)}")
    if len(questions) > room:
        more = len(questions) - room
        out.add(f"  (+{more} more question{'s' if more != 1 else ''}: add --verbose)")
    out.add()


def _label(report: Report, verdict: Verdict) -> str:
    several = len({v.code for v in report.verdicts}) > 1
    return one_line(verdict.cause) + _about(verdict) + (f" ({one_line(verdict.code)})" if several else "")


def _about(verdict: Verdict) -> str:
    """`` [subject]`` for one verdict of a cause judged per subject (a connector, a certificate)."""
    return f" [{one_line(verdict.subject)}]" if verdict.subject else ""


def _clipped(out: _Out, text: str, tail: str = "") -> None:
    """One line of at most the width; ``tail`` (a file:line) is kept whole after the clipped text."""
    room = out.width - len(tail)
    if len(text) > room:
        text = text[: max(0, room - 1)].rstrip() + "…"
    out.add(text + tail)


def _brief_symptoms(out: _Out, report: Report) -> None:
    if not report.symptoms:
        out.add(out.paint("head", "SYMPTOM") + "  none found in the evidence")
        out.add("  Give the NDR or the rejection text with --ndr 'TEXT' to anchor the diagnosis.")
        out.add()
        return
    # One entry per code: the first text seen, and how many other places show the same code.
    by_code: dict[str, list] = {}
    for s in report.symptoms:
        by_code.setdefault(s.code, []).append(s)
    for code, seen in by_code.items():
        first = seen[0]
        head = out.paint("head", "SYMPTOM") + f"  {one_line(code)}"
        if first.title:
            head += f"  {one_line(first.title)}"
        out.add(head)
        also = f" (+{len(seen) - 1} more)" if len(seen) > 1 else ""
        where = f"{one_line(first.source)}{also}"
        if first.text:
            quoted = f"  \u201c{one_line(first.text)}\u201d"
            if len(quoted) + len(where) + 2 <= out.width:
                out.add(f"{quoted}  {where}")
            else:
                _clipped(out, quoted)
                _clipped(out, f"    seen at {where}")
        else:
            out.add(f"  seen at {where}")
    out.add()


def _deciding(verdict: Verdict) -> EvidenceLink | None:
    """The evidence line that decides a verdict: a relation (name/IP/domain match, certificate
    status) when one is cited, because it is the comparison; else the first link."""
    for link in verdict.evidence:
        if link.fact in RELATION_KINDS:
            return link
    return verdict.evidence[0] if verdict.evidence else None


def _brief_decided(out: _Out, verdict: Verdict, steps: int | None) -> None:
    """A decided verdict: title, why, the deciding evidence, and the fix (the first ``steps`` steps,
    all when None: the leading verdict shows its whole fix, the ones after it their first step)."""
    label = out.paint(verdict.status, verdict.status.label.upper())
    cause = f"{one_line(verdict.cause)}{_about(verdict)} ({one_line(verdict.code)})"
    _clipped(out, f"{label}  {cause} — {one_line(verdict.title)}")
    if verdict.summary:
        _wrapped(out, one_line(verdict.summary), "       ", "  Why: ")
    link = _deciding(verdict)
    if link is not None:
        _wrapped(out, f"{one_line(_short_source(link.source))} — {one_line(link.says)}", "            ",
                 "  Evidence: ")
    if verdict.remediation:
        out.add("  Fix:")
        shown = verdict.remediation if steps is None else verdict.remediation[:steps]
        for n, step in enumerate(shown, 1):
            _clipped(out, f"    {n}. {_first_sentence(step.step)}")
            for command in step.commands:
                for line in plain(command).split("\n"):
                    out.add(f"         {line}")
            if step.needs_values:
                _clipped(out, f"       needs your value: {one_line(', '.join(step.needs_values))}")
        if len(shown) < len(verdict.remediation):
            out.add(f"    (+{len(verdict.remediation) - len(shown)} more steps: add --verbose)")
    out.add()


def _items(out: _Out, items: list[str], first: str, indent: str, tail: str = "") -> None:
    """Comma-separated ``items`` wrapped between items, never inside one (a cause and its code stay
    together); ``tail`` follows the last item and may wrap on its own (long cause ids stay in width)."""
    line = first
    pieces = [item + ("," if n < len(items) - 1 else "") for n, item in enumerate(items)]
    for piece in [*pieces, *([tail] if tail else [])]:
        if line not in (first, indent) and len(line) + 1 + len(piece) > out.width:
            out.add(line)
            line = indent
        line += piece if line in (first, indent) else " " + piece
    out.add(line)


def _first_sentence(text: str) -> str:
    text = one_line(text)
    cut = text.find(". ")
    return text[: cut + 1] if cut > 0 else text


def _wrapped(out: _Out, text: str, indent: str, first: str, most: int = 2) -> None:
    """``text`` wrapped to at most ``most`` lines, the last clipped with an ellipsis."""
    lines = textwrap.wrap(text, width=out.width, initial_indent=first, subsequent_indent=indent,
                          break_on_hyphens=False) or [first.rstrip()]
    if len(lines) > most:
        lines = lines[:most]
        last = lines[-1]
        lines[-1] = (last if len(last) < out.width else last[: out.width - 1].rstrip()) + "…"
    out.lines.extend(lines)


def _brief_sources(out: _Out, report: Report) -> None:
    read = [s for s in report.evidence if not s.skipped_reason]
    skipped = [s for s in report.evidence if s.skipped_reason]
    kinds = sorted({plain_kind(one_line(s.kind)) for s in read})
    files = f"{len(read)} file{'s' if len(read) != 1 else ''} read"
    _clipped(out, out.paint("head", "EVIDENCE") + f"  {files} ({', '.join(kinds) or 'none'}),"
             f" {len(skipped)} skipped")
    for s in skipped:
        _clipped(out, f"  skipped {one_line(s.source)}: {one_line(s.skipped_reason or '')}")
