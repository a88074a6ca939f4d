"""Everything the checks look at: the current exports (read like ``diagnose`` reads them), the
planned certificate, and the relations the diagnosis derives from both.

The checks never match names, addresses or domains themselves: they call the relation functions
(``relations.names``, ``.ips``, ``.domains``, ``.certstatus``, ``.sendconnector``) so a precheck
and a diagnosis can never disagree about what matches.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import field

from ..errors import EvidenceError, InputError
from ..facts import (
    AcceptedDomain,
    Answer,
    Certificate,
    CertStatus,
    DomainVerification,
    Fact,
    InboundConnector,
    SendConnector,
    SendConnectorCertificate,
    SmtpSession,
)
from ..lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from ..relations import derive_relations
from ..relations.common import norm_thumbprint, parse_time
from ..relations.domains import DomainEvidence
from ..relations.presented import PresentedCert, as_presented, presented_certificates
from ..results import EvidenceSet, SourceSummary
from ..utctime import as_utc
from .model import Check, Plan

PFX_LOCKED = "PFX is password-protected"


@dataclass
class Context:
    now: dt.datetime
    plan: Plan
    facts: list[Fact]  # evidence facts (with the planned certificate's)
    relations: list[Fact]
    sources: list[SourceSummary]
    warnings: list[str]
    planned: Certificate | None = None
    certificates: dict[str, bytes] = field(default_factory=dict)
    packed: dict[str, list[Check]] = field(default_factory=dict)  # the pack's check lines (``packed``)

    def of(self, cls: type) -> list:
        return [f for f in self.facts if isinstance(f, cls)]

    def rel(self, cls: type) -> list:
        return [f for f in self.relations if isinstance(f, cls)]

    @property
    def inbound(self) -> list[InboundConnector]:
        return sorted(self.of(InboundConnector), key=lambda c: (c.name, c.provenance.ref()))

    @property
    def send_connectors(self) -> list[SendConnector]:
        return sorted(self.of(SendConnector), key=lambda c: (c.name, c.provenance.ref()))

    @property
    def sessions(self) -> list[SmtpSession]:
        return self.of(SmtpSession)

    @property
    def installed(self) -> list[Certificate]:
        """Certificates from Get-ExchangeCertificate."""
        return [c for c in self.of(Certificate) if c.origin == "exchange"]

    @property
    def domains(self) -> DomainEvidence:
        return DomainEvidence.from_facts(self.of(AcceptedDomain), self.of(DomainVerification))

    def status_of(self, thumbprint: str) -> CertStatus | None:
        thumb = norm_thumbprint(thumbprint)
        return next((s for s in self.rel(CertStatus) if s.thumbprint == thumb), None)

    def send_to_eop(self) -> list[SendConnector]:
        """Send connectors to Exchange Online (all of them when none says so)."""
        scs = self.send_connectors
        return [s for s in scs if s.routes_to_eop] or scs

    def presented(self) -> list[PresentedCert]:
        """The certificates our side presents to Exchange Online: from the send logs, else the
        installed certificates the send connectors name."""
        shown = presented_certificates(self.sessions, self.of(Certificate))
        if shown:
            return shown
        named = {s.thumbprint for s in self.rel(SendConnectorCertificate) if s.thumbprint}
        return [as_presented(c) for c in self.installed if norm_thumbprint(c.thumbprint) in named]

    def days_left(self, status: CertStatus | None, cert: Certificate | None = None) -> int | None:
        text = (status.not_after if status else None) or (cert.not_after if cert else None)
        at = parse_time(text)
        if at is None:
            return None
        return int((at.at - as_utc(self.now)).total_seconds() // 86400)


Loader = Callable[..., EvidenceSet]


def build_context(
    paths: Sequence[str],
    plan: Plan,
    *,
    now: dt.datetime,
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
    relations = derive_relations(facts, now=now, certificates=evidence.certificates)
    warnings = list(evidence.warnings)
    names = {f.name.lower() for f in facts if isinstance(f, InboundConnector)}
    if plan.connector and plan.connector.lower() not in names:
        warnings.append(
            f"--connector {plan.connector!r}: no such inbound connector in the exports; the edit is "
            "checked as a new connector"
        )
    return Context(
        now=as_utc(now),
        plan=plan,
        facts=facts,
        relations=relations,
        sources=list(evidence.sources),
        warnings=warnings,
        planned=planned,
        certificates=dict(evidence.certificates),
    )


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
            raise InputError(
                f"--cert: {reason}; give its password with --pfx-password-env VAR", path=path
            ) from None
        raise InputError(f"--cert: not a certificate ({reason})", path=path) from None
    certs = [f for f in got.facts if isinstance(f, Certificate)]
    if not certs:
        reason = next((s.skipped_reason for s in got.sources if s.skipped_reason), None)
        if reason and PFX_LOCKED in reason:
            raise InputError(f"--cert: {reason}; give its password with --pfx-password-env VAR", path=path)
        raise InputError(f"--cert: not a certificate{f' ({reason})' if reason else ''}", path=path)
    leaves = {norm_thumbprint(c.thumbprint): c for c in certs if c.is_ca is not True}
    if not leaves:
        raise InputError("--cert: the file holds only CA certificates, no server certificate", path=path)
    if len(leaves) > 1:
        raise InputError(f"--cert: the file holds {len(leaves)} server certificates; give one", path=path)
    return next(iter(leaves.values())), got
