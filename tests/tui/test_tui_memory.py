"""Memory of a long TUI session plateaus: answering a question and forgetting it, again and again,
keeps no dead widgets and stops growing once Textual's bounded caches are warm (issue 12).

Object counts, not time or RSS: before the fix every cycle kept ~28 dead footer keys (Textual's
Footer, Textualize/textual#6666), some 3,000-6,000 objects a cycle with no plateau.
benchmarks/bench_tui_memory.py prints the figures per cycle against that baseline.
"""

from __future__ import annotations

import gc

from relaydoctor.tui.screens.questions import AnswerButton
from textual.widget import Widget
from tuikit import drive, example, make_app, press

CYCLES = 28
TAIL = 8  # the last cycles, once the caches are warm (they are after ~15 cycles)


async def _answer_and_forget(pilot, app) -> None:
    await press(pilot, "3")
    yes = next(b for b in app.screen.query(AnswerButton) if b.key == "cert_valid" and b.value == "yes")
    yes.focus()
    await press(pilot, "enter")
    assert app.walk.answers == {"cert_valid": "yes"}
    await press(pilot, "3")
    app.screen.query_one(".clear-answer").focus()
    await press(pilot, "enter")
    assert app.walk.answers == {}
    await press(pilot, "4")


def _detached_widgets() -> list[Widget]:
    gc.collect()
    return [o for o in gc.get_objects() if isinstance(o, Widget) and not o.is_attached]


def test_answer_and_forget_cycles_reach_a_plateau() -> None:
    app = make_app(example("attr36"))
    counts: list[int] = []
    detached: list[list[str]] = []

    async def scenario(pilot) -> None:
        for n in range(CYCLES):
            await _answer_and_forget(pilot, app)
            gc.collect()
            counts.append(len(gc.get_objects()))
            if n + 1 == CYCLES:
                detached.append(sorted(type(w).__name__ for w in _detached_widgets()))

    drive(app, scenario)
    # Widgets removed from the screen do not pile up: a few may linger (toasts until they expire,
    # the keys of a footer being recomposed right now), never a number that grows with the cycles.
    end = detached[-1]
    assert end.count("FooterKey") <= 30, end  # was +28 a cycle
    assert len(end) <= 40, end
    # Plateau: the last cycles add (almost) nothing; before the fix 3,000-6,000 objects a cycle.
    # Means of four cycles each, as toasts come and go (±2,000 objects).
    before = sum(counts[-TAIL - 4:-TAIL]) / 4
    after = sum(counts[-4:]) / 4
    assert after - before < 4_000, (after - before, counts)
