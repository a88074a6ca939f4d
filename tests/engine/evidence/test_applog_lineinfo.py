"""The app-log reader and watch's app-log follower remember what a line says per distinct line, and a
line opening with a plain ``YYYY-MM-DD HH:MM:SS`` stamp by what follows the stamp
(``applog.lineinfo``). That is only right if the stamp changes nothing but the time. Checked here two
ways, on real log lines (fixtures, field cases, published replies), the benchmark's PHPMailer
dialogue, fuzzed lines and generated logs:

- a line's information is the same whatever its stamp says;
- the reader's facts and the follower's deliveries are the same as when every line is worked out
  afresh (nothing remembered), including across files read one after the other.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from relaydoctor.engine.errors import EvidenceError
from relaydoctor.engine.evidence.applog import lineinfo
from relaydoctor.engine.evidence.applog import reader as applog
from relaydoctor.engine.watch.applines import AppLogLines

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "benchmarks"))
from bench_watch_relaylog import app_message  # noqa: E402

FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _corpus_lines() -> list[str]:
    lines: set[str] = set()
    files = [p for p in (REPO / "tests" / "fixtures" / "relays").iterdir() if p.is_file()]
    files += [p for p in (REPO / "tests" / "field" / "cases").glob("*/evidence/**/*")
              if p.is_file() and p.stat().st_size < 200_000]
    for path in files:
        lines.update(path.read_bytes().decode("utf-8", "replace").splitlines())
    for case in yaml.safe_load((REPO / "tests/engine/evidence/data/real_replies.yaml").read_text("utf-8")):
        lines.update(case["text"].splitlines())
    rng = random.Random(15)
    start = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    for n in range(40):
        lines.update(app_message(rng, n, start + dt.timedelta(seconds=n), 0.5).splitlines())
    return sorted(line for line in lines if len(line) < 2000)


LINES = _corpus_lines()
# what a mailer's lines are made of, for fuzzed lines and logs
PIECES = st.sampled_from([
    "SERVER -> CLIENT: ", "CLIENT -> SERVER: ", "S: ", "C: ", "<< ", ">> ", "send: b'", "reply: b'", " ",
    "\t",
    "250", "250-", "220 ", "354 ", "550 ", "550-", "421 ", "535 ", "5.7.64 ", "4.4.0 ", "2.6.0 ", "5.7.1",
    "TenantAttribution; Relay Access Denied ", "[AM6.eop.outlook.com 2026-11-20T00:00:05+00:00 08DE]",
    "Hello [198.51.100.23]", "STARTTLS", "AUTH LOGIN", "MAIL FROM:<a@contoso.com>", "MAIL FROM:<>",
    "EHLO intranet.contoso.com", "RCPT TO:<b@fabrikam.com>", "QUIT", "RSET",
    "Connection: opening to smtp.office365.com:587", "Resolved smtp.office365.com as 52.98.16.2",
    "Connected to smtp://52.98.16.2:25", "SMTP_PORT=587", "Queued mail for delivery", "Message sent",
    "TLS negotiation failed with error UnknownCredentials", "SMTP Error: could not connect", "(550, b'",
    "SMTP code: 550 Additional SMTP info: 5.7.64", "Detail: ", "\\n", "'", '"', "ſ", "K", "٣", "\x00", "+",
    "2026-11-20 10:00:00 ", "#", "code 550", "error", "in /var/www/x.php:12",
])
FRAGMENT = st.one_of(PIECES, st.sampled_from(LINES), st.text(max_size=12))
FUZZED = st.lists(FRAGMENT, max_size=6).map("".join)
STAMP = st.builds(
    lambda d, s: f"{d.year:04d}-{d.month:02d}-{d.day:02d} {s // 3600 % 100:02d}:{s // 60 % 100:02d}:"
                 f"{s % 100:02d}",
    st.dates(), st.integers(0, 10**6),  # (any digits: the hours, minutes and seconds need not be a time)
)


def _info(text: str) -> lineinfo.LineInfo:
    info = lineinfo.work_out(text, stamped=True)  # (its time is the stamp's own)
    lineinfo.says_sent(info, text)
    return info


@pytest.mark.parametrize("sep", [" ", "\t"])
def test_every_corpus_line_says_the_same_whatever_its_stamp(sep: str) -> None:
    for rest in LINES:
        a, b = f"2026-11-20 00:00:05{sep}{rest}", f"1999-45-52 23:59:25{sep}{rest}"
        assert _info(a) == _info(b), rest


@FUZZ
@given(rest=FUZZED, first=STAMP, second=STAMP, sep=st.sampled_from([" ", "\t"]))
def test_a_fuzzed_line_says_the_same_whatever_its_stamp(rest: str, first: str, second: str, sep: str) -> None:
    a, b = f"{first}{sep}{rest}"[: lineinfo.MAX_LINE], f"{second}{sep}{rest}"[: lineinfo.MAX_LINE]
    assert lineinfo.info_of(a)[1] and lineinfo.info_of(b)[1]
    assert _info(a) == _info(b)


def _read(data: bytes) -> tuple:
    """The reader's result and the follower's deliveries (from the start, and primed half-way)."""
    try:
        result = applog.scan(io.BytesIO(data), "app.log")
        scanned: tuple = (result.facts, result.detail, result.warnings)
    except EvidenceError as exc:
        scanned = ("error", str(exc))
    lines = [line.rstrip("\r") for line in data.decode("utf-8", "replace").split("\n")]
    follower = AppLogLines()
    followed = [d for n, t in enumerate(lines, 1) if (d := follower.feed(n, t)) is not None]
    primed, half = AppLogLines(), len(lines) // 2
    primed.prime(list(enumerate(lines[:half], 1)))
    followed += [d for n, t in enumerate(lines[half:], half + 1) if (d := primed.feed(n, t)) is not None]
    return scanned, followed


def _afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    def fresh(text: str) -> tuple[lineinfo.LineInfo, bool]:
        return lineinfo.work_out(text), False  # not stamped: the time too comes from the line as a whole

    monkeypatch.setattr(lineinfo, "info_of", fresh)
    monkeypatch.setattr(applog, "info_of", fresh)


def _logs() -> list[bytes]:
    rng = random.Random(7)
    start = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    dialogue = "".join(app_message(rng, n, start + dt.timedelta(seconds=n * 7), 0.5) for n in range(300))
    files = [p.read_bytes() for p in (REPO / "tests" / "fixtures" / "relays").glob("*.log")]
    mixed = []
    for _ in range(30):  # corpus lines under stamps that repeat, differ and are not stamps at all
        stamps = [f"2026-11-{rng.randrange(1, 40):02d} {rng.randrange(30):02d}:{rng.randrange(70):02d}:05",
                  "2026-11-20T10:00:00Z", "[2026-11-20 10:00:00]", "2026-11-20 10:00:00.25+01:00",
                  "2026-11-20 10:00:00,5", "2026-11-20 10:00:00-0300", ""]
        seps = (" ", "\t")
        mixed.append("\n".join(f"{rng.choice(stamps)}{rng.choice(seps)}{rng.choice(LINES)}"
                               for _ in range(rng.randrange(5, 120))).encode())
    return [dialogue.encode(), *files, *mixed]


def test_remembered_lines_read_as_lines_worked_out_afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    logs = _logs()
    lineinfo._plain.clear()
    lineinfo._stamped.clear()
    remembered = [_read(data) for data in logs]
    assert len(lineinfo._stamped) > 50  # the stamped dialogue was remembered by what follows its stamps
    _afresh(monkeypatch)
    assert [_read(data) for data in logs] == remembered


@FUZZ
@given(lines=st.lists(st.tuples(st.sampled_from(["", "2026-11-20 10:00:0", "2026-11-21 11:00:0"]),
                                st.integers(0, 9), st.sampled_from([" ", "\t", "+01:00 ", ".5 "]), FUZZED),
                      max_size=25))
def test_fuzzed_logs_read_the_same_remembered_or_afresh(lines: list[tuple[str, int, str, str]]) -> None:
    data = "\n".join(f"{stamp}{second}{sep}{rest}" if stamp else rest
                     for stamp, second, sep, rest in lines).encode("utf-8", "replace")
    remembered = _read(data)
    with pytest.MonkeyPatch.context() as mp:
        _afresh(mp)
        assert _read(data) == remembered


# Lines with ids (``lineinfo._ID``: 4+ digits between "<", "=" or "[" and "@", ">", "]", "," or a blank)
# share what the first of them says when they differ only in the ids' digits. ``ID`` in a template is
# an id's place; what stands around it is what could make its digits matter (codes, statuses, ports,
# ATTR, IPs, stamps, MAIL FROM, hosts), so a shortcut that changed a result fails here.
ID_PLACES = [
    "<ID@contoso.com>", "[InternalId=ID]", "[InternalId=ID, Hostname=AM6PR.prod.outlook.com]", "=ID ", "<ID>",
    "[ID]", "=ID,", "<ID ", "[ID@", "SMTP_PORT=ID ", "MAIL_PORT=ID,", "Connected to smtp://a.b.com:ID ",
    "at port ID ", "MAIL FROM:<ID@contoso.com>", "Hello [ID]", "Client host [ID]", "ATTR", "5.7.", "550 ",
    "code=ID ", "SMTP code: ID ", "(ID,", "\\n", "Queued mail for delivery", "SERVER -> CLIENT: ",
    "250 2.6.0 ", "550 5.7.64 TenantAttribution; ", "[ID.eop.outlook.com 2026-11-20T00:00:05+00:00 08DE]",
    "STARTTLS", "Message sent", "TLS negotiation failed with error ", "in /var/www/x.php:ID ",
]
ID_TEMPLATE = st.lists(st.one_of(st.sampled_from(ID_PLACES), PIECES), min_size=1, max_size=8).map("".join)


def _fill(template: str, digits: list[str]) -> str:
    parts = template.split("ID")
    return "".join(p + (digits[i % len(digits)] if i < len(parts) - 1 else "") for i, p in enumerate(parts))


# digits that mean something somewhere (codes, statuses' digits, ports) and any others
DIGITS = st.one_of(st.sampled_from(["250", "550", "354", "220", "587", "2500", "5501", "3540", "2200", "0587",
                                    "25000", "55012", "65535", "99999", "0000", "1234567"]),
                   st.integers(0, 10**8).map(str))


@FUZZ
@given(template=ID_TEMPLATE, length=st.integers(1, 8), first=st.lists(DIGITS, min_size=1),
       second=st.lists(DIGITS, min_size=1), stamp=st.sampled_from(["2026-11-20 00:00:05 ", ""]))
def test_lines_differing_in_their_ids_read_as_worked_out_afresh(
    template: str, length: int, first: list[str], second: list[str], stamp: str
) -> None:
    a = stamp + _fill(template, [d.zfill(length)[-length:] for d in first])
    b = stamp + _fill(template, [d.zfill(length)[-length:] for d in second])
    for line in (a, b):  # (the first one read teaches the second)
        info, stamped = lineinfo.info_of(line)
        lineinfo.says_sent(info, line)
        assert info == _info(line) if stamped else info == _afresh_info(line), line


def _afresh_info(text: str) -> lineinfo.LineInfo:
    info = lineinfo.work_out(text)
    lineinfo.says_sent(info, text)
    return info


def test_a_message_s_own_reply_is_shared_by_its_ids_and_keeps_its_own_text() -> None:
    lineinfo._stamped_ids.clear()
    got = []
    for n in (1234, 98765, 4321, 5501, 25000):
        line = (f"2026-11-20 00:00:0{n % 10} SERVER -> CLIENT: 250 2.6.0 <{n}@contoso.com> [InternalId={n}] "
                "Queued mail for delivery")
        info = lineinfo.info_of(line)[0]
        lineinfo.says_sent(info, line)
        assert info == _info(line)
        got.append(info.accepted.text)
    assert got[2] == "250 2.6.0 <4321@contoso.com> [InternalId=4321] Queued mail for delivery"
    assert len(lineinfo._stamped_ids) == 2  # four digits and five: one line worked out for each
    # a line naming a session detail is never shared (its port is read from the digits)
    for port in ("25000", "58700"):
        line = f"2026-11-20 00:00:05 SMTP_PORT={port} "
        assert lineinfo.info_of(line)[0].port_setting == int(port)


def test_every_id_place_with_digits_that_mean_something_reads_as_worked_out_afresh() -> None:
    """The fuzzed test above, exhaustively over each place and the digits that could matter there."""
    fills = ["250", "550", "354", "2500", "5501", "0587", "25000", "55012", "65535", "99999", "1234567"]
    for piece in ID_PLACES:
        for prefix in ("SERVER -> CLIENT: ", "2026-11-20 00:00:05 S: 250 2.6.0 "):
            for suffix in ("", " Queued mail for delivery", ".7.1 x", "-x", " ATTR36"):
                template = prefix + piece + suffix
                lineinfo._plain_ids.clear()
                lineinfo._stamped_ids.clear()
                for first in fills:
                    for second in fills:
                        if len(first) != len(second):
                            continue
                        for line in (_fill(template, [first]), _fill(template, [second])):
                            info, stamped = lineinfo.info_of(line)
                            lineinfo.says_sent(info, line)
                            assert info == (_info(line) if stamped else _afresh_info(line)), line


def test_exchange_s_time_and_id_in_a_refusal_s_bracket_read_as_worked_out_afresh() -> None:
    """A refusal's "[host time id]" bracket: lines differing only there share; each reads as afresh,
    whatever digits (codes, statuses' digits, a fraction of "550" before a "-") the time and id hold."""
    stamps = {  # by shape: lines share only within one (the same places for digits and signs)
        "Z": ["2026-11-20T00:00:50Z", "2550-25-50T55:02:50Z", "0000-00-00T00:00:00Z"],
        ".7": ["2026-11-20T08:44:50.4441834Z", "5501-25-03T54:25:50.5505505Z"],
        ".3-": ["2026-11-20T00:00:50.550-05:00", "2026-11-20T00:00:50.250-05:50",
                "4444-44-44T44:44:44.354-44:44"],
        ".1+": ["2026-11-20T00:00:50.5+00:00", "2026-11-20T13:45:59.9+00:00"],
    }
    ids = ["08DE000000000011", "08DCAC8D34E9F1C4", "550A250B354C2200", "FFFFFFFFFFFFFFFF", "0000000000000000"]
    shared = 0
    for before in ("SERVER -> CLIENT: 550 5.7.64 TenantAttribution; Relay Access Denied ",
                   "2026-11-20 00:00:05 S: 550-5.7.64 first part 550 5.7.64 ATTR36 ",
                   "2026-11-20 00:00:05 SMTP Error: data not accepted. SMTP code: 550 ",
                   "2026-11-20 00:00:05 <<550 ", "Connection: opening to smtp.office365.com:587 550 5.7.1 "):
        for host in ("[AM6EUR05FT012.eop-eur05.prod.protection.outlook.com ", "[Hostname=x.y.com ", "[550 "):
            for after in ("]", "] (in reply to RCPT TO command)", "]' in /var/www/x.php:12", "]\\r\\n"):
                for shape in stamps.values():
                    lineinfo._plain_ids.clear()
                    lineinfo._stamped_ids.clear()
                    for stamp in shape:
                        for hex_id in ids:
                            line = f"{before}{host}{stamp} {hex_id}{after}"
                            info, stamped = lineinfo.info_of(line)
                            lineinfo.says_sent(info, line)
                            assert info == (_info(line) if stamped else _afresh_info(line)), line
                    shared += len(lineinfo._stamped_ids) + len(lineinfo._plain_ids)
    assert shared > 20  # (most of these lines were shared: the test reads the shortcut)


# Exchange Online's reply to DATA as real relays log it (the client's alphanumeric Message-ID, a
# 14-digit InternalId, the mailbox server, size and rate): every message's is unique. Ids below hold
# words the patterns look for (TLS, auth, ATTR36, 550, 5.7.64 pieces, host, port, said, sent).
ACCEPT_IDS = ["PBD4zrJ2sXPHVdtWRZQWO72N3WzUOT7ugaOkd1afFdk", "xTLSauth550ATTR36", "ATTR36", "host",
              "smtphost", "Hostport", "said", "sent", "mail", "Message", "550", "5501", "2", "SSLx",
              "nocredentials", "TenantAttribution", "codeerrorSMTP", "inStackx", "abcphp", "onlinex",
              "led", "hello"]
ACCEPT_HOSTS = ["DB9PR08MB7637.eurprd02.prod.outlook.com", "smtp.host.prod.outlook.com",
                "ATTR36.x.prod.outlook.com", "x5.2.3y.outlook.com", "mail.server.example", "host-1.a.com"]


def _accept(mid: str, host: str, size: int = 48681, rate: str = "95.271") -> str:
    return (f"250 2.6.0 <{mid}@intranet.contoso.com> [InternalId=45356573746624, Hostname={host}] "
            f"{size} bytes in 0.499, {rate} KB/sec Queued mail for delivery")


ACCEPT_LINES = [f"{before}{_accept(mid, host)}{after}"
                for mid in ACCEPT_IDS for host in ACCEPT_HOSTS
                for before in ("2026-11-20 00:00:45 SERVER -> CLIENT: ", "S: ", "host said: ", "")
                for after in ("", " in /var/www/x.php:12", "\\r\\n", " (in reply to end of DATA command)")]


@FUZZ
@given(text=st.one_of(FUZZED, st.sampled_from(LINES + ACCEPT_LINES)))
def test_the_cheap_checks_before_the_endpoint_and_text_end_patterns_never_hide_a_match(text: str) -> None:
    """The literals checked before ``_MAYBE_ENDPOINT``, ``_COMMAND`` and ``_TEXT_END`` are in every match
    of theirs: where a pattern matches, its check says it may (the words are the patterns', not the
    samples')."""
    from relaydoctor.engine.evidence.symptoms import smtp_reply

    lower = text.lower() if text.isascii() else None
    if lineinfo._MAYBE_ENDPOINT.search(text) is not None:
        assert lineinfo._may_name_endpoint(text, lower)
    if lineinfo._COMMAND.search(text) is not None:
        assert lineinfo._may_hold(text, lineinfo._COMMAND_WORDS)  # sends_command's gate
    for start in range(0, len(text), 7):
        if smtp_reply._TEXT_END.search(text, start) is not None:
            assert smtp_reply._may_end(text)


def test_the_command_gate_holds_every_command_line_of_the_corpus() -> None:
    """``sends_command`` checks its words before ``_COMMAND``; the fuzzed test above rarely draws a
    command line, so every one of the corpus (PHPMailer, smtplib, ``>>`` dialogues) is checked here."""
    commands = [line for line in LINES if lineinfo._COMMAND.search(line)]
    assert len(commands) > 200
    verbs = " ".join(commands).upper()
    assert all(v in verbs for v in ("MAIL FROM:<", "RCPT TO:<", "EHLO ", "STARTTLS", "QUIT", "AUTH LOGIN"))
    for line in commands:
        assert lineinfo._may_hold(line, lineinfo._COMMAND_WORDS), line


def test_every_realistic_accept_reply_reads_as_worked_out_afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """Exchange's accept replies (ids and hosts holding pattern words), one after another in a log and
    alone: the reader's facts and the follower's deliveries are those of lines worked out afresh."""
    lineinfo._plain_ids.clear()
    lineinfo._stamped_ids.clear()
    for line in ACCEPT_LINES:
        info, stamped = lineinfo.info_of(line)
        lineinfo.says_sent(info, line)
        assert info == (_info(line) if stamped else _afresh_info(line)), line
    log = "".join(
        f"2026-11-20 00:00:4{i % 10} CLIENT -> SERVER: DATA\n"
        f"2026-11-20 00:00:4{i % 10} SERVER -> CLIENT: 354 Go\n{line}\n"
        for i, line in enumerate(ACCEPT_LINES)
    ).encode()
    remembered = _read(log)
    _afresh(monkeypatch)
    assert _read(log) == remembered


# Accept replies share what the first of them said when they differ only in the Message-ID's left
# part, the mailbox server's first label (when nothing reads their characters: ``lineinfo._inert``),
# the size, time and rate. Values below are read one after another: an inert one first (it teaches),
# then one holding pattern words, codes, statuses' digits, ATTR, or a code-like first few digits.
INERT = "Qq9"
VALUE_WORDS = ["TLS", "tls", "Auth", "ATTR36", "ATTR", "550", "5", "2", "4", "250", "354", "220", "Host",
               "port", "said", "SSL", "Hello", "smtp", "sent", "mail", "code", "led", "mtp", "Client",
               "xoauth2", "NoCredentials", "Tenant", "from", "user", "php", "js", "in", "on", "at", "to",
               "is", "ms", "of", "e", "C", "S", "b", "T", "Z", "Qq9", "zZ", "0000", "12345", "A", "F"]
VALUE_PIECES = st.sampled_from(VALUE_WORDS)
VALUE = st.lists(VALUE_PIECES, min_size=1, max_size=8).map("".join)
NUMBER = st.sampled_from(["250", "550", "354", "220", "2500", "5501", "0", "99999", "25", "2", "4", "5"])
PREFIXES = ["2026-11-20 00:00:45 SERVER -> CLIENT: ", "SERVER -> CLIENT: ", "S: ", "host said: ", "",
            "2026-11-20 00:00:45 MAIL FROM:<a@b.com> ", "2026-11-20 00:00:45 SMTP Error: ", "<< ",
            "2026-11-20 00:00:45 CLIENT -> SERVER: ", "(550, b'", "Message sent: "]
SUFFIXES = [" Queued mail for delivery", " Queued mail for delivery in /var/www/x.php:12", "", "'",
            " Queued mail for delivery (in reply to end of DATA command)", "\\r\\n", " 550 5.7.64 ATTR36"]


def _accept_line(prefix: str, mid: str, label: str, size: str, secs: str, rate: str, suffix: str,
                 label2: str = "eurprd02") -> str:
    return (f"{prefix}250 2.6.0 <{mid}@intranet.contoso.com> [InternalId=45356573746624, Hostname={label}"
            f".{label2}.prod.outlook.com] {size} bytes in {secs}, {rate} KB/sec{suffix}")


def _same_length(value: str, like: str) -> str:
    return (value * (len(like) // len(value) + 1))[: len(like)]


@FUZZ
@given(prefix=st.sampled_from(PREFIXES), suffix=st.sampled_from(SUFFIXES), mid=VALUE, label=VALUE,
       size=st.lists(NUMBER, min_size=2, max_size=2), secs=st.lists(NUMBER, min_size=4, max_size=4),
       label2=st.sampled_from(["eurprd02", "2.3", "7x", "php", "smtp"]))
def test_accept_replies_differing_in_their_values_read_as_worked_out_afresh(
    prefix: str, suffix: str, mid: str, label: str, size: list[str], secs: list[str], label2: str
) -> None:
    n_size = max(len(s) for s in size)
    n_secs, n_rate = max(len(s) for s in secs[:2]), max(len(s) for s in secs[2:])
    lines = []
    for m, lab, sz, (s1, s2) in ((_same_length(INERT, mid), _same_length(INERT, label), size[0], secs[:2]),
                                (mid, label, size[1], secs[2:])):
        lines.append(_accept_line(prefix, m, lab, sz.zfill(n_size), f"{s1.zfill(n_secs)}.{s2}",
                                  f"{s2.zfill(n_rate)}.{s1}", suffix, label2))
    lineinfo._plain_ids.clear()
    lineinfo._stamped_ids.clear()
    for line in lines:  # (the first one read teaches the second)
        info, stamped = lineinfo.info_of(line)
        lineinfo.says_sent(info, line)
        assert info == (_info(line) if stamped else _afresh_info(line)), line


def test_accept_replies_share_unless_a_value_holds_what_a_pattern_reads() -> None:
    """Every value of ``VALUE_PIECES`` after an inert one of the same length: each reads as afresh,
    and the inert ones (and only those the words of the patterns do not reach) share one key."""
    lineinfo._stamped_ids.clear()
    prefix, shared = "2026-11-20 00:00:45 SERVER -> CLIENT: ", 0
    for piece in VALUE_WORDS:
        for value in (_same_length(INERT, "x" * 43), _same_length(piece, "x" * 43), "1" * 42 + "a"):
            line = _accept_line(prefix, value, _same_length(INERT, "x" * 13), "48681", "0.499", "95.271",
                                " Queued mail for delivery")
            info = lineinfo.info_of(line)[0]
            lineinfo.says_sent(info, line)
            assert info == _info(line), line
            shared += lineinfo._ids_key(line[lineinfo.STAMP_LEN:]).count("x" * 43)
    assert shared > 10  # (the test reads the shortcut)
    assert lineinfo._inert("PBD4zrJ2sXPHVdtWRZQWO72N3WzUOT7ugaOkd1afFdk")
    for word in ("xTLSx", "xauthx", "ATTR36x", "xHostx", "port", "Helloz", "smtpq", "saidq", "xsent", "mail",
                 "codex", "1234x", "nocredentials", "xoauth2"):
        assert not lineinfo._inert(word), word
