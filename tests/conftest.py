"""Shared fixtures: where the shared sample evidence lives, and a fixed clock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import fuzzprofile  # noqa: F401  (registers the Hypothesis profiles: default and deep)
import pytest
from samplepath import SAMPLES as SAMPLE_DIR

REPO = Path(__file__).resolve().parent.parent
SAMPLES = SAMPLE_DIR


@pytest.fixture(scope="session")
def samples() -> Path:
    if not SAMPLES.is_dir():
        pytest.skip("no sample evidence (tests/fixtures/samples)")
    return SAMPLES


@pytest.fixture
def fixed_now() -> dt.datetime:
    return dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="session", autouse=True)
def _pack_cache_in_tmp(tmp_path_factory: pytest.TempPathFactory):
    """The pack cache of the test run lives in a temporary folder, never the user's cache."""
    import os

    old = os.environ.get("RELAYDOCTOR_CACHE_DIR")
    os.environ["RELAYDOCTOR_CACHE_DIR"] = str(tmp_path_factory.mktemp("relaydoctor-cache"))
    yield
    if old is None:
        os.environ.pop("RELAYDOCTOR_CACHE_DIR", None)
    else:
        os.environ["RELAYDOCTOR_CACHE_DIR"] = old
