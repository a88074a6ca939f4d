"""TUI memory per answer-and-forget cycle (issue 12): does it plateau?

    python benchmarks/bench_tui_memory.py [--cycles 40] [--example attr36]

A real Textual pilot run (headless, 80x24) of the bundled example: on Questions (3) the user
answers ``cert_valid = yes``, goes back to Questions, presses "forget", looks at Conclusions (4).
After each cycle (and a full garbage collection) it records the process RSS, the Python heap
(tracemalloc, one frame) and the number of live Python objects. Printed: the growth per cycle over
the first and the second half of the run and the widgets that are no longer in the DOM but still
alive (what a leak of Textual widgets looks like).

The baseline, run the same way in a second process, is the same app with Textual's stock
``Footer`` instead of ``LeanFooter`` (tui/widgets/footer.py): what the TUI did before the fix
(Textualize/textual#6666: each footer recomposition kept its old keys). Figures are printed,
never asserted; tests/tui/test_tui_memory.py asserts the plateau on object counts.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "tui"))


async def _cycle(pilot, app) -> None:
    from relaydoctor.tui.screens.questions import AnswerButton
    from tuikit import press

    await press(pilot, "3")
    yes = next(b for b in app.screen.query(AnswerButton) if b.key == "cert_valid" and b.value == "yes")
    yes.focus()
    await press(pilot, "enter")
    await press(pilot, "3")
    app.screen.query_one(".clear-answer").focus()
    await press(pilot, "enter")
    await press(pilot, "4")


def measure(cycles: int, example_name: str, stock_footer: bool) -> dict:
    if stock_footer:
        import relaydoctor.tui.screens.base as base
        import textual.widgets

        base.LeanFooter = textual.widgets.Footer  # what the TUI used before
    from textual.widget import Widget
    from tuikit import example, make_app, settle

    proc = psutil.Process()
    rows: list[tuple[float, float, int]] = []
    detached = [0]

    async def main() -> None:
        app = make_app(example(example_name))
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            await _cycle(pilot, app)  # the first cycle builds every screen
            tracemalloc.start(1)
            started = time.perf_counter()
            for _ in range(cycles):
                await _cycle(pilot, app)
                gc.collect()
                rows.append((proc.memory_info().rss / 1e6, tracemalloc.get_traced_memory()[0] / 1e6,
                             len(gc.get_objects())))
            rows.append((time.perf_counter() - started, 0, 0))
            detached[0] = sum(1 for o in gc.get_objects() if isinstance(o, Widget) and not o.is_attached)

    asyncio.run(main())
    seconds = rows.pop()[0]
    return {"rows": rows, "detached": detached[0], "seconds": seconds}


def _growth(rows: list, col: int, lo: int, hi: int) -> float:
    return (rows[hi][col] - rows[lo][col]) / max(hi - lo, 1)


def _print(name: str, result: dict) -> dict:
    rows = result["rows"]
    n = len(rows)
    half = n // 2
    out = {}
    for part, lo, hi in (("first", 0, half), ("second", half, n - 1)):
        out[f"rss_kb_{part}"] = _growth(rows, 0, lo, hi) * 1000
        out[f"heap_kb_{part}"] = _growth(rows, 1, lo, hi) * 1000
        out[f"obj_{part}"] = _growth(rows, 2, lo, hi)
    print(f"{name}: {n} cycles in {result['seconds']:.0f} s; "
          f"detached widgets still alive: {result['detached']}")
    for part, label in (("first", f"cycles 1-{half}"), ("second", f"cycles {half}-{n}")):
        print(f"  per cycle, {label:<12} RSS {out[f'rss_kb_{part}']:8.1f} KB  "
              f"heap {out[f'heap_kb_{part}']:8.1f} KB  objects {out[f'obj_{part}']:8.0f}")
    print(f"  heap MB every 5 cycles: {[round(r[1], 2) for r in rows[::5]]}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cycles", type=int, default=40)
    ap.add_argument("--example", default="attr36")
    ap.add_argument("--child", choices=["lean", "stock"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(measure(args.cycles, args.example, stock_footer=args.child == "stock")))
        return
    results = {}
    for kind in ("lean", "stock"):
        cmd = [sys.executable, __file__, "--cycles", str(args.cycles), "--example", args.example,
               "--child", kind]
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        results[kind] = json.loads(done.stdout.strip().splitlines()[-1])
    lean = _print("relaydoctor TUI (LeanFooter)", results["lean"])
    stock = _print("baseline: Textual's stock Footer", results["stock"])
    ratio = stock["heap_kb_second"] / lean["heap_kb_second"] if lean["heap_kb_second"] > 0.5 else float("inf")
    print(f"heap growth per cycle in the second half: {lean['heap_kb_second']:.1f} KB vs baseline "
          f"{stock['heap_kb_second']:.1f} KB (baseline/relaydoctor: {ratio:.0f}x)")


if __name__ == "__main__":
    main()
