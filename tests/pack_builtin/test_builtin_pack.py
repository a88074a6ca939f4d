"""The built-in pack: lint-clean, every case passes through the real engine, and the three sample
bundles give the diagnosis their README documents, through the CLI as a user would run it."""

from __future__ import annotations

import filecmp
import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from relaydoctor.engine.api import diagnose
from relaydoctor.engine.pack import load_packs
from relaydoctor.engine.pack.cases import case_facts, run_case
from relaydoctor.engine.pack.lint import lint
from relaydoctor.engine.pack.model import FieldTest, Pattern, Ref
from relaydoctor.engine.paths import builtin_dir

PACKS = load_packs(include_user_config=False)
BUILTIN_CASES = [c for c in PACKS.cases if c.pack == "builtin"]
EXAMPLES = builtin_dir("knowledge") / "examples"
UNFILLED = re.compile(r"<[a-z][a-z0-9_]*\.[a-z_][a-z0-9_]*>")  # an unfillable {alias.field}

# What samples/README.md says each bundle must show: the cause, and what it rules out.
BUNDLES = {
    "renewed-certificate": (
        "certificate-name-mismatch",
        [
            "tls-not-negotiated",
            "certificate-not-presented",
            "connector-missing",
            "connector-disabled",
            "connector-type-partner",
            "sender-ip-mismatch",
            "domain-not-accepted",
            "certificate-invalid",
        ],
    ),
    "ip-changed": (
        "sender-ip-mismatch",
        [
            "certificate-not-presented",
            "wrong-certificate-presented",
            "certificate-name-mismatch",
            "certificate-chain-incomplete",
            "certificate-invalid",
            "tls-not-negotiated",
            "domain-not-accepted",
        ],
    ),
    "attr36": ("domain-not-accepted", ["certificate-name-mismatch", "null-sender-needs-certificate"]),
}
RELATION_ANSWER_KEYS = {"egress_ip", "cert_trusted"}  # consumed by relations, not by rules


def test_pack_lints_clean():
    assert [p.one_line() for p in lint(PACKS)] == []


def test_every_cause_of_the_code_has_knowledge_and_rules():
    code = PACKS.codes["5.7.64"]
    assert set(code.causes) == {c for c, d in PACKS.causes.items() if d.code == "5.7.64"}
    for cause in code.causes:
        statuses = {r.status for r in PACKS.rules_for(cause)}
        assert {"ruled_out"} <= statuses and statuses & {"confirmed", "likely"}, cause


@pytest.mark.parametrize("case", BUILTIN_CASES, ids=[c.case for c in BUILTIN_CASES])
def test_case_passes_with_the_real_engine(case):
    result = run_case(case, PACKS, diagnose=diagnose)
    assert result.passed, result.message()


INLINE_CASES = [c for c in BUILTIN_CASES if len(c.facts) > 1]


@pytest.mark.parametrize("case", INLINE_CASES, ids=[c.case for c in INLINE_CASES])
def test_verdicts_do_not_depend_on_fact_order(case):
    """Negation runs after all evidence is in: shuffling the facts must not change a verdict."""
    facts = case_facts(case)
    runs = []
    for seed in range(4):
        shuffled = list(facts)
        random.Random(seed).shuffle(shuffled)
        report = diagnose(
            [str(p) for p in case.evidence],
            answers=dict(case.answers),
            extra_facts=shuffled,
            packs=PACKS,
            now=case.now_datetime,
        )
        runs.append({v.cause: (v.status, v.rules) for v in report.verdicts})
    assert all(r == runs[0] for r in runs)


def test_every_question_is_answerable():
    """An answer key a question offers must be read by some rule or relation, else answering
    the question changes nothing."""
    read_by_rules = set()
    for rule in PACKS.rules:
        for pattern in rule.patterns:
            if pattern.kind == "answer":
                read_by_rules.update(
                    t.value for t in pattern.field_tests() if t.field == "key" and t.op == "eq"
                )
    for cause in PACKS.causes.values():
        assert cause.question is not None, cause.cause
        key = cause.question.answers_with.split("=", 1)[0]
        assert key in read_by_rules | RELATION_ANSWER_KEYS, (cause.cause, key)
        assert cause.question.collect, cause.cause


def _values(test: FieldTest) -> tuple[str, frozenset] | None:
    """(kind of constraint, values) for tests whose set of allowed values is known."""
    if isinstance(test.value, Ref):
        return None
    if test.op == "eq":
        return "in", frozenset([test.value])
    if test.op == "in":
        return "in", frozenset(test.value)
    if test.op == "not_in":
        return "not_in", frozenset(test.value)
    if test.op == "missing":
        return "missing", frozenset()
    if test.op == "exists":
        return "exists", frozenset()
    return None


def _disjoint(pos: list[FieldTest], neg: list[FieldTest]) -> bool:
    """True when no fact can pass both test lists (checked field by field)."""
    for n in neg:
        nv = _values(n)
        if nv is not None and nv[0] == "exists":  # a field the positive pattern tests missing is absent
            if any(p.field == n.field and (_values(p) or ("",))[0] == "missing" for p in pos):
                return True
            continue
        if nv is not None and nv[0] == "missing":  # a field the positive pattern tests equal is present
            if any(p.field == n.field and (_values(p) or ("",))[0] == "in" for p in pos):
                return True
            continue
        if nv is None or nv[0] != "in":
            continue
        for p in pos:
            pv = _values(p)
            if p.field != n.field or pv is None:
                continue
            if (pv[0] == "in" and not pv[1] & nv[1]) or (pv[0] == "not_in" and nv[1] <= pv[1]):
                return True
            if pv[0] == "missing":
                return True
    return False


def _groups(pattern: Pattern) -> list[list[FieldTest]]:
    """The pattern's tests as alternatives: plain tests plus one group of each any_of."""
    plain = [t for t in pattern.tests if isinstance(t, FieldTest)]
    alternatives = [[]]
    for t in pattern.tests:
        if not isinstance(t, FieldTest):
            alternatives = [
                [*a, *(x for x in g if isinstance(x, FieldTest))] for a in alternatives for g in t.groups
            ]
    return [[*plain, *a] for a in alternatives]


@pytest.mark.parametrize("rule", [r for r in PACKS.rules if r.pack == "builtin"], ids=lambda r: r.id)
def test_negations_never_overlap_a_positive_pattern_of_the_same_kind(rule):
    """durable_rules binds distinct facts per rule: a negated pattern never sees the fact a
    positive pattern of the same rule matched, so an overlap would make the negation silently
    hold. Every negation must exclude the same-kind positive facts by some field."""
    for neg in rule.negations:
        for pos in rule.patterns:
            if pos.kind != neg.kind:
                continue
            neg_tests = [t for t in neg.tests if isinstance(t, FieldTest)]
            assert all(_disjoint(g, neg_tests) for g in _groups(pos)), (rule.id, pos.alias)


def _cli_diagnose(bundle: Path, now: str, tmp_path: Path) -> dict:
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path), "APPDATA": str(tmp_path), "NO_COLOR": "1"}
    argv = ["diagnose", str(bundle), "--format", "json", "--now", now]
    proc = subprocess.run(
        [sys.executable, "-m", "relaydoctor.engine", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize("bundle", sorted(BUNDLES))
def test_bundle_diagnosis_through_the_cli(bundle, tmp_path):
    cause, ruled_out = BUNDLES[bundle]
    report = _cli_diagnose(EXAMPLES / bundle, "2026-11-27T12:00:00Z", tmp_path)
    status = {v["cause"]: v["status"] for v in report["verdicts"]}
    assert status[cause] == "confirmed"
    assert [v["cause"] for v in report["verdicts"] if v["status"] == "confirmed"] == [cause]
    assert report["verdicts"][0]["cause"] == cause
    for other in ruled_out:
        assert status[other] == "ruled_out", other
    verdict = report["verdicts"][0]
    assert verdict["evidence"] and verdict["remediation"]
    commands = [c for step in verdict["remediation"] for c in step["commands"]]
    assert commands and not [c for c in commands if UNFILLED.search(c)]


def test_renewed_certificate_warns_about_attr36_before_the_connector_change(tmp_path):
    report = _cli_diagnose(EXAMPLES / "renewed-certificate", "2026-11-27T12:00:00Z", tmp_path)
    verdict = report["verdicts"][0]
    steps = verdict["remediation"]
    warning = next(i for i, s in enumerate(steps) if "ATTR36" in s["step"])
    assert "mail2026.contoso.net" in steps[warning]["step"]
    change = (
        "Set-InboundConnector -Identity 'Inbound from 5c1a4e1b-6a0e-4e2b-9f3d-2c7b8d9e0f11' "
        "-TlsSenderCertificateName 'mail2026.contoso.net'"
    )
    where = next(i for i, s in enumerate(steps) if change in s["commands"])
    assert warning < where
    assert any("Update Secure Mail Certificate" in s["step"] for s in steps)


def test_attr36_bundle_has_no_attr36_warning_step_for_a_name_that_matches(tmp_path):
    report = _cli_diagnose(EXAMPLES / "attr36", "2026-11-27T12:00:00Z", tmp_path)
    mismatch = next(v for v in report["verdicts"] if v["cause"] == "certificate-name-mismatch")
    assert mismatch["status"] == "ruled_out" and mismatch["remediation"] == []


def test_ip_changed_fix_adds_the_new_address_to_the_ip_connector(tmp_path):
    report = _cli_diagnose(EXAMPLES / "ip-changed", "2026-10-14T12:00:00Z", tmp_path)
    commands = [c for s in report["verdicts"][0]["remediation"] for c in s["commands"]]
    assert (
        "Set-InboundConnector -Identity 'Contoso on-premises relay (IP)' "
        "-SenderIPAddresses @{Add='198.51.100.77'}"
    ) in commands


@pytest.mark.parametrize("bundle", sorted(BUNDLES))
def test_example_bundles_are_the_shared_samples(samples, bundle):
    """The pack ships copies of the sample bundles: they must not drift from the originals."""
    ours, theirs = EXAMPLES / bundle, samples / "bundles" / bundle
    assert sorted(p.name for p in ours.iterdir()) == sorted(p.name for p in theirs.iterdir())
    for p in theirs.iterdir():
        assert filecmp.cmp(p, ours / p.name, shallow=False), p.name


STANDALONE = {
    "tls-unknown-credentials": ["send-logs/SEND20260902-1.LOG"],
    "expired-certificate-2017": [
        "send-logs/SEND20170306-1.LOG",
        *(f"certs/smtp.contoso.com-expired.{ext}" for ext in ("cer", "fullchain.pem", "p7b", "pem", "pfx")),
    ],
    "exchange2010-ndr": ["ndr/NDR-Exchange2010-5.7.64.pasted.txt"],
}


@pytest.mark.parametrize("example", sorted(STANDALONE))
def test_standalone_examples_are_the_shared_samples(samples, example):
    ours = EXAMPLES / example
    assert sorted(p.name for p in ours.iterdir()) == sorted(Path(s).name for s in STANDALONE[example])
    for rel in STANDALONE[example]:
        assert filecmp.cmp(samples / rel, ours / Path(rel).name, shallow=False), rel


def test_chain_example_is_the_leaf_and_root_without_the_intermediate(samples):
    made = EXAMPLES / "chain-missing-intermediate" / "mail.contoso.com-without-intermediate.pem"
    leaf = (samples / "certs" / "mail.contoso.com.pem").read_bytes()
    root = (samples / "certs" / "tailspin-trust-root-ca-r2.pem").read_bytes()
    assert made.read_bytes() == leaf + root


def test_references_are_the_domain_source_index_urls(samples):
    """Every link the built-in knowledge cites is one of DOMAIN.md §0's source URLs, or one of the
    pack's own addendum (knowledge/SOURCES-ADDENDUM.md, sources found for the field corpus), verbatim."""
    domain = samples.parent / "DOMAIN.md"
    if not domain.is_file():
        pytest.skip("DOMAIN.md is not beside the samples")
    index = domain.read_text(encoding="utf-8").split("\n## 1.", 1)[0]
    index += (Path(__file__).resolve().parents[2] / "knowledge" / "SOURCES-ADDENDUM.md").read_text("utf-8")
    urls = {r.url for c in PACKS.codes.values() for r in c.references}
    urls |= {r.url for c in PACKS.causes.values() for r in c.references}
    assert urls and sorted(u for u in urls if u not in index) == []
