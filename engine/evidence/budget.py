"""One budget for the facts of all inputs together, so memory and the rules' work do not grow with
the number of files.

Each send log already folds its sessions into aggregates (same connector, TLS, certificate, egress
IP, MAIL FROM domain and outcome → one fact with counts and first/last provenance). Across files
the same kinds add up here. Distinct kinds are kept up to ``MAX_SESSION_KINDS``; beyond that the
*least telling* kinds (ranked: Exchange Online first, failures before successes, then by value) are
folded into coarser aggregates by connector, TLS and outcome, without their certificate, egress
IP and MAIL FROM detail, and the report says so in a note. Symptoms (distinct rejection replies)
are kept up to ``MAX_SYMPTOMS``. What the other inputs add is bounded in ``logbudget``.

Results are folded as they arrive (worker processes finish in any order), so peak memory is the
budget plus the results in flight, never the sum of all files. The outcome does not depend on the
arrival order: which kinds are kept is a top-N by rank, merging is commutative (ties broken by the
input's position), and the output is sorted by where each fact was first seen.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import cache
from operator import add, attrgetter
from typing import Any

from ..facts import Fact, SmtpSession, Symptom
from ..lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from .logbudget import Kept, OtherFacts, symptom_rank

# What bounds the memory of a diagnosis: each kind kept costs ~30 KB in the rules engine at its peak
# (durable's fixed ~7 KB node per fact, the MAIL FROM domain's acceptance fact, the partial matches
# and firings of every rule it enters), so 400 kinds peak at ~12 MB there, whatever the log size
# (benchmarks/bench_scale.py --memory: 1 GB with 16,000 domains within ~1.15x of 100 MB; 600 kinds
# gave ~1.3x). A diagnosis needs the telling kinds (Exchange Online and failures rank first), not
# every one.
MAX_SESSION_KINDS = 400  # distinct smtp_session aggregates kept across all inputs
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
_coarse_key_of = attrgetter(*COARSE_FIELDS)


@cache
def _send_log() -> tuple[Callable[[Fact], tuple], Callable[[Fact], tuple], tuple[str, ...],
                         Callable[[Symptom], tuple]]:
    """What the budget reads of send-log facts (a fact's aggregation key and summed counts, the
    counts' names, a symptom's key), from the send-log parser: imported with the first such fact,
    so a diagnosis without a send log does not import it."""
    from .smtplog.send import KEY_FIELDS, SUMMED, symptom_key

    assert SUMMED[0] == "sessions"  # _Kind.sums[0]
    return attrgetter(*KEY_FIELDS), attrgetter(*SUMMED), SUMMED, symptom_key


@dataclass(slots=True)
class _Kind:
    """An aggregate of ``smtp_session`` facts of one kind: the earliest example as it was given,
    and what merging added to it. Its fact is made once, when the budget is read (``_made``), not
    at every merge: most merged or coarsened kinds are merged again before anyone reads them."""

    where: tuple[Any, int]  # of the example
    fact: SmtpSession  # the example: every field but the summed ones, last_seen and last_source
    sums: list[int]  # SUMMED
    last_seen: str | None
    last_source: str | None
    last_where: tuple[Any, int]  # of the fact whose last_source it is: ties of last_seen go by it
    changed: bool = False  # merged or coarsened: ``fact`` alone is not it
    coarse: bool = False  # without the detail ``_DROPPED`` takes out


def _made(kind: _Kind) -> SmtpSession:
    if not kind.changed:
        return kind.fact
    return replace(kind.fact, **dict(zip(_send_log()[2], kind.sums, strict=True)), last_seen=kind.last_seen,
                   last_source=kind.last_source, **(_DROPPED if kind.coarse else {}))


def _rank(key: tuple, fact: SmtpSession) -> tuple:
    """Lower is more telling: kept first when the budget is full."""
    return (not fact.to_eop, fact.outcome not in _TELLING, repr(key))


def _merge(a: _Kind, b: _Kind) -> None:
    """Two aggregates of one kind, into ``a``: counts added, the earliest example stays the
    provenance and the latest becomes ``last_source`` -- ties broken by the position of the fact
    each came from, so the order of arrival is moot."""
    a_first = (a.fact.first_seen or "", a.where) <= (b.fact.first_seen or "", b.where)
    late = b if a_first else a
    last = a if (a.last_seen or "", a.last_where) >= (b.last_seen or "", b.last_where) else b
    last_source = last.last_source or late.fact.provenance.ref()
    a.last_seen = max(a.last_seen or "", b.last_seen or "") or None
    a.last_source, a.last_where = last_source, last.last_where
    a.sums = list(map(add, a.sums, b.sums))  # same length: both are SUMMED
    if not a_first:
        a.where, a.fact = b.where, b.fact
    a.changed = True


class _TopN:
    """At most ``limit`` keys, the lowest ranks; a key pushed out (or never let in) stays out, so
    which keys are kept is the same whatever order they are offered in."""

    def __init__(self, limit: int, merge: Callable[[Any, Any], Any],
                 rank: Callable[[tuple, Any], tuple]):
        self.limit, self.merge, self.rank = limit, merge, rank
        self.items: dict[tuple, Any] = {}
        self.out: set[tuple] = set()
        self._ranked: list[tuple[tuple, tuple]] = []  # (rank, key) of the kept keys, ascending

    def offer(self, key: tuple, entry: Any) -> tuple[tuple, Any] | None:
        """Keep or merge ``entry`` (its fact ranked by ``rank(key, fact)`` when its key is new);
        returns the (key, entry) that is left out, if any."""
        known = self.items.get(key)
        if known is not None:
            merged = self.merge(known, entry)
            if merged is not None:
                self.items[key] = merged
            return None
        if key in self.out:
            return key, entry
        rank = self.rank(key, entry.fact)
        if len(self.items) < self.limit:
            self.items[key] = entry
            insort(self._ranked, (rank, key), key=_first)
            return None
        if self.limit and rank < self._ranked[-1][0]:
            worst_key = self._ranked.pop()[1]
            insort(self._ranked, (rank, key), key=_first)
            self.out.add(worst_key)
            self.items[key] = entry
            return worst_key, self.items.pop(worst_key)
        self.out.add(key)
        return key, entry


def _earliest(a: Kept, b: Kept) -> Kept:
    """Of two symptoms with one reply, the earliest seen (dated before undated) is the example."""
    def key(e: Kept) -> tuple:
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
        self.kinds = _TopN(self.max_kinds, _merge, _rank)
        self.coarse = _TopN(self.max_coarse, _merge, _rank)
        self.symptoms = _TopN(self.max_symptoms, _earliest, lambda key, fact: symptom_rank(fact, key))
        self.coarse_sessions = 0
        self.uncounted = 0  # sessions beyond even the coarse budget
        self.others = OtherFacts()  # the other inputs' facts, bounded there (logbudget)

    def add(self, position: Any, facts: Sequence[Fact]) -> None:
        """The facts of one input; ``position`` orders the inputs (any comparable value, unique)."""
        for i, fact in enumerate(facts):
            if isinstance(fact, SmtpSession):
                key_of, summed, _, _ = _send_log()
                kind = _Kind((position, i), fact, list(summed(fact)), fact.last_seen, fact.last_source,
                             (position, i))
                left = self.kinds.offer(key_of(fact), kind)
                if left is not None:
                    self._to_coarse(left[1])
            elif isinstance(fact, Symptom) and fact.origin == "send_log":
                self.symptoms.offer(_send_log()[3](fact), Kept((position, i), fact))
            else:
                self.others.add((position, i), fact)

    def _to_coarse(self, kind: _Kind) -> None:
        self.coarse_sessions += kind.sums[0]  # sessions
        kind.coarse = kind.changed = True  # the fields COARSE_FIELDS holds are the example's still
        left = self.coarse.offer(_coarse_key_of(kind.fact), kind)
        if left is not None:
            self.uncounted += left[1].sums[0]

    def entries(self) -> list[tuple[Any, Fact]]:
        """(input position, fact) for everything kept, in the order each fact was first seen."""
        entries: list[Kept] = [Kept(k.where, _made(k))
                                 for k in (*self.kinds.items.values(), *self.coarse.items.values())]
        entries += [*self.symptoms.items.values(), *self.others]
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
        return out + self.others.notes()


def _first(item: tuple) -> Any:
    return item[0]
