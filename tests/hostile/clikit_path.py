"""The CLI test helpers (tests/engine/cli/clikit.py), importable from tests/hostile.

``run_cli`` here runs the command under the issue's bounds: an address-space limit of 2 GiB
(RLIMIT_AS, inherited by log workers), so a probe that needed more ends in a MemoryError, which
the CLI reports as exit 70 and the probe's exit-code assertion fails; and 30 s of CPU per process
(RLIMIT_CPU: past it the kernel ends the process with SIGXCPU, an exit no probe accepts). Every
hostile CLI case is so proven to stay within 2 GB and 30 s of CPU whatever the machine's load,
not only within its wall-clock time limit.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine" / "cli"))

import clikit
from clikit import REPO, Run, run_main

MEMORY_BOUND = 2 * 1024**3  # bytes of address space per process (issue 12: "within 30 s and 2 GB")


CPU_BOUND = 30  # CPU seconds per process: "within 30 s" proven whatever the load on the machine


def _bounded() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BOUND, MEMORY_BOUND))
    # past 30 s of CPU the kernel ends the process (SIGXCPU, exit -24), which no probe accepts;
    # the wall-clock timeouts of the probes stay generous for a loaded machine
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_BOUND, CPU_BOUND + 5))


def run_cli(*args: str, **kwargs) -> Run:
    return clikit.run_cli(*args, preexec_fn=_bounded, **kwargs)


NDR = "550 5.7.64 TenantAttribution; Relay Access Denied [AM6EUR05FT012.eop-EUR05.prod.outlook.com]"


def diagnose_notes_within_bounds(folder: Path, seconds: float = 30) -> list[str]:
    """``diagnose FOLDER --ndr …`` under the memory bound: exit 0 within ``seconds``; its notes."""
    import json
    import time

    started = time.monotonic()
    r = run_cli("diagnose", str(folder), "--ndr", NDR, "--format", "json", timeout=120)
    assert r.code == 0, r.err
    assert time.monotonic() - started < seconds
    return json.loads(r.out)["notes"]


__all__ = [
    "CPU_BOUND", "MEMORY_BOUND", "NDR", "REPO", "Run", "diagnose_notes_within_bounds", "run_cli", "run_main",
]
