"""``relaydoctor precheck``: will a planned change break relay? And, with no plan, an audit.

Offline, against the same exports as ``diagnose``. Every check's matching is done by the relation
functions the diagnosis uses (see ``context``), and every check is pack data, judged by the same
diagnosis (``packed``; docs/precheck.md says what each one reads).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from .. import __version__
from .audit_checks import audit_checks
from .certificate import cert_checks
from .connector import connector_checks
from .context import Context, build_context
from .egress import egress_checks
from .model import DEFAULT_DAYS, Check, Plan, PrecheckReport
from .packed import Diagnose, packed_checks
from .sender import sender_domain_checks

__all__ = ["DEFAULT_DAYS", "Check", "Plan", "PrecheckReport", "precheck", "run_checks"]


def run_checks(ctx: Context) -> list[Check]:
    """The checks the plan asks for, in a fixed order (an empty plan is an audit)."""
    plan = ctx.plan
    if plan.audit:
        return audit_checks(ctx)
    out: list[Check] = []
    if ctx.planned is not None:
        out.extend(cert_checks(ctx))
    if plan.egress_ip:
        out.extend(egress_checks(ctx))
    if plan.connector_cert_name is not None or plan.connector_ips is not None:
        out.extend(connector_checks(ctx))
    if plan.sender_domain:
        out.extend(sender_domain_checks(ctx))
    return out


def precheck(
    paths: Sequence[str],
    plan: Plan,
    *,
    diagnose: Diagnose,
    now: dt.datetime | None = None,
    pfx_password: str | None = None,
) -> PrecheckReport:
    """``diagnose`` judges the pack's checks (``api.diagnose_evidence`` with the packs bound)."""
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    ctx = build_context(paths, plan, pfx_password=pfx_password)
    # every plan (and the audit) has checks that are pack data
    ctx.packed, overrides = packed_checks(
        ctx.facts, ctx.certificates, plan, ctx.planned, now=moment, diagnose=diagnose
    )
    return PrecheckReport(
        tool_version=__version__,
        generated_at=moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        plan=plan,
        checks=run_checks(ctx),
        evidence=ctx.sources,
        notes=[*ctx.warnings, *(f"pack override in force: {o}" for o in overrides)],
        facts=list(ctx.facts),
    )
