"""Running a pack's cases (``relaydoctor rules test``): evidence in, expected verdicts out.

The diagnosis itself is passed in (``diagnose``, normally ``engine.api.diagnose``) so this
module depends only on its signature: ``diagnose(paths, *, ndr_texts, answers, extra_facts,
packs, now) -> Report`` whose ``verdicts`` carry ``code``, ``cause`` and ``status`` and whose
``evidence`` lists each file read or skipped (a case whose evidence file is skipped cannot run). An
expectation ``cause@code`` is checked against the cause's verdict under that code; a plain
``cause`` against its verdict under its own (home) code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import EngineError, RelaydoctorError
from ..facts import Fact, Provenance, fact_from_dict
from .model import CaseDef, Packs, split_expect

if TYPE_CHECKING:
    from ..results import Report

ABSENT = "absent"  # the report has no verdict for the cause under the code (not in scope)


@dataclass(frozen=True, slots=True)
class Mismatch:
    cause: str
    expected: str
    got: str
    hint: str = ""  # the case's description when it is a TODO skeleton: what to fill in

    def __str__(self) -> str:
        text = f"{self.cause}: expected {self.expected}, got {self.got}"
        return f"{text} ({self.hint})" if self.hint else text


@dataclass(frozen=True, slots=True)
class CaseResult:
    case: str
    path: str  # path:line of the case
    passed: bool
    mismatches: tuple[Mismatch, ...] = ()
    error: str | None = None  # the case could not run (bad evidence, engine error)
    description: str = ""

    def message(self) -> str:
        """One line per problem; a TODO description (a scaffolded case) says what to fill in."""
        if self.passed:
            return f"{self.path}: case {self.case}: ok"
        lines = []
        if self.error:
            lines.append(f"{self.path}: case {self.case}: could not run: {self.error}")
        for m in self.mismatches:
            lines.append(f"{self.path}: case {self.case}: {m}")
        return "\n".join(lines)


def case_facts(case: CaseDef) -> list[Fact]:
    """The case's inline facts, each with the case file and line as provenance."""
    return [fact_from_dict(dict(f.data), Provenance(case.loc.path, f.line)) for f in case.facts]


def run_case(case: CaseDef, packs: Packs, *, diagnose: Callable[..., Report]) -> CaseResult:
    where = case.loc.ref()
    try:
        report = diagnose(
            [str(p) for p in case.evidence],
            ndr_texts=list(case.ndr),
            answers=dict(case.answers),
            extra_facts=case_facts(case),
            packs=packs,
            now=case.now_datetime,
        )
    except (RelaydoctorError, EngineError) as exc:
        return CaseResult(case.case, where, False, error=str(exc), description=case.description)
    named = {str(p) for p in case.evidence}
    unread = [s for s in report.evidence if s.skipped_reason and s.source in named] if named else []
    if unread:  # the diagnosis skips a file that is not evidence; a case must not rest on one
        error = f"{unread[0].source}: skipped: {unread[0].skipped_reason}"
        return CaseResult(case.case, where, False, error=error, description=case.description)
    got = {(v.code, v.cause): v.status for v in report.verdicts}
    todo = " ".join(case.description.split()) if "TODO" in case.description else ""
    mismatches = []
    for key, expected in case.expect.items():
        cause, code = split_expect(key)
        home = packs.causes[cause].code if cause in packs.causes else None
        status = got.get((code or home or "", cause), ABSENT)
        if status == expected:
            continue
        hint = todo
        if status == ABSENT:
            elsewhere = sorted(c for c, x in got if x == cause and c != (code or home))
            if elsewhere:
                qualify = ", ".join(f"{cause}@{c}" for c in elsewhere)
                hint = "; ".join(filter(None, (todo, f"judged under another code: expect {qualify}")))
        mismatches.append(Mismatch(key, expected, status, hint))
    return CaseResult(case.case, where, not mismatches, tuple(mismatches), description=case.description)


def run_cases(
    packs: Packs, *, diagnose: Callable[..., Report], only: Iterable[str] | None = None
) -> list[CaseResult]:
    """Run every case of the loaded packs (or those whose id or pack id is in ``only``)."""
    wanted = set(only) if only is not None else None
    return [
        run_case(case, packs, diagnose=diagnose)
        for case in packs.cases
        if wanted is None or case.case in wanted or case.pack in wanted
    ]
