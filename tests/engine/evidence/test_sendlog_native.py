"""The native send-log prefilter (issue 11): the same facts, details and warnings as the pure-Python
scanner on sample logs and on generated ones with every awkward shape (malformed rows, quoted
fields with commas and line breaks, CRLF or LF, a UTF-8 BOM, a truncated last line, interleaved
sessions, concatenated files, another column order); RELAYDOCTOR_NO_NATIVE=1 switches it off; the C
entry points stay bounded on hostile bytes."""

from __future__ import annotations

import codecs
import io
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from relaydoctor.engine.errors import EvidenceError
from relaydoctor.engine.evidence.smtplog import scan, send, sendfilter
from relaydoctor.engine.evidence.smtplog.format import DEFAULT_FIELDS
from test_sendlog_synthetic import REJECT, THUMB, Sess, _mixed_log, relay, render

REPO = Path(__file__).resolve().parents[3]
native = pytest.mark.skipif(sendfilter._sendfilter is None, reason="the C extension was not built here")


def _run(data: bytes, use_native: bool, monkeypatch, **kw):
    """(result or error text, whether the C scan's sessions were what the aggregation got: it ran
    to the end, no ``Fallback`` to the Python path)."""
    used = []
    real = sendfilter.Selected.run

    def spy(self, *a, **k):
        got = real(self, *a, **k)
        used.append(True)
        return got

    monkeypatch.setenv("RELAYDOCTOR_NO_NATIVE", "" if use_native else "1")
    monkeypatch.setattr(sendfilter, "MIN_BYTES", 0)
    monkeypatch.setattr(sendfilter.Selected, "run", spy)
    try:
        result = send.scan(io.BytesIO(data), "SEND.LOG", **kw)
        out = ([(f.KIND, f.provenance, f.values()) for f in result.facts], result.detail, result.warnings)
    except EvidenceError as exc:
        out = ("error", str(exc))
    return out, any(used)


def both(data: bytes, monkeypatch, *, expect_native: bool | None = True, **kw):
    python, used = _run(data, False, monkeypatch, **kw)
    assert not used  # RELAYDOCTOR_NO_NATIVE=1: never the prefilter
    fast, used = _run(data, True, monkeypatch, **kw)
    if expect_native is not None:
        assert used == expect_native
    assert fast == python
    return python


# -- sample logs ----------------------------------------------------------------------------------

@native
def test_same_facts_on_the_sample_logs(samples, monkeypatch):
    logs = sorted((REPO / "knowledge" / "examples").glob("*/SEND*.LOG")) + sorted(samples.rglob("SEND*.LOG"))
    assert len(logs) >= 6
    for path in logs:
        facts, _, _ = both(path.read_bytes(), monkeypatch)
        assert facts, path


def _logmix():
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import logmix
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    return logmix


@native
def test_same_report_json_on_a_sample_bundle(samples, tmp_path):
    bundle = tmp_path / "bundle"
    shutil.copytree(samples / "bundles" / "renewed-certificate", bundle)
    _logmix().write_logs(bundle, 1.2, 2, seed=3)  # two logs above MIN_BYTES: the native path
    assert min(p.stat().st_size for p in bundle.glob("EXCH*.LOG")) > sendfilter.MIN_BYTES
    outs = []
    for flag in ("1", ""):
        env = {**os.environ, "RELAYDOCTOR_NO_NATIVE": flag}
        run = subprocess.run([sys.executable, "-m", "relaydoctor.engine", "diagnose", str(bundle),
                              "--now", "2026-12-01T00:00:00Z", "--format", "json"],
                             capture_output=True, text=True, env=env, timeout=300)
        assert run.returncode in (0, 1, 2, 3), run.stderr
        outs.append(run.stdout)
    report = json.loads(outs[0])
    assert "exchange online" in outs[0].lower() and report
    assert outs[0] == outs[1]


# -- generated logs -------------------------------------------------------------------------------

def _awkward(sessions: list[Sess], rng: random.Random) -> list[Sess]:
    """Quoted fields with commas, quotes and line breaks inside relevant and irrelevant sessions."""
    for s in sessions:
        if rng.random() < 0.3:
            s.rows.insert(min(4, len(s.rows)), ("<", '250-odd, "quoted" text', "a,b"))
        if rng.random() < 0.1:
            s.rows.insert(min(5, len(s.rows)), ("*", "line one\r\nline two, with 550 5.7.64 inside", ""))
    return sessions


def _mutate(data: bytes, rng: random.Random, *, lf: bool, bom: bool, truncate: int, junk: int) -> bytes:
    lines = data.split(b"\r\n")
    head = 5  # the header lines, then the first rows (validated strictly by both paths)
    for _ in range(junk):  # malformed rows after the validated ones
        at = rng.randrange(head + 25, max(head + 26, len(lines)))
        lines.insert(at, rng.choice([b"garbage,,", b"a,b", b'x,"y,z', b"1,2,3,4,5,6,7,8,9,10,11,12",
                                     b"\xff\xfe,\x00,08DF42081AB50001,zz,,,<,550 no", b"   ", b"",
                                     b"2026-11-20T08:00:00.000Z,Outbound to Office 365,"
                                     b"08DF42081AB50002,x,,,<,"]))
    out = (b"\n" if lf else b"\r\n").join(lines)
    if truncate:
        out = out[: max(1, len(out) - truncate)]
    return (codecs.BOM_UTF8 if bom else b"") + out


@native
@given(seed=st.integers(0, 10_000), n=st.integers(1, 60), interleave=st.integers(1, 30),
       lf=st.booleans(), bom=st.booleans(), truncate=st.integers(0, 120), junk=st.integers(0, 6),
       block=st.sampled_from([600, 4096, 1 << 16, 4 << 20]),
       lookback=st.sampled_from([0, 1500, scan.LOOKBACK]))
# a trigger line of junk before a session's start, in the same block: read from the start _backward finds
@example(seed=4529, n=3, interleave=1, lf=False, bom=False, truncate=0, junk=1, block=4096, lookback=0)
def test_same_facts_on_generated_logs(seed, n, interleave, lf, bom, truncate, junk, block, lookback):
    rng = random.Random(seed)
    sessions = _awkward(_mixed_log(n, interleave=interleave, seed=seed), rng)
    data = _mutate(render(sessions, interleave=interleave, seed=seed), rng, lf=lf, bom=bom,
                   truncate=truncate, junk=junk)
    with pytest.MonkeyPatch.context() as monkeypatch:
        both(data, monkeypatch, expect_native=None, block_size=block, lookback=lookback)  # distances too


@native
def test_generated_logs_take_the_native_path_and_keep_every_shape(monkeypatch):
    rng = random.Random(4)
    sessions = _awkward(_mixed_log(200, interleave=25, seed=4), rng)
    cut = Sess("08DF42081AB4FFFF").opening().tls()  # cut off by the end of the file
    cut.add(">", "MAIL FROM:<ana.ruiz@contoso.com>").add(">", "RCPT TO:<x@fabrikam.com>").add("<", REJECT)
    data = render([*sessions, relay("08DF42081AB4EEEE", reply=REJECT), cut], interleave=25)
    data = _mutate(data, rng, lf=False, bom=True, truncate=20, junk=5)
    facts, _, warnings = both(data, monkeypatch, block_size=4096)
    assert facts and warnings, warnings


@native
def test_logmix_logs(tmp_path, monkeypatch):
    _logmix().write_logs(tmp_path, 3, 3, seed=5)
    logs = sorted(tmp_path.glob("*.LOG"))
    assert len(logs) == 3
    for path in logs:
        facts, detail, _ = both(path.read_bytes(), monkeypatch, block_size=1 << 16)
        assert facts and "relevant" in detail


@native
def test_shapes_the_c_code_leaves_to_python(monkeypatch):
    sessions = _mixed_log(30, interleave=4, seed=8)
    order = ("session-id", "sequence-number", "date-time", "connector-id", "local-endpoint",
             "remote-endpoint", "data", "event", "context")
    both(render(sessions, fields=order, interleave=4), monkeypatch, expect_native=False)  # column order
    quoted = [relay("08DF42081AB4DA0E", reply=REJECT)]
    quoted[0].connector = "Outbound, to Office 365"  # csv-quoted before the session id
    both(render(quoted), monkeypatch, expect_native=False)
    wide = codecs.BOM_UTF16_LE + render(sessions).decode().encode("utf-16-le")
    both(wide, monkeypatch, expect_native=False)
    mixed = render(sessions) + render(sessions[:5], fields=order)  # a second header, another order
    both(mixed, monkeypatch, expect_native=False)
    same = render(sessions[:10]) + render(sessions[10:])  # concatenated, same order: native
    both(same, monkeypatch, expect_native=True)
    # one line of a followed session with its connector csv-quoted (a quote before the id): the
    # Python walk takes it as that session's, so the file goes to the Python scanner; in a session no
    # trigger names the same line changes nothing
    data = render(sessions, interleave=4)
    named = {t[0] for t in scan._triggers(data, 0)}
    quiet = next(cols[2].decode() for cols in (line.split(b",") for line in data.split(b"\r\n"))
                 if len(cols) > 4 and not cols[0].startswith(b"#") and cols[2].decode() not in named)
    for sid, native_path in (("08DF42081AB50002", False), (quiet, True)):
        assert (sid in named) != native_path
        lines = data.split(b"\r\n")
        at = max(i for i, line in enumerate(lines) if b"," + sid.encode() + b"," in line)
        conn = lines[at].split(b",")[1]
        lines[at] = lines[at].replace(b"," + conn + b",", b',"' + conn + b'",', 1)
        both(b"\r\n".join(lines), monkeypatch, expect_native=native_path)
    assert DEFAULT_FIELDS[2] == "session-id"


def test_no_native_switch(monkeypatch):
    monkeypatch.setenv("RELAYDOCTOR_NO_NATIVE", "1")
    assert not sendfilter.available()
    monkeypatch.setattr(sendfilter, "prefilter", lambda *a, **k: pytest.fail("prefilter used"))
    assert send.scan(io.BytesIO(render([relay("08DF42081AB4DA0F", reply=REJECT)])), "SEND.LOG").facts


_SCAN_FACTS = """
import io, sys
from relaydoctor.engine.evidence.smtplog import scan, send, sendfilter
assert sendfilter.available()
sendfilter.MIN_BYTES = 0
data = open(sys.argv[1], "rb").read()
for block in (600, 4099, 1 << 20):
    r = send.scan(io.BytesIO(data), "SEND.LOG", block_size=block, lookback=1500)
    print(repr(([(f.KIND, f.provenance, f.values()) for f in r.facts], r.detail, r.warnings)))
"""


@native
def test_the_trigger_loops_agree_sse2_and_avx512(tmp_path, monkeypatch):
    """find_hits has an AVX-512BW loop (chosen at import where the CPU has it) and an SSE2 one
    (RELAYDOCTOR_NATIVE_SIMD=sse2): the same facts, with triggers and header lines at every offset
    of a 64-byte chunk (rows of growing length) and at block ends."""
    sessions = _mixed_log(40, interleave=5, seed=7)
    data = render(sessions, interleave=5)
    pad = b"".join(b"2026-11-20T08:00:00.000Z,Internet,08DF42081AB5%04X,0,,198.51.0.1:25,*,%s,x\r\n"
                   % (i, b"y" * i) for i in range(70))
    data = data + pad + render(_mixed_log(12, interleave=3, seed=8), interleave=3) + pad
    path = tmp_path / "SEND20261120-1.LOG"
    path.write_bytes(data)
    runs = {}
    for simd in ("sse2", ""):
        env = {**os.environ, "RELAYDOCTOR_NATIVE_SIMD": simd, "RELAYDOCTOR_NO_NATIVE": ""}
        got = subprocess.run([sys.executable, "-c", _SCAN_FACTS, str(path)], env=env, capture_output=True,
                             text=True, check=True)
        runs[simd] = got.stdout
    python, _ = _run(data, False, monkeypatch, block_size=600, lookback=1500)
    assert python[0] and runs["sse2"] == runs[""] and runs[""].splitlines()[0] == repr(python)


# -- hostile input --------------------------------------------------------------------------------

@native
def test_one_huge_line_and_binary_junk(monkeypatch):
    header = render([], header=True)
    huge = header + b"x" * (60 << 20)
    assert both(huge, monkeypatch, expect_native=False)[0] == "error"  # the scanner refuses it
    junk = header + random.Random(1).randbytes(3 << 20)
    both(junk, monkeypatch, expect_native=None)


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _collected(sel, blocks: list[tuple[bytes, int]], max_open: int = 5000):
    """The C block step over ``blocks`` (buffer, start of its new lines): every session handed back,
    with its checks; None when the C code leaves the file to the Python path."""
    sel.start(lambda: scan._Open([], partial=False), 1 << 24, max_open, 3)
    out = []
    for block, start in blocks:
        got = sel.collect(block, start, 1)
        header = scan._has_header_line(block, None, start)
        assert (got is False) == header  # a line starting with '#': nothing done, the caller splits
        if got is False:
            continue
        if got is None:
            return None
        newlines, attempts, connects, left = got
        finished, trimmed = sel.end_block()
        assert newlines == block.count(b"\n", start)  # line numbers stay
        assert attempts == block.count(b",attempting to connect", start)
        assert connects == block.count(b",+,", start)
        assert 0 <= trimmed <= len(finished)
        for item, line, ls, le, q, c1, c3 in left:
            assert isinstance(item, scan._Open) and 1 <= line <= 1 + block.count(b"\n")
            assert 0 <= ls < q <= le <= len(block) and c1 < le and c3 < le
        out += finished
    out += sel.finish_all()
    assert sel.finish_all() == []
    for sid, item, partial, lines in out:
        assert sel.contains(sid.encode()) and isinstance(partial, bool) and lines >= len(item.rows) >= 0
        assert len(item.sigs) <= len(item.rows) and all(type(r) is bytes for r in item.rows)
    return out


@native
@given(st.binary(max_size=4096), st.binary(max_size=4096), st.integers(0, 5000))
def test_c_entry_points_on_arbitrary_bytes(first, second, start):
    for block in (first, second, first + b"\n" + second):
        assert scan._native.newlines(block) == block.count(b"\n")
        python = scan._triggers(block, start % 7)
        assert [t[1:] for t in scan._native.triggers(block, start % 7)] == [t[1:] for t in python]
    joined = first + b"\n" + second
    _collected(sendfilter._sendfilter.Selector(), [(first, 0), (joined, min(start, len(joined)))],
               max_open=start % 30)


@native
@given(st.lists(st.sampled_from([
    b"2026-11-20T08:00:00.000Z,Outbound to Office 365,08DF42081AB50001,3,10.0.0.1:1,52.101.68.24:25,<,",
    b"2026-11-20T08:00:00.000Z,Outbound to Office 365,08DF42081AB50001,0,10.0.0.1:1,52.101.68.24:25,-,",
    b"550 5.7.64 TenantAttribution", b",outlook.com,", b"negotiation failed", b",+,",
    b",attempting to connect",
    b'"', b",", b"\n", b"\r\n", b"#Fields: x", b"\xff\xfe\x00", b" 08DF42081AB50001 ", b"<,\"451",
    b"08DF42081AB50001", b"office365.com", b"k", b"f", b"p", b"<", b"+"]), max_size=60))
def test_c_entry_points_on_log_like_fragments(parts):
    data = b"".join(parts)
    sel = sendfilter._sendfilter.Selector()
    if scan._has_header_line(data):  # collect() does nothing with header lines (the caller splits there)
        sel.start(lambda: scan._Open([], partial=False), 1 << 24, 5000, 3)
        assert sel.collect(data, 0, 1) is False and sel.finish_all() == [] and sel.sessions == 0
        data = b"\n".join(b"" if line.startswith(b"#") else line for line in data.split(b"\n"))
        sel = sendfilter._sendfilter.Selector()
    got = _collected(sel, [(data, 0)])
    if got is None:
        return
    naming = 0  # lines whose session id column is exactly a followed id (the walk's ",sid,")
    for line in _lines(data):
        cols = line.split(b",")
        if len(cols) > 3 and b'"' not in b",".join(cols[:3]) and sel.contains(cols[2]):
            naming += 1
        if any(t in line for t in (b"outlook.com", b"office365.com", b"negotiation failed")):
            sid = cols[2].strip() if len(cols) > 3 and not cols[1].startswith(b'"') else b""
            assert not sid or len(sid) > 64 or sel.contains(sid)  # a trigger line names its session
    assert sum(lines for _, _, _, lines in got) <= naming


@native
def test_a_log_that_grows_while_it_is_read_is_read_as_it_was(tmp_path, monkeypatch):
    data = render(_mixed_log(60, interleave=6, seed=2), interleave=6)
    path = tmp_path / "SEND20261120-1.LOG"
    path.write_bytes(data)
    real = sendfilter.Selected.run

    def then_grow(self, *a, **k):  # Exchange appends while relaydoctor reads
        with path.open("ab") as fh:
            fh.write(render([relay("08DF42081AB4DA77", reply=REJECT)], header=False))
        return real(self, *a, **k)

    python, _ = _run(data, False, monkeypatch)
    monkeypatch.setattr(sendfilter.Selected, "run", then_grow)
    monkeypatch.setenv("RELAYDOCTOR_NO_NATIVE", "")
    with path.open("rb") as fh:
        result = send.scan(fh, "SEND.LOG")
    assert path.stat().st_size > len(data)
    facts = [(f.KIND, f.provenance, f.values()) for f in result.facts]
    assert (facts, result.detail, result.warnings) == python


@native
def test_the_remembered_sessions_are_bounded(monkeypatch):
    rows = b"".join(b"2026-11-20T08:00:00.000Z,Outbound to Office 365,%016X,3,,,<,550 5.7.64 no,\r\n" % i
                    for i in range(5))
    for limit, native_path in ((5, True), (4, False)):  # more ids than the table holds: the Python path
        sel = sendfilter._sendfilter.Selector(limit=limit)
        sel.start(lambda: scan._Open([], partial=False), 1 << 24, 5000, 10)
        got = sel.collect(rows, 0, 1)
        assert (got is not None) == native_path and sel.sessions == limit
    module = sendfilter._sendfilter

    class Small:  # the extension with a table of 4 ids
        def __getattr__(self, name):
            return getattr(module, name)

        def Selector(self):
            return module.Selector(limit=4)

    monkeypatch.setattr(sendfilter, "_sendfilter", Small())
    assert both(render([], header=True) + rows, monkeypatch, expect_native=False)[0]


# -- the C session walk and row cutting against the Python ones ----------------------------------

SID = b"08DF42081AB50001"
_DATA = [b"", b"221 2.0.0 Bye,", b"250-mx.fabrikam.com Hello [203.0.113.25],", b"250 2.1.0 Ok,",
         b"250-SIZE 1,", b"250-STARTTLS,", b"250 8BITMIME,", b"MAIL FROM:<a@contoso.com> SIZE=4,",
         b"QUIT,", b"STARTTLS,",
         b"X-ANONYMOUSTLS,", b"AUTH LOGIN,", b"RCPT TO:<x@fabrikam.com>,", b",Received certificate",
         b"AB12,Certificate thumbprint", b",attempting to connect", b"1,sending message with RecordId 1",
         b"61E8,Certificate serial number", b"550 5.7.64 TenantAttribution; Relay Access Denied,",
         b'"220 host ready, at noon",', b'"CN=x, O=""Q, Inc."", C=US",Certificate issuer name',
         b',"TLS protocol SP_PROT_TLS1_2 negotiation succeeded, bulk"', b'"a""b",c', b'x,"y"z"',
         b"a,b,c", b'"unterminated,', b"caf\xc3\xa9 250,", b"nul\x00,x",
         b"CN=mail.contoso.com,Certificate subject", b"220 a.outlook.com office365.com outlook.com,",
         b",TLS negotiation failed with error X", b'"451 4.7.1 try later",x']


@st.composite
def _walk_blocks(draw):
    lines = []
    for _ in range(draw(st.integers(0, 25))):
        sid = draw(st.sampled_from([SID, SID, SID, b"08DF42081AB50002", b" " + SID, SID + b"x", b"\xc3\xa9",
                                    b" ", b"x" * 65]))
        conn = draw(st.sampled_from([b"Outbound to Office 365", b"Internet", b'"Out, bound"', b""]))
        stamp = draw(st.sampled_from([b"2026-11-20T08:00:00.000Z", b"2026-11-20T08:00:00Z", b""]))
        seq = draw(st.sampled_from([b"0", b"7", b"12", b"x", b"1234567890", b""]))
        ev = draw(st.sampled_from([b"<", b">", b"*", b"-", b"+", b"?", b"<<", b""]))
        remote = draw(st.sampled_from([b"52.101.68.24:25", b"", b"[2001:db8::1]:25"]))
        data = draw(st.sampled_from(_DATA))
        line = b",".join([stamp, conn, sid, seq, b"10.0.0.1:5", remote, ev, data])
        if draw(st.integers(0, 9)) == 0:  # a cut or odd line
            cut = draw(st.integers(0, len(line)))
            line = line[:cut] + draw(st.sampled_from([b"", b",", b"," + SID + b","]))
        lines.append(line + draw(st.sampled_from([b"\n", b"\r\n"])))
    return b"".join(lines)


def _walk_state(draw_state):
    off, tail, mail, recv = draw_state
    return scan._Open([], partial=False, off=off, tail=tail, mail=mail, recv=recv)


@native
@given(buf=_walk_blocks(), start=st.integers(0, 400), state=st.tuples(
    st.sampled_from([-1, 0, 25, 47, 48]), st.sampled_from([-1, 0, 16, 32, 33]), st.booleans(), st.booleans()),
    use_index=st.booleans())
def test_c_walk_and_rows_equal_the_python_ones(buf, start, state, use_index):
    start = min(start, len(buf))
    at = None
    if use_index:  # the block index path: positions of ",sid," taken in turn
        index = scan._sid_index(buf)
        if index is None:
            return
        at = scan._from(index.get(SID.decode(), ()), start)
    runs = []
    for walk in (scan._walk, scan._walk_native):
        item = _walk_state(state)
        found: list = []
        closed = walk(buf, SID.decode(), start, item, found, at)
        runs.append((closed, [f[:5] for f in found], (item.off, item.tail, item.mail, item.recv, item.lines)))
    assert runs[0] == runs[1]
    # the walk back to a session's first line, from every line start (searched, or from the index)
    starts = [0] + [i + 1 for i in range(len(buf)) if buf[i] == 10]
    for ls in starts[:: max(1, len(starts) // 8)]:
        for positions in (None, at):
            assert scan._backward_native(buf, SID, ls, positions) == scan._backward(buf, SID, ls, positions)
    # the trigger lines: the same lines, the same ids (False: left to _sid_of)
    python, native_ = scan._triggers(buf, start), scan._native.triggers(buf, start)
    assert [t[1:] for t in python] == [t[1:] for t in native_]
    assert all(c is False or c == p for (p, _, _), (c, _, _) in zip(python, native_, strict=True))
    # rows: the Python loop of _feed_fast and the C one, on the same found lines
    found = sorted(runs[0][1])
    block = scan.Block(buf, 0, 1, scan.Layout(DEFAULT_FIELDS), False)
    made = []
    for native_rows in (False, True):
        items = {}
        entries = [(*f[:5], items.setdefault(i % 3, scan._Open([], partial=False)))
                   for i, f in enumerate(found)]
        collector = scan.SessionCollector("SEND.LOG", scan.ScanStats(), lambda s: None)
        collector._native = native_rows
        block.newlines = None
        collector._rows_step(block, entries)
        made.append(([_rows_of(it) for _, it in sorted(items.items())], block.newlines,
                     collector.stats.malformed, [(it.conn, it.toff) for _, it in sorted(items.items())]))
        if native_rows:  # the C rows are lite rows (one bytes object each), ordered() on them exact
            for (_, it), rows in zip(sorted(items.items()), made[0][0], strict=True):
                assert all(type(r) is bytes for r in it.rows[: len(it.sigs)])
                lite = len(it.sigs) == len(it.rows)
                seqs = [r.seq for r in rows]
                assert scan._native.ordered(it.rows) == (lite and seqs == sorted(seqs))
    assert made[0] == made[1]
    assert made[0][1] == buf.count(b"\n")


def _rows_of(item: scan._Open) -> list:
    """A session's rows as Row tuples (the C row cutter keeps lite rows: made into Rows here)."""
    return [scan._native.row(r, item.conn, scan.Row) if type(r) is bytes else r for r in item.rows]


# -- folding repeated sessions (send.Aggregator.fold): the same facts as replaying every one -------

_HOSTS = ("AM6EUR05FT047.mail.protection.outlook.com", "mx1.fabrikam.com", "smtp.office365.com",
          "host365.office365.com", "10.0.0.1")
_QUEUED = ("250 2.6.0 <{mid}> [InternalId={n}, Hostname={host}] {size} bytes in 0.{n}, {size}.5 KB/s Queued",
           "250 2.0.0 Ok: queued as {n}", "250 2.0.0 <{mid}> STARTTLS {n}",
           "250 2.0.0 {host} Hello [10.0.0.{n}]",
           "250 2.0.0 ok {host}{n} {size}", "250 {n}.{host} <{mid}> x{n} {n}-{size} [{n}]",
           "354 Start mail input; end with <CRLF>.<CRLF> {n}")
_MIDS = ("a1@b.contoso.com", "c2@d", "x[1]@y", "Hostname=h.outlook.com", "", "<n>")
_REJECTS = ("550 5.7.64 TenantAttribution; Relay Access Denied [AM6PR03CA0001.eurprd03.prod.outlook.com]",
            "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown {n}",
            "451 4.7.1 Greylisted, please try again later", "452 4.5.3 Too many recipients <{mid}>")


@st.composite
def _repeated_sessions(draw):
    sessions = []
    for i in range(draw(st.integers(2, 30))):
        pick = draw(st.integers(0, 2))  # few choices per field: sessions repeat, so they fold
        s = Sess(f"08DF42081AB6{i:04X}", connector=("Outbound to Office 365", "Internet")[pick % 2])
        s.opening(host=_HOSTS[draw(st.integers(0, 4))], ip=("203.0.113.25", "198.51.100.77")[pick % 2])
        if draw(st.booleans()):
            s.tls(thumb=(THUMB, "F13EA69EB8D27B0D2A8947D5BCC472E6B2724B29")[pick % 2])
        for _ in range(draw(st.integers(0, 2))):
            n, size = draw(st.integers(0, 99999)), draw(st.integers(1, 999))
            local = draw(st.sampled_from(["a", "b.c", "x y", "", "q@r"]))
            domain = draw(st.sampled_from(["contoso.com", "Contoso.COM.", "customer7.example"]))
            s.add(">", f"MAIL FROM:<{local}@{domain}> SIZE={size}" if local else "MAIL FROM:<>")
            rcpts = draw(st.lists(st.sampled_from(["r@fabrikam.com", "s@Fabrikam.com", "bare",
                                                   "t@contoso.mail.onmicrosoft.com", "u v@x.onmicrosoft.com.",
                                                   "w@Contoso.Mail.OnMicrosoft.COM..", "y@onmicrosoft.com",
                                                   "z@a@b.onmicrosoft.com"]), min_size=1, max_size=2))
            for r in rcpts:
                s.add(">", f"RCPT TO:<{r}>" if r != "bare" else "RCPT TO:bare@fabrikam.com")
            s.add("<", "250 2.1.0 Sender OK")
            fmt = {"n": n, "size": size, "mid": draw(st.sampled_from(_MIDS)),
                   "host": draw(st.sampled_from(_HOSTS))}
            for r in rcpts:
                reject = draw(st.integers(0, 5))
                s.add("<", _REJECTS[reject].format(rcpt=r, **fmt) if reject < 4 else "250 2.1.5 Recipient OK")
            s.add(">", draw(st.sampled_from([f"BDAT {size} LAST", f"BDAT {size}", "BDAT  LAST",
                                             "DATA"])))
            s.add("<", draw(st.sampled_from(_QUEUED)).format(**fmt))
        sessions.append(s.close())
    return sessions


@native
@given(sessions=_repeated_sessions(), interleave=st.integers(1, 6), seed=st.integers(0, 99))
def test_folded_sessions_give_the_facts_of_replayed_ones(sessions, interleave, seed):
    data = render(sessions, interleave=interleave, seed=seed)
    with pytest.MonkeyPatch.context() as monkeypatch:
        both(data, monkeypatch, expect_native=None, block_size=4096)


@native
def test_logmix_sessions_are_folded_with_the_same_facts(tmp_path, monkeypatch):
    _logmix().write_logs(tmp_path, 3, 1, seed=6)
    folded = []
    real = send.Aggregator.fold

    def fold(self, key, rows, lines):
        got = real(self, key, rows, lines)
        folded.append(got)
        return got

    in_c = []  # sessions folded in C where the scan finished them (never offered to ``fold``)
    real_result = send.Aggregator.result

    def result(self, stats):
        in_c.append(self.native_folds.folded if self.native_folds is not None else 0)
        return real_result(self, stats)

    monkeypatch.setattr(send.Aggregator, "fold", fold)
    monkeypatch.setattr(send.Aggregator, "result", result)
    facts, _, _ = both(next(tmp_path.glob("*.LOG")).read_bytes(), monkeypatch)
    assert facts and sum(folded) + in_c[-1] >= 5 and not all(folded), (sum(folded), in_c, len(folded))


@native
def test_sessions_with_huge_rows_are_replayed_not_remembered(monkeypatch):
    """A fold plan keeps its session's signatures: a session over MAX_FOLD_BYTES / 256 of them is
    never remembered (memory stays bounded on hostile logs), only replayed."""
    long_reply = "250 2.0.0 " + "x" * (send.MAX_FOLD_BYTES // 256)
    sessions = [relay(f"08DF42081AB7{i:04X}", reply=REJECT) for i in range(4)]
    for s in sessions:  # before QUIT, its reply and the disconnect
        s.rows.insert(len(s.rows) - 3, ("<", long_reply, ""))
    folded = []
    real = send.Aggregator.fold

    def fold(self, key, rows, lines):
        got = real(self, key, rows, lines)
        folded.append(got)
        assert not self.plans
        return got

    monkeypatch.setattr(send.Aggregator, "fold", fold)
    facts, _, _ = both(render(sessions, interleave=2), monkeypatch)
    assert facts and len(folded) == 4 and not any(folded)


def test_without_the_extension_the_python_path_gives_the_same_facts(monkeypatch):
    """A machine without a compiler: no _sendfilter at all (not only switched off)."""
    data = render(_mixed_log(40, interleave=5, seed=9), interleave=5)
    monkeypatch.setenv("RELAYDOCTOR_NO_NATIVE", "1")
    expected = send.scan(io.BytesIO(data), "SEND.LOG")
    monkeypatch.setenv("RELAYDOCTOR_NO_NATIVE", "")
    monkeypatch.setattr(scan, "_native", None)
    monkeypatch.setattr(sendfilter, "_sendfilter", None)
    monkeypatch.setattr(sendfilter, "MIN_BYTES", 0)
    assert not scan.native_enabled() and not sendfilter.available()
    got = send.scan(io.BytesIO(data), "SEND.LOG")
    assert got.facts and [(f.provenance, f.values()) for f in got.facts] == [
        (f.provenance, f.values()) for f in expected.facts]
    assert (got.detail, got.warnings) == (expected.detail, expected.warnings)


@native
@given(st.binary(max_size=600), st.lists(st.tuples(*[st.integers(-5, 700)] * 5), max_size=12))
def test_c_rows_never_read_out_of_range(buf, entries):
    """rows() gets positions from walk(); whatever it is handed, it raises or leaves lines to
    Python, and never reads outside the buffer (no crash)."""
    found = sorted(((*e, scan._Open([], partial=False)) for e in entries), key=lambda t: t[:5])
    try:
        left, newlines = scan._native.rows(buf, found, 1, scan.Row)
    except ValueError:
        return
    assert newlines == buf.count(b"\n") and all(0 <= i < len(found) for i, _ in left)


def test_an_extension_built_from_older_sources_is_not_used_half():
    """An editable install not rebuilt after an update keeps an old ``_sendfilter``: it lacked
    ``newlines`` and every send log was skipped. Missing any function → the pure-Python path."""
    import types

    from relaydoctor.engine.evidence.smtplog import scan

    old = types.SimpleNamespace(Selector=object)
    assert scan.usable_native(old) is None
    assert scan.usable_native(None) is None
    full = types.SimpleNamespace(REVISION=scan.NATIVE_REVISION, **{name: object for name in scan.NATIVE_API})
    assert scan.usable_native(full) is full
    # every function there, but built before its rows kept what this code keeps (REVISION 2: the
    # masked-STARTTLS "XXXXXXXA" line): not used either
    stale = types.SimpleNamespace(REVISION=1, **{name: object for name in scan.NATIVE_API})
    assert scan.usable_native(stale) is None
    assert scan.usable_native(types.SimpleNamespace(**{name: object for name in scan.NATIVE_API})) is None



def _split_headers_reference(chunk: bytes) -> list[tuple[bytes, bool]]:
    """Line by line: each line starting with '#' alone, the runs of other lines between them."""
    parts = chunk.split(b"\n")
    lines = [p + b"\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    if not any(line.startswith(b"#") for line in lines):
        return [(chunk, False)]
    out, run = [], b""
    for line in lines:
        if line.startswith(b"#"):
            if run:
                out.append((run, False))
            out.append((line, True))
            run = b""
        else:
            run += line
    return out + ([(run, False)] if run else [])


@given(st.lists(st.sampled_from([b"#", b"\n", b"a", b",", b"#x\n", b"\r\n", b"##", b"a#b" * 30]),
                max_size=400))
@example([b"a#b" * 30, b"a#b" * 30, b"##", b"##", b"\n", b"#x\n", b"a"])  # the 65th '#' starts a line
def test_header_lines_are_split_as_before(parts):
    """The header search (a lone '#' with memchr, ``\\n#`` after 64 '#' inside lines) cuts the
    pieces a line-by-line split gives."""
    chunk = b"".join(parts)
    assert list(scan._split_headers(chunk)) == _split_headers_reference(chunk)
