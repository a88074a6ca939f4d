"""Loading packs: layout, validation errors (all at once, path:line), collisions, overrides."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from packkit import (
    CAUSE,
    case_file,
    cause_file,
    code_file,
    has_error,
    lines_of,
    load,
    load_errors,
    manifest,
    rule_file,
    rule_yaml,
    standard_pack,
    write,
)
from relaydoctor.engine.errors import PackErrors
from relaydoctor.engine.pack import compile_packs, load_packs, user_pack_dirs
from relaydoctor.engine.pack import loader as loader_mod
from relaydoctor.engine.pack.model import AnyOf, FieldTest, Ref
from relaydoctor.engine.regex_probe import probe


def test_standard_pack_loads_into_the_typed_model(tmp_path: Path) -> None:
    packs = load(standard_pack(tmp_path / "p"))
    assert [p.id for p in packs.packs] == ["t"] and packs.packs[0].version == "1.0.0"
    rule = next(r for r in packs.rules if r.status == "confirmed")
    assert rule.id == "widget-broken.confirmed" and rule.cause == CAUSE and rule.code == "9.9.9"
    assert rule.loc.path == str(tmp_path / "p" / "rules" / "9.9.9" / "widget-broken.confirmed.yaml")
    assert rule.loc.line == 1 and rule.source.endswith("widget-broken.confirmed.yaml:1")
    (pattern,) = rule.patterns
    assert pattern.kind == "inbound_connector" and pattern.alias == "c" and pattern.line == 7
    assert pattern.tests == (
        FieldTest("enabled", "eq", False, 9),
        FieldTest("connector_type", "eq", "OnPremises", 9),
    )
    assert rule.evidence == ("c",)  # default: every positive alias
    code = packs.codes["9.9.9"]
    assert code.causes == (CAUSE,) and code.direction == "relay_to_exo" and code.recognize_lines == (6,)
    cause = packs.causes[CAUSE]
    assert cause.question is not None and cause.question.id == "widget"
    assert cause.remediation[0].commands == ("Set-InboundConnector -Identity {c.name} -Enabled $true",)
    assert cause.references[0].url == "https://learn.microsoft.com/"
    assert {c.case for c in packs.cases} == {f"{CAUSE}-positive", f"{CAUSE}-negative", f"{CAUSE}-unknown"}
    case = next(c for c in packs.cases if c.case.endswith("positive"))
    assert case.expect == {CAUSE: "confirmed"} and len(case.facts) == 2
    assert case.facts[1].data["name"] == "Inbound from X" and case.facts[1].line == 5
    assert case.now == "2026-11-27T12:00:00Z" and case.now_datetime.tzinfo is not None


def test_where_forms(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    rule_file(
        root,
        "forms",
        rule_yaml(
            "widget-broken.forms",
            """
            - fact: smtp_session
              as: s
              where:
                to_eop: true
                sessions: {gte: 2, lt: 10}
                outcome: {in: [rejected, mixed]}
                tls: {not_in: [failed]}
                cert_cn: {matches: 'mail\\d+\\.contoso\\.com'}
                remote_host: {imatches: '.*outlook.*'}
                cert_sans: {contains: mail.contoso.com}
                tls_error: {missing: true}
                ehlo_client_ip: {exists: true}
                connector: {ne: Default}
                any_of:
                  - {null_sender: true}
                  - {mail_from_domain: contoso.com, rcpt_rejected: {gt: 0}}
            - fact: cert_attribution
              as: m
              where:
                thumbprint: {ref: s.cert_thumbprint}
                cn: {ne: {ref: s.cert_cn}}
            """,
        ),
    )
    rule = next(r for r in load(root).rules if r.id == "widget-broken.forms")
    s, m = rule.patterns
    ops = {(t.field, t.op): t for t in s.tests if isinstance(t, FieldTest)}
    assert ops[("sessions", "gte")].value == 2 and ops[("sessions", "lt")].value == 10
    assert ops[("outcome", "in")].value == ("rejected", "mixed")
    assert ops[("cert_cn", "matches")].engine_regex == "mail%d+%.contoso%.com"
    assert ops[("cert_sans", "contains")].value == "mail.contoso.com"
    assert ops[("tls_error", "missing")].value is None
    (any_of,) = [t for t in s.tests if isinstance(t, AnyOf)]
    assert len(any_of.groups) == 2 and len(any_of.groups[1]) == 2
    assert m.tests == (
        FieldTest("thumbprint", "eq", Ref("s", "cert_thumbprint"), m.tests[0].line),
        FieldTest("cn", "ne", Ref("s", "cert_cn"), m.tests[1].line),
    )


def test_every_validation_error_in_one_run(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    bad = rule_file(
        root,
        "bad",
        """
        id: Bad Id
        cause: no-such-cause
        code: "9.9.9"
        status: maybe
        description: Broken on purpose.
        message: "{zz.name} and {s.nope}"
        when:
          - not:
              fact: answer
          - fact: smtp_sesion
            as: x
          - fact: smtp_session
            as: s
            where:
              colour: blue
              tls: sideways
              sessions: "3"
              to_eop: {gt: 1}
              outcome: {in: rejected}
              cert_cn: {matches: '^mail$'}
              remote_host: {matches: '(?i)x'}
              connector: {between: 1}
              tls_error: {exists: false}
              cert_sans: mail.contoso.com
              reject_code: {ref: later.code}
              reject_attr: {ref: nobody.attr}
          - fact: symptom
            as: s
          - fact: symptom
            as: later
            where:
              code: {ref: s.nope}
              any_of:
                - {text: {ref: s.connector}}
        evidence: [s, ghost]
        """,
    )
    errors = load_errors(root)
    expected = [
        (1, "'id' 'Bad Id' is not an id"),
        (1, "cause 'no-such-cause' is not defined by any loaded pack"),
        (4, "status 'maybe' must be one of: confirmed, likely, ruled_out"),
        (6, "no alias 'zz' in this rule"),
        (6, "smtp_session has no field 'nope'"),
        (8, "a `not:` pattern cannot come first"),
        (10, "unknown fact kind 'smtp_sesion' (did you mean 'smtp_session'?)"),
        (15, "smtp_session has no field 'colour'"),
        (16, "'sideways' is not a value of smtp_session.tls"),
        (17, "smtp_session.sessions is an integer, not text '3'"),
        (18, "gt compares integers only"),
        (19, "in takes a non-empty list"),
        (20, "matching is anchored"),
        (21, "(?...) groups"),
        (22, "unknown operator 'between'"),
        (23, "write {exists: true}"),
        (24, "smtp_session.cert_sans is a list"),
        (25, "alias 'later' is defined later"),
        (26, "unknown alias 'nobody'"),
        (28, "duplicate alias 's'"),
        (32, "smtp_session has no field 'nope'"),
        (34, "inside any_of is not supported"),
        (35, "evidence names 'ghost'"),
    ]
    for line, fragment in expected:
        assert has_error(errors, bad, line, fragment), (line, fragment, lines_of(errors))
    assert all(e.path == str(bad) for e in errors), lines_of(errors)


def test_knowledge_and_case_errors(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    code = write(
        root / "knowledge" / "codes" / "1.2.3.yaml",
        """
        code: "1.2.3"
        title: Other
        direction: sideways
        recognize: ['(unclosed']
        causes: [ghost-cause]
        references: ["ftp://x", {title: t}]
        colour: red
        """,
    )
    cause = write(
        root / "knowledge" / "causes" / "other.yaml",
        """
        cause: other
        code: "4.5.6"
        title: T
        explanation: E
        decided_by: [certificat]
        remediation:
          - step: Do {answer.BadKey}
            only_if: NotAnAlias
        """,
    )
    case = case_file(
        root,
        "bad-case",
        """
        case: bad-case
        evidence: [../../../../outside.txt, missing-dir]
        ndr: 550
        facts:
          - {kind: inbound_connectr, name: x}
          - {kind: inbound_connector, name: x, enabled: "yes", auth: magic, colour: red}
          - {kind: inbound_connector, enabled: true}
        answers: {Bad: 1, egress_ip: [1]}
        now: yesterday
        expect:
          widget-broken: sure
        """,
    )
    (tmp_path / "outside.txt").write_text("x")
    errors = load_errors(root)
    for path, line, fragment in [
        (code, 3, "direction 'sideways'"),
        (code, 4, "bad regex '(unclosed'"),
        (code, 5, "lists cause 'ghost-cause', but no pack has knowledge/causes/ghost-cause.yaml"),
        (code, 6, "'ftp://x' is not an http(s) URL"),
        (code, 7, "unknown key 'colour' in a code"),
        (cause, 1, "code '4.5.6' is not defined"),
        (cause, 5, "unknown fact kind 'certificat'"),
        (cause, 7, "answer keys are"),
        (cause, 8, "'only_if' 'NotAnAlias' is not an alias"),
        (case, 2, "is outside the pack"),
        (case, 2, "'missing-dir' does not exist"),
        (case, 3, "ndr must be text"),
        (case, 5, "needs kind: one of the fact kinds"),
        (case, 6, "inbound_connector.enabled is true or false, not text 'yes'"),
        (case, 6, "'magic' is not a value of inbound_connector.auth"),
        (case, 6, "inbound_connector has no field 'colour'"),
        (case, 7, "an inline inbound_connector fact needs the field 'name'"),
        (case, 8, "answer key 'Bad'"),
        (case, 8, "answer 'egress_ip' must be text"),
        (case, 9, "not an ISO 8601 time"),
        (case, 11, "status 'sure' must be one of"),
    ]:
        assert has_error(errors, path, line, fragment), (path.name, line, fragment, lines_of(errors))


def test_rule_whose_code_is_unknown_or_differs_from_its_cause(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    code_file(root, "7.7.7", (), recognize=("7\\.7\\.7",))
    r1 = rule_file(root, "a", rule_yaml("widget-broken.a", "- fact: symptom\n  as: s\n", code="8.8.8"))
    r2 = rule_file(root, "b", rule_yaml("widget-broken.b", "- fact: symptom\n  as: s\n", code="7.7.7"))
    errors = load_errors(root)
    assert has_error(errors, r1, 1, "code '8.8.8' is not defined by any loaded pack")
    assert has_error(errors, r2, 1, "code '7.7.7' is neither cause widget-broken's code '9.9.9' nor a code")


def test_collisions_name_both_files(tmp_path: Path) -> None:
    a = standard_pack(tmp_path / "a", "pa")
    b = standard_pack(tmp_path / "b", "pa")
    errors = load_errors(a, b)
    for sub, what in [
        ("pack.yaml", "pack id 'pa'"),
        ("rules/9.9.9/widget-broken.confirmed.yaml", "rule 'widget-broken.confirmed'"),
        ("knowledge/codes/9.9.9.yaml", "code '9.9.9'"),
        ("knowledge/causes/widget-broken.yaml", "cause 'widget-broken'"),
        ("rules/9.9.9/cases/widget-broken-positive.yaml", "case 'widget-broken-positive'"),
    ]:
        first, second = a / sub, b / sub
        assert any(
            e.path == str(second) and what in e.message and f"{first}:1" in e.message for e in errors
        ), (what, lines_of(errors))


def test_distinct_packs_load_together_and_same_dir_twice_is_loaded_once(tmp_path: Path) -> None:
    a = standard_pack(tmp_path / "a", "pa")
    b = standard_pack(tmp_path / "b", "pb", prefix="x")
    packs = load(a, b, a)
    assert [p.id for p in packs.packs] == ["pa", "pb"]
    assert set(packs.codes) == {"9.9.9", "x9.9.9"} and len(packs.rules) == 4


def test_newer_engine_format_is_a_clear_error(tmp_path: Path) -> None:
    root = tmp_path / "p"
    write(root / "pack.yaml", 'id: future\nversion: "9.0"\nengine_format: 2\n')
    rule_file(root, "junk", "this: [is not even a rule\n")  # not read: the format is unknown
    (error,) = load_errors(root)
    assert error.path == str(root / "pack.yaml") and error.line == 1
    assert "needs engine_format 2" in error.message and "upgrade relaydoctor" in error.message


def test_manifest_errors(tmp_path: Path) -> None:
    root = tmp_path / "p"
    write(root / "pack.yaml", "id: x\nversion: 1.0\nengine_format: one\nfoo: 1\n")
    errors = load_errors(root)
    assert has_error(
        errors, root / "pack.yaml", 2, "'version' must be text, not a number with a fraction (quote it)"
    )
    assert has_error(errors, root / "pack.yaml", 3, "engine_format must be a positive integer")
    assert has_error(errors, root / "pack.yaml", 4, "unknown key 'foo' in pack.yaml")


def test_missing_manifest_and_missing_dir(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    errors = load_errors(tmp_path / "empty", tmp_path / "nowhere")
    assert has_error(errors, tmp_path / "empty", None, "not a pack: pack.yaml is missing")
    assert has_error(errors, tmp_path / "nowhere", None, "pack directory not found")


def test_overrides_are_explicit_and_listed(tmp_path: Path) -> None:
    base = standard_pack(tmp_path / "base", "base")
    local = tmp_path / "local"
    manifest(
        local,
        "local",
        """
        overrides:
          disable_rules: [widget-broken.ruled-out]
          knowledge:
            widget-broken: {title: "Our widget title", verify: "Ask Bob."}
        """,
    )
    packs = load(base, local)
    assert [r.id for r in packs.rules] == ["widget-broken.confirmed"]
    assert [r.id for r in packs.disabled] == ["widget-broken.ruled-out"]
    assert packs.causes[CAUSE].title == "Our widget title" and packs.causes[CAUSE].verify == "Ask Bob."
    assert packs.causes[CAUSE].explanation == "Because it is."
    assert packs.overrides == (
        "pack local disables rule widget-broken.ruled-out (from pack base)",
        "pack local replaces the title of cause widget-broken (from pack base)",
        "pack local replaces the verify of cause widget-broken (from pack base)",
    )
    assert [r.id for r in compile_packs(packs, probe=probe).rules] == ["widget-broken.confirmed"]


def test_override_errors(tmp_path: Path) -> None:
    base = standard_pack(tmp_path / "base", "base")
    one = manifest(tmp_path / "one", "one", "overrides:\n  knowledge:\n    widget-broken: {title: A}\n")
    two = manifest(
        tmp_path / "two",
        "two",
        """
        overrides:
          disable_rules: [no-such.rule]
          knowledge:
            widget-broken: {title: B, remediation: x}
            ghost: {title: C}
        """,
    )
    errors = load_errors(base, one.parent, two.parent)
    assert has_error(errors, two, 7, "no loaded pack has rule 'no-such.rule'")
    assert has_error(errors, two, 9, "the title of cause widget-broken is also overridden in")
    assert has_error(errors, two, 9, "'remediation' cannot be overridden")
    assert has_error(errors, two, 10, "no loaded pack has cause 'ghost'")


def test_default_code_conflict_and_unknown(tmp_path: Path) -> None:
    a = standard_pack(tmp_path / "a", "pa")
    manifest(a, "pa", 'default_code: "9.9.9"\n')
    b = tmp_path / "b"
    manifest(b, "pb", 'default_code: "1.1.1"\n')
    errors = load_errors(a, b)
    assert has_error(errors, b / "pack.yaml", 1, "default_code '1.1.1' is not a code of any loaded pack")
    assert has_error(errors, b / "pack.yaml", 1, "conflicts with '9.9.9'")
    assert load(a).default_code == "9.9.9"


def test_pack_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = standard_pack(tmp_path / "p")
    monkeypatch.setattr(loader_mod, "MAX_PACK_BYTES", 500)
    (error,) = load_errors(root)
    assert "pack is too large" in error.message and error.path == str(root / "pack.yaml")


def test_per_file_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = standard_pack(tmp_path / "p")
    monkeypatch.setattr(loader_mod, "MAX_FILE_BYTES", 300)
    errors = load_errors(root)
    assert any("limited to 300" in e.message for e in errors)


def test_symlink_out_of_the_pack_is_not_read(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    outside = write(tmp_path / "elsewhere.yaml", "id: not-a-rule\n")
    link = root / "rules" / "9.9.9" / "sneaky.yaml"
    try:
        link.symlink_to(outside)
    except OSError:
        pytest.skip("no symlinks here")
    assert len(load(root).rules) == 2


def test_builtin_pack_loads_when_asked() -> None:
    packs = load_packs(include_user_config=False)
    builtin = packs.packs[0]
    assert builtin.id == "builtin" and builtin.manifest.builtin
    assert "5.7.64" in packs.codes and packs.default_code == "5.7.64"


def test_user_pack_dirs_env_var(tmp_path: Path) -> None:
    env = {"RELAYDOCTOR_PACKS": os.pathsep.join([str(tmp_path / "a"), "", str(tmp_path / "b")])}
    assert user_pack_dirs(env) == [tmp_path / "a", tmp_path / "b"]
    assert user_pack_dirs({"RELAYDOCTOR_PACKS": ""}) == []


def test_user_pack_dirs_xdg_and_windows(tmp_path: Path) -> None:
    packs = tmp_path / "cfg" / "relaydoctor" / "packs"
    (packs / "zeta").mkdir(parents=True)
    (packs / "alpha").mkdir()
    (packs / ".hidden").mkdir()
    (packs / "file.yaml").write_text("x")
    assert user_pack_dirs({"XDG_CONFIG_HOME": str(tmp_path / "cfg")}, windows=False) == [
        packs / "alpha",
        packs / "zeta",
    ]
    assert user_pack_dirs({"APPDATA": str(tmp_path / "cfg")}, windows=True) == [
        packs / "alpha",
        packs / "zeta",
    ]
    assert user_pack_dirs({"XDG_CONFIG_HOME": "relative/path", "HOME": str(tmp_path)}, windows=False) == []


def test_user_config_packs_are_loaded(tmp_path: Path) -> None:
    pack = standard_pack(tmp_path / "cfg" / "relaydoctor" / "packs" / "mine", "mine")
    packs = load_packs(include_builtin=False, environ={"XDG_CONFIG_HOME": str(tmp_path / "cfg")})
    assert [p.id for p in packs.packs] == ["mine"]
    with pytest.raises(PackErrors) as info:
        load_packs(include_builtin=False, environ={"RELAYDOCTOR_PACKS": str(tmp_path / "nope")})
    assert "pack directory not found" in info.value.errors[0].message
    assert (
        load_packs([pack], include_builtin=False, environ={"RELAYDOCTOR_PACKS": str(pack)}).packs[0].id
        == "mine"
    )


def test_case_evidence_inside_the_pack_resolves(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    ex = write(root / "knowledge" / "examples" / "one" / "ndr.txt", "550 9.9.9 Widget refused\n")
    case_file(
        root,
        "with-evidence",
        """
        case: with-evidence
        evidence: ../../../knowledge/examples/one
        ndr: ["550 9.9.9 Widget refused", "second"]
        answers: {egress_ip: 198.51.100.77, flag: true, n: 3}
        now: "2026-01-02T03:04:05Z"
        expect: {widget-broken: undetermined}
        """,
    )
    case = next(c for c in load(root).cases if c.case == "with-evidence")
    assert case.evidence == (ex.parent.resolve(),)
    assert case.ndr == ("550 9.9.9 Widget refused", "second")
    assert case.answers == {"egress_ip": "198.51.100.77", "flag": "true", "n": "3"}
    assert case.now_datetime.isoformat() == "2026-01-02T03:04:05+00:00"


def test_cause_file_missing_required_keys(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    path = cause_file(root, "lonely")
    path.write_text("cause: lonely\n")
    errors = load_errors(root)
    for key in ("code", "title", "explanation"):
        assert has_error(errors, path, 1, f"missing the required key {key!r}")


def test_the_built_in_packs_id_is_reserved(tmp_path: Path) -> None:
    """Recognition trusts a code of pack id 'builtin' (its patterns run without the time budget and
    their programs are kept in the regex-program cache): a pack of the user's may not take that id,
    even when the built-in pack is not loaded (--no-builtin), where no duplicate id would be seen."""
    root = standard_pack(tmp_path / "p", "builtin")
    (error,) = load_errors(root)
    assert error.path == str(root / "pack.yaml") and error.line == 1
    assert "pack id 'builtin' is reserved for the built-in pack" in error.message
