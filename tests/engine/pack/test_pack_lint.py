"""Lint: every finding, each as path:line: message."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from packkit import (
    CAUSE,
    case_file,
    cause_file,
    code_file,
    has_error,
    lines_of,
    load,
    rule_file,
    rule_yaml,
    standard_pack,
    write,
)
from relaydoctor.engine.pack.lint import lint, lint_dirs
from relaydoctor.engine.pack.model import FieldTest, Pattern


def test_standard_pack_is_clean(tmp_path: Path) -> None:
    assert lines_of(lint(load(standard_pack(tmp_path / "p")))) == []


def test_patterns_that_can_never_fire(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    path = rule_file(
        root,
        "never",
        rule_yaml(
            "widget-broken.never",
            """
            - fact: smtp_session
              as: s
              where:
                connector: {missing: true}
                cert_sans: {missing: true}
                tls_error: {missing: true}
            - fact: inbound_connector
              as: c
              where:
                sender_domains: {exists: true}
                connector_type: OnPremises
            """,
        ),
    )
    findings = lint(load(root))
    assert has_error(findings, path, 10, "smtp_session.connector is never missing (it is always set)")
    assert has_error(findings, path, 11, "smtp_session.cert_sans is never missing (a list is always present")
    assert not has_error(findings, path, 12, "tls_error")  # optional: may be missing
    assert has_error(findings, path, 16, "inbound_connector.sender_domains always exists")


def test_unknown_field_and_contradiction_found_in_a_model_the_loader_did_not_build(tmp_path: Path) -> None:
    """A field a parser stopped producing (the fact model changed under a loaded pack)."""
    packs = load(standard_pack(tmp_path / "p"))
    rule = packs.rules[0]
    ghost = Pattern(
        "inbound_connector",
        "c",
        (
            FieldTest("colour", "eq", "blue", 8),
            FieldTest("name", "eq", "a", 8),
            FieldTest("name", "eq", "b", 8),
        ),
        line=7,
    )
    packs = dataclasses.replace(packs, rules=(dataclasses.replace(rule, when=(ghost,)), *packs.rules[1:]))
    findings = lint(packs)
    assert has_error(
        findings, rule.loc.path, 8, "inbound_connector has no field 'colour', so no parser produces it"
    )
    assert has_error(findings, rule.loc.path, 7, "inbound_connector.name cannot equal 'a' and 'b' at once")


def test_cause_findings(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    code_file(root, causes=(CAUSE, "lonely"))
    lonely = cause_file(
        root,
        "lonely",
        extra="""
        remediation:
          - step: Fix {z.name} for {answer.egress_ip}
            commands: ["Set-X {c.nope}"]
            only_if: zz
        """,
    )
    unlisted = cause_file(root, "unlisted")
    rule_file(
        root,
        "lonely-out",
        rule_yaml("lonely.out", "- fact: answer\n  as: c\n", cause="lonely", status="ruled_out"),
    )
    rule_file(root, "unlisted-yes", rule_yaml("unlisted.yes", "- fact: answer\n  as: a\n", cause="unlisted"))
    case_file(
        root,
        "lonely-1",
        "case: lonely-1\nfacts: [{kind: answer, key: k, value: v}]\nexpect: {lonely: ruled_out}\n",
    )
    findings = lint(load(root))
    assert has_error(findings, lonely, 1, "cause lonely: no confirmed or likely rule can conclude it")
    assert has_error(
        findings, lonely, 1, "cause lonely has no positive (confirmed or likely), no undetermined case"
    )
    assert has_error(findings, unlisted, 1, "cause unlisted is not listed in code 9.9.9's causes")
    assert has_error(findings, unlisted, 1, "cause unlisted has no cases in its pack")
    # placeholders and only_if are checked against the confirmed/likely rules of the cause
    rule_file(
        root, "lonely-yes", rule_yaml("lonely.yes", "- fact: inbound_connector\n  as: c\n", cause="lonely")
    )
    findings = lint(load(root))
    assert has_error(
        findings, lonely, 10, "placeholder {z.name} is not bound by any confirmed or likely rule"
    )
    # the alias is bound, the field does not exist: said so, not "not bound" (issue 14)
    # ... at the command's own line
    assert has_error(findings, lonely, 11, "placeholder {c.nope}: inbound_connector has no field 'nope'")
    assert not has_error(findings, lonely, None, "placeholder {c.nope} is not bound")
    assert not any("answer.egress_ip" in f.message for f in findings)
    assert has_error(findings, lonely, 10, "only_if 'zz' is not an alias of any confirmed or likely rule")


def test_recognition_findings(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    other = code_file(root, "8.8.8", (), recognize=(r"9\.9\.9 WIDGET", r"(\w+\s?)+ refused", r"(a|ab)*c"))
    # Issue 12: packs are linted when loaded; a pattern that could backtrack is refused at load
    # time (and so by lint_dirs), with its path:line.
    findings = lint_dirs([root], include_builtin=False, include_user_config=False)
    assert has_error(findings, other, 7, "could backtrack catastrophically: nested quantifiers")
    assert has_error(findings, other, 8, "could backtrack catastrophically")
    code_file(root, "8.8.8", (), recognize=(r"9\.9\.9 WIDGET",))
    findings = lint(load(root))
    # 8.8.8 loads first (file name order): the finding is on the later one, naming the first
    first = root / "knowledge" / "codes" / "9.9.9.yaml"
    assert has_error(
        findings,
        first,
        6,
        f"recognize pattern '9\\\\.9\\\\.9 Widget' is also a pattern of code 8.8.8 ({other}:6)",
    )
    assert has_error(findings, other, 1, "code 8.8.8 lists no causes")


def test_case_findings(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    path = case_file(
        root,
        "odd",
        f"""
        case: odd
        description: Nothing in it.
        expect:
          {CAUSE}: confirmed
          ghost-cause: ruled_out
        """,
    )
    findings = lint(load(root))
    assert has_error(findings, path, 5, "case odd: expects unknown cause 'ghost-cause'")
    assert has_error(findings, path, 1, "case odd gives no evidence, ndr, facts or answers")


def test_engine_limits_are_lint_findings(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    for i in range(61):
        rule_file(
            root,
            f"f{i}",
            rule_yaml(
                f"widget-broken.f{i}", f"- fact: smtp_session\n  as: s\n  where: {{sessions: {{gt: {i}}}}}\n"
            ),
        )
    findings = lint(load(root))
    assert any("could match 61 different patterns at once" in f.message for f in findings), lines_of(findings)


def test_findings_are_sorted_and_lint_dirs_reports_load_errors(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    write(root / "rules" / "9.9.9" / "broken.yaml", "id: [unclosed\n")
    findings = lint_dirs([root], include_builtin=False, include_user_config=False)
    assert len(findings) == 1 and findings[0].path == str(root / "rules" / "9.9.9" / "broken.yaml")
    clean = standard_pack(tmp_path / "q")
    assert lint_dirs([clean], include_builtin=False, include_user_config=False) == []


def test_lint_packs_works_after_the_lint_module_was_imported() -> None:
    """``engine.pack`` resolves ``lint`` lazily; once anything imports the module ``pack.lint``
    first, Python binds that module on the package, and ``from .pack import lint`` (how
    ``api.lint_packs`` read it) got the module: ``rules lint`` died with "'module' object is not
    callable" (exit 70) in such a process. A fresh interpreter, so the order is the test's."""
    import subprocess
    import sys

    code = (
        "import relaydoctor.engine.pack.lint\n"
        "from relaydoctor.engine import api\n"
        "print(len(api.lint_packs(api.load_packs())))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "0"
