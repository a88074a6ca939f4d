"""Date arithmetic for rules: each certificate's days to expiry at the time of the diagnosis.

Rules compare fields with constants or other fields and have no date arithmetic, so "valid for
at least N more days" needs the number of days as a fact. One ``cert_lifetime`` per certificate
status with a known expiry; it cites the status (which already merged every source of the
certificate) and says the dates compared.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from ..facts import Certificate, CertLifetime, CertStatus, Provenance
from .common import norm_thumbprint, parse_time


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
