"""facts.py names every relation kind twice (FACT_KINDS, in documentation order, and
RELATION_ORDER, in the order derive_relations emits them): a kind added to one list only is a
kind pack authors cannot use or the diagnosis never orders, so the two are held together here."""

from __future__ import annotations

from relaydoctor.engine.facts import FACT_KINDS, RELATION_KINDS, RELATION_ORDER


def test_every_relation_kind_is_a_fact_kind() -> None:
    assert FACT_KINDS.keys() >= RELATION_KINDS, sorted(RELATION_KINDS - FACT_KINDS.keys())


def test_relation_kinds_are_listed_once() -> None:
    assert len(RELATION_ORDER) == len(set(RELATION_ORDER))
