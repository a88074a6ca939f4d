"""The issue-11 scale benchmark still runs against the current API (a smoke run, never timed).

``benchmarks/bench_scale.py`` measures each scenario with ``--worker FOLDER`` in a fresh process; it
imported ``engine.diagnosis.diagnose`` after the front door moved to ``engine.api`` and died on its
first scenario, so the figures the README cites could not be reproduced. One tiny logmix bundle
through the same worker keeps the benchmark honest."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "benchmarks"


def test_the_scale_benchmarks_worker_diagnoses_a_small_logmix_bundle(tmp_path):
    sys.path.insert(0, str(BENCH))
    try:
        from logmix import write_bundle
    finally:
        sys.path.remove(str(BENCH))
    info = write_bundle(tmp_path / "bundle", mb=0.2, files=6, certs=8, connectors=4)
    assert info["files"] >= 6
    command = [sys.executable, str(BENCH / "bench_scale.py"), "--worker", str(tmp_path / "bundle")]
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    got = json.loads(run.stdout.strip().splitlines()[-1])
    assert got["facts"] > 10 and got["peak_rss"] > 0 and got["cpu"] > 0 and "verdicts" in got
