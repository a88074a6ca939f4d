"""The ``--answer KEY=VALUE`` format, read in one place for the CLI and the TUI.

A question's ``answers_with`` template (``egress_ip=<IPv4 address>``, ``cert_valid=<yes|no>``) names
the key and says what the value looks like; ``answer_form`` reads it so a front end can offer
choices or a hint. ``ANSWER_KEY`` is what a key may look like, in a template or in a given answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ANSWER_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_TEMPLATE = re.compile(rf"^\s*({ANSWER_KEY.pattern})\s*=\s*(.*?)\s*$")
_CHOICE = re.compile(r"[A-Za-z0-9_.:-]+")


@dataclass(frozen=True, slots=True)
class AnswerForm:
    """How a question is answered: ``key`` and either fixed ``choices`` or a free ``hint``."""

    key: str
    choices: tuple[str, ...] = ()
    hint: str = ""


def answer_form(answers_with: str) -> AnswerForm | None:
    """``"egress_ip=<IPv4 address>"`` → key and hint; ``"x=<yes|no>"`` → key and choices."""
    m = _TEMPLATE.match(answers_with or "")
    if not m:
        return None
    key, value = m.group(1), m.group(2)
    inner = value[1:-1] if value.startswith("<") and value.endswith(">") else value
    parts = [p.strip() for p in inner.split("|")]
    if len(parts) > 1 and all(_CHOICE.fullmatch(p) for p in parts):
        return AnswerForm(key, tuple(parts))
    return AnswerForm(key, (), inner)
