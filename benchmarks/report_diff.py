"""Differential check for speed work: every sample input's report, written to a folder, so two
versions of relaydoctor can be compared byte for byte (``diff -r``).

    python benchmarks/report_diff.py OUT_DIR [--jobs 2]
    PYTHONPATH=/tmp/base_pp python benchmarks/report_diff.py BASE_DIR   # an older checkout
    diff -r BASE_DIR OUT_DIR

Inputs: every bundled ``demo`` example, every sample bundle (``tests/fixtures/samples/bundles``,
``../shared/samples/bundles``), every sample file alone, a few mixes of them, and every field
case's evidence folder (as stored, without the certificates ``benchmarks/field.py`` generates).
Each runs as a fresh ``python -m relaydoctor.engine diagnose … --format json --now NOW`` process (the
start-up path is what speed work changes), plus ``--format text`` for the bundles. The exit code
and stderr are kept with the report. Nothing is asserted: ``diff -r`` is the check.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "tests" / "fixtures" / "samples"
NOW = "2026-12-07T12:00:00Z"  # a fixed clock: reports carry generated_at and judge expiry by it


def inputs() -> list[tuple[str, list[str], str]]:
    """(name, paths, format) for every run."""
    runs: list[tuple[str, list[str], str]] = []
    examples = REPO / "knowledge" / "examples"
    for folder in sorted(p for p in examples.iterdir() if p.is_dir()) if examples.is_dir() else []:
        runs.append((f"demo-{folder.name}", [str(folder)], "json"))
    for base in (SAMPLES / "bundles", REPO.parent / "shared" / "samples" / "bundles"):
        for folder in sorted(p for p in base.iterdir() if p.is_dir()) if base.is_dir() else []:
            tag = "fixture" if base.is_relative_to(REPO) else "shared"
            runs.append((f"{tag}-bundle-{folder.name}", [str(folder)], "json"))
            runs.append((f"{tag}-bundle-{folder.name}.text", [str(folder)], "text"))
    for kind in ("ndr", "send-logs", "cmdlets", "certs"):
        for path in sorted((SAMPLES / kind).iterdir()):
            if path.is_file():
                runs.append((f"{kind}-{path.name}", [str(path)], "json"))
        runs.append((f"{kind}-all", [str(SAMPLES / kind)], "json"))
    ndrs = sorted((SAMPLES / "ndr").iterdir())
    for ndr in ndrs:
        mix = [str(ndr), str(SAMPLES / "cmdlets"), str(SAMPLES / "certs")]
        runs.append((f"mix-{ndr.name}", mix, "json"))
    everything = [str(SAMPLES / k) for k in ("ndr", "send-logs", "cmdlets", "certs")]
    runs.append(("mix-everything", everything, "json"))
    cases = REPO / "tests" / "field" / "cases"
    for case in sorted(p for p in cases.iterdir() if (p / "evidence").is_dir()) if cases.is_dir() else []:
        runs.append((f"field-{case.name}", [str(case / "evidence")], "json"))
    return runs


def run_one(out: Path, name: str, paths: list[str], fmt: str) -> None:
    cmd = [sys.executable, "-m", "relaydoctor.engine", "diagnose", *paths, "--format", fmt, "--now", NOW]
    proc = subprocess.run(cmd, capture_output=True, cwd=REPO, env=os.environ.copy(), check=False)
    (out / f"{name}.out").write_bytes(proc.stdout)
    (out / f"{name}.err").write_bytes(f"exit {proc.returncode}\n".encode() + proc.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", help="folder for the reports (created)")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    runs = inputs()
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for f in [pool.submit(run_one, out, *r) for r in runs]:
            f.result()
    print(f"{len(runs)} reports in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
