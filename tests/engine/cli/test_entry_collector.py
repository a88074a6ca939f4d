"""engine/__main__.py imports the CLI with the garbage collector paused (issue 11 start-up: its
passes over the import's objects find nothing) and freezes those objects: the command itself must
run with the collector on, or a long ``watch`` or a large send log would never free a cycle."""

from __future__ import annotations

import subprocess
import sys

_PROBE = """
import gc
from relaydoctor.engine import cli
cli.main = lambda: print(gc.isenabled(), gc.get_freeze_count() > 1000) or 0
from relaydoctor.engine.__main__ import run
run()
"""


def test_the_command_runs_with_the_collector_on_and_the_imports_frozen() -> None:
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout.split()) == (0, ["True", "True"]), done.stderr


_CYCLES = """
import gc, weakref
from relaydoctor.engine import cli

class Node:
    pass

def command():
    refs = []
    for _ in range(200_000):  # cyclic garbage, as a long watch may make: four times the threshold
        a, b = Node(), Node()
        a.other, b.other = b, a
        if len(refs) < 1000:  # the first ones
            refs.append(weakref.ref(a))
    alive = sum(r() is not None for r in refs)
    print(gc.get_threshold()[0], gc.get_threshold()[1:] == (10, 10), alive < 1000)
    return 0

cli.main = command
from relaydoctor.engine.__main__ import run
run()
"""


def test_the_young_threshold_is_raised_and_cycles_are_still_freed() -> None:
    """The command runs with a young-generation threshold of 50,000 (a diagnose's ~40,000 kept
    objects are never traversed; ~8 ms) and the other generations' defaults; cyclic garbage is
    still collected once that many objects were made (the first cycles are gone long before the
    command ends)."""
    done = subprocess.run([sys.executable, "-c", _CYCLES], capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout.split()) == (0, ["50000", "True", "True"]), done.stderr
