"""What the ``relaydoctor`` command line reads and names, without argparse: the argument types,
the command of a line, and a plain ``diagnose`` line read as argparse reads it.

Apart from ``cliparser.py`` (argparse) so that a plain ``diagnose`` run never imports argparse and
gettext (issue 11 start-up latency); ``cli.py`` runs the commands, ``cliparser.py`` builds the
parser for every other line. Both read the argument types from here.
"""

from __future__ import annotations

import datetime as dt
import types
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import api
from .api import ANSWER_KEY, InputError

PROG = "relaydoctor"
DEFAULT_DEMO = "renewed-certificate"


class UsageError(InputError):
    """A bad command line (argparse's complaints end up here, as one line)."""


# ---------------------------------------------------------------------------------------------
# Argument types
# ---------------------------------------------------------------------------------------------


def _type_error(message: str) -> Exception:
    """``argparse.ArgumentTypeError(message)``, whose text argparse shows as it is. Imported here,
    on a refused value only: a plain ``diagnose`` line is read without argparse."""
    import argparse

    return argparse.ArgumentTypeError(message)


def parse_answer(text: str) -> tuple[str, str]:
    """``KEY=VALUE`` → (key, value); the key is a plain identifier."""
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not ANSWER_KEY.fullmatch(key):
        raise _type_error(f"{text!r} is not KEY=VALUE (e.g. egress_ip=198.51.100.77)")
    return key, value.strip()


def parse_now(text: str) -> dt.datetime:
    """ISO 8601 with ``Z`` or an offset; a time without one is UTC; a bare date is midnight UTC."""
    try:
        return api.parse_utc(text)
    except ValueError:
        raise _type_error(
            f"{text!r} is not an ISO 8601 time (e.g. 2026-11-27T12:00:00Z)"
        ) from None


def parse_ip_list(text: str) -> tuple[str, ...]:
    """``a, b;c`` → the entries (an empty text is an empty list: "no addresses")."""
    return tuple(p.strip() for p in text.replace(";", ",").split(",") if p.strip())


def parse_days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise _type_error(f"{text!r} is not a whole number of days") from None
    if not 0 <= value <= 3650:
        raise _type_error(f"{text!r}: days must be 0–3650")
    return value


def parse_sender_domain(text: str) -> str:
    """A planned MAIL FROM domain. An address, or a value no domain can be, is a usage error: it
    was looked up as a domain and reported "not an accepted domain", a wrong answer."""
    value = text.strip().rstrip(".")
    if "@" in value:
        domain = value.rpartition("@")[2]
        hint = f" ({domain})" if domain else ""
        raise _type_error(f"{text!r} is an address: give its domain{hint}")
    if "." not in value or any(c.isspace() or c in '<>[](){},;:"\\/*' for c in value):
        raise _type_error(f"{text!r} is not a domain name (e.g. contoso.com)")
    return value


def parse_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _type_error(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= 10 * 365 * 86400 or value != value:
        raise _type_error(f"{text!r}: seconds must be positive")
    return value


def command_of(argv: Sequence[str]) -> str | None:
    """The command ``argv`` starts with, or None (an option first: ``-h`` prints every command)."""
    return argv[0] if argv and not argv[0].startswith("-") else None


# diagnose's options as cliparser.build_parser declares them: option -> (dest, action, the value's
# type or its choices). tests/engine/cli/test_cli_plain_args.py checks it against that parser.
_DIAGNOSE_OPTIONS: dict[str, tuple[str, str, Any]] = {
    "--ndr": ("ndr", "append", None),
    "--answer": ("answer", "append", parse_answer),
    "--pack": ("pack", "append", None),
    "--no-builtin": ("no_builtin", "store_true", None),
    "--output": ("output", "store", None),
    "--force": ("force", "store_true", None),
    "--now": ("now", "store", parse_now),
    "--redact": ("redact", "store_true", None),
    "--pfx-password-env": ("pfx_password_env", "store", None),
    "-v": ("verbose", "store_true", None),
    "--verbose": ("verbose", "store_true", None),
    "--full": ("verbose", "store_true", None),
    "--format": ("format", "store", ("text", "markdown", "json")),
}


def plain_diagnose_args(argv: Sequence[str], func: Callable[..., int]) -> types.SimpleNamespace | None:
    """A plain ``diagnose PATH... [OPTION [VALUE]]...`` line as argparse reads it, or None for any
    other (argparse reads that one: help, usage errors, the other commands, every other form).
    ``func`` is what the parser's ``diagnose`` runs (``cli.cmd_diagnose``).

    Why: importing argparse and gettext (~1.6 ms) and building and running the parser the first
    time (~1 ms) cost ~2% of a diagnosis of a sample bundle on every run (issue 11). Taken: the
    paths first, then options of ``_DIAGNOSE_OPTIONS`` spelled in full, each value the next word,
    not starting with ``-``, that its type or choices accept. Declined: any other word starting
    with ``-`` (``-h``, ``--``, ``--format=json``, an abbreviation, ``-`` for stdin, a negative
    number), a path after an option, a missing or refused value. What it takes, argparse reads
    the same way (tests/engine/cli/test_cli_plain_args.py compares the two)."""
    if not argv or argv[0] != "diagnose":
        return None
    values: dict[str, Any] = {"command": "diagnose", "paths": []}
    for dest, action, _ in _DIAGNOSE_OPTIONS.values():
        values[dest] = [] if action == "append" else (False if action == "store_true" else None)
    at, end = 1, len(argv)
    while at < end and not argv[at].startswith("-"):
        values["paths"].append(argv[at])
        at += 1
    while at < end:
        option = _DIAGNOSE_OPTIONS.get(argv[at])
        if option is None:
            return None
        dest, action, accepts = option
        at += 1
        if action == "store_true":
            values[dest] = True
            continue
        if at == end or argv[at].startswith("-"):
            return None
        value: Any = argv[at]
        at += 1
        if isinstance(accepts, tuple):
            if value not in accepts:
                return None
        elif accepts is not None:
            try:
                value = accepts(value)
            except Exception:  # argparse says what is wrong with it
                return None
        if action == "append":
            values[dest].append(value)
        else:
            values[dest] = value
    return types.SimpleNamespace(**values, func=func)


def demo_examples() -> tuple[Path, dict[str, str]]:
    """The examples folder and each bundled example's one-line description (``index.yaml``)."""
    examples = api.examples_dir()
    shown = api.examples()
    if not shown:
        raise InputError("no bundled examples are installed", path=str(examples))
    return examples, shown


def demo_epilog() -> str:
    """``demo --help``'s list of the bundled examples (and ``demo --list``'s)."""
    try:
        _, shown = demo_examples()
    except InputError:
        return ""
    width = max(len(n) for n in shown)
    return "examples:\n" + "\n".join(f"  {n.ljust(width)}  {d}" for n, d in shown.items())
