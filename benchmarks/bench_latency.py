"""Start-up latency: ``relaydoctor diagnose`` on a sample bundle vs its dependencies' import floor.

    python benchmarks/bench_latency.py [--bundle DIR] [--runs 7] [--phases]

The floor is ``python -c "import durable.engine, yaml, cryptography.x509"``: no run of relaydoctor
can cost less. Both commands run alternately (``--runs`` times each, after one warm-up run that
fills the pack cache and the bytecode cache) as fresh processes; the CPU time (user + system) of
each is measured and the medians and their ratio are printed, with the spread (min–max ratio of
paired runs). Target (issue 11): ratio ≤ 1.5x. ``PYTHONDONTWRITEBYTECODE`` is removed from the
children's environment, as an installed tool has its bytecode compiled, and the children get a
cache folder of their own (``RELAYDOCTOR_CACHE_DIR``, removed at the end): the user's is shared
with every other relaydoctor process, whose entries can evict this one's mid-run (a cold run).
Figures are printed, never asserted. ``--phases`` adds where a run's CPU time goes, phase by
phase (medians over the same number of fresh runs of ``benchmarks/latency_phases.py``, which
times the real CLI in-process).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

FLOOR = [sys.executable, "-c", "import durable.engine, yaml, cryptography.x509"]
SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "samples" / "bundles" / "renewed-certificate"


def cpu_of(cmd: list[str], env: dict[str, str], faults: list[int] | None = None) -> float:
    """CPU time (user + system) of one run of ``cmd``; its minor page faults appended to ``faults``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if faults is not None:
        faults.append(after.ru_minflt - before.ru_minflt)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundle", default=str(SAMPLE), help="evidence folder (default: a sample bundle)")
    parser.add_argument("--runs", type=int, default=7, help="runs of each command (default 7)")
    parser.add_argument("--phases", action="store_true", help="also print where the time goes")
    args = parser.parse_args(argv)
    cache = tempfile.mkdtemp(prefix="relaydoctor-bench-cache-")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["RELAYDOCTOR_CACHE_DIR"] = cache
    try:
        return _run(args, env)
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def _run(args: argparse.Namespace, env: dict[str, str]) -> int:
    diagnose = [sys.executable, "-m", "relaydoctor.engine", "diagnose", args.bundle, "--format", "json"]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"relaydoctor latency benchmark: {os.cpu_count()} CPUs, load average {load}, "
          f"Python {sys.version.split()[0]}, bundle {args.bundle}")
    cpu_of(diagnose, env)  # warm-up: pack cache and bytecode
    cpu_of(FLOOR, env)
    floors, runs = [], []
    floor_faults: list[int] = []
    run_faults: list[int] = []
    for _ in range(args.runs):
        floors.append(cpu_of(FLOOR, env, floor_faults))
        runs.append(cpu_of(diagnose, env, run_faults))
    ratios = sorted(r / f for r, f in zip(runs, floors, strict=True) if f > 0)
    f_med, r_med = statistics.median(floors), statistics.median(runs)
    for label, values, med in (("import floor", floors, f_med), ("diagnose    ", runs, r_med)):
        print(f"{label}: median {med * 1000:.0f} ms CPU (min {min(values) * 1000:.0f}, "
              f"max {max(values) * 1000:.0f})")
    print(f"ratio diagnose / floor: {r_med / f_med:.2f}x (paired runs {ratios[0]:.2f}x–{ratios[-1]:.2f}x; "
          "target <= 1.5x)")
    print(f"minor page faults: floor {statistics.median(floor_faults):,.0f}, diagnose "
          f"{statistics.median(run_faults):,.0f} (medians; fresh pages cost more on an idle VM)")
    print(f"load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.phases:
        print_phases(args.bundle, args.runs, env, f_med)
    return 0


def print_phases(bundle: str, runs: int, env: dict[str, str], floor: float) -> None:
    script = str(Path(__file__).resolve().parent / "latency_phases.py")
    samples: list[dict[str, float]] = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, script, bundle], env=env, capture_output=True, text=True,
                             check=True).stdout
        samples.append(json.loads(out.strip().splitlines()[-1]))
    print(f"where a diagnose run's CPU time goes (medians of {runs} in-process runs; lines starting "
          "with two spaces are parts of the line above):")
    for phase in samples[0]:
        if phase == "exit code":
            continue
        med = statistics.median(s[phase] for s in samples)
        print(f"  {med * 1000:6.1f} ms  {phase}")
    print(f"  (the import floor's process: {floor * 1000:.0f} ms; a run exits without the "
          "interpreter's teardown, engine/__main__.py)")


if __name__ == "__main__":
    raise SystemExit(main())
