"""Report renderers (text, Markdown, JSON), redaction and the terminal progress bar.

Import the renderers from here: ``render(report, fmt)`` picks one by the CLI's format name.
"""

from __future__ import annotations

from ..results import Report
from .jsonreport import render_json
from .markdown import render_markdown
from .redact import redact_report
from .text import WIDTH, render_text

FORMATS = ("text", "markdown", "json")


def render(
    report: Report, fmt: str, *, color: bool = False, verbose: bool = False, width: int = WIDTH
) -> str:
    """Render ``report`` as ``fmt`` (one of ``FORMATS``); ``verbose`` and ``width`` shape text only
    (Markdown and JSON always carry the full detail)."""
    if fmt == "text":
        return render_text(report, color=color, verbose=verbose, width=width)
    if fmt == "markdown":
        return render_markdown(report)
    if fmt == "json":
        return render_json(report)
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


__all__ = ["FORMATS", "WIDTH", "redact_report", "render", "render_json", "render_markdown", "render_text"]
