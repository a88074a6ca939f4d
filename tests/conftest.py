"""Shared fixtures: where the shared sample evidence lives, and a fixed clock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import fuzzprofile  # noqa: F401  (registers the Hypothesis profiles: default and deep)
import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO.parent / "shared" / "samples"


@pytest.fixture(scope="session")
def samples() -> Path:
    if not SAMPLES.is_dir():
        pytest.skip("../shared/samples is not beside this checkout")
    return SAMPLES


@pytest.fixture
def fixed_now() -> dt.datetime:
    return dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
