"""Reading a question's ``answers_with`` template and the key a given ``--answer`` may use."""

from __future__ import annotations

import argparse

import pytest
from relaydoctor.engine.answers import answer_form
from relaydoctor.engine.cliargs import parse_answer


@pytest.mark.parametrize(
    ("template", "key", "choices", "hint"),
    [
        ("egress_ip=<IPv4 address>", "egress_ip", (), "IPv4 address"),
        ("cert_valid=<yes|no>", "cert_valid", ("yes", "no"), ""),
        (
            "onprem_connector=<enabled|disabled|partner-only|none>",
            "onprem_connector",
            ("enabled", "disabled", "partner-only", "none"),
            "",
        ),
    ],
)
def test_answer_forms(template: str, key: str, choices: tuple, hint: str) -> None:
    form = answer_form(template)
    assert form is not None and (form.key, form.choices, form.hint) == (key, choices, hint)


def test_answer_form_rejects_garbage() -> None:
    assert answer_form("") is None and answer_form("no equals sign") is None


def test_given_answer_and_template_share_the_key_syntax() -> None:
    assert parse_answer(" egress_ip = 198.51.100.77 ") == ("egress_ip", "198.51.100.77")
    form = answer_form("onprem.connector-x=<a|b>")
    assert form is not None and form.key == "onprem.connector-x"
    assert parse_answer("onprem.connector-x=a") == ("onprem.connector-x", "a")
    with pytest.raises(argparse.ArgumentTypeError):
        parse_answer("1bad=x")
    assert answer_form("1bad=<a|b>") is None
