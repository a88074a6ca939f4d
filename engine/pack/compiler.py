"""Compile pack rules into durable_rules JSON conditions (``CompiledRuleset``).

A rule's ``when`` becomes ``{"all": [pattern, ...]}`` where each pattern is
``{alias: {"$and": [{"t": kind}, test, ...]}}``. Field tests map one-to-one onto the engine's
operators (see ``docs/pack-format.md``). Rules with ``not:`` go to stratum 1: their first
pattern is the facade's phase fact, so negation is decided only after every fact is in.

Test order inside a pattern is fixed, because the engine mis-evaluates some orders (verified,
see tests): the kind test first, then join references, then simple tests, then composite
(``$or`` / ``$and``) tests. A reference placed after a composite test is silently ignored by
durable_rules 2.0.28, and a reference inside ``$or`` breaks the other branches, so the parser
refuses references inside ``any_of`` / ``in`` and this module orders the rest.

The compiler also refuses rulesets that would trip the engine's hard limits (docs/engine-traps.md #10, #11):
more than 4,096 rules, more than 512 distinct tests under one alpha node (registration hangs),
more than 256 join rules on one alpha pattern (error 108) and more than 64 alpha patterns one
fact can match at once (error 303 at assert time). The limits used here keep a margin.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..compiled import PHASE_ALIAS, PHASE_KIND, CompiledRule, CompiledRuleset, Conclusion
from ..errors import PackError, PackErrors
from ..status import Status
from .model import AnyOf, FieldTest, Pattern, Ref, RuleDef, Test

if TYPE_CHECKING:
    from .model import Packs

MAX_RULES = 4000  # the engine takes 4,096 per ruleset; the facade adds its own rules
MAX_CHILD_TESTS = 400  # distinct tests under one alpha node (513 hangs registration)
MAX_JOIN_RULES = 200  # join rules sharing one alpha pattern (257 fail with error 108)
MAX_ALPHA_MATCHES = 60  # alpha patterns one fact may match at once (65 fail with error 303)
NEGATION_STRATUM = 1

# Tries (Python pattern, ignorecase, engine regex) triples in the real engine and says why each
# fails (None: it works). Handed in by the caller (``engine/regex_probe.probe``): the pack layer
# sits below the session and never starts the engine itself.
RegexProbe = Callable[[Iterable[tuple[str, bool, str]]], Mapping[tuple[str, bool], str | None]]
_OPS = {"gt": "$gt", "gte": "$gte", "lt": "$lt", "lte": "$lte"}


def phase_pattern(stratum: int) -> dict[str, Any]:
    return {PHASE_ALIAS: {"$and": [{"t": PHASE_KIND}, {"n": stratum}]}}


def _operand(value: Any) -> Any:
    return {value.alias: value.field} if isinstance(value, Ref) else value


def test_json(test: Test) -> dict[str, Any]:
    """One field test (or any_of) as an engine condition."""
    if isinstance(test, AnyOf):
        return {"$or": [_group_json(g) for g in test.groups]}
    f, op, v = test.field, test.op, test.value
    if op == "eq":
        return {f: _operand(v)}
    if op == "ne":
        return {"$neq": {f: _operand(v)}}
    if op == "in":
        assert isinstance(v, tuple)
        return {f: v[0]} if len(v) == 1 else {"$or": [{f: x} for x in v]}
    if op == "not_in":
        assert isinstance(v, tuple)
        return {"$neq": {f: v[0]}} if len(v) == 1 else {"$and": [{"$neq": {f: x}} for x in v]}
    if op in _OPS:
        return {_OPS[op]: {f: _operand(v)}}
    if op == "matches":
        return {"$mt": {f: test.engine_regex}}
    if op == "imatches":
        return {"$imt": {f: test.engine_regex}}
    if op == "exists":
        return {"$ex": {f: 1}}
    if op == "missing":
        return {"$nex": {f: 1}}
    if op == "contains":
        return {"$iany": {f: {"$i": v}}}
    raise ValueError(f"unknown operator {op!r}")  # pragma: no cover - the parser checked


def _group_json(tests: Sequence[Test]) -> dict[str, Any]:
    parts = [test_json(t) for t in tests]
    return parts[0] if len(parts) == 1 else {"$and": parts}


def _is_ref(test: Test) -> bool:
    return isinstance(test, FieldTest) and isinstance(test.value, Ref)


def _is_composite(node: dict[str, Any]) -> bool:
    return next(iter(node)) in ("$or", "$and")


def pattern_body(pattern: Pattern) -> dict[str, Any]:
    """``{"$and": [{"t": kind}, refs..., simple tests..., composite tests...]}``."""
    refs = [test_json(t) for t in pattern.tests if _is_ref(t)]
    rest = [test_json(t) for t in pattern.tests if not _is_ref(t)]
    simple = [n for n in rest if not _is_composite(n)]
    composite = [n for n in rest if _is_composite(n)]
    return {"$and": [{"t": pattern.kind}, *refs, *simple, *composite]}


def compile_rule(rule: RuleDef) -> CompiledRule:
    """One rule (already validated by the loader) as a CompiledRule."""
    stratum = NEGATION_STRATUM if rule.negations else 0
    items: list[dict[str, Any]] = [phase_pattern(stratum)] if stratum else []
    n = 0
    for pattern in rule.when:
        if pattern.negated:
            n += 1
            items.append({f"__not{n}$not": pattern_body(pattern)})
        else:
            items.append({pattern.alias: pattern_body(pattern)})
    return CompiledRule(
        id=rule.id,
        stratum=stratum,
        condition={"all": items},
        aliases=tuple(p.alias for p in rule.patterns if p.alias),
        conclusion=Conclusion(
            cause=rule.cause,
            code=rule.code,
            status=Status(rule.status),
            message=rule.message,
            evidence=rule.evidence,
            subject=str(rule.subject) if rule.subject is not None else "",
        ),
        source=rule.source,
    )


# ---------------------------------------------------------------------------------------------
# Engine limits
# ---------------------------------------------------------------------------------------------


def _canon(node: Any) -> str:
    return json.dumps(node, sort_keys=True, separators=(",", ":"))


def _alpha_tests(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The tests of a pattern body the alpha network evaluates (references are joins)."""
    return [t for t in body["$and"] if not _mentions_alias(t)]


def _mentions_alias(node: Any) -> bool:
    """Whether an engine test contains a join reference ({field: {alias: field}})."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("$and", "$or"):
                if any(_mentions_alias(v) for v in value):
                    return True
            elif key.startswith("$"):
                if key not in ("$iany", "$ex", "$nex", "$mt", "$imt") and _mentions_alias(value):
                    return True
            elif isinstance(value, dict):
                return True
    return False


def check_limits(compiled: Sequence[CompiledRule]) -> list[PackError]:
    """What in ``compiled`` the engine cannot run safely, as errors on the offending rules."""
    errors: list[PackError] = []

    def err(rule: CompiledRule, message: str) -> None:
        path, _, line = rule.source.rpartition(":")
        errors.append(PackError(message, path or rule.source, int(line) if line.isdigit() else None))

    if len(compiled) > MAX_RULES:
        err(compiled[MAX_RULES], f"more than {MAX_RULES} rules are loaded; the engine cannot run that many")

    children: dict[str, dict[str, CompiledRule]] = defaultdict(dict)  # parent chain -> child test -> rule
    joins: dict[str, list[CompiledRule]] = defaultdict(list)  # alpha pattern -> join rules using it
    leaves: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(dict)  # kind -> leaf -> tests
    for rule in compiled:
        patterns = rule.condition["all"]
        for item in patterns:
            body = next(iter(item.values()))
            tests = _alpha_tests(body)
            chain = ""
            for test in tests:
                children[chain].setdefault(_canon(test), rule)
                chain += _canon(test)
            if len(patterns) > 1 and rule not in joins[chain]:
                joins[chain].append(rule)
            kind = tests[0].get("t", "")
            leaves[kind].setdefault(chain, tests)

    for parent, kids in children.items():
        if len(kids) > MAX_CHILD_TESTS:
            rule = list(kids.values())[MAX_CHILD_TESTS]
            err(
                rule,
                f"{len(kids)} different tests follow the same tests ({parent[:80]}...); the engine "
                f"takes at most {MAX_CHILD_TESTS}: split these rules by another field first",
            )
    for chain, rules in joins.items():
        if len(rules) > MAX_JOIN_RULES:
            what = (
                "the phase pattern (rules with not:)" if PHASE_KIND in chain else f"the pattern {chain[:80]}"
            )
            err(
                rules[MAX_JOIN_RULES],
                f"{len(rules)} multi-pattern rules share {what}; the engine takes at most {MAX_JOIN_RULES}",
            )
    for kind, kind_leaves in leaves.items():
        bound = _max_simultaneous(list(kind_leaves.values()))
        if bound > MAX_ALPHA_MATCHES:
            culprit = next(
                r
                for r in compiled
                if any(next(iter(i.values()))["$and"][0].get("t") == kind for i in r.condition["all"])
            )
            err(
                culprit,
                f"one {kind} fact could match {bound} different patterns at once; the engine fails "
                f"above 64 (keep it under {MAX_ALPHA_MATCHES}: make patterns share tests or split "
                "them by an equality on one field)",
            )
    return errors


def _max_simultaneous(leaves: list[list[dict[str, Any]]]) -> int:
    """An upper bound on how many of these patterns one fact can satisfy together.

    Patterns that test one field for equality with different values exclude each other; the
    bound tries every such field and keeps the smallest count."""
    best = len(leaves)
    if best <= MAX_ALPHA_MATCHES:
        return best
    fields: set[str] = set()
    for tests in leaves:
        for t in tests[1:]:
            key = next(iter(t))
            if not key.startswith("$"):
                fields.add(key)
    for field in fields:
        by_value: dict[str, int] = defaultdict(int)
        free = 0
        for tests in leaves:
            values = {_canon(t[field]) for t in tests[1:] if next(iter(t)) == field}
            if len(values) == 1:
                by_value[values.pop()] += 1
            else:
                free += 1
        bound = free + (max(by_value.values()) if by_value else 0)
        best = min(best, bound)
    return best


def regex_problems(rules: Iterable[RuleDef], *, probe: RegexProbe | None,
                   trusted: Iterable[str] = ()) -> list[PackError]:
    """Rule regexes the engine refuses, crashes on or answers wrongly for, as ``probe`` finds
    (nothing is asked when no rule uses a regex; ``probe=None`` asks nothing). Rules of the
    ``trusted`` packs (the built-in one, whose regexes the test suite probes) are skipped."""
    if probe is None:
        return []
    skip = set(trusted)
    uses: list[tuple[RuleDef, FieldTest]] = [
        (rule, test)
        for rule in rules
        if rule.pack not in skip
        for pattern in rule.when
        for test in pattern.field_tests()
        if test.engine_regex is not None and isinstance(test.value, str)
    ]
    if not uses:
        return []
    verdicts = probe((str(t.value), t.op == "imatches", str(t.engine_regex)) for _, t in uses)
    errors = []
    for rule, test in uses:
        why = verdicts.get((str(test.value), test.op == "imatches"))
        if why:
            errors.append(rule.loc.at(test.line).error(f"rule {rule.id}: regex {test.value!r}: {why}"))
    return errors


def compile_rules(rules: Iterable[RuleDef], *, probe: RegexProbe | None,
                  trusted: Iterable[str] = ()) -> CompiledRuleset:
    """Compile validated rules; raise PackErrors when the set exceeds what the engine can run or
    uses a regex the engine cannot run correctly, as ``probe`` finds (rules of ``trusted`` packs
    are not probed). ``probe`` is required so no caller skips the check by forgetting it."""
    rules = tuple(rules)
    compiled = tuple(compile_rule(r) for r in rules)
    errors = check_limits(compiled) + regex_problems(rules, probe=probe, trusted=trusted)
    if errors:
        raise PackErrors(errors)
    return CompiledRuleset(compiled)


def compile_packs(packs: Packs, *, probe: RegexProbe | None) -> CompiledRuleset:
    """The active rules as durable_rules JSON (raises PackErrors for what the engine can't run).
    The built-in pack's regexes are trusted: the test suite probes them."""
    builtin = [p.id for p in packs.packs if p.manifest.builtin]
    return compile_rules(packs.rules, probe=probe, trusted=builtin)
