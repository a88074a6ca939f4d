"""Try rule regexes in the real engine, in a child process, before a pack is trusted with them.

durable_rules 2.0.28 compiles each regex into a DFA with a construction that is fragile: a
pattern inside the documented subset can still be refused at registration (errors 503/504/507,
which would fail every diagnosis), answer differently from Python's ``re`` (its handling of '.'
beside other transitions is heuristic), or corrupt the heap and abort the process. None of this
can be predicted exactly from the pattern, so packs are checked by trying: a child process
(``python -m relaydoctor.engine.regex_probe``, which imports the engine facade) registers
the regexes and matches them against sample values; the parent compares the answers with
``re.fullmatch``. A crash only kills the child; the batch is then split to find the culprit.

``probe`` is what the pack compiler and linter are handed (``pack.compiler.RegexProbe``) by their
callers: this module sits above the session, so the pack layer never reaches the engine itself.
Results are cached per process. Only ``engine/session.py`` imports ``durable``: the child
reaches the engine through it.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from .pack.regex import UNIVERSE, _Analyzer, _sre, _sre_parse
from .status import Status

Key = tuple[str, bool]  # (Python pattern, ignorecase)
BATCH = 40  # regex rules per child (a fact may match at most 64 alpha nodes at once)
TIMEOUT = 120.0
_CACHE: dict[tuple[str, bool, str], str | None] = {}
_SAMPLE_CHARS = tuple(c for c in UNIVERSE if c not in '"\\')  # the engine sees these two as two characters


# ---------------------------------------------------------------------------------------------
# Sample values: strings the pattern matches, and near misses
# ---------------------------------------------------------------------------------------------


def _class_chars(items: list, ignorecase: bool) -> list[str]:
    codes = _Analyzer(ignorecase)._in(items)
    return [c for c in _SAMPLE_CHARS if ord(c) in codes]


def _generate(items: list, rnd: random.Random, ignorecase: bool) -> str:
    out: list[str] = []
    for op, av in items:
        if op is _sre.LITERAL:
            out.append(chr(av))
        elif op is _sre.NOT_LITERAL:
            out.append(rnd.choice([c for c in _SAMPLE_CHARS if ord(c) != av]))
        elif op is _sre.ANY:
            out.append(rnd.choice(_SAMPLE_CHARS))
        elif op is _sre.IN:
            chars = _class_chars(list(av), ignorecase)
            out.append(rnd.choice(chars) if chars else "")
        elif op is _sre.BRANCH:
            out.append(_generate(list(rnd.choice(av[1])), rnd, ignorecase))
        elif op is _sre.SUBPATTERN:
            out.append(_generate(list(av[-1]), rnd, ignorecase))
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT):
            low, high, body = av
            top = low + 3 if high == _sre.MAXREPEAT else min(high, low + 3)
            for _ in range(rnd.randint(low, top)):
                out.append(_generate(list(body), rnd, ignorecase))
    return "".join(out)


def sample_values(pattern: str, *, ignorecase: bool = False, count: int = 12, seed: int = 0) -> list[str]:
    """Values to try ``pattern`` on: some it matches (generated from it), and mutations of them."""
    rnd = random.Random(f"{seed}:{pattern}")
    try:
        parsed = list(_sre_parse.parse(pattern, re.IGNORECASE if ignorecase else 0))
    except re.error:
        return []
    values: list[str] = [""]
    for _ in range(count):
        v = _generate(parsed, rnd, ignorecase)
        if ignorecase:
            v = "".join(c.swapcase() if rnd.random() < 0.5 else c for c in v)
        values.append(v)
        if v:
            i = rnd.randrange(len(v))
            values.append(v[:i] + v[i + 1 :])  # a character dropped
            values.append(v[:i] + rnd.choice(_SAMPLE_CHARS) + v[i:])  # one inserted
            values.append(v[:i] + rnd.choice(_SAMPLE_CHARS) + v[i + 1 :])  # one replaced
    return list(dict.fromkeys(v for v in values if len(v) <= 200))


# ---------------------------------------------------------------------------------------------
# Parent side
# ---------------------------------------------------------------------------------------------


def _run_child(batch: Sequence[tuple[str, bool]], values: Sequence[str]) -> tuple[str, Any]:
    """("ok", [[rule, value index], ...]) or ("refused", message) or ("crashed", message)."""
    payload = json.dumps({"patterns": [list(b) for b in batch], "values": list(values)})
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "relaydoctor.engine.regex_probe"],
            input=payload,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return "crashed", "the engine did not finish compiling it"
    if proc.returncode != 0 or not proc.stdout.strip():
        return "crashed", f"the engine crashed compiling it (exit {proc.returncode})"
    result = json.loads(proc.stdout)
    if "error" in result:
        return "refused", result["error"]
    return "ok", result["matches"]


def _probe_batch(entries: list[tuple[Key, str]], out: dict[Key, str | None]) -> None:
    """entries: ((pattern, ignorecase), engine regex)."""
    values: list[str] = []
    for (pattern, icase), _ in entries:
        values.extend(sample_values(pattern, ignorecase=icase))
    values = list(dict.fromkeys(values))
    status, detail = _run_child([(engine, icase) for (_, icase), engine in entries], values)
    if status != "ok":
        if len(entries) == 1:
            out[entries[0][0]] = f"{detail}: the engine's regex compiler cannot build this pattern"
            return
        half = len(entries) // 2
        _probe_batch(entries[:half], out)
        _probe_batch(entries[half:], out)
        return
    matched = {(int(i), int(n)) for i, n in detail}
    for i, ((pattern, icase), _) in enumerate(entries):
        flags = re.IGNORECASE if icase else 0
        wrong = [
            v for n, v in enumerate(values) if ((i, n) in matched) != bool(re.fullmatch(pattern, v, flags))
        ]
        out[(pattern, icase)] = (
            None
            if not wrong
            else f"the engine answers differently from Python on {wrong[0]!r} (its regex support is "
            "partial): simplify the pattern"
        )


def probe(patterns: Iterable[tuple[str, bool, str]]) -> dict[Key, str | None]:
    """Check (python pattern, ignorecase, engine regex) triples; returns why each fails, or None."""
    results: dict[Key, str | None] = {}
    todo: list[tuple[Key, str]] = []
    for pattern, icase, engine in patterns:
        key = (pattern, icase, engine)
        if key in _CACHE:
            results[(pattern, icase)] = _CACHE[key]
        elif (pattern, icase) not in results:
            todo.append(((pattern, icase), engine))
    found: dict[Key, str | None] = {}
    for start in range(0, len(todo), BATCH):
        _probe_batch(todo[start : start + BATCH], found)
    for (pattern, icase), engine in todo:
        _CACHE[(pattern, icase, engine)] = found.get((pattern, icase))
    results.update(found)
    return results


# ---------------------------------------------------------------------------------------------
# Child side
# ---------------------------------------------------------------------------------------------


def _child() -> int:
    from .compiled import CompiledRule, CompiledRuleset, Conclusion
    from .errors import EngineError
    from .session import get_engine

    data = json.load(sys.stdin)
    rules = []
    for i, (engine_regex, icase) in enumerate(data["patterns"]):
        test = {"$imt" if icase else "$mt": {"value": engine_regex}}
        rules.append(
            CompiledRule(
                id=f"rx{i}",
                stratum=0,
                condition={"all": [{"a": {"$and": [{"t": "answer"}, test]}}]},
                aliases=("a",),
                conclusion=Conclusion("probe", "probe", Status.CONFIRMED),
            )
        )
    facts = [{"t": "answer", "key": f"k{n}", "value": v} for n, v in enumerate(data["values"])]
    try:
        firings = get_engine().run(CompiledRuleset(tuple(rules)), facts)
    except EngineError as exc:
        json.dump({"error": str(exc)}, sys.stdout)
        return 0
    json.dump({"matches": [[int(f.rule_id[2:]), f.bindings["a"]] for f in firings]}, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(_child())
