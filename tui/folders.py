"""Asking before a big read: a folder with more than a few hundred files, or one holding tool
folders (``.git``, virtualenvs, ``node_modules``) that the engine's walk skips (issue 13)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual.content import Content

from .literal import join, lines, lit, one_line

if TYPE_CHECKING:
    from relaydoctor.engine.api import FolderSurvey

LARGE_FOLDER = 300  # files to read; more asks first


def large(survey: FolderSurvey) -> bool:
    """Worth asking about: many files, or tool folders that will be skipped."""
    return survey.capped or survey.files > LARGE_FOLDER or bool(survey.skipped)


def _files(n: int, capped: bool = False) -> str:
    return f"{n:,}{'+' if capped else ''} file{'s' if n != 1 else ''}"


def folder_question(surveys: Sequence[FolderSurvey]) -> Content:
    """What adding the folders would read and skip, as the confirm dialog's body."""
    out: list[Content] = []
    for s in surveys:
        out.append(lit(s.folder, "bold"))
        slow = "; reading may take a while" if s.capped or s.files > LARGE_FOLDER else ""
        out.append(Content(f"  {_files(s.files, s.capped)} to read{slow}."))
        for skipped in s.skipped:
            out.append(
                join(
                    ("  skipped: ", "$text-warning"),
                    lit(os.path.relpath(skipped.path, s.folder)),
                    (f" — {skipped.reason}, {_files(skipped.files)}", "$text-muted"),
                )
            )
    out.append(Content("Add it? Folders skipped are listed on the Evidence step (2)."))
    return lines(out)


def skipped_note(surveys: Sequence[FolderSurvey]) -> str:
    """One line saying how many files were skipped and where ('' when none)."""
    skipped = [k for s in surveys for k in s.skipped]
    if not skipped:
        return ""
    names = ", ".join(one_line(os.path.basename(k.path), 40) for k in skipped[:4])
    names += " …" if len(skipped) > 4 else ""
    n = sum(k.files for k in skipped)
    folders = f"{len(skipped)} folder{'s' if len(skipped) != 1 else ''}"
    return f"Skipped {_files(n)} in {folders} that hold tools, not evidence: {names}"
