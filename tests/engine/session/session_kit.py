"""Helpers to build small CompiledRulesets by hand for the engine facade's tests (imported by them)."""

from __future__ import annotations

from typing import Any

from relaydoctor.engine.compiled import PHASE_ALIAS, CompiledRule, CompiledRuleset, Conclusion

CONCLUSION = Conclusion(cause="test-cause", code="5.7.64", status="confirmed")


def kind(k: str, *tests: dict[str, Any]) -> dict[str, Any]:
    """A pattern body: ``t == k`` and every extra test."""
    return {"$and": [{"t": k}, *tests]} if tests else {"t": k}


def phase(n: int) -> dict[str, Any]:
    return {PHASE_ALIAS: {"$and": [{"t": "__phase"}, {"n": n}]}}


def rule(rule_id: str, *patterns: dict[str, Any], stratum: int = 0) -> CompiledRule:
    """A rule over ``patterns`` (one-key dicts, in order); aliases are the positive ones."""
    all_ = [phase(stratum), *patterns] if stratum else list(patterns)
    aliases = tuple(next(iter(p)) for p in patterns if "$" not in next(iter(p)))
    return CompiledRule(rule_id, stratum, {"all": all_}, aliases, CONCLUSION, source=f"{rule_id}.yaml:1")


def ruleset(*rules: CompiledRule) -> CompiledRuleset:
    return CompiledRuleset(tuple(rules))


def fired(firings: list) -> list[tuple[str, dict[str, int]]]:
    return [(f.rule_id, f.bindings) for f in firings]
