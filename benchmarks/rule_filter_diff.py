"""Differential check of the rules a run registers (``CompiledRuleset.for_codes`` with the facts'
kinds and literal values, and a trial reusing the base run's rules, ``infer``'s ``within``):
every pass of ``diagnosis.infer`` is run again with *all* the rules of the codes it judges, and
the firings of those codes must be the same. A rule left out that could have fired is a missing
or wrong verdict.

    python benchmarks/rule_filter_diff.py [--no-answers]

Inputs: ``report_diff.py``'s (demo examples, sample bundles, files, mixes, field cases' evidence),
then each of them again with every answer its questions allow (alone, and added to the answers
before: the TUI's question flow), every pack case (``relaydoctor rules test``) and every field case
(``benchmarks/field.py``, certificates generated). Prints the passes checked and each divergence;
exit 1 if any.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import field
import report_diff
from relaydoctor.engine import api, diagnosis
from relaydoctor.engine.answers import answer_form, candidate_values
from relaydoctor.engine.errors import RelaydoctorError

STATS = {"passes": 0, "divergent": 0}
_CODES: list[list[str]] = []
_WHERE = ["?"]


def _checked_infer(infer: Any, codes_in_scope: Any) -> tuple[Any, Any]:
    def codes(facts: Any, packs: Any) -> list[str]:
        found = codes_in_scope(facts, packs)
        _CODES.append(found)
        return found

    def checked(evidence: Any, answers: Any, packs: Any, now: Any, ruleset: Any, run_rules: Any,
                **kw: Any) -> Any:
        def run(chosen: Any, facts: Any) -> Any:
            got = run_rules(chosen, facts)
            judged = set(_CODES[-1])
            code_of = {r.id: r.conclusion.code for r in ruleset.rules}
            seen = {(f.rule_id, tuple(sorted(f.bindings.items())))
                    for f in got if code_of[f.rule_id] in judged}
            every = {(f.rule_id, tuple(sorted(f.bindings.items())))
                     for f in run_rules(ruleset.for_codes(judged), facts)}
            STATS["passes"] += 1
            if seen != every:
                STATS["divergent"] += 1
                print(f"DIVERGENCE {_WHERE[0]} answers={dict(answers)} missing={sorted(every - seen)[:5]} "
                      f"extra={sorted(seen - every)[:5]}", flush=True)
            return got

        return infer(evidence, answers, packs, now, ruleset, run, **kw)

    return checked, codes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-answers", action="store_true", help="skip the runs with answers")
    args = parser.parse_args(argv)
    diagnosis.infer, diagnosis._codes_in_scope = _checked_infer(diagnosis.infer, diagnosis._codes_in_scope)
    packs = api.load_packs(cached=True)
    now = dt.datetime.fromisoformat(report_diff.NOW.replace("Z", "+00:00"))
    for name, paths, fmt in report_diff.inputs():
        if fmt != "json":
            continue
        _WHERE[0] = name
        try:
            evidence = api.load_evidence(paths)
            report = api.diagnose_evidence(evidence, packs=packs, now=now)
        except RelaydoctorError as exc:
            print(f"skipped {name}: {exc}")
            continue
        given: dict[str, str] = {}
        for question in [] if args.no_answers else report.questions:
            form = answer_form(question.answers_with)
            values = candidate_values(form) if form is not None else ()
            for value in values:
                try:
                    api.check_answers({form.key: value}, packs, evidence)
                except RelaydoctorError:
                    continue
                api.diagnose_evidence(evidence, packs=packs, answers={**given, form.key: value}, now=now)
            if form is not None and values:
                given[form.key] = values[-1]
    _WHERE[0] = "rules test"
    failed = [r for r in api.test_packs(packs) if not r.passed]
    _WHERE[0] = "field cases"
    field.run()
    print(f"passes checked {STATS['passes']}, divergent {STATS['divergent']}, "
          f"pack cases failed {len(failed)}")
    return 1 if STATS["divergent"] else 0


if __name__ == "__main__":
    sys.exit(main())
