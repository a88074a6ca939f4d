"""Issue 14: pack metadata (min_relaydoctor, status, replaces) and editor support (a JSON Schema
per file kind, committed and current, named by the modeline `rules new` writes)."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote, urlparse

import jsonschema
import pytest
import yaml
from clikit import run_main
from packkit import CAUSE, case_file, cause_file, has_error, load, load_errors, manifest, standard_pack
from relaydoctor.engine import __version__, api
from relaydoctor.engine.pack.loader import version_tuple
from relaydoctor.engine.pack.schema import FILE_SCHEMAS, file_schema_path, file_schema_text
from relaydoctor.engine.paths import builtin_dir

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _no_user_packs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELAYDOCTOR_PACKS", "")


# --- min_relaydoctor -------------------------------------------------------------------------


def test_a_pack_needing_a_newer_relaydoctor_is_refused_naming_both_versions(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    newer = ".".join(str(n + 1) for n in version_tuple(__version__))
    path = manifest(root, extra=f'min_relaydoctor: "{newer}"\n')
    errors = load_errors(root)
    assert has_error(errors, path, 1, f"pack 't' needs relaydoctor {newer} or newer (min_relaydoctor)")
    assert has_error(errors, path, 1, f"but this is relaydoctor {__version__}: upgrade relaydoctor")
    assert len(errors) == 1  # the rest of the pack is not read


def test_a_pack_for_this_or_an_older_relaydoctor_loads(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    manifest(root, extra=f'min_relaydoctor: "{__version__}"\n')
    assert load(root).packs[0].manifest.min_relaydoctor == __version__
    manifest(root, extra='min_relaydoctor: "0.0.1"\n')
    assert load(root).codes


def test_a_min_relaydoctor_that_is_not_a_version(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    path = manifest(root, extra='min_relaydoctor: "soon"\n')
    assert has_error(load_errors(root), path, 5, "min_relaydoctor 'soon' is not a version")


def test_version_tuple() -> None:
    assert version_tuple("0.10.2") > version_tuple("0.9.9")
    assert version_tuple("1.2.0.dev1") == (1, 2, 0)


# --- status ----------------------------------------------------------------------------------


def test_codes_shows_a_pack_that_is_not_stable(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    root = standard_pack(tmp_path / "p")
    manifest(root, extra="status: experimental\n")
    run = run_main(capsys, "codes", "--no-builtin", "--pack", str(root))
    assert run.code == 0
    assert "9.9.9  Widget refused  [experimental: pack t]" in run.out
    manifest(root)
    assert "[" not in run_main(capsys, "codes", "--no-builtin", "--pack", str(root)).out.splitlines()[0]


def test_an_unknown_status_is_an_error(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    path = manifest(root, extra="status: beta\n")
    message = "status 'beta' must be one of: experimental, stable, deprecated"
    assert has_error(load_errors(root), path, 5, message)


# --- replaces --------------------------------------------------------------------------------


def test_a_renamed_cause_is_found_by_its_old_id(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    cause_file(root, extra="replaces: [widget-old]\n")
    packs = load(root)
    assert packs.renamed == {"widget-old": CAUSE}
    text = api.explain(packs, "widget-old")
    assert text.startswith(f"'widget-old' was renamed to cause {CAUSE}.") and "The widget is broken" in text


def test_a_case_expecting_the_old_id_is_told_the_new_one(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    cause_file(root, extra="replaces: [widget-old]\n")
    case = case_file(root, "old", "case: old\nanswers: {a: b}\nexpect:\n  widget-old: undetermined\n")
    assert has_error(load_errors(root), case, 4, f"case old: cause 'widget-old' was renamed to '{CAUSE}'")


def test_replacing_a_cause_that_still_exists_is_an_error(tmp_path: Path) -> None:
    root = standard_pack(tmp_path / "p")
    path = cause_file(root, extra=f"replaces: [{CAUSE}]\n")
    assert has_error(load_errors(root), path, 1, f"replaces '{CAUSE}', which is still defined")


# --- editor support --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(FILE_SCHEMAS))
def test_each_file_kind_schema_is_committed_and_current(kind: str) -> None:
    committed = ROOT / "engine" / "schemas" / "pack" / f"{kind}.schema.json"
    assert committed.read_text("utf-8") == file_schema_text(kind), (
        "regenerate with: python -m relaydoctor.engine.pack.schema --write"
    )
    jsonschema.Draft202012Validator.check_schema(json.loads(committed.read_text("utf-8")))


def _builtin_files() -> list[tuple[str, Path]]:
    knowledge, rules = builtin_dir("knowledge"), builtin_dir("rules")
    files = [("manifest", knowledge / "pack.yaml")]
    files += [("code", p) for p in sorted((knowledge / "codes").glob("*.yaml"))]
    files += [("cause", p) for p in sorted((knowledge / "causes").glob("*.yaml"))]
    for path in sorted(rules.rglob("*.yaml")):
        kind = "case" if "cases" in path.parts else "fragment" if "fragments" in path.parts else "rule"
        files.append((kind, path))
    return files


def _validator(kind: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(file_schema_path(kind).read_text("utf-8")))


def test_every_builtin_file_validates_against_its_kinds_schema() -> None:
    validators = {kind: _validator(kind) for kind in FILE_SCHEMAS}
    bad = []
    for kind, path in _builtin_files():
        for error in validators[kind].iter_errors(yaml.safe_load(path.read_text("utf-8"))):
            bad.append(f"{path}: {error.message}")
    assert bad == []


def test_a_kinds_schema_names_the_wrong_key_of_that_kind() -> None:
    errors = list(_validator("code").iter_errors(
        {"code": "9.9.9", "title": "t", "direction": "relay_to_exo", "recognise": ["x"], "causes": ["a"]}
    ))
    messages = " ".join(e.message for e in errors)
    assert "'recognise' was unexpected" in messages and "'recognize' is a required property" in messages


def test_rules_new_writes_a_modeline_naming_the_installed_schema_of_each_file(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    dest = tmp_path / "pack"
    assert run_main(capsys, "rules", "new", "5.7.99", "--dest", str(dest)).code == 0
    expected = {
        "pack.yaml": "manifest",
        "knowledge/codes/5.7.99.yaml": "code",
        "knowledge/causes/todo-cause-5-7-99.yaml": "cause",
        "rules/5.7.99/todo-cause-5-7-99.likely.yaml": "rule",
        "rules/5.7.99/cases/todo-cause-5-7-99-positive.yaml": "case",
    }
    for rel, kind in expected.items():
        text = (dest / rel).read_text("utf-8")
        first = text.splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema=file://"), rel
        schema = Path(unquote(urlparse(first.split("$schema=", 1)[1]).path))
        assert schema == file_schema_path(kind) and schema.is_file()
        assert list(_validator(kind).iter_errors(yaml.safe_load(text))) == [], rel
    assert run_main(capsys, "rules", "lint", "--pack", str(dest)).code == 0


def test_the_readme_tells_vs_code_users_how() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "### Editing packs in VS Code" in readme
    assert "redhat.vscode-yaml" in readme and '"yaml.schemas"' in readme
    for kind in FILE_SCHEMAS:
        assert f"schemas/pack/{kind}.schema.json" in readme


def test_the_pack_cache_keeps_case_outputs_metadata_and_renames(tmp_path: Path) -> None:
    """The compiled-pack cache stores every model class, the new ones included."""
    from relaydoctor.engine.pack import cache

    root = standard_pack(tmp_path / "p")
    manifest(root, extra='status: experimental\nmin_relaydoctor: "0.0.1"\n')
    cause_file(root, extra="replaces: [widget-old]\n")
    case_file(root, "shown", f"""case: shown
facts:
  - {{kind: symptom, code: "9.9.9", text: "550 9.9.9 Widget refused"}}
  - {{kind: inbound_connector, name: X, enabled: false, connector_type: OnPremises}}
expect: {{{CAUSE}: confirmed}}
output: {{{CAUSE}: {{message: X, rules: [{CAUSE}.confirmed]}}}}
only_confirmed: true
xfail: a known gap
""")
    packs = load(root)
    env = {cache.CACHE_ENV: str(tmp_path / "cache")}
    assert cache.write("k", packs, env)
    again = cache.read("k", env)
    assert again is not None
    assert again.cases == packs.cases and again.renamed == packs.renamed
    assert again.packs[0].manifest == packs.packs[0].manifest
