"""Worker policy (issue 11): usable CPUs from affinity and cgroup quota, idle CPUs from the load,
and workers only where they can pay for themselves."""

from __future__ import annotations

import os

import pytest
from relaydoctor.engine.evidence import workers
from relaydoctor.engine.evidence.workers import MIN_BYTES_PER_WORKER, PARALLEL_MIN_BYTES, plan_workers

MB = 1024**2


def test_usable_cpus_follow_the_affinity_mask(tmp_path):
    mask = os.sched_getaffinity(0)
    assert workers.usable_cpus(tmp_path) == len(mask)  # no cgroup files there: the mask alone


@pytest.mark.parametrize(("content", "expected"), [
    ("max 100000", None), ("150000 100000", 1.5), ("50000 100000", 0.5), ("garbage", None),
])
def test_cgroup_v2_quota(tmp_path, content, expected):
    (tmp_path / "cpu.max").write_text(content)
    assert workers._cgroup_limit(tmp_path) == expected


def test_cgroup_v1_quota_and_the_cpu_count_it_allows(tmp_path):
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("100000")
    (tmp_path / "cpu" / "cpu.cfs_period_us").write_text("100000")
    assert workers._cgroup_limit(tmp_path) == 1.0
    assert workers.usable_cpus(tmp_path) == 1  # a one-CPU quota, whatever the affinity mask says


def test_no_workers_for_small_input_one_cpu_or_a_busy_machine():
    big = [200 * MB, 200 * MB]
    assert plan_workers(big, cpus=4, load=0.0) == 2  # two files: two workers at most
    assert plan_workers([100 * MB] * 6, cpus=4, load=0.0) == 4
    assert plan_workers([10 * MB, 10 * MB], cpus=4, load=0.0) == 0  # below the threshold
    assert plan_workers(big, cpus=1, load=0.0) == 0
    assert plan_workers(big, cpus=2, load=2.5) == 0  # the other CPU is busy with another job
    assert plan_workers([100 * MB] * 6, cpus=4, load=3.0) == 2  # two of four idle
    assert plan_workers([PARALLEL_MIN_BYTES // 2] * 2, cpus=2, load=0.0) == 2
    assert plan_workers([MIN_BYTES_PER_WORKER - 1] * 2, cpus=2, load=0.0) == 0  # too little per worker


def test_a_lone_large_send_log_is_split_only_with_idle_cpus_to_spare():
    plan = workers.plan_jobs
    assert plan([400 * MB], [True], cpus=2, load=0.0) == (2, [2])
    assert plan([1024 * MB], [True], cpus=4, load=0.0) == (4, [4])
    assert plan([400 * MB, 10 * MB], [True, True], cpus=4, load=0.0) == (3, [2, 1])
    assert plan([100 * MB], [True], cpus=2, load=0.0) == (0, [1])  # below SHARD_MIN_BYTES
    assert plan([1024 * MB], [False], cpus=4, load=0.0) == (0, [1])  # not a send log
    assert plan([400 * MB], [True], cpus=2, load=2.5) == (0, [1])  # no idle CPU to share it with
    assert plan([100 * MB] * 3, [True] * 3, cpus=2, load=0.0) == (2, [1, 1, 1])  # files enough


def test_relaydoctor_workers_fixes_the_count_whatever_the_load(monkeypatch):
    big = [100 * MB, 100 * MB]
    monkeypatch.setenv("RELAYDOCTOR_WORKERS", "2")
    assert plan_workers(big, load=50.0) == 2  # a busy machine: the user's count still holds
    monkeypatch.setenv("RELAYDOCTOR_WORKERS", "0")
    assert plan_workers(big, load=0.0) == 0
    monkeypatch.setenv("RELAYDOCTOR_WORKERS", "many")  # not a number: ignored
    assert plan_workers(big, cpus=4, load=0.0) == 2


def test_small_input_is_planned_without_asking_for_the_cpus(monkeypatch):
    """Below the threshold nothing is split and plan_workers says 0 whatever the CPUs: the cgroup
    files are not read (a diagnosis of a small bundle asked for them every run)."""
    def refuse(*_args):
        raise AssertionError("usable_cpus asked for a small input")

    sizes = [PARALLEL_MIN_BYTES // 4, PARALLEL_MIN_BYTES // 4, 0]
    for cpus, load in ((2, 0.0), (8, 0.0), (1, 0.0), (4, 3.0)):
        assert plan_workers(sizes, cpus=cpus, load=load) == 0
        assert workers.plan_jobs(sizes, [True] * 3, cpus=cpus, load=load) == (0, [1, 1, 1])
    monkeypatch.setattr(workers, "usable_cpus", refuse)
    monkeypatch.setenv("RELAYDOCTOR_WORKERS", "4")
    assert workers.plan_jobs(sizes, [True] * 3) == (0, [1, 1, 1])
    assert workers.plan_jobs([], []) == (0, [])
    assert workers.plan_jobs([10 * MB], [True], min_total=32 * MB) == (0, [1])


def test_send_logs_the_native_scan_reads_need_eight_times_the_bytes_to_start_workers(monkeypatch):
    """The thresholds are in bytes of the pure-Python scan. The native scan reads 100 MB of send logs
    in ~0.12 s on one core, and two workers took 1.65x that wall time (bench_sendlog, idle 2-CPU
    machine): a send log it reads counts an eighth of its size; other logs count whole."""
    from relaydoctor.engine.evidence.smtplog import sendfilter

    monkeypatch.delenv("RELAYDOCTOR_WORKERS", raising=False)
    monkeypatch.setattr(sendfilter, "available", lambda: True)
    hundred, gigabyte = [13 * MB] * 8, [125 * MB] * 8  # the benchmark's 8 files
    costs = workers.scan_costs(hundred, [True] * 8)
    assert costs == [13 * MB // workers.NATIVE_SPEEDUP] * 8
    assert workers.plan_jobs(costs, [True] * 8, cpus=2, load=0.0) == (0, [1] * 8)
    assert workers.plan_jobs(hundred, [True] * 8, cpus=2, load=0.0)[0] == 2  # in bytes: workers
    costs = workers.scan_costs(gigabyte, [True] * 8)
    assert workers.plan_jobs(costs, [True] * 8, cpus=2, load=0.0) == (2, [1] * 8)
    assert workers.scan_costs(hundred, [False] * 8) == hundred  # receive logs: the Python scan
    monkeypatch.setattr(sendfilter, "available", lambda: False)  # no compiler, RELAYDOCTOR_NO_NATIVE
    assert workers.scan_costs(hundred, [True] * 8) == hundred
    monkeypatch.setattr(sendfilter, "available", lambda: True)
    monkeypatch.setenv("RELAYDOCTOR_WORKERS", "2")  # a count fixed by the user: sizes as they are
    assert workers.scan_costs(hundred, [True] * 8) == hundred


def test_the_loader_plans_workers_by_scan_cost(tmp_path, samples, monkeypatch):
    """The loader asks the policy with the logs' scan costs, not their sizes."""
    import shutil

    from relaydoctor.engine.evidence import loader
    from relaydoctor.engine.evidence.loader import load_evidence

    asked: list[list[int]] = []
    plan = workers.plan_jobs

    def plan_jobs(sizes, *args, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(list(sizes))
        return plan(sizes, *args, **kwargs)

    def scan_costs(sizes, native):  # type: ignore[no-untyped-def]
        return [size + 1 if fast else size for size, fast in zip(sizes, native, strict=True)]

    monkeypatch.setattr(workers, "plan_jobs", plan_jobs)
    monkeypatch.setattr(workers, "scan_costs", scan_costs)
    monkeypatch.setattr(loader, "PARALLEL_MIN_BYTES", 0)
    shutil.copy(samples / "send-logs" / "SEND20261120-1.LOG", tmp_path)
    load_evidence([str(tmp_path)])
    assert asked == [[(tmp_path / "SEND20261120-1.LOG").stat().st_size + 1]]


def test_a_wide_send_log_counts_whole(tmp_path, samples, monkeypatch):
    """A UTF-16 send log (PowerShell 5.1's Out-File, a copy saved as "Unicode") is read by the Python
    scan (``sendfilter.prefilter`` leaves wide logs to it): it counts its whole size, as before the
    native discount, so a large one still gets workers and shards."""
    import codecs

    from relaydoctor.engine.evidence import loader
    from relaydoctor.engine.evidence.loader import load_evidence

    asked: list[tuple[list[int], list[bool]]] = []

    def scan_costs(sizes, native):  # type: ignore[no-untyped-def]
        asked.append((list(sizes), list(native)))
        return list(sizes)

    monkeypatch.setattr(workers, "scan_costs", scan_costs)
    monkeypatch.setattr(workers, "plan_jobs", lambda sizes, *a, **k: (0, [1] * len(sizes)))
    monkeypatch.setattr(loader, "PARALLEL_MIN_BYTES", 0)
    text = (samples / "send-logs" / "SEND20261120-1.LOG").read_bytes().decode("utf-8")
    (tmp_path / "SEND20261120-1.LOG").write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    (tmp_path / "SEND20261120-2.LOG").write_text(text.replace("2026-11-20", "2026-11-21"), "utf-8")
    load_evidence([str(tmp_path)])
    ((sizes, native),) = asked
    assert sorted(zip(sizes, native, strict=True)) == sorted([
        ((tmp_path / "SEND20261120-1.LOG").stat().st_size, False),  # the Python scan reads it
        ((tmp_path / "SEND20261120-2.LOG").stat().st_size, True),
    ])
