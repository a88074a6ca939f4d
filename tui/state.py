"""The TUI's state in one object: the user's case as the walk builds it.

A ``Walk`` is replaced, never edited, when the engine brings it up to date, so "did it change?"
is "is it another object?". It keeps the parsed evidence, so answering a question re-runs only
the diagnosis, never the parsers (``api.diagnose_evidence``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from relaydoctor.engine.api import EvidenceSet, Packs, Report


@dataclass(slots=True, eq=False)
class Walk:
    """What the user gave (paths, pasted text, answers, options) and what the engine made of it."""

    paths: list[str] = field(default_factory=list)
    pasted: str = ""
    answers: dict[str, str] = field(default_factory=dict)
    now: dt.datetime | None = None
    pack_dirs: tuple[str, ...] = ()
    pfx_password: str | None = None
    packs: Packs | None = None  # loaded once, on the first update
    evidence: EvidenceSet | None = None  # parsed from ``paths`` and ``pasted`` (one load, as the CLI)
    text_error: str | None = None  # why the pasted text was left out
    report: Report | None = None

    @property
    def has_input(self) -> bool:
        return bool(self.paths or self.pasted.strip() or self.answers)

    @property
    def has_evidence(self) -> bool:
        """A diagnosis with at least one source read (not skipped): what ``diagnose`` needs to
        say anything; without it the CLI exits 2, and the TUI says so instead of open causes."""
        report = self.report
        return report is not None and any(not s.skipped_reason for s in report.evidence)

    @property
    def skipped(self) -> int:
        report = self.report
        return sum(1 for s in report.evidence if s.skipped_reason) if report is not None else 0


NO_EVIDENCE = "No evidence yet — add files or paste an NDR."


@dataclass(frozen=True, slots=True)
class Update:
    """One request to bring the walk up to date: the new input, what must be read again, and
    where to go afterwards."""

    paths: tuple[str, ...]
    pasted: str
    answers: dict[str, str]
    read_files: bool = False  # parse the files again (paths changed or the user asked)
    read_text: bool = False  # parse the pasted text again
    go_to: str | None = None  # the step to show when done
    what: str = ""  # what is being read, for the progress dialog

    @property
    def reads(self) -> bool:
        return self.read_files or self.read_text
