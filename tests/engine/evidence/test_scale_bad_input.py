"""Hostile shapes of log evidence (issue 11): bounded memory, a warning, no hang — and the block
index used when many sessions are open gives exactly the facts of the per-session search.

Inputs are generated here, at test time, and kept small enough to run in seconds."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tracemalloc

import pytest
from relaydoctor.engine.evidence import budget
from relaydoctor.engine.evidence.loader import load_evidence
from relaydoctor.engine.evidence.smtplog import scan, send
from test_sendlog_synthetic import HEADER, REJECT, _mixed_log, comparable, parse, relay, render

FIELDS = ("date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,"
          "context")
SEND_HEADER = HEADER.format(kind="SMTP Send Protocol Log", fields=FIELDS)
OPENING = ["*,,attempting to connect", "+,,",
           "<,220 AM6EUR05FT047.mail.protection.outlook.com Microsoft ESMTP MAIL Service ready,",
           ">,EHLO mail.contoso.com,",
           "<,250 AM6EUR05FT047.mail.protection.outlook.com Hello [203.0.113.25],",
           ">,MAIL FROM:<a@contoso.com>,", ">,RCPT TO:<b@fabrikam.com>,", "<,250 2.1.0 Sender OK,"]


def _peak_mib(fn):
    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _load_in_child(path) -> dict:
    """``load_evidence`` in a fresh process: its peak RSS (MiB) and what the checks need (a child,
    because tracing allocations would make these inputs slow and the parent's RSS says nothing)."""
    code = (
        "import json, resource, sys\n"
        "def peak():  # VmHWM starts afresh at exec; ru_maxrss may keep the forking parent's peak\n"
        "    try:\n"
        "        for line in open('/proc/self/status'):\n"
        "            if line.startswith('VmHWM:'):\n"
        "                return int(line.split()[1]) / 1024\n"
        "    except OSError:\n"
        "        pass\n"
        "    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "from relaydoctor.engine.evidence.loader import load_evidence\n"
        "ev = load_evidence([sys.argv[1]])\n"
        "s = [f for f in ev.facts if f.KIND == 'smtp_session']\n"
        "print(json.dumps({'sources': len(ev.sources), 'details': [x.detail for x in ev.sources][:3],\n"
        "  'warnings': ev.warnings, 'kinds': len(s), 'sessions': sum(f.sessions for f in s),\n"
        "  'peak': peak()}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("many_open", [-1, 10**9])  # index every block / never
def test_the_block_index_gives_the_same_facts_as_the_search(monkeypatch, many_open):
    data = render(_mixed_log(400, interleave=40, seed=9), interleave=40)
    reference = parse(data, block_size=8192, lookback=16384)
    monkeypatch.setattr(scan, "MANY_OPEN", many_open)
    assert comparable(parse(data, block_size=8192, lookback=16384)) == comparable(reference)


def test_the_block_index_on_the_sample_send_logs(samples, monkeypatch):
    logs = sorted((samples / "send-logs").glob("*.LOG"))
    assert logs
    for path in logs:
        data = path.read_bytes()
        reference = send.scan(io.BytesIO(data), path.name)
        monkeypatch.setattr(scan, "MANY_OPEN", -1)
        indexed = send.scan(io.BytesIO(data), path.name)
        monkeypatch.setattr(scan, "MANY_OPEN", 256)
        assert comparable(indexed) == comparable(reference), path.name


def test_one_huge_line_is_refused_quickly_with_little_memory(tmp_path):
    big = tmp_path / "logs" / "SEND20261120-1.LOG"
    big.parent.mkdir()
    with big.open("wb") as fh:
        fh.write(SEND_HEADER.encode())
        chunk = b"x" * (1 << 20)
        for _ in range(60):  # one 60 MB line
            fh.write(chunk)
    ev, peak = _peak_mib(lambda: load_evidence([str(big.parent)]))
    (skipped,) = [s for s in ev.sources if s.skipped_reason]
    assert "longer than 1 MB" in skipped.skipped_reason and skipped.source.endswith(big.name)
    assert peak < 48, peak  # blocks of 4 MB and a 1 MB line at most, never the 60 MB
    direct = load_evidence([str(big)])  # named directly: skipped too, with the line, never aborting
    (source,) = direct.sources
    assert source.skipped_reason == "line 6: not a protocol log: a line is longer than 1 MB"


def test_thousands_of_never_closed_interleaved_sessions(tmp_path):
    n = scan.MAX_OPEN + 1500
    lines = [SEND_HEADER]
    for step, row in enumerate(OPENING):  # every session opens, then all are interleaved, none closes
        for i in range(n):
            lines.append(f"2026-11-20T08:00:00.000Z,Outbound to Office 365,{i:016X},{step},10.0.0.1:1,"
                         f"52.101.68.24:25,{row}\r\n")
    log = tmp_path / "SEND20261120-1.LOG"
    log.write_text("".join(lines), encoding="ascii", newline="")
    got = _load_in_child(log)
    assert any("were open at once" in w for w in got["warnings"])
    assert got["peak"] < 250, got["peak"]
    assert f"{n:,} sessions" in got["details"][0]


def test_ten_thousand_tiny_files(tmp_path):
    folder = tmp_path / "logs"
    folder.mkdir()
    for i in range(10_000):  # each: one rejected session to Exchange Online with its own sender domain
        rows = [*OPENING[:5], f">,MAIL FROM:<app@tenant{i}.example>,", ">,RCPT TO:<b@fabrikam.com>,",
                "<,250 2.1.0 Sender OK,", f"<,{REJECT},", "-,,Local"]
        body = "".join(f"2026-11-20T08:00:00.000Z,Outbound to Office 365,{i:016X},{s},10.0.0.1:1,"
                       f"52.101.68.24:25,{r}\r\n" for s, r in enumerate(rows))
        (folder / f"SEND{i:05d}.LOG").write_text(SEND_HEADER + body, encoding="ascii", newline="")
    got = _load_in_child(folder)
    assert got["sources"] == 10_000
    assert got["kinds"] <= budget.MAX_SESSION_KINDS + budget.MAX_COARSE_KINDS  # the budget
    assert got["sessions"] == 10_000  # with every count kept
    assert any("exceed the budget" in w for w in got["warnings"])
    assert got["peak"] < 400, got["peak"]


def test_relay_helper_still_parses():  # guards the imported helpers against drift
    assert parse(render([relay("08DF42081AB4DA99", reply=REJECT)])).facts
