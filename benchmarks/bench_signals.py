"""Ctrl+C and SIGTERM latency of ``relaydoctor diagnose``, phase by phase (issue 12: 130 within 1 s).

    python benchmarks/bench_signals.py [--runs 5] [--mb 60]

Each run starts ``relaydoctor diagnose`` on generated evidence, sends a signal in one phase and
measures the wall time from the signal to the exit of the process, and whether anything it started
(log workers, the multiprocessing resource tracker) is still alive 2 s later. Phases:

- ``startup``: 0.15 s after the start, while Python imports the program (console script and
  ``python -m``);
- ``parallel-scan``: once the log worker processes run (two send logs above the parallel-scan
  threshold);
- ``in-process``: 1.5 s into reading a large Format-List export in the main process;
- ``watch``: 2.5 s into ``relaydoctor watch`` following the send logs;
- ``sweep``: at evenly spread moments over a whole run of a realistic bundle (whatever phase
  that is: reading, inference, rendering).

Signals: SIGINT to the process, SIGINT to its process group (what a terminal's Ctrl+C does) and
SIGTERM. The baseline is the same signal to a bare ``python -c 'sleep'``: the interpreter's own
teardown, which no program can beat; the ratio is relaydoctor's latency over it. Figures are
printed, never asserted (the tests in tests/hostile/test_signals.py keep a loose bound).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

SIGNALS = ("SIGINT", "group-SIGINT", "SIGTERM")


def _env() -> dict[str, str]:
    return {**os.environ, "RELAYDOCTOR_WORKERS": "2"}


def _big_logs(folder: Path, mb: float) -> None:
    """Two send logs together above the parallel threshold, so worker processes scan them."""
    from bench_sendlog import write_logs

    write_logs(folder, total_mb=int(mb), files=2, eop_share=0.1)


def _big_format_list(folder: Path) -> None:
    rows = "".join(
        f"\nName                     : Inbound {n}\nConnectorType            : OnPremises\n"
        f"TlsSenderCertificateName : mail{n}.contoso.com\nRequireTls               : True\n"
        for n in range(80_000)
    )
    (folder / "Get-InboundConnector.txt").write_text(rows, "utf-8")


def _start(cmd: list[str]) -> psutil.Popen:
    return psutil.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                        start_new_session=True, env=_env())


def _send(proc: psutil.Popen, how: str) -> None:
    if how == "group-SIGINT":
        os.killpg(proc.pid, signal.SIGINT)
    else:
        proc.send_signal(getattr(signal, how))


def _workers_up(proc: psutil.Popen, timeout: float = 120) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            kids = [k for k in proc.children(recursive=True)
                    if "resource_tracker" not in " ".join(k.cmdline())]
        except psutil.Error:
            kids = []
        if len(kids) >= 2:
            return True
        time.sleep(0.02)
    return False


def _measure(cmd: list[str], how: str, *, delay: float = 0.0, wait_workers: bool = False) -> dict | None:
    """Signal the run ``delay`` s after start (or once workers are up); None when it ended first."""
    proc = _start(cmd)
    if wait_workers:
        if not _workers_up(proc):
            proc.kill()
            proc.wait()
            return None
    else:
        time.sleep(delay)
    try:
        family = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        family = [proc]
    if proc.poll() is not None:
        return None
    sent = time.monotonic()
    _send(proc, how)
    code = proc.wait(timeout=60)
    latency = time.monotonic() - sent
    err = proc.stderr.read().decode(errors="replace")
    _, alive = psutil.wait_procs(family[1:], timeout=2)
    for p in alive:
        p.kill()
    return {"latency": latency, "code": code, "left": len(alive), "traceback": "Traceback" in err}


def _report(name: str, rows: list[dict], baseline: float) -> None:
    if not rows:
        print(f"  {name:<34} (the run ended before the signal every time)")
        return
    lat = [r["latency"] for r in rows]
    codes = sorted({r["code"] for r in rows})
    left = sum(r["left"] for r in rows)
    tb = sum(r["traceback"] for r in rows)
    med = statistics.median(lat)
    print(f"  {name:<34} median {med * 1000:7.0f} ms  max {max(lat) * 1000:7.0f} ms  "
          f"x{med / baseline:5.1f} baseline  exit {codes}  left running {left}  tracebacks {tb}"
          f"  ({len(rows)} runs)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--mb", type=float, default=60, help="MB of send logs for the parallel scan")
    args = ap.parse_args()

    py = [sys.executable]
    console = str(Path(sys.executable).with_name("relaydoctor"))
    with tempfile.TemporaryDirectory(prefix="bench-signals-") as tmp:
        base = Path(tmp)
        logs, single = base / "logs", base / "single"
        logs.mkdir()
        single.mkdir()
        _big_logs(logs, args.mb)
        _big_format_list(single)
        bundle = REPO.parent / "shared" / "samples" / "bundles" / "renewed-certificate"
        if not bundle.is_dir():
            bundle = single

        baseline_rows = [_measure([*py, "-c", "import time; time.sleep(30)"], "SIGINT", delay=0.3)
                         for _ in range(args.runs)]
        baseline = statistics.median(r["latency"] for r in baseline_rows if r)
        print(f"baseline: SIGINT to a bare python: median {baseline * 1000:.0f} ms ({args.runs} runs)")

        full = [*py, "-m", "relaydoctor.engine", "diagnose"]
        runs = []
        for _ in range(3):  # the first is cold (pack cache, page cache): the median of three
            started = time.monotonic()
            subprocess.run([*full, str(bundle)], cwd=REPO, env=_env(), stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False)
            runs.append(time.monotonic() - started)
        whole = statistics.median(runs)
        print(f"a whole run of {bundle.name}: {whole * 1000:.0f} ms (the sweep spreads its signals over it)")

        for how in SIGNALS:
            print(f"{how}:")
            for name, cmd, kw in (
                ("startup (python -m)", [*full, str(bundle)], {"delay": 0.15}),
                ("startup (console script)", [console, "diagnose", str(bundle)], {"delay": 0.15}),
                ("parallel-scan (2 workers)", [*full, str(logs)], {"wait_workers": True}),
                ("in-process (Format-List)", [*full, str(single)], {"delay": 1.5}),
                ("watch (following the logs)", [*py, "-m", "relaydoctor.engine", "watch", str(logs)],
                 {"delay": 2.5}),
            ):
                if "console" in name and not Path(console).exists():
                    continue
                rows = [_measure(cmd, how, **kw) for _ in range(args.runs)]
                _report(name, [r for r in rows if r], baseline)
            sweep = [
                _measure([*full, str(bundle)], how, delay=whole * (i + 0.5) / args.runs)
                for i in range(args.runs)
            ]
            _report("sweep (whole run)", [r for r in sweep if r], baseline)


if __name__ == "__main__":
    main()
