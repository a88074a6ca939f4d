"""``file:line`` references shown so they never break mid-number: the file name and its line as
one short unit, the folder after it (where a narrow pane may wrap), a long name shortened in
the middle — never the line number."""

from __future__ import annotations

import os
from collections.abc import Sequence

from .views import short_ref

REF_LIMIT = 36  # cells for "name:line": fits the details pane at 80 columns


def middle(text: str, limit: int) -> str:
    """``text`` shortened to ``limit`` cells by an ellipsis in the middle."""
    if len(text) <= limit:
        return text
    keep = max(limit - 1, 2)
    return text[: keep - keep // 2] + "…" + text[len(text) - keep // 2 :]


def ref_parts(ref: str, roots: Sequence[str], limit: int = REF_LIMIT) -> tuple[str, str]:
    """(``name:line``, ``folder/``) for a source reference; the folder may be ''."""
    short = short_ref(ref, roots)
    head, sep, line = short.rpartition(":")
    if not (sep and line.isdigit()):
        head, line = short, ""
    file, bang, member = head.partition("!")  # a zip member: archive!member
    if bang:
        folder, name = file + "!", member
    else:
        folder, name = os.path.split(file)
        folder = folder + os.sep if folder else ""
    tail = f":{line}" if line else ""
    name = middle(name, max(limit - len(tail), 8)) + tail
    return name, folder
