"""mimelite (ndr.py's reading of a report without the email package's parser) against the real
``email.parser.Parser(policy=compat32)``: every part in walk order must hold the same headers,
content type, default type, payload as written and decoded, charset and boundary. Inputs: the
samples, generated report shapes, damaged and shuffled reports, and generated MIME trees with the
feed parser's corner cases (outer boundaries inside inner parts, boundaries that prefix each other,
repeated, missing or trailing-blank boundaries, CR/LF/CRLF mixes, envelope and misplaced From
lines, digests, delivery-status blocks with stray blank lines, texts longer than the parser's
8,192-character read)."""

from __future__ import annotations

import contextlib
import re
import signal
import sysconfig
from email._policybase import compat32
from email.parser import Parser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from relaydoctor.engine.evidence.symptoms import mimelite
from samplepath import SAMPLES as SAMPLE_DIR
from test_ndr_fuzz import SEEDS as FUZZ_SEEDS
from test_ndr_fuzz import damage
from test_ndr_plain_reading import PIECES, report

SAMPLE_TEXTS = [p.read_bytes().decode("utf-8", "replace")
                for p in sorted(SAMPLE_DIR.rglob("*.eml"))]


def shape(msg) -> list[tuple]:
    """What ndr.py can read of a message tree, part by part."""
    out = []
    for part in msg.walk():
        multi = part.is_multipart()
        row = [part.items(), part.get_content_type(), part.get_content_maintype(), multi,
               part.get_param("charset", "ASCII"), part.get_boundary(), len(part),
               "content-type" in part, part.get_all("Content-Type"), part.get("Date")]
        if multi:
            row.append(len(part.get_payload()))
        else:
            row += [part.get_payload(), part.get_payload(decode=False), _decoded(part)]
        out.append(tuple(row))
    return out


def _decoded(part) -> object:
    try:
        return part.get_payload(decode=True)
    except Exception as exc:  # the same failure both ways
        return type(exc).__name__


def check(text: str) -> None:
    lite = mimelite.parse(text)
    real = Parser(policy=compat32).parsestr(text)
    if lite is None:  # surrogates or a uuencoded part: the email package reads it
        assert not text.isascii() or re.search(r"(?i)uue", text)
        return
    assert shape(lite) == shape(real)


def test_the_samples() -> None:
    assert SAMPLE_TEXTS
    for text in SAMPLE_TEXTS:
        check(text)
        check(text.replace("\r\n", "\n"))
        check(text.replace("\r\n", "\r"))


STDLIB_EMAILS = Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_email" / "data"


@pytest.mark.skipif(not STDLIB_EMAILS.is_dir(), reason="this Python was installed without its test suite")
def test_cpythons_own_email_test_messages() -> None:
    """The email package's test corpus (multiparts, digests, DSNs, odd boundaries): as written,
    as Latin-1 and with CRLF line ends."""
    messages = sorted(STDLIB_EMAILS.glob("msg_*.txt"))
    assert messages
    for path in messages:
        raw = path.read_bytes().decode("latin-1")
        check(raw)
        check(raw.replace("\n", "\r\n"))


def test_generated_report_shapes() -> None:
    check(report().decode())
    check(report(ctype_extra="; x=\"=?utf-8?q?a?=\"").decode())
    check(report().decode().replace('boundary="B"', 'boundary="<B>"'))  # unquoted twice by compat32
    check(report().decode().replace('boundary="B"', 'boundary="B "'))


@given(st.sampled_from([*FUZZ_SEEDS, report()]), st.data())
def test_damaged_reports(seed: bytes, data: st.DataObject) -> None:
    check(damage(seed, data, b"\r\n\t:;=-'\"()\\<>[]#?*%0123456789 ").decode("latin-1"))


@given(st.lists(st.sampled_from(PIECES), max_size=40), st.sampled_from(["\r\n", "\n", "\r"]))
def test_shuffled_structures(lines: list[str], eol: str) -> None:
    check(eol.join(["Received: x", "Content-Type: multipart/report; boundary=B", "", *lines]))


LINES = [
    "--A", "--A--", "--AB", "--AB--", "--A  ", "--A--\t", "--A--x", "--Ax", "--B", "--B--", "--", "",
    " ", "\t", "From someone", "From ", ":no name", "X-H: v", " continued", "\tcontinued",
    "Content-Type: multipart/mixed; boundary=A", "Content-Type: multipart/mixed; boundary=\"AB\"",
    "Content-Type: multipart/alternative; boundary=B", "Content-Type: multipart/digest; boundary=B",
    "Content-Type: message/rfc822", "Content-Type: message/delivery-status", "Content-Type: message/partial",
    "Content-Type: text/plain; charset=utf-8", "Content-Type: text/plain; charset=\"x;y\"",
    "Content-Type: multipart/mixed", "Content-Type: text", "Content-Type: a/b/c",
    "Content-Type: multipart/mixed; boundary=A; boundary=B", "Content-Type: multipart/mixed; BOUNDARY=B",
    "Content-Transfer-Encoding: base64", "Content-Transfer-Encoding: quoted-printable",
    "Content-Transfer-Encoding: QUOTED-PRINTABLE ", "Content-Transfer-Encoding: 7bit",
    "QUJDRA==", "QUJD", "QUJ", "!!", "a=3Db=", "caf=C3=A9", "Status: 5.7.64", "Diagnostic-Code: smtp;550 x",
    "body text", "é ü", "Reporting-MTA: dns;x",
]


@given(st.lists(st.sampled_from(LINES), max_size=60), st.lists(st.sampled_from(["\r\n", "\n", "\r"]),
                                                             min_size=1, max_size=3), st.booleans())
def test_generated_trees(lines: list[str], eols: list[str], final_break: bool) -> None:
    head = ["Content-Type: multipart/mixed; boundary=A", ""]
    parts = head + lines
    text = "".join(line + eols[i % len(eols)] for i, line in enumerate(parts))
    check(text if final_break else text.rstrip("\r\n"))


CORNERS = {
    "envelope line": "From MAILER-DAEMON Fri Nov 20 00:41:20 2026\nSubject: x\n\nbody\n",
    "envelope line alone": "From MAILER-DAEMON Fri Nov 20 00:41:20 2026\n\nbody\n",
    "From as the last header line": "Subject: x\nX-A: 1\nFrom here on\nbody\n",
    "misplaced From": "Subject: x\nFrom inside\nX-A: 1\n\nbody\n",
    "From then continuation": "Subject: x\nFrom inside\n cont\nX-A: 1\n\nbody\n",
    "first line continued": " cont\nSubject: x\n\nbody\n",
    "missing name": ":x\n cont\nSubject: y\n\nbody\n",
    "no separator line": "Subject: x\nbody line\nmore\n",
    "digest": ("Content-Type: multipart/digest; boundary=D\n\n--D\n\nSubject: inner\n\nhello\n"
               "--D\nContent-Type: text/plain\n\nplain\n--D--\n"),
    "digest nested": ("Content-Type: multipart/mixed; boundary=A\n\n--A\nContent-Type: multipart/digest; "
                      "boundary=D\n\n--D\n\nX: 1\n\nin\n--D--\n--A--\n"),
    "delivery-status blanks": ("Content-Type: multipart/report; boundary=B\n\n--B\nContent-Type: "
                               "message/delivery-status\n\nReporting-MTA: dns;x\n\n\n\nStatus: 5.7.64\n"
                               "\nFinal-Recipient: rfc822;a@b.c\n--B--\n"),
    "delivery-status alone": "Content-Type: message/delivery-status\n\nA: 1\n\nB: 2\n\n",
    "delivery-status body lines": "Content-Type: message/delivery-status\n\nA: 1\nnot a header\n\nB: 2\n",
    "outer boundary inside": ("Content-Type: multipart/mixed; boundary=A\n\n--A\nContent-Type: "
                              "multipart/alternative; boundary=B\n\n--B\n\none\n--A\n\ntwo\n--A--\n"),
    "prefix boundaries": ("Content-Type: multipart/mixed; boundary=A\n\n--A\nContent-Type: "
                          "multipart/mixed; boundary=AB\n\n--AB\n\nx\n--AB--\nafter\n--A--\n"),
    "repeated boundary": "Content-Type: multipart/mixed; boundary=A\n\n--A\n--A\n--A \n\nx\n--A--\n",
    "no close": "Content-Type: multipart/mixed; boundary=A\n\npre\n--A\n\nx\n",
    "no start": "Content-Type: multipart/mixed; boundary=A\n\npre\nmore\n",
    "close only": "Content-Type: multipart/mixed; boundary=A\n\npre\n--A--\nepi\n",
    "no boundary": "Content-Type: multipart/mixed\n\n--A\n\nx\n--A--\n",
    "rfc822 nested": ("Content-Type: multipart/mixed; boundary=A\n\n--A\nContent-Type: message/rfc822\n\n"
                      "Content-Type: multipart/mixed; boundary=C\n\n--C\n\ninner\n--C--\n--A--\n"),
    "message without body": "Content-Type: message/rfc822\n",
    "cr only": "Content-Type: multipart/mixed; boundary=A\r\r--A\rContent-Type: text/plain\r\rx\r--A--\r",
    "crlf split": "Content-Type: multipart/mixed; boundary=A\r\n\r\n--A\r\n\r\nx\r\r\n--A--",
    "empty": "",
    "headers only": "Subject: x",
    "quoted semicolon": "Content-Type: text/plain; charset=\"a;b\"; x=1\n\nbody\n",
    "bare attribute": "Content-Type: multipart/mixed; boundary; boundary=A\n\n--A\n\nx\n--A--\n",
}


@pytest.mark.parametrize("name", sorted(CORNERS))
def test_corner_cases(name: str) -> None:
    for eol in ("\n", "\r\n", "\r"):
        check(CORNERS[name].replace("\n", eol) if "\r" not in CORNERS[name] else CORNERS[name])


def test_a_text_longer_than_the_parsers_read_size() -> None:
    """Parser.parse feeds 8,192 characters at a time: a CRLF or a boundary across a read's end."""
    for pad in range(8170, 8200):
        body = "x" * pad
        for eol in ("\r\n", "\r"):
            check(eol.join(["Content-Type: multipart/mixed; boundary=A", "", "--A", "", body, "--A",
                            "Content-Type: text/plain", "", "y" * 50, "--A--", ""]))


def test_surrogates_and_uuencode_are_left_to_the_email_package() -> None:
    assert mimelite.parse("Subject: \udcff\n\nbody\n") is None
    uu = ("Content-Type: multipart/mixed; boundary=A\n\n--A\nContent-Transfer-Encoding: x-uuencode\n\n"
          "b\n--A--\n")
    assert mimelite.parse(uu) is None


@given(st.text(alphabet="-AB \t\r\nx", max_size=12), st.sampled_from(["--A", "--AB", "--A.B(", "--"]))
def test_boundary_match_is_the_feed_parsers_pattern(line: str, separator: str) -> None:
    rx = re.compile("(?P<sep>" + re.escape(separator)
                    + r")(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$")
    for candidate in (line, separator + line):
        mo = rx.match(candidate)
        expected = None if mo is None else (bool(mo.group("end")), mo.group("linesep"))
        assert mimelite.boundary_match(separator, candidate) == expected


@given(st.text(alphabet=';"\\= aB\t', max_size=30))
def test_parameters_split_as_the_email_package_splits_them(header: str) -> None:
    from email.message import _parseparam  # type: ignore[attr-defined]

    assert mimelite._parseparam(header) == _parseparam(header)


@contextlib.contextmanager
def _within(seconds: int, what: str):
    """Fail (AssertionError) when the block runs past ``seconds``: a guard against a quadratic
    reading, not a timing (SIGALRM, so the main thread only, as pytest runs tests)."""
    def hung(_signum, _frame):
        raise AssertionError(f"{what} within {seconds} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_a_type_header_of_many_quoted_semicolons_is_read_in_linear_time() -> None:
    """The email package's split of parameters counts the quotes before each ``;`` afresh: a type
    header of ~1 MB of quoted semicolons (an .eml may be 32 MB) took minutes to hours. A guard,
    not a timing: the linear reading takes well under a second, the quadratic one far longer."""
    text = 'Content-Type: multipart/mixed; boundary="' + ";" * 1_000_000 + '"\n\n--x\n'
    with _within(20, "the parameters of a 1 MB header were not split"):
        msg = mimelite.parse(text)
    assert msg is not None and msg.get_boundary() == ";" * 1_000_000


def test_deep_nesting_costs_one_look_up_a_line() -> None:
    """Each line read is tested against every open boundary in the email package (the false-EOF
    stack): 300 nested multiparts over 600,000 body lines (~0.6 MB of an .eml up to 32 MB) took
    ~30 s. mimelite keeps the open separators in a dict. A guard (alarm at 10 s), not a timing;
    the tree is still the real parser's."""
    head = "".join(f"Content-Type: multipart/mixed; boundary=B{i}\n\n--B{i}\n" for i in range(300))
    text = head + "\nbody\n" + "\n" * 600_000 + "--B7--\nafter\n--B0\n\nlast\n"
    with _within(10, "600,000 lines under 300 nested multiparts were not read"):
        lite = mimelite.parse(text)
    small = head + "\nbody\n" + "\n" * 50 + "--B7--\nafter\n--B0\n\nlast\n"
    assert lite is not None and len(list(lite.walk())) == len(list(mimelite.parse(small).walk()))
    check(small)
