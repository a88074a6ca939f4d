"""The CLI test helpers (tests/engine/cli/clikit.py), importable from tests/hostile."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine" / "cli"))

from clikit import REPO, Run, run_cli, run_main

__all__ = ["REPO", "Run", "run_cli", "run_main"]
