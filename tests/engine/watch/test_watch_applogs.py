"""``watch`` on application logs (PHPMailer's SMTPDebug dialogue, MailKit, Laravel) with a writer thread
appending and rotating: new refusals get the diagnose verdict, an accepted message proves the fix
only after a refusal from the same smart host in the same file, and a log without one never says
``fixed``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from relaydoctor.engine.api import watch as run_watch
from relaydoctor.engine.errors import InputError
from relaydoctor.engine.watch import split_paths
from relaydoctor.engine.watch.applines import AppLogLines, stamp_of
from relaydoctor.engine.watch.lines import kind_of
from test_watch_relaylogs import T0, watch, write

EOP = "contoso-com.mail.protection.outlook.com"
SUBMISSION = "smtp.office365.com"


def phpmailer(at: dt.datetime, *, host: str = EOP, port: int = 25, sender: str = "noreply@contoso.com",
              outcome: str = "550 5.7.64", accepted: bool = False) -> list[str]:
    """One PHPMailer send (SMTPDebug 2, its gmdate prefix): refused at RCPT, or accepted after DATA."""
    t = at.strftime("%Y-%m-%d %H:%M:%S")
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S")
    bracket = f"[AM0PR04CA0003.eurprd04.prod.outlook.com {stamp}.552Z 08DE0A1B2C3D4E5F]"
    lines = [
        f"{t} Connection: opening to {host}:{port}, timeout=300, options=array()",
        f"{t} Connection: opened",
        f"{t} SERVER -> CLIENT: 220 AM0PR04CA0003.outlook.office365.com Microsoft ESMTP MAIL Service ready",
        f"{t} CLIENT -> SERVER: EHLO intranet.contoso.com",
        f"{t} SERVER -> CLIENT: 250-AM0PR04CA0003.outlook.office365.com Hello [198.51.100.23]",
        f"{t} SERVER -> CLIENT: 250 STARTTLS",
        f"{t} CLIENT -> SERVER: STARTTLS",
        f"{t} SERVER -> CLIENT: 220 2.0.0 SMTP server ready",
        f"{t} CLIENT -> SERVER: MAIL FROM:<{sender}>",
    ]
    if outcome.startswith("530"):  # client submission without AUTH: refused at MAIL FROM
        reply = f"530 5.7.57 Client not authenticated to send mail. {bracket}"
        lines += [f"{t} SERVER -> CLIENT: {reply}", f"{t} SMTP ERROR: MAIL FROM command failed: {reply}"]
        return [x + "\n" for x in (*lines, f"{t} CLIENT -> SERVER: QUIT")]
    lines += [
        f"{t} SERVER -> CLIENT: 250 2.1.0 Sender OK",
        f"{t} CLIENT -> SERVER: RCPT TO:<partner@fabrikam.com>",
    ]
    if not accepted:
        reply = f"550 5.7.64 TenantAttribution; Relay Access Denied {bracket}"
        lines += [f"{t} SERVER -> CLIENT: {reply}", f"{t} SMTP ERROR: RCPT TO command failed: {reply}"]
    else:
        lines += [
            f"{t} SERVER -> CLIENT: 250 2.1.5 Recipient OK",
            f"{t} CLIENT -> SERVER: DATA",
            f"{t} SERVER -> CLIENT: 354 Start mail input; end with <CRLF>.<CRLF>",
            f"{t} CLIENT -> SERVER: Subject: 250 reasons to relay",
            f"{t} CLIENT -> SERVER: .",
            f"{t} SERVER -> CLIENT: 250 2.6.0 <a1@contoso.com> [InternalId=1] Queued mail for delivery",
        ]
    return [x + "\n" for x in (*lines, f"{t} CLIENT -> SERVER: QUIT")]


def line_of(lines: list[str], needle: str, before: int = 0) -> int:
    """1-based line number of the first line with ``needle`` (after ``before`` lines already written)."""
    return before + next(i for i, x in enumerate(lines, 1) if needle in x)


def test_new_refusal_gets_the_diagnose_verdict_and_its_line(logs: Path):
    log = logs / "app.log"
    first = phpmailer(T0 + dt.timedelta(minutes=1), host=SUBMISSION, port=587, outcome="530")
    write(log, first, "w")
    later = phpmailer(T0 + dt.timedelta(minutes=3), host=SUBMISSION, port=587, outcome="530")

    def writer() -> None:
        time.sleep(0.3)
        write(log, later)

    code, out = watch([logs], writer, since=None, until_fixed=False, timeout=2)
    assert code == 0, out
    assert "following " in out and "from its end" in out
    refused = line_of(later, "SERVER -> CLIENT: 530", before=len(first))
    assert f"rejected at 10:33:00, app.log:{refused}: 530 5.7.57 Client not authenticated" in out
    assert "[smart host smtp.office365.com]" in out
    assert "  sender: MAIL FROM @contoso.com to smart host smtp.office365.com in the app log app.log" in out
    # diagnose's verdict on the fixture with this dialogue (tests/fixtures/relays/phpmailer-debug.log)
    assert "  verdict: smtp-client-submission-used (likely): " in out
    assert out.count("  verdict: ") == 1  # PHPMailer's "SMTP ERROR: … failed: <same reply>" is one refusal
    assert "10:31" not in out  # the history before the watch started was not reported
    assert "fixed" not in out


def test_accept_after_a_refusal_from_the_same_smart_host_proves_the_fix(logs: Path):
    log = logs / "app.log"
    refused = phpmailer(T0 + dt.timedelta(minutes=1))
    write(log, refused, "w")
    accepted = phpmailer(T0 + dt.timedelta(minutes=9), accepted=True)

    def writer() -> None:
        time.sleep(0.3)
        write(log, accepted)

    code, out = watch([log], writer, since=T0)
    assert code == 0, out
    at = line_of(accepted, "Queued mail for delivery", before=len(refused))
    rej = line_of(refused, "SERVER -> CLIENT: 550")
    assert f"rejected at 10:31:00, app.log:{rej}: 550 5.7.64 TenantAttribution" in out
    assert out.splitlines()[-1] == (
        f"fixed: first accepted session at 10:39:00, app.log:{at}; MAIL FROM @contoso.com to smart host "
        f"{EOP} in the app log app.log (rejected at 10:31:00, app.log:{rej})"
    )


def test_rotation_then_the_accept_in_the_new_file(logs: Path):
    log = logs / "app.log"
    write(log, phpmailer(T0 + dt.timedelta(minutes=1)), "w")
    rotated = phpmailer(T0 + dt.timedelta(minutes=3))
    accepted = phpmailer(T0 + dt.timedelta(minutes=8), accepted=True)

    def writer() -> None:
        time.sleep(0.3)
        os.rename(log, logs / "app.log.1")  # logrotate: rename, a new file at the old name
        write(log, rotated, "w")
        time.sleep(0.3)
        write(log, accepted)

    code, out = watch([logs], writer, since=T0)
    assert code == 0, out
    assert "truncated, rotated or replaced" in out
    rej = line_of(rotated, "SERVER -> CLIENT: 550")
    at = line_of(accepted, "Queued mail", before=len(rotated))
    assert out.splitlines()[-1].startswith(f"fixed: first accepted session at 10:38:00, app.log:{at}; ")
    assert out.splitlines()[-1].endswith(f"(rejected at 10:33:00, app.log:{rej})")


def test_a_log_with_refusals_and_no_accept_never_claims_fixed(logs: Path):
    log = logs / "app.log"
    write(log, phpmailer(T0 + dt.timedelta(minutes=1)), "w")

    def writer() -> None:
        for n in range(3):  # EHLO, MAIL FROM and RCPT replies are 250s: none is an accepted message
            time.sleep(0.1)
            write(log, phpmailer(T0 + dt.timedelta(minutes=2 + n)))

    code, out = watch([log], writer, since=T0, timeout=2)
    assert code == 1, out
    assert "fixed" not in out
    assert out.splitlines()[-1].startswith(
        "timeout: no accepted session for an external recipient within 2 s from the failing sender(s): "
        "MAIL FROM @contoso.com to smart host "
    )


def test_an_accept_that_cannot_be_attributed_proves_nothing(logs: Path):
    """The 5.7.57 fix is another smart host: its accept is not from the host that refused, and an
    accept with no refusal before it proves nothing either (never 'fixed, nothing to compare with')."""
    moved = logs / "app.log"
    write(moved, phpmailer(T0 + dt.timedelta(minutes=1), host=SUBMISSION, port=587, outcome="530"), "w")
    quiet = logs / "other" / "mailer.log"
    quiet.parent.mkdir()
    write(quiet, phpmailer(T0 + dt.timedelta(minutes=1), accepted=True), "w")

    def writer() -> None:
        time.sleep(0.3)
        write(moved, phpmailer(T0 + dt.timedelta(minutes=5), accepted=True))
        write(quiet, phpmailer(T0 + dt.timedelta(minutes=6), accepted=True))

    code, out = watch([moved, quiet], writer, since=T0, timeout=2)
    assert code == 1, out
    assert "fixed" not in out
    assert (f"a message the app sent, but the refusals before it in this file were from smart host "
            f"smtp.office365.com, not from smart host {EOP}: the fix cannot be proven from this log") in out
    assert "mailer.log:" in out and "no refusal from smart host" in out


def test_a_new_file_in_a_folder_is_recognised_once_it_shows_smtp(logs: Path):
    """An app log created after the watch started is sniffed on its content and read from its start."""
    log = logs / "app.log"

    def writer() -> None:
        time.sleep(0.5)
        write(log, ["2026-11-24 10:29:00 app started\n"], "w")  # not an app log yet: no SMTP in it
        time.sleep(0.5)
        write(log, phpmailer(T0 + dt.timedelta(minutes=2)))

    thread = threading.Thread(target=writer, daemon=True)  # no follower says "following" before it
    thread.start()
    out = io.StringIO()
    code = run_watch([str(logs)], since=None, until_fixed=False, timeout=3, interval=0.05, out=out)
    thread.join(timeout=5)
    out = out.getvalue()
    assert code == 0, out
    assert f"following {log}\n" in out  # from its start: all of it is news
    assert "rejected at 10:32:00, app.log:" in out and "  verdict: " in out


def test_an_empty_named_file_is_not_followed(tmp_path: Path):
    empty = tmp_path / "app.log"
    empty.write_text("")
    assert split_paths([str(empty)]) == ([], [str(empty)])
    write(empty, phpmailer(T0), "w")
    assert split_paths([str(empty)]) == ([(str(empty), "app_log")], [])
    with pytest.raises(InputError, match="application log"):
        run_watch([str(tmp_path / "none.log")], since=None, until_fixed=False, timeout=0, interval=0.05,
                  out=io.StringIO())


def test_fixture_shapes_are_app_logs_and_their_refusals_found():
    fixtures = Path(__file__).parents[2] / "fixtures" / "relays"
    found = {}
    for name in ("phpmailer-debug.log", "mailkit-protocol.log", "laravel.log"):
        assert kind_of(str(fixtures / name)) == "app_log"
        reader = AppLogLines()
        with open(fixtures / name, encoding="utf-8") as f:
            got = [d for n, t in enumerate(f, 1) if (d := reader.feed(n, t.rstrip("\n")))]
        found[name] = [(d.line, d.status, d.host, d.accepted) for d in got]
    assert found == {
        "phpmailer-debug.log": [(16, "5.7.57", SUBMISSION, False)],
        "mailkit-protocol.log": [(17, "5.7.64", EOP, False)],
        "laravel.log": [(2, "5.7.64", "", False)],
    }


def test_reader_accepts_only_a_message_and_joins_multi_line_replies():
    reader = AppLogLines()
    lines = [
        "Connected to smtp://contoso-com.mail.protection.outlook.com:25/?starttls=when-available",
        "S: 250 2.1.5 Recipient OK",  # a RCPT's 250 is not a message accepted
        "S: 550-5.7.64 TenantAttribution; Relay Access Denied",
        "S: 550 5.7.64 [DB5EUR03FT043.eop-EUR03.prod.protection.outlook.com]",
        "S: 354 Start mail input",
        "C: 250 is in the message text",
        "S: 250 2.6.0 Queued mail for delivery",
        "Message sent: 250 2.0.0 OK queued as 4711",
    ]
    got = [d for n, t in enumerate(lines, 1) if (d := reader.feed(n, t))]
    assert [(d.line, d.accepted, d.unproven) for d in got] == [(4, False, ""), (7, True, ""), (8, True, "")]
    assert "TenantAttribution" in got[0].reply and lines[0] in got[0].context and lines[2] in got[0].context


def test_priming_never_counts_an_old_refusal():
    reader = AppLogLines()
    reader.prime(list(enumerate((x.rstrip("\n") for x in phpmailer(T0)), 1)))
    assert reader.host == EOP
    d = reader.feed(100, "2026-11-24 10:40:00 Message sent: 250 2.0.0 OK")
    assert d is not None and d.accepted and d.unproven.startswith("no refusal from smart host")


def test_stamps():
    assert stamp_of("2026-11-24 10:31:00 x") == dt.datetime(2026, 11, 24, 10, 31, tzinfo=dt.UTC)
    assert stamp_of("[2026-11-24T11:31:00.123+01:00] local.ERROR") == dt.datetime(2026, 11, 24, 10, 31,
                                                                                   tzinfo=dt.UTC)
    assert stamp_of("S: 250 OK") is None


def test_rules_run_once_per_distinct_reply_not_per_line(logs: Path):
    from relaydoctor.engine.api import diagnose_evidence, load_packs
    from relaydoctor.engine.watch import run_watch as follow

    packs = load_packs((), cached=True)
    runs: list[int] = []

    def diagnose(evidence, at):  # type: ignore[no-untyped-def]
        runs.append(1)
        return diagnose_evidence(evidence, packs=packs, now=at)

    log = logs / "app.log"
    write(log, phpmailer(T0), "w")
    lines: list[str] = []
    for n in range(5):  # five refusals of one kind (each with its own bracket), then another kind
        lines += phpmailer(T0 + dt.timedelta(minutes=1, seconds=n))
    lines += phpmailer(T0 + dt.timedelta(minutes=1, seconds=30), host=SUBMISSION, port=587, outcome="530")

    def writer() -> None:
        time.sleep(0.5)
        write(log, lines)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    out = io.StringIO()
    code = follow([str(log)], since=None, until_fixed=False, timeout=3, interval=0.05, out=out,
                  diagnose=diagnose)
    thread.join(timeout=5)
    text = out.getvalue()
    assert code == 0, text
    assert len(runs) == 2 and text.count("  verdict: ") == 2, text
    assert "2026-11-24 10:31 messages an app sent: 6, accepted 0, rejected 5.7.57 ×1, 5.7.64 ×5" in text


def test_copytruncate_reads_the_new_content_from_line_one(logs: Path):
    log = logs / "app.log"
    old = phpmailer(T0 + dt.timedelta(minutes=1)) * 3
    write(log, old, "w")
    refused = phpmailer(T0 + dt.timedelta(minutes=4))
    accepted = phpmailer(T0 + dt.timedelta(minutes=7), accepted=True)

    def writer() -> None:
        time.sleep(0.3)
        with open(log, "r+") as f:  # logrotate copytruncate
            f.truncate(0)
        write(log, refused)
        time.sleep(0.3)
        write(log, accepted)

    code, out = watch([log], writer, since=None)
    assert code == 0, out
    rej, at = line_of(refused, "SERVER -> CLIENT: 550"), line_of(accepted, "Queued", before=len(refused))
    assert f"rejected at 10:34:00, app.log:{rej}: 550 5.7.64" in out
    assert out.splitlines()[-1].startswith(f"fixed: first accepted session at 10:37:00, app.log:{at}; ")
    assert "10:31" not in out


# smtplib's debug output (set_debuglevel(1)) from the connection to the DATA's 354
SMTPLIB_TO_354 = [
    "connect: ('contoso-com.mail.protection.outlook.com', 25)",
    "send: 'mail FROM:<alerts@contoso.com>\\r\\n'",
    "reply: b'250 2.1.0 Sender OK\\r\\n'",
    "send: 'rcpt TO:<partner@fabrikam.com>\\r\\n'",
    "reply: b'250 2.1.5 Recipient OK\\r\\n'",
    "send: 'data\\r\\n'",
    "reply: b'354 Start mail input; end with <CRLF>.<CRLF>\\r\\n'",
]


def test_smtplib_debug_dialogue_and_words_that_deny_a_send():
    reader = AppLogLines()
    lines = [
        "send: 'ehlo app01.contoso.local\\r\\n'",
        *SMTPLIB_TO_354,
        "reply: b'250 2.6.0 <1@contoso.com> [InternalId=1] Queued mail for delivery\\r\\n'",
        "data: (250, b'2.6.0 <1@contoso.com> [InternalId=1] Queued mail for delivery')",
        "Message could not be sent after 250 2.1.5 Recipient OK",  # a 2xx on a line that denies a send
    ]
    got = [d for n, t in enumerate(lines, 1) if (d := reader.feed(n, t))]
    assert [(d.line, d.accepted, d.host, d.mail_from) for d in got] == [(9, True, EOP, "contoso.com")]


def test_a_copytruncated_app_log_reopened_while_empty_is_still_read_as_an_app_log(logs: Path):
    """The race behind a flaky copytruncate run, driven step by step: the follower notices the
    truncation and opens the file again while it is still empty (the writer has not appended yet).
    An empty file is no kind of log to the sniffers, so the re-opened file must keep the kind it was
    followed as; read as a mail log, its new refusal and accept were never reported."""
    import queue

    from relaydoctor.engine.watch.follow import Notice
    from relaydoctor.engine.watch.lines import DeliveryEvent, LineFollower

    log = logs / "app.log"
    write(log, phpmailer(T0 + dt.timedelta(minutes=1)) * 3, "w")
    events: queue.Queue = queue.Queue()
    stop = threading.Event()
    follower = LineFollower(str(log), events, kind="app_log", interval=0.01, stop=stop,
                            from_start=lambda p: False)

    def notice(text: str) -> None:  # wait for the follower to say this (whatever else it says)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                event = events.get(timeout=0.1)
            except queue.Empty:
                continue
            assert not isinstance(event, DeliveryEvent), event
            if isinstance(event, Notice) and event.text == text:
                return
        pytest.fail(f"the follower never said {text!r}")

    follower.start()
    try:
        notice(f"following {log} from its end")
        with open(log, "r+") as f:  # logrotate copytruncate: truncated now, the app appends later
            f.truncate(0)
        notice(f"{log}: truncated, rotated or replaced; reading it again from the start")
        notice(f"following {log}")  # opened again, the file still empty
        refused = phpmailer(T0 + dt.timedelta(minutes=4))
        accepted = phpmailer(T0 + dt.timedelta(minutes=7), accepted=True)
        write(log, refused + accepted)
        got: list[DeliveryEvent] = []
        deadline = time.monotonic() + 10
        while len(got) < 2 and time.monotonic() < deadline:
            try:
                event = events.get(timeout=0.1)
            except queue.Empty:
                continue
            if isinstance(event, DeliveryEvent):
                got.append(event)
    finally:
        stop.set()
        follower.join(timeout=5)
    assert [(e.kind, e.delivery.line, e.delivery.accepted, e.delivery.unproven) for e in got] == [
        ("app_log", line_of(refused, "SERVER -> CLIENT: 550"), False, ""),
        ("app_log", line_of(accepted, "Queued", before=len(refused)), True, ""),
    ]


def _across_truncation(log: Path, old: list[str], new: list[str], *, before: int, after: int) -> list:
    """Follow ``log`` from its start with ``old`` in it until ``before`` deliveries came from it, truncate
    it (copytruncate), wait until the follower has opened it again (still empty), then write ``new`` and
    collect ``after`` deliveries, or whatever came within 10 s. Step by step (no timing race): ``old``
    is written before the follower starts, so one read holds all of it and the file's last lines are
    fed before the truncation can be noticed."""
    import queue

    from relaydoctor.engine.watch.follow import Notice
    from relaydoctor.engine.watch.lines import DeliveryEvent, LineFollower

    write(log, old, "w")
    events: queue.Queue = queue.Queue()
    stop = threading.Event()
    follower = LineFollower(str(log), events, kind="app_log", interval=0.01, stop=stop,
                            from_start=lambda p: True)

    def until(done, got: list) -> None:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + 10
        while not done() and time.monotonic() < deadline:
            try:
                event = events.get(timeout=0.1)
            except queue.Empty:
                continue
            got.append(event)

    follower.start()
    try:
        seen: list = []
        until(lambda: sum(isinstance(e, DeliveryEvent) for e in seen) >= before, seen)
        assert sum(isinstance(e, DeliveryEvent) for e in seen) == before, seen
        with open(log, "r+") as f:  # logrotate copytruncate
            f.truncate(0)
        again = f"following {log}"
        until(lambda: any(isinstance(e, Notice) and e.text == again for e in seen), seen)
        assert any(isinstance(e, Notice) and e.text == again for e in seen), seen
        write(log, new)
        got: list = []
        until(lambda: sum(isinstance(e, DeliveryEvent) for e in got) >= after, got)
        time.sleep(0.2)  # (a wrong extra delivery would come with the same lines)
        while not events.empty():
            got.append(events.get())
    finally:
        stop.set()
        follower.join(timeout=5)
    return [e for e in got if isinstance(e, DeliveryEvent)]


def _level2(lines: list[str]) -> list[str]:
    """PHPMailer at SMTPDebug 2 (client and server lines only): no "Connection: opening to" line."""
    return [x for x in lines if " Connection: " not in x]


def test_a_message_left_after_354_in_a_truncated_app_log_is_not_the_next_files_fate(logs: Path):
    """The old file ends right after the server's 354 (the message's final reply never made it into
    the file: it went to the copy, or was lost between copy and truncate). The re-read file starts a
    new conversation with the server's 220 greeting, a 2xx: kept from the old file, the "after DATA"
    state made that greeting the accepted message, and, after the old file's refusal, proof of the
    fix. The refusal read before must still count: the new file's real accept proves the fix."""
    log = logs / "app.log"
    sent = phpmailer(T0 + dt.timedelta(minutes=2), accepted=True)
    old = _level2(phpmailer(T0 + dt.timedelta(minutes=1)) + sent[: line_of(sent, " 354 ")])
    new = _level2(phpmailer(T0 + dt.timedelta(minutes=7), accepted=True))
    got = _across_truncation(log, old, new, before=1, after=1)
    assert [(e.delivery.line, e.delivery.accepted, e.delivery.unproven) for e in got] == [
        (line_of(new, "Queued mail"), True, ""),
    ]


def test_a_reply_left_open_in_a_truncated_app_log_is_not_joined_to_the_next_file(logs: Path):
    """The old file ends inside a multi-line reply ("250-… Hello [ip]", its last line never written
    there). Kept open across the re-read, the old line was handed over with the new file's first
    refusal as one of its lines (the verdict's facts, with the old file's client IP in them)."""
    log = logs / "app.log"
    hello = phpmailer(T0 + dt.timedelta(minutes=2))
    old = _level2(phpmailer(T0 + dt.timedelta(minutes=1)) + hello[: line_of(hello, "250-")])
    refused = phpmailer(T0 + dt.timedelta(minutes=4))
    new = refused[line_of(refused, "SERVER -> CLIENT: 550") - 1:]  # the app's lines go on: a refusal
    new += _level2(phpmailer(T0 + dt.timedelta(minutes=7), accepted=True))
    got = _across_truncation(log, old, new, before=1, after=2)
    assert [(e.delivery.line, e.delivery.accepted, e.delivery.unproven) for e in got] == [
        (1, False, ""), (line_of(new, "Queued mail"), True, ""),
    ]
    # (what the old file said of the app stays, as ``restart`` says: the line that named the smart host,
    # here its first greeting, SMTPDebug 2 naming no other; never the reply left open)
    named = old[0].rstrip("\n")
    assert " 220 AM0PR04CA0003." in named
    assert set(got[0].delivery.context) <= {named, *(x.rstrip("\n") for x in new)}, got[0].delivery.context


def _cut_after_354(at: dt.datetime) -> list[str]:
    """A PHPMailer SMTPDebug 2 send cut off after the server's 354: the connection dropped while the
    message text went out, so no reply to its end ever came; then the app's error and nothing more."""
    sent = _level2(phpmailer(at, accepted=True))
    t = at.strftime("%Y-%m-%d %H:%M:%S")
    return [*sent[: line_of(sent, "Subject: ")], f"{t} SMTP Error: data not accepted.\n"]


# after the cut-off message, the app opens a new conversation (SMTPDebug 2: no "Connection:" line): each
# of these is what the log shows next, and none of its 2xx replies answers the lost message's data
_NEXT_CONVERSATION = {
    "greeting": [
        "SERVER -> CLIENT: 220 AM0PR04CA0003.outlook.office365.com Microsoft ESMTP MAIL Service ready",
    ],
    "ehlo": ["CLIENT -> SERVER: EHLO intranet.contoso.com",
             "SERVER -> CLIENT: 250-AM0PR04CA0003.outlook.office365.com Hello [198.51.100.23]",
             "SERVER -> CLIENT: 250 STARTTLS"],
    "ehlo reply only": ["S: 250-AM0PR04CA0003.outlook.office365.com Hello [198.51.100.23]", "S: 250 SIZE"],
    "mail from": ["CLIENT -> SERVER: MAIL FROM:<noreply@contoso.com>",
                  "SERVER -> CLIENT: 250 2.1.0 Sender OK"],
    "sender ok only": ["S: 250 2.1.0 Sender OK"],
    # a plain "250 OK" could answer the end of data: only the client's command before it says it won't
    "mail from, plain ok": ["CLIENT -> SERVER: MAIL FROM:<noreply@contoso.com>", "SERVER -> CLIENT: 250 OK"],
    "rset": ["CLIENT -> SERVER: RSET", "SERVER -> CLIENT: 250 2.0.0 Resetting"],
    "smtplib ehlo": ["send: 'ehlo app01.contoso.local\\r\\n'", "reply: b'250 OK\\r\\n'"],
    "quit": ["CLIENT -> SERVER: QUIT", "SERVER -> CLIENT: 221 2.0.0 Service closing transmission channel"],
}


@pytest.mark.parametrize("shape", sorted(_NEXT_CONVERSATION))
def test_a_message_cut_off_after_354_has_no_fate_in_the_next_conversation(shape: str):
    """After a 354 only the reply to the end of the message's data is its fate. A conversation cut off
    there leaves no fate; the next conversation's greeting, EHLO, MAIL FROM or QUIT replies (2xx) are
    not the message accepted."""
    reader = AppLogLines()
    t = "2026-11-24 10:35:00 "
    lines = [x.rstrip("\n") for x in _cut_after_354(T0 + dt.timedelta(minutes=5))]
    lines += [t + x for x in _NEXT_CONVERSATION[shape]]
    got = [d for n, t in enumerate(lines, 1) if (d := reader.feed(n, t))]
    assert [(d.line, d.accepted) for d in got] == []


def test_message_text_after_354_does_not_end_the_wait_for_its_fate():
    """Lines of the message text the client writes after the 354 that look like replies or commands in
    words ("220 volts", "Quit smoking", "Mail from the help desk") are not a new conversation: the
    reply to the end of the data is still the message's fate."""
    reader = AppLogLines()
    sent = [x.rstrip("\n") for x in _level2(phpmailer(T0 + dt.timedelta(minutes=5), accepted=True))]
    t = "2026-11-24 10:35:00 CLIENT -> SERVER: "
    body = [t + x for x in ("220 volts is the supply", "Quit smoking", "Mail from the help desk",
                            "Hello team,", "250 SIZE is the limit")]
    lines = sent[: line_of(sent, "Subject: ")] + body + sent[line_of(sent, "Subject: "):]
    got = [d for n, t in enumerate(lines, 1) if (d := reader.feed(n, t))]
    assert [(d.line, d.accepted) for d in got] == [(line_of(lines, "Queued mail"), True)]


def test_after_a_cut_off_message_the_next_conversations_own_accept_still_counts():
    """The rule ends a cut-off message's wait for its fate, never a later message's: the reconnected
    conversation's own DATA, 354, message text and 250 is an accept (line of its 250 only)."""
    reader = AppLogLines()
    refused = [x.rstrip("\n") for x in _level2(phpmailer(T0 + dt.timedelta(minutes=1)))]
    cut = [x.rstrip("\n") for x in _cut_after_354(T0 + dt.timedelta(minutes=5))]
    again = [x.rstrip("\n") for x in _level2(phpmailer(T0 + dt.timedelta(minutes=6), accepted=True))]
    lines = refused + cut + again
    got = [d for n, t in enumerate(lines, 1) if (d := reader.feed(n, t))]
    queued = line_of(again, "Queued mail", before=len(refused) + len(cut))
    assert [(d.line, d.accepted, d.unproven) for d in got] == [
        (line_of(refused, "SERVER -> CLIENT: 550"), False, ""), (queued, True, ""),
    ]


def test_smtplib_reconnect_after_354_is_not_an_accept():
    """smtplib's debug output: the DATA's 354, the connection lost, then a new connection's greeting,
    EHLO and MAIL FROM replies (all 2xx): none of them is the message accepted."""
    reader = AppLogLines()
    lines = [
        *SMTPLIB_TO_354,
        "reply: b'220 AM0PR04CA0003.outlook.office365.com Microsoft ESMTP MAIL Service ready\\r\\n'",
        "send: 'ehlo app01.contoso.local\\r\\n'",
        "reply: b'250-AM0PR04CA0003.outlook.office365.com Hello [198.51.100.23]\\r\\n'",
        "reply: b'250 SIZE 37748736\\r\\n'",
        "send: 'mail FROM:<alerts@contoso.com>\\r\\n'",
        "reply: b'250 2.1.0 Sender OK\\r\\n'",
    ]
    assert [d for n, t in enumerate(lines, 1) if (d := reader.feed(n, t))] == []


def test_a_reconnect_after_354_never_says_fixed(logs: Path):
    """The worst case end to end: a refusal, then a message cut off after its 354, then the app's next
    conversation (SMTPDebug 2: no "Connection:" line) refused again. Its 220 greeting and EHLO/MAIL
    FROM 250s were the cut-off message "accepted", and watch said "fixed". Everything is in the file
    before the watch starts, so what it reads does not depend on when it reads."""
    log = logs / "app.log"
    lines = _level2(phpmailer(T0 + dt.timedelta(minutes=1)))
    lines += _cut_after_354(T0 + dt.timedelta(minutes=5))
    lines += _level2(phpmailer(T0 + dt.timedelta(minutes=6)))
    write(log, lines, "w")
    code, out = watch([log], lambda: None, since=T0, timeout=2)
    assert code == 1, out
    assert "fixed" not in out
    assert "accepted at" not in out
    assert out.splitlines()[-1].startswith("timeout: no accepted session for an external recipient")


# --- PHPMailer at SMTPDebug 2 (no "Connection: opening to" line): what watch reads of a refusal is what
# diagnose reads of the same conversation ---------------------------------------------------------------

FRONTEND = "DB5EUR03FT043.mail.protection.outlook.com"  # the server Exchange Online's greeting names


def level2(at: dt.datetime, *, greeting: str = FRONTEND, sender: str = "noreply@contoso.com",
           starttls: bool = True, auth: bool = False, refused: str = "rcpt") -> list[str]:
    """One PHPMailer send at SMTPDebug 2 (client and server lines, its gmdate prefix): STARTTLS and AUTH
    LOGIN when asked; refused at RCPT TO with 5.7.64 ("rcpt"), AUTH refused before any MAIL FROM with
    5.7.4 ("auth": Exchange Online's reply to AUTH without TLS), or accepted after DATA ("")."""
    t = at.strftime("%Y-%m-%d %H:%M:%S")
    bracket = f"[{FRONTEND} {at.strftime('%Y-%m-%dT%H:%M:%S')}.552Z 08DE0A1B2C3D4E5F]"
    ehlo = ["CLIENT -> SERVER: EHLO intranet.contoso.com",
            f"SERVER -> CLIENT: 250-{greeting} Hello [198.51.100.23]", "SERVER -> CLIENT: 250-SIZE 37748736"]
    lines = [f"SERVER -> CLIENT: 220 {greeting} Microsoft ESMTP MAIL Service ready", *ehlo]
    if starttls:
        lines += ["SERVER -> CLIENT: 250 STARTTLS", "CLIENT -> SERVER: STARTTLS",
                  "SERVER -> CLIENT: 220 2.0.0 SMTP server ready", *ehlo,
                  "SERVER -> CLIENT: 250 AUTH LOGIN XOAUTH2"]
    else:
        lines += ["SERVER -> CLIENT: 250 STARTTLS"]
    if auth or refused == "auth":
        lines += ["CLIENT -> SERVER: AUTH LOGIN"]
        if refused == "auth":
            reply = f"504 5.7.4 Unrecognized authentication type {bracket}"
            lines += [f"SERVER -> CLIENT: {reply}", f"SMTP ERROR: AUTH command failed: {reply}",
                      "CLIENT -> SERVER: QUIT"]
            return [f"{t} {x}\n" for x in lines]
        lines += ["SERVER -> CLIENT: 334 VXNlcm5hbWU6", "CLIENT -> SERVER: [credentials hidden]",
                  "SERVER -> CLIENT: 334 UGFzc3dvcmQ6", "CLIENT -> SERVER: [credentials hidden]",
                  "SERVER -> CLIENT: 235 2.7.0 Authentication successful"]
    lines += [f"CLIENT -> SERVER: MAIL FROM:<{sender}>", "SERVER -> CLIENT: 250 2.1.0 Sender OK",
              "CLIENT -> SERVER: RCPT TO:<partner@fabrikam.com>"]
    if refused == "rcpt":
        reply = f"550 5.7.64 TenantAttribution; Relay Access Denied {bracket}"
        lines += [f"SERVER -> CLIENT: {reply}", f"SMTP ERROR: RCPT TO command failed: {reply}"]
    else:
        lines += ["SERVER -> CLIENT: 250 2.1.5 Recipient OK", "CLIENT -> SERVER: DATA",
                  "SERVER -> CLIENT: 354 Start mail input; end with <CRLF>.<CRLF>",
                  "CLIENT -> SERVER: Subject: Daily report", "CLIENT -> SERVER: ",
                  "CLIENT -> SERVER: .",
                  "SERVER -> CLIENT: 250 2.6.0 <a1@contoso.com> [InternalId=1] Queued mail for delivery"]
    lines += ["CLIENT -> SERVER: QUIT", "SERVER -> CLIENT: 221 2.0.0 Service closing transmission channel"]
    return [f"{t} {x}\n" for x in lines]


def _feed(lines: list[str]) -> list:
    reader = AppLogLines()
    return [d for n, t in enumerate(lines, 1) if (d := reader.feed(n, t.rstrip("\n")))]


def _clients(lines: list[str] | tuple[str, ...]) -> list[dict]:
    """The smart-host facts the app-log reader (``diagnose``'s) gives for these lines, without where."""
    from relaydoctor.engine.watch.lines import facts_of

    facts = facts_of("app_log", "app.log", tuple(x.rstrip("\n") for x in lines))
    return [{k: v for k, v in dataclasses.asdict(f).items() if k != "provenance"}
            for f in facts if f.KIND == "smtp_client"]


def _verdict(paths: list[Path], facts: list | None = None) -> tuple[str, str]:
    """The first decided verdict (cause, status) ``diagnose`` gives for ``paths`` (plus ``facts``)."""
    from relaydoctor.engine.api import diagnose_evidence, load_evidence, load_packs

    evidence = load_evidence([str(p) for p in paths])
    evidence.facts.extend(facts or ())
    report = diagnose_evidence(evidence, packs=load_packs((), cached=True), now=T0 + dt.timedelta(hours=1))
    decided = [v for v in report.verdicts if v.status in ("confirmed", "likely")]
    return (decided[0].cause, decided[0].status) if decided else ("", "undetermined")


@pytest.fixture
def domains(tmp_path: Path, samples: Path) -> list[Path]:
    """The tenant's accepted domains and Entra domains only (contoso.net is neither accepted nor verified),
    so a 5.7.64 from an app sending to the tenant's MX endpoint as @contoso.net is a domain not accepted."""
    folder = tmp_path / "exports"
    folder.mkdir()
    for name in ("Get-AcceptedDomain.fl.txt", "Get-MgDomain.json"):
        shutil.copy(samples / "bundles" / "renewed-certificate" / name, folder)
    return sorted(folder.iterdir())


def test_a_level2_refusal_names_the_smart_host_its_greeting_names_as_diagnose_does(tmp_path: Path, domains):
    """No line names the smart host: diagnose takes the server the 220 greeting names (the tenant's MX
    endpoint) and concludes; watch named none, so its verdict on the same lines was undetermined."""
    lines = level2(T0, sender="alerts@contoso.net")
    log = tmp_path / "app.log"
    write(log, lines, "w")
    [d] = _feed(lines)
    assert (d.line, d.accepted, d.host, d.mail_from) == (
        line_of(lines, "SERVER -> CLIENT: 550"), False, FRONTEND.lower(), "contoso.net")
    assert _clients(d.context) == _clients(lines)  # the facts diagnose reads from the whole conversation
    assert _clients(d.context)[0]["smart_host_kind"] == "eop_tenant"
    from relaydoctor.engine.watch.lines import facts_of

    expected = _verdict([log, *domains])
    assert expected == ("domain-not-accepted", "likely")
    assert _verdict(domains, facts_of("app_log", str(log), d.context)) == expected


def test_a_level2_accept_is_tied_to_the_refusal_by_the_first_greetings_smart_host():
    """Each connection's greeting names another of Exchange Online's servers; as in diagnose, the smart
    host is the one the first greeting named, so the later accept is from the smart host that refused."""
    lines = level2(T0) + level2(T0 + dt.timedelta(minutes=5), greeting="AM6EUR05FT012.mail.protection."
                                "outlook.com", refused="")
    got = _feed(lines)
    assert [(d.line, d.accepted, d.host, d.unproven) for d in got] == [
        (line_of(lines, "SERVER -> CLIENT: 550"), False, FRONTEND.lower(), ""),
        (line_of(lines, "Queued mail"), True, FRONTEND.lower(), ""),
    ]


def test_an_endpoint_line_still_names_the_smart_host_over_a_greeting():
    lines = phpmailer(T0)  # "Connection: opening to <tenant endpoint>" before the greeting of another name
    [d] = _feed(lines)
    assert d.host == EOP


@pytest.mark.parametrize("refused", ["rcpt", "auth"])
def test_a_level2_greeting_ends_the_last_connections_session(tmp_path: Path, domains, refused: str):
    """A new connection's 220 greeting (SMTPDebug 2: no endpoint line) ends the last connection's
    AUTH, TLS and MAIL FROM. The app's next conversation goes without TLS or AUTH and is refused, at
    RCPT TO as @contoso.com or at AUTH before any MAIL FROM: its verdict's facts were the last
    connection's (TLS, AUTH, its MAIL FROM @contoso.net, which also made the cause domain-not-accepted)
    where diagnose reads none of them from the conversation's own lines."""
    first = level2(T0, sender="alerts@contoso.net", auth=True)
    then = level2(T0 + dt.timedelta(minutes=5), starttls=False, refused=refused)
    lines = first + then
    got = _feed(lines)
    assert [(d.line, d.accepted) for d in got] == [
        (line_of(first, "SERVER -> CLIENT: 550"), False),
        (line_of(then, "SERVER -> CLIENT: 550" if refused == "rcpt" else "SERVER -> CLIENT: 504",
                 before=len(first)), False),
    ]
    d = got[1]
    assert d.host == FRONTEND.lower() and d.mail_from == ("contoso.com" if refused == "rcpt" else "")
    # only the line that named the smart host (the first greeting) and the conversation's own lines
    assert set(d.context) <= {first[0].rstrip("\n"), *(x.rstrip("\n") for x in then)}, d.context
    [watched], [read] = _clients(d.context), _clients(then)  # what diagnose reads of that conversation
    assert watched == read
    assert not watched["starttls_used"]
    assert bool(watched["auth_used"]) == (refused == "auth")  # (refused at its own AUTH)
    log = tmp_path / "app.log"
    write(log, then, "w")
    from relaydoctor.engine.watch.lines import facts_of

    assert _verdict(domains, facts_of("app_log", str(log), d.context)) == _verdict([log, *domains])
    if refused == "rcpt":  # (the first conversation's own refusal: the domain not accepted)
        assert _verdict(domains, facts_of("app_log", str(log), d.context))[0] != "domain-not-accepted"
        assert _verdict(domains, facts_of("app_log", str(log), got[0].context)) == (
            "domain-not-accepted", "likely")


def test_the_starttls_reply_is_no_new_connection():
    """Exchange Online's reply to STARTTLS is a 220 too ("220 2.0.0 SMTP server ready"), naming no
    server: the TLS the conversation negotiated stays in its refusal's facts."""
    lines = level2(T0)
    [d] = _feed(lines)
    assert _clients(d.context)[0]["starttls_used"] is True
    assert any(" CLIENT -> SERVER: STARTTLS" in x for x in d.context)


def test_a_refusal_the_client_writes_is_message_text_not_a_refusal():
    """After the 354 the client's lines are the message's text: a report quoting a refusal or a TLS
    failure is no refusal (the accept path already reads a "250" the client writes as text). Taken for
    one, it was reported and ended the wait for the message's fate, so its real accept was lost too."""
    sent = level2(T0, refused="")
    t = "2026-11-24 10:30:00 CLIENT -> SERVER: "
    body = [t + "the report said 550 5.7.64 TenantAttribution; Relay Access Denied\n",
            t + "and 451 4.7.500 Server busy. Please try again later.\n",
            t + "SSL negotiation failed on the old scanner\n"]
    lines = sent[: line_of(sent, "Subject: ")] + body + sent[line_of(sent, "Subject: "):]
    assert [(d.line, d.accepted) for d in _feed(lines)] == [(line_of(lines, "Queued mail"), True)]


def test_diagnose_reads_a_refusal_the_client_writes_as_message_text_too():
    """The same log through ``diagnose``'s app-log reader: the message's text quoting a refusal, a
    busy server and a TLS failure gives no symptom and no warning; the server's own refusal does."""
    from relaydoctor.engine.evidence.applog import reader

    t = "2026-11-24 10:30:00 CLIENT -> SERVER: "
    body = [t + "the report said 550 5.7.64 TenantAttribution; Relay Access Denied\n",
            t + "and 451 4.7.500 Server busy. Please try again later.\n",
            t + "SSL negotiation failed on the old scanner\n",
            t + "SMTP Error: could not connect, said the old log\n"]

    def symptoms(lines: list[str]) -> list[tuple[str, int]]:
        got = reader.scan(io.BytesIO("".join(lines).encode()), "app.log")
        assert not [w for w in got.warnings if "without a reply code" in w]
        return [(f.code, f.provenance.line) for f in got.facts if f.KIND == "symptom"]

    sent = level2(T0, refused="")
    lines = sent[: line_of(sent, "Subject: ")] + body + sent[line_of(sent, "Subject: "):]
    assert symptoms(lines) == []
    refused = level2(T0)
    lines = refused[: line_of(refused, "RCPT TO")] + body + refused[line_of(refused, "RCPT TO"):]
    assert symptoms(lines) == [("5.7.64", line_of(lines, "SERVER -> CLIENT: 550 5.7.64"))]


def test_a_refusal_after_a_client_line_is_still_one():
    """The server's refusal of the end of the data, after the client's message text, is reported."""
    sent = level2(T0, refused="")
    queued = line_of(sent, "Queued mail")
    lines = [*sent[: queued - 1], sent[queued - 1].replace(
        "250 2.6.0 <a1@contoso.com> [InternalId=1] Queued mail for delivery",
        "550 5.7.64 TenantAttribution; Relay Access Denied"), *sent[queued:]]
    assert [(d.line, d.accepted, d.status) for d in _feed(lines)] == [(queued, False, "5.7.64")]


def _partial(at: dt.datetime) -> list[str]:
    """A level-2 send to two recipients: the internal one accepted, the external one refused with 5.7.64
    (relaying is what is refused); PHPMailer sends the data to the one accepted, and it is queued."""
    lines = level2(at, refused="")
    t = at.strftime("%Y-%m-%d %H:%M:%S")
    at_rcpt = next(i for i, x in enumerate(lines) if "RCPT TO" in x)
    lines[at_rcpt] = lines[at_rcpt].replace("partner@fabrikam.com", "boss@contoso.com")
    lines[at_rcpt + 2:at_rcpt + 2] = [
        f"{t} CLIENT -> SERVER: RCPT TO:<partner@fabrikam.com>\n",
        f"{t} SERVER -> CLIENT: 550 5.7.64 TenantAttribution; Relay Access Denied\n",
        f"{t} SMTP ERROR: RCPT TO command failed: 550 5.7.64 TenantAttribution; Relay Access Denied\n",
    ]
    return lines


def test_a_message_whose_other_recipient_was_refused_proves_no_fix():
    """The refusal and the accept are the same message's: the external recipient is still refused, so
    the queued copy (for the recipients accepted) never says ``fixed``; the next message with no
    recipient refused still does."""
    lines = _partial(T0)
    got = _feed(lines)
    assert [(d.line, d.accepted) for d in got] == [
        (line_of(lines, "SERVER -> CLIENT: 550"), False), (line_of(lines, "Queued mail"), True)]
    assert "refused" in got[1].unproven
    later = lines + level2(T0 + dt.timedelta(minutes=5), refused="")
    assert [(d.accepted, d.unproven) for d in _feed(later)][-1] == (True, "")
