"""Format-Table console text: default table views and ``Format-Table`` output.

Columns come from the ``----`` underline row: each dash run sits under its header label. Left-
aligned cells start at their run; right-aligned cells (numbers, PowerShell 7 booleans) end at it
and may reach further left than the run when a value is wider than the label, so a cell boundary
is moved left to the blank before such a value. Cells are padded with trailing blanks (``>`` files)
or trimmed (console pastes). A cell cut by the column width ends in ``...`` (``…`` in PowerShell 7)
and is reported as truncated. Several tables (and prompt lines between them) may share a file.
"""

from __future__ import annotations

from ... import lazyre
from ...errors import EvidenceError
from ..base import Document, ParseResult
from .classify import kind_from_names
from .model import Prop, PSObject
from .objects import build_result
from .textlines import is_blank, is_prompt, split_lines

KIND = "cmdlet_format_table"

_UNDERLINE = lazyre.compile(r"^ *-+(?: +-+)* *$")
_RUN = lazyre.compile(r"-+")
_CUT = ("...", "…")


def _columns(header: str, underline: str) -> list[tuple[str, int, int]] | None:
    """(label, start, end) per column, or None when the header does not sit on the runs."""
    runs = [(m.start(), m.end()) for m in _RUN.finditer(underline)]
    cols: list[tuple[str, int, int]] = []
    for j, (start, end) in enumerate(runs):
        label = header[start:end].strip()
        if not label:
            return None
        gap_end = runs[j + 1][0] if j + 1 < len(runs) else len(header)
        if header[end:gap_end].strip():
            return None
        cols.append((label, start, end))
    if header[: runs[0][0]].strip():
        return None
    return cols


def _cells(line: str, cols: list[tuple[str, int, int]]) -> list[str]:
    bounds = [0]
    for j in range(1, len(cols)):
        start, prev_end = cols[j][1], cols[j - 1][2]
        bound = start
        if 0 < start <= len(line) and line[start - 1] != " ":
            k = start - 1  # a right-aligned value wider than its label: find the blank before it
            while k > prev_end and line[k] != " ":
                k -= 1
            if line[k] == " ":
                bound = k + 1
        bounds.append(max(bound, bounds[-1]))
    bounds.append(len(line))
    return [line[bounds[j] : bounds[j + 1]] for j in range(len(cols))]


def find_tables(lines: list[str]) -> list[tuple[int, list[tuple[str, int, int]]]]:
    """(index of the underline row, columns) for every table in ``lines``."""
    found = []
    for i in range(1, len(lines)):
        if _UNDERLINE.match(lines[i]) and not is_blank(lines[i - 1]) and not is_prompt(lines[i - 1]):
            cols = _columns(lines[i - 1], lines[i])
            if cols:
                found.append((i, cols))
    return found


def parse_lines(lines: list[str]) -> list[PSObject]:
    objects: list[PSObject] = []
    tables = find_tables(lines)
    headers = {i - 1 for i, _ in tables}
    for under, cols in tables:
        for i in range(under + 1, len(lines)):
            line = lines[i]
            if is_blank(line) or is_prompt(line) or i in headers:
                break
            obj = PSObject(style="text", line=i + 1)
            for (label, _, _), cell in zip(cols, _cells(line, cols), strict=True):
                value = cell.strip()
                truncated = value.endswith(_CUT)
                obj.add(Prop(label, value, i + 1, line.rstrip(), truncated))
            objects.append(obj)
    return objects


def sniff(doc: Document) -> bool:
    """A header with an underline row whose labels describe an object this package knows."""
    lines = split_lines(doc.head_text())
    return any(kind_from_names(label for label, _, _ in cols) for _, cols in find_tables(lines))


def parse(doc: Document) -> ParseResult:
    lines = split_lines(doc.text())
    if not find_tables(lines):
        raise EvidenceError("no table (header with a ---- underline) found", doc.name)
    return build_result(parse_lines(lines), doc.name, "Format-Table")
