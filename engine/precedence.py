"""Precedence between conclusions (docs/reasoning.md): what a conclusion rests on, how strong
that is, and how specific a cause is, so that one order is used everywhere.

- Ground (``basis``) of a firing: ``answer`` when it binds something the admin told us (an
  answer, or a relation derived from one), else ``evidence`` when it binds anything besides reply
  text, else ``text`` (a reply's wording alone).
- Strength: evidence that proves (confirmed / ruled out from evidence) > an answer > an
  inference from evidence (likely) > reply text. Within one cause the strongest ground decides;
  weaker conclusions that disagree are reported as contradictions.
- Specificity: a cause whose rule reads what the reply says (text, tokens, ATTR) or binds more
  deciding facts ranks above a generic cause that only knows the code or the endpoint. A generic
  ``confirmed`` is lowered to ``likely`` when a specific cause of the same code is confirmed or
  likely: the reply names the problem more precisely than the generic cause does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from .compiled import Firing
from .facts import Answer, Fact, IpAttribution, Symptom
from .results import STATUS_ORDER, Verdict
from .status import Status

if TYPE_CHECKING:
    from .pack.model import RuleDef

BASIS_WORDS = {"evidence": "from the evidence", "answer": "from your answer", "text": "from the reply text"}
# Symptom fields that only place a reply (which code, which endpoint), not say what is wrong.
_PLACING_FIELDS = frozenset(
    {"code", "status_code", "reply_code", "direction", "origin", "transient", "host",
     "generating_server", "remote_server", "recipient", "seen_at"}
)  # fmt: skip


def fact_basis(fact: Fact) -> str:
    if isinstance(fact, Answer) or (isinstance(fact, IpAttribution) and fact.source == "answer"):
        return "answer"
    return "text" if isinstance(fact, Symptom) else "evidence"


def firing_basis(firing: Firing, facts: Sequence[Fact]) -> str:
    kinds = {fact_basis(facts[key]) for key in firing.bindings.values()}
    if "answer" in kinds:
        return "answer"
    return "evidence" if "evidence" in kinds else "text"


def strength(status: str, basis: str) -> int:
    """3 proof from evidence, 2 an answer, 1 an inference from evidence, 0 reply text."""
    if basis == "answer":
        return 2
    if basis == "evidence":
        return 3 if status in ("confirmed", "ruled_out") else 1
    return 0


def specificity(rule: RuleDef | None, firing: Firing) -> tuple[int, int, int]:
    """(reads what is wrong, bound facts, field tests): higher is more specific."""
    if rule is None:
        return (0, len(firing.bindings), 0)
    reads = 0
    tests = 0
    for pattern in rule.patterns:
        fields = [t.field for t in pattern.field_tests()]
        tests += len(pattern.tests)  # an any_of counts once: alternatives make a rule broader, not narrower
        if pattern.kind != "symptom" or any(f not in _PLACING_FIELDS for f in fields):
            reads = 1
    return (reads, len(firing.bindings), tests)


def rank_verdicts(
    verdicts: Sequence[Verdict], cause_pos: Mapping[tuple[str, str], int]
) -> tuple[list[Verdict], list[str]]:
    """Lower generic confirmations below specific causes of the same code, then sort: status;
    for confirmed and likely causes the strength of their ground and their specificity; then the
    pack's cause order."""
    notes: list[str] = []
    specific_positive: dict[str, list[str]] = {}
    for v in verdicts:
        if v.status in ("confirmed", "likely") and v.specificity[:1] == (1,):
            specific_positive.setdefault(v.code, []).append(v.cause)
    out: list[Verdict] = []
    for v in verdicts:
        named = specific_positive.get(v.code, [])
        if v.status == "confirmed" and v.specificity[:1] == (0,) and named:
            notes.append(
                f"{v.cause}: likely, not confirmed: the reply points more precisely at "
                f"{', '.join(named)}"
            )
            v = dataclasses.replace(v, status=Status.LIKELY)
        out.append(v)
    rank = {s: i for i, s in enumerate(STATUS_ORDER)}

    def key(v: Verdict) -> tuple:
        if v.status not in ("confirmed", "likely"):  # open and ruled-out causes keep the pack's order
            return (rank[v.status], 0, (), cause_pos.get((v.code, v.cause), 0))
        spec = v.specificity or (0, 0, 0)
        return (
            rank[v.status],
            -strength(v.status, v.basis),
            tuple(-x for x in spec),
            cause_pos.get((v.code, v.cause), 0),
        )

    out.sort(key=key)
    return out, notes
