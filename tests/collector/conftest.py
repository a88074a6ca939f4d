"""Fixtures for the collector tests: the fixture folder. The real loader and parsers run."""

from __future__ import annotations

from pathlib import Path

import pytest
from collectorkit import SCENARIO


@pytest.fixture
def scenario() -> Path:
    return SCENARIO
