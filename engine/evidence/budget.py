"""One budget for the facts of all inputs together, so memory and the rules' work do not grow with
the number of files.

Each send log already folds its sessions into aggregates (same connector, TLS, certificate, egress
IP, MAIL FROM domain and outcome → one fact with counts and first/last provenance). Across files
the same kinds add up here. Distinct kinds are kept up to ``MAX_SESSION_KINDS``; beyond that the
*least telling* kinds (ranked: Exchange Online first, failures before successes, then by value) are
folded into coarser aggregates by connector, TLS and outcome, without their certificate, egress
IP and MAIL FROM detail, and the report says so in a note. Symptoms (distinct rejection replies)
are kept up to ``MAX_SYMPTOMS``.

Results are folded as they arrive (worker processes finish in any order), so peak memory is the
budget plus the results in flight, never the sum of all files. The outcome does not depend on the
arrival order: which kinds are kept is a top-N by rank, merging is commutative (ties broken by the
input's position), and the output is sorted by where each fact was first seen.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from ..facts import Fact, SmtpSession, Symptom
from ..lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use

# Sized so that 1 GB of logs with many distinct kinds peaks at about the memory of 100 MB
# (benchmarks/bench_scale.py --memory): the rules' work and memory grow with the facts, and a
# diagnosis needs the telling kinds, not every one.
MAX_SESSION_KINDS = 600  # distinct smtp_session aggregates kept across all inputs
MAX_COARSE_KINDS = 100  # coarse aggregates (beyond them sessions are only counted)
MAX_SYMPTOMS = 100  # distinct send-log rejection replies kept across all inputs

# What a coarse aggregate keeps: everything else that tells kinds apart is dropped.
COARSE_FIELDS = ("connector", "to_eop", "tls", "tls_error", "cert_presented", "null_sender", "outcome",
                 "reject_code", "reject_attr")
_DROPPED = dict(remote_host=None, remote_ip=None, tls_protocol=None, starttls_offered=None,
                starttls_masked=False,
                cert_thumbprint=None, cert_subject=None, cert_cn=None, cert_issuer=None, cert_sans=(),
                ehlo_client_ip=None, client_ip_family=None, mail_from=None, mail_from_domain=None)
_TELLING = ("rejected", "mixed", "tls_failed")


@dataclass(slots=True)
class _Entry:
    where: tuple[Any, int]  # (input's place in the canonical order, fact position) of the example
    fact: Fact


def _rank(key: tuple, fact: SmtpSession) -> tuple:
    """Lower is more telling: kept first when the budget is full."""
    return (not fact.to_eop, fact.outcome not in _TELLING, repr(key))


def _merge(a: _Entry, b: _Entry) -> _Entry:
    """Two aggregates of one kind: counts added, the earliest example stays the provenance and the
    latest becomes ``last_source`` — ties broken by input position, so the order of arrival is moot."""
    from .smtplog.send import SUMMED  # send-log facts only: imported once a send log was read

    fa, fb = a.fact, b.fact
    assert isinstance(fa, SmtpSession) and isinstance(fb, SmtpSession)
    early, late = sorted((a, b), key=lambda e: (e.fact.first_seen or "", e.where))
    last = max((a, b), key=lambda e: (e.fact.last_seen or "", e.where))
    assert isinstance(early.fact, SmtpSession) and isinstance(last.fact, SmtpSession)
    merged = replace(
        early.fact,
        **{f: getattr(fa, f) + getattr(fb, f) for f in SUMMED},
        first_seen=early.fact.first_seen,
        last_seen=max(fa.last_seen or "", fb.last_seen or "") or None,
        last_source=last.fact.last_source or late.fact.provenance.ref(),
    )
    return _Entry(early.where, merged)


class _TopN:
    """At most ``limit`` keys, the lowest ranks; a key pushed out (or never let in) stays out, so
    which keys are kept is the same whatever order they are offered in."""

    def __init__(self, limit: int, merge: Callable[[_Entry, _Entry], _Entry]):
        self.limit, self.merge = limit, merge
        self.items: dict[tuple, _Entry] = {}
        self.out: set[tuple] = set()
        self._heap: list[tuple] = []  # (negated rank, key): the least telling kept key on top

    def offer(self, key: tuple, rank: tuple, entry: _Entry) -> tuple[tuple, _Entry] | None:
        """Keep or merge ``entry``; returns the (key, entry) that is left out, if any."""
        known = self.items.get(key)
        if known is not None:
            self.items[key] = self.merge(known, entry)
            return None
        if key in self.out:
            return key, entry
        if len(self.items) < self.limit:
            self.items[key] = entry
            heapq.heappush(self._heap, (_neg(rank), key))
            return None
        worst_rank, worst_key = self._heap[0]
        if self.limit and rank < _unneg(worst_rank):
            heapq.heapreplace(self._heap, (_neg(rank), key))
            self.out.add(worst_key)
            self.items[key] = entry
            return worst_key, self.items.pop(worst_key)
        self.out.add(key)
        return key, entry


def _earliest(a: _Entry, b: _Entry) -> _Entry:
    """Of two symptoms with one reply, the earliest seen (dated before undated) is the example."""
    def key(e: _Entry) -> tuple:
        seen = e.fact.seen_at  # type: ignore[attr-defined]
        return (seen is None, seen or "", e.where)

    return min(a, b, key=key)


class FactBudget:
    """Folds each input's facts into one bounded set (see the module docstring)."""

    def __init__(self, max_kinds: int | None = None, max_coarse: int | None = None,
                 max_symptoms: int | None = None):
        self.max_kinds = MAX_SESSION_KINDS if max_kinds is None else max_kinds
        self.max_coarse = MAX_COARSE_KINDS if max_coarse is None else max_coarse
        self.max_symptoms = MAX_SYMPTOMS if max_symptoms is None else max_symptoms
        self.kinds = _TopN(self.max_kinds, _merge)
        self.coarse = _TopN(self.max_coarse, _merge)
        self.symptoms = _TopN(self.max_symptoms, _earliest)
        self.coarse_sessions = 0
        self.uncounted = 0  # sessions beyond even the coarse budget
        self.others: list[_Entry] = []

    def add(self, position: Any, facts: Sequence[Fact]) -> None:
        """The facts of one input; ``position`` orders the inputs (any comparable value, unique)."""
        for i, fact in enumerate(facts):
            entry = _Entry((position, i), fact)
            if isinstance(fact, SmtpSession):
                # send-log facts: its module is loaded by then (imported here, not with the
                # loader: ~10 ms a run without a send log does not need)
                from .smtplog.send import KEY_FIELDS

                key = tuple(getattr(fact, f) for f in KEY_FIELDS)
                left = self.kinds.offer(key, _rank(key, fact), entry)
                if left is not None:
                    self._to_coarse(left[1])
            elif isinstance(fact, Symptom) and fact.origin == "send_log":
                from .smtplog.send import symptom_key

                key = symptom_key(fact)
                self.symptoms.offer(key, (fact.direction != "relay_to_exo", repr(key)), entry)
            else:
                self.others.append(entry)

    def _to_coarse(self, entry: _Entry) -> None:
        fact = entry.fact
        assert isinstance(fact, SmtpSession)
        self.coarse_sessions += fact.sessions
        ckey = tuple(getattr(fact, f) for f in COARSE_FIELDS)
        left = self.coarse.offer(ckey, _rank(ckey, fact), _Entry(entry.where, replace(fact, **_DROPPED)))
        if left is not None:
            self.uncounted += left[1].fact.sessions  # type: ignore[attr-defined]

    def entries(self) -> list[tuple[Any, Fact]]:
        """(input position, fact) for everything kept, in the order each fact was first seen."""
        entries = [*self.kinds.items.values(), *self.coarse.items.values(), *self.symptoms.items.values(),
                   *self.others]
        entries.sort(key=lambda e: e.where)
        return [(e.where[0], e.fact) for e in entries]

    def facts(self) -> list[Fact]:
        return [fact for _, fact in self.entries()]

    def notes(self) -> list[str]:
        """What the budget aggregated or left out, for the report."""
        out = []
        folded = len(self.kinds.out)
        if folded:
            out.append(
                f"{len(self.kinds.items) + folded:,} kinds of send-log sessions exceed the budget "
                f"of {self.max_kinds:,}: the {folded:,} least telling "
                f"({self.coarse_sessions:,} sessions; those to Exchange Online and failing ones are kept "
                "first) are aggregated by connector, TLS and outcome, without their certificate, egress IP "
                "and MAIL FROM detail"
            )
        if self.uncounted:
            out.append(f"{self.uncounted:,} of those sessions, beyond {self.max_coarse:,} aggregated kinds, "
                       "are only counted")
        if self.symptoms.out:
            out.append(
                f"{len(self.symptoms.out):,} distinct rejection replies beyond the budget of "
                f"{self.max_symptoms:,} are not kept (replies from Exchange Online are kept first)"
            )
        return out


def _neg(rank: tuple) -> tuple:
    """A heap key that puts the *largest* rank on top (heapq is a min-heap)."""
    return tuple(_Desc(x) for x in rank)


def _unneg(neg: tuple) -> tuple:
    return tuple(x.value for x in neg)


class _Desc:
    """Reverses the order of one value inside a heap key."""

    __slots__ = ("value",)

    def __init__(self, value: object):
        self.value = value

    def __lt__(self, other: _Desc) -> bool:
        return other.value < self.value  # type: ignore[operator]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Desc) and self.value == other.value

    def __hash__(self) -> int:
        return hash(self.value)
