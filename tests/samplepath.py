"""Where the sample evidence is: the copy in this repository (tests/fixtures/samples, rebuilt by its
_generator/ scripts), else the team's shared folder beside the checkout. Tests never skip on a
fresh clone for want of it."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
_CANDIDATES = (REPO / "tests" / "fixtures" / "samples", REPO.parent / "shared" / "samples")
SAMPLES = next((p for p in _CANDIDATES if p.is_dir()), _CANDIDATES[0])
