"""Where the collector fixtures are."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "collector"
SCENARIO = FIXTURES / "renewed-certificate"
