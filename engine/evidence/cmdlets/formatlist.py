"""Format-List console text (``Get-X | Format-List > file``, or pasted from a console).

Layout (Windows PowerShell 5.1 and 7): objects separated by blank lines; ``Label<pad> : value``;
long values word-wrap at the console width minus one with continuation lines indented to the value
column — a wrap at a blank leaves the blank at the line end, a word longer than the field is cut
mid-word at the full width — and an embedded line break also starts a continuation line, which is
shorter than the width and does not end in a blank. Collections show as ``{a, b}``, cut after
``$FormatEnumerationLimit`` (4) items with ``...`` (``…`` in PowerShell 7).

When a console paste has trimmed the trailing blanks, a wrap at a blank is recognised by the next
word not fitting on the line.
"""

from __future__ import annotations

import re
from dataclasses import field

from ... import lazyre
from ...errors import EvidenceError
from ...lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from ..base import Document, ParseResult
from .classify import classify
from .model import Prop, PSObject
from .objects import build_result
from .textlines import is_blank, is_prompt, split_lines

KIND = "cmdlet_format_list"

# every line it matches holds " :": only such lines are tried (most continuation lines are not)
_LABEL = lazyre.compile(r"^(?P<label>[^\s:](?:[^:]*[^\s:])?) +:(?: (?P<value>.*))?$")
_TRUNCATED_LIST = lazyre.compile(r"^\{.*(?:\.\.\.|…)\}$", re.S)
_MIN_WRAP_WIDTH = 60  # narrower "widths" are short files, not a console that wrapped


@dataclass
class _Pending:
    name: str
    line: int
    excerpt: str
    value_col: int
    parts: list[str] = field(default_factory=list)
    last_physical: str = ""


@dataclass
class _Layout:
    width: int
    trimmed: bool  # trailing blanks were stripped (console paste), so wrap blanks are lost


def _join(acc: str, prev: str, cont: str, layout: _Layout, field_width: int) -> str:
    """Append a continuation line: a word-wrap (no separator) or an embedded line break.

    PowerShell moves a word that does not fit to the next line, and cuts a word only when it is
    longer than the whole field; so at a full-width line of a trimmed paste, the word across the
    break tells a cut (longer than the field) from a wrap whose blank was trimmed away.
    """
    if prev.endswith((" ", "\t")):
        return acc + cont
    wide = layout.width >= _MIN_WRAP_WIDTH
    if wide and len(prev) >= layout.width:
        if not layout.trimmed:
            return acc + cont  # a full line without its wrap blank: cut mid-word
        word = prev.rsplit(" ", 1)[-1] + cont.split(" ", 1)[0]
        return acc + cont if len(word) > field_width else acc + " " + cont
    first_word = cont.split(" ", 1)[0]
    if layout.trimmed and wide and len(prev) + 1 + len(first_word) > layout.width:
        return acc + " " + cont  # the next word did not fit: a wrap whose blank was trimmed
    return acc + "\n" + cont


def parse_lines(lines: list[str]) -> list[PSObject]:
    """Every Format-List object in ``lines`` (1-based line numbers on each property)."""
    data = [ln for ln in lines if not is_prompt(ln)]
    layout = _Layout(
        width=max((len(ln) for ln in data), default=0),
        trimmed=not any(ln.endswith(" ") for ln in data if ln.strip()),
    )
    objects: list[PSObject] = []
    current: PSObject | None = None
    pending: _Pending | None = None
    blanks = 0

    def flush_prop() -> None:
        nonlocal pending
        if pending is not None and current is not None:
            value = "".join(pending.parts).rstrip()
            truncated = value.startswith("{") and _TRUNCATED_LIST.match(value) is not None
            current.add(Prop(pending.name, value, pending.line, pending.excerpt, truncated))
        pending = None

    def flush_object() -> None:
        nonlocal current
        flush_prop()
        if current is not None and current.props:
            objects.append(current)
        current = None

    for number, line in enumerate(lines, start=1):
        if is_prompt(line):
            flush_object()
            blanks = 0
            continue
        if is_blank(line):
            blanks += 1
            continue
        indent = len(line) - len(line.lstrip(" \t"))
        if indent > 0 and pending is not None:
            if blanks and indent < pending.value_col:
                flush_object()  # e.g. a Format-List -GroupBy header after the object
                blanks = 0
                continue
            cont = line[pending.value_col :] if indent >= pending.value_col else line.lstrip(" \t")
            acc = "".join(pending.parts)
            if blanks:
                acc += "\n" * (blanks + 1) + cont
            else:
                acc = _join(acc, pending.last_physical, cont, layout, layout.width - pending.value_col)
            pending.parts = [acc]
            pending.last_physical = line
            blanks = 0
            continue
        if blanks:
            flush_object()
            blanks = 0
        m = _LABEL.match(line) if indent == 0 and " :" in line else None
        if m is None:
            flush_object()  # noise: a WARNING line, a group header, text that is not a list
            continue
        flush_prop()
        if current is None:
            current = PSObject(style="text", line=number)
        colon = line.index(":", len(m.group("label")))
        pending = _Pending(
            name=m.group("label"),
            line=number,
            excerpt=line.rstrip(),
            value_col=colon + 2,
            parts=[m.group("value") or ""],
            last_physical=line,
        )
    flush_object()
    return objects


def sniff(doc: Document) -> bool:
    """Aligned ``Label : value`` lines describing an object this package knows."""
    lines = split_lines(doc.head_text())
    run, col, best = 0, -1, 0
    for line in lines:
        m = _LABEL.match(line) if " :" in line else None
        if m:
            c = line.index(":", len(m.group("label")))
            run = run + 1 if c == col else 1
            col = c
            best = max(best, run)
        elif not line.startswith((" ", "\t")):
            run, col = 0, -1
    if best < 2:
        return False
    objects = parse_lines(lines)
    doc.memo[KIND] = (doc.head_text(), objects)  # the whole file, when it fits in the head
    return any(classify(obj) is not None for obj in objects)


def parse(doc: Document) -> ParseResult:
    text = doc.text()
    sniffed = doc.memo.pop(KIND, None)
    # the sniff read these objects from the head; the same text gives the same objects (read-only)
    objects = sniffed[1] if sniffed is not None and sniffed[0] == text else parse_lines(split_lines(text))
    if not objects:
        raise EvidenceError("no Format-List objects found", doc.name)
    return build_result(objects, doc.name, "Format-List")
