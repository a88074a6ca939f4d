"""The on-disk pack cache (issue 11): same packs as a fresh load, invalidated by any change,
corrupt or foreign entries ignored and rebuilt, JSON only, safe when runs race."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from packkit import standard_pack, write
from relaydoctor.engine.errors import PackErrors
from relaydoctor.engine.pack import cache, load_packs
from relaydoctor.engine.pack import loader as loader_mod


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("RELAYDOCTOR_CACHE_DIR", str(folder))
    return folder


def _load(pack: Path):
    return load_packs([pack], include_builtin=False, include_user_config=False)


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("packs-*.json"))


def test_a_cached_load_equals_a_fresh_one_and_does_not_read_the_yaml(tmp_path, cache_dir, monkeypatch):
    pack = standard_pack(tmp_path / "p")
    fresh = load_packs([pack], include_builtin=False, include_user_config=False, cache=False)
    first = _load(pack)
    assert first == fresh and len(_entries(cache_dir)) == 1
    monkeypatch.setattr(loader_mod, "_load_one", lambda *a: pytest.fail("the YAML was read again"))
    second = _load(pack)
    assert second == fresh and second is not first


def test_the_builtin_pack_round_trips(cache_dir, monkeypatch):
    fresh = load_packs(include_user_config=False, cache=False)
    load_packs(include_user_config=False)
    assert len(_entries(cache_dir)) == 1, "the built-in pack was not cached (a model class the codec lacks?)"
    monkeypatch.setattr(loader_mod, "_load_one", lambda *a: pytest.fail("the YAML was read again"))
    cached = load_packs(include_user_config=False)
    assert cached == fresh


def test_any_change_to_a_pack_file_gives_a_new_entry(tmp_path, cache_dir):
    pack = standard_pack(tmp_path / "p")
    before = _load(pack)
    cause = next((pack / "knowledge" / "causes").glob("*.yaml"))
    cause.write_text(cause.read_text().replace("The widget is broken", "The widget is cracked"))
    after = _load(pack)
    assert len(_entries(cache_dir)) == 2
    assert before.causes != after.causes and "cracked" in next(iter(after.causes.values())).title
    write(pack / "rules" / "9.9.9" / "cases" / "notes.txt", "evidence a case may name")  # any file counts
    _load(pack)
    assert len(_entries(cache_dir)) == 3


@pytest.mark.parametrize("garbage", [
    "{not json", "", '{"key": "other"}', '[1, 2]',
    '{"key": "K", "packs": {"c": "system", "v": ["rm -rf /"]}}',
    '{"key": "K", "packs": {"c": "Packs", "v": [1]}}', '{"key": "K", "packs": {"t": []}}',
])
def test_a_corrupt_or_foreign_entry_is_ignored_and_rebuilt(tmp_path, cache_dir, garbage):
    pack = standard_pack(tmp_path / "p")
    good = _load(pack)
    (entry,) = _entries(cache_dir)
    key = entry.name.removeprefix("packs-").removesuffix(".json")
    entry.write_text(garbage.replace('"K"', json.dumps(key)))
    assert cache.read(key) is None
    assert _load(pack) == good
    assert cache.read(key) is not None  # rewritten whole


def test_an_unwritable_cache_only_costs_speed(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("RELAYDOCTOR_CACHE_DIR", str(blocker / "cache"))
    pack = standard_pack(tmp_path / "p")
    assert _load(pack) == _load(pack)
    # (that alone holds for any deterministic load, a wrong one too: the packs a load without the
    # cache gives, with rules in them, and nothing written where the cache cannot be)
    fresh = load_packs([pack], include_builtin=False, include_user_config=False, cache=False)
    assert _load(pack) == fresh and len(fresh.rules) > 0
    assert blocker.read_text() == "not a folder"


def test_concurrent_runs_never_see_a_partial_entry(tmp_path, cache_dir):
    pack = standard_pack(tmp_path / "p")
    code = ("import sys; from relaydoctor.engine.pack import load_packs; "
            "p = load_packs([sys.argv[1]], include_builtin=False, include_user_config=False); "
            "print(len(p.rules))")
    runs = [subprocess.Popen([sys.executable, "-c", code, str(pack)], stdout=subprocess.PIPE, text=True)
            for _ in range(4)]
    outputs = {r.communicate(timeout=120)[0].strip() for r in runs}
    assert all(r.returncode == 0 for r in runs) and len(outputs) == 1
    (entry,) = _entries(cache_dir)
    assert not list(cache_dir.glob(".packs-*"))  # no temporary file left behind
    assert cache.read(entry.name.removeprefix("packs-").removesuffix(".json")) is not None


def test_where_the_cache_lives():
    assert cache.cache_dir({"RELAYDOCTOR_CACHE_DIR": "/x"}) == Path("/x")
    assert cache.cache_dir({"XDG_CACHE_HOME": "/c"}, platform="linux") == Path("/c/relaydoctor")
    assert cache.cache_dir({"XDG_CACHE_HOME": "relative"}, platform="linux") == (
        Path.home() / ".cache" / "relaydoctor")
    assert cache.cache_dir({"LOCALAPPDATA": "C:/Users/a/AppData/Local"}, platform="win32") == Path(
        "C:/Users/a/AppData/Local/relaydoctor/Cache")
    assert cache.cache_dir({}, platform="darwin") == Path.home() / "Library" / "Caches" / "relaydoctor"


def test_unchanged_files_are_not_hashed_again_and_any_edit_is(tmp_path, cache_dir, monkeypatch):
    """The stat index (issue 11 latency): a second run does not read the pack files to find its
    key; an edit that keeps the file's size still changes its stat, so the content is hashed."""
    monkeypatch.setattr(cache, "RACY_SECONDS", -1.0)  # index files however recently written
    pack = standard_pack(tmp_path / "p")
    first = _load(pack)
    assert list(cache_dir.glob("stat-*"))
    real = cache.content_key
    monkeypatch.setattr(cache, "content_key", lambda *a: pytest.fail("the pack files were hashed again"))
    assert _load(pack) == first
    monkeypatch.setattr(cache, "content_key", real)
    cause = next((pack / "knowledge" / "causes").glob("*.yaml"))
    cause.write_text(cause.read_text().replace("The widget is broken", "The widget is brokem"))  # same size
    after = _load(pack)
    assert "brokem" in next(iter(after.causes.values())).title


def test_files_changed_just_now_are_not_indexed(tmp_path, cache_dir):
    """A file written within RACY_SECONDS could change again in the same clock tick without its
    stat changing, so its key is not remembered by stat."""
    _load(standard_pack(tmp_path / "p"))
    assert len(_entries(cache_dir)) == 1 and not list(cache_dir.glob("stat-*"))


def test_model_objects_shared_in_memory_are_shared_after_a_read(cache_dir):
    load_packs(include_user_config=False)
    cached = load_packs(include_user_config=False)
    assert cached.rules[0] is cached.packs[0].rules[0]  # written once, read back as one object


def test_the_compiled_ruleset_is_cached_beside_the_packs(cache_dir, monkeypatch):
    from relaydoctor.engine import api
    from relaydoctor.engine.pack.compiler import compile_packs
    from relaydoctor.engine.regex_probe import probe

    packs = load_packs(include_user_config=False)
    fresh = compile_packs(packs, probe=probe)
    assert api._compile_cached(packs) == fresh
    assert len(list(cache_dir.glob("compiled-*.json"))) == 1
    monkeypatch.setattr("relaydoctor.engine.pack.compiler.compile_packs",
                        lambda *a, **k: pytest.fail("compiled again"))
    again = api._compile_cached(packs)
    assert again == fresh and again.digest == fresh.digest
    (entry,) = cache_dir.glob("compiled-*.json")
    entry.write_text('{"key": "x", "rules": [1]}')
    assert cache.read_compiled(entry.name.removeprefix("compiled-").removesuffix(".json")) is None


def test_the_cached_ruleset_carries_the_facades_prepared_rules(cache_dir, monkeypatch):
    """Registration hands the engine what the facade prepared when the ruleset was cached (issue
    11 latency): the same conditions ``_prepare`` makes, for the full ruleset and any subset."""
    from relaydoctor.engine import api, session
    from relaydoctor.engine.pack.compiler import compile_packs
    from relaydoctor.engine.regex_probe import probe

    packs = load_packs(include_user_config=False)
    fresh = compile_packs(packs, probe=probe)
    api._compile_cached(packs)  # a miss: compiled and stored
    cached = api._compile_cached(packs)
    assert cached.prepared is not None and cached.digest == fresh.digest
    subset, fresh_subset = cached.for_codes(["5.7.64"]), fresh.for_codes(["5.7.64"])
    # the aliases and each condition's JSON text, as the engine gets it (session._TextRuleset)
    expected = [(aliases, session._dumps(condition))
                for aliases, condition in map(session._prepare, fresh_subset.rules)]
    monkeypatch.setattr(session, "_prepare", lambda rule: pytest.fail("prepared again"))
    assert session._prepared(subset) == expected
    assert subset == fresh_subset and subset.digest != cached.digest
    assert cached.for_codes(["5.7.64"]).digest == subset.digest  # the same subset: one registration


def _unset(obj, name: str) -> bool:
    try:
        object.__getattribute__(obj, name)
    except AttributeError:
        return True
    return False


def test_rules_and_cases_are_decoded_on_first_use(cache_dir):
    """A diagnosis reads the rules that fired, never the cases (issue 11 latency): a cached read
    leaves them unset until asked for, and then they are what a fresh load gives."""
    fresh = load_packs(include_user_config=False, cache=False)
    load_packs(include_user_config=False)
    cached = load_packs(include_user_config=False)
    assert all(_unset(cached, name) for name in ("rules", "disabled", "cases"))
    assert all(_unset(p, name) for p in cached.packs for name in ("rules", "cases"))
    some = fresh.rules[len(fresh.rules) // 2]
    assert cached.rule(some.id) == some and cached.rule("no-such-rule") is None
    assert _unset(cached, "rules")  # one rule decoded, not all of them
    assert cached.rules == fresh.rules and cached.cases == fresh.cases and cached.disabled == fresh.disabled
    assert cached.rule(some.id) is next(r for r in cached.rules if r.id == some.id)
    assert [p.cases for p in cached.packs] == [p.cases for p in fresh.packs]
    cause = next(reversed(fresh.causes))
    causes = cached.causes  # a mapping whose causes are decoded when looked up
    assert list(causes) == list(fresh.causes) and cause in causes and "no-such-cause" not in causes
    assert causes[cause] == fresh.causes[cause] and causes.get("no-such-cause") is None
    assert len(causes._sections._causes) == 1  # one cause decoded, not all of them
    assert causes == fresh.causes and dict(causes) == fresh.causes
    assert [p.causes for p in cached.packs] == [p.causes for p in fresh.packs]
    import copy

    assert copy.deepcopy(load_packs(include_user_config=False)) == fresh  # deferred parts copied too


def _entry_lines(cache_dir: Path) -> tuple[Path, list[str], dict]:
    (entry,) = _entries(cache_dir)
    lines = entry.read_text("utf-8").split("\n")
    return entry, lines, json.loads(lines[0])


def test_a_damaged_line_is_read_from_the_yaml(tmp_path, cache_dir, monkeypatch):
    """Each line's CRC-32 is checked when it is first decoded: a line not as written (a disk's
    damage, a writer's bug) is never used; what it held is read afresh from the packs' YAML."""
    pack = standard_pack(tmp_path / "p")
    good = _load(pack)
    entry, lines, _ = _entry_lines(cache_dir)
    lines[1] = lines[1].replace('"widget', '"gadget', 1)  # still JSON, still a rule: only the CRC tells
    entry.write_text("\n".join(lines), "utf-8")
    cached = _load(pack)
    read_afresh = []
    real = loader_mod._read_all
    monkeypatch.setattr(loader_mod, "_read_all", lambda *a: read_afresh.append(1) or real(*a))
    assert cached.rules == good.rules and read_afresh == [1]
    assert cached.cases == good.cases


def test_a_line_that_does_not_decode_is_read_from_the_yaml(tmp_path, cache_dir):
    """Should a line be wrong with a right CRC (a writer's bug), the first use of what it holds
    reads the packs afresh instead of failing the run."""
    import zlib

    pack = standard_pack(tmp_path / "p")
    good = _load(pack)
    entry, lines, header = _entry_lines(cache_dir)
    lines[1] = '{"c": "CaseDef", "v": []}'
    lines[-1] = "[1]"
    header["crcs"] = [zlib.crc32(line.encode()) for line in lines[1:]]
    entry.write_text("\n".join([json.dumps(header), *lines[1:]]), "utf-8")
    cached = _load(pack)
    assert cached.rule(good.rules[0].id) == good.rules[0]
    assert cached.rules == good.rules and cached.cases == good.cases


def test_a_cached_read_knows_the_recognition_order_without_parsing_patterns(cache_dir, monkeypatch):
    from relaydoctor.engine.pack import recognize

    fresh = load_packs(include_user_config=False, cache=False)
    load_packs(include_user_config=False)
    expected = recognize.recognition_order(list(fresh.codes.values()))
    monkeypatch.setattr(recognize, "_RANKS", {})
    recognize._ordered.cache_clear()
    cached = load_packs(include_user_config=False)
    monkeypatch.setattr("relaydoctor.engine.pack.regex.literal_weight",
                        lambda p: pytest.fail(f"parsed {p!r} again"))
    assert recognize.recognition_order(list(cached.codes.values())) == expected
    assert cached.recognize("550 5.7.64 TenantAttribution; Relay Access Denied [ATTR36]").code == "5.7.64"


def test_ranks_that_are_not_pairs_of_integers_are_refused():
    from relaydoctor.engine.pack import recognize

    for bad in ({"a": [1]}, {"a": ["1", 2]}, {"a": [True, 2]}, {"a": None}):
        with pytest.raises((ValueError, TypeError)):
            recognize.remember_ranks(bad)
    assert "a" not in recognize._RANKS


def test_a_cached_ruleset_parses_no_condition_until_one_is_read(cache_dir, monkeypatch):
    """The compiled entry holds each rule's required kinds and literal tests (for_codes) and its
    condition as text: a diagnosis registers the prepared rules and parses no condition."""
    from relaydoctor.engine import api, compiled
    from relaydoctor.engine.pack.compiler import compile_packs
    from relaydoctor.engine.regex_probe import probe

    packs = load_packs(include_user_config=False)
    fresh = compile_packs(packs, probe=probe)
    api._compile_cached(packs)
    cached = api._compile_cached(packs)
    assert all(_unset(r, "condition") for r in cached.rules)
    values = {("symptom", "code"): frozenset({(str, "5.7.64")})}
    kinds = ["symptom", "certificate"]
    with monkeypatch.context() as patched:
        patched.setattr(compiled, "required_kinds", lambda r: pytest.fail("kinds worked out again"))
        subset = cached.for_codes(["5.7.64"], kinds, values)
    assert all(_unset(r, "condition") for r in cached.rules)
    assert [r.id for r in subset.rules] == [r.id for r in fresh.for_codes(["5.7.64"], kinds, values).rules]
    assert cached.rules == fresh.rules  # conditions parsed on first use: the same rules


def test_a_cached_ruleset_decodes_only_the_rules_a_run_reads(cache_dir):
    """A run reads a few dozen of ~420 rules (issue 11 latency): a cached rule's aliases,
    conclusion and source stay undecoded until read, and then are what compiling gives, field by
    field; choosing a subset by code decodes none."""
    from relaydoctor.engine import api
    from relaydoctor.engine.pack.compiler import compile_packs
    from relaydoctor.engine.regex_probe import probe

    packs = load_packs(include_user_config=False)
    fresh = compile_packs(packs, probe=probe)
    api._compile_cached(packs)
    cached = api._compile_cached(packs)
    fields = ("aliases", "conclusion", "source")
    assert all(_unset(r, name) for r in cached.rules for name in fields)
    subset = cached.for_codes(["5.7.64"], ["symptom", "certificate"])
    assert subset.rules and all(_unset(r, "conclusion") for r in cached.rules)
    assert [r.id for r in cached.rules] == [r.id for r in fresh.rules]
    first = subset.rules[0]
    assert first.conclusion.code == "5.7.64"
    assert all(not _unset(first, name) for name in fields)
    assert sum(not _unset(r, "conclusion") for r in cached.rules) == 1
    for mine, theirs in zip(cached.rules, fresh.rules, strict=True):
        for name in ("id", "stratum", *fields):
            assert getattr(mine, name) == getattr(theirs, name)
            assert type(getattr(mine, name)) is type(getattr(theirs, name))
        assert mine.conclusion.status is theirs.conclusion.status
        assert type(mine.conclusion.evidence) is tuple


def test_a_compiled_entry_whose_texts_were_altered_is_ignored(cache_dir):
    from relaydoctor.engine import api

    packs = load_packs(include_user_config=False)
    api._compile_cached(packs)
    (entry,) = cache_dir.glob("compiled-*.json")
    key = entry.name.removeprefix("compiled-").removesuffix(".json")
    assert cache.read_compiled(key) is not None
    head, condition, *rest = entry.read_text().split("\n")
    entry.write_text("\n".join([head, condition[:-1], *rest]))  # a condition that no longer parses
    assert cache.read_compiled(key) is None
    entry.write_text("\n".join([head, condition]))  # lines missing
    assert cache.read_compiled(key) is None


def test_overrides_and_several_packs_round_trip(tmp_path, cache_dir):
    """A cause another pack overrides and a disabled rule are their own objects in Packs: the
    cached read still gives what a fresh load does, pack by pack."""
    from packkit import manifest

    base = standard_pack(tmp_path / "base", "base")
    local = tmp_path / "local"
    manifest(local, "local", """
        overrides:
          disable_rules: [widget-broken.ruled-out]
          knowledge:
            widget-broken: {title: "Our widget title"}
        """)
    fresh = load_packs([base, local], include_builtin=False, include_user_config=False, cache=False)
    load_packs([base, local], include_builtin=False, include_user_config=False)
    cached = load_packs([base, local], include_builtin=False, include_user_config=False)
    assert cached.causes["widget-broken"].title == "Our widget title"
    assert cached.packs[0].causes[0].title != "Our widget title"
    assert cached == fresh and [(p.rules, p.causes, p.cases) for p in cached.packs] == [
        (p.rules, p.causes, p.cases) for p in fresh.packs]
    assert [r.id for r in cached.disabled] == ["widget-broken.ruled-out"]
    assert cached.rule("widget-broken.ruled-out") == fresh.rule("widget-broken.ruled-out")


def test_a_header_whose_bytes_were_altered_is_ignored(cache_dir):
    """Each entry's first line (the compiled rules' conclusions and literal tests; the packs'
    codes, patterns and ranks) is trusted as read: one character changed there used to pass every
    check, and the changed literal test left its rule out of a diagnosis."""
    from relaydoctor.engine import api

    packs = load_packs(include_user_config=False)
    api._compile_cached(packs)
    (entry,) = cache_dir.glob("compiled-*.json")
    key = entry.name.removeprefix("compiled-").removesuffix(".json")
    head, _, body = entry.read_text().partition("\n")
    test = '["symptom","code","5.7.64"]'
    assert test in head
    entry.write_text(f"{head.replace(test, test.replace('64', '65'))}\n{body}")
    assert cache.read_compiled(key) is None
    entry.write_text(f"{head}\n{body}")
    assert cache.read_compiled(key) is not None

    (packs_entry,) = _entries(cache_dir)
    packs_key = packs_entry.name.removeprefix("packs-").removesuffix(".json")
    head, _, body = packs_entry.read_text().partition("\n")
    assert cache.read(packs_key) is not None
    assert "5.7.64" in head
    packs_entry.write_text(f"{head.replace('5.7.64', '5.7.65', 1)}\n{body}")
    assert cache.read(packs_key) is None


def test_a_case_file_changed_after_indexing_is_seen_when_the_cases_are_read(tmp_path, cache_dir, monkeypatch):
    """The stat index is found by the rule, code and cause files alone (a diagnosis never reads
    the test cases, ~300 of the built-in pack's ~850 files): a case edited later keeps the key, so
    a diagnosis reads the same entry without hashing, and whoever reads the cases (``rules test``,
    lint) gets them afresh from the YAML; the stale index entry is dropped, so the next load
    caches the cases as they are."""
    monkeypatch.setattr(cache, "RACY_SECONDS", -1.0)
    pack = standard_pack(tmp_path / "p")
    first = _load(pack)
    assert "widget-broken-positive" in {c.case for c in first.cases}
    (case_path,) = (pack / "rules").glob("*/cases/widget-broken-positive.yaml")
    case_path.write_text(case_path.read_text().replace("case: widget-broken-positive", "case: renamed"))
    real = cache.content_key
    monkeypatch.setattr(cache, "content_key", lambda *a: pytest.fail("the pack files were hashed"))
    again = _load(pack)  # as a diagnosis loads them: the same key, the same entry
    assert len(_entries(cache_dir)) == 1 and again.rules == first.rules
    assert {c.case for c in again.cases} == {"renamed", "widget-broken-negative", "widget-broken-unknown"}
    monkeypatch.setattr(cache, "content_key", real)
    fresh = load_packs([pack], include_builtin=False, include_user_config=False, cache=False)
    third = _load(pack)  # the index entry was dropped: a new key, its entry holds the new case
    assert len(_entries(cache_dir)) == 2 and third == fresh
    monkeypatch.setattr(loader_mod, "_load_one", lambda *a: pytest.fail("the YAML was read again"))
    assert {c.case for c in _load(pack).cases} == {c.case for c in fresh.cases}


def test_a_case_broken_after_indexing_fails_whoever_reads_the_cases(tmp_path, cache_dir, monkeypatch):
    monkeypatch.setattr(cache, "RACY_SECONDS", -1.0)
    pack = standard_pack(tmp_path / "p")
    _load(pack)
    (case_path,) = (pack / "rules").glob("*/cases/widget-broken-positive.yaml")
    case_path.write_text("case: [unclosed\n")
    packs = _load(pack)  # a diagnosis: the rules, codes and causes, as cached
    assert packs.rules and packs.codes
    with pytest.raises(PackErrors, match=r"widget-broken-positive\.yaml"):
        packs.cases  # noqa: B018 (what rules test and lint read)
    with pytest.raises(PackErrors, match=r"widget-broken-positive\.yaml"):
        _load(pack)  # the next run computes the key afresh, so reads every file


def test_a_rule_edited_after_indexing_gives_a_new_key(tmp_path, cache_dir, monkeypatch):
    monkeypatch.setattr(cache, "RACY_SECONDS", -1.0)
    pack = standard_pack(tmp_path / "p")
    first = _load(pack)
    rule_path = next(p for p in (pack / "rules").rglob("*.yaml") if "cases" not in p.parts)
    rule_path.write_text(rule_path.read_text().replace("description: Test rule", "description: Edited rule"))
    after = _load(pack)
    assert len(_entries(cache_dir)) == 2
    assert {r.description for r in after.rules} != {r.description for r in first.rules}


def test_the_key_covers_the_engine_modules_that_compiling_reads():
    """A changed module that the pack reader imports must give a new key (review14: ``utctime``,
    which parses the packs' dates, was left out). Modules that cannot change what is cached are
    named here with the reason; cases.py and lint.py only judge packs, they write nothing cached."""
    import ast

    pack_dir = Path(cache.__file__).resolve().parent
    cannot_change_output = {
        "errors",  # messages of a failed load: nothing is cached then
        "lazyre", "lazydataclass",  # compile-on-first-use machinery, same objects (own tests)
        "regexcache",  # the same pattern objects as re.compile (own tests); recognition is not cached
        "paths",  # where the cache folder is
        "__init__",  # the version, already part of the key
    }
    covered = {path.stem for path in cache._sources() if path.parent == pack_dir.parent}
    missing = set()
    for module in sorted(pack_dir.glob("*.py")):
        if module.name in ("cases.py", "lint.py"):
            continue
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 2:
                names = [node.module] if node.module else [alias.name for alias in node.names]
                if node.module is None and names == ["__version__"]:
                    names = ["__init__"]
                missing |= {name for name in names if name not in covered | cannot_change_output}
    assert missing == set()


@pytest.mark.parametrize("kind", ["causes", "codes"])
def test_a_knowledge_file_in_a_folder_named_cases_is_a_definition(tmp_path, cache_dir, monkeypatch, kind):
    """The loader reads every YAML file under knowledge/causes and knowledge/codes as a cause or
    code, sub-folders included, whatever they are named: an edit to one in a folder named
    ``cases`` must reach the key like any other (it was left out of the stat index, so a
    diagnosis kept the cached text)."""
    monkeypatch.setattr(cache, "RACY_SECONDS", -1.0)
    pack = standard_pack(tmp_path / "p")
    first_file = sorted((pack / "knowledge" / kind).rglob("*.yaml"))[0]
    moved = first_file.parent / "cases" / first_file.name
    moved.parent.mkdir()
    first_file.rename(moved)
    before = _load(pack)
    text = moved.read_text()
    assert "description:" in text or "title:" in text, text
    field = "description:" if "description:" in text else "title:"
    moved.write_text(text.replace(field, f"{field} Edited", 1))
    fresh = load_packs([pack], include_builtin=False, include_user_config=False, cache=False)
    assert fresh != before  # the edit is visible to a fresh load
    assert _load(pack) == fresh
