"""docs/limits.md names every MAX_* limit the engine defines (so a new limit cannot go unlisted)."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_every_engine_limit_is_in_docs_limits():
    doc = (REPO / "docs" / "limits.md").read_text("utf-8")
    missing = []
    for path in sorted((REPO / "engine").rglob("*.py")):
        for name in re.findall(r"^(_?MAX_[A-Z_]+|PATTERN_TIME_BUDGET)\s*=", path.read_text("utf-8"), re.M):
            if f"`{name}`" not in doc and f"{name}`" not in doc and name not in doc:
                missing.append(f"{path.relative_to(REPO)}: {name}")
    assert missing == [], "add these limits to docs/limits.md"
