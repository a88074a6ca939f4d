"""Join (reference) tests: the engine's expression-sequence bugs are made unreachable.

Found while building the facade (durable_rules 2.0.28, events.c ``reduceExpressionSequence``):
- a group (``$and``/``$or``) whose LAST reference test short-circuits is read past its end
  (valgrind: invalid reads; in-process: segfaults that depend on the heap's history);
- the first nested group ends its enclosing group: reference tests after it are ignored;
- an ``$or`` mixing plain and reference tests loses its plain tests;
- a reference to a field missing on either fact can fail the whole assert (error 311);
- stored facts keep ``sid``/``id`` pointing into the freed JSON text of their assert call.
The facade reorders and pads groups, guards compared fields with ``$ex``, and refuses the rest.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from relaydoctor.engine.errors import EngineError
from session_kit import fired, kind, phase, rule, ruleset

CERTS = [
    {"t": "certificate", "cn": "A", "v": 1},
    {"t": "certificate", "cn": "B", "v": 1},
    {"t": "certificate", "cn": "C", "v": 1},
    {"t": "certificate", "cn": "A", "v": 9},
    {"t": "certificate", "cn": "B", "v": 9},
]
CONN = {"t": "inbound_connector", "a": "A", "b": "B", "x": 5}
REF_A, REF_B, LT_X = {"cn": {"conn": "a"}}, {"cn": {"conn": "b"}}, {"$lt": {"v": {"conn": "x"}}}


def certs_matching(engine, *tests) -> list[int]:
    """Keys of the certificates that join the connector under ``tests``."""
    rs = ruleset(rule("j", {"conn": kind("inbound_connector")}, {"cert": kind("certificate", *tests)}))
    return [b["cert"] for _, b in fired(engine.run(rs, [CONN, *CERTS]))]


def test_reference_after_a_nested_group_is_still_applied(engine):
    # raw engine: [1, 2, 4, 5] (the v < x test after the $or is ignored)
    assert certs_matching(engine, {"$or": [REF_A, REF_B]}, LT_X) == [1, 2]
    assert certs_matching(engine, {"$or": [{"cn": "C"}, {"cn": "B"}]}, LT_X) == [2, 3]
    assert certs_matching(engine, LT_X, {"$or": [REF_A, REF_B]}) == [1, 2]


def test_nested_reference_group_with_a_plain_group(engine):
    assert certs_matching(engine, {"$or": [REF_A, REF_B]}, {"$or": [{"cn": "A"}, {"cn": "C"}]}) == [1, 4]


def test_neq_and_lt_against_references(engine):
    assert certs_matching(engine, {"$neq": REF_A}, LT_X) == [2, 3]
    assert certs_matching(engine, {"$or": [REF_A, REF_B]}) == [1, 2, 4, 5]


@pytest.mark.parametrize(
    ("tests", "needle"),
    [
        (({"$or": [{"cn": "C"}, REF_A]},), "mixing plain and reference"),  # raw engine drops cn == C
        (({"$or": [{"$and": [{"v": 9}, REF_A]}, REF_B]},), "mixing plain and reference"),
        (({"$or": [REF_A, REF_B]}, {"$or": [{"v": {"conn": "x"}}, REF_B]}), "at most one nested group"),
        (({"sid": {"conn": "sid"}},), "freed memory"),
        (({"$neq": {"id": {"conn": "a"}}},), "freed memory"),
        (({"$and": []},), "non-empty"),
        (({"cn": "A", "v": 1},), "one-key"),
    ],
)
def test_unfixable_shapes_are_refused(engine, tests, needle):
    with pytest.raises(EngineError, match=needle):
        certs_matching(engine, *tests)


def test_missing_compared_fields_do_not_fail_the_run(engine):
    """The raw engine fails the assert (error 311) when a compared field is missing on either
    side; the facade guards every compared field, so such facts simply do not join."""
    conn_without_a = {"t": "inbound_connector", "b": "B", "x": 5}
    rs = ruleset(
        rule("neq", {"conn": kind("inbound_connector")}, {"cert": kind("certificate", {"$neq": REF_A})}),
        rule(
            "or", {"conn": kind("inbound_connector")}, {"cert": kind("certificate", {"$or": [REF_A, REF_B]})}
        ),
        rule(
            "gt",
            {"conn": kind("inbound_connector")},
            {"cert": kind("certificate", {"$gt": {"v": {"conn": "x"}}})},
        ),
    )
    facts = [conn_without_a, {"t": "certificate", "v": 9}, {"t": "certificate", "cn": "B"}, CONN, *CERTS]
    by_rule: dict[str, list[tuple[int, int]]] = {}
    for rule_id, b in fired(engine.run(rs, facts)):
        by_rule.setdefault(rule_id, []).append((b["conn"], b["cert"]))
    assert by_rule == {
        "neq": [(3, 2), (3, 5), (3, 6), (3, 8)],  # connector 0 lacks 'a', certificate 1 lacks cn
        "or": [(3, 2), (3, 4), (3, 5), (3, 7), (3, 8)],  # every field an $or compares must exist
        "gt": [(0, 1), (0, 7), (0, 8), (3, 1), (3, 7), (3, 8)],  # certificate 2 lacks v
    }


def test_negation_referring_to_a_missing_field_does_not_fire(engine):
    """Deliberate: a rule never concludes from a comparison with an unknown value."""
    neg = rule(
        "no-answer",
        {"s": kind("symptom")},
        {"x$not": kind("answer", {"$neq": {"key": {"s": "code"}}})},
        stratum=1,
    )
    facts = [{"t": "symptom", "code": "c"}, {"t": "symptom"}, {"t": "answer", "key": "c"}]
    assert fired(engine.run(ruleset(neg), facts)) == [("no-answer", {"s": 0})]


def test_rewrite_leaves_the_compiled_condition_untouched(engine):
    rs = ruleset(
        rule(
            "j",
            {"conn": kind("inbound_connector")},
            {"cert": kind("certificate", {"$or": [REF_A, REF_B]}, LT_X)},
        )
    )
    before = repr(rs.rules[0].condition)
    engine.run(rs, [CONN, *CERTS])
    engine.run(rs, [CONN, *CERTS])
    assert repr(rs.rules[0].condition) == before


def test_phase_pattern_anchor_for_pads(engine):
    """In a stratum rule the pads refer to the phase fact, which carries the pad field too."""
    neg = rule(
        "j",
        {"conn": kind("inbound_connector")},
        {"cert": kind("certificate", {"$neq": REF_A}, LT_X)},
        {"x$not": kind("answer", {"key": {"cert": "cn"}})},
        stratum=1,
    )
    assert fired(engine.run(ruleset(neg), [CONN, *CERTS, {"t": "answer", "key": "C"}])) == [
        ("j", {"conn": 0, "cert": 2})
    ]
    assert phase(1) == neg.condition["all"][0]


CRASH_SEQUENCE = """
    import sys
    sys.path.insert(0, {kit!r})
    from session_kit import kind, rule, ruleset
    from relaydoctor.engine.session import RuleEngine

    regex = ruleset(rule("mt", {{"s": kind("symptom", {{"$mt": {{"code": "5%.7%.%d+"}}}})}}))
    three = ruleset(rule(
        "three",
        {{"sess": kind("smtp_session")}},
        {{"conn": kind("inbound_connector", {{"name": {{"sess": "connector"}}}})}},
        {{"cert": kind("certificate", {{"$neq": {{"cn": {{"conn": "cert_name"}}}}}})}},
    ))
    facts = [
        {{"t": "inbound_connector", "name": "A", "cert_name": "mail.contoso.com"}},
        {{"t": "smtp_session", "connector": "A"}},
        {{"t": "certificate", "cn": "mail.contoso.com"}},
        {{"t": "certificate", "cn": "old.contoso.com"}},
    ]
    for _ in range(20):
        RuleEngine().run(regex, [{{"t": "symptom", "code": "5.7.64"}}])
        firings = RuleEngine().run(three, facts)
        assert [f.bindings for f in firings] == [{{"sess": 1, "conn": 0, "cert": 3}}], firings
    print("survived")
"""


def test_join_sequence_that_crashed_the_raw_engine_survives():
    """Before the pads this exact sequence segfaulted every time on the build machine."""
    script = textwrap.dedent(CRASH_SEQUENCE).format(kit=str(Path(__file__).parent))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "survived"
