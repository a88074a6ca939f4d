"""Where a ``diagnose`` run's CPU time goes, phase by phase (run by ``bench_latency.py --phases``).

    python benchmarks/latency_phases.py BUNDLE   # one run; prints a JSON object of phase -> seconds

The real CLI runs in this process (``cli.main``) with timers wrapped around the functions each
phase goes through; the times are CPU times (``time.process_time``), inclusive of what a phase
calls, so the nested lines of the table (marked ``  ``) are parts of the line above them. The
dependencies the import floor names are imported first and timed alone, so "relaydoctor's own
imports" excludes them; the modules the run would import on its way (diagnosis, relations, the
session facade, the pack loader) are imported before it, to wrap their functions, and timed on
their own line.
"""

from __future__ import annotations

import functools
import gc
import importlib
import io
import json
import sys
import time

START = time.process_time()  # the interpreter's start-up, up to this line
TIMES: dict[str, float] = {"interpreter start-up": START}
FLOOR_DEPENDENCIES = ("durable.engine", "cryptography.x509")  # the floor's that a diagnosis imports


def _timed(owner: object, name: str, label: str) -> None:
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        began = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            TIMES[label] = TIMES.get(label, 0.0) + time.process_time() - began

    setattr(owner, name, wrapper)


def main(bundle: str) -> None:
    began = time.process_time()
    for name in FLOOR_DEPENDENCIES:  # by name, as bench_latency's floor command: only imported, never used
        importlib.import_module(name)

    TIMES["dependency imports (durable.engine, cryptography.x509)"] = time.process_time() - began
    began = time.process_time()
    gc.disable()  # as engine/__main__.py imports the CLI: the collector paused, then the import frozen
    from relaydoctor.engine import api, cli

    gc.freeze()
    gc.enable()
    from relaydoctor.engine.__main__ import quiet_collector

    quiet_collector()  # and the collector's policy for the run

    TIMES["relaydoctor imports before the run (cli, api, facts, results)"] = time.process_time() - began
    began = time.process_time()  # imported by the run itself; imported here to wrap them
    from relaydoctor.engine import diagnosis, relations, session
    from relaydoctor.engine.pack import loader

    TIMES["modules the run imports (diagnosis, relations, session, pack loader)"] = (
        time.process_time() - began)
    _timed(api, "load_packs", "packs: load (cache hit: key, read)")
    _timed(loader, "_cache_key", "  pack content key (stat index)")
    _timed(api, "_compiled", "packs: compiled ruleset (cache read)")
    _timed(api, "load_evidence", "evidence: imports, sniff, parse")
    _timed(api, "diagnose_evidence", "diagnosis")
    _timed(diagnosis, "recognise_symptoms", "  recognise symptom codes")
    _timed(relations, "derive_relations", "  relations (chains, names, IPs)")
    _timed(session.RuleEngine, "_register", "  register the rules in scope")
    _timed(session.RuleEngine, "run", "  engine runs (incl. registration)")
    _timed(diagnosis, "honest_questions", "  questions (trial runs)")
    _timed(api, "render", "report: render")
    began = time.process_time()
    sys.stdout = io.StringIO()
    code = cli.main(["diagnose", bundle, "--format", "json"])
    sys.stdout = sys.__stdout__
    TIMES["cli.main (all of the run)"] = time.process_time() - began
    TIMES["exit code"] = code
    TIMES["total"] = time.process_time()
    print(json.dumps(TIMES))


if __name__ == "__main__":
    main(sys.argv[1])
