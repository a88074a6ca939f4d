"""Small shared helpers for the relations: name, thumbprint and time normalisation, and the
"most relevant premise" choice that gives each relation its provenance.

Every choice here is a total order over the input facts, so the relations (and their provenance)
do not depend on the order the facts arrived in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from ..facts import Certificate, Fact, Provenance, SmtpSession
from ..lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from ..utctime import format_naive, format_utc

UTC = dt.UTC


def norm_name(value: str | None) -> str:
    """A DNS / SMTP domain name as compared: trimmed, lower case, no trailing dot."""
    if not value:
        return ""
    return value.strip().strip("[]").rstrip(".").lower()


def norm_thumbprint(value: str | None) -> str:
    """A thumbprint as 40 upper-case hex digits (blanks and colons removed); '' when absent."""
    if not value:
        return ""
    return "".join(ch for ch in value if ch not in " :\u200e\u200f").upper()


def parent_domain(name: str) -> str | None:
    """The immediate parent of a host name, if it still has at least two labels."""
    parts = name.split(".")
    if len(parts) < 3:
        return None
    return ".".join(parts[1:])


@dataclass(frozen=True, slots=True)
class Instant:
    """A parsed time. ``exact`` is False for naive local times (cmdlet dates without an offset)."""

    at: dt.datetime  # aware; a naive source is read as if it were UTC
    exact: bool

    def iso(self) -> str:
        return format_utc(self.at) if self.exact else format_naive(self.at)


_LOCAL_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%d.%m.%Y %H:%M:%S")


def parse_time(value: str | None) -> Instant | None:
    """ISO 8601 (with ``Z``/offset = exact; without = local time of unknown offset), else None."""
    if not value:
        return None
    text = value.strip()
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        parsed = None
        for fmt in _LOCAL_FORMATS:
            try:
                parsed = dt.datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if parsed is None:
            return None
    if parsed.tzinfo is None:
        return Instant(parsed.replace(tzinfo=UTC), exact=False)
    return Instant(parsed.astimezone(UTC), exact=True)


def prov_key(fact: Fact) -> tuple:
    p = fact.provenance
    return (p.source, p.line if p.line is not None else -1, p.excerpt)


def planned_certificate(thumbprint: str | None, certificates: Iterable[Certificate]) -> Certificate | None:
    """The certificate a precheck plans (``precheck --cert``'s thumbprint): the planned file's own
    fact, else an installed copy of it (Get-ExchangeCertificate), each first in provenance order."""
    thumb = norm_thumbprint(thumbprint)
    same = [c for c in certificates if thumb and norm_thumbprint(c.thumbprint) == thumb]
    return min(same, key=lambda c: (c.origin == "exchange", prov_key(c)), default=None)


_OUTCOME_RANK = {"rejected": 0, "mixed": 1, "tls_failed": 2, "relayed": 3, "internal_only": 4, "no_mail": 5}


def session_rank(session: SmtpSession) -> tuple:
    """Sort key: the most relevant session first (a rejection, then the latest, then by source)."""
    last = parse_time(session.last_seen or session.first_seen)
    stamp = -last.at.timestamp() if last else 0.0
    return (_OUTCOME_RANK.get(session.outcome, 9), stamp, prov_key(session), session.connector)


def most_relevant(sessions: Iterable[SmtpSession]) -> SmtpSession:
    return min(sessions, key=session_rank)


def derived(premise: Fact, excerpt: str) -> Provenance:
    """Provenance of a relation: where its most relevant premise is, with what was compared."""
    p = premise.provenance
    return Provenance(source=p.source, line=p.line, excerpt=Provenance.clip(excerpt, 400))


def latest_time(sessions: Iterable[SmtpSession]) -> Instant | None:
    """The latest session time (last_seen, else first_seen) among sessions, if any parse."""
    best: Instant | None = None
    for s in sessions:
        t = parse_time(s.last_seen or s.first_seen)
        if t is not None and (best is None or t.at > best.at):
            best = t
    return best
