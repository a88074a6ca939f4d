"""Hypothesis end to end: mutated evidence under hostile file names → diagnosis → every format,
redacted and not; and mutated pack YAML → the pack loader. Only relaydoctor errors may escape,
no output carries a raw control or bidi character, JSON always parses, and a name planted in the
evidence never survives --redact. ``RELAYDOCTOR_HYPOTHESIS=deep`` runs 10,000 examples each."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
from fuzzprofile import fuzz_settings
from hypothesis import given
from hypothesis import strategies as st
from relaydoctor.engine.api import diagnose
from relaydoctor.engine.errors import InputError, PackErrors
from relaydoctor.engine.pack import load_pack_dirs
from relaydoctor.engine.report import redact_report, render
from relaydoctor.engine.report.factsview import facts_json, facts_text
from samplepath import SAMPLES as SAMPLE_DIR

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
REPO = Path(__file__).resolve().parents[2]
SAMPLES = SAMPLE_DIR
SOURCES = sorted(
    [p for p in SAMPLES.rglob("*") if p.is_file() and "_generator" not in p.parts and p.suffix != ".py"]
    + [p for p in (REPO / "tests" / "fixtures").rglob("*") if p.is_file()]
) if SAMPLES.is_dir() else []
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
HOSTILE = st.sampled_from(["\x1b[31m", "\u202e", "\u2066", "\x00", "\r", "\x9b", "\u2028", "\ufeff",
                           "é", "ü", "\\", "'", "\"", "`", "{", "}", "[", "]", "$(", "%s", "\udcff"])
PLANTED = "qzxplanted.berlin"


def _name(draw_text: str) -> str:
    cleaned = draw_text.replace("/", "_").replace("\x00", "_").strip() or "x"
    return cleaned[:80]


@st.composite
def mutated(draw) -> tuple[Path, bytes, str]:
    src = draw(st.sampled_from(SOURCES))
    data = bytearray(src.read_bytes())
    for _ in range(draw(st.integers(0, 3))):
        op = draw(st.sampled_from(["insert", "cut", "plant", "flip"]))
        pos = draw(st.integers(0, len(data)))
        if op == "insert":
            data[pos:pos] = draw(HOSTILE).encode("utf-8", "surrogatepass")
        elif op == "cut":
            del data[pos:]
        elif op == "plant":
            data[pos:pos] = f" mail.{PLANTED} relay@{PLANTED} ".encode()
        elif data:
            data[min(pos, len(data) - 1)] ^= draw(st.integers(1, 255))
    name = _name(draw(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)))
    name += draw(HOSTILE).replace("/", "_").replace("\x00", "_").replace("\udcff", "_") + src.suffix
    return src, bytes(data), name


def _check_output(text: str) -> None:
    assert not UNSAFE.search(text), repr(UNSAFE.search(text).group(0))
    text.encode("utf-8")  # no lone surrogates


@pytest.mark.skipif(not SOURCES, reason="no sample evidence (tests/fixtures/samples)")
@fuzz_settings(6)
@given(case=mutated(), redact=st.booleans())
def test_mutated_evidence_reaches_every_renderer_safely(tmp_path_factory, case, redact):
    _src, data, name = case
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / name
    path.write_bytes(data)
    try:
        report = diagnose([str(folder)], now=NOW)
    except InputError:
        return  # a one-line refusal is an acceptable answer to a broken file
    if redact:
        report = redact_report(report)
    for fmt in ("text", "markdown", "json"):
        out = render(report, fmt)
        _check_output(out)
        if fmt == "json":
            json.loads(out)
        if redact:
            assert PLANTED not in out.lower()
    _check_output(facts_text(report))
    from relaydoctor.engine.report.common import json_text

    _check_output(json_text(facts_json(report)))


BUILTIN = REPO / "knowledge"


@fuzz_settings(6)
@given(data=st.data())
def test_mutated_pack_yaml_only_gives_pack_errors(tmp_path_factory, data):
    pack = tmp_path_factory.mktemp("pack") / "p"
    (pack / "knowledge" / "codes").mkdir(parents=True)
    (pack / "knowledge" / "causes").mkdir(parents=True)
    (pack / "rules").mkdir()
    manifest = 'id: fuzz\nversion: "1.0.0"\nengine_format: 1\ndescription: fuzz\n'
    (pack / "pack.yaml").write_text(manifest, "utf-8")
    yamls = sorted(BUILTIN.rglob("*.yaml"))
    src = data.draw(st.sampled_from(yamls), label="file")
    rel = src.relative_to(BUILTIN)
    dest = pack / ("knowledge" if rel.parts[0] in ("codes", "causes") else "") / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    text = src.read_text("utf-8")
    pos = data.draw(st.integers(0, len(text)), label="pos")
    tricks = ["&a x", "*a", "- [", "{{", "!!python/object:os.system", "\t", "(a+)+$", "(.*a){12}!"]
    junk = data.draw(st.text(max_size=40) | st.sampled_from(tricks))
    if rel.parts[0] == "rules":
        shutil.copytree(BUILTIN / "rules", pack / "rules", dirs_exist_ok=True)
    dest.write_text(text[:pos] + junk + text[pos:], "utf-8")
    try:
        load_pack_dirs([pack])
    except PackErrors as exc:
        assert all(e.one_line() for e in exc.errors)
