"""The TUI's one door to the engine: read evidence, diagnose, preview pasted text, export.

Everything here is blocking and runs in worker threads (never on the UI loop). Engine calls are
serialised with one lock: the rules engine has no locks of its own (ENGINE-NOTES.md), and a
re-diagnosis after an answer may overlap a reload the user just started.

The walk's state is a ``Walk``: the paths and pasted text the user gave, their answers, the
parsed evidence (kept so answers re-run only the diagnosis, never the parsers) and the report.
Export renders with the CLI's own renderers, so the file equals ``relaydoctor diagnose`` output
for the same evidence, answers and ``now``.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from relaydoctor.engine.errors import EvidenceError, RelaydoctorError
from relaydoctor.engine.facts import Fact
from relaydoctor.engine.results import EvidenceSet, Report

NDR_LABEL = "--ndr"  # what `diagnose --ndr TEXT` calls pasted text; the TUI uses the same label
PREVIEW_LIMIT = 1024 * 1024  # parse_text's own limit: a paste, not a log

_ENGINE_LOCK = threading.Lock()


@dataclass(slots=True)
class Walk:
    """The user's case as the walk builds it."""

    paths: list[str] = field(default_factory=list)
    pasted: str = ""
    answers: dict[str, str] = field(default_factory=dict)
    now: dt.datetime | None = None
    pack_dirs: tuple[str, ...] = ()
    pfx_password: str | None = None
    evidence: EvidenceSet | None = None  # parsed from ``paths`` and ``pasted`` (one load, as the CLI)
    text_error: str | None = None  # why the pasted text was left out
    report: Report | None = None
    version: int = 0  # bumped whenever ``report`` changes, so screens know to redraw

    @property
    def has_input(self) -> bool:
        return bool(self.paths or self.pasted.strip() or self.answers)


def packs_for(pack_dirs: Sequence[str]) -> Any:
    from relaydoctor.engine.diagnosis import load_packs_cached

    with _ENGINE_LOCK:
        return load_packs_cached(tuple(pack_dirs))


def load(
    paths: Sequence[str],
    text: str = "",
    *,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    pfx_password: str | None = None,
) -> EvidenceSet:
    """Parse the evidence at ``paths`` plus the pasted ``text`` in one call, exactly as
    ``diagnose PATH... --ndr TEXT`` does (same de-duplication, same order, same labels).
    Large logs are streamed; raises ``Cancelled`` when ``cancel()`` says so."""
    from relaydoctor.engine.evidence.loader import load_evidence

    extra = [(NDR_LABEL, text)] if text.strip() else []
    return load_evidence(
        list(paths), progress=progress, cancel=cancel, pfx_password=pfx_password, extra_texts=extra
    )


def check_text(text: str) -> str | None:
    """Why pasted ``text`` cannot be used as a symptom (None when it can, or when it is empty)."""
    if not text.strip():
        return None
    from relaydoctor.engine.evidence.loader import load_evidence

    try:
        load_evidence([], extra_texts=[(NDR_LABEL, text)])
    except RelaydoctorError as exc:
        return _one_line(exc)
    return None


def preview_text(text: str) -> tuple[list[Fact], str | None]:
    """Symptoms in pasted text, for the live preview (facts, or the reason there are none)."""
    if not text.strip():
        return [], None
    if len(text.encode("utf-8", "replace")) > PREVIEW_LIMIT:
        return [], "too long for pasted text: add the file as evidence instead (2)"
    from relaydoctor.engine.evidence.symptoms.text import parse_text

    try:
        return list(parse_text(NDR_LABEL, text).facts), None
    except RelaydoctorError as exc:
        return [], _one_line(exc)


def diagnose(walk: Walk, packs: Any, answers: Mapping[str, str] | None = None) -> Report:
    """Diagnose the walk's parsed evidence with ``answers`` (default: the walk's)."""
    from relaydoctor.engine.diagnosis import diagnose_evidence

    chosen = dict(walk.answers if answers is None else answers)
    with _ENGINE_LOCK:
        evidence = walk.evidence if walk.evidence is not None else EvidenceSet()
        return diagnose_evidence(evidence, answers=chosen, packs=packs, now=walk.now)


def render_export(report: Report, fmt: str, *, redact: bool = False) -> str:
    """The report as ``diagnose --format markdown|json [--redact]`` prints it."""
    from relaydoctor.engine.report import render
    from relaydoctor.engine.report.redact import redact_report

    if redact:
        report = redact_report(report)
    return render(report, fmt)


def write_export(report: Report, fmt: str, path: str, *, redact: bool = False) -> Path:
    """Write the export to ``path`` (UTF-8, as the CLI's --output does); returns the path."""
    target = Path(path).expanduser()
    text = render_export(report, fmt, redact=redact)
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise EvidenceError(f"cannot write: {exc.strerror or exc}", str(target)) from None
    return target


def _one_line(exc: BaseException) -> str:
    fn = getattr(exc, "one_line", None)
    text = fn() if callable(fn) else str(exc)
    return " ".join(text.split()) or type(exc).__name__
