"""The manifest `relaydoctor collect-script` writes: no facts, but what could not be collected.

Each `not_collected` entry becomes a warning, so the report says which evidence is missing and why
instead of leaving a silent gap.
"""

from __future__ import annotations

import json

from ..errors import EvidenceError
from .base import Document, ParseResult

KIND = "collector_manifest"
_MARK = '"relaydoctor-collect"'


def sniff(doc: Document) -> bool:
    head = doc.head_text()
    return _MARK in head and '"collector"' in head


def parse(doc: Document) -> ParseResult:
    try:
        data = json.loads(doc.text())
    except json.JSONDecodeError as exc:
        msg = f"collector manifest is not valid JSON: {exc.msg}"
        raise EvidenceError(msg, doc.name, exc.lineno) from None
    if not isinstance(data, dict):
        raise EvidenceError("collector manifest is not a JSON object", doc.name)
    files = data.get("files") or []
    missing = data.get("not_collected") or []
    warnings = []
    for item in missing if isinstance(missing, list) else []:
        if isinstance(item, dict):
            warnings.append(f"not collected: {item.get('what', '?')} ({item.get('why', '?')})")
    runs = data.get("runs")
    if not (isinstance(runs, list) and any(isinstance(r, dict) for r in runs)):
        runs = [data]  # collector version 1: one run, described at the top level
    where = ", ".join(
        f"{r.get('computer', '?')} at {r.get('collected_at', '?')}" for r in runs if isinstance(r, dict)
    )
    scopes = data.get("scopes")
    scoped = len(scopes) if isinstance(scopes, dict) else 0
    detail = (
        f"collected on {where}: "
        f"{len(files) if isinstance(files, list) else 0} file(s), {len(warnings)} not collected"
        + (f", scope recorded for {scoped}" if scoped else "")
    )
    return ParseResult(facts=[], detail=detail, warnings=warnings)
