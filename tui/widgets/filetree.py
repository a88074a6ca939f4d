"""A DirectoryTree whose labels are literal: a file named ``[b]x`` or ``[/foo]`` is shown as named.

The stock Tree turns ``str`` labels into markup, which would style (or refuse) such names.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DirectoryTree

from ..literal import one_line


class EvidenceTree(DirectoryTree):
    """Files and folders to pick evidence from (hidden entries left out). Its letter keys are
    bindings of the tree, so they act only while the tree has the focus."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "screen.add_highlighted", "Add highlighted"),
        Binding("backspace", "screen.up", "Parent folder", show=False),
    ]

    def process_label(self, label: str | Text) -> Text:
        if isinstance(label, Text):
            return Text(one_line(label.plain), style=label.style)
        return Text(one_line(label))

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [p for p in paths if not p.name.startswith(".")]
