"""Precheck renderers: one line per check (pass/warn/fail), its evidence and filled commands.

Text is for terminals (control characters escaped, ``--verbose`` shows every evidence link);
Markdown escapes untrusted text; JSON is ``PrecheckReport.to_json()``.
"""

from __future__ import annotations

import textwrap

from ..precheck.model import Check, Plan, PrecheckReport
from .common import json_text, one_line
from .markdown import md, md_code_block, md_link

LABEL = {"pass": "PASS", "warn": "WARN", "fail": "FAIL"}
_COLOR = {"pass": "\x1b[32m", "warn": "\x1b[33m", "fail": "\x1b[31;1m"}
_RESET = "\x1b[0m"


def precheck_schema() -> dict:
    """The committed JSON Schema (draft 2020-12) of ``precheck --format json``."""
    import json
    from importlib import resources

    text = resources.files("relaydoctor.engine").joinpath("schemas/precheck.schema.json").read_text("utf-8")
    return json.loads(text)


def render_precheck(
    report: PrecheckReport, fmt: str, *, color: bool = False, verbose: bool = False, width: int = 100
) -> str:
    if fmt == "json":
        return json_text(report.to_json())
    if fmt == "markdown":
        return precheck_markdown(report)
    return precheck_text(report, color=color, verbose=verbose, width=width)


def plan_words(plan: Plan) -> str:
    parts = []
    if plan.cert:
        parts.append(f"certificate {plan.cert}")
    if plan.egress_ip:
        parts.append(f"egress IP {plan.egress_ip}")
    if plan.connector_cert_name is not None:
        parts.append(f"TlsSenderCertificateName {plan.connector_cert_name}")
    if plan.connector_ips is not None:
        parts.append(f"SenderIPAddresses {', '.join(plan.connector_ips) or '(empty)'}")
    if plan.connector:
        parts.append(f"on connector {plan.connector}")
    if plan.sender_domain:
        parts.append(f"sending domain {plan.sender_domain}")
    if not parts:
        return f"audit of the current configuration (expiry window {plan.days} days)"
    return "; ".join(parts)


def _counts(report: PrecheckReport) -> str:
    c = report.counts()
    return ", ".join(f"{c[s]} {s}" for s in ("fail", "warn", "pass"))


def precheck_text(
    report: PrecheckReport, *, color: bool = False, verbose: bool = False, width: int = 100
) -> str:
    def paint(status: str, text: str) -> str:
        return f"{_COLOR[status]}{text}{_RESET}" if color else text

    width = max(60, width)
    out = [
        f"relaydoctor precheck: {paint(report.status, LABEL[report.status])} ({_counts(report)})",
        f"plan: {one_line(plan_words(report.plan))}",
        f"as of {report.generated_at}",
        "",
    ]
    for check in report.checks:
        out.extend(_text_check(check, paint, verbose, width))
    if report.notes:
        out.append("")
        shown = report.notes if verbose else report.notes[:5]
        out.extend(f"note: {one_line(n)}" for n in shown)
        if len(report.notes) > len(shown):
            out.append(f"note: {len(report.notes) - len(shown)} more (--verbose)")
    read = [s for s in report.evidence if not s.skipped_reason]
    skipped = len(report.evidence) - len(read)
    out.append("")
    out.append(f"evidence: {len(read)} file(s) read" + (f", {skipped} skipped" if skipped else ""))
    return "\n".join(out) + "\n"


# characters of a line's subject in the brief text (--verbose: all): a connector or certificate
# name from the evidence, which can be kilobytes long and was the indent of the whole line
_SUBJECT_SHOWN = 80


def _text_check(check: Check, paint, verbose: bool, width: int) -> list[str]:  # type: ignore[no-untyped-def]
    shown = one_line(check.subject)
    if not verbose and len(shown) > _SUBJECT_SHOWN:
        shown = shown[: _SUBJECT_SHOWN - 1] + "…"
    subject = f" [{shown}]" if check.subject else ""
    head = f"{LABEL[check.status]}  {check.check}{subject}: "
    lines = textwrap.wrap(
        one_line(check.summary), width=width, initial_indent=" " * len(head), subsequent_indent="      "
    ) or [""]
    out = [paint(check.status, LABEL[check.status]) + head[4:] + lines[0].lstrip(" ")]
    out.extend(lines[1:])
    evidence = check.evidence if verbose else check.evidence[: 0 if check.status == "pass" else 1]
    for e in evidence:
        line = f"      evidence: {one_line(e.source)} — {one_line(e.says)}"
        out.append(line if verbose or len(line) <= width else line[: width - 1] + "…")
    if not verbose and len(check.evidence) > len(evidence) and check.status != "pass":
        out.append(f"      ({len(check.evidence) - len(evidence)} more evidence link(s): --verbose)")
    out.extend(f"      run: {one_line(c)}" for c in check.commands)
    if verbose:
        out.extend(f"      see: {one_line(r)}" for r in check.references)
    return out


def precheck_markdown(report: PrecheckReport) -> str:
    out = [
        f"# relaydoctor precheck: {LABEL[report.status]}",
        "",
        f"- Plan: {md(plan_words(report.plan))}",
        f"- Result: {md(_counts(report))}",
        f"- As of: {report.generated_at}",
        "",
        "| | check | on | outcome |",
        "|---|---|---|---|",
    ]
    for c in report.checks:
        out.append(f"| {LABEL[c.status]} | {md(c.check)} | {md(c.subject)} | {md(c.summary)} |")
    for c in report.checks:
        if not (c.evidence or c.commands):
            continue
        out += ["", f"## {LABEL[c.status]} {md(c.check)}" + (f" ({md(c.subject)})" if c.subject else ""), ""]
        out.append(md(c.title, line_start=True))
        out.append("")
        out.extend(f"- {md(e.source)}: {md(e.says)}" for e in c.evidence)
        if c.commands:
            out.append("")
            out.extend(md_code_block(list(c.commands)))
        if c.references:
            out.append("")
            out.extend(f"- {md_link(r)}" for r in c.references)
    if report.notes:
        out += ["", "## Notes", ""]
        out.extend(f"- {md(n)}" for n in report.notes)
    return "\n".join(out) + "\n"
