"""The send-log session replay in C (``_replay.c``, issue 11): ``send.Aggregator.replayed`` adds what
replaying the session in Python and ``add`` would (facts, counts, warnings, fold plans), on generated
sessions with every awkward shape; what the C code does not judge it leaves to Python (None); it stays
bounded on hostile rows. The end-to-end differential tests (test_sendlog_native.py) run it too."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from relaydoctor.engine.evidence.smtplog import scan, send
from relaydoctor.engine.evidence.smtplog.session import replay
from test_sendlog_native import _logmix, both, native
from test_sendlog_synthetic import REJECT, THUMB, Sess, render

_R_CMDS = (
    "EHLO EXCH01.corp.contoso.com",
    "HELO x",
    "STARTTLS",
    "X-ANONYMOUSTLS",
    "AUTH LOGIN",
    "RSET",
    "QUIT",
    "NOOP",
    "",
    "MAIL FROM:<a@contoso.com> SIZE=5",
    "MAIL FROM:<>",
    "mail  from:\t< b@Fabrikam.COM. >",
    "MAIL FROM:bare@x.com SIZE=1",
    "MAIL FROM:<unclosed@x",
    "MAIL FROM",
    "MAIL\tFROM:<t@x.com>",
    "RCPT TO:<r@fabrikam.com>",
    "RCPT TO:<t@contoso.mail.onmicrosoft.com.>",
    "rcpt to: u@X.OnMicrosoft.Com",
    "RCPT TO",
    "RCPT TO:<@>",
    "RCPT TO:<a@b@c.onmicrosoft.com>",
    "DATA",
    "BDAT 100 LAST",
    "BDAT 5",
    "bdat 0 last",
    "XEXCH50",
)
_R_REPLIES = (
    "220 AM6EUR05FT047.mail.protection.outlook.com Microsoft ESMTP MAIL Service ready",
    "220 smtp.office365.com ready",
    "220 host365.Office365.com.",
    "220 [mx1.fabrikam.com] ESMTP",
    "220 2.0.0 SMTP server ready",
    "220",
    "250-AM6EUR05FT047.mail.protection.outlook.com Hello [203.0.113.25]",
    "250 mx.fabrikam.com Hello [2001:db8::5]",
    "250-SIZE 157286400",
    "250-STARTTLS",
    "250 starttls",
    "250-XXXXXXXA",
    "250 XXXXXXXA",
    "250-8BITMIME",
    "250 CHUNKING",
    "250-AUTH LOGIN",
    "250 2.1.0 Sender OK",
    "250 2.1.5 Recipient OK",
    "354 Start mail input",
    "250 2.6.0 <id@x> [InternalId=1, Hostname=DB8EUR06.eurprd06.prod.outlook.com] Queued mail for delivery",
    "550 5.7.64 TenantAttribution; Relay Access Denied [AM6PR03CA0001.eurprd03.prod.outlook.com]",
    "550-5.7.1 first line",
    "550 5.7.1 last line",
    "451 4.7.500 Server busy [x.outlook.com.]",
    "454 4.7.0 TLS not available",
    "421 4.3.2 Service not available",
    "530 5.7.57 Client not authenticated",
    "25",
    "2",
    "5",
    "250",
    "221 2.0.0 Bye",
    "235 2.7.0 Authentication successful",
    "334 VXNlcm5hbWU6",
    "250 [mx.example.org] ok",
    "250 Hostname=a-b.c9.outlook.COM x",
    "452 [1.2.3.4] full [a.b.c.de]",
)
_R_INFO = (
    ("", "Sending certificate"),
    ("CN=relay.contoso.com, O=Contoso", "Certificate subject"),
    ('  CN=Tailspin CA, O="Tailspin, Inc."  ', "Certificate issuer name"),
    ("0a1b", "Certificate serial number"),
    (THUMB.lower(), "Certificate thumbprint"),
    ("relay.contoso.com;mail.contoso.com  Relay.Contoso.com", "Certificate alternate names"),
    ("", "Received certificate"),
    ("Received certificate", ""),
    ("", " certificate SUBJECT "),
    ("", "TLS protocol SP_PROT_TLS1_2_CLIENT negotiation succeeded using bulk encryption"),
    ("", "TLS protocol sp_prot_ssl3 negotiation succeeded"),
    ("TLS 1.2", "negotiation succeeded"),
    ("", "negotiation succeeded with TLS1_3 and more"),
    ("", "TLS negotiation failed with error UnknownCredentials"),
    ("tls NEGOTIATION FAILED with error", ""),
    ("SSL negotiation failed", ""),
    ("", "attempting to connect"),
    ("12,sending message with RecordId 1", ""),
    ("", "Sending certificate Certificate subject x"),
    ("", "Schannel said no"),
    ("", "thumbprint mismatch"),
    ("", "TLSv1 nothing"),
    ("", "local"),
    ("Sending Certificate", ""),
    ("", "Certificate Thumbprint"),
)
_R_PAD = st.sampled_from(["", " ", "\t", "\x1c", "\x0b", "  "])


@st.composite
def _replay_row(draw):
    kind = draw(st.integers(0, 9))
    if kind < 3:
        ev, data, context = ">", draw(st.sampled_from(_R_CMDS)), ""
        data = draw(st.sampled_from([data, data.upper(), data.lower()]))
    elif kind < 7:
        ev, data, context = "<", draw(st.sampled_from(_R_REPLIES)), ""
    elif kind < 9:
        ev, (data, context) = "*", draw(st.sampled_from(_R_INFO))
    else:
        ev = draw(st.sampled_from(["*", ">", "<", "-", "+", "", "x"]))
        data = draw(st.text(st.characters(min_codepoint=0, max_codepoint=127), max_size=30))
        context = draw(st.sampled_from(["", "local", "TLS", "x"]))
    return ev, draw(_R_PAD) + data + draw(_R_PAD), context


def _dialogue(draw) -> list[tuple[str, str, str]]:
    pick = lambda options: draw(st.sampled_from(options))  # noqa: E731
    rows = [
        ("<", pick(_R_REPLIES[:6]), ""),
        (">", "EHLO relay.contoso.com", ""),
        ("<", pick(_R_REPLIES[6:8]), ""),
        ("<", pick(["250-STARTTLS", "250-XXXXXXXA", "250-SIZE 1"]), ""),
    ]
    if draw(st.booleans()):
        rows += [
            (">", "STARTTLS", ""),
            ("<", pick(["220 2.0.0 SMTP server ready", "454 4.7.0 TLS not available"]), ""),
            ("*", "", "Sending certificate"),
            ("*", "CN=relay.contoso.com", "Certificate subject"),
            ("*", pick([THUMB, "ab" * 20, ""]), "Certificate thumbprint"),
            (
                "*",
                "",
                pick([_R_INFO[9][1], _R_INFO[13][1], "TLS protocol SP_PROT_TLS1_3 negotiation succeeded"]),
            ),
        ]
    for _ in range(draw(st.integers(0, 3))):
        rows.append((">", pick(_R_CMDS[9:16]), ""))
        rcpts = draw(st.lists(st.sampled_from(_R_CMDS[16:22]), min_size=0, max_size=3))
        rows += [(">", r, "") for r in rcpts]
        rows.append(
            ("<", pick(["250 2.1.0 Sender OK", "550 5.7.64 TenantAttribution; Relay Access Denied"]), "")
        )
        rows += [
            ("<", pick(["250 2.1.5 Recipient OK", _R_REPLIES[20], "452 4.5.3 Too many", "250 ok"]), "")
            for _ in rcpts
        ]
        rows += [(">", pick(["DATA", "BDAT 9 LAST", "BDAT 9", "RSET"]), "")]
        rows += [("<", pick(["354 go", "250 2.6.0 queued", "550 5.7.1 no", "451 later"]), "")]
        if rows[-1][1].startswith("354"):
            rows.append(("<", pick(["250 2.6.0 queued [x.prod.outlook.com]", "554 5.6.0 bad"]), ""))
    return [*rows, (">", "QUIT", ""), ("<", "221 2.0.0 Bye", ""), ("-", "", "Local")]


@st.composite
def _replay_sessions(draw):
    """Sessions as scan.py hands them over: rows in sequence order, with line numbers that need
    not grow from one session to the next (sessions finish in any order)."""
    out = []
    for i in range(draw(st.integers(1, 6))):
        partial = draw(st.booleans())
        line = draw(st.integers(1, 400))
        rows = []
        drawn = draw(st.lists(_replay_row(), min_size=1, max_size=25))
        if draw(st.booleans()):  # a dialogue in the usual order, with the drawn rows mixed in
            drawn = [*_dialogue(draw), *drawn[: draw(st.integers(0, 3))]]
            drawn = draw(st.permutations(drawn)) if draw(st.integers(0, 4)) == 0 else drawn
        for seq, (ev, data, context) in enumerate(drawn):
            remote = (
                draw(
                    st.sampled_from(["52.101.68.24:25", "[2001:db8::1]:25", "", " ", "[]:25", ":25", "a:b:c"])
                )
                if seq < 2
                else ""
            )
            time = draw(st.sampled_from(["2026-11-20T07:58:11.412Z", "2026-11-21T00:00:00.000Z", "", "junk"]))
            conn = ("Outbound to Office 365", "Internet")[i % 2]
            rows.append(
                scan.Row(
                    seq + partial * 3,
                    line + seq,
                    time,
                    conn,
                    remote,
                    ev,
                    data,
                    context,
                    f"{time},{conn},{data}",
                )
            )
        out.append((rows, partial))
    return out


def _state(agg: send.Aggregator) -> tuple:
    facts = [(f.KIND, f.provenance, f.values()) for f in agg.facts()]
    return (
        facts,
        agg.eop,
        agg.relevant,
        agg.partial,
        agg.dropped,
        agg.dropped_symptoms,
        [r.line for r in agg.unparsed],
        agg.more_unparsed,
        agg.plans,
    )


@native
@given(sessions=_replay_sessions(), fold_too=st.booleans())
def test_the_c_replay_adds_what_the_python_replay_adds(sessions, fold_too):
    """Session by session: replayed in Python and added (with the plan ``learn`` makes), or given to
    ``replayed`` (C record, plan from it): the same facts, counts, warnings and plans. A session the
    C code leaves alone (None) goes the Python way there too. With ``fold_too`` a session repeats
    under the same signature, so the plans made from C records are folded by as well."""
    python, c = send.Aggregator("SEND.LOG"), send.Aggregator("SEND.LOG")
    for i, (rows, partial) in enumerate(sessions * (2 if fold_too else 1)):
        key = ("conn", partial, f"sig{i % len(sessions)}".encode())
        lines = len(rows) + 2
        for agg, use_c in ((python, False), (c, True)):
            if agg.fold(key, rows, lines) or (use_c and agg.replayed(key, rows, partial, lines)):
                continue
            session = replay("S", rows, partial=partial)
            session.rows = lines
            agg.add(session)
            agg.learn(key, session, rows)
    assert _state(c) == _state(python)


@native
def test_the_c_replay_judges_common_sessions_and_leaves_odd_ones():
    rows = [
        scan.Row(
            k,
            k + 1,
            "2026-11-20T07:58:11.412Z",
            "C",
            "52.101.68.24:25" if k == 0 else "",
            ev,
            data,
            ctx,
            data,
        )
        for k, (ev, data, ctx) in enumerate(
            [
                ("<", "220 a.mail.protection.outlook.com ready", ""),
                (">", "EHLO x", ""),
                ("<", "250 a Hello [203.0.113.25]", ""),
                (">", "MAIL FROM:<a@contoso.com>", ""),
                (">", "RCPT TO:<r@fabrikam.com>", ""),
                ("<", "250 2.1.0 Sender OK", ""),
                ("<", REJECT, ""),
                ("-", "", ""),
            ]
        )
    ]
    record = scan._native.replay(rows, False)
    assert record is not None and record[0] is True and record[1] == "not_attempted"
    assert record[6] == ((("a@contoso.com", False, "rejected", 0, 0, 0, 1, 3, 6)),)
    assert record[7] == ((REJECT, REJECT[:3], 6, "r@fabrikam.com"),)
    odd = [  # what the C code leaves to the Python replay: it returns None
        [*rows[:2], rows[2]._replace(data="250 é Hello [1.2.3.4]")],  # not ASCII
        [rows[1], rows[0]],  # not in sequence order
        [
            *rows[:1],
            rows[1]._replace(event="*", data="x", context="Sending certificate Certificate subject a"),
        ],
        [*rows[:1], rows[1]._replace(event="*", data="TLS", context="something else")],  # a record not read
        [tuple(rows[0])[:8]],  # not a Row
        [],
    ]
    for bad in odd:
        assert scan._native.replay(bad, False) is None
    with pytest.raises(TypeError):
        scan._native.replay(tuple(rows), False)
    with pytest.raises(TypeError):
        scan._native.replay(rows)


@native
def test_the_c_replay_stays_bounded_on_hostile_rows():
    """Huge fields, NULs, thousands of continuation lines or commands without replies: a record in
    time linear in the input, no crash."""
    big = "550-" + "\x00x[" * 350_000  # a ~1 MB reply line with NULs and brackets
    rows = [scan.Row(0, 1, "", "C", "[" * 1000, "<", "220 " + "a." * 100_000 + "outlook.com", "", "")]
    rows += [scan.Row(k, k + 1, "", "C", "", "<", big, "", "") for k in range(1, 4)]
    rows += [scan.Row(4, 5, "", "C", "", "<", "550 end", "", "")]
    rows += [
        scan.Row(5 + k, 6 + k, "", "C", "", ">", "RCPT TO:<" + "@" * 5000 + ">", "", "") for k in range(3000)
    ]
    rows += [scan.Row(4000, 4001, "", "C", "", "*", "Hello" * 50_000, "certificat" * 10, "")]
    record = scan._native.replay(rows, False)
    assert record is None  # the last row is a certificate record in a layout not read
    record = scan._native.replay(rows[:-1], False)
    assert record is not None and record[0] is True and len(record[7]) == 1
    assert len(record[7][0][0]) > 3_000_000 - 10  # the joined reply, every line
    assert len(record[6]) == 1 and record[6][0][2] == "no_mail"


@native
def test_logmix_sessions_are_replayed_in_c_never_in_python(tmp_path, monkeypatch):
    """The speed of the native path rests on this: on a realistic log every followed session is
    folded or replayed in C (a change the C replay does not know would send them all back to
    the slow Python replay without changing a fact)."""
    _logmix().write_logs(tmp_path, 3, 1, seed=6)
    monkeypatch.setenv("RELAYDOCTOR_NO_NATIVE", "")
    calls = []
    real = scan.replay

    def spy(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(scan, "replay", spy)
    path = next(tmp_path.glob("*.LOG"))
    with path.open("rb") as stream:
        result = send.scan(stream, path.name)
    assert result.facts and "relevant" in result.detail
    assert calls == []


@native
@given(sessions=_replay_sessions(), interleave=st.integers(1, 4), opened=st.booleans(), twice=st.booleans())
def test_awkward_sessions_in_a_log_give_the_python_facts_via_lite_rows(sessions, interleave, opened, twice):
    """The same awkward sessions written as a log (quoted data, odd bytes, rows out of the usual
    order): the native scan keeps the rows the C row cutter makes as lite rows (one bytes object
    each) and folds or replays them in C, making Rows only for the rows a fact names; its facts,
    details and warnings are the pure-Python scan's. ``twice``: every session again under a new id,
    so sessions fold by the plans of lite-row sessions."""
    opening = [("*", "", "attempting to connect"), ("+", "", "")] if opened else []
    logged = [
        Sess(f"08DF42081AB5{i:04X}", remote=rows[0].remote, connector=rows[0].connector,
             rows=[*opening, *((r.event, r.data, r.context) for r in rows)])
        for i, (rows, _partial) in enumerate(sessions * (2 if twice else 1))
    ]
    with pytest.MonkeyPatch.context() as monkeypatch:
        both(render(logged, interleave=interleave), monkeypatch, expect_native=None)


@native
def test_lite_rows_are_read_like_rows_and_checked():
    """``row`` makes of a lite row the Row the 4-argument ``rows`` makes of the same line; the C
    replay reads a lite row as that Row; anything else given as a lite row is refused."""
    sess = (Sess("08DF42081AB50001").add("<", "220 a.mail.protection.outlook.com ready")
            .add(">", "EHLO x").add("<", '250-a Hello [203.0.113.25], "quoted"', 'ctx,"q"')
            .add(">", "MAIL FROM:<a@contoso.com>").add(">", "RCPT TO:<r@fabrikam.com>")
            .add("<", "250 2.1.0 Sender OK").add("<", REJECT).add("-", "", "Local"))
    buf = render([sess], header=False)
    walked = scan._Open([], partial=False)
    found: list = []
    scan._walk(buf, sess.sid, 0, walked, found, None)
    assert len(found) >= 6  # the lines the replay needs
    made = []
    for lite in (False, True):
        item = scan._Open([], partial=False)
        left, _ = scan._native.rows(buf, [(*f[:5], item) for f in found], 1, scan.Row, lite)
        assert left == []
        made.append(item)
    tuples, lites = made[0].rows, made[1].rows
    assert all(type(r) is bytes for r in lites) and made[0].sigs == made[1].sigs
    assert [scan._native.row(r, made[1].conn, scan.Row) for r in lites] == tuples
    i = next(k for k, r in enumerate(tuples) if r.event == "<" and "Hello" in r.data)  # quoted in the log
    assert tuples[i].data == '250-a Hello [203.0.113.25], "quoted"' and tuples[i].context == 'ctx,"q"'
    assert scan.LiteRows(lites, made[1].conn)[i] == tuples[i] and tuples[0].remote == "52.101.68.24:25"
    view = scan.LiteRows(lites, made[1].conn)
    for k, row in enumerate(tuples):  # what a fold reads, without a Row made
        assert (scan.row_line(view, k), scan.row_time(view, k)) == (row.line, row.time)
        assert (scan.row_line(tuples, k), scan.row_time(tuples, k)) == (row.line, row.time)
    assert scan.rows_connector(view) == scan.rows_connector(tuples) == "Outbound to Office 365"
    assert scan._native.replay(lites, False) == scan._native.replay(tuples, False) is not None
    assert scan._native.ordered(lites) and not scan._native.ordered([lites[1], lites[0]])
    assert not scan._native.ordered([*lites[:2], tuples[2]])  # a Row among them
    assert scan._native.replay([lites[1], lites[0]], False) is None  # out of order: the Python replay's
    for bad in (lites[0][:20], lites[0][:-5], b"\xff" * 200, bytes(len(lites[0]))):
        assert scan._native.replay([bad], False) is None
        assert not scan._native.ordered([bad])
        with pytest.raises(ValueError):
            scan._native.row(bad, "C", scan.Row)
        with pytest.raises(ValueError):
            scan._native.line_time(bad)
