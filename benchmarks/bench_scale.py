"""Linear scale and bounded memory of a whole diagnosis on a realistic bundle (issue 11).

    python benchmarks/bench_scale.py [--base 16,200,200,40] [--repeats 2] [--memory 100,1000]

Writes realistic bundles with ``logmix`` (send logs with internet / EOP / intra-org sessions and a
distinct certificate per internet domain over several hundred files, certificate files, inbound
connectors), then runs ``diagnose`` on each in a fresh subprocess and prints CPU time, wall time
and peak RSS (process tree, sampled):

- the base bundle (``--base MB,FILES,CERTS,CONNECTORS``), then the same with each dimension
  doubled alone and with all doubled. ``ratio`` is the CPU time above the floor (a diagnosis of an
  almost empty bundle: start-up, imports and packs, measured in the same run) over the base's —
  ≈ 2 when the work is linear; a quadratic step shows as ≈ 4;
- ``--memory 100,1000``: peak RSS of ``diagnose`` at those log sizes (several hundred files), and
  the ratio largest / smallest (target ≤ 1.25x), in one process and with two log workers
  (``--memory-workers``; both sizes under the same count, never the load average's choice);
- ``--memory-budgets 600,400,300,200``: with ``--memory``, the same one-process runs under each session
  budget (``budget.MAX_SESSION_KINDS``, set in the benchmark's worker only), and each one's ratio;
- ``--memory-phases``: with ``--memory``, where each size's memory goes, in one process (no log
  workers), exact from the kernel's high-water mark (Linux ``/proc/self/clear_refs``): RSS before,
  at the peak of and after reading the evidence, the first rules-engine run (durable's C copy of
  every fact) and the rest of the diagnosis (relations, answers tried, the report).

Runs are interleaved (``--repeats``) and the least CPU time of each is kept: the machine is shared.
The CPU count, usable CPUs and load average are printed first. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sendlog import PeakRss
from logmix import write_bundle

NOW = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)


BUDGET_ENV = "BENCH_SESSION_KINDS"  # --memory-budgets: the session budget of one worker run


def worker(folder: str) -> dict[str, object]:
    if os.environ.get(BUDGET_ENV):
        from relaydoctor.engine.evidence import budget

        budget.MAX_SESSION_KINDS = int(os.environ[BUDGET_ENV])
    with PeakRss() as rss:
        start = time.perf_counter()
        from relaydoctor.engine.api import diagnose  # the front door (engine.diagnosis has none now)

        report = diagnose([folder], now=NOW)
        seconds = time.perf_counter() - start
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "seconds": seconds,
        "cpu": me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime,
        "peak_rss": rss.peak,
        "facts": len(report.facts),
        "verdicts": len(report.verdicts),
        "notes": len(report.notes),
    }


def _status_mb(key: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key):
                return int(line.split()[1]) / 1024
    return 0.0


def phases_worker(folder: str) -> dict[str, object]:
    """RSS (MB) before, at the peak of and after each phase of one in-process diagnosis."""
    os.environ["RELAYDOCTOR_WORKERS"] = "1"  # one process: the phases are this process's
    from relaydoctor.engine import api
    from relaydoctor.engine.session import RuleEngine

    phases: dict[str, list[float]] = {}
    open_peaks: list[list[float]] = []  # the peak so far of each phase running (they nest)

    def watch(name: str, fn):
        def wrapped(*args, **kwargs):
            before, mark = _status_mb("VmRSS"), _status_mb("VmHWM")
            for peak in open_peaks:
                peak[0] = max(peak[0], mark)
            with open("/proc/self/clear_refs", "w") as refs:
                refs.write("5")  # the high-water mark restarts here
            mine = [0.0]
            open_peaks.append(mine)
            try:
                return fn(*args, **kwargs)
            finally:
                open_peaks.pop()
                top = max(mine[0], _status_mb("VmHWM"))
                for peak in open_peaks:
                    peak[0] = max(peak[0], top)
                phases.setdefault(name, [before, top, _status_mb("VmRSS")])
                if name == "first engine run":
                    RuleEngine.run = run
        return wrapped

    load, run, rest = api.load_evidence, RuleEngine.run, api.diagnose_evidence
    api.load_evidence = watch("evidence", load)
    api.diagnose_evidence = watch("diagnosis (all of it)", rest)
    RuleEngine.run = watch("first engine run", run)  # put back after the first
    api.load_packs(cached=True)
    phases["start-up, imports, packs"] = [0.0, _status_mb("VmHWM"), _status_mb("VmRSS")]
    report = api.diagnose([folder], now=NOW)
    return {"phases": phases, "facts": len(report.facts), "peak": _status_mb("VmHWM")}


def measure(folder: Path, mode: str = "--worker", env: dict[str, str] | None = None) -> dict[str, object]:
    res = subprocess.run([sys.executable, __file__, mode, str(folder)], capture_output=True, text=True,
                         check=False, env=env)
    if res.returncode != 0:
        raise SystemExit(f"diagnose failed on {folder}:\n{res.stderr}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def machine() -> str:
    from relaydoctor.engine.evidence.workers import usable_cpus

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{os.cpu_count()} CPUs ({usable_cpus()} usable), load average {load}, "
            f"Python {sys.version.split()[0]}")


def scaling(base: Path, params: tuple[float, int, int, int], repeats: int) -> None:
    mb, files, certs, connectors = params
    scenarios = {
        "floor": (0.01, 1, 0, 1),
        "base": (mb, files, certs, connectors),
        "2x sessions": (mb * 2, files, certs, connectors),
        "2x files": (mb, files * 2, certs, connectors),
        "2x certificates": (mb, files, certs * 2, connectors),
        "2x connectors": (mb, files, certs, connectors * 2),
        "2x all": (mb * 2, files * 2, certs * 2, connectors * 2),
    }
    folders = {}
    for name, (m, f, c, k) in scenarios.items():
        folder = base / name.replace(" ", "-")
        info = write_bundle(folder, mb=m, files=f, certs=c, connectors=k)
        folders[name] = folder
        print(f"  {name:<16} {info['bytes'] / 1e6:7.1f} MB, {info['files']:5d} files: {info['eop']:,} EOP / "
              f"{info['intra']:,} intra-org / {info['internet']:,} internet sessions "
              f"({info['internet_failed']:,} failed), {info['domains']:,} internet domains with their own "
              f"certificate, {c} certificate files, {k} connectors")
    best: dict[str, dict] = {}
    rounds: list[dict[str, dict]] = []
    for _ in range(repeats):
        got_round = {}
        for name, folder in folders.items():  # interleaved: a busy moment hits every scenario alike
            got = got_round[name] = measure(folder)
            if name not in best or got["cpu"] < best[name]["cpu"]:
                best[name] = got
        rounds.append(got_round)
    floor = best["floor"]["cpu"]
    net_base = best["base"]["cpu"] - floor
    print(f"{'scenario':<16} {'CPU s':>7} {'above floor':>11} {'ratio':>6} {'spread':>13} {'wall s':>7} "
          f"{'peak RSS':>9} {'facts':>6}")
    for name, r in best.items():
        net = r["cpu"] - floor
        ratio = spread = ""
        if name not in ("floor", "base"):
            ratio = f"{net / net_base:5.2f}x"
            per_round = sorted(
                (x[name]["cpu"] - x["floor"]["cpu"]) / max(1e-9, x["base"]["cpu"] - x["floor"]["cpu"])
                for x in rounds
            )
            spread = f"{per_round[0]:.2f}-{per_round[-1]:.2f}x"
        print(f"{name:<16} {r['cpu']:7.2f} {net:11.2f} {ratio:>6} {spread:>13} {r['seconds']:7.2f} "
              f"{r['peak_rss'] / 2**20:7.0f}MB {r['facts']:6d}")
    print("ratio: least CPU of each scenario above the least floor, over the base's; spread: the same "
          "ratio within each round of runs")


def memory(base: Path, sizes: list[int], files: int, repeats: int, workers: list[int],
           phases: bool = False, budgets: list[int] | None = None) -> None:
    """Each size under each log-worker count (``RELAYDOCTOR_WORKERS``; 1 = in this process), so the
    sizes are compared under the same policy: left to the load average, a quiet moment gave the
    100 MB run two workers (146 MB, three processes) and a busy one the 1 GB run none (77 MB)."""
    peaks: dict[int, dict[int, int]] = {n: {} for n in workers}
    by_budget: dict[int, dict[int, int]] = {b: {} for b in budgets or []}
    for size in sizes:
        folder = base / f"mem-{size}MB"
        t0 = time.perf_counter()
        info = write_bundle(folder, mb=size, files=files, certs=0, connectors=20)
        print(f"  {size} MB: {info['bytes'] / 1e6:,.0f} MB in {info['files']} files, {info['domains']:,} "
              f"internet domains with their own certificate (generated in {time.perf_counter() - t0:.0f}s)")
        for n in workers:
            env = {**os.environ, "RELAYDOCTOR_WORKERS": str(n)}
            runs = [measure(folder, env=env) for _ in range(repeats)]
            r = min(runs, key=lambda x: x["cpu"])
            peaks[n][size] = max(x["peak_rss"] for x in runs)
            print(f"  {size:>5} MB diagnose, {_workers_label(n)}: CPU {r['cpu']:.1f}s, "
                  f"wall {r['seconds']:.1f}s, peak RSS {peaks[n][size] / 2**20:.0f} MB, {r['facts']} facts, "
                  f"{r['notes']} notes")
        for kinds in by_budget:  # one process, the session budget set to each value in turn
            env = {**os.environ, "RELAYDOCTOR_WORKERS": "1", BUDGET_ENV: str(kinds)}
            runs = [measure(folder, env=env) for _ in range(repeats)]
            by_budget[kinds][size] = max(x["peak_rss"] for x in runs)
            print(f"  {size:>5} MB diagnose, in one process, budget of {kinds} session kinds: peak RSS "
                  f"{by_budget[kinds][size] / 2**20:.1f} MB, {runs[0]['facts']} facts")
        if phases:
            got = measure(folder, "--phases-worker")
            for name, (before, peak, after) in got["phases"].items():
                print(f"    {name:<26} RSS before {before:5.1f} MB, peak {peak:5.1f}, after {after:5.1f}")
        shutil.rmtree(folder, ignore_errors=True)
    for n, by_size in peaks.items():
        if len(by_size) >= 2:
            small, large = min(by_size), max(by_size)
            ratio = by_size[large] / by_size[small]
            print(f"peak RSS {large} MB / {small} MB, {_workers_label(n)}: {ratio:.2f}x (target <= 1.25x)")
    for kinds, by_size in by_budget.items():
        if len(by_size) >= 2:
            small, large = min(by_size), max(by_size)
            print(f"peak RSS {large} MB / {small} MB, in one process, budget of {kinds} session kinds: "
                  f"{by_size[large] / by_size[small]:.2f}x")


def _workers_label(n: int) -> str:
    return "in one process" if n <= 1 else f"{n} log workers"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--base", default="16,200,200,40", help="MB,FILES,CERTS,CONNECTORS of the base bundle")
    add("--repeats", type=int, default=2, help="interleaved runs per scenario (least CPU kept)")
    add("--memory", default="", help="log sizes in MB for the peak-RSS comparison, e.g. 100,1000")
    add("--memory-files", type=int, default=300, help="files per size in --memory (default 300)")
    parser.add_argument("--no-scaling", action="store_true", help="only the --memory comparison")
    add("--memory-phases", action="store_true", help="with --memory: RSS per phase of one in-process run")
    add("--memory-budgets", default="", help="with --memory: also in one process under each of these session "
        "budgets (MAX_SESSION_KINDS), e.g. 600,400,300,200")
    add("--memory-workers", default="1,2", help="RELAYDOCTOR_WORKERS values to compare the sizes under "
        "(1 = in one process; default 1,2)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--phases-worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker)))
        return 0
    if args.phases_worker:
        print(json.dumps(phases_worker(args.phases_worker)))
        return 0
    print(f"relaydoctor scale benchmark: {machine()}")
    base = Path(tempfile.mkdtemp(prefix="rd-scale-"))
    try:
        if not args.no_scaling:
            mb, files, certs, connectors = args.base.split(",")
            scaling(base, (float(mb), int(files), int(certs), int(connectors)), args.repeats)
        if args.memory:
            memory(base, [int(s) for s in args.memory.split(",")], args.memory_files, args.repeats,
                   [int(n) for n in args.memory_workers.split(",")], phases=args.memory_phases,
                   budgets=[int(b) for b in args.memory_budgets.split(",") if b.strip()])
        print(f"load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
