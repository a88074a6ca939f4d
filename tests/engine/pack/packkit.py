"""Helpers that write small pack directories for the pack tests (imported by them)."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from relaydoctor.engine.errors import PackError, PackErrors
from relaydoctor.engine.facts import Provenance, fact_from_dict
from relaydoctor.engine.pack import Packs, load_pack_dirs

CODE = "9.9.9"
CAUSE = "widget-broken"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def manifest(root: Path, pack_id: str = "t", extra: str = "") -> Path:
    return write(
        root / "pack.yaml",
        f'id: {pack_id}\nversion: "1.0.0"\nengine_format: 1\ndescription: test pack\n'
        + textwrap.dedent(extra),
    )


def code_file(
    root: Path, code: str = CODE, causes: Sequence[str] = (CAUSE,), recognize: Sequence[str] = ()
) -> Path:
    pats = recognize or (code.replace(".", r"\.") + " Widget",)
    lines = "".join(f"  - '{p}'\n" for p in pats)
    return write(
        root / "knowledge" / "codes" / f"{code}.yaml",
        f'code: "{code}"\ntitle: Widget refused\nsummary: A test code.\ndirection: relay_to_exo\n'
        f"recognize:\n{lines}causes: [{', '.join(causes)}]\n",
    )


def cause_file(root: Path, cause: str = CAUSE, code: str = CODE, extra: str = "") -> Path:
    return write(
        root / "knowledge" / "causes" / f"{cause}.yaml",
        f'cause: {cause}\ncode: "{code}"\ntitle: The widget is broken\nexplanation: Because it is.\n'
        "decided_by: [inbound_connector]\n"
        'question: {id: widget, ask: "Is the widget broken?",\n'
        "  why: It matters}\n" + textwrap.dedent(extra),
    )


def rule_file(root: Path, name: str, body: str, *, code: str = CODE) -> Path:
    return write(root / "rules" / code / f"{name}.yaml", body)


def case_file(root: Path, name: str, body: str, *, code: str = CODE) -> Path:
    return write(root / "rules" / code / "cases" / f"{name}.yaml", body)


def rule_yaml(
    rule_id: str,
    when: str,
    *,
    cause: str = CAUSE,
    status: str = "confirmed",
    code: str = CODE,
    extra: str = "",
) -> str:
    """A rule file; ``when`` is the YAML list under ``when:`` (any indentation)."""
    when_block = textwrap.indent(textwrap.dedent(when).strip("\n"), "  ")
    return (
        f'id: {rule_id}\ncause: {cause}\ncode: "{code}"\nstatus: {status}\n'
        f"description: Test rule {rule_id}.\nwhen:\n{when_block}\n{textwrap.dedent(extra)}"
    )


def standard_pack(root: Path, pack_id: str = "t", prefix: str = "") -> Path:
    """A complete, lint-clean pack: one code, one cause, a confirmed and a ruled-out rule, and a
    positive, a ruled-out and an undetermined case. ``prefix`` renames every id."""
    code = f"{prefix}9.9.9" if prefix else CODE
    cause = f"{prefix}{CAUSE}"
    manifest(root, pack_id)
    code_file(root, code, (cause,))
    cause_file(
        root,
        cause,
        code,
        extra="""
        remediation:
          - step: Enable {c.name}.
            commands: ["Set-InboundConnector -Identity {c.name} -Enabled $true"]
        verify: The next session is accepted.
        references: ["https://learn.microsoft.com/"]
        """,
    )
    rule_file(
        root,
        f"{cause}.confirmed",
        rule_yaml(
            f"{cause}.confirmed",
            """
            - fact: inbound_connector
              as: c
              where: {enabled: false, connector_type: OnPremises}
            """,
            cause=cause,
            code=code,
            extra='message: "{c.name} is disabled"\n',
        ),
        code=code,
    )
    rule_file(
        root,
        f"{cause}.ruled-out",
        rule_yaml(
            f"{cause}.ruled-out",
            """
            - fact: inbound_connector
              as: c
              where: {enabled: true, connector_type: OnPremises}
            """,
            cause=cause,
            status="ruled_out",
            code=code,
        ),
        code=code,
    )
    for name, enabled, status in (("positive", "false", "confirmed"), ("negative", "true", "ruled_out")):
        case_file(
            root,
            f"{cause}-{name}",
            f"""
            case: {cause}-{name}
            description: The connector is {"disabled" if enabled == "false" else "enabled"}.
            facts:
              - {{kind: symptom, code: "{code}", text: "550 {code} Widget refused"}}
              - {{kind: inbound_connector, name: Inbound from X, enabled: {enabled},
                 connector_type: OnPremises}}
            expect:
              {cause}: {status}
            """,
            code=code,
        )
    case_file(
        root,
        f"{cause}-unknown",
        f"""
        case: {cause}-unknown
        description: No connector export.
        facts:
          - {{kind: symptom, code: "{code}", text: "550 {code} Widget refused"}}
        expect:
          {cause}: undetermined
        """,
        code=code,
    )
    return root


def load(*dirs: Path) -> Packs:
    return load_pack_dirs(list(dirs))


def load_errors(*dirs: Path) -> list[PackError]:
    """The errors loading ``dirs`` raises (fails the test when it loads)."""
    try:
        load_pack_dirs(list(dirs))
    except PackErrors as exc:
        return list(exc.errors)
    raise AssertionError("expected the packs to fail loading")


def lines_of(errors: Sequence[PackError]) -> list[str]:
    return [e.one_line() for e in errors]


def has_error(errors: Sequence[PackError], path: Path | str, line: int | None, fragment: str) -> bool:
    return any(
        e.path == str(path) and (line is None or e.line == line) and fragment in e.message for e in errors
    )


def engine_facts(*facts: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Engine fact dicts built through the real fact model (so they are valid facts)."""
    return [fact_from_dict(dict(f), Provenance("test")).to_engine() for f in facts]


def fired_rules(ruleset: Any, facts: Sequence[Mapping[str, Any]]) -> list[str]:
    """Ids of the rules that fired (in rule order, once per firing) through the real engine."""
    from relaydoctor.engine.session import get_engine

    return [f.rule_id for f in get_engine().run(ruleset, engine_facts(*facts))]
