"""Date arithmetic for rules: each certificate's days to expiry at the time of the diagnosis.

Rules compare fields with constants or other fields and have no date arithmetic, so "valid for
at least N more days" needs the number of days as a fact. One ``cert_lifetime`` per certificate
status with a known expiry; it cites the status (which already merged every source of the
certificate) and says the dates compared.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from ..facts import (
    Certificate,
    CertLifetime,
    CertStatus,
    PathCertificate,
    PrecheckPlan,
    Provenance,
    SendConnectorCertificate,
    SmtpSession,
)
from .common import derived, norm_thumbprint, parse_time


def cert_lifetime_relations(
    statuses: Sequence[CertStatus], certificates: Sequence[Certificate], *, now: dt.datetime
) -> list[CertLifetime]:
    starts: dict[str, dt.datetime] = {}
    for c in certificates:
        start = parse_time(c.not_before)
        if start is not None:
            starts.setdefault(norm_thumbprint(c.thumbprint), start.at)
    out = []
    for status in statuses:
        end = parse_time(status.not_after)
        if end is None:
            continue
        days = int((end.at - now).total_seconds() // 86400)
        start = starts.get(status.thumbprint)
        if end.at < now:
            validity = "expired"
        elif start is not None and start > now:
            validity = "not_yet_valid"
        else:
            validity = "valid"
        stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        p = status.provenance
        out.append(
            CertLifetime(
                provenance=Provenance(
                    p.source, p.line, f"NotAfter {status.not_after}: {days} day(s) after {stamp}"
                ),
                thumbprint=status.thumbprint,
                cn=status.cn,
                days_left=days,
                validity=validity,
                not_after=status.not_after,
            )
        )
    return out


_ORIGIN_ORDER = {"file": 0, "exchange": 1, "send_log": 2}


def path_certificate_relations(
    plans: Sequence[PrecheckPlan],
    named: Sequence[SendConnectorCertificate],
    sessions: Sequence[SmtpSession],
    certificates: Sequence[Certificate],
    statuses: Sequence[CertStatus],
    *,
    now: dt.datetime,
) -> list[PathCertificate]:
    """precheck's audit (a plan with ``audit``): the certificates on a connector's path - named by
    a send connector's TlsCertificateName, or presented to Exchange Online in a send log - one per
    thumbprint, with the days to expiry of its status (else of its richest certificate fact)."""
    if not any(p.audit for p in plans):
        return []
    wanted = {s.thumbprint for s in named if s.thumbprint}
    shown = [s.cert_thumbprint for s in sessions if s.to_eop and s.cert_presented and s.cert_thumbprint]
    wanted |= {norm_thumbprint(t) for t in shown}
    best: dict[str, Certificate] = {}
    for c in sorted(certificates, key=lambda c: (_ORIGIN_ORDER.get(c.origin, 9), c.provenance.ref())):
        best.setdefault(norm_thumbprint(c.thumbprint), c)
    by_thumb = {s.thumbprint: s for s in statuses}
    out: list[PathCertificate] = []
    for thumb in sorted(wanted):
        status = by_thumb.get(thumb)
        cert = best.get(thumb)
        if cert is None and status is None:
            continue  # presented, but nothing else is known of it
        text = (status.not_after if status else None) or (cert.not_after if cert else None)
        at = parse_time(text)
        left = int((at.at - now).total_seconds() // 86400) if at is not None else None
        validity = status.validity if status is not None else "unknown"
        if validity == "not_yet_valid":
            pass
        elif left is None:
            validity = "unknown"
        elif left < 0 or validity == "expired":
            validity = "expired"
        else:
            validity = "valid"
        cn = cert.cn if cert is not None else (status.cn if status is not None else None)
        premise = cert if cert is not None else status
        out.append(
            PathCertificate(
                provenance=derived(premise, premise.provenance.excerpt or premise.summary()),  # type: ignore[union-attr]
                thumbprint=thumb,
                name=cn or thumb,
                validity=validity,
                days_left=left,
                days_ago=-left if left is not None and validity == "expired" else None,
            )
        )
    return out
