"""A large send log shared by workers (issue 11): each shard follows the sessions whose id hashes
to it, and the joined shards give exactly the one-process result — facts, provenance, counts,
details and warnings — on generated and sample logs."""

from __future__ import annotations

import io
import shutil

import pytest
from relaydoctor.engine.evidence import loader, workers
from relaydoctor.engine.evidence.loader import load_evidence
from relaydoctor.engine.evidence.smtplog import send
from test_sendlog_synthetic import REJECT, Sess, _mixed_log, relay, render


def _whole_and_joined(data: bytes, n: int, **kw):
    whole = send.scan(io.BytesIO(data), "SEND.LOG", **kw)
    parts = [send.scan_part(io.BytesIO(data), "SEND.LOG", shard=(i, n), **kw) for i in range(n)]
    return whole, send.join_parts(parts)


def _same(a, b) -> None:
    assert [(f.KIND, f.provenance, f.values()) for f in a.facts] == [
        (f.KIND, f.provenance, f.values()) for f in b.facts]
    assert (a.detail, a.warnings) == (b.detail, b.warnings)


@pytest.mark.parametrize("n", [2, 3, 5])
def test_joined_shards_equal_one_scan_on_generated_logs(n):
    sessions = _mixed_log(300, interleave=12, seed=11)
    cut = Sess("08DF42081AB4FFFF").opening().tls()  # a session cut off at the end of the file
    cut.add(">", "MAIL FROM:<ana.ruiz@contoso.com>").add(">", "RCPT TO:<x@fabrikam.com>")
    cut.add("<", "250 2.1.0 Sender OK").add("<", REJECT)
    data = render([*sessions, relay("08DF42081AB4EEEE", reply=REJECT), cut], interleave=12)
    data = data[data.index(b"2026-11-20T08:00:00.01"):]  # starts mid-sessions: partial ones
    whole, joined = _whole_and_joined(b"#Log-type: SMTP Send Protocol Log\r\n" + data + b"2026-11-20T09", n,
                                      block_size=16384, lookback=32768)
    assert len([f for f in whole.facts if f.KIND == "smtp_session"]) >= 3 and whole.warnings
    _same(whole, joined)


def test_joined_shards_equal_one_scan_on_the_sample_logs(samples):
    for path in sorted((samples / "send-logs").glob("*.LOG")):
        whole, joined = _whole_and_joined(path.read_bytes(), 2)
        _same(whole, joined)


def test_a_lone_large_send_log_is_shared_by_workers(tmp_path, samples, monkeypatch):
    shutil.copy(samples / "send-logs" / "SEND20261120-1.LOG", tmp_path)
    serial = load_evidence([str(tmp_path)])
    monkeypatch.setattr(loader, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(workers, "SHARD_MIN_BYTES", 1)
    monkeypatch.setattr(workers, "idle_cpus", lambda cpus, load=None: 2.0)
    monkeypatch.setattr(workers, "usable_cpus", lambda *a: 2)
    used: list[list[int]] = []
    real = loader._parse_parallel
    def spy(items, prog, cancel, absorb, n, shards):
        used.append(shards)
        return real(items, prog, cancel, absorb, n, shards)

    monkeypatch.setattr(loader, "_parse_parallel", spy)
    sharded = load_evidence([str(tmp_path)])
    assert used == [[2]]
    assert [(f.provenance, f.values()) for f in sharded.facts] == [
        (f.provenance, f.values()) for f in serial.facts]
    assert sharded.sources == serial.sources and sharded.warnings == serial.warnings
