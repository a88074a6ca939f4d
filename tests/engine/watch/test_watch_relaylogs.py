"""``watch`` on the other logs the evidence layer streams: Postfix, sendmail and Exim mail logs and
IIS SMTP W3C logs, with a writer thread appending, rotating (rename), truncating and replacing."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import threading
import time
from pathlib import Path

from relaydoctor.engine.api import watch as run_watch

T0 = dt.datetime(2026, 11, 24, 10, 30, tzinfo=dt.UTC)
EOP = "contoso-com.mail.protection.outlook.com"
REJECT = (
    "550 5.7.64 TenantAttribution; Relay Access Denied [AM6EUR05FT012.eop-eur05.prod.protection.outlook.com]"
)


def _iso(at: dt.datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00")


def postfix(n: str, at: dt.datetime, *, sender: str, accepted: bool, client: str = "10.0.0.5",
            rcpt: str = "partner@fabrikam.com") -> list[str]:
    """One message through a Postfix relay to Exchange Online (RFC 3339 syslog stamps)."""
    qid = f"4QZx1k3Hj{n:>6}".replace(" ", "0")  # Postfix queue ids are 6 to 20 characters
    stamp, later = _iso(at), _iso(at + dt.timedelta(seconds=1))
    outcome = (
        "dsn=2.6.0, status=sent (250 2.6.0 <x@relay01> [InternalId=1] Queued mail for delivery)"
        if accepted
        else f"dsn=5.7.64, status=bounced (host {EOP}[52.101.68.24] said: {REJECT} (in reply to RCPT TO "
        "command))"
    )
    return [
        f"{stamp} relay01 postfix/smtpd[2201]: {qid}: client=app01.contoso.local[{client}]\n",
        f"{stamp} relay01 postfix/qmgr[1187]: {qid}: from=<{sender}>, size=2048, nrcpt=1 (queue active)\n",
        f"{later} relay01 postfix/smtp[2216]: {qid}: to=<{rcpt}>, relay={EOP}[52.101.68.24]:25, delay=1.9, "
        f"delays=0.02/0.01/0.9/0.97, {outcome}\n",
    ]


def write(path: Path, lines: list[str], mode: str = "a") -> None:
    with open(path, mode, newline="", encoding="utf-8") as f:
        f.writelines(lines)


def watch(paths: list[Path], writer, **kw) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    out = io.StringIO()

    def when_following() -> None:  # the writer starts once the follower has opened its file
        deadline = time.monotonic() + 10
        while "following " not in out.getvalue() and time.monotonic() < deadline:
            time.sleep(0.02)
        writer()

    thread = threading.Thread(target=when_following, daemon=True)
    thread.start()
    kw.setdefault("timeout", 20)
    kw.setdefault("until_fixed", True)
    code = run_watch([str(p) for p in paths], interval=0.05, out=out, **kw)
    thread.join(timeout=5)
    return code, out.getvalue()


def test_postfix_fix_after_a_logrotate_rename(logs: Path):
    log = logs / "maillog"
    write(log, postfix("1", T0 + dt.timedelta(minutes=1), sender="alerts@contoso.com", accepted=False), "w")

    def writer() -> None:
        time.sleep(0.3)
        write(log, postfix("2", T0 + dt.timedelta(minutes=2), sender="", accepted=True))  # unrelated
        time.sleep(0.3)
        os.rename(log, logs / "maillog.1")  # logrotate: rename, a new file at the old name
        write(log, postfix("3", T0 + dt.timedelta(minutes=3), sender="alerts@contoso.com",
                           accepted=False), "w")
        write(log, postfix("4", T0 + dt.timedelta(minutes=9), sender="alerts@contoso.com",
                           accepted=True))

    code, out = watch([logs], writer, since=T0)
    assert code == 0, out
    assert "rejected at 10:31:01, maillog:3: " in out and "TenantAttribution" in out
    assert "  sender: MAIL FROM @contoso.com from client 10.0.0.5" in out
    assert "  verdict: " in out  # from the rules, on the facts the mail-log reader gives
    assert "accepted at 10:32:01, maillog:6: MAIL FROM <> (null sender) from client 10.0.0.5, a sender " \
           "that was not rejected: this does not prove the fix" in out
    assert "truncated, rotated or replaced" in out
    assert out.splitlines()[-1] == (
        "fixed: first accepted session at 10:39:01, maillog:6; MAIL FROM @contoso.com from client "
        "10.0.0.5 (rejected at 10:33:01, maillog:3)"
    )


def test_postfix_copytruncate_and_only_new_bytes_without_since(logs: Path):
    log = logs / "maillog"
    old = []
    for n in range(30):  # history before the watch starts: never reported
        at = T0 + dt.timedelta(seconds=n)
        old += postfix(f"OLD{n:02d}", at, sender="alerts@contoso.com", accepted=n % 2 == 0)
    write(log, old, "w")

    def writer() -> None:
        time.sleep(0.3)
        at = T0 + dt.timedelta(minutes=5)
        write(log, postfix("NEW01", at, sender="alerts@contoso.com", accepted=False))
        time.sleep(0.3)
        with open(log, "r+") as f:  # logrotate copytruncate
            f.truncate(0)
        write(log, postfix("NEW02", T0 + dt.timedelta(minutes=7), sender="alerts@contoso.com", accepted=True))

    code, out = watch([log], writer, since=None)
    assert code == 0, out
    assert "from its end" in out
    assert f"rejected at 10:35:01, maillog:{len(old) + 3}:" in out  # line numbers stay true
    assert "10:30:0" not in out  # the history was never read as news
    assert out.splitlines()[-1].startswith("fixed: first accepted session at 10:37:01, maillog:3; ")


def test_exim_and_sendmail_deliveries(logs: Path):
    exim = logs / "mainlog"
    t = T0 + dt.timedelta(minutes=1)
    stamp = t.strftime("%Y-%m-%d %H:%M:%S")
    write(exim, [
        f"{stamp} 1vXyZa-000Abc-3D <= monitor@contoso.com H=app02 [10.0.0.7] P=esmtp S=1402\n",
        f"{stamp} 1vXyZa-000Abc-3D ** ops@fabrikam.com R=smarthost T=remote_smtp H={EOP} [52.101.68.24] "
        f"X=TLS1.2:ECDHE-RSA-AES256-GCM-SHA384:256 CV=yes: SMTP error from remote mail server after "
        f"RCPT TO:<ops@fabrikam.com>: {REJECT}\n",
    ], "w")

    def writer() -> None:
        time.sleep(0.3)
        later = (T0 + dt.timedelta(minutes=4)).strftime("%Y-%m-%d %H:%M:%S")
        write(exim, [
            f"{later} 1vXyZb-000Abc-3E <= monitor@contoso.com H=app02 [10.0.0.7] P=esmtp S=1402\n",
            f"{later} 1vXyZb-000Abc-3E => ops@fabrikam.com R=smarthost T=remote_smtp H={EOP} [52.101.68.24] "
            "X=TLS1.2:ECDHE-RSA-AES256-GCM-SHA384:256 CV=yes C=\"250 2.6.0 Queued mail for delivery\"\n",
        ])

    code, out = watch([exim], writer, since=T0)
    assert code == 0, out
    assert "rejected at 10:31:00, mainlog:2:" in out
    assert out.splitlines()[-1] == (
        "fixed: first accepted session at 10:34:00, mainlog:4; MAIL FROM @contoso.com from client 10.0.0.7 "
        "(rejected at 10:31:00, mainlog:2)"
    )


FIELDS = ("date time c-ip cs-username s-sitename s-computername s-ip s-port cs-method cs-uri-stem "
          "cs-uri-query sc-status sc-win32-status sc-bytes cs-bytes time-taken cs-version cs-host "
          "cs(User-Agent) cs(Cookie) cs(Referer)")


def iis_header(at: dt.datetime) -> list[str]:
    return ["#Software: Microsoft Internet Information Services 10.0\r\n", "#Version: 1.0\r\n",
            f"#Date: {at.strftime('%Y-%m-%d %H:%M:%S')}\r\n", f"#Fields: {FIELDS}\r\n"]


def iis_session(at: dt.datetime, *, sender: str, accepted: bool) -> list[str]:
    def row(who: str, method: str, query: str) -> str:
        return (f"{at.strftime('%Y-%m-%d %H:%M:%S')} 52.101.68.24 {who} SMTPSVC1 APP01 - 25 {method} - "
                f"{query} 0 0 60 0 0 SMTP - - - -\r\n")

    reply = "250+2.1.5+Recipient+OK" if accepted else REJECT.replace(" ", "+")
    return [
        row("OutboundConnectionResponse", "-", "220+AM6EUR05FT047.mail.protection.outlook.com+Microsoft"),
        row("OutboundConnectionCommand", "EHLO", "app01.contoso.com"),
        row("OutboundConnectionCommand", "MAIL", f"FROM:<{sender}>"),
        row("OutboundConnectionResponse", "-", "250+2.1.0+Sender+OK"),
        row("OutboundConnectionCommand", "RCPT", "TO:<client@fabrikam.com>"),
        row("OutboundConnectionResponse", "-", reply),
        row("OutboundConnectionCommand", "QUIT", "-"),
    ]


def test_iis_smtp_daily_files_and_a_replaced_copy(logs: Path):
    day1 = logs / "ex261124.log"
    write(day1, [*iis_header(T0), *iis_session(T0 + dt.timedelta(minutes=1), sender="noreply@contoso.com",
                                               accepted=False)], "w")

    def writer() -> None:
        time.sleep(0.3)
        copy = logs / "copy.tmp"  # the share's folder copied over again: same lines, a new file
        write(copy, [*iis_header(T0), *iis_session(T0 + dt.timedelta(minutes=1), sender="noreply@contoso.com",
                                                   accepted=False)], "w")
        os.replace(copy, day1)
        time.sleep(0.3)
        day2 = logs / "ex261125.log"  # IIS starts the next day's file
        write(day2, [*iis_header(T0), *iis_session(T0 + dt.timedelta(minutes=8), sender="noreply@contoso.com",
                                                   accepted=True)], "w")

    code, out = watch([logs], writer, since=T0)
    assert code == 0, out
    assert sum(line.startswith("rejected at 10:31:00, ex261124.log:10") for line in out.splitlines()) == 1
    assert "  sender: MAIL FROM @contoso.com" in out
    assert "following " + str(logs / "ex261125.log") in out
    assert out.splitlines()[-1] == (
        "fixed: first accepted session at 10:38:00, ex261125.log:10; MAIL FROM @contoso.com "
        "(rejected at 10:31:00, ex261124.log:10)"
    )


def test_a_relay_log_timeout_names_the_sender(logs: Path):
    log = logs / "maillog"
    write(log, postfix("Q1", T0 + dt.timedelta(minutes=1), sender="", accepted=False), "w")
    code, out = watch([logs], lambda: None, since=T0, timeout=0.8)
    assert code == 1
    assert out.splitlines()[-1].endswith(
        "from the failing sender(s): MAIL FROM <> (null sender) from client 10.0.0.5"
    )


def test_a_relay_folder_that_goes_away_and_comes_back(tmp_path: Path):
    share = tmp_path / "share"  # a mounted share: unmounted, then mounted again with a new log
    share.mkdir()
    write(share / "maillog", postfix("1", T0 + dt.timedelta(minutes=1), sender="alerts@contoso.com",
                                     accepted=False), "w")

    def writer() -> None:
        time.sleep(0.3)
        shutil.rmtree(share)
        time.sleep(0.4)
        share.mkdir()
        write(share / "maillog", postfix("2", T0 + dt.timedelta(minutes=6), sender="alerts@contoso.com",
                                         accepted=True), "w")

    code, out = watch([share], writer, since=T0)
    assert code == 0, out
    assert "cannot list the folder" in out  # said once; the log read again when it is back
    assert "Traceback" not in out
    assert out.splitlines()[-1].startswith("fixed: first accepted session at 10:36:01, maillog:3; ")


RECV_HEADER = (
    "#Software: Microsoft Exchange Server\r\n#Version: 15.02.1748.010\r\n"
    "#Log-type: SMTP Receive Protocol Log\r\n#Date: 2026-11-24T10:00:00.000Z\r\n"
    "#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,"
    "context\r\n"
)
RELAY_DENIED = "550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain"
FRONTEND = "EXCH01\\Default Frontend EXCH01"


def recv_session(
    sid: str, at: dt.datetime, *, client: str, accepted: bool, connector: str = FRONTEND
) -> list[str]:
    """One session of a device relaying through our Exchange server (its RCPT reply is line 7)."""
    reply = "250 2.1.5 Recipient OK" if accepted else RELAY_DENIED
    rows = [
        ("+", ""), (">", '"220 EXCH01.contoso.com Microsoft ESMTP MAIL Service ready"'),
        ("<", "EHLO printer01"),
        ("<", "MAIL FROM:<scanner@contoso.com>"), (">", "250 2.1.0 Sender OK"),
        ("<", "RCPT TO:<orders@fabrikam.com>"), (">", reply), ("-", ""),
    ]
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return [f"{stamp},{connector},{sid},{n},10.20.0.15:25,{client}:50000,{event},{data},\r\n"
            for n, (event, data) in enumerate(rows)]


def test_receive_log_relay_refusal_fixed_for_that_device(logs: Path):
    first = logs / "RECV20261124-1.LOG"
    printer = "10.20.0.99"
    write(first, [RECV_HEADER, *recv_session("08DF0001", T0 + dt.timedelta(minutes=1), client=printer,
                                             accepted=False)], "w")

    def writer() -> None:
        time.sleep(0.3)  # another app relays to the same domain: not the printer
        at = T0 + dt.timedelta(minutes=2)
        write(first, recv_session("08DF0002", at, client="10.20.0.50", accepted=True))
        time.sleep(0.3)  # Exchange rotates; the printer now arrives on a new relay connector
        second = logs / "RECV20261124-2.LOG"
        at = T0 + dt.timedelta(minutes=7)
        relay = "EXCH01\\Relay printers"
        fixed = recv_session("08DF0003", at, client=printer, accepted=True, connector=relay)
        write(second, [RECV_HEADER, *fixed], "w")

    code, out = watch([logs], writer, since=T0)
    assert code == 0, out
    assert f"rejected at 10:31:00, RECV20261124-1.LOG:12: {RELAY_DENIED}" in out
    assert "  sender: MAIL FROM @contoso.com from client 10.20.0.99" in out
    assert (
        "accepted at 10:32:00, RECV20261124-1.LOG:20: MAIL FROM @contoso.com from client 10.20.0.50, a "
        "sender that was not rejected: this does not prove the fix"
    ) in out
    assert out.splitlines()[-1] == (
        "fixed: first accepted session at 10:37:00, RECV20261124-2.LOG:12; MAIL FROM @contoso.com from "
        "client 10.20.0.99 (rejected at 10:31:00, RECV20261124-1.LOG:12)"
    )


def test_receive_log_accepts_prove_nothing_without_a_refused_domain(logs: Path):
    log = logs / "RECV20261124-1.LOG"
    at = T0 + dt.timedelta(minutes=1)
    write(log, [RECV_HEADER, *recv_session("08DF0001", at, client="10.20.0.99", accepted=True)], "w")
    code, out = watch([logs], lambda: None, since=T0, timeout=0.8)
    assert code == 1, out  # an accepted RCPT may be internal: no relay proven
    assert "fixed" not in out


def test_minute_lines_are_worded_by_log_kind(logs: Path):
    """A relay's log counts deliveries, a receive log relay attempts: never "sessions" for either."""
    mail = logs / "maillog"
    write(mail, postfix("1", T0 + dt.timedelta(minutes=1), sender="alerts@contoso.com", accepted=False), "w")
    recv_dir = logs / "exch01"
    recv_dir.mkdir()
    recv = recv_dir / "RECV20261124-1.LOG"
    write(recv, [RECV_HEADER, *recv_session("08DF0001", T0 + dt.timedelta(minutes=1), client="10.20.0.99",
                                            accepted=False)], "w")

    def writer() -> None:
        time.sleep(0.3)
        write(mail, postfix("2", T0 + dt.timedelta(minutes=4), sender="alerts@contoso.com", accepted=True))
        at = T0 + dt.timedelta(minutes=4)
        write(recv, recv_session("08DF0002", at, client="10.20.0.99", accepted=True))

    code, out = watch([logs, recv_dir], writer, since=T0, until_fixed=False, timeout=3)
    assert code == 0, out
    assert "10:31 deliveries to Exchange Online: 1, accepted 0, rejected 5.7.64 ×1" in out
    assert "10:31 relay attempts through this Exchange server: 1, accepted 0, rejected 5.7.54 ×1" in out
    assert "sessions to Exchange Online" not in out


def test_still_failing_names_three_senders_and_counts_the_rest(logs: Path):
    """A relay with hundreds of failing clients: each fixed one's line stays short (not quadratic)."""
    log = logs / "maillog"
    clients = [f"10.0.0.{n}" for n in range(10, 16)]
    failing = [line for n, c in enumerate(clients)
               for line in postfix(f"F{n}", T0 + dt.timedelta(minutes=1), sender="alerts@contoso.com",
                                   accepted=False, client=c)]
    write(log, failing, "w")

    def writer() -> None:
        time.sleep(0.3)
        write(log, postfix("OK1", T0 + dt.timedelta(minutes=5), sender="alerts@contoso.com", accepted=True,
                           client=clients[0]))

    code, out = watch([logs], writer, since=T0, until_fixed=False, timeout=2)
    assert code == 0, out
    assert "sender fixed: MAIL FROM @contoso.com from client 10.0.0.10: accepted at 10:35:01" in out
    assert (
        "  still failing: MAIL FROM @contoso.com from client 10.0.0.11; MAIL FROM @contoso.com from client "
        "10.0.0.12; MAIL FROM @contoso.com from client 10.0.0.13 and 2 more"
    ) in out
