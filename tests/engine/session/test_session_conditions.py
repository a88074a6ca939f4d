"""The condition language reaches the engine intact, and unsafe conditions are refused."""

from __future__ import annotations

import pytest
from relaydoctor.engine.compiled import CompiledRule
from relaydoctor.engine.errors import EngineError
from session_kit import CONCLUSION, fired, kind, phase, rule, ruleset


def test_in_and_or(engine):
    rs = ruleset(
        rule("in", {"s": kind("smtp_session", {"$or": [{"outcome": "rejected"}, {"outcome": "mixed"}]})})
    )
    facts = [{"t": "smtp_session", "outcome": o} for o in ("relayed", "mixed", "rejected", "no_mail")]
    assert fired(engine.run(rs, facts)) == [("in", {"s": 1}), ("in", {"s": 2})]


def test_or_with_both_branches_true_fires_once(engine):
    """The engine fires an $or pattern once per true branch; the ledger keeps one firing."""
    rs = ruleset(rule("or", {"s": kind("x", {"$or": [{"a": 1}, {"b": 2}]})}))
    assert fired(engine.run(rs, [{"t": "x", "a": 1, "b": 2}])) == [("or", {"s": 0})]


def test_regex_is_anchored_percent_dialect(engine):
    rs = ruleset(
        rule("mt", {"s": kind("symptom", {"$mt": {"code": "5%.7%.%d+"}})}),
        rule("imt", {"s": kind("symptom", {"$imt": {"text": "tenantattribution.*"}})}),
    )
    facts = [
        {"t": "symptom", "code": "5.7.64", "text": "TenantAttribution; Relay Access Denied"},
        {"t": "symptom", "code": "550 5.7.64", "text": "550 TenantAttribution"},  # anchored: no match
        {"t": "symptom", "code": "5x7x64", "text": ""},
    ]
    assert fired(engine.run(rs, facts)) == [("mt", {"s": 0}), ("imt", {"s": 0})]


def test_list_contains(engine):
    rs = ruleset(rule("has", {"s": kind("symptom", {"$iany": {"tokens": {"$i": "ATTR36"}}})}))
    facts = [
        {"t": "symptom", "tokens": ["TenantAttribution", "ATTR36"]},
        {"t": "symptom", "tokens": ["ATTR35"]},
        {"t": "symptom", "tokens": []},
    ]
    assert fired(engine.run(rs, facts)) == [("has", {"s": 0})]


def test_joins_across_aliases(engine):
    """2- and 3-way joins bind every combination, each alias to its own fact's key."""
    rs = ruleset(
        rule(
            "two",
            {"sess": kind("smtp_session")},
            {"conn": kind("inbound_connector", {"name": {"sess": "connector"}})},
        ),
        rule(
            "three",
            {"sess": kind("smtp_session")},
            {"conn": kind("inbound_connector", {"name": {"sess": "connector"}})},
            {"cert": kind("certificate", {"$neq": {"cn": {"conn": "cert_name"}}})},
        ),
    )
    facts = [
        {"t": "inbound_connector", "name": "A", "cert_name": "mail.contoso.com"},
        {"t": "smtp_session", "connector": "A"},
        {"t": "smtp_session", "connector": "B"},
        {"t": "certificate", "cn": "old.contoso.com"},
        {"t": "certificate", "cn": "mail.contoso.com"},
        {"t": "smtp_session", "connector": "A", "n": 2},
    ]
    assert fired(engine.run(rs, facts)) == [
        ("two", {"sess": 1, "conn": 0}),
        ("two", {"sess": 5, "conn": 0}),
        ("three", {"sess": 1, "conn": 0, "cert": 3}),
        ("three", {"sess": 5, "conn": 0, "cert": 3}),
    ]


def test_aliases_that_shadow_closure_attributes(engine):
    """Bindings are read from the match itself, so aliases such as 's' or 'post' work."""
    rs = ruleset(rule("names", {"s": kind("a")}, {"post": kind("b")}, {"host": kind("c")}, {"m": kind("d")}))
    facts = [{"t": "d"}, {"t": "c"}, {"t": "b"}, {"t": "a"}]
    assert fired(engine.run(rs, facts)) == [("names", {"s": 3, "post": 2, "host": 1, "m": 0})]


def test_firings_sorted_by_rule_position_then_bindings(engine):
    rs = ruleset(rule("z-first", {"x": kind("x")}), rule("a-second", {"x": kind("x", {"v": 1})}))
    facts = [{"t": "x", "v": 1, "k": 3}, {"t": "x", "v": 2}, {"t": "x", "v": 1}]
    assert fired(engine.run(rs, facts)) == [
        ("z-first", {"x": 0}),
        ("z-first", {"x": 1}),
        ("z-first", {"x": 2}),
        ("a-second", {"x": 0}),
        ("a-second", {"x": 2}),
    ]


def _raw(rule_id: str, stratum: int, patterns: list, aliases: tuple[str, ...]) -> CompiledRule:
    return CompiledRule(rule_id, stratum, {"all": patterns}, aliases, CONCLUSION, source="r.yaml:7")


@pytest.mark.parametrize(
    ("bad", "needle"),
    [
        (
            _raw("later", 0, [{"a": kind("a", {"v": {"b": "w"}})}, {"b": kind("b")}], ("a", "b")),
            "not an earlier",
        ),
        (_raw("nophase", 1, [{"a": kind("a")}, {"x$not": kind("x")}], ("a",)), "phase pattern"),
        (_raw("wrongn", 2, [phase(1), {"a": kind("a")}, {"x$not": kind("x")}], ("a",)), "phase pattern"),
        (_raw("neg0", 0, [{"a": kind("a")}, {"x$not": kind("x")}], ("a",)), "negation needs"),
        (_raw("first", 0, [{"x$not": kind("x")}, {"a": kind("a")}], ("a",)), "first pattern never fires"),
        (_raw("state", 0, [{"a": {"$and": [{"t": "a"}, {"$s": 1}]}}], ("a",)), r"\$s"),
        (_raw("alias", 0, [{"a": kind("a")}, {"b": kind("b")}], ("a", "zz")), "do not match"),
        (_raw("reserved", 0, [{"__a": kind("a")}], ("__a",)), "reserved"),
        (_raw("any", 0, [{"a": kind("a")}, {"b$any": [{"c": kind("c")}]}], ("a",)), "unsupported"),
        (_raw("empty", 0, [], ()), "non-empty"),
        (CompiledRule("cnt", 0, {"all": [{"a": kind("a")}], "count": 3}, ("a",), CONCLUSION), "exactly"),
        (CompiledRule("pri", 0, {"all": [{"a": kind("a")}], "pri": 1}, ("a",), CONCLUSION), "exactly"),
    ],
)
def test_unsafe_conditions_refused(engine, bad, needle):
    ok = rule("ok", {"a": kind("a")})
    with pytest.raises(EngineError, match=needle):
        engine.run(ruleset(ok, bad), [{"t": "a"}])


def test_refusals_name_the_rule_and_its_source(engine):
    bad = _raw("neg0", 0, [{"a": kind("a")}, {"x$not": kind("x")}], ("a",))
    with pytest.raises(EngineError, match=r"^r\.yaml:7: rule neg0: "):
        engine.run(ruleset(bad), [])


def test_phase_alias_may_be_listed_among_aliases(engine):
    neg = _raw("neg", 1, [phase(1), {"a": kind("a")}, {"x$not": kind("x")}], ("__phase", "a"))
    assert fired(engine.run(ruleset(neg), [{"t": "a"}])) == [("neg", {"a": 0})]


def test_duplicate_rule_ids_refused(engine):
    with pytest.raises(EngineError, match="duplicate rule ids"):
        engine.run(ruleset(rule("r", {"a": kind("a")}), rule("r", {"b": kind("b")})), [])


def test_engine_registration_errors_become_engine_errors(engine):
    bad = rule("bad", {"a": kind("a", {"$bogus": {"v": 1}})})
    with pytest.raises(EngineError, match="refused ruleset"):
        engine.run(ruleset(bad), [{"t": "a"}])
