"""A plain ``diagnose`` command line is read without argparse (start-up latency, issue 11):
``cliargs.plain_diagnose_args`` gives what argparse gives for every line it takes, and declines every
line argparse refuses or reads another way, so help, errors and every other form stay argparse's."""

from __future__ import annotations

import argparse
import contextlib
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from relaydoctor.engine import cli, cliargs

# words a diagnose line may hold: paths, every option and its spellings argparse also takes
# (abbreviated, with '='), values good and bad, and what argparse reads specially
WORDS = [
    "b", "a b", "", "diagnose", "x.eml", "-", "--", "-1", "-h", "--help", "-v", "-vv", "--verbose", "--full",
    "--format", "json", "text", "markdown", "yaml", "--format=json", "--form", "--now", "2026-11-27",
    "2026-11-27T12:00:00+02:00", "yesterday", "--answer", "egress_ip=198.51.100.7", "nokey", "--ndr",
    "--pack", "--output", "out.json", "--force", "--redact", "--no-builtin", "--pfx-password-env", "PFX",
    "--unknown", "-x", "-a b",
]


def _argparse(argv: list[str]) -> dict | None:
    """What argparse makes of ``argv`` (its values), or None when it refuses it or exits."""
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            return vars(cli.build_parser(cli.command_of(argv)).parse_args(argv))
    except (cli.UsageError, SystemExit):
        return None


@pytest.mark.parametrize("argv", [
    ["diagnose", "b", "--format", "json"], ["diagnose"], ["diagnose", "a", "b", "", "c d"],
    ["diagnose", "--format", "text", "-v", "--format", "markdown"],
    ["diagnose", "p", "--answer", "egress_ip=1.2.3.4", "--answer", "k = v", "--ndr", "550 5.7.64",
     "--ndr", "x"],
    ["diagnose", "p", "--now", "2026-11-27", "--output", "r.json", "--force", "--redact", "--no-builtin",
     "--pack", "d1", "--pack", "d2", "--pfx-password-env", "PFX", "--full", "--verbose"],
], ids=" ".join)
def test_a_plain_line_is_read_as_argparse_reads_it(argv):
    plain = cliargs.plain_diagnose_args(argv, cli.cmd_diagnose)
    assert plain is not None
    assert vars(plain) == _argparse(argv)


@pytest.mark.parametrize("argv", [
    ["diagnose", "--help"], ["diagnose", "-h"], ["diagnose", "b", "--format", "yaml"],
    ["diagnose", "--format"], ["diagnose", "b", "--format=json"], ["diagnose", "b", "--form", "json"],
    ["diagnose", "--", "b"], ["diagnose", "--ndr", "-"], ["diagnose", "b", "--now", "yesterday"],
    ["diagnose", "b", "--answer", "nokey"],
    ["diagnose", "--format", "json", "b"], ["diagnose", "b", "-vv"], ["facts", "b"], [], ["--version"],
    ["-h", "diagnose"],
], ids=" ".join)
def test_any_other_line_is_left_to_argparse(argv):
    assert cliargs.plain_diagnose_args(argv, cli.cmd_diagnose) is None


@given(st.lists(st.sampled_from(WORDS), max_size=7))
def test_what_it_takes_argparse_reads_the_same_way(words):
    argv = ["diagnose", *words]
    plain = cliargs.plain_diagnose_args(argv, cli.cmd_diagnose)
    if plain is not None:
        assert vars(plain) == _argparse(argv)


def test_its_options_are_the_parsers():
    parser = cli.build_parser("diagnose")
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    actions = [a for a in commands.choices["diagnose"]._actions if not isinstance(a, argparse._HelpAction)]
    kinds = {argparse._StoreTrueAction: "store_true", argparse._StoreAction: "store",
             argparse._AppendAction: "append"}
    declared = {}
    for action in actions:
        if not action.option_strings:
            assert (action.dest, action.nargs) == ("paths", "*")  # the one positional: read first
            continue
        defaults = {"store_true": False, "store": None, "append": []}
        kind = kinds[type(action)]
        assert action.default == defaults[kind] and action.const in (None, True), action.dest
        accepts = tuple(action.choices) if action.choices is not None else action.type
        for option in action.option_strings:
            declared[option] = (action.dest, kind, accepts)
    assert declared == cliargs._DIAGNOSE_OPTIONS
    assert commands.choices["diagnose"].get_default("func") is cli.cmd_diagnose


def test_main_reads_a_plain_line_without_argparse(monkeypatch, capsys):
    def refused(*args, **kwargs):
        raise AssertionError("argparse was asked")

    seen = []
    monkeypatch.setattr(cli, "build_parser", refused)
    monkeypatch.setattr(cli, "cmd_diagnose", lambda args: seen.append(vars(args)) or 0)
    assert cli.main(["diagnose", "b", "--format", "json"]) == 0
    assert seen and seen[0]["paths"] == ["b"] and seen[0]["format"] == "json"
