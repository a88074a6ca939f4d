"""Field-corpus scorer: how right relaydoctor is on cases rebuilt from public threads.

Run: ``python -m benchmarks.field`` (or ``python benchmarks/field.py``) from the repository root.
Each case in ``tests/field/cases/<id>/`` has an ``evidence/`` folder and a ``case.yaml`` naming the
cause its thread established (or ``undecidable: true`` with the question it should end on). The
real CLI (``relaydoctor diagnose --format json``) runs on a temporary copy of the evidence, after
the certificates the case lists are generated with ``cryptography``. Printed:

    top-1 X/N, wrong confirms W, undecidable-with-question U/M

- top-1: decidable cases whose leading verdict (the first ``confirmed``, else the first
  ``likely``, in report order) is the case's cause;
- wrong confirms: verdicts ``confirmed`` for a cause that is not the case's cause (nor one the
  case lists in ``also_true``), over every case: the defect that matters most;
- undecidable-with-question: undecidable cases that confirm nothing wrong and end with a question,
  a "missing evidence" item or a next step;
- wrong rule-outs / overclaims: a case may also list causes the evidence cannot decide against
  (``expect.not_ruled_out``: the thread's cause when the evidence is too thin to prove it) and causes
  it must not call confirmed or likely (``expect.not_likely``); each breach is counted, as is a
  symptom recognised as (or a verdict judged under) a code the evidence does not show
  (``expect.not_codes``).
Options: ``--json`` prints the per-case results as JSON; ``--case ID`` runs one case.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import shutil
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
CASES = REPO / "tests" / "field" / "cases"
NEXT_STEP_KEYS = ("questions", "missing_evidence", "next_steps", "next_evidence")


@dataclass
class CaseResult:
    case: str
    expected: str  # the cause, or "undecidable"
    leading: str | None
    leading_status: str | None
    top1: bool | None  # None for undecidable cases
    wrong_confirms: list[str] = field(default_factory=list)
    wrong_rule_outs: list[str] = field(default_factory=list)  # expect.not_ruled_out causes ruled out
    overclaims: list[str] = field(default_factory=list)  # expect.not_likely causes confirmed or likely
    wrong_codes: list[str] = field(default_factory=list)  # expect.not_codes the symptoms were given
    has_next_step: bool = False
    fix_ok: bool | None = None
    needs: list[str] = field(default_factory=list)
    error: str | None = None


def load_case(folder: Path) -> dict[str, Any]:
    return yaml.safe_load((folder / "case.yaml").read_text(encoding="utf-8"))


def _when(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _write_certificates(specs: list[dict[str, Any]], dest: Path) -> dict[str, str]:
    """Generate the certificates a case lists (never checked in): leaf-only, full chain or self-signed.

    Returns the ``{{thumb:FILE}}`` / ``{{serial:FILE}}`` values that the case's logs refer to."""
    sys.path.insert(0, str(REPO / "tests"))
    try:
        import certfactory as cf
    finally:
        sys.path.pop(0)
    values: dict[str, str] = {}
    for spec in specs:
        nb, na = _when(spec["not_before"]), _when(spec["not_after"])
        kind = spec.get("chain", "full")
        if kind == "self-signed":
            leaf = cf.make_self_signed(spec["cn"], spec.get("sans", []), nb, na).cert
            data = cf.to_der(leaf)
        else:
            chain = cf.make_chain(spec["cn"], spec.get("sans", []), nb, na)
            leaf = chain.leaf.cert
            data = cf.to_der(leaf) if kind == "leaf" else cf.to_pem(*chain.certs)
        (dest / spec["file"]).write_bytes(data)
        values[f"{{{{thumb:{spec['file']}}}}}"] = cf.thumbprint(leaf).upper()
        values[f"{{{{serial:{spec['file']}}}}}"] = f"{leaf.serial_number:X}"
    return values


def _fill_templates(folder: Path, values: dict[str, str]) -> None:
    for path in folder.rglob("*"):
        if not values or not path.is_file():
            continue
        data = path.read_bytes()
        if b"{{" not in data:
            continue
        for key, value in values.items():
            data = data.replace(key.encode(), value.encode())
        path.write_bytes(data)


def diagnose_case(folder: Path, meta: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """Run the CLI on a copy of the case's evidence; return (report, stderr)."""
    from relaydoctor.engine import cli

    with tempfile.TemporaryDirectory(prefix="field-") as tmp:
        evidence = Path(tmp) / "evidence"
        shutil.copytree(folder / "evidence", evidence)
        _fill_templates(evidence, _write_certificates(meta.get("certificates") or [], evidence))
        now = meta.get("now", "2026-11-27T12:00:00Z")
        argv = ["diagnose", str(evidence), "--format", "json", "--now", now]
        for text in meta.get("ndr") or []:
            argv += ["--ndr", text]
        for key, value in (meta.get("answers") or {}).items():
            argv += ["--answer", f"{key}={value}"]
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(argv)
        if code != 0:
            return None, err.getvalue().strip() or f"exit {code}"
        return json.loads(out.getvalue()), err.getvalue()


def _leading(verdicts: list[dict[str, Any]]) -> dict[str, Any] | None:
    for status in ("confirmed", "likely"):
        for verdict in verdicts:
            if verdict.get("status") == status:
                return verdict
    return None


def _has_next_step(report: dict[str, Any]) -> bool:
    if any(report.get(key) for key in NEXT_STEP_KEYS):
        return True
    return any(v.get(key) for v in report.get("verdicts", []) for key in NEXT_STEP_KEYS)


def _remediation_text(verdict: dict[str, Any] | None) -> str:
    if not verdict:
        return ""
    parts = []
    for step in verdict.get("remediation", []):
        parts.append(step.get("step", ""))
        parts.extend(step.get("commands", []))
    return "\n".join(parts).lower()


def score_case(folder: Path) -> CaseResult:
    meta = load_case(folder)
    expect = meta.get("expect") or {}
    undecidable = bool(expect.get("undecidable"))
    cause = None if undecidable else expect.get("cause")
    allowed = {c for c in [cause, *expect.get("also_true", [])] if c}
    result = CaseResult(
        case=meta.get("id", folder.name), expected=cause or "undecidable", leading=None, leading_status=None,
        top1=None if undecidable else False, needs=list(meta.get("needs") or []),
    )
    try:
        report, err = diagnose_case(folder, meta)
    except Exception as exc:  # a crash is a result too: recorded, never hidden
        result.error = f"{type(exc).__name__}: {exc}"
        return result
    if report is None:
        result.error = err
        return result
    verdicts = report.get("verdicts", [])
    lead = _leading(verdicts)
    if lead:
        result.leading, result.leading_status = lead["cause"], lead["status"]
    result.wrong_confirms = sorted({v["cause"] for v in verdicts if v.get("status") == "confirmed"} - allowed)
    status = {v["cause"]: v.get("status") for v in verdicts}
    result.wrong_rule_outs = sorted(
        c for c in expect.get("not_ruled_out") or [] if status.get(c) == "ruled_out"
    )
    result.overclaims = sorted(
        c for c in expect.get("not_likely") or [] if status.get(c) in ("confirmed", "likely")
    )
    shown = {s.get("code") for s in report.get("symptoms", [])} | {v.get("code") for v in verdicts}
    result.wrong_codes = sorted(c for c in expect.get("not_codes") or [] if c in shown)
    result.has_next_step = _has_next_step(report)
    if not undecidable:
        result.top1 = result.leading == cause
        mentions = expect.get("fix_mentions") or []
        if mentions:
            text = _remediation_text(lead if result.top1 else None)
            result.fix_ok = all(m.lower() in text for m in mentions)
    return result


def case_folders(only: str | None = None) -> list[Path]:
    folders = sorted(p for p in CASES.iterdir() if (p / "case.yaml").is_file())
    return [p for p in folders if only is None or p.name == only]


def summary(results: list[CaseResult]) -> dict[str, int]:
    decidable = [r for r in results if r.top1 is not None]
    undecidable = [r for r in results if r.top1 is None]
    return {
        "top1": sum(1 for r in decidable if r.top1), "decidable": len(decidable),
        "wrong_confirms": sum(len(r.wrong_confirms) for r in results),
        "wrong_rule_outs": sum(len(r.wrong_rule_outs) for r in results),
        "overclaims": sum(len(r.overclaims) for r in results),
        "wrong_codes": sum(len(r.wrong_codes) for r in results),
        "undecidable_ok": sum(
            1 for r in undecidable if r.has_next_step and not r.wrong_confirms and not r.error
        ),
        "undecidable": len(undecidable), "errors": sum(1 for r in results if r.error),
    }


def run(only: str | None = None) -> list[CaseResult]:
    return [score_case(folder) for folder in case_folders(only)]


def render(results: list[CaseResult]) -> str:
    s = summary(results)
    rows = [f"{'case':<56} {'expected':<34} {'leading':<38} result"]
    for r in results:
        if r.error:
            verdict = f"ERROR {r.error[:60]}"
        elif r.top1 is None:
            verdict = "ok (asks)" if r.has_next_step and not r.wrong_confirms else "NO QUESTION"
        else:
            verdict = "ok" if r.top1 else "miss"
        if r.wrong_confirms:
            verdict += f" WRONG CONFIRM {','.join(r.wrong_confirms)}"
        if r.wrong_rule_outs:
            verdict += f" WRONG RULE-OUT {','.join(r.wrong_rule_outs)}"
        if r.overclaims:
            verdict += f" OVERCLAIM {','.join(r.overclaims)}"
        if r.wrong_codes:
            verdict += f" WRONG CODE {','.join(r.wrong_codes)}"
        if r.fix_ok is False:
            verdict += " (fix incomplete)"
        if r.needs and not (r.top1 or (r.top1 is None and r.has_next_step)):
            verdict += " [needs: " + "; ".join(r.needs) + "]"
        lead = f"{r.leading} ({r.leading_status})" if r.leading else "-"
        rows.append(f"{r.case:<56} {r.expected:<34} {lead:<38} {verdict}")
    rows.append("")
    rows.append(f"top-1 {s['top1']}/{s['decidable']}, wrong confirms {s['wrong_confirms']}, "
                f"undecidable-with-question {s['undecidable_ok']}/{s['undecidable']}"
                + (f", wrong rule-outs {s['wrong_rule_outs']}" if s["wrong_rule_outs"] else "")
                + (f", overclaims {s['overclaims']}" if s["overclaims"] else "")
                + (f", wrong codes {s['wrong_codes']}" if s["wrong_codes"] else "")
                + (f", errors {s['errors']}" if s["errors"] else ""))
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.field", description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="per-case results as JSON")
    parser.add_argument("--case", help="run only this case id")
    args = parser.parse_args(argv)
    results = run(args.case)
    if args.json:
        print(json.dumps({"summary": summary(results), "cases": [asdict(r) for r in results]}, indent=2))
    else:
        print(render(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
