"""Compiled packs in the real engine: every operator fires on the facts it should, and only those."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from packkit import engine_facts, load, rule_file, rule_yaml, standard_pack
from relaydoctor.engine.pack import compile_packs
from relaydoctor.engine.regex_probe import probe
from relaydoctor.engine.session import get_engine

RULE_ID = "widget-broken.under-test"
S = {"kind": "smtp_session", "connector": "Outbound to Office 365"}


def run(tmp_path: Path, when: str, facts: list[dict[str, Any]]) -> list[dict[str, int]]:
    """Bindings (alias -> index in ``facts``) of every firing of the rule under test."""
    root = standard_pack(tmp_path / "p")
    rule_file(root, "under-test", rule_yaml(RULE_ID, when))
    ruleset = compile_packs(load(root), probe=probe)
    return [f.bindings for f in get_engine().run(ruleset, engine_facts(*facts)) if f.rule_id == RULE_ID]


def fired(tmp_path: Path, where: str, fact: dict[str, Any], kind: str = "smtp_session") -> bool:
    return bool(run(tmp_path, f"- fact: {kind}\n  as: x\n  where: {where}\n", [fact]))


@pytest.mark.parametrize(
    ("where", "hit", "miss"),
    [
        ("{connector: Outbound to Office 365}", {}, {"connector": "Other"}),
        ("{sessions: 3}", {"sessions": 3}, {"sessions": 4}),
        ("{to_eop: true}", {"to_eop": True}, {"to_eop": False}),
        ("{to_eop: false}", {"to_eop": False}, {"to_eop": True}),
        ("{tls: {eq: negotiated}}", {"tls": "negotiated"}, {"tls": "failed"}),
        ("{tls: {ne: negotiated}}", {"tls": "failed"}, {"tls": "negotiated"}),
        ("{tls_protocol: {ne: TLS1_0}}", {"tls_protocol": "TLS1_2"}, {}),  # ne is false when missing
        ("{outcome: {in: [rejected, mixed]}}", {"outcome": "mixed"}, {"outcome": "relayed"}),
        ("{outcome: {in: [rejected]}}", {"outcome": "rejected"}, {"outcome": "relayed"}),
        ("{outcome: {not_in: [rejected, mixed]}}", {"outcome": "relayed"}, {"outcome": "rejected"}),
        ("{tls_protocol: {not_in: [TLS1_0, TLS1_1]}}", {"tls_protocol": "TLS1_2"}, {}),  # false when missing
        ("{sessions: {gt: 2}}", {"sessions": 3}, {"sessions": 2}),
        ("{sessions: {gte: 2}}", {"sessions": 2}, {"sessions": 1}),
        ("{sessions: {lt: 2}}", {"sessions": 1}, {"sessions": 2}),
        ("{sessions: {lte: 2}}", {"sessions": 2}, {"sessions": 3}),
        ("{sessions: {gte: 2, lte: 4}}", {"sessions": 4}, {"sessions": 5}),
        ("{rcpt_rejected: {gt: 9}}", {"rcpt_rejected": 10}, {"rcpt_rejected": 9}),  # numbers, not text
        (
            "{cert_cn: {matches: 'mail\\d+\\.contoso\\.com'}}",
            {"cert_cn": "mail2026.contoso.com"},
            {"cert_cn": "mail.contoso.com"},
        ),
        ("{cert_cn: {matches: 'mail'}}", {"cert_cn": "mail"}, {"cert_cn": "mail.contoso.com"}),  # anchored
        (
            "{cert_cn: {matches: '.*\\.contoso\\.com'}}",
            {"cert_cn": "x.contoso.com"},
            {"cert_cn": "x.contoso.net"},
        ),
        (
            "{cert_cn: {imatches: 'MAIL\\..*'}}",
            {"cert_cn": "mail.contoso.com"},
            {"cert_cn": "smtp.contoso.com"},
        ),
        ("{cert_cn: {matches: 'CN=[^,]+'}}", {"cert_cn": "CN=mail"}, {"cert_cn": "CN=mail, O=x"}),
        ("{tls_error: {exists: true}}", {"tls_error": "UnknownCredentials"}, {}),
        ("{tls_error: {missing: true}}", {}, {"tls_error": "UnknownCredentials"}),
        (
            "{cert_sans: {contains: mail.contoso.com}}",
            {"cert_sans": ["a.contoso.com", "mail.contoso.com"]},
            {"cert_sans": ["x"]},
        ),
        ("{cert_sans: {contains: mail.contoso.com}}", {"cert_sans": ["mail.contoso.com"]}, {"cert_sans": []}),
        (
            "{any_of: [{null_sender: true}, {tls: failed, sessions: {gt: 1}}]}",
            {"tls": "failed", "sessions": 2},
            {"tls": "failed", "sessions": 1},
        ),
        (
            "{any_of: [{null_sender: true}, {tls_error: {exists: true}}]}",
            {"null_sender": True},
            {"tls": "failed"},
        ),
    ],
)
def test_operator_fires_and_does_not_fire(tmp_path: Path, where: str, hit: dict, miss: dict) -> None:
    assert fired(tmp_path / "hit", where, {**S, **hit}), "should fire"
    assert not fired(tmp_path / "miss", where, {**S, **miss}), "should not fire"


JOIN = """
- fact: smtp_session
  as: s
- fact: cert_attribution
  as: m
  where:
    thumbprint: {ref: s.cert_thumbprint}
"""


def test_join_on_a_reference(tmp_path: Path) -> None:
    facts = [
        {**S, "cert_thumbprint": "A" * 40},
        {"kind": "cert_attribution", "thumbprint": "B" * 40, "match": "match"},
        {"kind": "cert_attribution", "thumbprint": "A" * 40, "match": "mismatch"},
    ]
    assert run(tmp_path, JOIN, facts) == [{"s": 0, "m": 2}]


def test_ne_and_gt_references(tmp_path: Path) -> None:
    when = """
    - fact: smtp_session
      as: a
      where: {connector: first}
    - fact: smtp_session
      as: b
      where:
        sessions: {gt: {ref: a.sessions}}
        connector: {ne: {ref: a.connector}}
    """
    facts = [
        {"kind": "smtp_session", "connector": "first", "sessions": 2},
        {"kind": "smtp_session", "connector": "second", "sessions": 5},
        {"kind": "smtp_session", "connector": "third", "sessions": 1},
    ]
    assert run(tmp_path, when, facts) == [{"a": 0, "b": 1}]


def test_a_reference_after_a_composite_test_still_joins(tmp_path: Path) -> None:
    """durable_rules ignores a reference placed after an $or; the compiler moves it first."""
    when = """
    - fact: smtp_session
      as: s
    - fact: cert_attribution
      as: m
      where:
        match: {in: [mismatch, ambiguous]}
        thumbprint: {ref: s.cert_thumbprint}
    """
    facts = [
        {**S, "cert_thumbprint": "A" * 40},
        {"kind": "cert_attribution", "thumbprint": "B" * 40, "match": "mismatch"},
    ]
    assert run(tmp_path, when, facts) == []


NEGATION = """
- fact: inbound_connector
  as: c
  where: {enabled: false}
- not:
    fact: inbound_connector
    where: {enabled: true, connector_type: OnPremises}
- not:
    fact: answer
    where: {key: connector_ok, value: {ref: c.name}}
"""


def test_negation_blocks_only_when_a_matching_fact_exists(tmp_path: Path) -> None:
    disabled = {"kind": "inbound_connector", "name": "A", "enabled": False}
    enabled = {"kind": "inbound_connector", "name": "B", "enabled": True, "connector_type": "OnPremises"}
    partner = {"kind": "inbound_connector", "name": "C", "enabled": True, "connector_type": "Partner"}
    answer_a = {"kind": "answer", "key": "connector_ok", "value": "A"}
    answer_x = {"kind": "answer", "key": "connector_ok", "value": "X"}
    assert run(tmp_path / "1", NEGATION, [disabled]) == [{"c": 0}]
    assert run(tmp_path / "2", NEGATION, [disabled, partner, answer_x]) == [{"c": 0}]
    assert run(tmp_path / "3", NEGATION, [disabled, enabled]) == []
    assert run(tmp_path / "4", NEGATION, [disabled, answer_a]) == []


def test_negation_does_not_depend_on_assertion_order(tmp_path: Path) -> None:
    facts = [
        {"kind": "inbound_connector", "name": "A", "enabled": False},
        {"kind": "inbound_connector", "name": "D", "enabled": False},
        {"kind": "answer", "key": "connector_ok", "value": "A"},
        {"kind": "inbound_connector", "name": "C", "enabled": True, "connector_type": "Partner"},
    ]
    expected = run(tmp_path / "base", NEGATION, facts)
    assert expected == [{"c": 1}]
    rnd = random.Random(7)
    for i in range(6):
        order = list(range(len(facts)))
        rnd.shuffle(order)
        got = run(tmp_path / f"s{i}", NEGATION, [facts[j] for j in order])
        assert [{"c": order[b["c"]]} for b in got] == expected
