"""Folding repeated send-log sessions in C (issue 11): ``_sendfilter.Folds`` holds send.Aggregator's
fold plans and folds a session where the C block step finishes it, and row signatures leave out a
banner/EHLO host's name and a bracket/Hostname= host's in a final positive reply (only whether it is
Exchange Online's stays) and a plain rejected recipient address. The facts, details and warnings
must stay those of the pure-Python path: differential tests on generated logs with hosts and
addresses chosen to trip the signature rules, under small budgets, with workers on and off."""

from __future__ import annotations

import contextlib
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from relaydoctor.engine.evidence import loader, workers
from relaydoctor.engine.evidence.loader import load_evidence
from relaydoctor.engine.evidence.smtplog import scan, send, sendfilter
from test_sendlog_native import _logmix, both
from test_sendlog_synthetic import THUMB, Sess, relay, render

native = pytest.mark.skipif(sendfilter._sendfilter is None, reason="the C extension was not built here")

# Banner and EHLO hosts: Exchange Online's and others, and first words that are not plain host names
# (kept in the signature as written).
_HOSTS = ("AM6EUR05FT047.mail.protection.outlook.com", "VI1EUR04FT033.mail.protection.outlook.com",
          "smtp.office365.com", "mx0.partner21.example-21.fr", "mx1.partner9.example-9.net",
          "mx.starttls.example", "Hello.example.com", "mx1.example.com.", "5.7.1", "mx_1.example.com",
          "outlook.com.evil.example", "[10.0.0.1]", "relay.OUTLOOK.COM")
# Rejected recipients: plain ones (left out of the signature) and ones a reply parser may read.
_ADDRESSES = ("p46@partner21.example-21.fr", "p8@partner165.example-76.fr", "a.b+c@x-y.example",
              "x@550-abc.com", "a+550-b@x.example", "550-a@x.example", "5.7.1@x.com", "n@5.7.64.example",
              "ATTR35@x.com", "hello@x.example", "STARTTLS@x.example", "a@b", "@x.example", "a@",
              "a b@x.example", "a@b@c.example", "x(1)@y.example", "q\"r@s.example")
# Hosts in brackets or after Hostname= of a queued-mail reply (read only as Exchange Online's or not)
_BRACKET_HOSTS = ("AM6EUR05FT012.eop-EUR05.prod.protection.outlook.com", "DB8EUR06FT041.outlook.com",
                  "mx.example.com", "10.0.0.1", "a.b", "outlook.com.x", "x.outlook.co", "x.outlook.com9",
                  "h-1.office365.com.", "-x.outlook.com", "x..outlook.com", "x.outlook.com]x.office365.com")
_QUEUED = ("250 2.6.0 <m@contoso.com> [InternalId=1, Hostname={h}] Queued mail",
           "250 2.6.0 <m@contoso.com> [{h}] Queued mail", "250 2.0.0 OK Hostname={h}[{h}] 12",
           "250 2.0.0 <[{h}]> queued as 5", "250 2.6.0 [InternalId=1] Queued mail")
_REJECTIONS = ("550 5.1.1 <{a}>: Recipient address rejected: User unknown",
               "550 5.1.1 <{a}>: Recipient address rejected ATTR35",
               "451 4.7.1 <{a}> greylisted, error code 450 returned",
               "550 5.7.64 <{a}> TenantAttribution; Relay Access Denied "
               "[AM6PR03CA0001.eurprd03.prod.outlook.com] ATTR35",
               "550-5.1.1 <{a}> first line", "550 5.1.10 <{a}> RESOLVER.ADR.RecipientNotFound",
               "554 5.4.1 <{a}>: Recipient address rejected: Access denied. AS(201806281)")


@st.composite
def _sessions(draw):
    sessions = []
    for i in range(draw(st.integers(2, 40))):
        pick = draw(st.integers(0, 2))  # few choices per field: sessions repeat, so they fold
        s = Sess(f"08DF42081AC6{i:04X}", connector=("Outbound to Office 365", "Internet")[pick % 2])
        s.opening(host=draw(st.sampled_from(_HOSTS)), ip=("203.0.113.25", "198.51.100.77")[pick % 2],
                  single_line=draw(st.booleans()))
        if draw(st.booleans()):
            s.tls(thumb=(THUMB, "F13EA69EB8D27B0D2A8947D5BCC472E6B2724B29")[pick % 2])
        for _ in range(draw(st.integers(0, 2))):
            s.add(">", f"MAIL FROM:<{draw(st.sampled_from(['a', 'b.c']))}@contoso.com> SIZE=10")
            rcpts = draw(st.lists(st.sampled_from(["r@fabrikam.com", "t@contoso.mail.onmicrosoft.com"]),
                                  min_size=1, max_size=2))
            for r in rcpts:
                s.add(">", f"RCPT TO:<{r}>")
            s.add("<", "250 2.1.0 Sender OK")
            for _ in rcpts:
                if draw(st.booleans()):
                    text = draw(st.sampled_from(_REJECTIONS)).format(a=draw(st.sampled_from(_ADDRESSES)))
                    if text.startswith("550-"):
                        s.add("<", text)
                        text = "550 5.1.1 <" + draw(st.sampled_from(_ADDRESSES)) + "> second line"
                    s.add("<", text)
                else:
                    s.add("<", "250 2.1.5 Recipient OK")
            s.add(">", "BDAT 10 LAST").add("<", draw(st.sampled_from(_QUEUED)).format(
                h=draw(st.sampled_from(_BRACKET_HOSTS))))
        sessions.append(s.close())
    return sessions


_LIMITS = st.fixed_dictionaries({
    "MAX_AGGREGATES": st.sampled_from([send.MAX_AGGREGATES, 1, 3]),
    "MAX_SYMPTOMS": st.sampled_from([send.MAX_SYMPTOMS, 1, 2]),
    "MAX_FOLD_PLANS": st.sampled_from([send.MAX_FOLD_PLANS, 1, 4]),
})


@native
@given(sessions=_sessions(), interleave=st.integers(1, 6), seed=st.integers(0, 99), limits=_LIMITS,
       block=st.sampled_from([2048, 4096, 1 << 20]))
def test_sessions_folded_in_c_give_the_facts_of_the_python_path(sessions, interleave, seed, limits, block):
    data = render(sessions, interleave=interleave, seed=seed)
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name, value in limits.items():
            monkeypatch.setattr(send, name, value)
        both(data, monkeypatch, expect_native=None, block_size=block, lookback=block // 2)


def _folded_in_c(monkeypatch) -> list[int]:
    """Sessions the C folds took, per scan (read when the scan's result is made)."""
    counts: list[int] = []
    real = send.Aggregator.result

    def result(self, stats):
        counts.append(self.native_folds.folded if self.native_folds is not None else 0)
        return real(self, stats)

    monkeypatch.setattr(send.Aggregator, "result", result)
    return counts


@native
def test_repeated_sessions_are_folded_in_c_with_first_and_last_provenance(monkeypatch):
    """Sessions that differ only in the partner's host, the rejected address, message ids and times:
    all but the first of each kind are folded in C, with the counts, first/last seen and
    ``last_source`` the Python path gives."""
    sessions = []
    for i in range(60):
        host = ("mx0.partner21.example-21.fr", "mx1.partner9.example-9.net")[i % 2]
        s = Sess(f"08DF42081AD6{i:04X}", connector="Internet").opening(host=host).tls()
        s.add(">", "MAIL FROM:<ana@contoso.com> SIZE=100").add(">", "RCPT TO:<x@fabrikam.com>")
        s.add("<", "250 2.1.0 Sender OK")
        s.add("<", f"550 5.1.1 <p{i}@partner{i}.example-{i}.fr>: Recipient address rejected: User unknown")
        sessions.append(s.close())
    sessions += [relay(f"08DF42081AD7{i:04X}") for i in range(30)]
    folded = _folded_in_c(monkeypatch)
    facts, _, warnings = both(render(sessions, interleave=3), monkeypatch, block_size=4096)
    assert folded and folded[-1] >= 60, folded  # the Python path has no C folds: its count is 0
    by_kind = {f[2]["outcome"]: f for f in facts if f[0] == "smtp_session"}
    rejected, relayed = by_kind["rejected"], by_kind["relayed"]
    assert rejected[2]["sessions"] == 60 and relayed[2]["sessions"] == 30 and not warnings
    assert rejected[2]["first_seen"] < rejected[2]["last_seen"]
    assert rejected[1].line < int(rejected[2]["last_source"].rsplit(":", 1)[1])


@native
def test_folding_in_c_follows_the_logmix_set(tmp_path, monkeypatch):
    _logmix().write_logs(tmp_path, 3, 1, seed=11)
    folded = _folded_in_c(monkeypatch)
    facts, _, _ = both(next(tmp_path.glob("*.LOG")).read_bytes(), monkeypatch, block_size=1 << 16,
                       lookback=1 << 15)
    assert facts and folded[-1] >= 10, folded


@native
@pytest.mark.parametrize("workers_env", ["0", "2"])
def test_the_same_evidence_with_workers_on_and_off(tmp_path, monkeypatch, workers_env):
    _logmix().write_logs(tmp_path, 1.5, 3, seed=5)
    assert min(p.stat().st_size for p in tmp_path.glob("*.LOG")) > sendfilter.MIN_BYTES
    monkeypatch.setenv("RELAYDOCTOR_NO_NATIVE", "1")
    python = load_evidence([str(tmp_path)])
    monkeypatch.setenv("RELAYDOCTOR_NO_NATIVE", "")
    monkeypatch.setenv(workers.WORKERS_ENV, workers_env)
    monkeypatch.setattr(loader, "PARALLEL_MIN_BYTES", 0)
    got = load_evidence([str(tmp_path)])
    assert got.facts and [(f.provenance, f.values()) for f in got.facts] == [
        (f.provenance, f.values()) for f in python.facts]
    assert got.sources == python.sources and got.warnings == python.warnings



def _scan_facts(data: bytes, monkeypatch, *, native_on: bool, min_bytes: int) -> tuple:
    monkeypatch.setenv("RELAYDOCTOR_NO_NATIVE", "" if native_on else "1")
    monkeypatch.setattr(sendfilter, "MIN_BYTES", min_bytes)
    result = send.scan(io.BytesIO(data), "SEND.LOG", block_size=4096, lookback=2048)
    return [(f.KIND, f.provenance, f.values()) for f in result.facts], result.detail, result.warnings


@native
@pytest.mark.parametrize(("command", "first", "final", "between"), [
    ("RCPT TO:<r@fabrikam.com>", "250-{h} says", "550 5.7.1 Rejected by policy", False),
    ("RCPT TO:<r@fabrikam.com>", "220-{h} ESMTP", "554 5.7.1 Rejected by policy", False),
    ("EHLO mail.contoso.com", "250-{h} Hello [203.0.113.25]", "550 5.7.1 Rejected by policy", False),
    ("RCPT TO:<r@fabrikam.com>", "250-{h} says", "451 4.7.0 Try again later", True),  # still one reply
])
@pytest.mark.parametrize("min_bytes", [0, 1 << 30])  # the C block step with its Folds; the Python one
def test_a_rejection_that_holds_a_positive_line_with_a_host_is_not_folded(monkeypatch, command, first, final,
                                                                          between, min_bytes):
    """A 2xx/3xx continuation line whose host the row signature leaves out ("250-mx1.example.com")
    joined into a 4xx/5xx reply (a mixed-code reply) puts that host into the rejection's text, so
    into its symptom: sessions that differ only in it are different symptoms, never one folded as
    the other (each must be replayed, as the pure-Python path does)."""
    hosts = ("mx1.example.com", "mx2.example.com", "relay.other.example.net")
    sessions = []
    for i in range(12):
        s = Sess(f"08DF42081B16{i:04X}", connector="Internet").opening(host="mx.partner.example")
        s.add(">", "MAIL FROM:<a@contoso.com> SIZE=10").add("<", "250 2.1.0 Sender OK")
        s.add(">", command).add("<", first.format(h=hosts[i % 3]))
        if between:
            s.add(">", "NOOP")
        s.add("<", final)
        sessions.append(s.close())
    data = render(sessions, interleave=2)
    got = _scan_facts(data, monkeypatch, native_on=True, min_bytes=min_bytes)
    python = _scan_facts(data, monkeypatch, native_on=False, min_bytes=min_bytes)
    assert got == python
    texts = sorted(values["text"] for kind, _, values in got[0] if kind == "symptom")
    assert len(texts) == 3 and all(any(h in t for t in texts) for h in hosts), texts




@native
@pytest.mark.parametrize("line", [
    "250 2.6.0 <m@c.com> [a-{x}.example.com] Queued mail",  # a bracket host (read as EOP's or not)
    "250 2.0.0 OK Hostname=a-{x}.example.com",
    "250 2.6.0 <a-{x}@c.com> Queued mail",  # <...> (left out of a queued-mail reply's signature)
])
@pytest.mark.parametrize("min_bytes", [0, 1 << 30])
def test_a_masked_starttls_word_in_a_part_signatures_leave_out_is_kept(monkeypatch, line, min_bytes):
    """session.py takes a 250 line with "XXXXXXXA" after a blank or hyphen anywhere in it for a
    firewall-masked EHLO reply line (_hello_line): not the BDAT's reply, so another telling row. Such
    a word inside a bracket host or <...> of a queued-mail reply must stay in its signature: a session
    with "[a-XXXXXXXA.example.com]" is not one with "[a-b.example.com]" (before, it was folded as one,
    and the aggregate's last_source named the wrong line)."""
    sessions = []
    for i in range(6):
        s = Sess(f"08DF42081B36{i:04X}", connector="Internet").opening()
        s.add(">", "MAIL FROM:<a@contoso.com>").add("<", "250 2.1.0 Sender OK")
        s.add(">", "RCPT TO:<r@fabrikam.com>").add("<", "250 2.1.5 Recipient OK")
        s.add(">", "BDAT 10 LAST").add("<", line.format(x="XXXXXXXA" if i % 2 else "b"))
        sessions.append(s.close())
    data = render(sessions)
    got = _scan_facts(data, monkeypatch, native_on=True, min_bytes=min_bytes)
    assert got == _scan_facts(data, monkeypatch, native_on=False, min_bytes=min_bytes)
    (fact,) = [values for kind, _, values in got[0] if kind == "smtp_session"]
    # the last session is a masked one: its BDAT has no reply, so its telling row is its RCPT's reply
    rows = enumerate(data.decode().splitlines(), 1)
    rcpt = max(n for n, text in rows if ",<,250 2.1.5 Recipient OK" in text)
    assert fact["sessions"] == 6 and fact["last_source"] == f"SEND.LOG:{rcpt}"


# Reply lines whose host the signature reduces to "Exchange Online's or not", some joined by session.py
# into the 4xx/5xx line that follows (mixed-code replies), and final lines to end a recipient's reply.
_CONTINUED = ("250-{h} says", "220-{h} ESMTP", "250-{h}", "354-{h} go", "250-[{h}] x")
_FINAL = ("550 5.7.1 Rejected by policy", "451 4.7.0 later", "250 2.0.0 OK [{h}]", "250 {h} OK",
          "550 5.1.1 <{a}> unknown", "554 {h} go away", "250 2.6.0 <m@c.com> [Hostname={h}] Queued")


@st.composite
def _templated(draw):
    """A few session templates, each repeated with only host names and rejected addresses redrawn
    (from a small pool, so that sessions differing only in them are common)."""
    templates = []
    for _ in range(draw(st.integers(1, 3))):
        rcpts = [(draw(st.lists(st.tuples(st.sampled_from(_CONTINUED), st.booleans()), max_size=2)),
                  draw(st.sampled_from(_FINAL))) for _ in range(draw(st.integers(1, 2)))]
        templates.append((draw(st.booleans()), rcpts))
    hosts = draw(st.lists(st.sampled_from(_HOSTS + _BRACKET_HOSTS), min_size=2, max_size=3, unique=True))
    sessions = []
    for i in range(draw(st.integers(2, 20))):
        single, rcpts = templates[draw(st.integers(0, len(templates) - 1))]
        s = Sess(f"08DF42081B26{i:04X}", connector="Internet")
        s.opening(host=draw(st.sampled_from(hosts)), single_line=single)
        s.add(">", "MAIL FROM:<a@contoso.com>").add("<", "250 2.1.0 Sender OK")
        for continued, final in rcpts:
            s.add(">", "RCPT TO:<r@fabrikam.com>")
            for line, noop in continued:
                s.add("<", line.format(h=draw(st.sampled_from(hosts))))
                if noop:
                    s.add(">", "NOOP")
            s.add("<", final.format(h=draw(st.sampled_from(hosts)), a=draw(st.sampled_from(_ADDRESSES[:3]))))
        sessions.append(s.close())
    return sessions


@native
@given(sessions=_templated(), interleave=st.integers(1, 4), seed=st.integers(0, 9))
def test_sessions_differing_in_what_signatures_leave_out_give_the_facts_of_the_python_path(
        sessions, interleave, seed):
    with pytest.MonkeyPatch.context() as monkeypatch:
        both(render(sessions, interleave=interleave, seed=seed), monkeypatch, expect_native=None,
             block_size=4096, lookback=2048)


# -- the Folds type itself ------------------------------------------------------------------------

@native
def test_folds_refuse_what_they_cannot_judge():
    folds = scan._native.Folds(4)
    assert folds.plans == 0 and folds.folded == 0
    assert folds.take() == (0, 0, 0, [])
    # keys that are not (connector, partial, *bytes), and row indexes outside the key: refused
    assert not folds.add(("conn",), True, False, (), ())
    assert not folds.add(["conn", False, b"x"], True, False, (), ())
    assert not folds.add(("conn", False, "x"), True, False, (), ())
    assert not folds.add(("conn", False, b"x"), True, False, ((0, 1, 0, 0, 0, 1, 0),), ())
    assert not folds.add(("conn", False, b"x"), True, False, (), ((0, 5),))
    assert not folds.add(("conn", False, *[b"x"] * 5), True, False, (), ())  # more rows than max_rows
    assert folds.plans == 0
    assert folds.add(("conn", False, b"x"), True, False, (), ())
    # rows that are not lite rows, or not as many as signatures: never folded
    assert not folds.fold("conn", False, [("not", "lite")], [b"x"], 1)
    assert not folds.fold("conn", False, [], [], 0)
    assert not folds.fold("conn", False, [b"x" * 200], [b"x", b"y"], 1)
    with pytest.raises(ValueError):
        folds.start(-1, 3)
    with pytest.raises(ValueError):  # not a Folds
        scan._native.Selector().start(lambda: None, 1, 1, 1, object())


@native
def test_a_session_starting_before_its_aggregate_is_handed_back(monkeypatch):
    """The C folds take a session only when its aggregates exist and started no later, and its
    symptoms are known from no later line -- what Aggregator._apply checks; one that would set an
    earlier example goes to Python (here: sessions finish in reverse order of their start)."""
    sessions = [relay(f"08DF42081AF6{i:04X}", reply="550 5.1.1 <p@x.example>: Recipient address rejected")
                for i in range(12)]
    data = render(sessions, interleave=12, seed=1)
    both(data, monkeypatch, block_size=2048)
    whole = send.scan(io.BytesIO(data), "SEND.LOG", block_size=2048)
    (fact,) = [f for f in whole.facts if f.KIND == "smtp_session"]
    assert fact.sessions == 12



_INTS = st.integers(-3, 6)
_LITE: list[list[bytes]] = []


def _real_lite_rows() -> list[list[bytes]]:
    """Lite rows of real sessions (as the C scan cuts them), recorded once."""
    if not _LITE:
        real = send.Aggregator.fold

        def fold(self, key, rows, lines):
            _LITE.append(list(rows.raw))
            return real(self, key, rows, lines)

        with pytest.MonkeyPatch.context() as monkeypatch:
            monkeypatch.setattr(sendfilter, "MIN_BYTES", 0)
            monkeypatch.setattr(send.Aggregator, "fold", fold)
            monkeypatch.setattr(send.Aggregator, "fold_in_c", lambda self: None)
            send.scan(io.BytesIO(render([relay(f"08DF42081B06{i:04X}") for i in range(3)])), "SEND.LOG")
    return _LITE


@native
@given(sigs=st.lists(st.binary(max_size=40), min_size=1, max_size=5),
       units=st.lists(st.tuples(*[_INTS] * 7), max_size=3),
       symptoms=st.lists(st.tuples(_INTS, _INTS), max_size=3),
       pick=st.integers(0, 2), cut=st.integers(0, 30),
       flip=st.tuples(st.integers(0, 300), st.integers(0, 255)),
       starts=st.lists(st.tuples(_INTS, _INTS), max_size=4), lines=st.integers(-5, 50))
def test_folds_on_arbitrary_plans_and_rows(sigs, units, symptoms, pick, cut, flip, starts, lines):
    """Whatever plan and rows the Folds get (real lite rows, some cut short or with a byte changed),
    they refuse or fold them, and never read out of range."""
    rows = _real_lite_rows()[pick][: len(sigs)]
    if rows and flip[0] < len(rows[0]):
        first = bytearray(rows[0][: len(rows[0]) - cut] if cut else rows[0])
        if flip[0] < len(first):
            first[flip[0]] = flip[1]
        rows = [bytes(first), *rows[1:]]
    folds = scan._native.Folds(5)
    with contextlib.suppress(TypeError, OverflowError):
        folds.add(("c", False, *sigs), True, False, tuple(units), tuple(symptoms))
    for slot, value in starts:
        try:
            folds.start(slot, value)
            folds.symptom(slot, value)
        except ValueError:
            assert slot < 0
    got = folds.fold("c", False, rows, list(sigs[: len(rows)]), lines)
    assert got in (True, False)
    _, relevant, _, slots = folds.take()
    assert relevant <= 1 and all(s[0] >= 0 for s in slots)


@native
def test_folds_add_what_aggregator_apply_adds():
    """One plan by hand: folded only once its aggregate exists and started no later, and its symptom
    is known from no later line; take() hands over the sums once."""
    rows = _real_lite_rows()[0]
    sigs = [b"s%d" % i for i in range(len(rows))]
    line_of = [scan._native.line_time(r)[0] for r in rows]
    last = len(rows) - 1
    folds = scan._native.Folds(len(rows))
    assert folds.add(("c", False, *sigs), True, False, ((0, 1, 2, 1, 0, 1, last),), ((0, last),))
    assert not folds.fold("c", False, rows, sigs, 7)  # no aggregate yet
    folds.start(0, line_of[0] + 1)
    assert not folds.fold("c", False, rows, sigs, 7)  # it would start earlier than the aggregate
    folds.start(0, line_of[0])
    assert not folds.fold("c", False, rows, sigs, 7)  # the symptom is not known
    folds.symptom(0, line_of[last] + 1)
    assert not folds.fold("c", False, rows, sigs, 7)  # known only from a later line
    folds.symptom(0, line_of[last])
    assert not folds.fold("c", True, rows, sigs, 7)  # another key (partial)
    assert folds.fold("c", False, rows, sigs, 7) and folds.fold("c", False, rows, sigs, 3)
    second = send.stamp_to_second(scan._native.line_time(rows[1])[1])
    lines = max(7, len(rows))
    assert folds.take() == (2, 2, 0, [(0, 2, lines + max(3, len(rows)), 4, 2, 0, second, second, line_of[0],
                                        line_of[last])])
    assert folds.take() == (0, 0, 0, []) and folds.folded == 2
