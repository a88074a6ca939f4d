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
