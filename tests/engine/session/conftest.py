"""Fixtures for the engine facade's tests; rule-building helpers live in session_kit.py."""

from __future__ import annotations

import pytest
from relaydoctor.engine.session import RuleEngine


@pytest.fixture
def engine() -> RuleEngine:
    """A fresh engine per test (the shared one is tested separately)."""
    return RuleEngine()
