"""``relaydoctor facts``: every fact extracted (and every relation derived), with where it came from.

This is what an admin (or a rule author) checks when a verdict surprises them: did relaydoctor
read the file the way I think, and what did it conclude about names, ranges and dates?
"""

from __future__ import annotations

from typing import Any

from ..facts import RELATION_KINDS, Fact
from ..results import Report
from .common import one_line


def fact_json(fact: Fact) -> dict[str, Any]:
    p = fact.provenance
    return {
        "kind": fact.KIND,
        "relation": fact.KIND in RELATION_KINDS,
        "fields": fact.values(),
        "source": p.ref(),
        "file": p.source,
        "line": p.line,
        "excerpt": p.excerpt,
    }


def facts_json(report: Report) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "tool": {"name": "relaydoctor", "version": report.tool_version},
        "generated_at": report.generated_at,
        "evidence": [
            {"source": s.source, "kind": s.kind, "facts": s.facts, "skipped_reason": s.skipped_reason,
             "detail": s.detail}
            for s in report.evidence
        ],
        "facts": [fact_json(f) for f in report.facts],
        "notes": list(report.notes),  # the readers' warnings: a limit cut, a value not understood
    }


def facts_text(report: Report) -> str:
    from ..describe import describe

    evidence = [f for f in report.facts if f.KIND not in RELATION_KINDS]
    relations = [f for f in report.facts if f.KIND in RELATION_KINDS]
    lines = ["EVIDENCE"]
    for s in report.evidence:
        state = f"skipped: {one_line(s.skipped_reason)}" if s.skipped_reason else (
            f"{one_line(s.kind)}, {s.facts} fact{'s' if s.facts != 1 else ''}"
            + (f" ({one_line(s.detail)})" if s.detail else "")
        )
        lines.append(f"  {one_line(s.source)}  {state}")
    for title, group in ((f"FACTS ({len(evidence)})", evidence),
                         (f"RELATIONS ({len(relations)}, derived)", relations)):
        lines += ["", title]
        for fact in group:
            lines.append(f"  {fact.KIND}  @ {one_line(fact.provenance.ref())}")
            lines.append(f"      {one_line(describe(fact))}")
            fields = ", ".join(f"{k}={_value(v)}" for k, v in fact.values().items())
            if fields:
                lines.append(f"      {one_line(fields)}")
            if fact.provenance.excerpt:
                lines.append(f"      > {one_line(fact.provenance.excerpt)}")
    if report.notes:  # what the readers warned of: a limit cut, a value not understood
        lines += ["", f"NOTES ({len(report.notes)})", *(f"  - {one_line(n)}" for n in report.notes)]
    lines += ["", f"generated {report.generated_at} by relaydoctor {report.tool_version}"]
    return "\n".join(lines) + "\n"


def _value(v: Any) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(str(x) for x in v) + "]"
    return str(v)
