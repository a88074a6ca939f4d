"""Literal tests put before a pattern on the sniffing path (issue 11, start-up latency): a gate or
a line reader asks ``"text" in line`` before it runs a pattern over a whole head or every line.
Each literal must be one the pattern cannot match without, so the answer never changes: checked
here on text built from the patterns' own words, with blanks, quotes and line breaks mixed in."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st
from relaydoctor.engine.evidence import registry as r
from relaydoctor.engine.evidence.base import Document
from relaydoctor.engine.evidence.cmdlets import formatlist, formattable, textlines

WORDS = ["EMAIL_HOST", "MAIL_HOST", "SMTP", "SMTP_HOST", "SMTP_SERVER", "smtp", "Smtp", "<mailSettings",
         "relayhost", "smtp_", "smtpd_", "my", "mydomain", "inet_", "alias_", "append_dot_", "biff",
         "compatibility_level", "mailbox_size_limit", "recipient_delimiter", "readme_directory",
         "source", "quelle", "origine", "origen", "Source", "sourc", "origin",
         "PS", "[PS]", "PS C:\\Users\\adm", "C:\\", "c:\\Windows", ">", ">>", "> ", "Get-AcceptedDomain",
         "Name", "DomainName  ", "Default", "  ", " ", " : ", ":", " :", "=", " = ", "\"", "'", "-",
         "\t", "\n", "\r\n", "\r", "\u00a0", "\u2028", "x", "1", "{", "}", "...", "\u2026", "{a, b...}",
         # whole matches, or the patterns are seldom matched by chance
         "\nSMTP_HOST=", " 'MAIL_HOST' :", "\nsource :", " quelle:", "\nrelayhost =", " myhostname=",
         "\nPS C:\\> ", "\n[PS] C:\\Windows\\system32>", "\nDomainName : contoso.com"]
text_of_words = st.lists(st.sampled_from(WORDS), max_size=12).map("".join)


# the gates' patterns as one search each (look-behind first): what registry._after_blank must answer
HOST_KEY = re.compile(
    r"(?:^|(?<=[\s\-\"']))(?:EMAIL_HOST|MAIL_HOST|SMTP(?:_HOST|_SERVER)?)[\"']?\s*[=:]", re.MULTILINE)
SOURCE_LABEL = re.compile(r"(?<!\S)(?:source|quelle|origine|origen)\s*:")
POSTFIX_KEY = re.compile(rf"(?<!\S)(?:{'|'.join(r.POSTFIX_HINTS)})[a-z0-9_]*\s*=")
EXIM_FLAG = re.compile(r"\s(?:<=|=>|->|\*\*|==)\s")
BLANKS = ["\x1c", "\x1f", "\x85", "\u3000", "\v", "\f", "<=", "=>", "->", "**", "==", "a<= ", " ->\t"]


@given(st.lists(st.sampled_from(WORDS + BLANKS), max_size=12).map("".join))
def test_the_gates_search_as_their_patterns_did(text: str) -> None:
    assert r._after_blank(r._HOST_KEY, text, "-\"'") == bool(HOST_KEY.search(text))
    assert r._after_blank(r._SOURCE_LABEL, text) == bool(SOURCE_LABEL.search(text))
    assert r._after_blank(r._POSTFIX_KEY, text) == bool(POSTFIX_KEY.search(text))
    assert r._after_blank(r._EXIM_FLAG, text, at_start=False) == bool(EXIM_FLAG.search(text))


@given(text_of_words)
def test_each_literal_is_in_every_text_its_pattern_matches(text: str) -> None:
    if HOST_KEY.search(text):
        assert "MAIL_HOST" in text or "SMTP" in text
    if SOURCE_LABEL.search(text):
        assert any(w in text for w in r._SOURCE_WORDS)
    if POSTFIX_KEY.search(text):
        assert any(h in text for h in r.POSTFIX_HINTS)
    for line in text.split("\n"):
        if textlines._PROMPT.match(line):
            assert ">" in line
        if formatlist._LABEL.match(line):
            assert " :" in line
        if formatlist._TRUNCATED_LIST.match(line):
            assert line.startswith("{")


TABLE_WORDS = ["Name", "Id", "DomainName", "Default", "contoso.com", "True", " ", "  ", "-", "--", "----",
               "\n", "\r\n", "\r", "\t", "\x1b[32m", "\x1b[0m", "x", "\n----  --\n", "\r\n  -- ----",
               "Name Id\n---- --", "Name        DomainName\r\n----        ----------", "\rId\r--"]


@given(st.lists(st.sampled_from(TABLE_WORDS), max_size=16).map("".join))
def test_the_format_table_gate_holds_wherever_a_table_is_found(text: str) -> None:
    doc = Document("t.txt", len(text), text.encode("utf-8"), lambda: None)  # type: ignore[arg-type,return-value]
    if formattable.find_tables(textlines.split_lines(doc.head_text())):
        assert r._format_table(doc)


@given(text_of_words)
def test_the_functions_answer_as_their_patterns_alone(text: str) -> None:
    assert textlines.is_prompt(text) == bool(textlines._PROMPT.match(text))


def test_the_literals_are_put_to_the_test() -> None:
    """Not vacuous: each pattern matches texts of these words (and the literal is there)."""
    assert r._after_blank(r._HOST_KEY, "export SMTP_HOST=mail.contoso.com", "-\"'")
    assert r._after_blank(r._HOST_KEY, '"EMAIL_HOST": "smtp.office365.com"', "-\"'")
    assert not r._after_blank(r._HOST_KEY, 'XEMAIL_HOST: "smtp.office365.com"', "-\"'")
    assert r._after_blank(r._SOURCE_LABEL, "source: schannel")
    assert r._after_blank(r._POSTFIX_KEY, "relayhost = [smtp.office365.com]:587")
    assert r._after_blank(r._EXIM_FLAG, "1abc-000 <= a@b", at_start=False)
    assert not r._after_blank(r._EXIM_FLAG, "<= a@b", at_start=False)
    assert textlines.is_prompt("PS C:\\Users\\adm> Get-AcceptedDomain") and textlines.is_prompt(">> ")
    assert formatlist._LABEL.match("DomainName   : contoso.com")
    table = "Name        DomainName\r\n----        ----------\r\ncontoso.com contoso.com\r\n"
    doc = Document("t.txt", len(table), table.encode(), lambda: None)  # type: ignore[arg-type,return-value]
    assert formattable.find_tables(textlines.split_lines(table)) and r._format_table(doc)
