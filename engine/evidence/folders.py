"""Folders that hold tools, not evidence: a Git repository's internals, virtualenvs, Node.js
packages. Adding a working folder must not read thousands of library files into a diagnosis
(issue 13), so the folder walk skips them, names each with the reason, and says how many files
were left unread. ``survey`` tells a front end, before reading, how big a folder is."""

from __future__ import annotations

import os
from dataclasses import field

from ..lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use

# by folder name; a virtualenv is also recognised by its ``pyvenv.cfg`` whatever its name
NAMED = {
    ".git": "a Git repository's internals",
    ".hg": "a Mercurial repository's internals",
    ".svn": "a Subversion working copy's internals",
    "node_modules": "Node.js packages",
    "site-packages": "installed Python packages",
    "__pycache__": "Python byte code",
}
VENV_MARKER = "pyvenv.cfg"
COUNT_CAP = 100_000  # files counted at most in one folder (a count, not a read)


def tool_folder(path: str) -> str | None:
    """Why the folder at ``path`` is not evidence (None: it may be)."""
    name = os.path.basename(os.path.normpath(path))
    if name in NAMED:
        return NAMED[name]
    if os.path.isfile(os.path.join(path, VENV_MARKER)):
        return "a Python virtualenv"
    return None


def count_files(folder: str, cap: int = COUNT_CAP) -> int:
    """Files below ``folder`` (symlinks not followed), counting stops at ``cap``."""
    n = 0
    stack = [folder]
    while stack and n < cap:
        try:
            with os.scandir(stack.pop()) as it:
                for entry in it:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        else:
                            n += 1
                    except OSError:
                        continue
        except OSError:
            continue
    return min(n, cap)


def skip_reason(path: str, reason: str) -> str:
    n = count_files(path)
    files = f"{n:,}{'+' if n >= COUNT_CAP else ''} file{'s' if n != 1 else ''}"
    return f"{reason}, not evidence: {files} not read"


@dataclass(slots=True)
class SkippedFolder:
    path: str
    reason: str
    files: int


@dataclass(slots=True)
class FolderSurvey:
    """What adding a folder would read: ``files`` outside tool folders, and the tool folders
    the walk skips, each with its file count."""

    folder: str
    files: int = 0
    skipped: list[SkippedFolder] = field(default_factory=list)
    capped: bool = False  # counting stopped at the cap: there are more

    @property
    def skipped_files(self) -> int:
        return sum(s.files for s in self.skipped)


def survey(folder: str, cap: int = COUNT_CAP) -> FolderSurvey:
    """Count what the folder walk would read below ``folder`` and what it would skip."""
    out = FolderSurvey(folder)
    stack = [folder]
    while stack and not out.capped:
        try:
            with os.scandir(stack.pop()) as it:
                entries = list(it)
        except OSError:
            continue
        for entry in entries:
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if not is_dir:
                out.files += 1
                if out.files >= cap:
                    out.capped = True
                    break
                continue
            reason = tool_folder(entry.path)
            if reason is None:
                stack.append(entry.path)
            else:
                out.skipped.append(SkippedFolder(entry.path, reason, count_files(entry.path)))
    out.skipped.sort(key=lambda s: s.path)
    return out
