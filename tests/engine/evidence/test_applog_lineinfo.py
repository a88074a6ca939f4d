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
