"""Confirmation discipline: a cause is ``confirmed`` only by positive evidence, or by an absence
that the evidence proves complete.

A rule *rests on an absence* when it has a ``not:`` pattern over evidence (answers excepted: a
``not: answer`` guard only hands the decision to the admin's word) or tests a field for a value
that means "not seen" (``facts.ABSENCE_VALUES``, e.g. ``smtp_session.cert_presented: false``).
Such a rule must say which completeness it relies on (``complete: [sess.tls_complete]``); the
diagnosis keeps its ``confirmed`` only when every declared condition holds on the facts the
firing bound, and otherwise downgrades it to ``likely``. Pack lint refuses a confirmed rule that
rests on an absence and declares nothing. Pure functions; the engine never sees this.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from .facts import ABSENCE_VALUES, Fact

if TYPE_CHECKING:  # the pack package imports this module (lint)
    from .pack.model import FieldTest, RuleDef

# Negated kinds that are not evidence: an answer's absence decides nothing by itself.
GUARD_KINDS = frozenset({"answer"})


def absences(rule: RuleDef) -> tuple[str, ...]:
    """What the rule rests on that is an absence, in words (empty: it rests on presence only)."""
    out: list[str] = []
    for pattern in rule.negations:
        if pattern.kind not in GUARD_KINDS:
            out.append(f"no {pattern.kind}")
    for pattern in rule.patterns:
        for test in pattern.field_tests():
            absent = ABSENCE_VALUES.get((pattern.kind, test.field))
            if absent and _may_take(test, absent):
                out.append(f"{pattern.alias or pattern.kind}.{test.field} absent")
    return tuple(dict.fromkeys(out))


def _may_take(test: FieldTest, absent: tuple) -> bool:
    """Whether ``test`` accepts one of the absent values."""
    if test.value is not None and not isinstance(test.value, str | int | bool | tuple):
        return False  # a {ref: alias.field}: decided by another fact, not an absent value
    if test.op == "eq":
        return test.value in absent
    if test.op == "in" and isinstance(test.value, tuple):
        return any(v in absent for v in test.value)
    if test.op == "ne":
        return test.value not in absent
    if test.op == "not_in" and isinstance(test.value, tuple):
        return any(v not in test.value for v in absent)
    return test.op == "missing"


def unmet(rule: RuleDef, bindings: Mapping[str, int], facts: Sequence[Fact]) -> tuple[str, ...]:
    """The declared completeness conditions that do not hold for one firing (all of them, in
    words, when the rule declares none)."""
    if not rule.complete:
        return ("no completeness declared",)
    out = []
    for cond in rule.complete:
        key = bindings.get(cond.alias)
        value = getattr(facts[key], cond.field, None) if key is not None else None
        if value is not cond.expect:
            out.append(str(cond))
    return tuple(out)


def effective_status(
    rule: RuleDef, bindings: Mapping[str, int], facts: Sequence[Fact]
) -> tuple[str, str | None]:
    """The status a firing may claim, and why it was lowered (None when it was not)."""
    if rule.status != "confirmed":
        return rule.status, None
    rests = absences(rule)
    if not rests:
        return "confirmed", None
    missing = unmet(rule, bindings, facts)
    if not missing:
        return "confirmed", None
    return "likely", (
        f"{rule.id} rests on an absence ({', '.join(rests)}) that the evidence does not prove "
        f"complete ({', '.join(missing)}): likely, not confirmed"
    )
