"""The compiled form of a pack's rules: what the pack compiler emits and the session facade runs.

This is the only contract between ``pack/compiler.py`` and ``session.py``. A compiled rule holds
durable_rules JSON (never code); the facade adds the action, the init rule, the catch-all rule and
the phase facts itself.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import field
from typing import Any

from .lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from .status import Status

PHASE_KIND = "__phase"  # fact kind the facade asserts to release stratum n (n >= 1)
PHASE_ALIAS = "__phase"  # alias of the phase pattern the compiler puts first in stratum>=1 rules


@dataclass(frozen=True, slots=True)
class Conclusion:
    """What a rule concludes when it fires."""

    cause: str
    code: str
    status: Status  # one of RULE_STATUSES
    message: str = ""  # template over the evidence aliases, e.g. "{sess.cert_cn} presented"
    evidence: tuple[str, ...] = ()  # aliases whose facts are the evidence
    subject: str = ""  # "alias.field": the verdict is one per value of it ("" : one per cause)


@dataclass(frozen=True, slots=True)
class CompiledRule:
    id: str  # unique rule id across all loaded packs
    stratum: int  # 0: no negation; n >= 1: negates, fires only after phase n is asserted
    condition: dict[str, Any]  # durable_rules JSON, e.g. {"all": [{"s": {...}}, ...]}; no "run"
    aliases: tuple[str, ...]  # positive pattern aliases, in order (the facade reads c.m[alias])
    conclusion: Conclusion
    source: str = ""  # "path:line" of the rule in its pack, for error messages
    # read from the cache: ``condition`` as JSON text, parsed on first use (a run registers the
    # facade's prepared form, ``CompiledRuleset.prepared``, and never reads it)
    _condition_text: str = field(default="", init=False, repr=False, compare=False)
    # read from the cache: ``aliases``, ``conclusion`` and ``source`` as one JSON row
    # (``cache.write_compiled``), decoded on first use: a run uses ~74 of ~420 rules, and making
    # every rule's conclusion was ~1 ms of each run
    _row_text: str = field(default="", init=False, repr=False, compare=False)

    def __getattr__(self, name: str) -> Any:
        if name == "condition":
            text = object.__getattribute__(self, "_condition_text")
            if text:
                condition = json.loads(text)
                object.__setattr__(self, "condition", condition)
                return condition
        elif name in _ROW_FIELDS:
            text = object.__getattribute__(self, "_row_text")
            if text:
                _decode_row(self, text)
                return object.__getattribute__(self, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


_ROW_FIELDS = frozenset({"aliases", "conclusion", "source"})
_STATUSES = {s.value: s for s in Status}


def rule_row(rule: CompiledRule) -> list[Any]:
    """A rule's fields but its id, stratum and condition, as the JSON row ``_decode_row`` reads."""
    c = rule.conclusion
    return [list(rule.aliases),
            [c.cause, c.code, c.status.value, c.message, list(c.evidence), c.subject], rule.source]


def _decode_row(rule: CompiledRule, text: str) -> None:
    aliases, (cause, code, status, message, evidence, subject), source = json.loads(text)
    made, put = object.__new__(Conclusion), object.__setattr__  # as the packs' decoder: no __init__
    for name, value in (("cause", cause), ("code", code), ("status", _STATUSES[status]),
                        ("message", message), ("evidence", tuple(evidence)), ("subject", subject)):
        put(made, name, value)
    for name, value in (("aliases", tuple(aliases)), ("conclusion", made),
                        ("source", source)):
        put(rule, name, value)


@dataclass(frozen=True, slots=True)
class CompiledRuleset:
    rules: tuple[CompiledRule, ...]
    # What the facade hands the engine for each rule (``session.prepare_rules``: JSON text of its
    # aliases and join-safe condition), when known: made once per compiled ruleset and cached with
    # it, so a run's registration does not redo it. None: the facade prepares the rules itself.
    prepared: tuple[str, ...] | None = field(default=None, compare=False, repr=False)
    known_digest: str = field(default="", compare=False, repr=False)  # ``digest``, when known

    @property
    def strata(self) -> int:
        return max((r.stratum for r in self.rules), default=0)

    @property
    def digest(self) -> str:
        """Stable hash of the rules' content: the facade registers each digest once per process."""
        if self.known_digest:
            return self.known_digest
        payload = json.dumps(
            [[r.id, r.stratum, r.condition, list(r.aliases)] for r in self.rules],
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def for_codes(
        self,
        codes: Iterable[str],
        kinds: Iterable[str] | None = None,
        values: Mapping[tuple[str, str], frozenset[tuple[type, Any]] | None] | None = None,
    ) -> CompiledRuleset:
        """Only the rules concluding under ``codes``, in the same order. A diagnosis judges only the
        codes its symptoms name, and rules only record firings (none derives a fact another rule
        reads), so the others' firings are never looked at: registering and running just these
        saves most of the engine's start-up. ``kinds``: the fact kinds the run asserts; a rule with
        a positive pattern of any other kind cannot fire, so it is left out too. ``values``:
        ``(kind, field)`` -> every ``(type, value)`` the run's facts of that kind have in that field
        (None: some value is not a plain text, integer or boolean, or is missing); a rule whose
        positive pattern requires ``field == literal`` (``literal_tests``) that no such fact has
        cannot fire either (registering costs ~60 us a rule in the engine). A pair not in
        ``values`` is not judged. Cached per ruleset object and chosen rules; the facade registers
        each distinct subset once per process and bounds how many stay registered
        (docs/engine-traps.md #18)."""
        wanted = frozenset(codes)
        present = None if kinds is None else frozenset(kinds) | {PHASE_KIND}
        facets = _facets(self)
        picked = []
        for i, code in enumerate(facets.codes):  # only a wanted code's rules' facets are looked at
            if code in wanted:
                needs, tests = facets[i]
                if ((present is None or needs <= present)
                        and (values is None or all(_may_hold(values, test) for test in tests))):
                    picked.append(i)
        chosen = tuple(picked)
        key = (id(self), chosen)
        hit = _SUBSETS.get(key)
        if hit is not None and hit[0] is self:
            return hit[1]
        if len(_SUBSETS) >= 64:
            _SUBSETS.clear()
        # a subset of a ruleset whose digest is known: the rules are known by their positions in it
        digest = (hashlib.sha256(f"{self.known_digest} {list(chosen)}".encode()).hexdigest()[:16]
                  if self.known_digest else "")
        prepared = None if self.prepared is None else tuple(self.prepared[i] for i in chosen)
        subset = CompiledRuleset(tuple(self.rules[i] for i in chosen), prepared=prepared, known_digest=digest)
        _SUBSETS[key] = (self, subset)  # holding self keeps its id unique
        return subset

    def literal_fields(self, codes: Iterable[str] | None = None) -> frozenset[tuple[str, str]]:
        """Every ``(kind, field)`` some rule's positive pattern tests for equality with a literal
        (what ``for_codes``'s ``values`` is worth knowing about); ``codes``: of the rules
        concluding under these only (``for_codes`` with the same codes looks at no other)."""
        facets = _facets(self)
        wanted = None if codes is None else frozenset(codes)
        return frozenset((kind, name) for i, code in enumerate(facets.codes)
                         if wanted is None or code in wanted for kind, name, _ in facets[i][1])


def _may_hold(values: Mapping[tuple[str, str], frozenset[tuple[type, Any]] | None],
              test: tuple[str, str, Any]) -> bool:
    kind, name, literal = test
    known = values.get((kind, name), None)
    if known is None or (type(literal), literal) in known:
        return True
    # a literal of another type than the facts' values: the engine's equality coerces (1 == "1",
    # docs/engine-traps.md #26), so it is not judged here (the pack loader refuses such rules)
    return not any(kind_of is type(literal) for kind_of, _ in known)


Tests = tuple[tuple[str, str, Any], ...]


class _Facets:
    """Each rule's code, and its required kinds and literal tests (``required_kinds``,
    ``literal_tests``), checked and made on first use: read from the cache, a run looks at those
    of its codes' rules only (~100 of ~420; making all of them was ~1 ms of each run)."""

    def __init__(self, codes: list[str], raw: list[Any]):
        self.codes = codes
        self._raw = raw
        self._made: dict[int, tuple[frozenset[str], Tests]] = {}

    def __getitem__(self, i: int) -> tuple[frozenset[str], Tests]:
        made = self._made.get(i)
        if made is None:
            made = self._made[i] = _checked(self._raw[i])
        return made


def _checked(facet: Any) -> tuple[frozenset[str], Tests]:
    """A rule's required kinds and literal tests as JSON data (``facets_of``) made into sets and
    tuples. One not of that shape (a writer's mistake: the entry is sealed) requires nothing and
    tests nothing, so the rule is kept: keeping a rule that cannot fire changes no report."""
    try:
        needs, tests = facet
        checked = []
        for kind, name, literal in tests:
            if not (isinstance(kind, str) and isinstance(name, str)
                    and isinstance(literal, str | int | bool)):
                raise ValueError(f"not a literal test: {kind!r}, {name!r}, {literal!r}")
            checked.append((kind, name, literal))
        kinds = frozenset(needs)
        if not all(isinstance(k, str) for k in kinds):
            raise ValueError("not fact kinds")
        return kinds, tuple(checked)
    except (TypeError, ValueError):
        return frozenset(), ()


def _facets(ruleset: CompiledRuleset) -> _Facets:
    """Each rule's code, required kinds and literal tests, worked out once per ruleset object."""
    known = _FACETS.get(id(ruleset))
    if known is not None and known[0] is ruleset:
        return known[1]
    return remember_facets(ruleset, [(required_kinds(r), literal_tests(r)) for r in ruleset.rules])


def facets_of(ruleset: CompiledRuleset) -> list[tuple[list[str], list[list[Any]]]]:
    """Each rule's required kinds and literal tests as JSON data, for the compiled ruleset's
    cache entry (``remember_facets`` takes them back)."""
    facets = _facets(ruleset)
    every = (facets[i] for i in range(len(facets.codes)))
    return [[sorted(needs), [list(test) for test in tests]] for needs, tests in every]


def remember_facets(ruleset: CompiledRuleset, facets: Sequence[Any],
                    codes: Iterable[str] | None = None) -> _Facets:
    """Take each rule's required kinds and literal tests as known (read from the cache: working
    them out from the conditions is ~3 ms a run), each checked when first used. ``codes``: each
    rule's conclusion code, when known (read from the cache: the rules' conclusions stay
    undecoded)."""
    if codes is None:
        codes = [rule.conclusion.code for rule in ruleset.rules]
    codes = list(codes)
    if len(codes) != len(ruleset.rules) or not all(isinstance(code, str) for code in codes):
        raise ValueError("not the rules' codes")
    if not isinstance(facets, list | tuple) or len(facets) != len(codes):
        raise ValueError("not one required-kinds-and-tests entry per rule")
    if len(_FACETS) >= 16:
        _FACETS.clear()
    made = _FACETS[id(ruleset)] = (ruleset, _Facets(codes, list(facets)))  # holding it keeps its id unique
    return made[1]


def literal_tests(rule: CompiledRule) -> tuple[tuple[str, str, Any], ...]:
    """``(kind, field, literal)`` for every top-level ``{field: literal}`` test (a text, an integer
    or a boolean) of a positive pattern (``{alias: {"$and": [{"t": kind}, test, ...]}}``, as the
    compiler writes them): a fact of that kind must hold that value for the rule to fire."""
    tests = []
    for pattern in rule.condition.get("all", ()):
        if not isinstance(pattern, dict) or len(pattern) != 1:
            continue
        ((alias, body),) = pattern.items()
        if alias.endswith("$not") or alias == PHASE_ALIAS or not isinstance(body, dict):
            continue
        items = body.get("$and")
        if not isinstance(items, list) or not items or not isinstance(items[0], dict):
            continue
        kind = items[0].get("t") if len(items[0]) == 1 else None
        if not isinstance(kind, str):
            continue
        for test in items[1:]:
            if isinstance(test, dict) and len(test) == 1:
                ((name, literal),) = test.items()
                if not name.startswith("$") and name != "t" and isinstance(literal, str | int | bool):
                    tests.append((kind, name, literal))
    return tuple(tests)


def required_kinds(rule: CompiledRule) -> frozenset[str]:
    """The fact kinds a rule's positive patterns match (``{alias: {"$and": [{"t": kind}, ...]}}``,
    as the compiler writes them): it fires only if a fact of each was asserted. A pattern of
    another shape requires nothing here."""
    kinds = set()
    for pattern in rule.condition.get("all", ()):
        if not isinstance(pattern, dict) or len(pattern) != 1:
            continue
        ((alias, body),) = pattern.items()
        if alias.endswith("$not") or not isinstance(body, dict):
            continue
        first = body["$and"][0] if isinstance(body.get("$and"), list) and body["$and"] else body
        if isinstance(first, dict) and len(first) == 1 and isinstance(first.get("t"), str):
            kinds.add(first["t"])
    return frozenset(kinds)


_SUBSETS: dict[tuple[int, tuple[int, ...]], tuple[CompiledRuleset, CompiledRuleset]] = {}
_FACETS: dict[int, tuple[CompiledRuleset, _Facets]] = {}


@dataclass(frozen=True, slots=True)
class Firing:
    """One rule firing as recorded by the facade: which rule, and which fact (ledger key) per alias."""

    rule_id: str
    bindings: dict[str, int]  # alias -> ledger key (index into the facts the facade was given)
