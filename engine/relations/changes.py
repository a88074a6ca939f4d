"""Connector changes that may not have taken effect yet (KB 4051495: "Changes may take some time to
take effect"): each inbound connector's WhenChanged against the time of the last rejected session.

A Format-List WhenChanged is the exporting machine's local time without a zone (±14 h); only a
UTC value (WhenChangedUTC, CliXML, JSON) can say "recent: yes". A naive one that would be recent if
it were UTC says "uncertain", so a rule may ask instead of concluding.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from ..facts import ConnectorChange, InboundConnector, SmtpSession
from .common import derived, prov_key

RECENT_MINUTES = 60


def _parse(text: str | None) -> tuple[dt.datetime, bool] | None:
    """(moment as UTC, whether the zone was known)."""
    if not text:
        return None
    raw = text.strip()
    zoned = raw.endswith(("Z", "z")) or "+" in raw[10:] or raw[10:].count("-") > 0
    try:
        moment = dt.datetime.fromisoformat(raw[:-1] + "+00:00" if raw[-1:] in "zZ" else raw)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC), False
    return moment.astimezone(dt.UTC), zoned


def connector_change_relations(
    connectors: Sequence[InboundConnector], sessions: Sequence[SmtpSession]
) -> list[ConnectorChange]:
    failures = [s for s in sessions if s.to_eop and s.outcome in ("rejected", "mixed") and s.last_seen]
    if not failures:
        return []
    last = max(failures, key=lambda s: (s.last_seen or "", prov_key(s)))
    failed = _parse(last.last_seen)
    if failed is None:
        return []
    failed_at, _ = failed
    out = []
    for conn in sorted(connectors, key=lambda c: (c.name, prov_key(c))):
        changed = _parse(conn.when_changed)
        if changed is None:
            continue
        changed_at, zone_known = changed
        minutes = int((failed_at - changed_at).total_seconds() // 60)
        if 0 <= minutes <= RECENT_MINUTES:
            recent = "yes" if zone_known else "uncertain"
        elif not zone_known and -14 * 60 <= minutes <= 14 * 60 + RECENT_MINUTES:
            recent = "uncertain"
        else:
            recent = "no"
        out.append(
            ConnectorChange(
                provenance=derived(
                    conn,
                    f"{conn.name!r} changed {conn.when_changed}; last rejected session {last.last_seen} "
                    f"({minutes} min later{'' if zone_known else ', if WhenChanged is UTC'})",
                ),
                connector=conn.name,
                when_changed=conn.when_changed or "",
                failure_at=last.last_seen or "",
                minutes_before_failure=minutes,
                recent=recent,
            )
        )
    return out
