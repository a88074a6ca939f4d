"""Verdicts for the failures ``watch`` sees, from the same rules as ``diagnose``.

A failure *kind* is what the rules look at in a rejected session (reply code and ATTR token,
certificate, egress IP, MAIL FROM domain, TLS outcome). Only a new kind is diagnosed — the
session's summary facts with the exports given beside the logs, through ``diagnose_evidence`` —
and its verdict is kept for every later session of that kind, so the rules run once per kind,
not once per line.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable, Sequence

from ..evidence.smtplog.send import Aggregator
from ..evidence.smtplog.session import Session
from ..facts import Fact
from ..lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from ..results import EvidenceSet, Report

# The diagnosis of already-read evidence at a time (``api.diagnose_evidence`` with the packs bound).
Diagnose = Callable[[EvidenceSet, dt.datetime | None], Report]

MAX_KINDS = 256  # verdicts remembered (the oldest forgotten first)


@dataclass(frozen=True, slots=True)
class Finding:
    cause: str  # "" when no cause could be confirmed or called likely
    status: str  # confirmed | likely | undetermined
    summary: str


def failure_kind(s: Session) -> tuple:
    rej = s.rejections[0] if s.rejections else None
    txn = s.txns[0] if s.txns else None
    return (
        rej.reply.code if rej else None,
        _status_code(rej.reply.text) if rej else None,
        s.cert.thumbprint if s.cert else None,
        s.ehlo_client_ip,
        (txn.mail_from or "").rpartition("@")[2].lower() if txn else None,
        bool(txn and txn.null_sender),
        s.tls,
        s.tls_error,
    )


def _status_code(text: str) -> str | None:
    import re

    m = re.search(r"\b[45]\.\d{1,3}\.\d{1,3}\b", text)
    attr = re.search(r"\bATTR\d+\b", text)
    return " ".join(x.group(0) for x in (m, attr) if x) or None


class Judge:
    def __init__(self, evidence: EvidenceSet, diagnose: Diagnose):
        self.evidence = evidence
        self.diagnose = diagnose
        self.cache: OrderedDict[tuple, Finding] = OrderedDict()
        self.runs = 0

    def known(self, kind: tuple) -> Finding | None:
        return self.cache.get(kind)

    def judge(self, kind: tuple, session: Session, name: str, at: dt.datetime | None) -> Finding:
        agg = Aggregator(name)
        agg.add(session)
        return self.judge_facts(kind, agg.facts(), at)

    def judge_facts(self, kind: tuple, facts: Sequence[Fact], at: dt.datetime | None) -> Finding:
        """The verdict for a failure given the facts its log lines give (a relay log's delivery:
        the evidence reader run over those lines)."""
        found = self.cache.get(kind)
        if found is not None:
            return found
        ev = EvidenceSet(
            facts=[*self.evidence.facts, *facts],
            sources=list(self.evidence.sources),
            certificates=dict(self.evidence.certificates),
        )
        report = self.diagnose(ev, at)
        self.runs += 1
        decided = [v for v in report.verdicts if v.status in ("confirmed", "likely")]
        if decided:
            v = decided[0]
            found = Finding(v.cause, v.status, v.summary)
        else:
            found = Finding("", "undetermined", "no cause confirmed from this session and the exports given")
        self.cache[kind] = found
        if len(self.cache) > MAX_KINDS:
            self.cache.popitem(last=False)
        return found
