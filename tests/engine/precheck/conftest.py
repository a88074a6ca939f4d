"""The ``bundle`` fixture: an empty evidence folder to fill with ``precheckkit.Bundle``."""

from __future__ import annotations

from pathlib import Path

import pytest
from precheckkit import Bundle


@pytest.fixture
def bundle(tmp_path: Path) -> Bundle:
    return Bundle(tmp_path / "evidence")
