"""Running a pack's cases (``relaydoctor rules test``): evidence in, expected verdicts out.

The diagnosis itself is passed in (``diagnose``, normally ``engine.api.diagnose``) so this
module depends only on its signature: ``diagnose(paths, *, ndr_texts, answers, extra_facts,
packs, now) -> Report`` whose ``verdicts`` carry ``code``, ``cause`` and ``status`` (and, for
``output:`` checks and ``rules test -v``, ``summary``, ``remediation`` and ``rules``, with the
report's ``facts``) and whose ``evidence`` lists each file read or skipped (a case whose evidence
file is skipped cannot run). An
expectation ``cause@code`` is checked against the cause's verdict under that code; a plain
``cause`` against its verdict under its own (home) code. A cause whose rules name a ``subject:``
has a verdict per subject: ``cause[subject]`` (or ``cause@code[subject]``) checks one of them,
a plain ``cause`` its verdict without a subject, or else its most severe one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ..errors import EngineError, RelaydoctorError
from ..facts import Fact, Provenance, fact_from_dict
from ..lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from .model import CaseDef, FieldTest, Packs, Pattern, Ref, expect_subject, split_expect

if TYPE_CHECKING:
    from ..results import Report, Verdict

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
class Fired:
    """A verdict some rules concluded, for ``rules test`` output."""

    code: str
    cause: str
    status: str
    rules: tuple[str, ...]
    subject: str = ""

    def __str__(self) -> str:
        about = f" [{self.subject}]" if self.subject else ""
        return f"{self.code} {self.cause}{about}: {self.status} ({', '.join(self.rules)})"


@dataclass(frozen=True, slots=True)
class CaseResult:
    case: str
    path: str  # path:line of the case
    passed: bool
    mismatches: tuple[Mismatch, ...] = ()
    error: str | None = None  # the case could not run (bad evidence, engine error)
    description: str = ""
    xfail: str = ""  # the case is a known gap: it failed as expected (passed stays True)
    xpassed: bool = False  # marked xfail but passed: the marker should go (passed is False)
    fired: tuple[Fired, ...] = ()  # per verdict a rule concluded
    near: tuple[str, ...] = ()  # rules of the expected causes that did not conclude, nearest first

    @property
    def label(self) -> str:
        if self.xpassed:
            return "XPASS"
        if self.xfail:
            return "XFAIL"
        return "PASS" if self.passed else "FAIL"

    def message(self) -> str:
        """One line per problem; a TODO description (a scaffolded case) says what to fill in."""
        if self.xpassed:
            return (
                f"{self.path}: case {self.case}: passes, but is marked xfail ({self.xfail}): "
                "remove the marker"
            )
        if self.passed:
            outcome = f"fails as expected ({self.xfail})" if self.xfail else "ok"
            return f"{self.path}: case {self.case}: {outcome}"
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
    got: dict[tuple[str, str, str | None], str] = {}
    for v in report.verdicts:
        subject = getattr(v, "subject", "")
        got[(v.code, v.cause, subject)] = v.status
        # a plain ``cause`` key: its verdict without a subject, else its first (the most severe:
        # the report ranks confirmed first)
        if not subject or (v.code, v.cause, None) not in got:
            got[(v.code, v.cause, None)] = v.status
    todo = " ".join(case.description.split()) if "TODO" in case.description else ""
    mismatches = _status_mismatches(case, packs, got, todo)
    mismatches += _output_mismatches(case, packs, report)
    fired = tuple(
        Fired(v.code, v.cause, v.status, tuple(v.rules), getattr(v, "subject", ""))
        for v in report.verdicts if getattr(v, "rules", ())
    )
    near = nearest_misses(case, packs, report)
    failed = bool(mismatches)
    if case.xfail:
        return CaseResult(
            case.case, where, failed, tuple(mismatches), description=case.description,
            xfail=case.xfail if failed else "", xpassed=not failed, fired=fired, near=near,
        )
    return CaseResult(
        case.case, where, not failed, tuple(mismatches), description=case.description, fired=fired, near=near
    )


def _status_mismatches(case: CaseDef, packs: Packs, got: dict, todo: str) -> list[Mismatch]:
    mismatches = []
    for key, expected in case.expect.items():
        cause, code = split_expect(key)
        home = packs.causes[cause].code if cause in packs.causes else None
        status = got.get((code or home or "", cause, expect_subject(key)), ABSENT)
        if status == expected:
            continue
        hint = todo
        if status == ABSENT and expect_subject(key) is not None:
            judged = sorted(sub for c, x, sub in got if x == cause and c == (code or home) and sub)
            hint = "; ".join(filter(None, (todo, "subjects judged: " + (", ".join(judged) or "none"))))
        elif status == ABSENT:
            elsewhere = sorted({c for c, x, _ in got if x == cause and c != (code or home)})
            if elsewhere:
                qualify = ", ".join(f"{cause}@{c}" for c in elsewhere)
                hint = "; ".join(filter(None, (todo, f"judged under another code: expect {qualify}")))
        mismatches.append(Mismatch(key, expected, status, hint))
    return mismatches


def _verdict(case_key: str, packs: Packs, report: Report) -> Verdict | None:
    cause, code = split_expect(case_key)
    subject = expect_subject(case_key)
    home = packs.causes[cause].code if cause in packs.causes else None
    mine = [v for v in report.verdicts if v.cause == cause and v.code == (code or home)]
    if subject is not None:
        return next((v for v in mine if getattr(v, "subject", "") == subject), None)
    return next((v for v in mine if not getattr(v, "subject", "")), mine[0] if mine else None)


def _output_mismatches(case: CaseDef, packs: Packs, report: Report) -> list[Mismatch]:
    """What the verdicts show against ``output:``, and ``only_confirmed``."""
    out: list[Mismatch] = []
    for key, want in case.output.items():
        v = _verdict(key, packs, report)
        if v is None:
            continue  # the status mismatch already says it is absent
        if want.message is not None and want.message not in v.summary:
            out.append(Mismatch(key, f"a message containing {want.message!r}", repr(v.summary)))
        printed = [c for step in v.remediation for c in step.commands]
        for command in want.commands or ():
            if command not in printed:
                shown = "; ".join(printed) or "no commands"
                out.append(Mismatch(key, f"the command {command!r}", shown))
        if want.rules is not None and sorted(want.rules) != sorted(v.rules):
            out.append(
                Mismatch(key, f"rules {', '.join(sorted(want.rules))}", ", ".join(sorted(v.rules)) or "none")
            )
    if case.only_confirmed:
        allowed = set()
        for key, status in case.expect.items():
            if status == "confirmed":
                cause, code = split_expect(key)
                allowed.add((code or (packs.causes[cause].code if cause in packs.causes else ""), cause))
        for v in report.verdicts:
            if v.status == "confirmed" and (v.code, v.cause) not in allowed:
                sub = getattr(v, "subject", "")
                where = f"{v.cause}@{v.code}" + (f"[{sub}]" if sub else "")
                out.append(Mismatch(where, "no other cause confirmed", "confirmed"))
    return out


# ---------------------------------------------------------------------------------------------
# Nearest misses (rules test -v): which rules of the expected causes almost concluded
# ---------------------------------------------------------------------------------------------


def _holds(test: Any, fact: Fact) -> bool | None:
    """Whether one field test holds on a fact (None: a join or any_of, not judged here)."""
    if not isinstance(test, FieldTest) or isinstance(test.value, Ref):
        return None
    value = fact.values().get(test.field)
    op, want = test.op, test.value
    if op == "exists":
        return value is not None
    if op == "missing":
        return value is None
    if value is None:
        return op in ("ne", "not_in")
    checks: dict[str, Callable[[], bool]] = {
        "eq": lambda: value == want,
        "ne": lambda: value != want,
        "in": lambda: value in (want or ()),
        "not_in": lambda: value not in (want or ()),
        "gt": lambda: value > want,
        "gte": lambda: value >= want,
        "lt": lambda: value < want,
        "lte": lambda: value <= want,
        "contains": lambda: want in value,
        "matches": lambda: re.search(str(want), str(value)) is not None,
        "imatches": lambda: re.search(str(want), str(value), re.IGNORECASE) is not None,
    }
    try:
        return checks[op]()
    except (TypeError, re.error, KeyError):
        return None


def _pattern_holds(pattern: Pattern, facts: list[Fact]) -> bool:
    """Some fact of the kind passes every top-level test this check can judge."""
    for fact in facts:
        if pattern.kind != fact.KIND:
            continue
        if all(_holds(t, fact) is not False for t in pattern.tests):
            return True
    return False


def nearest_misses(case: CaseDef, packs: Packs, report: Report, limit: int = 3) -> tuple[str, ...]:
    """Rules of the case's expected (code, cause) pairs that did not conclude, with how many of
    their positive patterns some fact satisfies and the first that none does. Approximate:
    joins ({ref: ...}) and any_of groups are not judged, so a listed pattern may still fail on
    them; the engine alone decides verdicts."""
    concluded = {r for v in report.verdicts for r in getattr(v, "rules", ())}
    facts = list(getattr(report, "facts", ()))
    scored = []
    for key in case.expect:
        cause, code = split_expect(key)
        home = packs.causes[cause].code if cause in packs.causes else None
        for rule in packs.rules_for(cause, code or home):
            if rule.id in concluded:
                continue
            positive = rule.patterns
            holding = [p for p in positive if _pattern_holds(p, facts)]
            blocking = [p for p in rule.negations if _pattern_holds(p, facts)]
            missing = next((p for p in positive if p not in holding), None)
            why = (
                f"no {missing.kind} fact passes the pattern at {missing.where()}"
                if missing is not None
                else (f"blocked by the not: at {blocking[0].where()}" if blocking else "a join or any_of")
            )
            scored.append((len(holding) / max(len(positive), 1), rule.id, len(holding), len(positive), why))
    scored.sort(key=lambda s: (-s[0], s[1]))
    return tuple(f"{rid} ({rule_file_ref(packs, rid)}): {h} of {n} patterns hold; {why}"
                 for _, rid, h, n, why in scored[:limit])


def rule_file_ref(packs: Packs, rule_id: str) -> str:
    rule = packs.rule(rule_id)
    return rule.loc.ref() if rule is not None else "?"


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
