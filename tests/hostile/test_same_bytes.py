"""Same evidence, same bytes: the JSON report does not depend on argument order or file names."""

from __future__ import annotations

import datetime as dt
import random
import shutil

import pytest
from fuzzprofile import fuzz_settings
from hypothesis import given
from hypothesis import strategies as st
from relaydoctor.engine.api import diagnose
from relaydoctor.engine.report import render_json
from samplepath import SAMPLES as SAMPLE_DIR

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
SAMPLES = SAMPLE_DIR / "bundles"
BUNDLES = sorted(p.name for p in SAMPLES.iterdir()) if SAMPLES.is_dir() else []


def _json(paths: list[str], names: dict[str, str]) -> str:
    """The report with every path written back to the bundle's original file name."""
    text = render_json(diagnose(paths, now=NOW))
    for new, old in sorted(names.items(), key=lambda kv: -len(kv[0])):
        text = text.replace(new, old)
    return text.replace(r"\\", "/")


@pytest.fixture(scope="module")
def baselines() -> dict[str, str]:
    out = {}
    for bundle in BUNDLES:
        files = sorted(str(p) for p in (SAMPLES / bundle).iterdir())
        out[bundle] = _json(files, {str(SAMPLES / bundle) + "/": ""})
    return out


@pytest.mark.skipif(not BUNDLES, reason="no sample evidence (tests/fixtures/samples)")
@fuzz_settings(6)  # the deep profile raises it to its budget
@given(data=st.data())
def test_any_order_and_any_names_give_the_same_json(tmp_path_factory, baselines, data):
    bundle = data.draw(st.sampled_from(BUNDLES), label="bundle")
    files = sorted((SAMPLES / bundle).iterdir())
    order = data.draw(st.permutations(files), label="order")
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    rng = random.Random(seed)
    folder = tmp_path_factory.mktemp("renamed")
    names: dict[str, str] = {}
    paths = []
    for src in order:
        stem = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(12))
        dst = folder / f"{stem}{src.suffix}"
        shutil.copy(src, dst)
        names[str(dst)] = src.name
        paths.append(str(dst))
    assert _json(paths, names) == baselines[bundle]
