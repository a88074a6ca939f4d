"""A run makes only its own command's arguments (start-up latency, issue 11): the same parse, the
same help and the same usage errors as the whole parser."""

from __future__ import annotations

import pytest
from relaydoctor.engine import cli, cliparser

ARGVS = [
    ["diagnose", "b", "--format", "json"], ["diagnose", "--help"], ["diagnose", "--format", "yaml", "x"],
    ["diagnose", "--answer", "nokey"], ["facts"], ["facts", "p", "--format", "json"],
    ["codes", "--pack", "d"],
    ["explain", "5.7.64"], ["rules"], ["rules", "test", "-v", "c1"], ["rules", "docs", "nope"],
    ["rules", "new", "--help"], ["precheck", "x", "--days", "-1"], ["watch", "l", "--interval", "0"],
    ["demo", "--list"], ["demo", "--help"], ["collect-script"], ["tui", "a", "--now", "2026-01-01"],
    ["nosuchcommand"], ["some/path.eml"], [], ["--help"], ["--version"], ["-h", "diagnose"],
    ["diagnose", "--unknown"], ["--", "diagnose"],
]


def _outcome(parser, argv, capsys):
    try:
        namespace = vars(parser.parse_args(argv))
        result = ("ok", {k: v for k, v in namespace.items() if not callable(v)},
                  getattr(namespace.get("func"), "__name__", None))
    except SystemExit as exc:
        result = ("exit", exc.code)
    except cli.UsageError as exc:
        result = ("usage", str(exc))
    return result, capsys.readouterr()


@pytest.mark.parametrize("argv", ARGVS, ids=" ".join)
def test_a_parser_of_one_command_parses_as_the_whole_one(argv, capsys):
    assert _outcome(cli.build_parser(cli.command_of(argv)), argv, capsys) == _outcome(
        cli.build_parser(), argv, capsys)


def test_the_command_is_the_first_word_unless_an_option_comes_first():
    assert cli.command_of(["diagnose", "-v"]) == "diagnose"
    assert cli.command_of(["-h", "diagnose"]) is None and cli.command_of([]) is None


def test_the_commands_listed_are_those_the_parser_makes():
    import argparse

    parser = cli.build_parser()
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert tuple(action.choices) == cliparser.COMMANDS
