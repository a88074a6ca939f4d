"""The Markdown report, for tickets and wikis.

Everything that came from evidence or from a pack (log excerpts, NDR text, certificate subjects,
connector names, titles) is untrusted: it is put on one line and every Markdown special is
backslash-escaped, so it cannot open a link, an image, raw HTML, a table cell or a code span.
Commands go in fenced code blocks whose fence is longer than any backtick run inside them.
"""

from __future__ import annotations

import re

from .. import lazyre
from ..results import Question, Report, Verdict
from ..status import Status
from .common import by_status, check_sorted, plain

# The ASCII punctuation that can start markup inside a line or a table cell (links, images, code
# spans, emphasis, raw HTML, entities, strikethrough, math); plus, at the start, block markers.
_SPECIALS = lazyre.compile(r"([\\`*_\[\]()<>!|~&$#])")
_BLOCK_START = lazyre.compile(r"^(\d+)([.)])|^([-+=>])")
_URL = lazyre.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


def md(text: str, *, line_start: bool = False) -> str:
    """Untrusted text as inert inline Markdown: one line, every special escaped.

    ``line_start``: the text begins a line, so list, heading and quote markers are escaped too.
    """
    flat = " ".join(plain(text).split())
    escaped = _SPECIALS.sub(r"\\\1", flat)
    if not line_start:
        return escaped
    return _BLOCK_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(1) else "\\" + m.group(3),
                            escaped)


def md_code_block(lines: list[str], indent: str = "", lang: str = "powershell") -> list[str]:
    """A fenced block that its content cannot close: the fence outruns every backtick run."""
    body = [plain(line) for cmd in lines for line in cmd.split("\n")]
    longest = max((len(run) for line in body for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{indent}{fence}{lang}", *(f"{indent}{line}" for line in body), f"{indent}{fence}"]


def md_link(url: str) -> str:
    """A reference: an autolink when it is a plain http(s) URL, escaped text otherwise."""
    url = url.strip()
    if _URL.fullmatch(url) and not re.search(r"[<>\s]", url):
        return f"<{url}>"
    return md(url, line_start=True)


def render_markdown(report: Report) -> str:
    check_sorted(report)
    groups = by_status(report)
    questions_by_cause: dict[str, list[Question]] = {}
    for q in report.questions:
        questions_by_cause.setdefault(q.cause, []).append(q)
    packs = ", ".join(f"{p.id} {p.version}" for p in report.packs) or "none"
    out: list[str] = [
        "# relaydoctor diagnosis",
        "",
        f"Generated {md(report.generated_at)} by relaydoctor {md(report.tool_version)} "
        f"with packs: {md(packs)}.",
        "",
    ]

    out += ["## Symptoms" if len(report.symptoms) > 1 else "## Symptom", ""]
    if not report.symptoms:
        out += ["No error text was found in the evidence.", ""]
    for s in report.symptoms:
        title = f" — {md(s.title)}" if s.title else ""
        out.append(f"- **{md(s.code)}**{title}")
        if s.text:
            out.append(f"  > {md(s.text, line_start=True)}")
            out.append("")
        tokens = f"; tokens: {md(', '.join(s.tokens))}" if s.tokens else ""
        out.append(f"  Seen at {md(s.source)}{tokens}")
    out.append("")

    decided = groups[Status.CONFIRMED] + groups[Status.LIKELY]
    if not decided:
        out += ["No cause is confirmed or likely from this evidence.", ""]
    asked: set[str] = set()  # a question shared by several verdicts is asked once

    def fresh(verdict: Verdict) -> list[Question]:
        new = [q for q in questions_by_cause.get(verdict.cause, []) if q.id not in asked]
        asked.update(q.id for q in new)
        return new

    for verdict in decided:
        out += _decided(verdict, fresh(verdict))

    # With several codes in the report the same cause can be judged under each: name the code.
    several = len({v.code for v in report.verdicts}) > 1

    def label(verdict: Verdict) -> str:
        return md(verdict.cause) + _about(verdict) + (f" ({md(verdict.code)})" if several else "")

    if groups[Status.UNDETERMINED]:
        out += ["## Undetermined — needs more evidence", ""]
        for verdict in groups[Status.UNDETERMINED]:
            out.append(f"- **{label(verdict)}** — {md(verdict.title)}")
            if verdict.summary:
                out.append(f"  {md(verdict.summary, line_start=True)}")
            for q in fresh(verdict):
                out += _question(q, "  ")
        out.append("")

    shown = {v.cause for v in decided} | {v.cause for v in groups[Status.UNDETERMINED]}
    loose = [q for q in report.questions if not q.cause or q.cause not in shown]
    if loose:
        out += ["## Questions", ""]
        for q in loose:
            out += _question(q, "")
        out.append("")

    if groups[Status.RULED_OUT]:
        out += ["## Ruled out", "", "| Cause | Title | Because | Evidence |", "|---|---|---|---|"]
        for verdict in groups[Status.RULED_OUT]:
            ev = "; ".join(f"{md(e.source)}: {md(e.says)}" for e in verdict.evidence[:3])
            out.append(f"| {label(verdict)} | {md(verdict.title)} | {md(verdict.summary)} | {ev} |")
        out.append("")

    if report.notes:
        out += ["## Notes", ""]
        out += [f"- {md(n, line_start=True)}" for n in report.notes]
        out.append("")

    if report.missing:
        out += ["## Missing evidence", ""]
        for m in report.missing:
            out.append(f"- {md(m.what, line_start=True)} — would decide {md(', '.join(m.causes))}")
            if m.collect:
                out += md_code_block(list(m.collect), indent="  ")
        out.append("")

    if report.next_steps:
        out += ["## Next step", ""]
        for step in report.next_steps:
            out.append(f"- **{md(step.kind)}**: {md(step.says)}")
            if step.command and step.kind == "collect":  # fixes and questions show theirs above
                out += md_code_block([step.command], indent="  ")
        out.append("")

    out += ["## Evidence", "", "| Source | Kind | Facts | Note |", "|---|---|---|---|"]
    for s in report.evidence:
        note = f"skipped: {md(s.skipped_reason)}" if s.skipped_reason else md(s.detail or "")
        out.append(f"| {md(s.source)} | {md(s.kind)} | {s.facts} | {note} |")
    out.append("")
    if report.overrides:
        out += [f"Pack overrides active: {md(', '.join(report.overrides))}", ""]
    return "\n".join(out)


def _about(verdict: Verdict) -> str:
    """`` [subject]`` (escaped) for one verdict of a cause judged per subject (a connector…)."""
    return " " + md(f"[{verdict.subject}]") if verdict.subject else ""


def _decided(verdict: Verdict, questions: list[Question]) -> list[str]:
    out = [
        f"## {verdict.status.label}: {md(verdict.cause)}{_about(verdict)}",
        "",
        f"**{md(verdict.title)}** ({md(verdict.code)})",
        "",
    ]
    if verdict.summary:
        out += [f"Why: {md(verdict.summary)}", ""]
    if verdict.explanation:
        for para in verdict.explanation.strip().split("\n\n"):
            out += [md(para, line_start=True), ""]
    if verdict.evidence:
        out += ["### Evidence", "", "| Source | Fact | What it says | Excerpt |", "|---|---|---|---|"]
        for e in verdict.evidence:
            out.append(f"| {md(e.source)} | {md(e.fact)} | {md(e.says)} | {md(e.excerpt)} |")
        out.append("")
    if verdict.remediation:
        out += ["### What to do", ""]
        for n, step in enumerate(verdict.remediation, 1):
            out.append(f"{n}. {md(step.step, line_start=True)}")
            if step.commands:
                out.append("")
                out += md_code_block(list(step.commands), indent="   ")
            if step.needs_values:
                out += ["", f"   Needs your value: {md(', '.join(step.needs_values))}"]
            out.append("")
    for q in questions:
        out += _question(q, "")
        out.append("")
    if verdict.references:
        out += ["### References", ""]
        out += [f"- {md_link(r)}" for r in verdict.references]
        out.append("")
    return out


def _question(q: Question, indent: str) -> list[str]:
    lines = [f"{indent}- **Question:** {md(q.ask)}"]
    if q.why:
        lines.append(f"{indent}  Why it matters: {md(q.why)}")
    lines.append(f"{indent}  Answer with:")
    lines += md_code_block([f"--answer {q.answers_with}"], indent=indent + "  ", lang="")
    return lines
