"""A remediation step's ``for_each: alias.field``: its commands once per element of a list field,
through the real loader, lint, engine and diagnosis (packs written by ``packkit``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from packkit import CAUSE, CODE, cause_file, has_error, load, load_errors, standard_pack
from relaydoctor.engine.api import diagnose
from relaydoctor.engine.facts import Provenance, fact_from_dict
from relaydoctor.engine.pack.lint import lint

NOW = dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC)


def for_each_pack(root: Path, for_each: str = "c.sender_ip_addresses") -> Path:
    standard_pack(root)
    cause_file(
        root,
        extra=f"""
        remediation:
          - step: Allow each address of {{c.name}}.
            for_each: {for_each}
            commands: ["Add-Allowed -Connector {{c.name}} -Address {{c.sender_ip_addresses}}"]
          - step: Enable {{c.name}}.
            commands: ["Set-InboundConnector -Identity {{c.name}} -Enabled $true"]
        verify: The next session is accepted.
        """,
    )
    return root


def run(root: Path, ips: list[str], name: str = "Inbound A"):
    facts = [
        fact_from_dict(
            {"kind": "symptom", "code": CODE, "text": f"550 {CODE} Widget refused"}, Provenance("ndr.txt")
        ),
        fact_from_dict(
            {"kind": "inbound_connector", "name": name, "enabled": False, "connector_type": "OnPremises",
             "sender_ip_addresses": ips},
            Provenance("Get-InboundConnector.txt", 3),
        ),
    ]
    report = diagnose([], extra_facts=facts, packs=load(root), now=NOW)
    return next(v for v in report.verdicts if v.cause == CAUSE)


def test_commands_repeat_per_element_each_quoted_alone(tmp_path: Path) -> None:
    verdict = run(for_each_pack(tmp_path / "p"), ["192.0.2.1", "192.0.2.2"], name="O'Brien relay")
    steps = verdict.remediation
    assert steps[0].commands == (
        "Add-Allowed -Connector 'O''Brien relay' -Address '192.0.2.1'",
        "Add-Allowed -Connector 'O''Brien relay' -Address '192.0.2.2'",
    )
    # the step text and the other steps still see the whole list / the fact as it is
    assert steps[1].commands == ("Set-InboundConnector -Identity 'O''Brien relay' -Enabled $true",)


def test_an_empty_list_hides_the_step(tmp_path: Path) -> None:
    verdict = run(for_each_pack(tmp_path / "p"), [])
    assert [s.commands for s in verdict.remediation if s.commands] == [
        ("Set-InboundConnector -Identity 'Inbound A' -Enabled $true",)
    ]


def test_a_hostile_element_is_never_pasted(tmp_path: Path) -> None:
    verdict = run(for_each_pack(tmp_path / "p"), ["192.0.2.1", "x\n; Remove-Item C:\\"])
    first = verdict.remediation[0]
    assert first.commands[0] == "Add-Allowed -Connector 'Inbound A' -Address '192.0.2.1'"
    assert "Remove-Item" not in first.commands[1] and "<c.sender_ip_addresses>" in first.commands[1]


def test_lint_refuses_a_for_each_over_a_field_that_is_not_a_list(tmp_path: Path) -> None:
    root = for_each_pack(tmp_path / "p", for_each="c.name")
    found = [str(e) for e in lint(load(root))]
    assert any("for_each 'c.name'" in e and "not a list field" in e for e in found), found


def test_lint_refuses_an_alias_no_rule_binds(tmp_path: Path) -> None:
    root = for_each_pack(tmp_path / "p", for_each="x.servers")
    found = [str(e) for e in lint(load(root))]
    assert any("for_each 'x.servers'" in e and "binds no 'x'" in e for e in found), found


def test_a_for_each_that_is_not_alias_field_is_a_load_error(tmp_path: Path) -> None:
    root = for_each_pack(tmp_path / "p", for_each="servers")
    errors = load_errors(root)
    assert has_error(errors, root / "knowledge" / "causes" / f"{CAUSE}.yaml", None, "is not alias.field")


def test_the_brief_text_report_shows_some_commands_of_a_long_step(tmp_path: Path) -> None:
    """A for_each over 300 addresses: the brief report (one screen) shows ten and says how many
    more --verbose shows; --verbose and the JSON keep all 300."""
    from relaydoctor.engine.report.text import render_text

    ips = [f"198.51.100.{i % 250}" if i < 250 else f"203.0.113.{i - 250}" for i in range(300)]
    facts = [
        fact_from_dict(
            {"kind": "symptom", "code": CODE, "text": f"550 {CODE} Widget refused"}, Provenance("ndr.txt")
        ),
        fact_from_dict(
            {"kind": "inbound_connector", "name": "Inbound A", "enabled": False,
             "connector_type": "OnPremises", "sender_ip_addresses": ips},
            Provenance("Get-InboundConnector.txt", 3),
        ),
    ]
    report = diagnose([], extra_facts=facts, packs=load(for_each_pack(tmp_path / "p")), now=NOW)
    brief = render_text(report)
    assert brief.count("Add-Allowed") == 10 and "(+290 more commands: add --verbose)" in brief
    assert render_text(report, verbose=True).count("Add-Allowed") == 300
    verdict = next(v for v in report.verdicts if v.cause == CAUSE)
    assert len(verdict.to_json()["remediation"][0]["commands"]) == 300


def test_explain_says_the_commands_repeat_per_element(tmp_path: Path) -> None:
    """``relaydoctor explain CAUSE`` shows the templates: without a word, ``-Address
    {c.sender_ip_addresses}`` reads as one command for the whole list."""
    from relaydoctor.engine.report.knowledge import explain_cause

    text = explain_cause(load(for_each_pack(tmp_path / "p")), CAUSE)
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if "Allow each address" in line)
    assert lines[at + 1].strip() == "(once per element of c.sender_ip_addresses; none when it is empty)"
    assert "Add-Allowed" in lines[at + 2]
    enable = next(i for i, line in enumerate(lines) if "Enable {c.name}" in line)
    assert "once per element" not in lines[enable + 1]
