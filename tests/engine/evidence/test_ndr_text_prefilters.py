"""ndr_text.py asks a cheap question before a costly pattern (start-up latency: an unused pattern is
never compiled). Each question must be one the pattern cannot match without: checked here on
lines built from the patterns' own words, with the letters a case-insensitive pattern treats as
ASCII (dotted/dotless i, long s, the Kelvin sign) and blanks mixed in."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from relaydoctor.engine.evidence.base import fold_case
from relaydoctor.engine.evidence.symptoms import ndr_text as t

WORDS = ["Receiving server", "RECEIVING SERVER", "Empfangender Server", "Serveur de réception",
         "Servidor de recepción", "Server di ricezione", "Ontvangende server", "Remote Server at",
         "remote server at", "mail.contoso.com", "EXCH01.corp.contoso.com", "#550", "# 421", ":", " : ",
         "x@fabrikam.com", "<mailto:x@fabrikam.com>",
         "{LED=550 5.7.64 x};{MSG=};{FQDN=h.example.com};{IP=1.2.3.4}",
         "\u0130", "\u0131", "\u017f", "\u212a", "s", "i", "k", " ", "\t", "\u00a0", "(10.0.0.1)", ".",
         # whole lines, or the anchored and multi-word patterns are almost never matched (checked:
         # without these, 300 examples never matched _RECEIVING, _REMOTE_AT or _HOST_HASH)
         "Receiving server: EXCH01.corp.contoso.com", "  Serveur de réception : mail.contoso.com",
         "Remote Server at mail.contoso.com", "mail.contoso.com #550 5.7.64", "EXCH01.corp.contoso.com # 421"]


def _swap(text: str, data: st.DataObject) -> str:
    """Some ASCII letters replaced by the non-ASCII letters ``re.I`` matches to them."""
    twins = {"i": "\u0131", "I": "\u0130", "s": "\u017f", "S": "\u017f", "k": "\u212a", "K": "\u212a"}
    return "".join(twins[c] if c in twins and data.draw(st.booleans()) else c for c in text)


line_of_words = st.lists(st.sampled_from(WORDS), max_size=8).map("".join)


@given(line_of_words, st.data())
def test_each_question_holds_wherever_its_pattern_matches(line: str, data: st.DataObject) -> None:
    line = _swap(line, data)
    if t._RECEIVING.match(line):
        assert t._may_be_receiving(line)
    if t._REMOTE_AT.search(line):
        assert "remote server at" in fold_case(line)
    if t._HOST_HASH.match(line):
        assert "#" in line
    if t._HOST_LINE.match(line):
        assert "." in line
    if t._RECIPIENT_LINE.match(line):
        assert "@" in line
    if t._LED.search(line):
        assert "{LED=" in line


def test_the_questions_are_put_to_the_test() -> None:
    """Not vacuous: the patterns match lines with the non-ASCII twins, and so do the questions."""
    for line in ("  Receiving server: mail.contoso.com", "Rece\u0131v\u0130ng \u017ferver: mail.contoso.com",
                 "Serveur de r\u00e9ception : EXCH01.corp.contoso.com"):
        assert t._RECEIVING.match(line) and t._may_be_receiving(line)
    assert t._REMOTE_AT.search("Remote \u017ferver at mail.contoso.com") and "remote server at" in fold_case(
        "Remote \u017ferver at mail.contoso.com")
