"""``watch`` given issue 11's bad input while it follows: a line far too long appended to a send log
or a relay's mail log. A warning that names the file's own line, bounded memory, no hang."""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

from test_watch import HEADER_LINES, T0, _sid, write
from test_watch_relaylogs import postfix, watch  # its writer starts once the file is followed

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests/ (sendlogsynth)
from sendlogsynth import header, session


def test_a_send_log_line_too_long_is_located_at_the_files_own_line(logs: Path):
    log = logs / "SEND20261124-1.LOG"
    old = [header(T0)]
    for n in range(1, 21):
        old += session(_sid(n), T0 + dt.timedelta(seconds=n), accepted=True)
    write(log, old, "w")
    lines = "".join(old).count("\n")
    assert lines > HEADER_LINES + 20

    def writer() -> None:
        time.sleep(0.4)
        write(log, ["2026-11-24T11:00:00.000Z,Outbound to Office 365," + "x" * (6 << 20) + "\r\n"])

    started = time.monotonic()
    code, out = watch([logs], writer, since=None, timeout=4)
    assert code == 1 and time.monotonic() - started < 15
    # followed from its end, the reader counted from the header it was given: line 6 was said before
    assert f"SEND20261124-1.LOG:{lines + 1}: not a protocol log: a line is longer than 1 MB" in out


def test_a_runaway_line_in_a_mail_log_is_said_once_and_the_next_lines_still_count(logs: Path):
    log = logs / "maillog"
    write(log, postfix("1", T0 + dt.timedelta(minutes=1), sender="alerts@contoso.com", accepted=False), "w")

    def writer() -> None:
        time.sleep(0.4)
        write(log, ["2026-11-24T10:40:00.000000+00:00 relay01 postfix/smtp[2216]: " + "x" * (1 << 20) + "\n"])
        write(log, postfix("2", T0 + dt.timedelta(minutes=20), sender="alerts@contoso.com", accepted=True))

    code, out = watch([logs], writer, since=T0, timeout=10)
    assert code == 0, out  # the accepted message after the long line proves the fix
    (warned,) = [ln for ln in out.splitlines() if "a line longer than" in ln]
    assert "maillog:4: a line longer than 65,536 bytes: only its last 16,384 are read" in warned


def test_thousands_of_never_closed_sessions_appended_get_a_warning(logs: Path):
    from relaydoctor.engine.evidence.smtplog.scan import MAX_OPEN

    log = logs / "SEND20261124-1.LOG"
    write(log, [header(T0)], "w")
    rows = ["*,,attempting to connect", "+,,", "<,220 AM6EUR05FT047.mail.protection.outlook.com ready,"]
    n = MAX_OPEN + 300

    def writer() -> None:  # every session opens, all interleaved, none closes
        time.sleep(0.4)
        write(log, [f"2026-11-24T11:00:00.000Z,Outbound to Office 365,{i:016X},{step},10.0.0.1:1,"
                    f"52.101.68.24:25,{row}\r\n" for step, row in enumerate(rows) for i in range(n)])

    code, out = watch([logs], writer, since=None, timeout=6)
    assert code == 1
    (warned,) = [ln for ln in out.splitlines() if "were open at once" in ln]
    assert warned.startswith("warning: ") and "SEND20261124-1.LOG: " in warned
