"""``watch`` with a writer thread appending, rotating, truncating and replacing send logs."""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from relaydoctor.engine.api import watch as run_watch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests/ (sendlogsynth)
from sendlogsynth import RCPT_REPLY_INDEX, header, session

T0 = dt.datetime(2026, 11, 24, 10, 30, tzinfo=dt.UTC)
HEADER_LINES = 5
OLD_CERT = {"cert_cn": "mail.contoso.com", "thumbprint": "F13EA69EB8D27B0D2A8947D5BCC472E6B2724B29"}


def _sid(n: int) -> str:
    return f"08DF4208{n:08X}"


def write(path: Path, lines: list[str], mode: str = "a") -> None:
    with open(path, mode, newline="", encoding="utf-8") as f:
        f.writelines(lines)
        f.flush()


def watch(paths: list[Path], writer, **kw) -> tuple[int, str, float]:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    started = time.monotonic()
    kw.setdefault("timeout", 20)
    kw.setdefault("until_fixed", True)
    code = run_watch([str(p) for p in paths], interval=0.05, out=out, **kw)
    thread.join(timeout=5)
    return code, out.getvalue(), time.monotonic() - started


def test_fix_detected_at_the_right_line_after_rejections_and_a_rotation(logs: Path):
    first = logs / "SEND20261124-1.LOG"
    write(first, [header(T0), *session(_sid(1), T0 + dt.timedelta(minutes=1), accepted=False)], "w")

    def writer() -> None:
        time.sleep(0.3)
        write(first, session(_sid(2), T0 + dt.timedelta(minutes=2), accepted=False))  # same kind again
        time.sleep(0.3)
        write(first, session(_sid(3), T0 + dt.timedelta(minutes=3), accepted=False, **OLD_CERT))  # new kind
        time.sleep(0.3)
        second = logs / "SEND20261124-2.LOG"  # Exchange rotates to a new file
        write(second, [header(T0), *session(_sid(4), T0 + dt.timedelta(minutes=4), accepted=False)], "w")
        write(second, session(_sid(5), T0 + dt.timedelta(minutes=12), accepted=True))

    code, out, _ = watch([logs], writer, since=T0)
    assert code == 0, out
    fixed_line = HEADER_LINES + 26 + RCPT_REPLY_INDEX + 1  # after one 26-line rejected session
    assert out.splitlines()[-1] == (  # the failing sender is named, with its latest rejection
        f"fixed: first accepted session at 10:42:00, SEND20261124-2.LOG:{fixed_line}, "
        "certificate mail2026.contoso.net; MAIL FROM @contoso.com via 'Outbound to Office 365' from "
        "203.0.113.25 (rejected at 10:34:00, SEND20261124-2.LOG:26)"
    )
    # one line per new failure kind, not per session
    assert sum(line.startswith("rejected at") for line in out.splitlines()) == 2
    assert "verdict: certificate-name-mismatch (confirmed)" in out
    assert "note: a different cause than before" in out
    assert f"rejected at 10:31:00, SEND20261124-1.LOG:{HEADER_LINES + RCPT_REPLY_INDEX + 1}:" in out
    assert "following " + str(logs / "SEND20261124-2.LOG") in out
    assert "10:31 sessions to Exchange Online: 1, accepted 0, rejected 5.7.64 ×1" in out


def test_sessions_before_since_do_not_count(logs: Path):
    log = logs / "SEND20261124-1.LOG"
    write(log, [header(T0), *session(_sid(1), T0 - dt.timedelta(minutes=5), accepted=True)], "w")

    def writer() -> None:
        time.sleep(0.3)
        write(
            log,
            session(
                _sid(2), T0 + dt.timedelta(minutes=3), accepted=True, recipient="a@contoso.onmicrosoft.com"
            ),
        )
        write(log, session(_sid(3), T0 + dt.timedelta(minutes=4), accepted=True))

    code, out, _ = watch([logs], writer, since=T0)
    assert code == 0
    assert (
        f"SEND20261124-1.LOG:{HEADER_LINES + 2 * 26 + RCPT_REPLY_INDEX + 1}" in out
    )  # not the tenant recipient


def test_without_since_only_new_bytes_are_read_and_lines_stay_true(logs: Path):
    log = logs / "SEND20261124-1.LOG"
    old = [header(T0)]
    for n in range(1, 41):
        old += session(_sid(n), T0 + dt.timedelta(seconds=n), accepted=n % 2 == 0)
    write(log, old, "w")

    def writer() -> None:
        time.sleep(0.4)
        write(log, session(_sid(100), T0 + dt.timedelta(minutes=30), accepted=True))

    code, out, _ = watch([logs], writer, since=None)
    assert code == 0
    assert "from its end" in out
    assert f"SEND20261124-1.LOG:{len(old) - 1 + HEADER_LINES + RCPT_REPLY_INDEX + 1}" in out  # header: 1 item
    assert "11:00:00" in out  # the old accepted sessions were never reported


def test_truncated_file_is_read_again(logs: Path):
    log = logs / "SEND20261124-1.LOG"
    write(log, [header(T0), *session(_sid(1), T0 + dt.timedelta(minutes=1), accepted=False)], "w")

    def writer() -> None:
        time.sleep(0.4)
        write(
            log, [header(T0), *session(_sid(7), T0 + dt.timedelta(minutes=9), accepted=True)], "w"
        )  # truncate

    code, out, _ = watch([logs], writer, since=T0)
    assert code == 0, out
    assert "truncated or replaced" in out
    assert (
        f"fixed: first accepted session at 10:39:00, SEND20261124-1.LOG:{HEADER_LINES + RCPT_REPLY_INDEX + 1}"
        in out
    )


def test_replaced_by_a_longer_copy_reports_old_sessions_once(logs: Path, tmp_path: Path):
    log = logs / "SEND20261124-1.LOG"
    first = [header(T0), *session(_sid(1), T0 + dt.timedelta(minutes=1), accepted=False)]
    write(log, first, "w")

    def writer() -> None:
        time.sleep(0.4)
        copy = tmp_path / "copy.LOG"  # the folder is copied over again: a new file, renamed in place
        write(
            copy, [*first, *session(_sid(2), T0 + dt.timedelta(minutes=2), accepted=False, **OLD_CERT)], "w"
        )
        os.replace(copy, log)
        time.sleep(0.3)
        write(log, session(_sid(3), T0 + dt.timedelta(minutes=3), accepted=True))

    code, out, _ = watch([logs], writer, since=T0)
    assert code == 0, out
    assert out.count("rejected at 10:31:00") == 1
    assert "rejected at 10:32:00" in out


def test_until_fixed_times_out_with_exit_1(logs: Path):
    log = logs / "SEND20261124-1.LOG"
    write(log, [header(T0)], "w")

    def writer() -> None:
        write(log, session(_sid(1), T0 + dt.timedelta(minutes=1), accepted=False))

    code, out, took = watch([logs], writer, since=T0, timeout=1.0)
    assert code == 1
    assert out.splitlines()[-1].startswith("timeout: no accepted session")
    assert took < 5


def test_a_folder_without_logs_yet_picks_up_the_first_one(logs: Path):
    def writer() -> None:
        time.sleep(0.3)
        write(logs / "SEND20261124-1.LOG", [header(T0), *session(_sid(1), T0, accepted=True)], "w")

    code, out, _ = watch([logs], writer, since=T0 - dt.timedelta(minutes=1))
    assert code == 0 and "fixed:" in out


def test_ctrl_c_exits_130(logs: Path):
    log = logs / "SEND20261124-1.LOG"
    write(log, [header(T0)], "w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "relaydoctor.engine",
            "watch",
            str(logs),
            "--until-fixed",
            "--interval",
            "0.1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().startswith("watching ")
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert "Traceback" not in err


def test_nothing_to_follow_is_an_input_error(tmp_path: Path):
    from relaydoctor.engine.errors import InputError

    notes = tmp_path / "notes.txt"
    notes.write_text("not a log\n")
    with pytest.raises(InputError):
        run_watch([str(notes)], since=None, until_fixed=True, timeout=1, interval=0.1, out=io.StringIO())


def test_a_file_cut_mid_line_and_deleted_then_a_new_one(logs: Path):
    log = logs / "SEND20261124-1.LOG"
    lines = [header(T0), *session(_sid(1), T0 + dt.timedelta(minutes=1), accepted=False)]
    write(log, [*lines, lines[-1][:30]], "w")  # Exchange stopped mid-line

    def writer() -> None:
        time.sleep(0.3)
        log.unlink()
        time.sleep(0.2)
        write(
            logs / "SEND20261124-2.LOG",
            [header(T0), *session(_sid(2), T0 + dt.timedelta(minutes=5), accepted=True)],
            "w",
        )

    code, out, _ = watch([logs], writer, since=T0)
    assert code == 0, out
    assert "fixed: first accepted session at 10:35:00, SEND20261124-2.LOG:26" in out
    assert "Traceback" not in out


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_status_line_rewritten_in_place(logs: Path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TERM", "xterm")
    log = logs / "SEND20261124-1.LOG"
    write(log, [header(T0), *session(_sid(1), T0 + dt.timedelta(minutes=1), accepted=False)], "w")
    out = _Terminal()
    code = run_watch([str(logs)], since=T0, until_fixed=True, timeout=1.5, interval=0.05, out=out)
    text = out.getvalue()
    assert code == 1
    assert (
        "\r\x1b[K1 session(s) to Exchange Online, last at 10:31:00; waiting for an accepted session" in text
    )
    assert text.endswith("\r\x1b[K")  # the status line is cleared on the way out


def test_a_utf16_log_is_read_from_its_start(logs: Path):
    log = logs / "SEND20261124-1.LOG"
    text = "".join([header(T0), *session(_sid(1), T0 + dt.timedelta(minutes=1), accepted=True)])
    log.write_bytes(text.encode("utf-16"))  # a log re-saved by a Windows tool

    code, out, _ = watch([logs], lambda: None, since=None, timeout=5)
    assert code == 0, out
    assert "UTF-16 log, read from its start" in out
    assert (
        f"fixed: first accepted session at 10:31:00, SEND20261124-1.LOG:{HEADER_LINES + RCPT_REPLY_INDEX + 1}"
        in out
    )


def test_a_followed_file_that_vanishes_and_comes_back(tmp_path: Path):
    log = tmp_path / "SEND20261124-1.LOG"
    write(log, [header(T0)], "w")

    def writer() -> None:
        time.sleep(0.3)
        log.unlink()
        time.sleep(0.3)
        write(log, [header(T0), *session(_sid(1), T0 + dt.timedelta(minutes=2), accepted=True)], "w")

    code, out, _ = watch([log], writer, since=T0)  # one file named, not its folder
    assert code == 0, out
    assert "disappeared; waiting for it or a newer log" in out
    assert f"SEND20261124-1.LOG:{HEADER_LINES + RCPT_REPLY_INDEX + 1}" in out


# -- fixed per failing sender ------------------------------------------------------------------------


def _lines(out: str, start: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(start)]


def test_an_unrelated_senders_accept_does_not_prove_the_fix(logs: Path):
    log = logs / "SEND20261124-1.LOG"
    # ATTR36 for the null sender while contoso.com senders relay (the KB 4019940 split)
    write(log, [header(T0), *session(_sid(1), T0 + dt.timedelta(minutes=1), accepted=False, sender="")], "w")

    def writer() -> None:
        time.sleep(0.3)
        write(log, session(_sid(2), T0 + dt.timedelta(minutes=2), accepted=True))  # contoso.com: unrelated
        time.sleep(0.3)
        write(log, session(_sid(3), T0 + dt.timedelta(minutes=3), accepted=True))  # said once only
        time.sleep(0.3)
        write(log, session(_sid(4), T0 + dt.timedelta(minutes=9), accepted=True, sender=""))

    code, out, _ = watch([logs], writer, since=T0)
    assert code == 0, out
    (unrelated,) = _lines(out, "accepted at")
    assert unrelated == (
        f"accepted at 10:32:00, SEND20261124-1.LOG:{HEADER_LINES + 26 + RCPT_REPLY_INDEX + 1}: MAIL FROM "
        "@contoso.com via 'Outbound to Office 365' from 203.0.113.25, a sender that was not rejected: "
        "this does not prove the fix"
    )
    fixed = out.splitlines()[-1]
    assert fixed.startswith(
        f"fixed: first accepted session at 10:39:00, SEND20261124-1.LOG:{HEADER_LINES + 26 * 3 + 21}"
    )
    assert "MAIL FROM <> (null sender) via 'Outbound to Office 365'" in fixed
    assert f"(rejected at 10:31:00, SEND20261124-1.LOG:{HEADER_LINES + RCPT_REPLY_INDEX + 1})" in fixed


def _two_failing(logs: Path, other: str) -> Path:
    """A log where the null sender and ``other`` were rejected."""
    log = logs / "SEND20261124-1.LOG"
    sessions = [
        *session(_sid(1), T0 + dt.timedelta(minutes=1), accepted=False, sender=""),
        *session(_sid(2), T0 + dt.timedelta(minutes=2), accepted=False, sender=other),
    ]
    write(log, [header(T0), *sessions], "w")
    return log


def test_each_failing_sender_is_told_fixed_and_the_others_still_failing(logs: Path):
    log = _two_failing(logs, "bot@fabrikam.com")

    def writer() -> None:
        time.sleep(0.3)
        write(log, session(_sid(3), T0 + dt.timedelta(minutes=5), accepted=True, sender="bot@fabrikam.com"))
        time.sleep(0.3)
        write(log, session(_sid(4), T0 + dt.timedelta(minutes=7), accepted=True, sender=""))

    code, out, _ = watch([logs], writer, since=T0)
    assert code == 0, out
    (partial,) = _lines(out, "sender fixed:")
    assert partial.startswith(
        "sender fixed: MAIL FROM @fabrikam.com via 'Outbound to Office 365' from 203.0.113.25: "
        "accepted at 10:35:00"
    )
    assert "  still failing: MAIL FROM <> (null sender) via 'Outbound to Office 365' from 203.0.113.25" in out
    assert out.index("still failing") < out.index("fixed: first accepted session at 10:37:00")
    assert out.splitlines()[-1].endswith("every one of the 2 senders rejected is now accepted")


def test_rejections_before_since_name_the_sender_to_wait_for(logs: Path):
    log = logs / "SEND20261124-1.LOG"
    before = T0 - dt.timedelta(minutes=20)  # the failures that led to the change, read from the log
    write(log, [header(before), *session(_sid(1), before, accepted=False, egress="198.51.100.7")], "w")

    def writer() -> None:
        time.sleep(0.3)  # after the change only another egress address relays
        write(log, session(_sid(2), T0 + dt.timedelta(minutes=2), accepted=True, egress="203.0.113.25"))

    code, out, _ = watch([logs], writer, since=T0, timeout=1.5)
    assert code == 1, out
    assert _lines(out, "failing before --since at 10:10:00")
    assert "does not prove the fix" in out
    assert out.splitlines()[-1] == (
        "timeout: no accepted session for an external recipient within 1.5 s from the failing sender(s): "
        "MAIL FROM @contoso.com via 'Outbound to Office 365' from 198.51.100.7"
    )


def test_with_no_rejection_seen_the_line_says_what_it_waited_for(logs: Path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TERM", "xterm")
    log = logs / "SEND20261124-1.LOG"
    write(log, [header(T0), *session(_sid(1), T0 + dt.timedelta(minutes=1), accepted=True)], "w")
    code, out, _ = watch([logs], lambda: None, since=T0)
    assert code == 0
    assert out.splitlines()[-1].endswith("(no rejection was seen to compare with)")
    term = _Terminal()
    log.write_text("")  # a fresh empty log: nothing seen at all
    write(log, [header(T0)], "w")
    run_watch([str(logs)], since=T0, until_fixed=True, timeout=0.8, interval=0.05, out=term)
    assert "waiting for an accepted session (no rejection seen yet, so no failing sender to compare" in (
        term.getvalue()
    )


def test_a_sender_rejected_again_after_its_accept_is_failing_again(logs: Path):
    log = _two_failing(logs, "ana.ruiz@contoso.com")

    def writer() -> None:
        time.sleep(0.3)
        write(log, session(_sid(3), T0 + dt.timedelta(minutes=3), accepted=True))
        time.sleep(0.3)
        write(log, session(_sid(4), T0 + dt.timedelta(minutes=4), accepted=False))  # propagation flaps

    code, out, _ = watch([logs], writer, since=T0, timeout=1.5)
    assert code == 1, out
    assert "sender fixed: MAIL FROM @contoso.com" in out
    (again,) = _lines(out, "rejected again at 10:34:00")
    assert "accepted at 10:33:00" in again and again.endswith("it is failing again")
    assert "from the failing sender(s): MAIL FROM <> (null sender)" in out.splitlines()[-1]
    assert "MAIL FROM @contoso.com" in out.splitlines()[-1]


def test_another_servers_log_folder_is_another_sender(logs: Path, tmp_path: Path):
    exch01, exch02 = tmp_path / "EXCH01", tmp_path / "EXCH02"
    exch01.mkdir()
    exch02.mkdir()
    write(exch01 / "SEND20261124-1.LOG", [header(T0), *session(_sid(1), T0, accepted=False)], "w")
    write(exch02 / "SEND20261124-1.LOG", [header(T0)], "w")

    def writer() -> None:
        time.sleep(0.3)  # EXCH02 relays fine behind the same NAT address: EXCH01 is not fixed by that
        write(exch02 / "SEND20261124-1.LOG", session(_sid(2), T0 + dt.timedelta(minutes=1), accepted=True))
        time.sleep(0.3)
        write(exch01 / "SEND20261124-1.LOG", session(_sid(3), T0 + dt.timedelta(minutes=2), accepted=True))

    code, out, _ = watch([exch01, exch02, logs], writer, since=T0)
    assert code == 0, out
    (unrelated,) = _lines(out, "accepted at 10:31:00")
    assert f"in {exch02}, a sender that was not rejected" in unrelated
    assert out.splitlines()[-1].startswith("fixed: first accepted session at 10:32:00")
    assert f"in {exch01} (rejected at 10:30:00" in out.splitlines()[-1]
