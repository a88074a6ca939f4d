"""Distinct rulesets do not pile up in the engine: reused by digest, least recently used deleted."""

from __future__ import annotations

import sys
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine" / "session"))
from relaydoctor.engine import session as session_mod
from relaydoctor.engine.session import MAX_REGISTERED_RULESETS, RuleEngine
from session_kit import fired, kind, rule, ruleset


def _distinct(n: int):
    return ruleset(*(rule(f"r{n}-{i}", {"s": kind("symptom", {"code": f"5.7.{n}.{i}"})}) for i in range(20)))


def test_registered_rulesets_stay_bounded_and_evicted_ones_work_again():
    engine = RuleEngine()
    first = _distinct(0)
    assert fired(engine.run(first, [{"t": "symptom", "code": "5.7.0.3"}])) == [("r0-3", {"s": 0})]
    for n in range(1, 3 * MAX_REGISTERED_RULESETS):
        engine.run(_distinct(n), [{"t": "symptom", "code": f"5.7.{n}.1"}])
        assert engine.registered_count() <= MAX_REGISTERED_RULESETS
        assert len(engine._host._ruleset_list) <= MAX_REGISTERED_RULESETS
    # the first was evicted long ago: registered again under the same name, and it still fires
    assert fired(engine.run(first, [{"t": "symptom", "code": "5.7.0.3"}])) == [("r0-3", {"s": 0})]


def test_just_at_and_above_the_bound():
    engine = RuleEngine()
    for n in range(MAX_REGISTERED_RULESETS):
        engine.run(_distinct(n), [])
    assert engine.registered_count() == MAX_REGISTERED_RULESETS
    engine.run(_distinct(MAX_REGISTERED_RULESETS), [])
    assert engine.registered_count() == MAX_REGISTERED_RULESETS


def test_memory_of_many_distinct_rulesets_plateaus(monkeypatch):
    """1,200 distinct rulesets (the issue's 12,000, scaled down): RSS does not grow with them."""
    monkeypatch.setattr(session_mod, "MAX_REGISTERED_RULESETS", 4)
    engine = RuleEngine()
    proc = psutil.Process()
    for n in range(200):  # warm up
        engine.run(_distinct(n), [])
    before = proc.memory_info().rss
    for n in range(200, 1200):
        engine.run(_distinct(n), [])
    growth_mb = (proc.memory_info().rss - before) / 2**20
    assert growth_mb < 40, f"RSS grew {growth_mb:.1f} MB over 1000 distinct rulesets"
