"""Judge each cause: from the facts and the rules that fired on them to a report's verdicts.

The engine only records which rule fired on which facts; every judgement that combines firings
(one status per cause, which evidence to show, which question to ask, which commands to fill) is
made here, in plain Python, so it is deterministic and independent of agenda order. Reading the
evidence is the pipeline's job (``engine/api.py``); running the rules it hands in as ``run_rules``
(once, and again for each answer a question could get: docs/reasoning.md §4).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import __version__
from .compiled import CompiledRule, CompiledRuleset, Firing
from .describe import describe
from .discipline import effective_status
from .facts import Answer, Fact, PrecheckPlan, Provenance, Symptom
from .guidance import missing_evidence, next_steps, non_exchange_sender, relay_refused_itself, settled_codes
from .lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from .plainwords import plain_values
from .precedence import BASIS_WORDS, firing_basis, rank_verdicts, specificity, strength
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
from .scope import choose as choose_scope
from .status import Status
from .utctime import format_utc

if TYPE_CHECKING:
    from .pack.model import CauseDef, Packs, Reference

# Which status wins when several rules conclude about one cause. A confirmed conclusion outranks a
# ruled-out one; the conflict is reported as a note so the admin sees both sides.
_PRECEDENCE = {Status.CONFIRMED: 3, Status.LIKELY: 2, Status.RULED_OUT: 1}


ANSWER_SOURCE = "--answer"  # the provenance of answered questions, as the CLI option names it
RunRules = Callable[[CompiledRuleset, Sequence[Fact]], Sequence[Firing]]


def answer_facts(answers: Mapping[str, str] | None) -> list[Answer]:
    """The user's answers as facts, in key order (so the report does not depend on dict order)."""
    return [
        Answer(key=k, value=str(v), provenance=Provenance(ANSWER_SOURCE, None, f"{k}={v}"))
        for k, v in sorted((answers or {}).items())
    ]


def build_report(
    evidence: EvidenceSet,
    ruleset: CompiledRuleset,
    packs: Packs,
    run_rules: RunRules,
    *,
    answers: Mapping[str, str] | None,
    now: dt.datetime,
) -> Report:
    """The report for ``evidence`` and ``answers``: scope chosen, symptoms recognised, relations
    derived, the rules of ``ruleset`` run by ``run_rules``, each cause judged, and only the
    questions whose answer would change a verdict asked."""
    answers = dict(answers or {})

    def _infer(given: Mapping[str, str], **kw: Any) -> Inference:
        return infer(evidence, given, packs, now, ruleset, run_rules, **kw)

    run = _infer(answers)
    from .answers import RELATION_KEYS, SCOPE_ANSWER_KEYS
    from .facts import RELATION_KINDS

    derived = [f for f in run.facts if f.KIND in RELATION_KINDS]

    def trial(extra: Mapping[str, str]) -> Inference:
        # relations read only the relation keys (egress_ip, cert_trusted): others reuse this run's
        reuse = not (set(extra) & {*RELATION_KEYS, *SCOPE_ANSWER_KEYS})
        return _infer({**answers, **extra}, light=True, relations=derived if reuse else None,
                      within=run.rules)

    questions = [*run.scope_questions, *honest_questions(run, trial, answers)]
    from .pack.recognize import timed_out_notes

    notes = [*run.notes, *evidence.warnings, *timed_out_notes(packs)]
    missing = missing_evidence(run.verdicts, run.facts, packs)
    bare = list(dict.fromkeys(s.code for s in run.symptoms if s.code.isdigit()))
    steps = next_steps(run.verdicts, questions, missing, has_symptom=bool(run.symptoms), bare_codes=bare,
                       sender=non_exchange_sender(run.facts), own_refusal=relay_refused_itself(run.facts))
    sources = list(evidence.sources)
    if answers:
        sources.append(SourceSummary(ANSWER_SOURCE, "answer", facts=len(answers)))
    return Report(
        tool_version=__version__,
        generated_at=format_utc(now),
        packs=[PackInfo(p.id, p.version) for p in packs.packs],
        symptoms=run.symptoms,
        verdicts=run.verdicts,
        questions=questions,
        evidence=sources,
        facts=run.facts,
        overrides=list(packs.overrides),
        notes=notes,
        missing=missing,
        next_steps=steps,
    )


@dataclass(slots=True)
class Inference:
    """One pass from facts and answers to verdicts (diagnose_evidence may try answers with it)."""

    facts: list[Fact]
    symptoms: list[SymptomView]
    verdicts: list[Verdict]
    questions: list[Question]
    notes: list[str]
    scope_questions: list[Question] = dataclasses.field(default_factory=list)  # which tenant/org
    rules: CompiledRuleset | None = None  # the rules run (``for_codes``): trying answers reuses them

    def statuses(self) -> tuple[tuple[str, str, str, str], ...]:
        return tuple(sorted((v.code, v.cause, v.subject, v.status) for v in self.verdicts))


def infer(
    evidence: EvidenceSet,
    answers: Mapping[str, str],
    packs: Packs,
    now: dt.datetime,
    ruleset: CompiledRuleset,
    run_rules: RunRules,
    *,
    light: bool = False,
    relations: Sequence[Fact] | None = None,
    within: CompiledRuleset | None = None,
) -> Inference:
    """One pass. ``light``: statuses only (trying an answer); ``relations``: reuse these (the
    answer tried is not one the relations read); ``within``: rules run before (the run whose
    answers are tried), run again when they hold every rule this pass could fire: a rule that
    cannot fire changes nothing, and the engine has them registered already."""
    from .relations import derive_relations

    scoped = choose_scope(evidence.facts, answers)  # never two tenants' objects in one judgement
    facts = recognise_symptoms([*scoped.facts, *answer_facts(answers)], packs)
    if relations is None:
        relations = derive_relations(facts, now=now, certificates=evidence.certificates)
    all_facts = [*facts, *relations]
    codes = _codes_in_scope(facts, packs)
    # only these codes are judged, and only rules whose kinds are present can fire; answer rules
    # stay in, so trying an answer (honest_questions) reuses the registration
    kinds = {f.KIND for f in all_facts} | {Answer.KIND}
    values = field_values(all_facts, ruleset.literal_fields(codes))
    chosen = ruleset.for_codes(codes, kinds, values)
    if within is not None and {r.id for r in chosen.rules} <= {r.id for r in within.rules}:
        chosen = within
    firings = run_rules(chosen, all_facts)
    rules = {r.id: r for r in ruleset.rules}
    verdicts, questions, notes = _judge(codes, firings, rules, all_facts, packs, answers, light)
    notes = [*notes, *_unknown_code_notes(facts, packs, codes)]
    symptoms = _symptom_views(facts, packs)
    return Inference(all_facts, symptoms, verdicts, questions, [*scoped.notes, *notes], scoped.questions,
                     chosen)


def field_values(
    facts: Sequence[Fact], fields: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], frozenset[tuple[type, Any]] | None]:
    """``(kind, field)`` -> the ``(type, value)`` pairs the facts of that kind hold in that field
    (None: one holds something else, or nothing), for the ``fields`` rules test with literals
    (``CompiledRuleset.for_codes``). Answers are left out: trying one (``honest_questions``) adds
    an answer fact, and its runs should find their rules among this run's (``infer``'s ``within``)."""
    wanted: dict[str, list[str]] = {}
    for kind, name in fields:
        if kind != Answer.KIND:
            wanted.setdefault(kind, []).append(name)
    found: dict[tuple[str, str], set[tuple[type, Any]] | None] = {}
    for fact in facts:
        for name in wanted.get(fact.KIND, ()):
            key = (fact.KIND, name)
            seen = found.setdefault(key, set())
            if seen is None:
                continue
            value = getattr(fact, name, None)
            if isinstance(value, str | int | bool):
                seen.add((type(value), value))
            else:
                found[key] = None
    return {key: None if seen is None else frozenset(seen) for key, seen in found.items()}


def honest_questions(
    run: Inference, trial: Callable[[Mapping[str, str]], Inference], answers: Mapping[str, str]
) -> list[Question]:
    """The questions worth asking: not already answered, and some allowed answer changes a verdict
    (a question whose every answer leaves every verdict as it is asks for what the evidence
    already shows, or for nothing the rules use)."""
    from .answers import answer_form, candidate_values
    from .facts import InboundConnector

    ranges = sorted({r for f in run.facts if isinstance(f, InboundConnector) for r in f.sender_ip_addresses})
    before = run.statuses()
    out = []
    for q in run.questions:
        form = answer_form(q.answers_with)
        if form is None:
            out.append(q)  # nothing to try: keep it (the pack's lint wants a template)
            continue
        if form.key in answers:
            continue
        if any(trial({form.key: value}).statuses() != before for value in candidate_values(form, ranges)):
            out.append(q)
    return out


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
    """The codes a symptom names, and those a planned change asks for (``precheck_plan``)."""
    symptoms = [f for f in facts if isinstance(f, Symptom)]
    seen = [f.code for f in facts if isinstance(f, Symptom | PrecheckPlan) and f.code in packs.codes]
    codes = list(dict.fromkeys(seen))
    # the default code is assumed only when the evidence shows no symptom at all: a reply whose
    # code no pack knows (504 5.7.4, 550 5.7.1) is not evidence of the default code's causes
    if not codes and not symptoms and packs.default_code in packs.codes:
        codes = [packs.default_code]
    return codes


def _unknown_code_notes(facts: Sequence[Fact], packs: Packs, codes: Sequence[str]) -> list[str]:
    """When no symptom has a code the packs know, say so: no cause list applies to it."""
    if codes:
        return []
    unknown = dict.fromkeys(f.code for f in facts if isinstance(f, Symptom) and f.code not in packs.codes)
    return [
        f"{code} is not a code the loaded packs know, so relaydoctor has no causes to weigh for it "
        "('relaydoctor codes' lists the known ones; a pack can add it)"
        for code in unknown
    ]


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
    light: bool = False,
) -> tuple[list[Verdict], list[Question], list[str]]:
    by_cause: dict[tuple[str, str], list[Firing]] = {}
    for firing in firings:
        c = rules[firing.rule_id].conclusion
        by_cause.setdefault((c.code, c.cause), []).append(firing)

    verdicts: list[Verdict] = []
    notes: list[str] = []
    # a fact bound by several causes' firings is described once: one (source, says) pair shared by
    # all its evidence links (a 1 GB bundle's 3,500 links of 1,250 facts held 0.9 MB of copies)
    described: dict[int, tuple[str, str]] = {}
    identities: dict[int, tuple] = {}  # and its content key (tie-breaks, ``_content_key``) made once
    for code_id in codes:
        code = packs.codes[code_id]
        for cause_id in code.causes:
            cause = packs.causes.get(cause_id)
            if cause is None:
                continue
            mine = by_cause.get((code_id, cause_id), [])
            for subject, group in by_subject(mine, rules, facts):
                verdict, found = _verdict(code_id, cause, group, rules, facts, answers, packs, light, subject,
                                          described, identities)
                verdicts.append(verdict)
                notes.extend(found)
    cause_pos = {(c, cause): i for c in codes for i, cause in enumerate(packs.codes[c].causes)}
    verdicts, ranked = rank_verdicts(verdicts, cause_pos)
    notes.extend(ranked)
    questions: dict[str, Question] = {}
    code_pos = {c: i for i, c in enumerate(codes)}
    in_pack_order = sorted(verdicts, key=lambda v: (code_pos[v.code], cause_pos.get((v.code, v.cause), 0)))
    settled = settled_codes(verdicts, packs)
    for verdict in in_pack_order:
        cause = packs.causes.get(verdict.cause)
        # residual causes (what remains when the documented checks pass) are not asked about
        # while the evidence confirms another cause of the code
        residual = verdict.code in settled and verdict.cause in packs.codes[verdict.code].residual
        if residual and verdict.status is Status.UNDETERMINED:
            continue
        if verdict.status.open and cause is not None and cause.question is not None:
            q = cause.question
            asked = Question(id=q.id, ask=q.ask, why=q.why, answers_with=q.answers_with, cause=verdict.cause)
            questions.setdefault(q.id, asked)
    return verdicts, list(questions.values()), notes


def subject_of(firing: Firing, rules: Mapping[str, CompiledRule], facts: Sequence[Fact]) -> str:
    """The value of the firing rule's ``subject: alias.field`` ("" when it has none or the fact
    leaves the field empty: the cause's one verdict)."""
    ref = rules[firing.rule_id].conclusion.subject
    if not ref:
        return ""
    alias, _, name = ref.partition(".")
    key = firing.bindings.get(alias)
    value = facts[key].values().get(name) if key is not None else None
    if value is None:
        return ""
    if isinstance(value, bool):  # as a message says it ({c.enabled}: "false"), not Python's "False"
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def by_subject(
    firings: Sequence[Firing], rules: Mapping[str, CompiledRule], facts: Sequence[Fact]
) -> list[tuple[str, list[Firing]]]:
    """A cause's firings grouped by their subject, in subject order: one verdict each. Without
    any subject (every cause but those whose rules say ``subject:``) that is one group, even
    empty (an undetermined verdict); the firings of rules without a subject form the "" group,
    which is dropped when empty and other subjects were judged."""
    groups: dict[str, list[Firing]] = {}
    for f in firings:
        groups.setdefault(subject_of(f, rules, facts), []).append(f)
    if not groups:
        return [("", [])]
    return sorted(groups.items(), key=lambda kv: kv[0])


def _verdict(
    code: str,
    cause: CauseDef,
    firings: Sequence[Firing],
    rules: Mapping[str, CompiledRule],
    facts: Sequence[Fact],
    answers: Mapping[str, str],
    packs: Packs,
    light: bool = False,
    subject: str = "",
    described: dict[int, tuple[str, str]] | None = None,
    identities: dict[int, tuple] | None = None,
) -> tuple[Verdict, list[str]]:
    """One cause's verdict (of one subject) from its firings, by the precedence of
    docs/reasoning.md: the strongest kind of ground decides (proof > answer > inference from
    evidence > reply text), then confirmed > likely > ruled out; whatever disagrees is returned as
    a note, never dropped."""
    base = Verdict(
        cause=cause.cause,
        code=code,
        status=Status.UNDETERMINED,
        title=cause.title,
        explanation=cause.explanation,
        references=tuple(ref.url for ref in cause.references),
        subject=subject,
    )
    named = f"{cause.cause} [{subject}]" if subject else cause.cause
    if not firings:
        return dataclasses.replace(base, summary="No rule could decide this from the evidence given."), []
    notes: list[str] = []
    judged: list[tuple[Firing, str, str]] = []  # firing, effective status, basis
    for f in firings:
        rule_def = packs.rule(f.rule_id)
        status_f = rules[f.rule_id].conclusion.status
        if rule_def is not None:
            status_f, lowered = effective_status(rule_def, f.bindings, facts)
            if lowered:
                notes.append(f"{named}: {lowered}")
        judged.append((f, status_f, firing_basis(f, facts)))
    top = max(strength(st, b) for _, st, b in judged)
    deciding = [(f, st, b) for f, st, b in judged if strength(st, b) == top]
    best = max(_PRECEDENCE[st] for _, st, _ in deciding)
    status = next(s for s, p in _PRECEDENCE.items() if p == best)
    basis = next(b for f, st, b in deciding if st == status)
    # Every firing that agrees with the decided status shows its evidence; the strongest and then
    # the most specific (most bound facts) supplies the names for messages and commands. Ties are
    # broken by the bound facts' content, never by their positions, which depend on the order the
    # evidence happened to be read in.
    power = {id(f): strength(st, b) for f, st, b in judged}
    chosen = [f for f, st, _ in judged if st == status]
    if light:  # only the status is wanted (trying an answer): the lead's rule is all that matters
        chosen.sort(key=lambda f: (-power[id(f)], -len(f.bindings), f.rule_id))
        spec = specificity(packs.rule(chosen[0].rule_id), chosen[0])
        return dataclasses.replace(base, status=status, basis=basis, specificity=spec), notes
    keys: dict[int, tuple] = {} if identities is None else identities
    chosen.sort(key=lambda f: (-power[id(f)], -len(f.bindings), f.rule_id, _content_key(f, facts, keys)))
    lead = chosen[0]
    # Only a disagreement about the direction (proved vs ruled out) is worth a note; a likely
    # rule agreeing with a confirmed one is not a conflict.
    positive = status in ("confirmed", "likely")
    losers = {
        f.rule_id: (st, b, f) for f, st, b in sorted(judged, key=lambda j: j[0].rule_id, reverse=True)
        if (st in ("confirmed", "likely")) != positive
    }
    if losers:  # a contradiction is shown with both sides' sources, never hidden
        others = ", ".join(
            f"{rule_id} ({st} {BASIS_WORDS[b]}, {_first_source(f, facts, rules)})"
            for rule_id, (st, b, f) in sorted(losers.items())
        )
        lead_source = _first_source(lead, facts, rules)
        notes.append(
            f"{named}: {status} by {lead.rule_id} ({BASIS_WORDS[basis]}, {lead_source}), "
            f"although {others} concluded otherwise"
        )

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
            known = None if described is None else described.get(key)
            if known is None:
                known = (fact.provenance.ref(), _says(fact))
                if described is not None:
                    described[key] = known
            evidence.append(EvidenceLink(fact=fact.KIND, source=known[0], says=known[1],
                                         excerpt=fact.provenance.excerpt))

    values = _template_values(lead, facts, answers)
    words = plain_values(values, _enum_fields(lead, facts))  # prose reads words, commands raw values
    summary = _fill_text(rules[lead.rule_id].conclusion.message, words) or rules[lead.rule_id].id
    remediation: tuple[RemediationStep, ...] = ()
    if status in ("confirmed", "likely"):
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
            basis=basis,
            specificity=specificity(packs.rule(lead.rule_id), lead),
        ),
        notes,
    )


def _first_source(firing: Firing, facts: Sequence[Fact], rules: Mapping[str, Any]) -> str:
    """Where a firing's evidence comes from: its first evidence alias's file:line."""
    aliases = [*rules[firing.rule_id].conclusion.evidence, *sorted(firing.bindings)]
    key = next((firing.bindings[a] for a in aliases if a in firing.bindings), None)
    return facts[key].provenance.ref() if key is not None else "?"


def _content_key(firing: Firing, facts: Sequence[Fact], cache: dict[int, tuple] | None = None) -> tuple:
    cache = {} if cache is None else cache
    out = []
    for alias, key in sorted(firing.bindings.items()):
        if key not in cache:
            fact = facts[key]
            cache[key] = (fact.identity(), fact.provenance.line or 0, fact.provenance.source)
        out.append((alias, *cache[key]))
    return tuple(out)


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
        each = _each(step.for_each, values)
        if each is not None and not each:
            continue  # one command per element of an empty list: nothing to run
        for value in each if each is not None else [None]:
            bound = values if value is None else {**values, step.for_each: value}
            for template in step.commands:
                filled = fill_command(template, bound, labels)
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


def _each(path: str | None, values: Mapping[str, Any]) -> list[Any] | None:
    """The elements a ``for_each`` step repeats its commands over (None: not such a step; a value
    that is not a list counts as one element)."""
    if path is None:
        return None
    got = values.get(path)
    if got is None:
        return []
    return list(got) if isinstance(got, list | tuple) else [got]


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
