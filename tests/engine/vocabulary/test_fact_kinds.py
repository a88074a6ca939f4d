"""facts.py names every relation kind twice (FACT_KINDS, in documentation order, and
RELATION_ORDER, in the order derive_relations emits them): a kind added to one list only is a
kind pack authors cannot use or the diagnosis never orders, so the two are held together here."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from relaydoctor.engine.facts import (
    FACT_KINDS,
    RELATION_KINDS,
    RELATION_ORDER,
    Fact,
    Provenance,
    fact_from_dict,
    field_specs,
)


def test_every_relation_kind_is_a_fact_kind() -> None:
    assert FACT_KINDS.keys() >= RELATION_KINDS, sorted(RELATION_KINDS - FACT_KINDS.keys())


def test_relation_kinds_are_listed_once() -> None:
    assert len(RELATION_ORDER) == len(set(RELATION_ORDER))


@st.composite
def _facts(draw: st.DrawFn) -> Fact:
    """A fact of any kind, every field given a value of its type (or left out when optional)."""
    kind = draw(st.sampled_from(sorted(FACT_KINDS)))
    data: dict[str, object] = {"kind": kind}
    for name, spec in field_specs(kind).items():
        if spec.optional and draw(st.booleans()):
            continue
        if spec.enum:
            data[name] = draw(st.sampled_from(spec.enum))
        elif spec.type == "integer":
            data[name] = draw(st.integers(-5, 5))
        elif spec.type == "boolean":
            data[name] = draw(st.booleans())
        elif spec.type == "list":
            data[name] = draw(st.lists(st.sampled_from(["a", "B", "é", ""]), max_size=3))
        else:
            data[name] = draw(st.sampled_from(["", "a", "b c", "x'y", "5.7.64"]))
    return fact_from_dict(data, Provenance("f.txt", 1))


@given(_facts())
def test_identity_is_the_kind_and_the_sorted_reprs_of_its_values(fact: Fact) -> None:
    # what de-duplication and the diagnosis's ordering compare (facts.Fact.identity reads it faster)
    assert fact.identity() == (fact.KIND, tuple(sorted((k, repr(v)) for k, v in fact.values().items())))
