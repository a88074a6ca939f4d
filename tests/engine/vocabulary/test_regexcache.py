"""engine/regexcache.py: a pattern made from a kept program is the pattern ``re.compile`` makes.

``re.Pattern`` equality compares the pattern, the flags and the compiled program word by word,
so ``==`` against ``re.compile`` is the proof that nothing a pattern matches has changed. Every
``lazyre`` pattern of the code base is checked, made afresh and read back from the file.
"""

from __future__ import annotations

import gc
import importlib
import json
import pkgutil
import re
import zlib

import pytest
from relaydoctor.engine import lazyre, regexcache

RULE_LIKE = r"(?P<code>[245]\.\d\.\d{1,3})\s+(?P<text>.*?)(?:;|$)"


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    """regexcache as at the start of a run, its cache folder empty."""
    monkeypatch.setenv("RELAYDOCTOR_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(regexcache, "_lines", None)
    monkeypatch.setattr(regexcache, "_file", None)
    monkeypatch.setattr(regexcache, "_new", {})
    return tmp_path


def _next_run(monkeypatch) -> None:
    """What a new process sees: the programs of the last one on disk, nothing in memory."""
    regexcache.save()
    monkeypatch.setattr(regexcache, "_lines", None)
    monkeypatch.setattr(regexcache, "_file", None)


def _no_compiling(monkeypatch) -> None:
    def refuse(*_args):
        raise AssertionError("compiled although the program was kept")

    monkeypatch.setattr(regexcache, "_compile", refuse)


def _code_base_patterns() -> list[tuple[str, int]]:
    """Every ``lazyre`` pattern of the engine's modules (imported here, so all of them)."""
    import relaydoctor.engine as engine

    for info in pkgutil.walk_packages(engine.__path__, "relaydoctor.engine."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    found = {(o.pattern, int(o.flags_given)) for o in gc.get_objects() if isinstance(o, lazyre.LazyPattern)}
    return sorted(found)


def test_every_pattern_of_the_code_base_is_the_one_re_compile_makes(fresh, monkeypatch):
    patterns = _code_base_patterns()
    assert len(patterns) > 200  # the evidence parsers' and the pack's patterns are all here
    made = [regexcache.compile(p, f) for p, f in patterns]
    assert made == [re.compile(p, f) for p, f in patterns]
    _next_run(monkeypatch)
    assert regexcache.path().is_file()
    _no_compiling(monkeypatch)
    kept = [regexcache.compile(p, f) for p, f in patterns]
    assert kept == [re.compile(p, f) for p, f in patterns]
    for rx, (p, f) in zip(kept, patterns, strict=True):
        real = re.compile(p, f)
        assert (rx.pattern, rx.flags, rx.groups, rx.groupindex) == (real.pattern, real.flags, real.groups,
                                                                     real.groupindex)


def test_a_kept_pattern_matches_as_re_does(fresh, monkeypatch):
    regexcache.compile(RULE_LIKE, re.IGNORECASE)
    _next_run(monkeypatch)
    _no_compiling(monkeypatch)
    kept, real = regexcache.compile(RULE_LIKE, re.IGNORECASE), re.compile(RULE_LIKE, re.IGNORECASE)
    text = "550 5.7.64 TenantAttribution; Relay Access Denied; 4.4.62 Mail sent to the wrong Office 365"
    assert [m.groupdict() for m in kept.finditer(text)] == [m.groupdict() for m in real.finditer(text)]
    assert kept.sub(r"<\g<code>>", text) == real.sub(r"<\g<code>>", text)


def test_lazy_patterns_are_kept_between_runs(fresh, monkeypatch):
    lazyre.compile(r"^#\s*log-type\s*:\s*(?P<value>.*?)\s*$", re.IGNORECASE).search("#Log-type: Send")
    _next_run(monkeypatch)
    _no_compiling(monkeypatch)
    lazy = lazyre.compile(r"^#\s*log-type\s*:\s*(?P<value>.*?)\s*$", re.IGNORECASE)
    assert lazy.search("#LOG-TYPE:  Receive Connector ").group("value") == "Receive Connector"


def test_a_file_not_as_written_is_ignored(fresh, monkeypatch):
    regexcache.compile(RULE_LIKE)
    _next_run(monkeypatch)
    file = regexcache.path()
    data = bytearray(file.read_bytes())
    data[-20] ^= 1  # one bit of a program: the seal no longer holds
    file.write_bytes(bytes(data))
    assert regexcache.compile(RULE_LIKE) == re.compile(RULE_LIKE)
    assert regexcache._new  # compiled afresh, to be written again


def test_a_program_the_engine_refuses_is_compiled_afresh(fresh, monkeypatch):
    regexcache.compile(RULE_LIKE)
    (key, line), = regexcache._new.items()
    entry = json.loads(line.split(b"\t", 2)[2])
    entry[4] = "AAAAAAAAAAA="  # words the engine rejects, in a line sealed as written
    rest = key + b"\t" + json.dumps(entry).encode()
    regexcache._new[key] = b"%08x\t%s" % (zlib.crc32(rest), rest)
    _next_run(monkeypatch)
    assert regexcache.compile(RULE_LIKE) == re.compile(RULE_LIKE)
    _next_run(monkeypatch)  # and the good program replaced it
    _no_compiling(monkeypatch)
    assert regexcache.compile(RULE_LIKE) == re.compile(RULE_LIKE)


def test_only_the_lines_of_the_patterns_used_are_decoded(fresh, monkeypatch):
    regexcache.compile(RULE_LIKE)
    regexcache.compile(r"(?P<other>\d+)")
    _next_run(monkeypatch)
    file = regexcache.path()
    lines = file.read_text().split("\n")
    assert len(lines) == 3 and all(len(line.split("\t")) == 3 for line in lines[1:])
    file.write_text("\n".join([*lines, "garbage\tnot\ta line"]))  # a line that does not decode
    _no_compiling(monkeypatch)
    assert regexcache.compile(RULE_LIKE) == re.compile(RULE_LIKE)


def test_another_interpreters_file_is_not_read(fresh, monkeypatch):
    regexcache.compile(RULE_LIKE)
    monkeypatch.setattr(regexcache, "_ENGINE", "3.99.0 another build|sre 1 4 1 1|1")
    _next_run(monkeypatch)
    monkeypatch.setattr(regexcache, "_ENGINE", regexcache._ENGINE.replace("3.99.0", "3.98.0"))
    monkeypatch.setattr(regexcache, "path", lambda: fresh / "same-name.json")  # even under its name
    (fresh / "same-name.json").write_bytes(next(fresh.glob("regex-programs-*")).read_bytes())
    assert regexcache._read() == {}


def test_an_unwritable_cache_folder_only_costs_speed(fresh, monkeypatch):
    blocked = fresh / "blocked"
    blocked.write_text("a file where the folder should be")
    monkeypatch.setenv("RELAYDOCTOR_CACHE_DIR", str(blocked))
    assert regexcache.compile(RULE_LIKE) == re.compile(RULE_LIKE)
    regexcache.save()
    assert blocked.read_text() == "a file where the folder should be"
    assert [p.name for p in fresh.iterdir()] == ["blocked"]


def test_invalid_patterns_and_other_flags_behave_as_re_compile(fresh):
    with pytest.raises(re.error):
        regexcache.compile(r"(unclosed")
    assert regexcache.compile(rb"\d+") == re.compile(rb"\d+")  # bytes: not kept
    assert regexcache.compile(r"a", re.ASCII) == re.compile(r"a", re.ASCII)
    assert not any(b"(unclosed" in k for k in regexcache._new) and len(regexcache._new) == 1  # "a" only


def test_no_cache_folder_to_be_had_only_costs_speed(fresh, monkeypatch):
    def homeless():
        raise RuntimeError("Could not determine home directory")

    monkeypatch.setattr(regexcache, "path", homeless)
    assert regexcache.compile(RULE_LIKE) == re.compile(RULE_LIKE)
    regexcache.save()  # nothing to write to: no error
    assert list(fresh.iterdir()) == []


@pytest.mark.parametrize(
    "position, value", [(1, 10**30), (0, 10**30), (2, {"code": 10**30}), (2, {"code": 2}), (1, 9)]
)
def test_a_sealed_line_the_engine_cannot_take_is_compiled_afresh(fresh, monkeypatch, position, value):
    """Numbers too large for the engine's C types raise OverflowError in ``_sre.compile``, which
    was not among the errors caught: every run using the pattern ended in a traceback. Group
    names and counts that disagree were taken as written (``==`` does not compare them): matches
    named the wrong groups or carried extra ones."""
    regexcache.compile(RULE_LIKE)
    (key, line), = regexcache._new.items()
    entry = json.loads(line.split(b"\t", 2)[2])
    entry[position] = value
    rest = key + b"\t" + json.dumps(entry).encode()
    regexcache._new[key] = b"%08x\t%s" % (zlib.crc32(rest), rest)
    _next_run(monkeypatch)
    assert regexcache.compile(RULE_LIKE) == re.compile(RULE_LIKE)
    assert regexcache._new  # compiled afresh, to be written again
