"""Report renderers (text, Markdown, JSON), redaction and the terminal progress bar.

Import the renderers from here: ``render(report, fmt)`` picks one by the CLI's format name. Each
renderer module is imported when first used (a JSON run never loads the text renderer's wrapping).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..results import Report

FORMATS = ("text", "markdown", "json")
_LAZY = {  # name -> module that defines it
    "WIDTH": "text", "render_text": "text", "render_markdown": "markdown", "render_json": "jsonreport",
    "redact_report": "redact",
}


def render(
    report: Report, fmt: str, *, color: bool = False, verbose: bool = False, width: int | None = None
) -> str:
    """Render ``report`` as ``fmt`` (one of ``FORMATS``); ``verbose`` and ``width`` shape text only
    (Markdown and JSON always carry the full detail; text's default width is ``WIDTH``)."""
    if fmt == "text":
        from .text import WIDTH, render_text

        return render_text(report, color=color, verbose=verbose, width=width or WIDTH)
    if fmt == "markdown":
        from .markdown import render_markdown

        return render_markdown(report)
    if fmt == "json":
        from .jsonreport import render_json

        return render_json(report)
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)


__all__ = ["FORMATS", "WIDTH", "redact_report", "render", "render_json", "render_markdown", "render_text"]
