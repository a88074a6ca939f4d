"""Running the CLI for tests: as a subprocess (the real entry point) or in-process via main(argv)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from relaydoctor.engine.cli import main

REPO = Path(__file__).resolve().parents[3]


@dataclass
class Run:
    code: int
    out: str
    err: str

    def one_error_line(self) -> str:
        """The single stderr line a usage/input error must produce (and no traceback)."""
        assert self.code == 2, (self.code, self.out, self.err)
        assert "Traceback" not in self.err and "Traceback" not in self.out
        lines = self.err.splitlines()
        assert len(lines) == 1, self.err
        assert lines[0].startswith("relaydoctor: ")
        return lines[0]


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
            stdin: str | None = None, timeout: float = 300, preexec_fn=None) -> Run:
    full_env = {**os.environ, "RELAYDOCTOR_DEBUG": "", **(env or {})}
    full_env.pop("RELAYDOCTOR_DEBUG")
    proc = subprocess.run(
        [sys.executable, "-m", "relaydoctor.engine", *args],
        capture_output=True, text=True, env=full_env, cwd=cwd or REPO, timeout=timeout,
        input=stdin if stdin is not None else "", encoding="utf-8", preexec_fn=preexec_fn,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def run_main(capsys, *args: str) -> Run:
    code = main(list(args))
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)
