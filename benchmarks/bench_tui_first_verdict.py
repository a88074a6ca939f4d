"""TUI start-up: time to the first painted screen and to the first verdict, per sample bundle.

Run: ``python benchmarks/bench_tui_first_verdict.py [--runs N] [BUNDLE_DIR...]`` (default: the
sample bundles, else the bundled examples). Each run is a fresh process (a cold start, as
a person launching ``relaydoctor tui DIR`` gets): the app runs headless (``App.run_test`` at
80×24) and reports when its first screen was painted (Textual's ``Ready``) and when the first
report arrived in the walk and was painted. Times count from just before the process was
started ("from app start": from when the imports were done and the app was created). The baseline
in the same run is ``relaydoctor diagnose DIR`` (the CLI, also a fresh process), so the ratio
shows what the TUI adds. Prints median, min and max per bundle; no assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOW = "2026-11-27T12:00:00Z"
TARGET = 1.0  # seconds to the first verdict (issue 13)


def _child(bundle: str, started: float) -> None:
    """One cold start of the app on ``bundle``; prints the two times as JSON."""
    import datetime as dt

    from relaydoctor.engine import api

    api.prefetch_packs()  # as `relaydoctor tui` does before importing the TUI
    from relaydoctor.tui.app import RelayDoctorApp

    marks: dict[str, float] = {}
    done = asyncio.Event()  # awaited, not polled: polling would compete with the worker

    class Timed(RelayDoctorApp):
        CSS_PATH = str(Path(sys.modules[RelayDoctorApp.__module__].__file__).with_name("app.tcss"))

        def on_ready(self) -> None:
            marks.setdefault("paint", time.time() - started)

        def watch_walk(self, walk) -> None:  # the first report landing in the walk
            if walk.report is not None and "verdict" not in marks:
                marks["verdict"] = time.time() - started
                self.call_after_refresh(done.set)  # ... and painted

    now = dt.datetime.fromisoformat(NOW.replace("Z", "+00:00"))
    marks["app"] = time.time() - started  # imports done, the app about to start
    app = Timed([bundle], now=now)

    async def main() -> None:
        async with app.run_test(size=(80, 24)):
            await asyncio.wait_for(done.wait(), 120)
            marks["shown"] = time.time() - started

    asyncio.run(main())
    print(json.dumps(marks))


def _run_child(bundle: str) -> dict[str, float]:
    started = time.time()
    out = subprocess.run(
        [sys.executable, __file__, "--child", bundle, "--started", repr(started)],
        capture_output=True, text=True, check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _run_cli(bundle: str) -> float:
    started = time.time()
    subprocess.run(
        [sys.executable, "-m", "relaydoctor.engine", "diagnose", bundle, "--now", NOW, "--format", "json"],
        capture_output=True, check=False,
    )
    return time.time() - started


def _spread(values: list[float]) -> str:
    return f"median {statistics.median(values):5.2f}s  min {min(values):5.2f}s  max {max(values):5.2f}s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundles", nargs="*")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--started", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.started)
        return
    bundles = args.bundles
    if not bundles:
        samples = (REPO / "tests" / "fixtures" / "samples", REPO.parent / "shared" / "samples")
        candidates = [p / "bundles" for p in samples]
        root = next((p for p in candidates if p.is_dir()), REPO / "knowledge" / "examples")
        bundles = sorted(str(p) for p in root.iterdir() if p.is_dir())
    print(f"TUI first paint / first verdict, {args.runs} cold starts each (target: verdict ≤ {TARGET:.1f}s)")
    for bundle in bundles:
        runs = [_run_child(bundle) for _ in range(args.runs)]
        cli = [_run_cli(bundle) for _ in range(args.runs)]
        name = os.path.basename(bundle.rstrip("/"))
        print(f"{name}")
        print(f"  imports done   {_spread([r['app'] for r in runs])}")
        print(f"  first paint    {_spread([r['paint'] for r in runs])}")
        verdict = [r["shown"] for r in runs]
        after = [r["shown"] - r["app"] for r in runs]
        ok = "ok" if statistics.median(verdict) <= TARGET else "over target"
        print(f"  first verdict  {_spread(verdict)}  [{ok}] (painted)")
        print(f"   from app start {_spread(after)}")
        ratio = statistics.median(verdict) / statistics.median(cli)
        print(f"  CLI diagnose   {_spread(cli)}  (TUI verdict / CLI = {ratio:.2f}x)")


if __name__ == "__main__":
    main()
