"""Pack lint: problems that loading accepts but that make a pack wrong or weak.

``lint(packs)`` returns every finding as a PackError (``path:line: message``), sorted by file and
line: rules that can never fire, causes no rule can confirm, causes without positive, ruled-out
and undetermined cases, placeholders no rule fills, recognition patterns that collide or could
backtrack catastrophically, cases expecting unknown causes, and whatever the engine's limits
refuse at compile time. ``lint_dirs`` also turns load errors into findings, for the CLI.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable

from ..answers import answers_problem
from ..discipline import absences
from ..errors import PackError, PackErrors
from ..facts import FACT_KINDS
from .compiler import RegexProbe, check_limits, compile_rule, regex_problems
from .loader import load_packs
from .model import (
    ANSWER_ALIAS,
    POSITIVE_STATUSES,
    CauseDef,
    FieldTest,
    Packs,
    Pattern,
    Ref,
    RuleDef,
    expect_subject,
    split_expect,
)
from .parse import field_specs
from .regex import backtracking_risk
from .silent import silent_findings
from .templates import placeholders


def _never_fires(rule: RuleDef, pattern: Pattern) -> list[tuple[int | None, str]]:
    """Why a pattern can never hold (or, negated, can never block), with the line."""
    out: list[tuple[int | None, str]] = []
    if pattern.kind not in FACT_KINDS:
        return [(pattern.line, f"rule {rule.id}: no parser produces fact kind {pattern.kind!r}")]
    specs = field_specs(pattern.kind)
    equal: dict[str, set[str]] = defaultdict(set)
    for test in pattern.field_tests():
        spec = specs.get(test.field)
        if spec is None:
            out.append(
                (
                    test.line,
                    f"rule {rule.id}: {pattern.kind} has no field {test.field!r}, "
                    "so no parser produces it and the pattern never matches",
                )
            )
            continue
        if test.op == "missing" and (not spec.optional or spec.type == "list"):
            why = "a list is always present (maybe empty)" if spec.type == "list" else "it is always set"
            out.append((test.line, f"rule {rule.id}: {pattern.kind}.{test.field} is never missing ({why})"))
        if test.op == "exists" and spec.type == "list":
            out.append(
                (
                    test.line,
                    f"rule {rule.id}: {pattern.kind}.{test.field} always exists (a list); "
                    "the test is redundant",
                )
            )
    for test in pattern.tests:  # top-level equalities only: any_of groups are alternatives
        if isinstance(test, FieldTest) and test.op == "eq" and not isinstance(test.value, Ref):
            equal[test.field].add(repr(test.value))
    for name, values in equal.items():
        if len(values) > 1:
            out.append(
                (
                    pattern.line,
                    f"rule {rule.id}: {pattern.kind}.{name} cannot equal "
                    f"{' and '.join(sorted(values))} at once",
                )
            )
    return out


def _rule_findings(rule: RuleDef) -> list[PackError]:
    out = []
    for pattern in rule.when:
        source = f" (a pattern of fragment {pattern.fragment!r})" if pattern.fragment else ""
        for line, message in _never_fires(rule, pattern):
            out.append(rule.loc.at(line).error(message + source))
    if rule.status == "confirmed" and not rule.complete:
        rests = absences(rule)
        if rests:
            out.append(
                rule.loc.error(
                    f"rule {rule.id}: confirmed rests on an absence ({', '.join(rests)}) but declares "
                    "no `complete:` condition proving the evidence was read completely "
                    "(e.g. complete: [sess.tls_complete]); the diagnosis would only say likely"
                )
            )
    return out


def _cause_findings(packs: Packs) -> list[PackError]:
    """Per cause and per code that judges it (a shared cause is judged separately under each)."""
    out: list[PackError] = []
    expectations = _expectations(packs)
    for cause in packs.causes.values():
        code = packs.codes.get(cause.code)
        if code is not None and cause.cause not in code.causes:
            out.append(
                cause.loc.error(
                    f"cause {cause.cause} is not listed in code {code.code}'s causes, so it is never judged"
                )
            )
        codes = packs.codes_for(cause.cause)
        shared = len(codes) > 1
        bound_anywhere = {
            alias
            for r in packs.rules_for(cause.cause)
            if r.status in POSITIVE_STATUSES and r.code in codes
            for alias in r.aliases
        }
        positive_any: list[RuleDef] = []
        for code_id in codes:
            rules = packs.rules_for(cause.cause, code_id)
            positive = [r for r in rules if r.status in POSITIVE_STATUSES]
            positive_any.extend(positive)
            under = f" under code {code_id}" if shared else ""
            if not positive:
                out.append(
                    cause.loc.error(
                        f"cause {cause.cause}: no confirmed or likely rule can conclude it{under}"
                    )
                )
            out.extend(_placeholder_findings(cause, positive, under, bound_anywhere))
            statuses = expectations.get((code_id, cause.cause), set())
            out.extend(_case_coverage(cause, code_id, statuses, under))
        for step in cause.remediation:
            for alias in step.unless:
                if positive_any and not any(alias in r.aliases for r in positive_any):
                    out.append(
                        cause.loc.at(step.line).error(
                            f"cause {cause.cause}: unless {alias!r} is not an alias of any confirmed or "
                            "likely rule of this cause, so the step is never hidden by it"
                        )
                    )
            if step.only_if and positive_any and not any(step.only_if in r.aliases for r in positive_any):
                out.append(
                    cause.loc.at(step.line).error(
                        f"cause {cause.cause}: only_if {step.only_if!r} is not an alias of any confirmed or "
                        "likely rule of this cause, so the step is never shown"
                    )
                )
    return out


def _expectations(packs: Packs) -> dict[tuple[str, str], set[str]]:
    """(code, cause) -> the statuses the cause's own pack's cases expect: ``cause@code`` counts
    for that code, a plain ``cause`` for the cause's home code."""
    out: dict[tuple[str, str], set[str]] = defaultdict(set)
    for case in packs.cases:
        for key, status in case.expect.items():
            cause_id, code_id = split_expect(key)
            cause = packs.causes.get(cause_id)
            if cause is None or case.pack != cause.pack:
                continue
            out[(code_id or cause.code, cause_id)].add(status)
    return out


def _placeholder_findings(
    cause: CauseDef, positive: list[RuleDef], under: str, bound_anywhere: set[str]
) -> list[PackError]:
    """Placeholders in remediation must be bound by some positive rule of the (code, cause) pair
    (or be answers, or carry a ``labels`` entry: then an unknown value shows as ``<Label>`` and the
    step says it needs the user's value); a step whose only_if no such rule binds is never shown
    there."""
    out: list[PackError] = []
    if not positive:
        return out
    for step in cause.remediation:
        # a step whose only_if no rule of this pair binds is not shown here; when no rule of the
        # cause binds it at all, the step is reported as never shown and its placeholders are
        # checked against every rule of the pair
        shown = [r for r in positive if not step.only_if or step.only_if in r.aliases]
        if not shown and step.only_if in bound_anywhere:
            continue
        rules = shown or positive
        bound = {
            (alias, name) for r in rules for alias, kind in r.aliases.items() for name in field_specs(kind)
        }
        lines = step.command_lines or (step.line,) * len(step.commands)
        texts = [(step.step, step.line), *zip(step.commands, lines, strict=False)]
        aliases = {alias for r in rules for alias in r.aliases}
        labelled = {key for key, _ in step.labels}
        for text, line in texts:
            for alias, name in placeholders(text):
                # a labelled placeholder may stay unknown: it shows as <Label>, "needs your value";
                # a bound alias with a field its kind lacks: silent.py says "has no field ..."
                if (
                    alias != ANSWER_ALIAS
                    and (alias, name) not in bound
                    and alias not in aliases
                    and f"{alias}.{name}" not in labelled
                ):
                    out.append(
                        cause.loc.at(line).error(
                            f"cause {cause.cause}: placeholder {{{alias}.{name}}} is not bound by any "
                            f"confirmed or likely rule of this cause{under}, so it is never filled"
                        )
                    )
    return out


def _case_coverage(cause: CauseDef, code: str, statuses: set[str], under: str) -> list[PackError]:
    """Each (code, cause) pair needs a positive, a ruled-out and an undetermined case."""
    missing = []
    if not statuses & set(POSITIVE_STATUSES):
        missing.append("positive (confirmed or likely)")
    for status in ("ruled_out", "undetermined"):
        if status not in statuses:
            missing.append(status)
    qualify = f" (expect {cause.cause}@{code}: ...)" if code != cause.code else ""
    if not statuses:
        return [cause.loc.error(f"cause {cause.cause} has no cases{under} in its pack{qualify}")]
    if missing:
        return [cause.loc.error(f"cause {cause.cause} has no {', no '.join(missing)} case{under}{qualify}")]
    return []


def _code_findings(packs: Packs) -> list[PackError]:
    out: list[PackError] = []
    seen: dict[str, tuple[str, str]] = {}  # normalised pattern -> (code, where)
    for code in packs.codes.values():
        lines = code.recognize_lines or (code.loc.line,) * len(code.recognize)
        for pattern, line in zip(code.recognize, lines, strict=False):
            where = code.loc.at(line)
            risk = backtracking_risk(pattern)
            if risk:
                out.append(
                    where.error(
                        f"code {code.code}: recognize pattern {pattern!r} could backtrack "
                        f"catastrophically: {risk}"
                    )
                )
            key = pattern.casefold()
            if key in seen and seen[key][0] != code.code:
                out.append(
                    where.error(
                        f"code {code.code}: recognize pattern {pattern!r} is also a pattern of "
                        f"code {seen[key][0]} ({seen[key][1]})"
                    )
                )
            seen.setdefault(key, (code.code, where.ref()))
        if not code.causes:
            out.append(code.loc.error(f"code {code.code} lists no causes"))
    return out


def _case_findings(packs: Packs) -> list[PackError]:
    out = []
    for case in packs.cases:
        for key in case.expect:
            cause, code = split_expect(key)
            where = case.loc.at(case.expect_lines.get(key))
            if cause not in packs.causes:
                out.append(where.error(f"case {case.case}: expects unknown cause {cause!r}"))
            elif code is not None and not packs.may_conclude(cause, code):
                out.append(
                    where.error(
                        f"case {case.case}: code {code!r} does not judge cause {cause} (it is neither "
                        "the cause's code nor a code whose causes list it)"
                    )
                )
            elif expect_subject(key) is not None and not any(r.subject for r in packs.rules_for(cause)):
                out.append(
                    where.error(
                        f"case {case.case}: expects a verdict of subject [{expect_subject(key)}], but no "
                        f"rule of cause {cause} names a subject (its one verdict is `{cause}`)"
                    )
                )
        if not (case.evidence or case.ndr or case.facts or case.answers):
            out.append(case.loc.error(f"case {case.case} gives no evidence, ndr, facts or answers"))
        problem = answers_problem(case.answers, packs)  # an answer no rule reads decides nothing
        if problem:
            out.append(case.loc.error(f"case {case.case}: {problem}"))
    return out


def _fragment_findings(packs: Packs) -> list[PackError]:
    """A fragment no rule and no other fragment uses: dead text, usually a misspelt ``use:``
    (lint has no warning level: like an unread question, it is reported)."""
    out = []
    for pack in packs.packs:
        used = {name for rule in pack.rules for name in rule.fragments}
        used |= {name for frag in pack.fragments for name in frag.uses}
        for frag in pack.fragments:
            if frag.id not in used:
                hint = f"remove it, or write `- use: {frag.id}` in a rule"
                out.append(frag.loc.error(f"fragment {frag.id!r} is used by no rule ({hint})"))
    return out


def lint(packs: Packs, *, probe: RegexProbe | None = None) -> list[PackError]:
    """Every lint finding for the loaded packs, sorted by file and line. Rule regexes are tried in
    the engine only through ``probe`` (the CLI hands in ``engine/regex_probe.probe``)."""
    findings: list[PackError] = []
    for rule in (*packs.rules, *packs.disabled):
        findings.extend(_rule_findings(rule))
    findings.extend(_cause_findings(packs))
    findings.extend(_code_findings(packs))
    findings.extend(_case_findings(packs))
    findings.extend(_fragment_findings(packs))
    findings.extend(silent_findings(packs))
    findings.extend(check_limits([compile_rule(r) for r in packs.rules]))
    findings.extend(regex_problems((*packs.rules, *packs.disabled), probe=probe))
    unique = {f.one_line(): f for f in findings}
    return sorted(unique.values(), key=lambda e: (e.path or "", e.line or 0, e.message))


def lint_dirs(
    extra_dirs: Iterable[str | os.PathLike[str]] = (),
    *,
    include_builtin: bool = True,
    include_user_config: bool = True,
    probe: RegexProbe | None = None,
) -> list[PackError]:
    """Load and lint: load errors when loading fails, else the lint findings."""
    try:
        packs = load_packs(
            extra_dirs, include_builtin=include_builtin, include_user_config=include_user_config
        )
    except PackErrors as exc:
        return list(exc.errors)
    return lint(packs, probe=probe)
