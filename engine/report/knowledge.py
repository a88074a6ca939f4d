"""Plain-text views of the loaded packs' knowledge: ``relaydoctor codes`` and ``explain``.

Pack text is data from possibly third-party packs, so it goes through ``plain`` like evidence does.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .common import one_line, plain

if TYPE_CHECKING:
    from ..pack.model import Packs, Reference

_WIDTH = 100


def codes_text(packs: Packs) -> str:
    """Every code the packs know, each with its causes in display order."""
    lines: list[str] = []
    for code_id in sorted(packs.codes, key=_code_key):
        code = packs.codes[code_id]
        pack = packs.pack_of_code(code_id)
        status = pack.manifest.status if pack is not None else "stable"
        marker = f"  [{status}: pack {one_line(pack.id)}]" if pack is not None and status != "stable" else ""
        lines.append(f"{one_line(code_id)}  {one_line(code.title)}{marker}")
        causes = list(code.causes)
        width = max((len(c) for c in causes), default=0)
        for cause_id in causes:
            cause = packs.causes.get(cause_id)
            title = cause.title if cause is not None else "(no knowledge entry)"
            lines.append(f"  {one_line(cause_id).ljust(width)}  {one_line(title)}")
        lines.append("")
    if not lines:
        return "No codes: the loaded packs define none.\n"
    lines.append("Run 'relaydoctor explain CODE' or 'relaydoctor explain CAUSE' for the full entry.")
    return "\n".join(lines) + "\n"


def explain_code(packs: Packs, code_id: str) -> str:
    code = packs.codes[code_id]
    lines = [f"{one_line(code_id)} — {one_line(code.title)}", ""]
    lines += _para(code.summary, "")
    causes = list(code.causes)
    if causes:
        lines += ["", "Causes:"]
        width = max(len(c) for c in causes)
        for cause_id in causes:
            cause = packs.causes.get(cause_id)
            title = cause.title if cause is not None else "(no knowledge entry)"
            lines.append(f"  {one_line(cause_id).ljust(width)}  {one_line(title)}")
    lines += _references(code.references)
    lines += ["", "Run 'relaydoctor explain CAUSE' for how each cause is decided and fixed."]
    return "\n".join(lines) + "\n"


def explain_cause(packs: Packs, cause_id: str) -> str:
    cause = packs.causes[cause_id]
    code = cause.code
    head = f"{one_line(cause_id)} — {one_line(cause.title)}"
    lines = [head + (f"  ({one_line(code)})" if code else ""), ""]
    lines += _para(cause.explanation, "")
    decided_by = list(cause.decided_by)
    if decided_by:
        lines += ["", "Decided by: " + one_line(", ".join(decided_by))]
    question = cause.question
    if question is not None:
        lines += ["", "When the evidence does not decide it, relaydoctor asks:"]
        lines += _para(question.ask, "  ")
        why = question.why
        if why:
            lines += _para(why, "       ", first="  why: ")
        answers_with = question.answers_with
        if answers_with:
            lines.append(f"  answer: --answer {one_line(answers_with)}")
        collect = question.collect
        if collect:
            lines.append(f"  or collect: {one_line(collect)}")
    steps = list(cause.remediation)
    if steps:
        lines += ["", "Remediation (placeholders are filled from your evidence in a report):"]
        for n, step in enumerate(steps, 1):
            lines += _para(step.step, "     ", first=f"  {n}. ")
            if step.for_each and step.commands:  # else the template reads as one command for the list
                lines.append(f"       (once per element of {one_line(step.for_each)}; none when it is empty)")
            for command in step.commands:
                lines.append(f"       {one_line(command)}")
    verify = cause.verify
    if verify:
        lines += ["", *_para(verify, "        ", first="Verify: ")]
    lines += _references(cause.references)
    return "\n".join(lines) + "\n"


def reference_text(ref: Reference) -> str:
    """A reference as ``title — url`` (just the url when it has no title)."""
    return f"{ref.title} — {ref.url}" if ref.title else ref.url


def _references(refs: Iterable[Reference]) -> list[str]:
    refs = [reference_text(r) for r in refs]
    return ["", "References:", *(f"  {one_line(r)}" for r in refs if r)] if refs else []


def _para(text: str, indent: str, first: str | None = None) -> list[str]:
    out: list[str] = []
    for i, para in enumerate(plain(text).strip().split("\n\n")):
        if i:
            out.append("")
        out += textwrap.wrap(" ".join(para.split()), width=_WIDTH,
                             initial_indent=first if (first is not None and i == 0) else indent,
                             subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)
    return out


def _code_key(code: str) -> tuple:
    parts = code.replace("/", ".").split(".")
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


def token_topics(packs: Packs, token: str) -> tuple[list[str], list[str]]:
    """(causes, codes) that a reply token such as ``ATTR36`` or ``UnknownCredentials`` names.

    A cause whose title names the token is what the token means (ATTR36 → domain-not-accepted);
    otherwise the codes whose recognition patterns or titles name it. Matched as a whole word,
    case-insensitively, so ``attr3`` matches nothing."""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]{2,40}", token):
        return [], []
    word = re.compile(rf"(?<![A-Za-z0-9]){re.escape(token)}(?![A-Za-z0-9])", re.IGNORECASE)
    causes = sorted(c for c, cause in packs.causes.items() if word.search(cause.title or ""))
    codes = sorted(
        (c for c, code in packs.codes.items()
         if word.search(code.title or "") or any(word.search(p) for p in code.recognize)),
        key=_code_key,
    )
    return causes, codes
