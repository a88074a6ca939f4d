"""The ``logs`` fixture: a folder to write logs into, with the exports that give the verdicts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture
def logs(tmp_path: Path, samples: Path) -> Path:  # type: ignore[no-untyped-def]
    folder = tmp_path / "logs"
    folder.mkdir()
    for name in ("Get-InboundConnector.fl.txt", "Get-AcceptedDomain.fl.txt", "Get-MgDomain.json"):
        shutil.copy(samples / "bundles" / "renewed-certificate" / name, folder)
    return folder
