"""The compiler: every operator's engine JSON, test order, negation strata, and engine limits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from packkit import load, rule_file, rule_yaml, standard_pack
from relaydoctor.engine.compiled import PHASE_ALIAS, PHASE_KIND, CompiledRule, Conclusion
from relaydoctor.engine.errors import PackErrors
from relaydoctor.engine.pack import compile_packs, compiler
from relaydoctor.engine.pack.compiler import check_limits, compile_rule, compile_rules
from relaydoctor.engine.pack.model import FieldTest, Loc, Pattern, RuleDef
from relaydoctor.engine.regex_probe import probe


def compiled_rule(tmp_path: Path, when: str, **kw: Any) -> CompiledRule:
    root = standard_pack(tmp_path / "p")
    rule_file(root, "under-test", rule_yaml("widget-broken.under-test", when, **kw))
    ruleset = compile_packs(load(root), probe=probe)
    return next(r for r in ruleset.rules if r.id == "widget-broken.under-test")


def body_of(tmp_path: Path, kind: str, where: str) -> list[dict[str, Any]]:
    """The compiled $and list of a one-pattern rule over ``kind`` with ``where`` (flow YAML)."""
    rule = compiled_rule(tmp_path, f"- fact: {kind}\n  as: x\n  where: {where}\n")
    (pattern,) = rule.condition["all"]
    return pattern["x"]["$and"]


@pytest.mark.parametrize(
    ("kind", "where", "expected"),
    [
        ("smtp_session", "{to_eop: true}", {"to_eop": True}),
        ("smtp_session", "{connector: Outbound}", {"connector": "Outbound"}),
        ("smtp_session", "{sessions: 3}", {"sessions": 3}),
        ("smtp_session", "{connector: {eq: Outbound}}", {"connector": "Outbound"}),
        ("smtp_session", "{connector: {ne: Outbound}}", {"$neq": {"connector": "Outbound"}}),
        ("smtp_session", "{outcome: {in: [rejected]}}", {"outcome": "rejected"}),
        (
            "smtp_session",
            "{outcome: {in: [rejected, mixed]}}",
            {"$or": [{"outcome": "rejected"}, {"outcome": "mixed"}]},
        ),
        ("smtp_session", "{tls: {not_in: [failed]}}", {"$neq": {"tls": "failed"}}),
        (
            "smtp_session",
            "{tls: {not_in: [failed, unknown]}}",
            {"$and": [{"$neq": {"tls": "failed"}}, {"$neq": {"tls": "unknown"}}]},
        ),
        ("smtp_session", "{sessions: {gt: 1}}", {"$gt": {"sessions": 1}}),
        ("smtp_session", "{sessions: {gte: 1}}", {"$gte": {"sessions": 1}}),
        ("smtp_session", "{sessions: {lt: 1}}", {"$lt": {"sessions": 1}}),
        ("smtp_session", "{sessions: {lte: 1}}", {"$lte": {"sessions": 1}}),
        (
            "smtp_session",
            "{cert_cn: {matches: 'mail\\d+\\.contoso\\.com'}}",
            {"$mt": {"cert_cn": "mail%d+%.contoso%.com"}},
        ),
        ("smtp_session", "{cert_cn: {imatches: 'MAIL.*'}}", {"$imt": {"cert_cn": "MAIL.*"}}),
        ("smtp_session", "{tls_error: {exists: true}}", {"$ex": {"tls_error": 1}}),
        ("smtp_session", "{tls_error: {missing: true}}", {"$nex": {"tls_error": 1}}),
        (
            "smtp_session",
            "{cert_sans: {contains: mail.contoso.com}}",
            {"$iany": {"cert_sans": {"$i": "mail.contoso.com"}}},
        ),
        (
            "smtp_session",
            "{any_of: [{null_sender: true}, {tls: failed, sessions: {gt: 2}}]}",
            {"$or": [{"null_sender": True}, {"$and": [{"tls": "failed"}, {"$gt": {"sessions": 2}}]}]},
        ),
    ],
)
def test_each_operator_compiles_to_engine_json(tmp_path: Path, kind: str, where: str, expected: Any) -> None:
    assert body_of(tmp_path, kind, where) == [{"t": kind}, expected]


def test_missing_is_always_beside_the_kind_test(tmp_path: Path) -> None:
    body = body_of(tmp_path, "inbound_connector", "{tls_sender_certificate_name: {missing: true}}")
    assert body == [{"t": "inbound_connector"}, {"$nex": {"tls_sender_certificate_name": 1}}]


def test_several_operators_on_one_field(tmp_path: Path) -> None:
    body = body_of(tmp_path, "smtp_session", "{sessions: {gte: 2, lte: 9}}")
    assert body == [{"t": "smtp_session"}, {"$gte": {"sessions": 2}}, {"$lte": {"sessions": 9}}]


def test_join_references_and_their_order(tmp_path: Path) -> None:
    rule = compiled_rule(
        tmp_path,
        """
        - fact: smtp_session
          as: s
        - fact: cert_attribution
          as: m
          where:
            match: {in: [mismatch, ambiguous]}
            connector: {exists: true}
            thumbprint: {ref: s.cert_thumbprint}
            cn: {ne: {ref: s.cert_cn}}
        - fact: smtp_session
          as: t
          where:
            sessions: {gt: {ref: s.sessions}}
        """,
    )
    s, m, t = rule.condition["all"]
    assert s == {"s": {"$and": [{"t": "smtp_session"}]}}
    # the kind, then references, then simple tests, then composites (a reference after a composite
    # test is ignored by durable_rules 2.0.28)
    assert m == {
        "m": {
            "$and": [
                {"t": "cert_attribution"},
                {"thumbprint": {"s": "cert_thumbprint"}},
                {"$neq": {"cn": {"s": "cert_cn"}}},
                {"$ex": {"connector": 1}},
                {"$or": [{"match": "mismatch"}, {"match": "ambiguous"}]},
            ]
        }
    }
    assert t == {"t": {"$and": [{"t": "smtp_session"}, {"$gt": {"sessions": {"s": "sessions"}}}]}}
    assert rule.aliases == ("s", "m", "t") and rule.stratum == 0


def test_negation_goes_to_stratum_one_behind_the_phase_pattern(tmp_path: Path) -> None:
    rule = compiled_rule(
        tmp_path,
        """
        - fact: inbound_connector
          as: c
          where: {enabled: false}
        - not:
            fact: inbound_connector
            where: {enabled: true}
        - not:
            fact: answer
            where: {key: connector_ok, value: {ref: c.name}}
        """,
    )
    assert rule.stratum == 1
    assert rule.condition == {
        "all": [
            {PHASE_ALIAS: {"$and": [{"t": PHASE_KIND}, {"n": 1}]}},
            {"c": {"$and": [{"t": "inbound_connector"}, {"enabled": False}]}},
            {"__not1$not": {"$and": [{"t": "inbound_connector"}, {"enabled": True}]}},
            {"__not2$not": {"$and": [{"t": "answer"}, {"value": {"c": "name"}}, {"key": "connector_ok"}]}},
        ]
    }
    assert rule.aliases == ("c",)
    assert compiler.phase_pattern(1) == rule.condition["all"][0]


def test_pattern_without_alias_gets_a_generated_one(tmp_path: Path) -> None:
    rule = compiled_rule(tmp_path, "- fact: symptom\n  where: {code: '9.9.9'}\n- fact: answer\n  as: a\n")
    assert rule.aliases == ("_p1", "a")
    assert list(rule.condition["all"][0]) == ["_p1"]


def test_conclusion_and_source(tmp_path: Path) -> None:
    rule = compiled_rule(
        tmp_path,
        "- fact: inbound_connector\n  as: c\n",
        status="likely",
        extra='message: "{c.name} looks off"\nevidence: [c]\n',
    )
    assert rule.conclusion == Conclusion("widget-broken", "9.9.9", "likely", "{c.name} looks off", ("c",))
    assert rule.source.endswith("under-test.yaml:1")


def test_compile_produces_fresh_dicts(tmp_path: Path) -> None:
    packs = load(standard_pack(tmp_path / "p"))
    first, second = compile_packs(packs, probe=probe), compile_packs(packs, probe=probe)
    assert first.digest == second.digest
    assert first.rules[0].condition is not second.rules[0].condition


# ---------------------------------------------------------------------------------------------
# Limits
# ---------------------------------------------------------------------------------------------


def _rule(i: int, *patterns: Pattern) -> RuleDef:
    return RuleDef(
        id=f"r{i}",
        cause="c",
        code="9.9.9",
        status="confirmed",
        description="",
        message="",
        when=patterns,
        evidence=(),
        references=(),
        loc=Loc(f"r{i}.yaml", 1),
    )


def _eq(field: str, value: Any) -> FieldTest:
    return FieldTest(field, "eq", value)


def test_too_many_rules() -> None:
    rules = [
        _rule(i, Pattern("answer", "a", (_eq("key", f"k{i % 300}"),))) for i in range(compiler.MAX_RULES + 1)
    ]
    errors = check_limits([compile_rule(r) for r in rules])
    assert [e.message for e in errors] == [
        f"more than {compiler.MAX_RULES} rules are loaded; the engine cannot run that many"
    ]
    assert errors[0].path == f"r{compiler.MAX_RULES}.yaml" and errors[0].line == 1


def test_too_many_distinct_tests_under_one_parent() -> None:
    n = compiler.MAX_CHILD_TESTS + 1
    rules = [_rule(i, Pattern("answer", "a", (_eq("key", f"k{i}"),))) for i in range(n)]
    with pytest.raises(PackErrors) as info:
        compile_rules(rules, probe=probe)
    messages = [e.message for e in info.value.errors]
    assert any(f"{n} different tests follow the same tests" in m for m in messages), messages
    ok = [_rule(i, Pattern("answer", "a", (_eq("key", f"k{i}"),))) for i in range(compiler.MAX_CHILD_TESTS)]
    assert len(compile_rules(ok, probe=probe).rules) == compiler.MAX_CHILD_TESTS


def test_too_many_join_rules_on_one_alpha_pattern() -> None:
    n = compiler.MAX_JOIN_RULES + 1
    shared = Pattern("symptom", "s", (_eq("code", "9.9.9"),))
    rules = [_rule(i, shared, Pattern("answer", "a", (_eq("key", f"k{i}"),))) for i in range(n)]
    errors = check_limits([compile_rule(r) for r in rules])
    assert any(f"{n} multi-pattern rules share the pattern" in e.message for e in errors)


def test_too_many_negation_rules_share_the_phase_pattern() -> None:
    n = compiler.MAX_JOIN_RULES + 1
    rules = [
        _rule(
            i, Pattern("answer", "a", (_eq("key", f"k{i % 50}"),)), Pattern("symptom", None, (), negated=True)
        )
        for i in range(n)
    ]
    errors = check_limits([compile_rule(r) for r in rules])
    assert any("share the phase pattern (rules with not:)" in e.message for e in errors)


def test_too_many_patterns_one_fact_can_match() -> None:
    # 61 rules testing different fields of the same kind: one fact could satisfy them all
    names = [f"f{i}" for i in range(compiler.MAX_ALPHA_MATCHES + 1)]
    rules = [
        _rule(i, Pattern("smtp_session", "s", (FieldTest(n, "exists", None),))) for i, n in enumerate(names)
    ]
    errors = check_limits([compile_rule(r) for r in rules])
    assert any("one smtp_session fact could match 61 different patterns at once" in e.message for e in errors)


def test_mutually_exclusive_patterns_do_not_count_together() -> None:
    # 100 patterns, but each tests key == a different value: a fact matches at most one of them
    rules = [
        _rule(i, Pattern("answer", "a", (_eq("key", f"k{i}"), FieldTest("value", "exists", None))))
        for i in range(100)
    ]
    assert check_limits([compile_rule(r) for r in rules]) == []


def test_a_rule_whose_literal_test_no_fact_passes_is_left_out():
    """for_codes's ``values`` (issue 11 latency): a positive pattern's ``{field: literal}`` that no
    fact of its kind holds cannot fire; unknown values, other types and negations keep the rule."""
    from relaydoctor.engine.compiled import CompiledRule, CompiledRuleset, Conclusion, literal_tests
    from relaydoctor.engine.status import Status

    def rule(rid, *patterns):
        return CompiledRule(rid, 0, {"all": list(patterns)}, ("s",), Conclusion("c", "1.1.1", Status.LIKELY))

    code_x = rule("x", {"s": {"$and": [{"t": "symptom"}, {"code": "5.7.64"}, {"$neq": {"host": "a"}}]}})
    flag = rule("f", {"s": {"$and": [{"t": "cert"}, {"trusted": True}, {"n": 2}]}})
    negated = rule("n", {"s": {"$and": [{"t": "symptom"}]}}, {"m$not": {"$and": [{"t": "cert"}, {"n": 9}]}})
    rs = CompiledRuleset((code_x, flag, negated))
    assert literal_tests(code_x) == (("symptom", "code", "5.7.64"),)
    assert literal_tests(negated) == ()
    assert rs.literal_fields() == {("symptom", "code"), ("cert", "trusted"), ("cert", "n")}

    def ids(values):
        return [r.id for r in rs.for_codes(["1.1.1"], values=values).rules]

    assert ids(None) == ["x", "f", "n"]
    assert ids({("symptom", "code"): frozenset({(str, "5.7.64")})}) == ["x", "f", "n"]
    assert ids({("symptom", "code"): frozenset({(str, "4.4.62")})}) == ["f", "n"]
    assert ids({("symptom", "code"): None}) == ["x", "f", "n"]  # a value not known: kept
    assert ids({("cert", "trusted"): frozenset({(bool, False)}), ("cert", "n"): frozenset({(int, 2)})}) == [
        "x", "n"]
    assert ids({("cert", "n"): frozenset({(str, "2")})}) == ["x", "f", "n"]  # another type: coerced
    assert rs.for_codes(["1.1.1"], values={}) is rs.for_codes(["1.1.1"])  # the same rules, one object
