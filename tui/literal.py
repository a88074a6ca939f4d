"""Untrusted text made safe to show: literal Content, never markup, never raw control codes.

Log lines, NDR text, certificate subjects, connector and file names come from outside. Textual
treats a plain ``str`` as markup in many widgets (``Static``, ``DataTable`` cells, tree labels,
notifications), so everything the user did not write passes through ``lit`` first: it returns a
``Content`` object (which Textual renders as-is) with control characters and bidirectional
overrides made visible as ``\\x1b``-style escapes instead of reaching the terminal.
"""

from __future__ import annotations

import re

from textual.content import Content

# C0/C1 controls except tab and newline; DEL; bidi marks, embeddings, overrides and isolates;
# line/paragraph separators; lone surrogates (undecodable bytes of a file name). The same set as
# the reports' (engine/report/common.py).
_UNSAFE = UNSAFE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: object) -> str:
    """``text`` as a str with every unsafe character shown as an escape (``\\x1b``, ``\\u202e``)."""
    raw = "" if text is None else str(text)
    return _UNSAFE.sub(_escape, raw.replace("\r\n", "\n"))


def one_line(text: object, limit: int = 0) -> str:
    """``clean`` on one line: newlines become `` ⏎ ``; clipped to ``limit`` cells when given."""
    flat = clean(text).replace("\n", " ⏎ ")
    if limit and len(flat) > limit:
        return flat[: max(limit - 1, 0)] + "…"
    return flat


def lit(text: object, style: str = "") -> Content:
    """Literal content for an untrusted value, optionally in one (trusted) style."""
    return Content.styled(clean(text), style) if style else Content(clean(text))


def lit_line(text: object, style: str = "", limit: int = 0) -> Content:
    """Literal one-line content (see ``one_line``)."""
    flat = one_line(text, limit)
    return Content.styled(flat, style) if style else Content(flat)


def join(*parts: Content | str | tuple[str, str]) -> Content:
    """Assemble trusted literal pieces: ``str`` parts are plain text (never markup), tuples are
    ``(text, style)``. Untrusted parts must already be ``lit`` / ``lit_line`` Content."""
    safe: list[Content | str | tuple[str, str]] = []
    for part in parts:
        if isinstance(part, str):
            safe.append(clean(part))
        elif isinstance(part, tuple):
            safe.append((clean(part[0]), part[1]))
        else:
            safe.append(part)
    return Content.assemble(*safe)


def lines(items: list[Content]) -> Content:
    """Content lines joined by newlines."""
    return Content("\n").join(items)
