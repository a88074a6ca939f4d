"""The pack-authoring suite reuses the pack helpers (packkit) and the CLI helper (clikit)."""

from __future__ import annotations

import sys
from pathlib import Path

_TESTS = Path(__file__).resolve().parents[1]
for helper_dir in (_TESTS / "engine" / "pack", _TESTS / "engine" / "cli"):
    if str(helper_dir) not in sys.path:
        sys.path.insert(0, str(helper_dir))
