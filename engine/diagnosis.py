"""Judge each cause: from the facts and the rules that fired on them to a report's verdicts.

The engine only records which rule fired on which facts; every judgement that combines firings
(one status per cause, which evidence to show, which question to ask, which commands to fill) is
made here, in plain Python, so it is deterministic and independent of agenda order. Reading the
evidence and running the rules is the pipeline's job (``engine/api.py``), not this module's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import __version__
from .compiled import CompiledRule, CompiledRuleset, Firing
from .describe import describe
from .facts import Answer, Fact, Provenance, Symptom
from .plainwords import plain_values
from .results import (
    EvidenceLink,
    EvidenceSet,
    PackInfo,
    Question,
    RemediationStep,
    Report,
    SourceSummary,
    SymptomView,
    Verdict,
)
from .status import Status
from .utctime import format_utc

if TYPE_CHECKING:
    from .pack.model import CauseDef, Packs, Reference

# Which status wins when several rules conclude about one cause. A confirmed conclusion outranks a
# ruled-out one; the conflict is reported as a note so the admin sees both sides.
_PRECEDENCE = {Status.CONFIRMED: 3, Status.LIKELY: 2, Status.RULED_OUT: 1}

ANSWER_SOURCE = "--answer"  # the provenance of answered questions, as the CLI option names it


def answer_facts(answers: Mapping[str, str] | None) -> list[Answer]:
    """The user's answers as facts, in key order (so the report does not depend on dict order)."""
    return [
        Answer(key=k, value=str(v), provenance=Provenance(ANSWER_SOURCE, None, f"{k}={v}"))
        for k, v in sorted((answers or {}).items())
    ]


def build_report(
    evidence: EvidenceSet,
    facts: Sequence[Fact],
    firings: Sequence[Firing],
    ruleset: CompiledRuleset,
    packs: Packs,
    *,
    answers: Mapping[str, str] | None,
    now: dt.datetime,
) -> Report:
    """The report for ``facts`` (evidence, answers and relations, symptoms already recognised) on
    which the rules of ``ruleset`` fired as ``firings``."""
    rules = {r.id: r for r in ruleset.rules}
    symptoms = _symptom_views(facts, packs)
    codes = _codes_in_scope(facts, packs)
    verdicts, questions, notes = _judge(codes, firings, rules, facts, packs, answers or {})
    from .pack.recognize import timed_out_notes

    notes = [*notes, *evidence.warnings, *timed_out_notes(packs)]
    sources = list(evidence.sources)
    if answers:
        sources.append(SourceSummary(ANSWER_SOURCE, "answer", facts=len(answers)))
    return Report(
        tool_version=__version__,
        generated_at=format_utc(now),
        packs=[PackInfo(p.id, p.version) for p in packs.packs],
        symptoms=symptoms,
        verdicts=verdicts,
        questions=questions,
        evidence=sources,
        facts=list(facts),
        overrides=list(packs.overrides),
        notes=notes,
    )


# ----------------------------------------------------------------------------------------------


def recognise_symptoms(facts: Sequence[Fact], packs: Packs) -> list[Fact]:
    """Give every symptom the pack code that recognises its text (parsers only know raw codes)."""
    out: list[Fact] = []
    for fact in facts:
        if isinstance(fact, Symptom):
            code = packs.recognize(fact.text) if fact.text else None
            if code is not None and code.code != fact.code:
                fact = dataclasses.replace(fact, code=code.code)
        out.append(fact)
    return out


def _codes_in_scope(facts: Sequence[Fact], packs: Packs) -> list[str]:
    seen = [f.code for f in facts if isinstance(f, Symptom) and f.code in packs.codes]
    codes = list(dict.fromkeys(seen))
    if not codes and packs.default_code in packs.codes:
        codes = [packs.default_code]
    return codes


def _symptom_views(facts: Sequence[Fact], packs: Packs) -> list[SymptomView]:
    views: dict[tuple[str, str], SymptomView] = {}
    for fact in facts:
        if not isinstance(fact, Symptom):
            continue
        key = (fact.code, fact.text)
        if key in views:
            continue
        code = packs.codes.get(fact.code)
        views[key] = SymptomView(
            code=fact.code,
            text=fact.text,
            tokens=fact.tokens,
            source=fact.provenance.ref(),
            title=code.title if code else "",
        )
    return list(views.values())


def _judge(
    codes: Sequence[str],
    firings: Sequence[Firing],
    rules: Mapping[str, CompiledRule],
    facts: Sequence[Fact],
    packs: Packs,
    answers: Mapping[str, str],
) -> tuple[list[Verdict], list[Question], list[str]]:
    by_cause: dict[tuple[str, str], list[Firing]] = {}
    for firing in firings:
        c = rules[firing.rule_id].conclusion
        by_cause.setdefault((c.code, c.cause), []).append(firing)

    verdicts: list[Verdict] = []
    questions: dict[str, Question] = {}
    notes: list[str] = []
    for code_id in codes:
        code = packs.codes[code_id]
        judged = []
        for cause_id in code.causes:
            cause = packs.causes.get(cause_id)
            if cause is None:
                continue
            mine = by_cause.get((code_id, cause_id), [])
            verdict, conflict = _verdict(code_id, cause, mine, rules, facts, answers, packs)
            verdicts.append(verdict)
            judged.append((cause, verdict))
            if conflict:
                notes.append(conflict)
        # residual causes (what remains when the documented checks pass) are not asked about
        # while the evidence confirms another cause of the code
        settled = any(v.status is Status.CONFIRMED and c.cause not in code.residual for c, v in judged)
        for cause, verdict in judged:
            if settled and cause.cause in code.residual and verdict.status is Status.UNDETERMINED:
                continue
            cause_id = cause.cause
            if verdict.status.open and cause.question is not None:
                q = cause.question
                questions.setdefault(
                    q.id, Question(id=q.id, ask=q.ask, why=q.why, answers_with=q.answers_with, cause=cause_id)
                )
    cause_pos = {(c, cause): i for c in codes for i, cause in enumerate(packs.codes[c].causes)}
    verdicts.sort(key=lambda v: (v.status.rank, cause_pos.get((v.code, v.cause), 0)))
    return verdicts, list(questions.values()), notes


def _verdict(
    code: str,
    cause: CauseDef,
    firings: Sequence[Firing],
    rules: Mapping[str, CompiledRule],
    facts: Sequence[Fact],
    answers: Mapping[str, str],
    packs: Packs,
) -> tuple[Verdict, str | None]:
    base = Verdict(
        cause=cause.cause,
        code=code,
        status=Status.UNDETERMINED,
        title=cause.title,
        explanation=cause.explanation,
        references=tuple(ref.url for ref in cause.references),
    )
    if not firings:
        return dataclasses.replace(base, summary="No rule could decide this from the evidence given."), None
    best = max(_PRECEDENCE[rules[f.rule_id].conclusion.status] for f in firings)
    status = next(s for s, p in _PRECEDENCE.items() if p == best)
    chosen = [f for f in firings if rules[f.rule_id].conclusion.status == status]
    # The most specific firing (most bound facts) supplies the names for messages and commands.
    # Ties are broken by the bound facts' content, never by their positions, which depend on the
    # order the evidence happened to be read in.
    chosen.sort(key=lambda f: (-len(f.bindings), f.rule_id, _content_key(f, facts)))
    lead = chosen[0]
    conflict = None
    # Only a disagreement about the direction (proved vs ruled out) is worth a note; a likely
    # rule agreeing with a confirmed one is not a conflict.
    losers = sorted(
        {f.rule_id for f in firings if rules[f.rule_id].conclusion.status.positive != status.positive}
    )
    if losers:
        others = ", ".join(losers)
        conflict = f"{cause.cause}: {status} by {lead.rule_id}, although {others} concluded otherwise"

    evidence: list[EvidenceLink] = []
    seen: set[int] = set()
    for firing in chosen:
        conclusion = rules[firing.rule_id].conclusion
        aliases = conclusion.evidence or tuple(firing.bindings)
        for alias in aliases:
            key = firing.bindings.get(alias)
            if key is None or key in seen:
                continue
            seen.add(key)
            fact = facts[key]
            evidence.append(
                EvidenceLink(
                    fact=fact.KIND,
                    source=fact.provenance.ref(),
                    says=_says(fact),
                    excerpt=fact.provenance.excerpt,
                )
            )

    values = _template_values(lead, facts, answers)
    words = plain_values(values, _enum_fields(lead, facts))  # prose reads words, commands raw values
    summary = _fill_text(rules[lead.rule_id].conclusion.message, words) or rules[lead.rule_id].id
    remediation: tuple[RemediationStep, ...] = ()
    if status.positive:
        remediation = tuple(_remediation(cause, lead, values, words))
    rule_refs = [ref.url for f in chosen for ref in _rule_references(packs, f.rule_id)]
    return (
        dataclasses.replace(
            base,
            status=status,
            summary=summary,
            evidence=tuple(evidence),
            remediation=remediation,
            references=tuple(dict.fromkeys([*base.references, *rule_refs])),
            rules=tuple(dict.fromkeys(f.rule_id for f in chosen)),
        ),
        conflict,
    )


def _content_key(firing: Firing, facts: Sequence[Fact]) -> tuple:
    bound = sorted(firing.bindings.items())
    return tuple(
        (alias, facts[key].identity(), facts[key].provenance.line or 0, facts[key].provenance.source)
        for alias, key in bound
    )


def _remediation(
    cause: CauseDef, lead: Firing, values: Mapping[str, Any], words: Mapping[str, Any]
) -> list[RemediationStep]:
    """Every step of the cause (``only_if`` picks variants by what the rule bound); a value the
    evidence did not give stays visible as ``<Label>`` and is listed in ``needs_values``."""
    from .pack.templates import fill_command, fill_text_missing, shown_placeholder

    steps = []
    seen_commands: set[tuple[str, ...]] = set()
    for step in cause.remediation:
        if step.only_if and step.only_if not in lead.bindings:
            continue
        if any(alias in lead.bindings for alias in step.unless):
            continue
        labels = dict(step.labels)
        text, missing = fill_text_missing(step.step, words, labels)
        needs = list(missing)
        commands = []
        for template in step.commands:
            filled = fill_command(template, values, labels)
            commands.append(filled.text)
            needs.extend(filled.missing)
        if commands and tuple(commands) in seen_commands:
            continue  # two variants that came out the same (one domain both ways): say it once
        seen_commands.add(tuple(commands))
        shown = tuple(dict.fromkeys(shown_placeholder(key, labels) for key in needs))
        steps.append(RemediationStep(step=text, commands=tuple(commands), needs_values=shown))
    if cause.verify:
        steps.append(RemediationStep(step="Verify: " + _fill_text(cause.verify, words)))
    return steps


def _template_values(firing: Firing, facts: Sequence[Fact], answers: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for alias, key in firing.bindings.items():
        for name, value in facts[key].values().items():
            values[f"{alias}.{name}"] = value
    for k, v in answers.items():
        values[f"answer.{k}"] = v
    return values


def _enum_fields(firing: Firing, facts: Sequence[Fact]) -> dict[str, frozenset[str]]:
    return {
        f"{alias}.{name}": allowed
        for alias, key in firing.bindings.items()
        for name, allowed in type(facts[key]).ENUMS.items()
    }


def _fill_text(template: str, values: Mapping[str, Any]) -> str:
    if not template:
        return ""
    from .pack.templates import fill_text

    return fill_text(template, values)


def _says(fact: Fact) -> str:
    return describe(fact)


def _rule_references(packs: Packs, rule_id: str) -> tuple[Reference, ...]:
    rule = packs.rule(rule_id)
    return rule.references if rule is not None else ()
