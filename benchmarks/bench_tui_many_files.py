"""TUI on a folder of many tiny files (issue 11's bad input): time to the evidence list and to the
conclusions, and the longest stall of the UI thread, at N = 1,000 and 10,000 files.

    python benchmarks/bench_tui_many_files.py [--runs 3] [--sizes 1000,10000]

A real Textual pilot run (headless, 120x40) in a fresh process per run: the app starts bare, goes
to Evidence (2), adds the folder (tests/tui/tuikit.py ``many_files``: the attr36 bundle, a tenth
tiny IIS / PHPMailer / Postfix logs, the rest short notes that are not evidence) and confirms.
Timed from the confirming key: "list" is when the evidence table holds the diagnosed sources,
"conclusions" when step 4 is shown after that; "stall" is the longest gap between the ticks of a
20 ms timer on the UI thread while the folder is read and listed (a frozen screen).

The baseline, in the same run, is the evidence screen as it was before (one DataTable row per
source, the short names counted against the whole list: quadratic): the same app with the
grouping switched off and the old ``table_names``. Prints medians and the ratios
baseline / now and 10,000 / 1,000 (linearity). Figures only, no assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "tui"))


def _old_table_names(sources: list[str], roots: list[str]) -> dict[str, str]:
    """``table_names`` before the fix: each name counted against the whole list."""
    from relaydoctor.tui.views import short_source

    short = {s: short_source(s, roots) for s in sources}
    base = {s: os.path.basename(s.split("!", 1)[-1]) or s for s in sources}
    clash = {b for b in base.values() if list(base.values()).count(b) > 1}
    return {s: (short[s] if base[s] in clash else base[s]) for s in sources}


def measure(folder: str, baseline: bool) -> dict[str, float]:
    if baseline:
        import relaydoctor.tui.screens.evidence as evidence

        evidence.GROUP_AT = evidence.GROUP_READ_AT = 10**9  # one row per source
        evidence.table_names = _old_table_names
    from relaydoctor.tui.screens.dialogs import ConfirmDialog
    from textual.widgets import DataTable
    from tuikit import make_app, press, settle

    marks: dict[str, float] = {}

    async def main() -> None:
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await press(pilot, "escape", "2")
            app.add_paths([folder])
            await pilot.pause()
            assert isinstance(app.screen, ConfirmDialog)
            gaps: list[float] = []
            last = [time.perf_counter()]

            def tick() -> None:
                now = time.perf_counter()
                gaps.append(now - last[0])
                last[0] = now

            app.set_interval(0.02, tick)
            started = time.perf_counter()
            await pilot.press("y")
            while True:
                await asyncio.sleep(0.005)
                report = app.walk.report
                if report is not None and app.current_mode == "evidence" and not app.busy:
                    table = app.screen.query_one("#sources", DataTable)
                    if table.row_count:
                        marks["list"] = time.perf_counter() - started
                        break
            await settle(pilot)
            marks["stall"] = max(gaps)
            await press(pilot, "4")
            marks["conclusions"] = time.perf_counter() - started
            marks["rows"] = table.row_count

    asyncio.run(main())
    return marks


def _child(folder: str, variant: str) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--child", folder, "--variant", variant]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--variant", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, baseline=args.variant == "baseline")))
        return
    from tuikit import many_files

    sizes = [int(n) for n in args.sizes.split(",")]
    med: dict[tuple[str, int], dict[str, float]] = {}
    tmp = tempfile.mkdtemp(prefix="bench_tui_many_")
    try:
        for n in sizes:
            folder = str(many_files(Path(tmp) / f"n{n}", n))
            for variant in ("baseline", "now"):
                runs = [_child(folder, variant) for _ in range(args.runs)]
                med[(variant, n)] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"TUI, folder of N tiny files added on Evidence (2); medians of {args.runs} fresh processes")
    print(f"{'variant':<10}{'N':>7}{'rows':>7}{'list s':>9}{'conclusions s':>15}{'UI stall s':>12}")
    for variant in ("baseline", "now"):
        for n in sizes:
            m = med[(variant, n)]
            print(f"{variant:<10}{n:>7,}{int(m['rows']):>7,}{m['list']:>9.2f}{m['conclusions']:>15.2f}"
                  f"{m['stall']:>12.3f}")
    for n in sizes:
        b, a = med[("baseline", n)], med[("now", n)]
        print(f"N={n:,}: baseline/now  list {b['list'] / a['list']:.2f}x  conclusions "
              f"{b['conclusions'] / a['conclusions']:.2f}x  UI stall {b['stall'] / a['stall']:.1f}x")
    if len(sizes) >= 2:
        lo, hi = sizes[0], sizes[-1]
        for variant in ("baseline", "now"):
            r = med[(variant, hi)]["list"] / med[(variant, lo)]["list"]
            s = med[(variant, hi)]["stall"] / med[(variant, lo)]["stall"]
            print(f"{variant}: N={hi:,} / N={lo:,} ({hi / lo:.0f}x the files): "
                  f"list {r:.1f}x, UI stall {s:.1f}x")


if __name__ == "__main__":
    main()
