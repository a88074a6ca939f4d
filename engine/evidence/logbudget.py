"""The fact budget of the inputs that are not send logs: what they add across files is bounded too.

``budget.FactBudget`` folds send-log sessions and replies; everything else it used to keep whole,
so 10,000 tiny application logs gave 10,000 refusals and 10,000 clients, and an Event Viewer export
of an Application log one fact per event (100,000 facts, 29 s and 355 MB for 10 MB of CSV).
``OtherFacts`` keeps, across all inputs:

- the distinct refusals of relay, application, IIS, receive and tracking logs: ``MAX_LOG_SYMPTOMS``,
  those from Exchange Online first;
- the smart hosts application and mail logs name (``smtp_client``): ``MAX_CLIENTS``, Microsoft 365
  endpoints (or IP literals) first, then refused clients;
- Windows events: ``MAX_EVENTS`` (the event parsers keep as many per file), relay sources (CAPI2,
  Exchange transport, Schannel) and errors first;
- every other fact whole (certificates, cmdlet objects, NDRs: one per object the user exported).

Equal facts (same identity) keep the one of the input first in the canonical order. Which facts
are kept does not depend on the order inputs arrive in: a rank ends with the fact's identity, so
the kept ones are the ``limit`` lowest ranks of all offered; a fact dropped while trimming could
never come back among them. ``notes`` says what was left out.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..facts import Fact, SmtpClient, Symptom, WindowsEvent
from ..lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use

MAX_LOG_SYMPTOMS = 200  # one file's own bound, across all inputs
MAX_CLIENTS = 200
MAX_EVENTS = 1000
LOG_SYMPTOM_ORIGINS = frozenset({"receive_log", "iis_log", "app_log", "mail_log", "message_trace"})
LOG_CLIENT_ORIGINS = frozenset({"app_log", "mail_log"})
_LEVEL_RANK = {"critical": 0, "error": 1, "warning": 2}


def event_rank(fact: WindowsEvent, key: tuple) -> tuple:
    """Lower is more telling: a relay source (CAPI2, transport, Schannel), an event it recognised,
    an error; then by value (``key``: the fact's identity), so the choice does not depend on order."""
    return (fact.source_family == "other", fact.category == "other", _LEVEL_RANK.get(fact.level, 3),
            repr(key))


def client_rank(fact: SmtpClient, key: tuple) -> tuple:
    """Lower is more telling: a Microsoft 365 endpoint (or an IP literal), then a refused client."""
    refused = (fact.last_status or "")[:1] in ("4", "5") or bool(fact.auth_failed)
    return (fact.smart_host_kind in ("other", "none"), not refused, repr(key))


def symptom_rank(fact: Symptom, key: tuple) -> tuple:
    return (fact.direction != "relay_to_exo", repr(key))


@dataclass(slots=True)
class Kept:
    where: tuple[Any, int]  # (input's place in the canonical order, fact position)
    fact: Fact


class Lowest:
    """The ``limit`` facts of lowest rank among all offered, one per identity (see the module
    docstring); ``dropped`` counts the distinct facts left out."""

    def __init__(self, limit: int):
        self.limit = limit
        self._kept: dict[tuple, tuple[tuple, Kept]] = {}
        self._seen: set[int] = set()  # hashes of every identity offered, to count what was left out

    def offer(self, key: tuple, rank: tuple, entry: Kept) -> None:
        self._seen.add(hash(key))
        known = self._kept.get(key)
        if known is None or entry.where < known[1].where:
            self._kept[key] = (rank, entry)
            if len(self._kept) > 2 * self.limit:
                self._trim()

    def _trim(self) -> None:
        if len(self._kept) > self.limit:
            best = sorted(self._kept.items(), key=lambda kv: kv[1][0])[: self.limit]
            self._kept = dict(best)

    def entries(self) -> list[Kept]:
        self._trim()
        return [entry for _, entry in self._kept.values()]

    @property
    def dropped(self) -> int:
        self._trim()
        return len(self._seen) - len(self._kept)


class OtherFacts:
    """What ``FactBudget`` keeps beside the send-log facts (iterated as its entries)."""

    def __init__(self) -> None:
        self.symptoms = Lowest(MAX_LOG_SYMPTOMS)
        self.clients = Lowest(MAX_CLIENTS)
        self.events = Lowest(MAX_EVENTS)
        self.whole: list[Kept] = []

    def add(self, where: tuple[Any, int], fact: Fact) -> None:
        entry = Kept(where, fact)
        if isinstance(fact, Symptom) and fact.origin in LOG_SYMPTOM_ORIGINS:
            key = fact.identity()  # equal facts only: two relays' same reply stays two symptoms
            self.symptoms.offer(key, symptom_rank(fact, key), entry)
        elif isinstance(fact, SmtpClient) and fact.origin in LOG_CLIENT_ORIGINS:
            key = fact.identity()
            self.clients.offer(key, client_rank(fact, key), entry)
        elif isinstance(fact, WindowsEvent):
            key = fact.identity()
            self.events.offer(key, event_rank(fact, key), entry)
        else:
            self.whole.append(entry)

    def __iter__(self) -> Iterator[Kept]:
        yield from self.symptoms.entries()
        yield from self.clients.entries()
        yield from self.events.entries()
        yield from self.whole

    def notes(self) -> list[str]:
        out = []
        for part, what, first in (
            (self.symptoms, "distinct refusals in relay, application, IIS, receive and tracking logs",
             "replies from Exchange Online"),
            (self.clients, "smart hosts named by application and mail logs",
             "Microsoft 365 endpoints and refused clients"),
            (self.events, "distinct Windows events",
             "relay sources — CAPI2, Exchange transport, Schannel — and errors"),
        ):
            if part.dropped:
                out.append(f"{part.dropped:,} {what} beyond the budget of {part.limit:,} are not kept "
                           f"({first} are kept first)")
        return out
