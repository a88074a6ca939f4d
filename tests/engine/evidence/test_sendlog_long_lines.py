"""A protocol-log line longer than ``MAX_LINE`` (issue 11, bad input). Among the first rows every
scan validates it refuses the file ("not a protocol log", with the line); after them it is skipped
with a located warning and the rest of the file is read -- whether it lies inside one block or
spans several, on the C path and the pure-Python one alike, with the facts of the same log with
that line empty (its newline kept: line numbers stay)."""

from __future__ import annotations

import io
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from relaydoctor.engine.errors import EvidenceError
from relaydoctor.engine.evidence.loader import load_evidence
from relaydoctor.engine.evidence.smtplog import receive, scan, send
from test_scale_bad_input import _peak_mib
from test_sendlog_native import _run, both, native
from test_sendlog_synthetic import REJECT, _mixed_log, relay, render

WARN = "longer than 1 MB, not a protocol log row; skipped"


def _log(n: int = 12, seed: int = 3) -> list[bytes]:
    """A generated log's lines (each with its CRLF); a rejected relay so there are facts to keep."""
    data = render([relay("08DF42081AB4DA0E", reply=REJECT), *_mixed_log(n, interleave=3, seed=seed)],
                  interleave=3, seed=seed)
    return data.splitlines(keepends=True)


def _long(sid: str, size: int) -> bytes:
    """A line of ``size`` bytes before its CRLF that names a followed session and a rejection: read as
    a row, it would add a fact."""
    head = (f"2026-11-20T08:00:00.000Z,Outbound to Office 365,{sid},9,10.0.0.1:1,52.101.68.24:25,<,"
            "550 5.7.64 TenantAttribution; Relay Access Denied ").encode()
    return head + b"x" * (size - len(head)) + b"\r\n"


def _python(data: bytes, monkeypatch, **kw):
    return _run(data, False, monkeypatch, **kw)[0]


@native
@pytest.mark.parametrize("block", [scan.BLOCK, 1 << 16, 3 << 19])
@pytest.mark.parametrize("where", ["middle", "last", "cut short at the end"])
def test_a_long_line_after_the_first_rows_is_skipped_with_its_line(block, where, monkeypatch):
    lines = _log()
    at = {"middle": 40, "last": len(lines)}.get(where, len(lines))
    assert at > 5 + scan.VALIDATE_ROWS
    long = _long("08DF42081AB4DA0E", (2 << 20) + 7)
    if where == "cut short at the end":
        long = long[: (3 << 19) + 5]
    data = b"".join(lines[:at]) + long + b"".join(lines[at:])
    got = both(data, monkeypatch, block_size=block)  # the C path ran (no fallback), same result
    empty = _python(b"".join(lines[:at]) + b"\n" + b"".join(lines[at:]), monkeypatch, block_size=block)
    facts, detail, warnings = got
    assert facts == empty[0] and detail == empty[1] and facts
    assert warnings == [f"line {at + 1}: {WARN}", *empty[2]]


@native
@pytest.mark.parametrize("block", [scan.BLOCK, 1 << 16])
def test_a_long_line_among_the_first_rows_refuses_the_file(block, monkeypatch):
    lines = _log()
    data = b"".join(lines[:9]) + _long("08DF42081AB4DA0E", 2 << 20) + b"".join(lines[9:])
    assert both(data, monkeypatch, expect_native=None, block_size=block) == (
        "error", "SEND.LOG:10: not a protocol log: a line is longer than 1 MB")


@native
@given(st.lists(st.tuples(st.integers(0, 400), st.sampled_from([-1, 0, 1, 2, 3000])), min_size=1, max_size=5),
       st.sampled_from([600, 1500, 4096, 1 << 16]), st.sampled_from([0, 1500, scan.LOOKBACK]))
def test_lines_at_the_limit_on_both_paths_any_block_size(inserts, block, lookback):
    """``MAX_LINE`` made small: lines of MAX_LINE - 1 .. MAX_LINE + 3000 bytes anywhere after the
    first rows, blocks smaller and larger than them."""
    limit = 2000
    lines = _log(20, seed=5)
    assert max(map(len, lines)) < limit - 2
    out, empty = list(lines), list(lines)
    places = [(5 + scan.VALIDATE_ROWS + 1 + pos % (len(lines) - 30), pos, extra) for pos, extra in inserts]
    for at, pos, extra in sorted(places, reverse=True):
        line = _long("08DF42081AB5000" + str(pos % 10), limit + extra - 1)  # + its CR: limit + extra
        out.insert(at, line)
        empty.insert(at, b"\n" if extra > 0 else line)
    said = [i + 1 for i, (a, b) in enumerate(zip(out, empty, strict=True)) if a != b]
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(scan, "MAX_LINE", limit)
        facts, _, warnings = both(b"".join(out), monkeypatch, block_size=block, lookback=lookback)
        reference = _python(b"".join(empty), monkeypatch, block_size=block, lookback=lookback)
    said = [scan.ScanStats(long_lines=said).long_line_warning()] if said else []
    assert warnings[: len(said)] == said
    # else the facts depend on where blocks are cut, which the long lines move (and so does the
    # session count of the detail line: ",+," is counted in a block without "attempting to connect")
    if lookback == scan.LOOKBACK:
        assert (facts, warnings) == (reference[0], said + reference[2])


def test_the_warning_names_the_lines():
    assert scan.ScanStats(long_lines=[7]).long_line_warning() == f"line 7: {WARN}"
    assert scan.ScanStats(long_lines=list(range(30, 37))).long_line_warning() == (
        "7 lines longer than 1 MB (not protocol log rows) skipped: lines 30, 31, 32, 33, 34, ...")


def test_a_sixty_mb_line_after_the_first_rows_is_skipped_with_little_memory(tmp_path):
    lines = _log()
    log = tmp_path / "SEND20261120-1.LOG"
    with log.open("wb") as fh:
        fh.write(b"".join(lines[:40]))
        fh.write(b"2026-11-20T08:00:00.000Z,Outbound to Office 365,")
        chunk = b"x" * (1 << 20)
        for _ in range(60):
            fh.write(chunk)
        fh.write(b"\r\n" + b"".join(lines[40:]))
    ev, peak = _peak_mib(lambda: load_evidence([str(log)]))
    (source,) = ev.sources
    assert not source.skipped_reason and ev.facts
    assert f"{log}:41: {WARN}" in ev.warnings  # file and line
    assert peak < 48, peak  # blocks of 4 MB and a 1 MB line at most, never the 60 MB


def test_the_receive_log_reader_skips_it_too(monkeypatch):
    monkeypatch.setenv("RELAYDOCTOR_NO_NATIVE", "1")
    head = render([], kind="SMTP Receive Protocol Log", header=True)
    row = b"2026-11-20T08:00:00.000Z,Default Frontend,08DF42081AB5%04X,%d,10.0.0.2:25,10.0.0.9:5000,*,,x\r\n"
    rows = [row % (i, i) for i in range(30)]
    data = head + b"".join(rows) + b"x" * (2 << 20) + b"\r\n" + b"".join(rows)
    result = receive.scan(io.BytesIO(data), "RECV.LOG")
    line = head.count(b"\n") + 31
    assert result.warnings == [f"line {line}: {WARN}"]
    with pytest.raises(EvidenceError, match="not a protocol log: a line is longer than 1 MB"):
        receive.scan(io.BytesIO(head + b"x" * (2 << 20) + b"\r\n" + b"".join(rows)), "RECV.LOG")


def test_the_block_check_finds_exactly_the_long_lines():
    rng = random.Random(1)
    limit = scan.MAX_LINE
    for _ in range(50):
        sizes = [rng.choice([0, 5, 300, limit // 2, limit - 1, limit, limit + 1, limit + 700])
                 for _ in range(rng.randint(1, 8))]
        buf = b"".join(b"a" * n + b"\n" for n in sizes)
        want, pos = [], 0
        for n in sizes:
            if n > limit:
                want.append((pos, pos + n))
            pos += n + 1
        assert scan.long_lines(buf, 0, len(buf)) == want, sizes


@pytest.mark.parametrize("n", [2, 3])
def test_shards_give_the_one_scans_warning_once(n):
    lines = _log()
    data = b"".join(lines[:40]) + _long("08DF42081AB4DA0E", 2 << 20) + b"".join(lines[40:])
    whole = send.scan(io.BytesIO(data), "SEND.LOG", block_size=1 << 16)
    joined = send.join_parts([send.scan_part(io.BytesIO(data), "SEND.LOG", shard=(i, n), block_size=1 << 16)
                              for i in range(n)])
    facts = [(f.provenance, f.values()) for f in whole.facts]
    assert [(f.provenance, f.values()) for f in joined.facts] == facts and facts
    assert joined.warnings == whole.warnings and whole.warnings.count(f"line 41: {WARN}") == 1
