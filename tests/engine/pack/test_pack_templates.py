"""Template filling: every placeholder becomes ONE inert PowerShell argument, whatever it holds."""

from __future__ import annotations

import pytest
from relaydoctor.engine.pack.templates import FilledCommand, fill_command, fill_text, placeholders, ps_quote

SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"
DOUBLE_QUOTES = '"\u201c\u201d\u201e'


class Danger(Exception):
    """The command has syntax outside quotes that could run something else."""


def ps_arguments(command: str) -> list[object]:
    """Split a PowerShell command line into its words, the way PowerShell's tokenizer does for
    the parts we emit: bare words, single-quoted strings (any of the five single quote
    characters; a doubled quote is one literal quote) and comma-joined arrays of them. Anything
    that would start another statement or expand (; | & # $( ` newline, double quotes) outside
    single quotes raises Danger. A word is a str; an array is a tuple of str."""
    words: list[object] = []
    i, n = 0, len(command)
    while i < n:
        ch = command[i]
        if ch == " ":
            i += 1
            continue
        parts: list[str] = []
        while True:
            ch = command[i]
            if ch in SINGLE_QUOTES:
                i += 1
                buf = []
                while True:
                    if i >= n:
                        raise Danger("unterminated string")
                    if command[i] in SINGLE_QUOTES:
                        if i + 1 < n and command[i + 1] in SINGLE_QUOTES:
                            buf.append(command[i + 1])
                            i += 2
                            continue
                        i += 1
                        break
                    buf.append(command[i])
                    i += 1
                parts.append("".join(buf))
            else:
                start = i
                while i < n and command[i] not in " ," + SINGLE_QUOTES:
                    if command[i] in ";|&#`\n\r{}()" + DOUBLE_QUOTES or command.startswith("$(", i):
                        raise Danger(f"{command[i]!r} outside quotes at {i}")
                    i += 1
                parts.append(command[start:i])
            if i < n and command[i] == ",":
                i += 1
                continue
            break
        words.append(parts[0] if len(parts) == 1 else tuple(parts))
    return words


TEMPLATE = "Set-InboundConnector -Identity {c.name} -TlsSenderCertificateName {s.cert_cn}"


@pytest.mark.parametrize(
    "hostile",
    [
        "x'; Remove-Item -Recurse C:\\ #",
        "x\u2019; Remove-Item -Recurse C:\\ #",
        "x\u2018; Remove-Item C:\\ \u201b",
        "x\u201a\u201a'\u2019; calc",
        "$(Remove-Item -Recurse C:\\)",
        "`$(calc)`; `n",
        '"; calc; "',
        "a' -Confirm:$false '",
        "''''",
        "'",
        "mail.contoso.com | Out-File x",
        "& calc.exe",
        "{s.cert_cn}",
    ],
)
def test_hostile_values_stay_one_argument(hostile: str) -> None:
    filled = fill_command(TEMPLATE, {"c.name": "Inbound from X", "s.cert_cn": hostile})
    assert filled.missing == ()
    words = ps_arguments(filled.text)
    assert words == [
        "Set-InboundConnector",
        "-Identity",
        "Inbound from X",
        "-TlsSenderCertificateName",
        hostile,
    ]


def test_the_injection_example_literally() -> None:
    subject = "x'; Remove-Item -Recurse C:\\ #"
    filled = fill_command(TEMPLATE, {"c.name": "c", "s.cert_cn": subject})
    assert (
        filled.text
        == "Set-InboundConnector -Identity 'c' -TlsSenderCertificateName 'x''; Remove-Item -Recurse C:\\ #'"
    )
    assert len(ps_arguments(filled.text)) == 5


def test_typographic_quotes_are_doubled() -> None:
    assert (
        ps_quote("a\u2018b\u2019c\u201ad\u201be'f")
        == "'a\u2018\u2018b\u2019\u2019c\u201a\u201ad\u201b\u201be''f'"
    )


def test_lists_booleans_and_numbers() -> None:
    filled = fill_command(
        "Set-X -Ips {c.sender_ip_addresses} -On {c.enabled} -Off {c.require_tls} -N {s.sessions} -E {c.none}",
        {
            "c.sender_ip_addresses": ["198.51.100.7", "x';calc"],
            "c.enabled": True,
            "c.require_tls": False,
            "s.sessions": 3,
            "c.none": [],
        },
    )
    assert filled.text == "Set-X -Ips '198.51.100.7','x'';calc' -On $true -Off $false -N '3' -E @()"
    words = ps_arguments(filled.text.replace(" @()", ""))
    assert words[2] == ("198.51.100.7", "x';calc")


def test_missing_and_unsafe_values_are_left_for_the_user() -> None:
    filled = fill_command(
        "Set-X -A {a.one} -B {b.two} -C {answer.egress_ip} -D {c.bad}",
        {"a.one": "ok", "answer.egress_ip": "198.51.100.77", "c.bad": "line\nbreak", "b.two": None},
    )
    assert filled == FilledCommand(
        "Set-X -A 'ok' -B <b.two> -C '198.51.100.77' -D <c.bad>", ("b.two", "c.bad")
    )


def test_script_blocks_are_not_placeholders() -> None:
    template = "Get-InboundConnector | Where-Object { $_.Name -eq {c.name} }"
    filled = fill_command(template, {"c.name": "X"})
    assert filled.text == "Get-InboundConnector | Where-Object { $_.Name -eq 'X' }"
    assert placeholders(template) == [("c", "name")]


def test_fill_text_is_plain() -> None:
    text = fill_text(
        "{s.cert_cn} was presented to {s.remote_host} ({s.cert_sans}, tls {s.to_eop}); {m.missing}",
        {"s.cert_cn": "x'y", "s.remote_host": "eop", "s.cert_sans": ["a", "b"], "s.to_eop": True},
    )
    assert text == "x'y was presented to eop (a, b, tls true); <m.missing>"


@pytest.mark.parametrize(
    "unsafe",
    [
        "Set-X -A x; calc",
        "Set-X -A 'x'; calc",
        "Set-X -A $(calc)",
        "Set-X -A x # c",
        'Set-X -A "$env:x"',
        "Set-X 'a",
    ],
)
def test_the_tokenizer_itself_catches_escapes(unsafe: str) -> None:
    """The check above would catch a quoting bug: unquoted or broken-out text is Danger."""
    with pytest.raises(Danger):
        ps_arguments(unsafe)
