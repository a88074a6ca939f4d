"""Filling ``{alias.field}`` / ``{answer.KEY}`` placeholders in messages and command templates.

Commands are PowerShell the admin will paste into a privileged shell, and the values come from
untrusted evidence (a certificate subject, a connector name). Every placeholder therefore becomes
exactly ONE single-quoted PowerShell argument: inside single quotes PowerShell expands nothing
(no ``$(...)``, no backtick escapes), and the only way out is a quote character, which PowerShell
recognises in four typographic forms besides ``'``; all of them are doubled. A value with control
characters (line breaks, escape sequences) is never pasted into a command: the placeholder stays
unfilled and is reported, like a value that is missing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .. import lazyre
from ..lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use

# {alias.field} or {answer.KEY}; anything else in braces (PowerShell script blocks) is left alone
PLACEHOLDER = lazyre.compile(r"\{([a-z_][a-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\}")
_QUOTES = "'\u2018\u2019\u201a\u201b"  # ' ‘ ’ ‚ ‛ : PowerShell ends a single-quoted string on any
_QUOTE_RE = lazyre.compile(f"([{_QUOTES}])")
_CONTROL = lazyre.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


@dataclass(frozen=True, slots=True)
class FilledCommand:
    """A command with its placeholders filled; ``missing`` names the placeholders left as
    ``<alias.field>`` because no (safe) value was known: the user must supply them."""

    text: str
    missing: tuple[str, ...] = ()


def placeholders(template: str) -> list[tuple[str, str]]:
    """The (alias, field) pairs a template names, in order."""
    return [(m.group(1), m.group(2)) for m in PLACEHOLDER.finditer(template)]


def ps_quote(value: str) -> str:
    """One PowerShell single-quoted string literal holding ``value`` exactly."""
    return "'" + _QUOTE_RE.sub(r"\1\1", value) + "'"


def _ps_argument(value: Any) -> str | None:
    """The value as one PowerShell argument, or None when it cannot be given safely."""
    if isinstance(value, bool):
        return "$true" if value else "$false"
    if isinstance(value, list | tuple):
        parts = [_ps_argument(v) for v in value]
        if not parts:
            return "@()"
        if any(p is None for p in parts):
            return None
        return ",".join(p for p in parts if p is not None)
    if isinstance(value, int | str):
        text = str(value)
        return None if _CONTROL.search(text) else ps_quote(text)
    return None


def shown_placeholder(key: str, labels: Mapping[str, str] | None = None) -> str:
    """How an unknown value appears in a step: ``<Label>`` from the step's labels, else ``<alias.field>``."""
    return f"<{(labels or {}).get(key, key)}>"


def fill_command(
    template: str, values: Mapping[str, object], labels: Mapping[str, str] | None = None
) -> FilledCommand:
    """Fill a command template. ``values`` maps ``"alias.field"`` (and ``"answer.KEY"``) to values;
    strings and numbers become single-quoted arguments, lists comma-separated quoted elements,
    booleans ``$true``/``$false``."""
    missing: list[str] = []

    def replace(m: re.Match[str]) -> str:
        key = f"{m.group(1)}.{m.group(2)}"
        value = values.get(key)
        arg = _ps_argument(value) if value is not None else None
        if arg is None:
            missing.append(key)
            return shown_placeholder(key, labels)
        return arg

    text = PLACEHOLDER.sub(replace, template)
    return FilledCommand(text, tuple(dict.fromkeys(missing)))


def _plain(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, int | str):
        return str(value)
    return None


def fill_text(
    template: str, values: Mapping[str, object], labels: Mapping[str, str] | None = None
) -> str:
    """Fill a message or step text as plain text (renderers escape it); unknown values stay
    visible as ``<Label>`` (the step's label) or ``<alias.field>``."""
    return fill_text_missing(template, values, labels)[0]


def fill_text_missing(
    template: str, values: Mapping[str, object], labels: Mapping[str, str] | None = None
) -> tuple[str, tuple[str, ...]]:
    """``fill_text`` and the placeholders (``alias.field``) it could not fill."""
    missing: list[str] = []

    def replace(m: re.Match[str]) -> str:
        key = f"{m.group(1)}.{m.group(2)}"
        value = values.get(key)
        text = _plain(value) if value is not None else None
        if text is None:
            missing.append(key)
            return shown_placeholder(key, labels)
        return text

    return PLACEHOLDER.sub(replace, template), tuple(dict.fromkeys(missing))
