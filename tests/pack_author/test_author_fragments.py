"""Issue 14: a named, reusable `when` fragment, so causes sharing a base pattern do not repeat it.

A fragment file (``rules/**/fragments/<name>.yaml``) holds patterns; a rule's ``- use: NAME``
stands for them and binds their aliases. Each mistake an author can make with one is a fixture
here, reported by the loader or lint at the line to change.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from clikit import run_main
from packkit import (
    CAUSE,
    CODE,
    has_error,
    lines_of,
    load,
    load_errors,
    rule_file,
    rule_yaml,
    standard_pack,
    write,
)
from relaydoctor.engine.pack.compiler import compile_rule
from relaydoctor.engine.pack.lint import lint
from relaydoctor.engine.pack.schema import file_schema_path

DISABLED = """
- fact: inbound_connector
  as: c
  where: {enabled: false, connector_type: OnPremises}
"""


@pytest.fixture(autouse=True)
def _no_user_packs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELAYDOCTOR_PACKS", "")


def fragment(root: Path, name: str, when: str, *, folder: str = CODE, extra: str = "") -> Path:
    body = "\n".join("  " + line for line in when.strip("\n").splitlines())
    return write(
        root / "rules" / folder / "fragments" / f"{name}.yaml",
        f"fragment: {name}\ndescription: Shared patterns {name}.\nwhen:\n{body}\n{extra}",
    )


def _line(path: Path, text: str) -> int:
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


def _use_confirmed(root: Path, when: str = "- use: disabled-connector", extra: str = "") -> Path:
    """Rewrite the standard pack's confirmed rule to take its pattern from a fragment."""
    return rule_file(
        root,
        f"{CAUSE}.confirmed",
        rule_yaml(f"{CAUSE}.confirmed", when, extra='message: "{c.name} is disabled"\n' + extra),
    )


# --- what a fragment is ------------------------------------------------------------------------


def test_a_used_fragment_compiles_exactly_as_the_patterns_written_out(tmp_path: Path) -> None:
    inline = standard_pack(tmp_path / "inline")
    shared = standard_pack(tmp_path / "shared")
    fragment(shared, "disabled-connector", DISABLED)
    rule = _use_confirmed(shared)
    packs = load(shared)
    used = next(r for r in packs.rules if r.id == f"{CAUSE}.confirmed")
    written = next(r for r in load(inline).rules if r.id == f"{CAUSE}.confirmed")
    assert compile_rule(used).condition == compile_rule(written).condition
    assert used.evidence == ("c",) and used.fragments == ("disabled-connector",)
    # findings about the fragment's patterns land in the rule, at its use line
    assert {p.line for p in used.when} == {_line(rule, "use: disabled-connector")}
    assert lint(packs) == []


def test_the_pack_with_a_fragment_passes_rules_test(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = standard_pack(tmp_path / "p")
    fragment(root, "disabled-connector", DISABLED)
    _use_confirmed(root)
    run = run_main(capsys, "rules", "test", "--pack", str(root), "--no-builtin")
    assert run.code == 0, run.out + run.err
    assert "3 passed, 0 failed" in run.out


def test_a_rule_adds_its_own_patterns_after_a_fragment_and_joins_its_aliases(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    fragment(root, "disabled-connector", DISABLED)
    _use_confirmed(
        root,
        """
        - fact: symptom
          as: s
          where: {code: "9.9.9"}
        - use: disabled-connector
        - not:
            fact: inbound_connector
            where: {name: {ref: c.name}, enabled: true}
        """,
        extra="evidence: [s, c]\ncomplete: [not c.incomplete]\n",
    )
    rule = next(r for r in load(root).rules if r.id == f"{CAUSE}.confirmed")
    assert [p.alias for p in rule.when] == ["s", "c", None]


def test_fragments_may_use_fragments_and_every_one_is_recorded(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    onprem = "- fact: inbound_connector\n  as: c\n  where: {connector_type: OnPremises}"
    fragment(root, "onprem-connector", onprem)
    fragment(
        root,
        "disabled-connector",
        "- use: onprem-connector\n- fact: symptom\n  as: s\n  where: {code: \"9.9.9\"}",
    )
    _use_confirmed(root)
    packs = load(root)
    rule = next(r for r in packs.rules if r.id == f"{CAUSE}.confirmed")
    assert rule.fragments == ("onprem-connector", "disabled-connector")
    assert [p.alias for p in rule.when] == ["c", "s"]
    assert not any("used by no rule" in e.message for e in lint(packs))


# --- mistakes, each at its line ----------------------------------------------------------------


def test_an_unknown_fragment_is_reported_at_the_use_line_with_did_you_mean(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    fragment(root, "disabled-connector", DISABLED)
    rule = _use_confirmed(root, "- use: disabled-conector")
    errors = load_errors(root)
    assert has_error(errors, rule, _line(rule, "- use:"), "unknown fragment 'disabled-conector'")
    assert has_error(errors, rule, _line(rule, "- use:"), "did you mean 'disabled-connector'?")
    # one mistake, one message: the message's {c.name} and the default evidence are not reported
    assert len([e for e in errors if e.path == str(rule)]) == 1, lines_of(errors)


def test_an_unused_fragment_is_a_lint_finding_at_its_file(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    spare = fragment(root, "disabled-connector", DISABLED)
    findings = lint(load(root))
    assert has_error(findings, spare, 1, "fragment 'disabled-connector' is used by no rule")


def test_a_fragment_cycle_is_refused_at_the_use_that_closes_it(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    first = fragment(root, "a-first", "- use: b-second\n- fact: symptom\n  as: s")
    second = fragment(root, "b-second", "- use: a-first\n- fact: symptom\n  as: t")
    _use_confirmed(root, DISABLED + "- use: a-first")
    errors = load_errors(root)
    cycle = "fragment cycle: a-first -> b-second -> a-first"
    assert has_error(errors, second, _line(second, "use: a-first"), cycle)
    assert not has_error(errors, first, None, "cycle")  # reported once


def test_an_alias_the_rule_binds_again_is_a_collision_at_its_as_line(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    frag = fragment(root, "disabled-connector", DISABLED)
    rule = _use_confirmed(root, "- use: disabled-connector\n" + DISABLED)
    errors = load_errors(root)
    assert has_error(
        errors, rule, _line(rule, "as: c"), "duplicate alias 'c' in this rule: fragment 'disabled-connector'"
    )
    assert not has_error(errors, frag, None, "")


def test_a_fragment_alias_the_rule_already_bound_is_a_collision_at_the_use_line(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    fragment(root, "disabled-connector", DISABLED)
    rule = _use_confirmed(root, DISABLED + "- use: disabled-connector")
    errors = load_errors(root)
    assert has_error(
        errors, rule, _line(rule, "- use:"), "alias 'c' of fragment 'disabled-connector'"
    )
    assert has_error(errors, rule, _line(rule, "- use:"), "is already bound by this rule; rename one of them")


def test_using_a_fragment_twice_is_refused(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    fragment(root, "disabled-connector", DISABLED)
    rule = _use_confirmed(root, "- use: disabled-connector\n- use: disabled-connector")
    errors = load_errors(root)
    assert has_error(errors, rule, _line(rule, "- use:") + 1, "fragment 'disabled-connector' is used twice")


def test_fragments_are_private_to_their_pack(tmp_path: Path) -> None:
    owner = standard_pack(tmp_path / "a", pack_id="a")
    fragment(owner, "disabled-connector", DISABLED)
    _use_confirmed(owner)
    other = standard_pack(tmp_path / "b", pack_id="b", prefix="b-")
    rule = rule_file(
        other,
        "b-extra",
        rule_yaml("b-extra", "- use: disabled-connector", cause="b-widget-broken", code="b-9.9.9"),
        code="b-9.9.9",
    )
    errors = load_errors(owner, other)
    where = _line(rule, "- use:")
    assert has_error(errors, rule, where, "fragment 'disabled-connector' belongs to pack 'a'")
    assert has_error(errors, rule, where, "fragments are private to their pack, so copy its file")


def test_a_user_pack_cannot_use_a_builtin_fragment(tmp_path: Path) -> None:
    from relaydoctor.engine.errors import PackErrors
    from relaydoctor.engine.pack import load_packs

    root = standard_pack(tmp_path / "p")
    rule = _use_confirmed(root, "- use: rejected-certificate-session")
    with pytest.raises(PackErrors) as exc:
        load_packs([root], include_user_config=False)
    whose = "fragment 'rejected-certificate-session' belongs to pack 'builtin'"
    assert has_error(exc.value.errors, rule, _line(rule, "- use:"), whose)


def test_a_fragments_positive_pattern_needs_an_alias(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    frag = fragment(root, "disabled-connector", "- fact: inbound_connector\n  where: {enabled: false}")
    _use_confirmed(root, "- use: disabled-connector\n" + DISABLED)
    errors = load_errors(root)
    assert has_error(errors, frag, _line(frag, "fact: inbound_connector"), "positive pattern needs `as:`")


def test_a_mistake_inside_a_fragment_is_reported_once_in_the_fragment(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    frag = fragment(root, "disabled-connector", DISABLED.replace("enabled: false", "enabeld: false"))
    _use_confirmed(root)
    rule_file(root, "second", rule_yaml("second", "- use: disabled-connector", status="likely"))
    errors = load_errors(root)
    assert has_error(errors, frag, _line(frag, "enabeld"), "inbound_connector has no field 'enabeld'")
    assert len([e for e in errors if "enabeld" in e.message]) == 1, lines_of(errors)


def test_a_fragment_refers_only_to_its_own_aliases(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    frag = fragment(
        root,
        "same-name",
        "- fact: inbound_connector\n  as: other\n  where: {name: {ref: c.name}}",
    )
    _use_confirmed(root, DISABLED + "- use: same-name")
    errors = load_errors(root)
    assert has_error(errors, frag, _line(frag, "ref: c.name"), "{ref: c.name}: unknown alias 'c'")


def test_a_fragment_starting_with_not_cannot_open_a_rule(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    fragment(root, "no-enabled", "- not:\n    fact: inbound_connector\n    where: {enabled: true}")
    rule = _use_confirmed(root, "- use: no-enabled\n" + DISABLED)
    errors = load_errors(root)
    assert has_error(errors, rule, _line(rule, "- use:"), "starts with a `not:`, so it cannot come first")
    # after a positive pattern it is fine
    _use_confirmed(root, DISABLED + "- use: no-enabled")
    assert load(root).rules


def test_a_use_item_takes_only_use(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    fragment(root, "disabled-connector", DISABLED)
    rule = _use_confirmed(root, "- use: disabled-connector\n  as: d")
    errors = load_errors(root)
    assert has_error(errors, rule, _line(rule, "as: d"), "unknown key 'as' in a `use:` item")


def test_a_fragment_name_defined_twice_names_both_files(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    first = fragment(root, "disabled-connector", DISABLED)
    second = fragment(root, "disabled-connector", DISABLED, folder="other")
    _use_confirmed(root)
    errors = load_errors(root)
    assert has_error(errors, second, 1, f"fragment 'disabled-connector' is defined twice: in {first}")


# --- editor support ----------------------------------------------------------------------------


def test_the_fragment_and_rule_schemas_accept_a_fragment_and_its_use(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    frag = fragment(root, "disabled-connector", DISABLED)
    rule = _use_confirmed(root, "- use: disabled-connector")
    for kind, path in (("fragment", frag), ("rule", rule)):
        schema = json.loads(file_schema_path(kind).read_text("utf-8"))
        data = yaml.safe_load(path.read_text())
        assert list(jsonschema.Draft202012Validator(schema).iter_errors(data)) == []
    bad = yaml.safe_load(rule.read_text()) | {"when": [{"use": "Bad Name"}]}
    schema = json.loads(file_schema_path("rule").read_text("utf-8"))
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(bad))


def test_a_fact_kind_typo_in_a_fragment_is_one_message_not_one_per_use_of_its_alias(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    frag = fragment(root, "disabled-connector", DISABLED.replace("inbound_connector", "inbound_conector"))
    _use_confirmed(root, "- use: disabled-connector\n- fact: answer\n  as: a\n  where: {key: {ref: c.name}}")
    errors = load_errors(root)
    assert lines_of(errors) == [
        f"{frag}:{_line(frag, 'inbound_conector')}: unknown fact kind 'inbound_conector' "
        "(did you mean 'inbound_connector'?)"
    ]


def test_a_use_without_a_name_is_refused(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    fragment(root, "disabled-connector", DISABLED)
    rule = _use_confirmed(root, DISABLED + "- use:")
    errors = load_errors(root)
    assert has_error(errors, rule, _line(rule, "- use:"), "`use:` names a fragment of this pack")


def test_fragments_nest_at_most_max_fragment_depth_levels(tmp_path: Path) -> None:
    """A long chain is refused at the use line that goes too deep, never a RecursionError."""
    from relaydoctor.engine.pack.parse import MAX_FRAGMENT_DEPTH

    def chain(root: Path, length: int) -> list[Path]:
        files = []
        for i in range(length):
            uses = f"- use: f{i + 1:03}\n" if i + 1 < length else ""
            files.append(fragment(root, f"f{i:03}", f"{uses}- fact: symptom\n  as: s{i}"))
        _use_confirmed(root, DISABLED + "- use: f000")
        return files

    ok = standard_pack(tmp_path / "ok")
    chain(ok, MAX_FRAGMENT_DEPTH)
    rule = next(r for r in load(ok).rules if r.id == f"{CAUSE}.confirmed")
    assert len(rule.fragments) == MAX_FRAGMENT_DEPTH
    deep = standard_pack(tmp_path / "deep")
    files = chain(deep, 400)  # far past Python's recursion limit if each level recursed
    errors = load_errors(deep)
    last = files[MAX_FRAGMENT_DEPTH - 1]
    too_deep = f"fragments nest deeper than {MAX_FRAGMENT_DEPTH}"
    assert has_error(errors, last, 1 + _line(last, "when:"), too_deep)


def test_the_depth_limit_does_not_depend_on_which_rule_is_read_first(tmp_path: Path) -> None:
    """A chain read first from a shallow rule is still too deep under a deeper one."""
    from relaydoctor.engine.pack.parse import MAX_FRAGMENT_DEPTH

    root = standard_pack(tmp_path / "p")
    low = MAX_FRAGMENT_DEPTH // 2 + 1  # levels of the shared chain
    for i in range(low):  # c0 -> c1 -> ... (read first: a-rule sorts before b-rule)
        uses = f"- use: c{i + 1}\n" if i + 1 < low else ""
        fragment(root, f"c{i}", f"{uses}- fact: symptom\n  as: c{i}")
    for i in range(MAX_FRAGMENT_DEPTH - low + 1):  # d0 -> d1 -> ... -> c0: one level too many
        nxt = f"d{i + 1}" if i < MAX_FRAGMENT_DEPTH - low else "c0"
        fragment(root, f"d{i}", f"- use: {nxt}\n- fact: answer\n  as: d{i}")
    rule_file(root, "a-rule", rule_yaml("a-rule", "- use: c0", status="likely"))
    rule_file(root, "b-rule", rule_yaml("b-rule", "- use: d0", status="likely"))
    errors = load_errors(root)
    too_deep = f"fragments nest deeper than {MAX_FRAGMENT_DEPTH}"
    assert any(too_deep in e.message for e in errors), lines_of(errors)


def test_a_lint_finding_about_a_fragments_pattern_is_at_its_use_line_naming_it(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    never = DISABLED.replace("connector_type: OnPremises", "name: {missing: true}")
    fragment(root, "disabled-connector", never)
    rule = _use_confirmed(root)
    findings = lint(load(root))
    message = (
        "inbound_connector.name is never missing (it is always set) "
        "(a pattern of fragment 'disabled-connector')"
    )
    assert has_error(findings, rule, _line(rule, "- use:"), message), lines_of(findings)


def test_rules_test_v_names_the_fragment_of_a_nearest_miss(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = standard_pack(tmp_path / "p")
    fragment(root, "disabled-connector", DISABLED)
    rule = _use_confirmed(root)
    run = run_main(capsys, "rules", "test", "--pack", str(root), "--no-builtin", "-v", f"{CAUSE}-unknown")
    assert run.code == 0, run.out + run.err
    where = f"line {_line(rule, '- use:')} (fragment disabled-connector)"
    assert f"no inbound_connector fact passes the pattern at {where}" in run.out
