"""``python -m relaydoctor.engine`` and the ``relaydoctor`` console script: ``cli.main`` with
Ctrl+C and SIGTERM honoured from the first import to the last byte (issue 12).

Only the standard library is imported before the handlers are in place, so a signal while the
program is still importing gives exit 130 and no traceback, like one during the work. Two CPython
details would otherwise change the exit: a ``KeyboardInterrupt`` that passed through an
``exec`` of a string (dataclasses build their methods that way while a module imports) makes the
interpreter kill itself with SIGINT at exit even though the CLI caught it (exit -2 instead of
130), and the interpreter's teardown resets the signal handlers (a SIGTERM then kills it, -15)
or prints an "Exception ignored" traceback. So the run ends with ``os._exit(code)`` after every
exit handler has run and the streams are flushed, and a signal after the command finished ends
the process at once with 130.

The handlers are set with ``_signal``, the C module ``signal`` re-exports (``from _signal import
*``): the same functions, without ``signal.py``'s three enum classes built at import (~0.5 ms of
every run, issue 11); handlers are given and returned as plain ints instead of enum members.
"""

from __future__ import annotations

import _signal as signal  # signal.py without its enum classes: see the docstring
import atexit
import gc
import os
import sys
from types import FrameType
from typing import NoReturn

EXIT_INTERRUPTED = 130
_final: list[int] = []
# Young-generation threshold of the cyclic garbage collector for the whole run (CPython's default:
# 700). A diagnose makes ~40,000 container objects it keeps (packs, facts, rules, the report), so
# at 700 the collector ran ~55 young and ~4 middle passes that found almost nothing: ~8 ms of a
# ~160 ms run (issue 11). Cyclic garbage now waits for 50,000 new objects instead of 700, which
# costs memory only where cycles are made in bulk: the engine's firings made them (fixed in the
# facade, docs/engine-traps.md #43), and none of any size is left. Peak RSS was measured unchanged
# at 100 MB and 1 GB of send logs (bench_scale, bench_sendlog), in a long watch (bench_watch) and
# over the TUI's answer cycles (bench_tui_memory); the figures are in the commit that set it.
GC_YOUNG_THRESHOLD = 50_000


def quiet_collector() -> None:
    """The collector's policy for a run, once the CLI is imported (and frozen, see ``run``)."""
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _now(_signum: int, _frame: FrameType | None) -> None:
    _flush()
    os._exit(EXIT_INTERRUPTED)


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass


def _last() -> None:
    """Registered first, so it runs after every other exit handler (worker pools, temp files).
    The exit code is final then; what is left, the interpreter's teardown, resets the signal
    handlers to their defaults, so a SIGTERM in its last milliseconds killed the process (-15)."""
    if _final:
        _flush()
        os._exit(_final[0])


def run() -> NoReturn:
    atexit.register(_last)
    signal.signal(signal.SIGTERM, _interrupt)  # SIGTERM is Ctrl+C, from the first import on
    try:
        # importing makes ~15,000 objects the collector tracks and frees almost none: its passes
        # (~2 ms) find nothing, and frozen they are never traversed again (issue 11 start-up)
        gc.disable()
        try:
            from .cli import main
        finally:
            gc.freeze()
            gc.enable()
        quiet_collector()
        code = main()
    except KeyboardInterrupt:  # while importing (the CLI catches it once it runs)
        code = EXIT_INTERRUPTED
    _final.append(code if isinstance(code, int) else 1)
    # The command is over: a late Ctrl+C or SIGTERM (during interpreter teardown) ends it now.
    signal.signal(signal.SIGINT, _now)
    signal.signal(signal.SIGTERM, _now)
    sys.exit(code)


if __name__ == "__main__":
    run()
