"""Engine facade throughput: facts/s and per-run latency.

Run: ``python benchmarks/bench_engine.py`` (prints one line per scenario; no assertions).
Rules have the shape the engine was first measured with: ``a: {t: ev, code: cX}`` joined with
``b: {t: ev, code: cY, grp == a.grp}`` plus a few negation rules; facts are random
``{t, code, grp, n}``.
"""

from __future__ import annotations

import random
import statistics
import time

import psutil
from relaydoctor.engine.compiled import PHASE_ALIAS, CompiledRule, CompiledRuleset, Conclusion
from relaydoctor.engine.session import RuleEngine

CONCLUSION = Conclusion(cause="bench", code="5.7.64", status="confirmed")


def ruleset(n_rules: int, codes: int = 400) -> CompiledRuleset:
    rng = random.Random(n_rules)
    rules = []
    for i in range(n_rules):
        x, y = rng.randrange(codes), rng.randrange(codes)
        a = {"a": {"$and": [{"t": "ev"}, {"code": f"c{x}"}]}}
        b = {"b": {"$and": [{"t": "ev"}, {"code": f"c{y}"}, {"grp": {"a": "grp"}}]}}
        rules.append(CompiledRule(f"j{i}", 0, {"all": [a, b]}, ("a", "b"), CONCLUSION))
    for i in range(5):  # negation rules, stratum 1
        phase = {PHASE_ALIAS: {"$and": [{"t": "__phase"}, {"n": 1}]}}
        a = {"a": {"$and": [{"t": "ev"}, {"code": f"c{i}"}]}}
        neg = {"x$not": {"$and": [{"t": "ev"}, {"code": f"c{i + 1}"}, {"grp": {"a": "grp"}}]}}
        rules.append(CompiledRule(f"n{i}", 1, {"all": [phase, a, neg]}, ("a",), CONCLUSION))
    return CompiledRuleset(tuple(rules))


def facts(n: int, codes: int = 400, groups: int = 50, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    return [
        {"t": "ev", "code": f"c{rng.randrange(codes)}", "grp": rng.randrange(groups), "n": i}
        for i in range(n)
    ]


def bench(engine: RuleEngine, rules: int, n_facts: int, runs: int) -> str:
    rs, fs = ruleset(rules), facts(n_facts)
    start = time.perf_counter()
    engine.run(rs, fs)  # includes registration
    first = time.perf_counter() - start
    times, firings = [], 0
    for _ in range(runs):
        t0 = time.perf_counter()
        firings = len(engine.run(rs, fs))
        times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    rss = psutil.Process().memory_info().rss / 2**20
    return (
        f"{rules:5d} rules {n_facts:6d} facts: first run {first * 1000:8.1f} ms, "
        f"median run {median * 1000:8.2f} ms, {n_facts / median:9.0f} facts/s, "
        f"{firings:6d} firings, RSS {rss:5.0f} MB"
    )


def main() -> None:
    engine = RuleEngine()
    print("relaydoctor engine facade (durable_rules 2.0.28), one process, sequential runs")
    for rules, n_facts, runs in [
        (50, 30, 300),  # a typical diagnosis
        (200, 100, 100),
        (200, 1000, 20),
        (1000, 1000, 10),
        (200, 10000, 3),
    ]:
        print(bench(engine, rules, n_facts, runs), flush=True)


if __name__ == "__main__":
    main()
