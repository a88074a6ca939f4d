"""How firings become verdicts: precedence, conflicts, questions, templated remediation, scope,
and independence from fact order. Real packs (written to tmp_path), the real engine."""

from __future__ import annotations

import datetime as dt
import random
import textwrap
from pathlib import Path

import pytest
from relaydoctor.engine.api import diagnose, diagnose_evidence
from relaydoctor.engine.evidence.loader import load_evidence
from relaydoctor.engine.facts import InboundConnector, Provenance, Symptom
from relaydoctor.engine.pack import load_packs

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())


@pytest.fixture
def pack(tmp_path: Path):
    root = tmp_path / "pack"
    _write(root, "pack.yaml", 'id: t\nversion: "1"\nengine_format: 1\ndefault_code: "9.9.99"\n')
    _write(
        root,
        "knowledge/codes/9.9.99.yaml",
        r"""
        code: "9.9.99"
        title: Test reply
        summary: A code for tests.
        direction: relay_to_exo
        recognize: ['9\.9\.99 TEST']
        causes: [widget-broken, widget-missing]
        """,
    )
    for cause in ("widget-broken", "widget-missing"):
        _write(
            root,
            f"knowledge/causes/{cause}.yaml",
            f"""
            cause: {cause}
            code: "9.9.99"
            title: The {cause}
            explanation: Because.
            decided_by: [inbound_connector]
            question:
              id: q-{cause}
              ask: Is the {cause}?
              why: It decides {cause}.
              answers_with: "{cause.replace('-', '_')}=yes|no"
            remediation:
              - step: Fix the connector
                commands:
                  - "Set-InboundConnector -Identity {{c.name}} -Enabled $true"
              - step: Only with a symptom bound
                only_if: s
                commands: []
            verify: Look again.
            """,
        )
    rule = """
        id: {id}
        cause: widget-broken
        code: "9.9.99"
        status: {status}
        description: test rule
        message: "{msg}"
        when:
          - fact: inbound_connector
            as: c
            where: {where}
        {extra}
        """
    _write(root, "rules/9.9.99/confirm.yaml", rule.format(
        id="wb.confirmed", status="confirmed", msg="{c.name} is off", where="{enabled: false}", extra="")
        .rstrip(" ") + "        references: ['https://example.test/rule-reference']\n")
    _write(root, "rules/9.9.99/confirm-with-symptom.yaml", rule.format(
        id="wb.confirmed-symptom", status="confirmed", msg="{c.name} is off and {s.code} seen",
        where="{enabled: false}",
        extra='  - fact: symptom\n            as: s\n            where: {code: "9.9.99"}'))
    _write(root, "rules/9.9.99/likely.yaml", rule.format(
        id="wb.likely", status="likely", msg="{c.name} may be off",
        where="{connector_type: Partner}", extra=""))
    _write(root, "rules/9.9.99/ruled-out.yaml", rule.format(
        id="wb.ruled-out", status="ruled_out", msg="{c.name} is named ok", where="{name: ok}", extra=""))
    for cause in ("widget-broken", "widget-missing"):  # the answer each question asks for is read
        key = cause.replace("-", "_")
        for value, status in (("yes", "likely"), ("no", "ruled_out")):
            _write(root, f"rules/9.9.99/{cause}-answer-{value}.yaml", f"""
                id: {cause}.answer-{value}
                cause: {cause}
                code: "9.9.99"
                status: {status}
                description: The admin says so.
                when:
                  - fact: answer
                    as: a
                    where: {{key: {key}, value: "{value}"}}
                """)
    return load_packs([str(root)], include_builtin=False, include_user_config=False)


def _connector(name: str, **kw) -> InboundConnector:
    return InboundConnector(name=name, provenance=Provenance("inline", 1, name), **kw)


def _symptom() -> Symptom:
    return Symptom(code="9.9.99", text="550 9.9.99 TEST", provenance=Provenance("ndr.txt", 3))


def _status(report, cause: str) -> str:
    return next(v.status for v in report.verdicts if v.cause == cause)


def test_nothing_decides_gives_undetermined_and_the_question(pack) -> None:
    report = diagnose([], extra_facts=[_symptom()], packs=pack, now=NOW)
    assert {v.status for v in report.verdicts} == {"undetermined"}
    assert sorted(q.id for q in report.questions) == ["q-widget-broken", "q-widget-missing"]


def test_confirmed_verdict_fills_commands_quoted_and_honours_only_if(pack) -> None:
    hostile = "x'; Remove-Item -Recurse C:\\ #"
    report = diagnose([], extra_facts=[_connector(hostile, enabled=False)], packs=pack, now=NOW)
    verdict = report.verdicts[0]
    assert (verdict.cause, verdict.status) == ("widget-broken", "confirmed")
    assert verdict.summary == f"{hostile} is off"
    commands = [c for step in verdict.remediation for c in step.commands]
    assert commands == ["Set-InboundConnector -Identity 'x''; Remove-Item -Recurse C:\\ #' -Enabled $true"]
    assert [s.step for s in verdict.remediation] == ["Fix the connector", "Verify: Look again."]
    assert "q-widget-broken" not in {q.id for q in report.questions}
    assert verdict.evidence[0].source == "inline:1"
    assert "https://example.test/rule-reference" in verdict.references


def test_the_most_specific_firing_supplies_names_and_only_if_steps(pack) -> None:
    report = diagnose([], extra_facts=[_connector("c1", enabled=False), _symptom()], packs=pack, now=NOW)
    verdict = report.verdicts[0]
    assert verdict.summary == "c1 is off and 9.9.99 seen"
    assert "Only with a symptom bound" in [s.step for s in verdict.remediation]
    assert set(verdict.rules) == {"wb.confirmed", "wb.confirmed-symptom"}


def test_likely_keeps_the_question(pack) -> None:
    report = diagnose([], extra_facts=[_connector("p", connector_type="Partner")], packs=pack, now=NOW)
    assert _status(report, "widget-broken") == "likely"
    assert "q-widget-broken" in {q.id for q in report.questions}


def test_confirmed_beats_ruled_out_and_the_conflict_is_noted(pack) -> None:
    report = diagnose([], extra_facts=[_connector("ok", enabled=False)], packs=pack, now=NOW)
    assert _status(report, "widget-broken") == "confirmed"
    assert any("wb.ruled-out" in n and "concluded otherwise" in n for n in report.notes)


def test_agreeing_rules_are_not_a_conflict(pack) -> None:
    facts = [_connector("c1", enabled=False, connector_type="Partner")]
    report = diagnose([], extra_facts=facts, packs=pack, now=NOW)
    assert _status(report, "widget-broken") == "confirmed"
    assert not any("concluded otherwise" in n for n in report.notes)


def test_without_symptoms_the_default_code_is_diagnosed(pack) -> None:
    report = diagnose([], extra_facts=[_connector("ok")], packs=pack, now=NOW)
    assert report.symptoms == [] and {v.code for v in report.verdicts} == {"9.9.99"}


def test_a_reply_whose_code_no_pack_knows_is_not_taken_for_the_default_code(pack) -> None:
    """"504 5.7.4 ..." is evidence of 5.7.4, not of the default code: no verdicts, a note naming it,
    and a next step that is not a question about the default code's causes."""
    other = Symptom(provenance=Provenance("app.log", 2, "504 5.7.4"), code="5.7.4",
                    text="504 5.7.4 Unrecognized authentication type")
    report = diagnose([], extra_facts=[other, _connector("ok")], packs=pack, now=NOW)
    assert report.verdicts == [] and report.questions == []
    assert any(n.startswith("5.7.4 is not a code the loaded packs know") for n in report.notes)
    assert report.next_steps and all(s.kind == "collect" for s in report.next_steps)


def test_verdicts_are_sorted_by_status(pack) -> None:
    report = diagnose([], extra_facts=[_connector("ok")], packs=pack, now=NOW)
    assert [(v.cause, v.status) for v in report.verdicts] == [
        ("widget-missing", "undetermined"),
        ("widget-broken", "ruled_out"),
    ]


def test_answers_become_facts_and_sources(pack) -> None:
    report = diagnose([], extra_facts=[_symptom()], answers={"widget_broken": "yes"}, packs=pack, now=NOW)
    assert any(s.source == "--answer" and s.facts == 1 for s in report.evidence)
    assert any(f.KIND == "answer" and f.value == "yes" for f in report.facts)


@pytest.mark.parametrize("bundle", ["renewed-certificate", "ip-changed", "attr36"])
def test_fact_order_never_changes_the_verdicts(samples: Path, bundle: str) -> None:
    """DESIGN §4: shuffling the same facts must give identical verdicts."""
    packs = load_packs(include_user_config=False)
    evidence = load_evidence([str(samples / "bundles" / bundle)])
    baseline = diagnose_evidence(evidence, packs=packs, now=NOW)
    expected = [(v.cause, v.status, v.summary, v.remediation) for v in baseline.verdicts]
    rng = random.Random(bundle)
    for _ in range(5):
        rng.shuffle(evidence.facts)
        again = diagnose_evidence(evidence, packs=packs, now=NOW)
        assert [(v.cause, v.status, v.summary, v.remediation) for v in again.verdicts] == expected


SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "samples"


@pytest.mark.parametrize(("inputs", "answers"), [
    (["bundles/renewed-certificate"], {}), (["bundles/attr36"], {}), (["bundles/ip-changed"], {}),
    (["ndr/NDR-4.4.62-ATTR35-delay.pasted.txt", "cmdlets"], {}),
    (["bundles/ip-changed"], {"egress_ip": "203.0.113.9"}), (["bundles/attr36"], {"cert_trusted": "no"}),
])
def test_running_only_the_codes_in_scope_changes_no_report(inputs, answers):
    """Issue 11 latency: the engine registers and runs only the rules of the codes a symptom names
    whose fact kinds are all present and whose literal tests some fact passes (trying an answer
    reuses them when they hold every rule it could fire). The same report must come out as when
    every rule runs."""
    from relaydoctor.engine import api, diagnosis
    from relaydoctor.engine.session import get_engine

    packs = api.load_packs(cached=True)
    ruleset = api._compiled(packs)
    evidence = load_evidence([str(SAMPLES / i) for i in inputs])
    seen: list[int] = []

    def every_rule(subset, facts):
        seen.append(len(subset.rules))
        wanted = {r.id for r in subset.rules}
        firings = get_engine().run(ruleset, [f.to_engine() for f in facts])
        return [f for f in firings if f.rule_id in wanted]  # what the subset itself must have fired

    def all_rules_judged(subset, facts):
        return get_engine().run(ruleset, [f.to_engine() for f in facts])

    scoped = diagnose_evidence(evidence, packs=packs, answers=answers, now=NOW)
    filtered = diagnosis.build_report(evidence, ruleset, packs, every_rule, answers=answers, now=NOW)
    unfiltered = diagnosis.build_report(evidence, ruleset, packs, all_rules_judged, answers=answers, now=NOW)
    assert seen and max(seen) < len(ruleset.rules)  # a subset really ran
    assert scoped.to_json() == filtered.to_json() == unfiltered.to_json()
