"""Hypothesis over the CLI: options and evidence combined, always exit 0 or 2 with one line, the
output file written whole in the format its extension names, never over the evidence."""

from __future__ import annotations

import json
import shutil

import pytest
from clikit_path import run_main
from fuzzprofile import fuzz_settings
from hypothesis import given
from hypothesis import strategies as st
from samplepath import SAMPLES as SAMPLE_DIR

SAMPLES = SAMPLE_DIR
FILES = sorted(p for p in (SAMPLES / "bundles").rglob("*") if p.is_file()) if SAMPLES.is_dir() else []


@pytest.mark.skipif(not FILES, reason="no sample evidence (tests/fixtures/samples)")
@fuzz_settings(8)
@given(
    files=st.lists(st.sampled_from(FILES), min_size=1, max_size=4, unique=True),
    fmt=st.sampled_from([None, "text", "markdown", "json"]),
    ext=st.sampled_from([".json", ".md", ".txt", ".out", ""]),
    redact=st.booleans(),
    command=st.sampled_from(["diagnose", "facts"]),
    answer=st.sampled_from([None, "egress_ip=198.51.100.77", "bad key=1"]),
    target=st.sampled_from(["new", "existing", "existing-force", "an-input"]),
)
def test_option_combinations(tmp_path_factory, capsys, files, fmt, ext, redact, command, answer, target):
    folder = tmp_path_factory.mktemp("cli")
    inputs = []
    for src in files:
        dst = folder / src.name
        shutil.copy(src, dst)
        inputs.append(dst)
    before = {p: p.read_bytes() for p in inputs}
    out = folder / f"report{ext}"
    args = [command, *map(str, inputs), "--now", "2026-11-27T12:00:00Z"]
    if target == "an-input":
        out = inputs[0]
    elif target.startswith("existing"):
        out.write_text("old", "utf-8")
    args += ["--output", str(out)]
    if target == "existing-force":
        args.append("--force")
    if fmt is not None and not (command == "facts" and fmt == "markdown"):
        args += ["--format", fmt]
    if redact:
        args.append("--redact")
    if answer is not None and command == "diagnose":
        args += ["--answer", answer]
    code = run_main(capsys, *args)
    assert code.code in (0, 2), (code.code, code.err)
    assert "Traceback" not in code.err
    if code.code == 2:
        assert len(code.err.splitlines()) == 1
    assert {p: p.read_bytes() for p in inputs} == before  # the evidence is never touched
    if target == "existing" or target == "an-input":
        assert code.code == 2
    if code.code == 0:
        text = out.read_text("utf-8")
        chosen = fmt or {".json": "json", ".md": "markdown"}.get(ext, "text")
        if command == "facts" and chosen == "markdown":
            chosen = "text"
        if chosen == "json":
            json.loads(text)
        elif chosen == "markdown":
            assert text.startswith("# ")
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]
