"""Everything the checks look at: the current exports (read like ``diagnose`` reads them) and
the planned certificate; the pack's lines for them (``packed``).

The checks never match names, addresses or domains themselves: the diagnosis that judges them
derives the relations (``relations``, the planned ones in ``relations.planned``) from these facts,
so a precheck and a diagnosis can never disagree about what matches.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import field

from ..errors import EvidenceError, InputError
from ..facts import (
    Answer,
    Certificate,
    Fact,
    InboundConnector,
)
from ..lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from ..relations.common import norm_thumbprint
from ..results import EvidenceSet, SourceSummary
from .model import Check, Plan

PFX_LOCKED = "PFX is password-protected"
PFX_WRONG = "PFX password is wrong"  # the loader's words (evidence/certificates/certs.py)


@dataclass
class Context:
    plan: Plan
    facts: list[Fact]  # evidence facts (with the planned certificate's)
    sources: list[SourceSummary]
    warnings: list[str]
    planned: Certificate | None = None
    certificates: dict[str, bytes] = field(default_factory=dict)
    packed: dict[str, list[Check]] = field(default_factory=dict)  # the pack's check lines (``packed``)


Loader = Callable[..., EvidenceSet]


def build_context(
    paths: Sequence[str],
    plan: Plan,
    *,
    pfx_password: str | None = None,
    load: Loader | None = None,
) -> Context:
    from ..evidence.loader import load_evidence

    load = load or load_evidence
    evidence = load(list(paths), pfx_password=pfx_password)
    planned = None
    if plan.cert:
        planned, extra = load_planned_certificate(plan.cert, pfx_password=pfx_password, load=load)
        evidence.facts.append(planned)
        evidence.certificates.update(extra.certificates)
        evidence.sources.extend(extra.sources)
    facts = list(evidence.facts)
    if plan.egress_ip:
        from ..facts import Provenance

        facts.append(
            Answer(
                key="egress_ip",
                value=plan.egress_ip,
                provenance=Provenance("--egress-ip", None, plan.egress_ip),
            )
        )
    warnings = list(evidence.warnings)
    names = {f.name.lower() for f in facts if isinstance(f, InboundConnector)}
    if plan.connector and plan.connector.lower() not in names:
        warnings.append(
            f"--connector {plan.connector!r}: no such inbound connector in the exports; the edit is "
            "checked as a new connector"
        )
    return Context(
        plan=plan,
        facts=facts,
        sources=list(evidence.sources),
        warnings=warnings,
        planned=planned,
        certificates=dict(evidence.certificates),
    )


def _locked(reason: str) -> str:
    """The loader's "PFX is password-protected" reason, with the way out said once (the loader's
    own reason already names --pfx-password-env)."""
    if "--pfx-password-env" in reason:
        return reason
    return f"{reason}; give its password with --pfx-password-env VAR"


def load_planned_certificate(
    path: str, *, pfx_password: str | None, load: Loader
) -> tuple[Certificate, EvidenceSet]:
    """The end-entity certificate in ``path`` (with any CA certificates the file carries).
    A file that is not a certificate, holds no end-entity certificate or several is bad input."""
    try:
        got = load([path], pfx_password=pfx_password)
    except (InputError, EvidenceError) as exc:
        reason = getattr(exc, "message", None) or str(exc)
        if PFX_LOCKED in reason:
            raise InputError(f"--cert: {_locked(reason)}", path=path) from None
        if reason.startswith(PFX_WRONG):
            raise InputError(f"--cert: {reason}", path=path) from None
        raise InputError(f"--cert: not a certificate ({reason})", path=path) from None
    certs = [f for f in got.facts if isinstance(f, Certificate)]
    if not certs:
        reason = next((s.skipped_reason for s in got.sources if s.skipped_reason), None)
        if reason and PFX_LOCKED in reason:
            raise InputError(f"--cert: {_locked(reason)}", path=path)
        if reason and reason.startswith(PFX_WRONG):  # a PFX, but not opened: not "not a certificate"
            raise InputError(f"--cert: {reason}", path=path)
        raise InputError(f"--cert: not a certificate{f' ({reason})' if reason else ''}", path=path)
    leaves = {norm_thumbprint(c.thumbprint): c for c in certs if c.is_ca is not True}
    if not leaves:
        raise InputError("--cert: the file holds only CA certificates, no server certificate", path=path)
    if len(leaves) > 1:
        raise InputError(f"--cert: the file holds {len(leaves)} server certificates; give one", path=path)
    return next(iter(leaves.values())), got
