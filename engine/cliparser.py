"""The ``relaydoctor`` command line's argparse parser (``build_parser``), apart from ``cli.py``.

argparse and the gettext it imports cost ~1.6 ms to import and ~1 ms to build and run a parser the
first time, on every run (issue 11). A plain ``diagnose`` command line does not need them:
``cliargs.plain_diagnose_args`` reads it (the same values, a test compares the two), and
``cli.main`` imports this module only for any other command line — help, usage errors, other
commands. What the commands do stays in ``cli.py``, which gives them to ``build_parser``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from . import __version__
from .cliargs import (
    DEFAULT_DEMO,
    PROG,
    UsageError,
    demo_epilog,
    parse_answer,
    parse_days,
    parse_ip_list,
    parse_now,
    parse_seconds,
    parse_sender_domain,
)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (no usage dump) and never exits by itself."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')", path=None)

    def _get_formatter(self) -> argparse.HelpFormatter:
        # argparse makes a formatter for every add_argument, and a formatter without a width asks
        # shutil, whose import (bz2, lzma) cost ~2 ms of every run: the same width, from os
        return self.formatter_class(prog=self.prog, width=_terminal_columns() - 2)


def _terminal_columns() -> int:
    """``shutil.get_terminal_size().columns``: $COLUMNS, else the terminal's, else 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


# ---------------------------------------------------------------------------------------------
# Parser
# ---------------------------------------------------------------------------------------------


class _Unbuilt:
    """Where the arguments of a command this run does not run would go: nowhere. argparse makes a
    help formatter for every ``add_argument``; making all the commands' cost ~3 ms of every run."""

    def add_argument(self, *args: Any, **kwargs: Any) -> None:
        return None

    def set_defaults(self, **kwargs: Any) -> None:
        return None

    def add_subparsers(self, **kwargs: Any) -> _Unbuilt:
        return self

    def add_parser(self, *args: Any, **kwargs: Any) -> _Unbuilt:
        return self


class _Commands:
    """``add_subparsers``'s action, making only the ``only`` command's parser when ``only`` is one
    of ``COMMANDS`` (it parses alike: the others are never reached), else every command's
    (help and an unknown command's error list them all)."""

    def __init__(self, real: Any, only: str | None) -> None:
        self._real, self._only = real, only if only in COMMANDS else None

    def add_parser(self, name: str, **kwargs: Any) -> Any:
        if self._only in (None, name):
            return self._real.add_parser(name, **kwargs)
        return _Unbuilt()


# every command build_parser makes, in its order (a test checks the two agree)
COMMANDS = ("tui", "diagnose", "facts", "codes", "explain", "rules", "precheck", "watch", "collect-script",
            "demo")


def build_parser(only: str | None, commands: Mapping[str, Callable[..., int]]) -> argparse.ArgumentParser:
    """The CLI's parser; with ``only`` (a command), that command's arguments alone are made.
    ``commands``: what runs each command (``"rules test"`` for a rules one), as its ``func``."""
    parser = _Parser(
        prog=PROG,
        description="Explain Exchange Online relay rejections (550 5.7.64 TenantAttribution and "
        "relatives) from your own evidence, offline. Without a command, opens the terminal UI.",
        epilog="Exit codes: 0 report produced, 1 'rules test' failures, 2 usage or input error, "
        "70 internal error (a bug), 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    actions = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub = _Commands(actions, only)

    p = sub.add_parser("tui", help="the terminal UI (also what plain 'relaydoctor' runs)")
    p.add_argument("paths", nargs="*", metavar="PATH", help="evidence to preload")
    p.add_argument("--answer", action="append", default=[], type=parse_answer, metavar="KEY=VALUE",
                   help=_HELP["answer"])
    p.add_argument("--pack", action="append", default=[], metavar="DIR", help=_HELP["pack"])
    p.add_argument("--now", type=parse_now, metavar="ISO8601", help=_HELP["now"])
    p.add_argument("--pfx-password-env", metavar="VAR", help=_HELP["pfx"])
    p.set_defaults(func=commands["tui"])

    p = sub.add_parser("diagnose", help="diagnose evidence files, folders or zips")
    p.add_argument("paths", nargs="*", metavar="PATH", help="evidence: files, folders or zip bundles")
    _diagnose_options(p)
    _format_option(p, ("text", "markdown", "json"))
    p.set_defaults(func=commands["diagnose"])

    p = sub.add_parser("facts", help="what was extracted from the evidence, with provenance")
    p.add_argument("paths", nargs="+", metavar="PATH", help="evidence: files, folders or zip bundles")
    _format_option(p, ("text", "json"))
    p.add_argument("--ndr", action="append", default=[], metavar="TEXT", help=_HELP["ndr"])
    p.add_argument("--now", type=parse_now, metavar="ISO8601", help=_HELP["now"])
    p.add_argument("--pack", action="append", default=[], metavar="DIR", help=_HELP["pack"])
    p.add_argument("--pfx-password-env", metavar="VAR", help=_HELP["pfx"])
    p.add_argument("--redact", action="store_true", help=_HELP["redact"])
    _output_options(p)
    p.set_defaults(func=commands["facts"])

    p = sub.add_parser("codes", help="the error codes and causes the loaded packs know")
    p.add_argument("--pack", action="append", default=[], metavar="DIR", help=_HELP["pack"])
    _no_builtin_option(p)
    p.set_defaults(func=commands["codes"])

    p = sub.add_parser(
        "explain",
        help="the knowledge entry of an error code or a cause (or of the code recognising a status or reply)",
    )
    p.add_argument("topic", metavar="CODE|CAUSE",
                   help="an error code (5.7.64), a cause id, a reply token (ATTR36, UnknownCredentials) "
                        "or reply text")
    p.add_argument("--pack", action="append", default=[], metavar="DIR", help=_HELP["pack"])
    _no_builtin_option(p)
    p.set_defaults(func=commands["explain"])

    p = sub.add_parser("rules", help="lint, test or scaffold knowledge packs")
    rsub = p.add_subparsers(dest="rules_command", metavar="lint|test|new|fields|docs", parser_class=_Parser)
    p.set_defaults(
        func=lambda a, rules_parser=p: _usage(rules_parser, "choose one of: lint, test, new, fields, docs")
    )
    r = rsub.add_parser("lint", help="check packs; prints every path:line: problem (exit 2 if any)")
    r.add_argument("--pack", action="append", default=[], metavar="DIR", help=_HELP["pack"])
    _no_builtin_option(r)
    r.set_defaults(func=commands["rules lint"])
    r = rsub.add_parser("test", help="run every pack case with the real engine (exit 1 on failures)")
    r.add_argument("cases", nargs="*", metavar="CASE",
                   help="run only these cases (case ids, or pack ids for all of a pack's cases)")
    r.add_argument("-v", "--verbose", action="store_true",
                   help="per case: the rules that concluded, and the expected causes' nearest misses")
    r.add_argument("--pack", action="append", default=[], metavar="DIR", help=_HELP["pack"])
    _no_builtin_option(r)
    r.set_defaults(func=commands["rules test"])
    r = rsub.add_parser("fields", help="the fact kinds rules test, or one kind's fields, types and values")
    r.add_argument("kind", nargs="?", metavar="KIND", help="a fact kind, e.g. inbound_connector")
    r.set_defaults(func=commands["rules fields"])
    r = rsub.add_parser("docs", help="print the pack author's guide and reference, or write them to a folder")
    r.add_argument("name", nargs="?", choices=("guide", "reference", "format"), metavar="NAME",
                   help="only this document: guide, reference or format (default: guide and reference)")
    r.add_argument("--dest", metavar="DIR", help="write every document and the pack JSON Schema into DIR")
    r.set_defaults(func=commands["rules docs"])
    r = rsub.add_parser("new", help="scaffold a new code's knowledge, rule and case")
    r.add_argument("code", metavar="CODE", help="the new error code, e.g. 5.7.99")
    r.add_argument("--dest", default=".", metavar="DIR", help="pack directory to write into (default: .)")
    r.set_defaults(func=commands["rules new"])

    p = sub.add_parser(
        "precheck",
        help="will a planned change break relay? (no plan: audit the current configuration)",
        epilog="Exit codes: 0 no check failed, 1 a check failed, 2 usage or input error.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="the current exports (as for diagnose)")
    p.add_argument("--cert", metavar="FILE", help="the planned certificate (.pfx, .cer, .pem, .p7b)")
    p.add_argument("--egress-ip", metavar="IP", help="the planned public egress address")
    p.add_argument("--connector-cert-name", metavar="NAME",
                   help="the planned TlsSenderCertificateName of the inbound connector")
    p.add_argument("--connector-ips", metavar="LIST", type=parse_ip_list,
                   help="the planned SenderIPAddresses, comma-separated ('' for none)")
    p.add_argument("--connector", metavar="NAME",
                   help="the inbound connector the edit applies to (default: the only OnPremises one)")
    p.add_argument("--sender-domain", metavar="DOMAIN", type=parse_sender_domain,
                   help="a planned sending (MAIL FROM) domain")
    p.add_argument("--days", type=parse_days, default=30, metavar="N",
                   help="warn about certificates expiring within N days (default: 30)")
    _format_option(p, ("text", "markdown", "json"))
    _output_options(p)
    p.add_argument("--redact", action="store_true", help=_HELP["redact"])
    p.add_argument("--now", type=parse_now, metavar="ISO8601", help=_HELP["now"])
    p.add_argument("--pfx-password-env", metavar="VAR", help=_HELP["pfx"])
    p.add_argument("--pack", action="append", default=[], metavar="DIR",
                   help=_HELP["pack"] + " (the checks that are pack data: the 'precheck' code)")
    _verbose_option(p)
    p.set_defaults(func=commands["precheck"])

    p = sub.add_parser(
        "watch",
        help="follow send/receive protocol, relay mail, IIS SMTP and application logs as they are written; "
        "report when "
        "the failing senders are accepted",
        epilog="Exit codes: 0 fixed (--until-fixed) or stopped, 1 --timeout before a fix, "
        "2 usage or input error, 130 interrupted.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="folders or files of Exchange send or receive logs, Postfix/sendmail/Exim mail logs, "
                        "IIS SMTP logs or application logs to follow (other evidence in them gives the "
                        "verdicts)")
    p.add_argument("--since", type=parse_now, metavar="TIME",
                   help="the time of the change: report when the senders rejected (from an hour before "
                        "it) get a session after it accepted for an external recipient")
    p.add_argument("--until-fixed", action="store_true",
                   help="exit 0 when every failing sender has been accepted")
    p.add_argument("--timeout", type=parse_seconds, metavar="SECONDS", help="give up after this (exit 1)")
    p.add_argument("--interval", type=parse_seconds, default=1.0, metavar="SECONDS",
                   help="seconds between checks for new bytes (default: 1)")
    p.add_argument("--pfx-password-env", metavar="VAR", help=_HELP["pfx"])
    p.add_argument("--pack", action="append", default=[], metavar="DIR", help=_HELP["pack"])
    p.set_defaults(func=commands["watch"])

    p = sub.add_parser("collect-script", help="print the PowerShell evidence collector")
    p.set_defaults(func=commands["collect-script"])

    p = sub.add_parser("demo", help="diagnose a bundled example (no arguments needed)",
                       epilog=_DEMO_EPILOG, formatter_class=_DemoHelpFormatter)
    p.add_argument("name", nargs="?", default=DEFAULT_DEMO, metavar="NAME",
                   help=f"the example to diagnose (default: {DEFAULT_DEMO}; --list shows them all)")
    p.add_argument("--list", action="store_true", help="list the bundled examples and what each shows")
    _format_option(p, ("text", "markdown", "json"))
    _output_options(p)
    p.add_argument("--now", type=parse_now, metavar="ISO8601", help=_HELP["now"])
    p.add_argument("--redact", action="store_true", help=_HELP["redact"])
    _verbose_option(p)
    p.set_defaults(func=commands["demo"])
    return parser


# One wording per option, whichever command has it.
_HELP = {
    "ndr": "NDR or rejection text as seen (repeatable; '-' reads stdin)",
    "answer": "answer a question the report asked (repeatable)",
    "pack": "extra knowledge pack folder (repeatable)",
    "output": "write the report here instead of stdout",
    "now": "evaluate as of this time (default: now; naive times are UTC)",
    "redact": "replace domains, IPs, names and thumbprints",
    "pfx": "environment variable holding the password of .pfx files",
}


def _diagnose_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--ndr", action="append", default=[], metavar="TEXT", help=_HELP["ndr"])
    p.add_argument("--answer", action="append", default=[], type=parse_answer, metavar="KEY=VALUE",
                   help=_HELP["answer"])
    p.add_argument("--pack", action="append", default=[], metavar="DIR", help=_HELP["pack"])
    _no_builtin_option(p)
    _output_options(p)
    p.add_argument("--now", type=parse_now, metavar="ISO8601", help=_HELP["now"])
    p.add_argument("--redact", action="store_true", help=_HELP["redact"])
    p.add_argument("--pfx-password-env", metavar="VAR", help=_HELP["pfx"])
    _verbose_option(p)


def _verbose_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("-v", "--verbose", "--full", action="store_true", dest="verbose",
                   help="text format: every evidence link, explanation, reference and ruled-out "
                        "detail (default: a report that fits one screen)")


def _format_option(p: argparse.ArgumentParser, choices: tuple[str, ...]) -> None:
    p.add_argument("--format", choices=choices, default=None,
                   help="report format (default: from the --output extension .json/.md/.txt, else text)")


def _output_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--output", metavar="FILE",
                   help="write the report here instead of stdout (never one of the inputs; "
                        "written whole or not at all)")
    p.add_argument("--force", action="store_true", help="let --output replace an existing file")


def _no_builtin_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-builtin", action="store_true",
                   help="load only the --pack directories (no built-in or user-config packs): "
                        "to develop or re-create a pack in isolation")


def _usage(parser: argparse.ArgumentParser, message: str) -> int:
    raise UsageError(f"{message} (see '{parser.prog} --help')")


_DEMO_EPILOG = "(the bundled examples)"  # replaced when help is shown: reading them costs every run


class _DemoHelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Lists the bundled examples only when ``demo --help`` is printed, not each time the parser
    is built (their index is YAML: ~20 ms of every command's start)."""

    def add_text(self, text: str | None) -> None:
        super().add_text(demo_epilog() if text is _DEMO_EPILOG else text)

