"""The durable_rules facade: the only module that imports ``durable``.

durable_rules 2.0.28 is fast, but its C engine has traps reachable from normal use, numbered in
``docs/engine-traps.md`` and cited by number below. This module makes them unreachable:

- a ``Host`` without its timer threads; every action runs synchronously inside our own call;
- each compiled ruleset registered once per process (by digest) from a deep copy, plus a no-op
  init rule (so ``delete_state`` is safe) and a never-completing catch-all join (so every fact is
  stored instead of refused as "not handled");
- one session per :meth:`RuleEngine.run`, with a hash-checked id, always deleted in ``finally``,
  serialised by a lock (the engine is not thread-safe) and capped far below 1024 live sessions;
- facts validated, de-duplicated by type-exact JSON and asserted one at a time with an explicit
  engine id whose 32-bit hash is unique in the session;
- the agenda run by the facade itself (``RuleEngine._drain``), never by durable's action
  machinery (``Ruleset.do_actions``, ``Closure``, ``Promise``): a firing only records ``(rule,
  fact keys)`` in a Python ledger; any exception there fails the run with :class:`EngineError`;
- stratified negation: a rule that negates runs only once the phase fact of its stratum is
  asserted, after every fact is in, so its verdict never depends on assertion order;
- join (reference) tests rewritten around the engine's expression-sequence bugs (see
  ``_join_safe``), and every field a join compares guarded with ``$ex``.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import threading
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import field
from typing import Any

import durable_rules_engine
from durable.engine import Host, Ruleset

from .compiled import PHASE_ALIAS, PHASE_KIND, CompiledRule, CompiledRuleset, Firing
from .errors import EngineError
from .lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use

KEY_FIELD = "__key"  # added to every asserted fact: its index in the caller's list
MAX_PROPERTIES = 200  # the engine refuses more than 252 user properties (docs/engine-traps.md #19)
MAX_LIVE_SESSIONS = 64  # more than 1024 live sessions crash the process (docs/engine-traps.md #9)
# Rulesets kept registered (each ~80 KB of engine memory). Registrations are reused by content
# digest; past this many distinct ones the least recently used is deleted from the engine
# (delete_ruleset is safe once none of its sessions is live), so a long TUI or watch run that
# loads thousands of different packs stays bounded.
MAX_REGISTERED_RULESETS = 16
_INIT_KIND = "__init"  # asserted first: an action must complete before delete_state (docs/engine-traps.md #7)
_INIT_RULE = "__init"  # the rule that fires on it (the facade marks the session opened)
_NEVER_KIND = "__never"  # the catch-all join waits for this kind, which no fact can have
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1  # larger ones saturate (docs/engine-traps.md #41)
_ASSERT_CODES = {1: "not handled", 2: "already observed", 3: "deferred"}
_PAD_FIELD = "__one"  # = 1 on every asserted fact: the neutral pad test of _join_safe compares it
_UTC_WARNING = r"datetime\.datetime\.utcfromtimestamp"  # docs/engine-traps.md #22 (Python >= 3.12)


def fnv1a_32(text: str) -> int:
    """The hash the engine indexes sessions and fact ids by, with no string compare
    (docs/engine-traps.md #14)."""
    h = 0x811C9DC5
    for byte in text.encode():
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


class _SyncHost(Host):
    """A Host without the two self-re-arming timer threads (docs/engine-traps.md #6), whose
    dispatch thread segfaults after ``delete_state`` (docs/engine-traps.md #8). Nothing here
    needs them: we drain explicitly."""

    def _run(self) -> None:
        pass


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def _check_scalar(kind: str, name: str, value: Any) -> None:
    bad = None
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        bad = None if _INT_MIN <= value <= _INT_MAX else "an integer outside 64 bits"
    elif isinstance(value, float):
        text = repr(value)
        if not math.isfinite(value):
            bad = "a non-finite number"
        elif "e" in text and "." not in text:  # 1e-05: error 204 (docs/engine-traps.md #15)
            bad = "a float the engine cannot parse"
    elif isinstance(value, str):
        try:
            value.encode()
        except UnicodeEncodeError:
            bad = "text that is not valid Unicode"
    else:
        bad = f"a {type(value).__name__} (only text, integers, booleans and flat lists are allowed)"
    if bad:
        raise EngineError(f"{kind} fact: field {name!r} holds {bad}: {value!r}")


def validate_fact(fact: Mapping[str, Any]) -> dict[str, Any]:
    """Return a plain copy of an engine fact, or raise :class:`EngineError` naming its kind."""
    kind = fact.get("t") if isinstance(fact, Mapping) else None
    if not isinstance(kind, str) or not kind or kind.startswith("__"):
        raise EngineError(f"fact without a valid kind: 't' is {kind!r}")
    if len(fact) > MAX_PROPERTIES:
        raise EngineError(f"{kind} fact has {len(fact)} fields (at most {MAX_PROPERTIES})")
    out: dict[str, Any] = {}
    for name, value in fact.items():
        if not isinstance(name, str) or name in ("", "id", "sid") or name.startswith(("$", "__")):
            raise EngineError(f"{kind} fact: field name {name!r} is reserved by the engine")
        if type(value) is str and value.isascii():  # most values: nothing the engine could refuse
            out[name] = value
            continue
        if isinstance(value, list | tuple):
            for item in value:
                _check_scalar(kind, name, item)
            value = list(value)
        else:
            _check_scalar(kind, name, value)
        out[name] = value
    return out


def _phase_pattern(n: int) -> dict[str, Any]:
    return {PHASE_ALIAS: {"$and": [{"t": PHASE_KIND}, {"n": n}]}}


def _mentions_state(node: Any) -> bool:
    if isinstance(node, dict):
        return "$s" in node or any(_mentions_state(v) for v in node.values())
    return isinstance(node, list) and any(_mentions_state(v) for v in node)


def _ref_pairs(value: Any) -> list[tuple[str, str]]:
    """The ``(alias, field)`` pairs a test value refers to: ``{alias: field}``, also inside
    ``$add``/``$sub``/... expressions."""
    if not isinstance(value, dict):
        return []
    pairs: list[tuple[str, str]] = []
    for k, v in value.items():
        pairs += _ref_pairs(v) if k.startswith("$") else [(k, str(v))]
    return pairs


def _leaf(test: dict[str, Any]) -> tuple[str | None, list[tuple[str, str]]]:
    """The field a leaf test reads on its own fact, and what it refers to on earlier facts."""
    ((key, value),) = test.items()
    if not key.startswith("$"):  # {field: value}
        return key, _ref_pairs(value)
    if isinstance(value, dict) and len(value) == 1:  # {"$neq": {field: value}}
        ((field, operand),) = value.items()
        return field, _ref_pairs(operand)
    return None, []  # left to the engine's own validation


def _leaves(test: Any, fail: Any) -> Iterator[dict[str, Any]]:
    if not isinstance(test, dict) or len(test) != 1:
        raise fail(f"a test must be a one-key object, got {test!r}")
    ((key, value),) = test.items()
    if key not in ("$and", "$or"):
        yield test
        return
    if not isinstance(value, list) or not value:
        raise fail(f"{key} needs a non-empty list")
    for t in value:
        yield from _leaves(t, fail)


def _join_safe(test: dict[str, Any], anchor: str, fail: Any) -> tuple[dict[str, Any], bool, bool]:
    """Rewrite one test so the engine evaluates its reference (join) tests correctly.

    Reference tests run in the join's expression sequence (``reduceExpressionSequence``), which
    (docs/engine-traps.md #32, #33; tests/engine/session/test_session_joins.py) reads past the end
    of a group whose LAST test short-circuits (``$and`` false / ``$or`` true: random segfaults),
    ends the enclosing group at the first nested group's end (later tests ignored), and in an
    ``$or`` drops plain tests mixed with references. So: plain leaves, then reference leaves, then
    the (single) nested group with references, then plain groups; every group with references ends
    with a neutral pad (``__one == anchor.__one`` in ``$and``, ``!=`` in ``$or``); unfixable shapes
    are refused.
    Returns (test, holds references, holds plain tests)."""
    ((key, value),) = test.items()
    if key not in ("$and", "$or"):
        return test, bool(_leaf(test)[1]), not _leaf(test)[1]
    parts = [_join_safe(t, anchor, fail) for t in value]
    if not any(has_ref for _, has_ref, _ in parts):
        return test, False, True
    if key == "$or" and any(has_plain for _, _, has_plain in parts):
        raise fail("an $or mixing plain and reference tests loses its plain tests in the engine")
    kinds = [(has_ref, next(iter(t)) in ("$and", "$or")) for t, has_ref, _ in parts]
    if kinds.count((True, True)) > 1:
        raise fail("at most one nested group with references per group (the engine ignores the rest)")
    order = [(False, False), (True, False), (True, True), (False, True)]
    ordered = [t for want in order for (t, _, _), k in zip(parts, kinds, strict=True) if k == want]
    pad = {_PAD_FIELD: {anchor: _PAD_FIELD}}
    return (
        {key: [*ordered, pad if key == "$and" else {"$neq": pad}]},
        True,
        any(has_plain for _, _, has_plain in parts),
    )


def _prepare(rule: CompiledRule) -> tuple[tuple[str, ...], dict[str, Any]]:
    """Check a rule's condition is one the facade can run safely. Return the aliases to bind and
    a fresh, join-safe copy of the condition (registration mutates what it is given)."""

    def fail(why: str) -> EngineError:
        return EngineError(f"{rule.source or rule.id}: rule {rule.id}: {why}")

    cond = rule.condition
    if not isinstance(cond, dict) or set(cond) != {"all"} or not isinstance(cond["all"], list):
        raise fail("condition must be exactly {'all': [patterns]}")
    patterns = cond["all"]
    if not patterns or not all(isinstance(p, dict) and len(p) == 1 for p in patterns):
        raise fail("'all' must be a non-empty list of one-key patterns")
    if _mentions_state(cond):
        raise fail("'$s' (session-state) patterns loop forever")
    keys = [next(iter(p)) for p in patterns]
    if keys[0].endswith("$not"):
        raise fail("a negation as the first pattern never fires")
    negates = any(k.endswith("$not") for k in keys)
    if rule.stratum < 0 or (negates and rule.stratum == 0):
        raise fail(f"stratum {rule.stratum} is invalid for this rule (negation needs >= 1)")
    if rule.stratum >= 1 and patterns[0] != _phase_pattern(rule.stratum):
        raise fail(f"a stratum-{rule.stratum} rule must start with its phase pattern")
    if any("$" in k and not k.endswith("$not") for k in keys):
        raise fail(f"unsupported pattern keys {keys}")
    positive = tuple(k for k in keys if "$" not in k and k != PHASE_ALIAS)
    if positive != tuple(a for a in rule.aliases if a != PHASE_ALIAS):
        raise fail(f"aliases {list(rule.aliases)} do not match the condition's {list(positive)}")
    if any(a.startswith("__") for a in positive):
        raise fail("aliases starting with '__' are reserved")
    # Every field a join compares must exist on both facts: a missing one makes the engine fail
    # the whole assert with error 311 (docs/engine-traps.md #34), so guard each with $ex.
    needs: dict[str, set[str]] = {k: set() for k in keys}
    earlier: set[str] = set()
    for key, pattern in zip(keys, patterns, strict=True):
        for leaf in _leaves(pattern[key], fail):
            field, pairs = _leaf(leaf)
            for alias, prop in pairs:
                if alias not in earlier:
                    raise fail(f"reference to {alias!r}, which is not an earlier alias")
                if {prop, field} & {"id", "sid"}:  # freed after the assert (docs/engine-traps.md #35)
                    raise fail("joins on 'id' or 'sid' read freed memory in the engine")
                needs[alias].add(prop)
            if pairs and field:
                needs[key].add(field)
        if "$" not in key:
            earlier.add(key)
    safe = []
    for key, pattern in zip(keys, patterns, strict=True):
        body, guards = pattern[key], [{"$ex": {f: 1}} for f in sorted(needs[key] - {"t"})]
        if guards and key != PHASE_ALIAS:
            body = {"$and": [*body["$and"], *guards]} if "$and" in body else {"$and": [body, *guards]}
        safe.append({key: _join_safe(body, keys[0], fail)[0]})
    # a fresh copy (registration mutates it); the condition is JSON, and a JSON round trip copies
    # it several times faster than copy.deepcopy
    return positive, json.loads(json.dumps({"all": safe}))


def prepare_rules(ruleset: CompiledRuleset) -> tuple[str, ...]:
    """Each rule as registration hands it to the engine: JSON text of ``[aliases, condition]``
    (``_prepare``: checked, join-safe, guarded), written as durable writes a ruleset's definition
    (``json.dumps(..., ensure_ascii=False)``), so the condition's text goes to the engine as is.
    Pure and deterministic, so it is made once per compiled ruleset and cached beside it
    (``CompiledRuleset.prepared``); raises :class:`EngineError` for a rule the facade refuses."""
    return tuple(_dumps([list(aliases), condition]) for aliases, condition in map(_prepare, ruleset.rules))


def _dumps(value: Any) -> str:
    """JSON text as durable's ``Ruleset`` writes a definition for the engine."""
    return json.dumps(value, ensure_ascii=False)


_ALIASES = json.JSONDecoder()


def _prepared(ruleset: CompiledRuleset) -> list[tuple[tuple[str, ...], str]]:
    """The rules' aliases and the JSON text of their conditions: cut from ``ruleset.prepared``
    when it holds them (only the aliases are parsed), else prepared now."""
    texts = ruleset.prepared
    if texts is None or len(texts) != len(ruleset.rules):
        return [(aliases, _dumps(condition)) for aliases, condition in map(_prepare, ruleset.rules)]
    out = []
    for text in texts:  # '[["a", "b"], {...}]'
        aliases, end = _ALIASES.raw_decode(text, 1)
        if not text.startswith(", ", end) or not text.endswith("]") or not isinstance(aliases, list):
            raise EngineError(f"internal: a prepared rule is not [aliases, condition]: {text[:80]!r}")
        out.append((tuple(aliases), text[end + 2:-1]))
    return out


class _TextRuleset(Ruleset):
    """durable's ``Ruleset`` made from the definition's JSON text: ``Ruleset.__init__`` takes a
    dict and writes it as JSON for the engine, so the cached rules were parsed only to be written
    back (~1 ms of a run's registration). The text is the one ``Ruleset.__init__`` would write
    (``test_session_runs.py`` compares them). It has no action objects: the facade runs the
    agenda itself (``RuleEngine._drain``)."""

    def __init__(self, name: str, host: Host, text: str) -> None:
        self._actions: dict[str, Any] = {}
        self._name = name
        self._host = host
        self._handle = durable_rules_engine.create_ruleset(name, text)
        self._definition = None


# --------------------------------------------------------------------------------------------
# Sessions and the engine
# --------------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Session:
    sid: str
    fired: set[tuple[int, tuple[int, ...]]] = field(default_factory=set)
    init_ran: bool = False
    opened: bool = False  # an action completed: delete_state is safe (docs/engine-traps.md #7)
    failure: BaseException | None = None


@dataclass(frozen=True, eq=False)
class _Registered:
    ruleset: Ruleset
    aliases: tuple[tuple[str, ...], ...]  # bound aliases per rule position


def _engine_ids(sid: str) -> Iterator[str]:
    """Fact ids whose FNV-32 is unique in the session. The session's own state fact
    (``sid-<sid>``) lives in the same index (verified), so its hash is reserved too."""
    used = {fnv1a_32(f"sid-{sid}")}
    for n in itertools.count():
        candidate = str(n)
        h = fnv1a_32(candidate)
        if h not in used:
            used.add(h)
            yield candidate


class RuleEngine:
    """Runs compiled rulesets over facts. One per process: use :func:`get_engine`."""

    def __init__(self) -> None:
        self._host = _SyncHost()
        self._lock = threading.Lock()  # engine calls are not thread-safe (docs/engine-traps.md #21)
        self._registered: dict[str, _Registered] = {}
        self._by_object: dict[int, tuple[CompiledRuleset, _Registered]] = {}
        self._sessions: dict[str, _Session] = {}
        self._leaked: set[str] = set()  # never opened, so never deleted: they keep their slot
        self._sid_numbers = itertools.count(1)

    def run(self, ruleset: CompiledRuleset, facts: Iterable[Mapping[str, Any]]) -> list[Firing]:
        """Every firing of ``ruleset`` over ``facts``, sorted by rule position, then bindings.
        A binding's value is the index of the bound fact in ``facts`` (a duplicate fact binds to
        its first occurrence). ``facts`` is read once, before the engine runs: an iterator that
        makes each fact's mapping on demand keeps none of them alive while the engine holds its
        own copy of every fact (~8 KB each in C)."""
        unique: dict[str, tuple[int, str]] = {}  # type-exact JSON ({v: 1} is not {v: "1"}) -> key, kind
        for key, fact in enumerate(facts):
            checked = validate_fact(fact)
            unique.setdefault(json.dumps(checked, sort_keys=True, ensure_ascii=False), (key, checked["t"]))
        with self._lock, warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=_UTC_WARNING, category=DeprecationWarning)
            reg = self._registration(ruleset)
            session = self._open()
            try:
                fired = self._session_run(reg, session, ruleset.strata, unique)
            finally:
                self._close(reg, session)
        return [
            Firing(ruleset.rules[i].id, dict(zip(reg.aliases[i], keys, strict=True)))
            for i, keys in sorted(fired)
        ]

    # -- registration --------------------------------------------------------------------

    def _registration(self, ruleset: CompiledRuleset) -> _Registered:
        """The registration for this ruleset object (its digest is costly to recompute)."""
        known = self._by_object.get(id(ruleset))
        if known is not None and known[0] is ruleset:
            return known[1]
        if len(self._by_object) >= 64:
            self._by_object.clear()
        reg = self._register(ruleset)
        self._by_object[id(ruleset)] = (ruleset, reg)
        return reg

    def _register(self, ruleset: CompiledRuleset) -> _Registered:
        digest = ruleset.digest
        if digest in self._registered:
            reg = self._registered.pop(digest)  # most recently used goes last
            self._registered[digest] = reg
            return reg
        self._evict()
        ids = [r.id for r in ruleset.rules]
        if len(set(ids)) != len(ids):
            raise EngineError(f"duplicate rule ids in ruleset {digest}")
        prepared = _prepared(ruleset)
        aliases = tuple(a for a, _ in prepared)
        fixed = {  # the init rule and the catch-all join (reaches a join, so the fact is stored)
            _INIT_RULE: {"all": [{"__i": {"t": _INIT_KIND}}]},
            "__catchall": {"all": [{"__a": {"$ex": {"t": 1}}}, {"__b": {"t": _NEVER_KIND}}]},
        }
        parts = [f"{_dumps(rule)}: {_dumps(condition)}" for rule, condition in fixed.items()]
        parts += [f'"r{i}": {condition_text}' for i, (_, condition_text) in enumerate(prepared)]
        name = f"relaydoctor-{digest}"
        if name in self._host._ruleset_directory:  # as Host.register_rulesets (docs/engine-traps.md #18)
            raise EngineError(f"durable_rules refused ruleset {digest}: already registered")
        try:
            made = _TextRuleset(name, self._host, f"{{{', '.join(parts)}}}")
        except Exception as exc:
            raise EngineError(f"durable_rules refused ruleset {digest}: {exc}") from exc
        self._host._ruleset_directory[name] = made
        self._host._ruleset_list.append(made)
        reg = self._registered[digest] = _Registered(self._host.get_ruleset(name), aliases)
        return reg

    def _evict(self) -> None:
        """Delete the least recently used registrations beyond the bound. Only when no session
        is live or leaked (a leaked one's ruleset must keep its state)."""
        if self._sessions or self._leaked:
            return
        while len(self._registered) >= MAX_REGISTERED_RULESETS:
            digest = next(iter(self._registered))
            reg = self._registered.pop(digest)
            name = f"relaydoctor-{digest}"
            self._by_object = {k: v for k, v in self._by_object.items() if v[1] is not reg}
            directory = getattr(self._host, "_ruleset_directory", {})
            directory.pop(name, None)
            listed = getattr(self._host, "_ruleset_list", [])
            if reg.ruleset in listed:
                listed.remove(reg.ruleset)
            durable_rules_engine.delete_ruleset(reg.ruleset._handle)

    def registered_count(self) -> int:
        return len(self._registered)

    # -- sessions ------------------------------------------------------------------------

    def _open(self) -> _Session:
        held = set(self._sessions) | self._leaked
        if len(held) >= MAX_LIVE_SESSIONS:
            raise EngineError(f"{len(held)} engine sessions are held; refusing to open another")
        taken = {fnv1a_32(s) for s in held}  # equal hashes would share one session (docs/engine-traps.md #14)
        sid = f"rd{next(self._sid_numbers)}"
        while fnv1a_32(sid) in taken:
            sid = f"rd{next(self._sid_numbers)}"
        session = self._sessions[sid] = _Session(sid)
        return session

    def _session_run(
        self, reg: _Registered, session: _Session, strata: int, facts: dict[str, tuple[int, str]]
    ) -> set[tuple[int, tuple[int, ...]]]:
        ids = _engine_ids(session.sid)
        try:
            self._assert(reg, session, _INIT_KIND, json.dumps({"t": _INIT_KIND}), None, ids)
        finally:  # even if another action failed on the init fact, the init action completed
            session.opened = session.init_ran
        if not session.opened:
            raise EngineError("the engine did not run the session's init action")
        # one at a time; duplicates merged (docs/engine-traps.md #4)
        for canonical, (key, kind) in facts.items():
            self._assert(reg, session, kind, canonical, key, ids)
        for n in range(1, strata + 1):  # stratum n-1 is quiescent: release stratum n
            self._assert(reg, session, PHASE_KIND, json.dumps({"t": PHASE_KIND, "n": n}), None, ids)
        return session.fired

    def _assert(
        self,
        reg: _Registered,
        session: _Session,
        kind: str,
        canonical: str,
        key: int | None,
        ids: Iterator[str],
    ) -> None:
        """Assert one fact (its JSON object text, plus our fields) and drain the session's agenda
        inside this call."""
        # our fields, as json.dumps writes {KEY_FIELD: key, _PAD_FIELD: 1, "sid": ..., "id": ...}
        # (~4 us a fact): the key is an int, the session and fact ids plain ASCII (``_open``,
        # ``_engine_ids``), so nothing needs escaping
        lead = f'"{KEY_FIELD}": {key}, ' if key is not None else ""
        text = f'{canonical[:-1]}, {lead}"{_PAD_FIELD}": 1, "sid": "{session.sid}", "id": "{next(ids)}"}}'
        try:
            code, offset = durable_rules_engine.assert_fact(reg.ruleset._handle, text)
        except Exception as exc:  # C error codes, e.g. 302 (too many properties)
            raise EngineError(f"durable_rules refused a {kind} fact: {exc}") from exc
        if code != 0:
            raise EngineError(f"durable_rules refused a {kind} fact: {_ASSERT_CODES.get(code, code)}")
        self._drain(reg, session, kind, offset)

    def _drain(self, reg: _Registered, session: _Session, kind: str, offset: int) -> None:
        """Run the session's agenda to its end, one firing at a time, inside this call: what
        durable's ``Ruleset.do_actions`` does for a synchronous action, without its action
        machinery. durable parses the session state, makes a ``Closure`` (two clock reads and a
        lease timer) and a callback for every firing, only for the action to read the bound facts'
        keys; here a firing is recorded in the ledger, the state written back as durable does, and
        the next firing started. So no durable action object ever runs: none is async
        (docs/engine-traps.md #16), none has a 10 s lease (#17), none reads the clock (#22) or
        leaves a reference cycle (#43). A firing that cannot be recorded is abandoned in the engine
        and fails the run (#3)."""
        handle = reg.ruleset._handle
        try:
            started = durable_rules_engine.start_action_for_state(handle, offset)
            if not started:
                return
            state, pending = started[0], started[1]
            while pending:
                firing = json.loads(pending)  # {rule name: {alias: bound fact}}: one firing
                try:
                    self._record(reg, session, firing)
                except BaseException as exc:
                    session.failure = session.failure or exc
                    durable_rules_engine.abandon_action(handle, offset)
                    raise
                durable_rules_engine.update_state(handle, state)  # as durable writes it back, unchanged
                pending = durable_rules_engine.complete_and_start_action(handle, offset)
        except KeyboardInterrupt:  # Ctrl+C, or SIGTERM (lifecycle): the user stopped the run (exit 130)
            raise
        except BaseException as exc:
            if session.failure is not None:
                raise EngineError(f"a rule action failed on a {kind} fact: {session.failure!r}") from (
                    session.failure
                )
            raise EngineError(f"durable_rules failed running actions for a {kind} fact") from exc

    @staticmethod
    def _record(reg: _Registered, session: _Session, firing: dict[str, Any]) -> None:
        """One firing into the session's ledger: the rule's position and the keys of the facts it
        bound (``c._m[alias]`` in durable's terms: docs/engine-traps.md #42)."""
        name, bound = next(iter(firing.items()))  # as durable reads it: the first (and only) entry
        if name == _INIT_RULE:  # an action completed in the session: delete_state is safe (#7)
            session.init_ran = True
            return
        if not name.startswith("r") or not name[1:].isdigit():
            raise EngineError(f"internal: a firing of an unknown rule {name!r}")
        index = int(name[1:])
        session.fired.add((index, tuple(bound[alias][KEY_FIELD] for alias in reg.aliases[index])))

    def _close(self, reg: _Registered, session: _Session) -> None:
        del self._sessions[session.sid]
        if not session.opened:  # delete_state would crash (docs/engine-traps.md #7): keep the slot
            self._leaked.add(session.sid)
            return
        try:
            reg.ruleset.delete_state(session.sid)
        except Exception as exc:
            self._leaked.add(session.sid)
            raise EngineError(f"durable_rules could not delete session {session.sid}: {exc}") from exc


_ENGINE: RuleEngine | None = None
_ENGINE_LOCK = threading.Lock()


def get_engine() -> RuleEngine:
    """The process-wide engine (rulesets are registered once per process)."""
    global _ENGINE
    with _ENGINE_LOCK:
        if _ENGINE is None:
            _ENGINE = RuleEngine()
        return _ENGINE


def engine_build() -> str:
    """Which durable_rules build this is (its extension's path, size and modification time):
    part of the key under which a compiled ruleset is cached, since user packs' regexes were
    probed against this very engine (``regex_probe.py``; docs/engine-traps.md #37)."""
    origin = getattr(durable_rules_engine, "__file__", None) or "builtin"
    try:
        st = os.stat(origin)
        return f"{origin}\0{st.st_size}\0{st.st_mtime_ns}"
    except OSError:
        return origin
