"""When to scan logs in worker processes, how many, and where a large log may be split.

A worker costs a process start and an import of the parsers (~0.15–0.3 s of CPU) and its result
comes back pickled; on a small machine shared with other jobs it can make a run slower. So:

- usable CPUs are the ones this process may run on (``os.sched_getaffinity``), further limited by
  a cgroup CPU quota (``cpu.max``, cgroup v2; ``cpu.cfs_quota_us`` v1) — never ``os.cpu_count()``,
  which counts the host's CPUs;
- workers start only when the logs are large enough to repay them (``PARALLEL_MIN_BYTES``,
  measured in ``benchmarks/bench_sendlog.py``), each gets at least ``MIN_BYTES_PER_WORKER``, and
  only CPUs that are idle count (usable CPUs minus the load average): on a machine shared with
  other jobs, workers measured 0.65–0.81x the speed of one process at 100 MB (issue 11).

``RELAYDOCTOR_WORKERS=N`` overrides the CPU count and ignores the load (``0`` or ``1``: never start
workers): for scripts that know their machine, and for tests that must see workers whatever the
machine's load is.

A large send log may be shared by several workers (``plan_jobs``): every shard reads the whole
file but follows, replays and aggregates only the sessions whose id hashes to it, so the split
points are session boundaries by construction and the joined result is the one-process result
(``smtplog.send.join_parts``). Reading and the trigger searches are repeated in each shard, so a
file is split only from ``SHARD_MIN_BYTES`` on, and only when there are fewer files than workers.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

# The three sizes below are in bytes of the pure-Python scan (``scan_costs``).
PARALLEL_MIN_BYTES = 48 * 1024**2  # below this in total, one process is as fast (bench_sendlog)
MIN_BYTES_PER_WORKER = 24 * 1024**2  # a worker must have at least this much to read
SHARD_MIN_BYTES = 256 * 1024**2  # a lone send log is split by session from this size on
# The native send-log scan reads ~8x the bytes per CPU second of the Python one (bench_sendlog:
# 7.1x at 1 GB): a worker's start (~0.15-0.2 s of wall time) repays itself only from ~8x the size.
NATIVE_SPEEDUP = 8
WORKERS_ENV = "RELAYDOCTOR_WORKERS"


def forced_workers() -> int | None:
    """The worker count the user fixed with ``RELAYDOCTOR_WORKERS``, if any (a bad value is ignored)."""
    value = os.environ.get(WORKERS_ENV, "").strip()
    return int(value) if value.isdigit() else None


def scan_costs(sizes: Sequence[int], native: Sequence[bool]) -> list[int]:
    """What scanning each log costs, in bytes of the pure-Python scan (the unit of the thresholds
    above): a log the native scan reads (``native``: a send log, not UTF-16/32) counts
    ``1 / NATIVE_SPEEDUP`` of its size. Measured with
    the thresholds in bytes, 100 MB of send logs started two workers on an idle 2-CPU machine and
    took 1.65x the wall time of one process (bench_sendlog). With ``RELAYDOCTOR_WORKERS`` set, the
    sizes as they are: whoever fixed the count asked for workers from ``PARALLEL_MIN_BYTES`` on."""
    if forced_workers() is not None:
        return list(sizes)
    from .smtplog import sendfilter  # (what the scan itself imports next)

    if not sendfilter.available():
        return list(sizes)
    return [size // NATIVE_SPEEDUP if fast else size for size, fast in zip(sizes, native, strict=True)]


def _cgroup_limit(root: Path = Path("/sys/fs/cgroup")) -> float | None:
    """CPUs allowed by the cgroup quota, or None when there is no quota (or it cannot be read)."""
    try:
        text = (root / "cpu.max").read_text().split()
        if text and text[0] != "max":
            return int(text[0]) / int(text[1])
        return None
    except (OSError, ValueError, IndexError):
        pass
    try:
        quota = int((root / "cpu" / "cpu.cfs_quota_us").read_text())
        period = int((root / "cpu" / "cpu.cfs_period_us").read_text())
        return quota / period if quota > 0 and period > 0 else None
    except (OSError, ValueError):
        return None


def usable_cpus(cgroup_root: Path = Path("/sys/fs/cgroup")) -> int:
    """CPUs this process may actually use: affinity mask, then the cgroup quota (rounded down, at
    least one)."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        count = os.cpu_count() or 1
    quota = _cgroup_limit(cgroup_root)
    if quota is not None:
        count = min(count, max(1, math.floor(quota)))
    return max(1, count)


def idle_cpus(cpus: int, load: float | None = None) -> float:
    """CPUs not busy with other work: usable CPUs minus the 1-minute load average, counting this
    process's own run (it is part of the load while it decides)."""
    if load is None:
        try:
            load = os.getloadavg()[0]
        except (AttributeError, OSError):
            return float(cpus)
    return max(0.0, cpus - max(0.0, load - 1.0))


def plan_workers(sizes: Sequence[int], cpus: int | None = None, *, min_total: int | None = None,
                 load: float | None = None) -> int:
    """How many worker processes to scan logs of these sizes with; 0 = scan in this process.

    Never more than the usable CPUs, the *idle* ones (a worker on a CPU another job keeps busy
    only adds start-up and pickling cost), the files, or one per ``MIN_BYTES_PER_WORKER``; none
    below ``min_total`` bytes in all (``PARALLEL_MIN_BYTES``) or with fewer than two to use."""
    forced = forced_workers()
    if forced is not None:
        cpus, load = forced, 0.0
    cpus = usable_cpus() if cpus is None else cpus
    cpus = min(cpus, math.floor(idle_cpus(cpus, load) + 0.5))
    total = sum(sizes)
    threshold = PARALLEL_MIN_BYTES if min_total is None else min_total
    if cpus < 2 or total < threshold:
        return 0
    per_worker = min(MIN_BYTES_PER_WORKER, threshold // 2)  # a lowered threshold lowers this too
    workers = min(cpus, len(sizes), total // per_worker if per_worker else cpus)
    return workers if workers >= 2 else 0


def plan_jobs(sizes: Sequence[int], shardable: Sequence[bool], cpus: int | None = None, *,
              min_total: int | None = None, load: float | None = None,
              shard_min: int | None = None) -> tuple[int, list[int]]:
    """(workers, shards per file). As ``plan_workers``; and with fewer files than idle CPUs, a
    shardable file of at least ``shard_min`` bytes (``SHARD_MIN_BYTES``) is split into one shard
    per ``shard_min`` (at least two), as far as idle CPUs are left over, largest file first."""
    threshold = PARALLEL_MIN_BYTES if min_total is None else min_total
    shards = [1] * len(sizes)
    if sum(sizes) < threshold:  # nothing to split, no workers (plan_workers): the CPUs need no asking
        return 0, shards
    forced = forced_workers()
    if forced is not None:
        cpus, load = forced, 0.0
    cpus = usable_cpus() if cpus is None else cpus
    shard_min = SHARD_MIN_BYTES if shard_min is None else shard_min
    idle = min(cpus, math.floor(idle_cpus(cpus, load) + 0.5))
    if len(sizes) < idle and sum(sizes) >= threshold:
        spare = idle - len(sizes)
        for i in sorted(range(len(sizes)), key=lambda i: -sizes[i]):
            if spare > 0 and shardable[i] and sizes[i] >= shard_min:
                extra = min(spare, max(2, sizes[i] // max(1, shard_min)) - 1)
                shards[i] += extra
                spare -= extra
    if sum(shards) == len(sizes):  # nothing to split: one job per file
        return plan_workers(sizes, cpus, min_total=min_total, load=load), shards
    return min(idle, sum(shards)), shards
