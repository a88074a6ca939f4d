"""Sessions: lifecycle, registration, negation strata, failures, many runs, threads, warnings."""

from __future__ import annotations

import gc
import itertools
import json
import random
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import psutil
import pytest
from relaydoctor.engine import session as session_mod
from relaydoctor.engine.compiled import CompiledRuleset
from relaydoctor.engine.errors import EngineError
from relaydoctor.engine.session import MAX_LIVE_SESSIONS, RuleEngine, fnv1a_32, get_engine
from session_kit import fired, kind, rule, ruleset

KIT = str(Path(__file__).parent)

SIMPLE = ruleset(rule("sym", {"s": kind("symptom", {"code": "5.7.64"})}))

NEGATION = ruleset(
    rule("sym", {"s": kind("symptom")}),
    rule(
        "unanswered",
        {"s": kind("symptom")},
        {"x$not": kind("answer", {"key": {"s": "code"}})},
        stratum=1,
    ),
    rule(
        "no-session-for-connector",
        {"c": kind("inbound_connector")},
        {"x$not": kind("smtp_session", {"connector": {"c": "name"}})},
        stratum=2,
    ),
)
NEGATION_FACTS = [
    {"t": "symptom", "code": "5.7.64"},
    {"t": "symptom", "code": "5.7.1"},
    {"t": "answer", "key": "5.7.64"},
    {"t": "inbound_connector", "name": "A"},
    {"t": "inbound_connector", "name": "B"},
    {"t": "smtp_session", "connector": "B"},
    {"t": "symptom", "code": "4.4.7"},
    {"t": "answer", "key": "4.4.7"},
]

# what NEGATION fires on NEGATION_FACTS, in any assertion order (each bound fact by its content)
NEGATION_FIRED = {
    ("sym", (("s", '{"code": "5.7.64", "t": "symptom"}'),)),
    ("sym", (("s", '{"code": "5.7.1", "t": "symptom"}'),)),
    ("sym", (("s", '{"code": "4.4.7", "t": "symptom"}'),)),
    ("unanswered", (("s", '{"code": "5.7.1", "t": "symptom"}'),)),
    ("no-session-for-connector", (("c", '{"name": "A", "t": "inbound_connector"}'),)),
}


def by_content(facts: list[dict], firings) -> set[tuple]:
    """Firings with each bound key replaced by the fact's content (keys change when shuffled)."""
    return {
        (f.rule_id, tuple((a, json.dumps(facts[k], sort_keys=True)) for a, k in f.bindings.items()))
        for f in firings
    }


def test_get_engine_is_shared():
    assert get_engine() is get_engine()
    assert fired(get_engine().run(SIMPLE, [{"t": "symptom", "code": "5.7.64"}])) == [("sym", {"s": 0})]


def test_each_ruleset_registered_once_per_digest(engine):
    twin = ruleset(rule("sym", {"s": kind("symptom", {"code": "5.7.64"})}))  # same content, new objects
    for rs in (SIMPLE, twin, SIMPLE):
        engine.run(rs, [{"t": "symptom", "code": "5.7.64"}])
    engine.run(NEGATION, [])
    assert sorted(engine._registered) == sorted({SIMPLE.digest, NEGATION.digest})
    assert len(engine._host._ruleset_list) == 2


def test_negation_verdict_does_not_depend_on_assertion_order(engine):
    for seed in range(60):
        facts = list(NEGATION_FACTS)
        random.Random(seed).shuffle(facts)
        assert by_content(facts, engine.run(NEGATION, facts)) == NEGATION_FIRED, f"seed {seed}"


def test_firings_sorted_by_rule_then_bindings(engine):
    firings = engine.run(NEGATION, NEGATION_FACTS)
    order = {r.id: i for i, r in enumerate(NEGATION.rules)}
    keys = [(order[f.rule_id], list(f.bindings.values())) for f in firings]
    assert keys == sorted(keys)


def test_action_exception_fails_the_run_loudly(engine):
    """A rule that binds the facade's own phase fact makes the action raise (no key): the run
    fails with EngineError, the session is still deleted, and the engine stays usable."""
    bad = ruleset(rule("ok", {"s": kind("symptom")}), rule("bad", {"p": kind("__phase")}), NEGATION.rules[1])
    with pytest.raises(EngineError, match="rule action failed on a __phase fact"):
        engine.run(bad, [{"t": "symptom", "code": "x"}])
    assert engine._sessions == {} and engine._leaked == set()
    assert fired(engine.run(SIMPLE, [{"t": "symptom", "code": "5.7.64"}])) == [("sym", {"s": 0})]


def test_action_failure_on_the_init_fact_still_deletes_the_session(engine):
    bad = ruleset(rule("init-binder", {"i": kind("__init")}))
    with pytest.raises(EngineError, match="__init fact"):
        engine.run(bad, [])
    assert engine._sessions == {} and engine._leaked == set()


def test_an_engine_failure_while_draining_fails_the_run(engine, monkeypatch):
    """The facade runs the agenda itself (``RuleEngine._drain``): an error from the engine's own
    calls there fails the run with EngineError (as durable's do_actions reported it), the session
    is still deleted, and the engine stays usable."""
    real = session_mod.durable_rules_engine.complete_and_start_action

    def broken(handle, offset):
        raise RuntimeError("engine error 999")

    monkeypatch.setattr(session_mod.durable_rules_engine, "complete_and_start_action", broken)
    with pytest.raises(EngineError, match=r"durable_rules failed running actions for a __init fact"):
        engine.run(SIMPLE, [{"t": "symptom", "code": "5.7.64"}])
    assert engine._sessions == {}
    monkeypatch.setattr(session_mod.durable_rules_engine, "complete_and_start_action", real)
    assert fired(engine.run(SIMPLE, [{"t": "symptom", "code": "5.7.64"}])) == [("sym", {"s": 0})]


def test_no_durable_action_machinery_runs(engine, monkeypatch):
    """No durable action object is registered or run: durable's do_actions, Closure and Promise
    (async two-parameter actions, docs/engine-traps.md #16; the 10 s lease, #17; the clock read
    that warns on Python 3.12, #22; the per-firing reference cycle, #43) are never reached, and the
    firings are the same."""
    from durable import engine as durable_engine

    def never(*args, **kwargs):
        raise AssertionError("durable's action machinery ran")

    monkeypatch.setattr(durable_engine.Ruleset, "do_actions", never)
    monkeypatch.setattr(durable_engine.Closure, "__init__", never)
    monkeypatch.setattr(durable_engine.Promise, "run", never)
    assert by_content(NEGATION_FACTS, engine.run(NEGATION, NEGATION_FACTS)) == NEGATION_FIRED
    assert engine._registered[NEGATION.digest].ruleset._actions == {}


def test_firings_leave_no_cyclic_garbage(engine):
    """Each firing's Closure and the facts it bound are freed as soon as the firing is done, not
    by the cyclic collector (docs/engine-traps.md #43), so its threshold can be high
    (engine/__main__.py) without memory growing with the firings."""
    every = ruleset(rule("any-symptom", {"s": kind("symptom")}))
    facts = [{"t": "symptom", "code": f"5.7.{n}", "text": "x" * 100} for n in range(300)]
    engine.run(every, facts[:1])  # registered, and the engine's first-run allocations made
    gc.collect()
    gc.disable()
    try:
        assert len(engine.run(every, facts)) == 300
        unreachable = gc.collect()
    finally:
        gc.enable()
    assert unreachable < 100  # durable's own Promise.run left ~20 objects a firing (~6,000)


def test_the_engine_gets_the_text_durable_would_write(monkeypatch):
    """Registration hands the engine the rules' JSON text itself (``_TextRuleset``), from the cached
    prepared rules or made on the spot: byte for byte what durable's ``Ruleset`` writes for the
    definition dict (non-ASCII text unescaped, durable's separators), with the same firings."""
    texts: list[str] = []
    real = session_mod.durable_rules_engine.create_ruleset
    monkeypatch.setattr(session_mod.durable_rules_engine, "create_ruleset",
                        lambda name, text: texts.append(text) or real(name, text))
    rules = (*NEGATION.rules, rule("umlaut", {"s": kind("symptom", {"text": "Zertifikat ungültig – “x”"})}))
    facts = [*NEGATION_FACTS, {"t": "symptom", "text": "Zertifikat ungültig – “x”"}]
    bare = CompiledRuleset(rules)
    prepared = CompiledRuleset(rules, prepared=session_mod.prepare_rules(bare))
    runs = [by_content(facts, RuleEngine().run(r, facts)) for r in (bare, prepared)]
    definition = {
        "__init": {"all": [{"__i": {"t": "__init"}}]},
        "__catchall": {"all": [{"__a": {"$ex": {"t": 1}}}, {"__b": {"t": "__never"}}]},
        **{f"r{i}": condition for i, (_, condition) in enumerate(map(session_mod._prepare, rules))},
    }
    assert texts == [json.dumps(definition, ensure_ascii=False)] * 2
    assert runs[0] == runs[1] and ("umlaut", (("s", json.dumps(facts[-1], sort_keys=True)),)) in runs[0]


def test_session_is_deleted_even_when_nothing_fired(engine, monkeypatch):
    seen: list[str] = []
    real_open = RuleEngine._open
    monkeypatch.setattr(RuleEngine, "_open", lambda self: seen.append(s := real_open(self)) or s)
    assert engine.run(SIMPLE, [{"t": "other"}]) == []
    assert engine.run(SIMPLE, []) == []
    rs = engine._registered[SIMPLE.digest].ruleset
    for sess in seen:
        with pytest.raises(Exception, match="309"):  # no such session: it was deleted
            rs.get_state(sess.sid)


DELETE_SAFETY = """
    import sys
    sys.path.insert(0, {kit!r})
    from session_kit import kind, rule, ruleset
    from relaydoctor.engine.session import RuleEngine

    def join(i):
        a = {{"a": kind("ev", {{"code": f"c{{i}}"}})}}
        return rule(f"j{{i}}", a, {{"b": kind("ev", {{"code": f"d{{i}}"}}, {{"g": {{"a": "g"}}}})}})

    rules = [join(i) for i in range(100)]
    engine = RuleEngine()
    for run in range(200):
        facts = [{{"t": "ev", "code": f"c{{k}}", "g": k}} for k in range(50)]  # no join completes
        assert engine.run(ruleset(*rules), facts) == []
    assert not engine._leaked
    print("survived")
"""


def test_delete_state_is_safe_when_no_rule_fired():
    """The raw engine aborts (free(): invalid pointer) deleting such sessions: docs/engine-traps.md #7."""
    script = textwrap.dedent(DELETE_SAFETY).format(kit=KIT)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "survived"


def test_thousands_of_runs_neither_crash_nor_grow():
    engine = RuleEngine()
    rules = [
        rule(
            f"j{i}",
            {"a": kind("ev", {"code": f"c{i}"})},
            {"b": kind("ev", {"code": f"d{i}"}, {"g": {"a": "g"}})},
        )
        for i in range(50)
    ]
    rs = ruleset(*rules, *NEGATION.rules)
    events = [{"t": "ev", "code": f"{'cd'[k % 2]}{k // 2 % 4}", "g": k // 2 % 2} for k in range(10)]
    facts = events + NEGATION_FACTS
    proc = psutil.Process()
    first = engine.run(rs, facts)
    assert {f.rule_id for f in first} >= {"j0", "j1", "unanswered", "no-session-for-connector"}
    for _ in range(200):  # warm up allocator pools
        engine.run(rs, facts)
    before = proc.memory_info().rss
    for _ in range(3000):
        assert engine.run(rs, facts) == first
    growth_mb = (proc.memory_info().rss - before) / 2**20
    assert growth_mb < 40, f"RSS grew {growth_mb:.1f} MB over 3000 runs"
    assert engine._sessions == {} and engine._leaked == set()


def test_session_state_id_shares_the_fact_id_index(engine):
    """sid 'rd7000990' has a state fact 'sid-rd7000990' whose FNV-1a-32 equals that of fact id
    '1287': without reserving it, the 1287th fact would be refused as already observed."""
    assert fnv1a_32("sid-rd7000990") == fnv1a_32("1287")
    engine._sid_numbers = itertools.count(7000990)
    facts = [{"t": "symptom", "code": "5.7.64", "n": i} for i in range(1300)]
    assert len(engine.run(SIMPLE, facts)) == 1300


def test_session_ids_never_share_a_hash_with_a_held_session(engine, monkeypatch):
    assert fnv1a_32("held10010") == fnv1a_32("rd299373")  # two sids that would share one session
    engine._leaked.add("held10010")
    engine._sid_numbers = itertools.count(299373)
    opened: list[str] = []
    real_open = RuleEngine._open
    monkeypatch.setattr(RuleEngine, "_open", lambda self: opened.append(s := real_open(self)) or s)
    engine.run(SIMPLE, [{"t": "symptom", "code": "5.7.64"}])
    assert opened[0].sid == "rd299374"


def test_held_sessions_are_capped(engine):
    assert MAX_LIVE_SESSIONS <= 128  # far below the engine's 1024 (docs/engine-traps.md #9)
    engine._leaked.update(f"stuck{i}" for i in range(MAX_LIVE_SESSIONS))
    with pytest.raises(EngineError, match="refusing to open another"):
        engine.run(SIMPLE, [])


def test_no_threads_and_concurrent_callers_are_serialised():
    before = {t.ident for t in threading.enumerate()}
    engine = RuleEngine()
    expected = fired(engine.run(NEGATION, NEGATION_FACTS))
    assert {t.ident for t in threading.enumerate()} == before  # no timer threads (docs/engine-traps.md #6)

    results: list = []

    def worker():
        for _ in range(40):
            results.append(fired(engine.run(NEGATION, NEGATION_FACTS)))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 240 and all(r == expected for r in results)
    assert engine._sessions == {}


DEPRECATION = """
    import datetime, sys, types, warnings
    sys.path.insert(0, {kit!r})
    from session_kit import fired, kind, rule, ruleset
    from relaydoctor.engine.session import RuleEngine

    durable_engine = sys.modules["durable.engine"]
    if sys.version_info < (3, 12):  # simulate 3.12+, where utcfromtimestamp warns (docs/engine-traps.md #22)
        class WarningDatetime(datetime.datetime):
            @classmethod
            def utcfromtimestamp(cls, t):
                warnings.warn("datetime.datetime.utcfromtimestamp() is deprecated", DeprecationWarning, 2)
                return datetime.datetime.utcfromtimestamp(t)
        durable_engine.datetime = types.SimpleNamespace(datetime=WarningDatetime)
    try:
        durable_engine._unix_now()
    except DeprecationWarning:
        print("actions would fail")
    rs = ruleset(rule("sym", {{"s": kind("symptom")}}))
    print(fired(RuleEngine().run(rs, [{{"t": "symptom"}}, {{"t": "symptom", "v": 1}}])))
"""


def test_actions_survive_deprecation_warnings_as_errors():
    script = textwrap.dedent(DEPRECATION).format(kit=KIT)
    cmd = [sys.executable, "-W", "error::DeprecationWarning", "-c", script]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == ["actions would fail", "[('sym', {'s': 0}), ('sym', {'s': 1})]"]


def test_each_fact_reaches_the_engine_as_json_with_the_facades_fields(engine, monkeypatch):
    """``_assert`` writes the facade's fields itself (not json.dumps, ~4 us a fact): each text the
    engine gets is the fact's canonical JSON plus key, pad, session id and fact id, exactly as
    json.dumps would write them."""
    texts: list[str] = []
    real = session_mod.durable_rules_engine.assert_fact
    monkeypatch.setattr(session_mod.durable_rules_engine, "assert_fact",
                        lambda handle, text: texts.append(text) or real(handle, text))
    engine.run(NEGATION, NEGATION_FACTS)
    parsed = [json.loads(text) for text in texts]
    assert [p["t"] for p in parsed] == ["__init", *(f["t"] for f in NEGATION_FACTS), "__phase", "__phase"]
    for text, value in zip(texts, parsed, strict=True):
        assert text == json.dumps(value)  # key order and separators as json.dumps writes them
        assert value["__one"] == 1 and value["sid"].startswith("rd") and value["id"].isdigit()
    assert [p.get("__key") for p in parsed[1:-2]] == list(range(len(NEGATION_FACTS)))


def test_an_interrupt_while_draining_stays_an_interrupt(engine, monkeypatch):
    """Ctrl+C (or SIGTERM, which the CLI turns into KeyboardInterrupt) while the agenda is drained
    is the user stopping the run: it reaches the CLI as KeyboardInterrupt (exit 130), not as an
    EngineError ("engine error ... a bug", exit 70); the session is still deleted and the engine
    stays usable."""
    real = RuleEngine._record

    def interrupted(reg, session, firing):
        if next(iter(firing)) != "__init":  # the rule "sym", not the init rule
            raise KeyboardInterrupt
        return real(reg, session, firing)

    monkeypatch.setattr(RuleEngine, "_record", staticmethod(interrupted))
    with pytest.raises(KeyboardInterrupt):
        engine.run(SIMPLE, [{"t": "symptom", "code": "5.7.64"}])
    assert engine._sessions == {} and engine._leaked == set()
    monkeypatch.setattr(RuleEngine, "_record", staticmethod(real))
    assert fired(engine.run(SIMPLE, [{"t": "symptom", "code": "5.7.64"}])) == [("sym", {"s": 0})]
