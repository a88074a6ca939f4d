"""``relaydoctor watch`` keeping up with a Postfix relay's mail log written quickly: MB/s and memory.

    python benchmarks/bench_watch_relaylog.py [--mb 100] [--eop-share 0.5] [--log postfix|phpmailer]
                                              [--diagnose]

``--log phpmailer``: an application's log instead (PHPMailer's SMTPDebug dialogue, ~1.3 KB per
message, some refused with 5.7.64), followed by the app-log follower (``applines``).
``--diagnose``: also ``diagnose`` the same generated file once and print its MB per CPU second
(this process and any worker it starts), the read rate of the other command on the same bytes.

A synthetic day of a Postfix relay's log (messages from a few hundred clients and senders: cleanup
noise, ``client=``, ``from=``, and a delivery to Exchange Online — mostly accepted, some refused
with 5.7.64 — or to another host) is generated into a staging file, then appended 1 MB at a time,
as fast as a writer thread can, to a watched folder, while the relay-log follower (``LineFollower``)
and the watcher (per-sender fixes, a verdict per new failure kind from the real rules) run in this
process. A last delivery is a marker; the run ends when the watcher has handled it.

Printed: MB/s kept up with, the plain read of the same file (the baseline) and the ratio, CPU
seconds, peak and final RSS, deliveries handled and rule runs. Figures are printed, never asserted
(issue 15 targets: >= 10 MB/s on one core, < 100 MB RSS).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import queue
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_sendlog import PeakRss  # noqa: E402
from bench_watch import _rss, figures, plain_read  # noqa: E402

EOP = "contoso-com.mail.protection.outlook.com"
MARKER = "ZZMARKER000001"
REJECT = ("550 5.7.64 TenantAttribution; Relay Access Denied [AM6EUR05FT012.eop-eur05.prod.protection."
          "outlook.com]")


def message(rng: random.Random, n: int, at: dt.datetime, eop_share: float) -> str:
    qid = f"4Q{n:012X}"
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00")
    client = f"10.20.{rng.randrange(4)}.{rng.randrange(1, 250)}"
    senders = ("", f"app{rng.randrange(300)}@contoso.com", "alerts@contoso.com", "bot@fabrikam.com")
    sender = rng.choice(senders)
    to_eop = rng.random() < eop_share
    relay = f"{EOP}[52.101.68.24]:25" if to_eop else "mx.partner.example[198.51.100.20]:25"
    ok = not to_eop or rng.random() < 0.9
    refused = f"host {EOP}[52.101.68.24] said: {REJECT} (in reply to RCPT TO command)"
    # each accepted message's reply is its own, as in real logs: Exchange Online's carries the
    # message's ids, size and rate (accept_reply), another MX's its queue id
    accepted = accept_reply(rng) if to_eop else f"250 2.0.0 Ok: queued as {rng.randrange(16**10):010X}"
    outcome = f"dsn=2.6.0, status=sent ({accepted})" if ok else f"dsn=5.7.64, status=bounced ({refused})"
    return (
        f"{stamp} relay01 postfix/smtpd[2201]: {qid}: client=app.contoso.local[{client}]\n"
        f"{stamp} relay01 postfix/cleanup[2214]: {qid}: message-id=<{n}@relay01.contoso.com>\n"
        f"{stamp} relay01 postfix/qmgr[1187]: {qid}: from=<{sender}>, size=2048, nrcpt=1 (queue active)\n"
        f"{stamp} relay01 postfix/smtp[2216]: {qid}: to=<partner{n % 97}@fabrikam.com>, relay={relay}, "
        f"delay=0.9, delays=0.02/0.01/0.4/0.47, {outcome}\n"
        f"{stamp} relay01 postfix/qmgr[1187]: {qid}: removed\n"
    )


_ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def accept_reply(rng: random.Random) -> str:
    """Exchange Online's reply to the end of DATA, in its real shape (as quoted from real relays in
    public logs, e.g. Postfix's ``status=sent (250 2.6.0 <id> [InternalId=38521561683110,
    Hostname=TYZPR06MB6239.apcprd06.prod.outlook.com] 8547 bytes in 0.132, 63.086 KB/sec Queued
    mail for delivery)``): the client's Message-ID (PHPMailer's is ~43 letters and digits, base64
    of a hash), a 14-digit InternalId, the mailbox server, size and rate. Every message's differs,
    so no reader can remember the line (an earlier generator's ``<n@contoso.com> [InternalId=n]``
    flattered the app-log figures: only digits changed)."""
    token = "".join(rng.choice(_ID_CHARS) for _ in range(43))
    size = rng.randrange(1500, 90000)
    secs = rng.randrange(50, 600) / 1000
    return (f"250 2.6.0 <{token}@intranet.contoso.com> [InternalId={rng.randrange(10**12, 10**14)}, "
            f"Hostname=DB9PR0{rng.randrange(1, 10)}MB{rng.randrange(1000, 9999)}.eurprd0{rng.randrange(1, 9)}"
            f".prod.outlook.com] {size} bytes in {secs:.3f}, {size / 1024 / secs:.3f} KB/sec "
            "Queued mail for delivery")


def app_message(rng: random.Random, n: int, at: dt.datetime, eop_share: float) -> str:
    """One PHPMailer send (SMTPDebug 2): refused at RCPT with 5.7.64 (1 in 10), or accepted after DATA."""
    t = at.strftime("%Y-%m-%d %H:%M:%S")
    sender = "marker" if n == 0 else f"app{rng.randrange(5)}"
    lines = [
        f"Connection: opening to {EOP}:25, timeout=300, options=array()", "Connection: opened",
        "SERVER -> CLIENT: 220 DB5EUR03FT043.mail.protection.outlook.com Microsoft ESMTP MAIL Service ready",
        "CLIENT -> SERVER: EHLO intranet.contoso.com",
        "SERVER -> CLIENT: 250-DB5EUR03FT043.mail.protection.outlook.com Hello [198.51.100.23]",
        "SERVER -> CLIENT: 250 STARTTLS", "CLIENT -> SERVER: STARTTLS",
        "SERVER -> CLIENT: 220 2.0.0 SMTP server ready",
        f"CLIENT -> SERVER: MAIL FROM:<{sender}@contoso.com>", "SERVER -> CLIENT: 250 2.1.0 Sender OK",
        f"CLIENT -> SERVER: RCPT TO:<partner{n % 97}@fabrikam.com>",
    ]
    if n and rng.random() < 0.1:
        lines.append(f"SERVER -> CLIENT: {REJECT[:-1]} {at.isoformat()} 08DE{n:012X}]")
    else:
        lines += ["SERVER -> CLIENT: 250 2.1.5 Recipient OK", "CLIENT -> SERVER: DATA",
                  "SERVER -> CLIENT: 354 Start mail input; end with <CRLF>.<CRLF>", "CLIENT -> SERVER: .",
                  f"SERVER -> CLIENT: {accept_reply(rng)}"]
    return "".join(f"{t} {x}\n" for x in (*lines, "CLIENT -> SERVER: QUIT"))


LOGS = {"postfix": (message, "maillog"), "phpmailer": (app_message, "app.log")}


def write_log(path: Path, mb: int, eop_share: float, log: str = "postfix") -> int:
    rng = random.Random(15)
    start = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    make = LOGS[log][0]
    # a day of messages: ~700 bytes each (before, 6 h apart for 20 MB, so every one was a new minute)
    step = 86400 / (mb * 1_000_000 / len(make(random.Random(0), 1, start, eop_share)))
    total, n = 0, 0
    with open(path, "w", encoding="ascii", newline="") as f:
        while total < mb * 1_000_000:
            n += 1
            text = make(rng, n, start + dt.timedelta(seconds=n * step), eop_share)
            f.write(text)
            total += len(text)
    return n


def run(staging: Path, watched: Path, interval: float, log: str = "postfix") -> dict[str, float]:
    from relaydoctor.engine import api
    from relaydoctor.engine.results import EvidenceSet
    from relaydoctor.engine.watch import Watcher
    from relaydoctor.engine.watch.judge import Judge
    from relaydoctor.engine.watch.lines import DeliveryEvent, LineFollower

    packs = api.load_packs(cached=True)
    judge = Judge(EvidenceSet(), lambda evidence, at: api.diagnose_evidence(evidence, packs=packs, now=at))
    judge.judge_facts(("warm-up",), [], None)  # rules compiled before the clock starts
    judge.cache.clear()
    judge.runs = 0
    out = io.StringIO()
    watcher = Watcher(out, judge, since=None)
    events: queue.Queue = queue.Queue(maxsize=10_000)
    stop = threading.Event()
    make, name = LOGS[log]
    target = watched / name
    first = make(random.Random(1), 1, dt.datetime(2026, 11, 20, tzinfo=dt.UTC), 0.0)
    target.write_text(first if log == "postfix" else first * 3, "ascii")  # an app log: sniffable at once
    follower = LineFollower(str(watched), events, interval=interval, stop=stop, from_start=lambda p: True)

    def append() -> None:
        with open(staging, "rb") as f, open(target, "ab", buffering=0) as w:
            while chunk := f.read(1 << 20):
                w.write(chunk)
            last = make(random.Random(2), 0, dt.datetime(2026, 11, 21, tzinfo=dt.UTC), 1.0)
            w.write(last.replace("4Q000000000000", MARKER).replace("status=bounced", "status=sent")
                    .replace("marker@", f"{MARKER}@").encode())

    before = _rss()
    cpu0 = time.process_time()
    with PeakRss() as rss:
        started = time.perf_counter()
        follower.start()
        threading.Thread(target=append, daemon=True).start()
        handled = 0
        while True:
            event = events.get()
            watcher.handle(event)
            handled += 1
            if isinstance(event, DeliveryEvent) and any(MARKER in x for x in event.delivery.context[-8:]):
                break
        elapsed = time.perf_counter() - started
        final_rss = _rss()
    stop.set()
    follower.join(timeout=5)
    return {"seconds": elapsed, "cpu": time.process_time() - cpu0, "peak_rss": rss.peak, "rss": final_rss,
            "events": handled, "rss_before": before, "rule_runs": judge.runs}


def diagnose_rate(path: Path) -> tuple[float, int]:
    """CPU seconds (this process and its workers) of one ``diagnose`` of ``path``, and its exit."""
    import resource

    from relaydoctor.engine import api

    api.load_packs(cached=True)  # packs loaded before the clock starts, as in run()

    def cpu() -> float:
        own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    cpu0 = cpu()
    report = api.diagnose([str(path)])
    return cpu() - cpu0, len(report.symptoms)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=100, help="MB of mail log (default 100)")
    ap.add_argument("--eop-share", type=float, default=0.5, help="share of deliveries to Exchange Online")
    ap.add_argument("--interval", type=float, default=0.05, help="watch --interval (seconds)")
    ap.add_argument("--log", choices=sorted(LOGS), default="postfix",
                    help="the log written (default postfix)")
    ap.add_argument("--diagnose", action="store_true", help="also time one diagnose of the same file")
    args = ap.parse_args(argv)  # the same options as bench_watch, but one file (logrotate renames)
    with tempfile.TemporaryDirectory(prefix="rd-watch-relay-bench-") as tmp:
        staging, watched = Path(tmp) / "staging.log", Path(tmp) / "watched"
        watched.mkdir()
        print(f"generating {args.mb} MB of {args.log} log…", flush=True)
        messages = write_log(staging, args.mb, args.eop_share, args.log)
        mb = staging.stat().st_size / 1e6
        base = plain_read([staging])
        got = run(staging, watched, args.interval, args.log)
        diag = diagnose_rate(staging) if args.diagnose else None
    share = f"{args.eop_share:.0%} to Exchange Online" if args.log == "postfix" else "1 in 10 refused"
    print(f"log: {mb:.1f} MB, {messages:,} messages ({share})")
    figures(mb, base, got)
    print(f"deliveries handled: {int(got['events']):,}; rules ran {int(got['rule_runs'])} time(s)")
    if diag is not None:
        seconds, symptoms = diag
        print(f"diagnose of the same file: {seconds:.2f} s CPU, {mb / seconds:.2f} MB per CPU second "
              f"({symptoms} symptom(s))")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
