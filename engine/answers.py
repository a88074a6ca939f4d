"""The ``--answer KEY=VALUE`` format, read in one place for the CLI and the TUI.

A question's ``answers_with`` template (``egress_ip=<IPv4 address>``, ``cert_valid=<yes|no>``) names
the key and says what the value looks like; ``answer_form`` reads it so a front end can offer
choices or a hint. ``ANSWER_KEY`` is what a key may look like, in a template or in a given answer.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from typing import Any

from . import lazyre
from .lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use

ANSWER_KEY = lazyre.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_TEMPLATE = lazyre.compile(rf"^\s*({ANSWER_KEY.pattern})\s*=\s*(.*?)\s*$")
_CHOICE = lazyre.compile(r"[A-Za-z0-9_.:-]+")


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


# ----------------------------------------------------------------------------------------------
# Which answers the loaded packs understand, and whether a given one is one of them
# ----------------------------------------------------------------------------------------------

# Keys read by relations (engine/relations), not by rules: key -> the template that describes them.
SCOPE_ANSWER_KEYS = ("tenant", "onprem_org")  # engine/scope.py: which of two tenants / organisations
RELATION_KEYS = {"egress_ip": "egress_ip=<IPv4 address>", "cert_trusted": "cert_trusted=<yes|no>"}
_IP_HINT = lazyre.compile(r"\bIP(v[46])?\b.*address|address.*\bIP\b", re.IGNORECASE)
_HOST_HINT = lazyre.compile(r"host name", re.IGNORECASE)


def known_answers(packs: Any) -> dict[str, AnswerForm]:
    """Every answer key the packs read, with its allowed values (``choices``, from the questions'
    templates and the values rules test) or a free ``hint``."""
    cached = _KNOWN.get(id(packs))
    if cached is not None and cached[0] is packs:
        return cached[1]
    forms = _known_answers(packs)
    _KNOWN[id(packs)] = (packs, forms)
    return forms


_KNOWN: dict[int, tuple[Any, dict[str, AnswerForm]]] = {}


def _known_answers(packs: Any) -> dict[str, AnswerForm]:
    forms: dict[str, AnswerForm] = {}
    templates = [*RELATION_KEYS.values()]
    templates += [c.question.answers_with for c in packs.causes.values() if c.question is not None]
    for template in templates:
        form = answer_form(template)
        if form is not None:
            old = forms.get(form.key)
            choices = tuple(dict.fromkeys([*(old.choices if old else ()), *form.choices]))
            forms[form.key] = AnswerForm(form.key, choices, form.hint or (old.hint if old else ""))
    for key, values in _rule_values(packs).items():
        old = forms.get(key)
        if values is None:  # a rule reads the key without fixed values (a regex, a reference)
            forms[key] = AnswerForm(key, (), (old.hint if old else "") or "a value")
        elif old is None or old.choices:
            prior = old.choices if old else ()
            forms[key] = AnswerForm(key, tuple(dict.fromkeys([*prior, *values])))
    return dict(sorted(forms.items()))


def _rule_values(packs: Any) -> dict[str, tuple[str, ...] | None]:
    """Answer key -> the literal values rules compare ``value`` with (None: not only literals)."""
    out: dict[str, tuple[str, ...] | None] = {}
    for rule in packs.rules:
        for pattern in rule.when:
            if pattern.kind != "answer":
                continue
            tests = pattern.field_tests()
            keys = [t.value for t in tests if t.field == "key" and t.op == "eq" and isinstance(t.value, str)]
            keys += [v for t in tests if t.field == "key" and t.op == "in" for v in t.value]
            values: list[str] | None = []
            for t in tests:
                if t.field != "value":
                    continue
                if t.op == "eq" and isinstance(t.value, str | int | bool):
                    values.append(str(t.value))
                elif t.op == "in" and isinstance(t.value, tuple):
                    values.extend(str(v) for v in t.value)
                else:
                    values = None
                    break
            for key in keys:
                if not isinstance(key, str):
                    continue
                if key in out and out[key] is None:
                    continue
                out[key] = None if values is None or not values else (*(out.get(key) or ()), *values)
    return out


def answer_problem(key: str, value: str, packs: Any) -> str | None:
    """One line naming what is wrong with ``KEY=VALUE`` (None when the packs understand it)."""
    forms = known_answers(packs)
    form = forms.get(key)
    if key in SCOPE_ANSWER_KEYS:  # which tenant / organisation: checked against the evidence later
        return None if value.strip() else f"--answer {key}=: name the {key} (the report lists those found)"
    if form is None:
        import difflib  # only for a suggestion: not on every run's import path
        near = difflib.get_close_matches(key.lower(), list(forms), n=1, cutoff=0.6)
        hint = f" (did you mean {near[0]}?)" if near else ""
        return f"--answer {key}={value}: unknown key {key!r}{hint}; known keys: {', '.join(forms)}"
    if form.choices:
        if value in form.choices:
            return None
        import difflib  # only for a suggestion: not on every run's import path
        near = difflib.get_close_matches(value.lower(), list(form.choices), n=1, cutoff=0.5)
        hint = f" (did you mean {near[0]}?)" if near else ""
        return (
            f"--answer {key}={value}: {value!r} is not an answer to {key}{hint}; "
            f"allowed: {', '.join(form.choices)}"
        )
    if not value.strip():
        return f"--answer {key}=: give a value ({form.hint or 'a value'})"
    if _IP_HINT.search(form.hint) and not _HOST_HINT.search(form.hint):
        bad = [p for p in re.split(r"[,;\s]+", value.strip()) if p and not _is_ip(p)]
        if bad:
            return f"--answer {key}={value}: {bad[0]!r} is not an IP address ({form.hint})"
    return None


def answers_problem(answers: Mapping[str, str], packs: Any) -> str | None:
    """The first problem among several answers, in key order."""
    for key, value in sorted(answers.items()):
        problem = answer_problem(key, str(value), packs)
        if problem:
            return problem
    return None


def candidate_values(form: AnswerForm, ip_ranges: Sequence[str] = ()) -> tuple[str, ...]:
    """Values worth trying for a question (to tell whether its answer can change the outcome):
    the choices, or for a free value a few telling examples."""
    if form.choices:
        return form.choices
    if _IP_HINT.search(form.hint) and not _HOST_HINT.search(form.hint):
        inside = [str(next(iter(_network(r).hosts()), _network(r).network_address))
                  for r in ip_ranges if _network(r) is not None]
        outside = next(
            (ip for ip in _OUTSIDE if not any(_network(r) and ipaddress.ip_address(ip) in _network(r)
                                               for r in ip_ranges)),
            _OUTSIDE[0],
        )
        return tuple(dict.fromkeys([*inside[:3], outside]))
    if _HOST_HINT.search(form.hint):
        return _HOSTS
    return ()


_OUTSIDE = ("192.0.2.254", "198.51.100.254", "203.0.113.254", "100.64.0.1")
_HOSTS = (
    "contoso-com.mail.protection.outlook.com",
    "smtp.office365.com",
    "contoso.mail.eo.outlook.com",
    "relay.contoso.invalid",
)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None
