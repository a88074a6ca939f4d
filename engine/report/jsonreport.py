"""The JSON report (a contract: docs/architecture.md, "Contracts"): exactly ``Report.to_json()``.

Its JSON Schema is committed as ``engine/schemas/report.schema.json``.
"""

from __future__ import annotations

import json
from typing import Any

from ..results import Report
from .common import check_sorted, json_text


def render_json(report: Report) -> str:
    check_sorted(report)
    return json_text(report.to_json())


def report_schema() -> dict[str, Any]:
    """The committed JSON Schema (draft 2020-12) of the JSON report."""
    from importlib import resources  # only here: importlib.resources pulls in zipfile and tempfile

    text = resources.files("relaydoctor.engine").joinpath("schemas/report.schema.json").read_text("utf-8")
    return json.loads(text)
