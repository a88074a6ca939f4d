"""Usage errors, --help and --version: exit codes and the one-line-on-stderr contract (§6.1).

These need no evidence parsing; tests that run a diagnosis are in test_cli_diagnose.py.
"""

from __future__ import annotations

import datetime as dt
import os
import sys

import pytest
from clikit import run_cli, run_main
from relaydoctor.engine import __version__
from relaydoctor.engine.cli import build_parser
from relaydoctor.engine.cliargs import parse_answer, parse_now


def test_version_subprocess():
    r = run_cli("--version")
    assert (r.code, r.out.strip(), r.err) == (0, f"relaydoctor {__version__}", "")


def test_help_lists_every_contract_command():
    r = run_cli("--help")
    assert r.code == 0 and r.err == ""
    for command in ("tui", "diagnose", "facts", "codes", "explain", "rules", "collect-script", "demo"):
        assert command in r.out


@pytest.mark.parametrize(
    "argv",
    [["diagnose", "--help"], ["facts", "--help"], ["rules", "lint", "--help"], ["rules", "new", "--help"],
     ["demo", "--help"], ["explain", "--help"]],
)
def test_subcommand_help(capsys, argv):
    r = run_main(capsys, *argv)
    assert r.code == 0 and "usage: relaydoctor" in r.out and r.err == ""


def test_diagnose_help_shows_every_contract_option(capsys):
    out = run_main(capsys, "diagnose", "--help").out
    for option in ("--ndr", "--answer", "--pack", "--format", "--output", "--now", "--redact",
                   "--pfx-password-env"):
        assert option in out


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        (["diagnose", "/no/such/evidence.log"], "/no/such/evidence.log: no such file or directory"),
        (["diagnose", "{tmp}", "--answer", "egress_ip"], "argument --answer: 'egress_ip' is not KEY=VALUE"),
        (["diagnose", "{tmp}", "--answer", "=1"], "argument --answer"),
        (["diagnose", "{tmp}", "--now", "last tuesday"], "argument --now: 'last tuesday' is not an ISO 8601"),
        (["diagnose", "{tmp}", "--now", "2026-13-01"], "argument --now"),
        (["diagnose", "{tmp}", "--format", "html"], "argument --format: invalid choice: 'html'"),
        (["facts", "{tmp}", "--format", "markdown"], "argument --format: invalid choice: 'markdown'"),
        (["diagnose"], "give evidence PATH(s), --ndr TEXT, or both"),
        (["diagnose", "{tmp}", "--pack", "/no/such/pack"], "/no/such/pack: --pack: not a directory"),
        (["diagnose", "{tmp}", "--pfx-password-env", "RD_TEST_UNSET_VAR"],
         "--pfx-password-env: environment variable RD_TEST_UNSET_VAR is not set"),
        (["diagnose", "--ndr", "   "], "--ndr: empty text"),
        (["facts"], "the following arguments are required: PATH"),
        (["explain"], "the following arguments are required: CODE|CAUSE"),
        (["rules"], "choose one of: lint, test, new"),
        (["rules", "frobnicate"], "invalid choice: 'frobnicate'"),
        (["rules", "new", "bad code!", "--dest", "{tmp}"], "'bad code!' is not a code id"),
        (["tui", "/no/such/bundle.zip"], "/no/such/bundle.zip: no such file or directory"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["--colour"], "unrecognized arguments: --colour"),
    ],
)
def test_bad_command_lines_give_one_line_and_exit_2(capsys, tmp_path, monkeypatch, argv, names):
    monkeypatch.delenv("RD_TEST_UNSET_VAR", raising=False)
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    line = run_main(capsys, *argv).one_error_line()
    assert names in line


def test_bad_input_in_a_subprocess_has_no_traceback():
    r = run_cli("diagnose", "/no/such/file.eml", "--format", "json")
    assert r.one_error_line() == "relaydoctor: /no/such/file.eml: no such file or directory"
    assert r.out == ""


def test_unreadable_file(capsys, tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads everything")
    f = tmp_path / "locked.log"
    f.write_text("x")
    f.chmod(0)
    assert "permission denied" in run_main(capsys, "diagnose", str(f)).one_error_line()


def test_parse_answer():
    assert parse_answer("egress_ip=198.51.100.77") == ("egress_ip", "198.51.100.77")
    assert parse_answer("cert_name = a=b ") == ("cert_name", "a=b")
    assert parse_answer("flag=") == ("flag", "")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-27T12:00:00Z", dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC)),
        ("2026-11-27T12:00:00z", dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC)),
        ("2026-11-27T04:00:00-08:00", dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC)),
        ("2026-11-27T12:00:00", dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC)),  # naive = UTC
        ("2026-11-27", dt.datetime(2026, 11, 27, tzinfo=dt.UTC)),
    ],
)
def test_parse_now(text, expected):
    assert parse_now(text) == expected


def test_tui_without_a_terminal_is_a_clear_error(capsys, monkeypatch):
    # With no terminal (CI, pipes) the TUI is refused in one line instead of hanging; if the TUI
    # is not installed yet, that is said in one line too.
    r = run_main(capsys)
    assert r.one_error_line().startswith(("relaydoctor: the terminal UI needs an interactive terminal",
                                          "relaydoctor: the terminal UI is not available"))


def test_tui_runs_the_app_with_the_paths(capsys, monkeypatch, tmp_path):
    """`relaydoctor tui PATH` hands the paths to relaydoctor.tui.app.run (a recording stand-in here)."""
    import types

    calls = []
    fake = types.ModuleType("relaydoctor.tui.app")
    fake.run = lambda paths, **options: calls.append((paths, options)) or 0
    monkeypatch.setitem(sys.modules, "relaydoctor.tui.app", fake)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    assert run_main(capsys, "tui", str(tmp_path)).code == 0
    assert run_main(capsys).code == 0
    assert run_main(capsys, "tui", "--answer", "egress_ip=198.51.100.77", "--now", "2026-11-27").code == 0
    assert calls == [
        ([str(tmp_path)], {}),
        ([], {}),
        ([], {"answers": {"egress_ip": "198.51.100.77"}, "now": parse_now("2026-11-27")}),
    ]


def test_internal_errors_are_one_line_exit_70(capsys, monkeypatch):
    """A bug (any unexpected exception) is reported in one line with exit 70, not a traceback."""
    import relaydoctor.engine.cli as cli

    def boom(args):
        raise ZeroDivisionError("division by zero")

    monkeypatch.delenv("RELAYDOCTOR_DEBUG", raising=False)
    monkeypatch.setattr(cli, "cmd_codes", boom)
    code = cli.main(["codes"])
    err = capsys.readouterr().err
    assert code == 70
    assert err.splitlines() == [
        "relaydoctor: internal error: ZeroDivisionError: division by zero "
        "(a bug; RELAYDOCTOR_DEBUG=1 shows details)"
    ]


def test_keyboard_interrupt_exits_130_quietly(capsys, monkeypatch):
    import relaydoctor.engine.cli as cli

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "cmd_codes", interrupted)
    assert cli.main(["codes"]) == 130
    assert capsys.readouterr().err == ""


def test_parser_has_exactly_the_contract_commands():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) == {"tui", "diagnose", "facts", "codes", "explain", "rules", "collect-script",
                                "demo", "precheck", "watch"}  # issue 15 added precheck and watch


def test_tui_app_accepts_what_the_cli_passes():
    import inspect

    app = pytest.importorskip("relaydoctor.tui.app")
    inspect.signature(app.run).bind(["x"], pack_dirs=["p"], now=None, answers={"k": "v"}, pfx_password="pw")


def test_hostile_file_name_stays_one_visible_line(capsys, tmp_path):
    name = tmp_path / "evil\nname\x1b[2J.log"
    line = run_main(capsys, "diagnose", str(name)).one_error_line()
    assert "\x1b" not in line and "\\x1b[2J" in line and "evil name" in line


def test_collect_script_missing_is_one_line(capsys, monkeypatch, tmp_path):
    import relaydoctor.engine.paths as paths

    monkeypatch.setattr(paths, "builtin_dir", lambda name: tmp_path)
    line = run_main(capsys, "collect-script").one_error_line()
    assert "the evidence collector is not installed" in line and str(tmp_path) in line


def test_a_library_warning_is_one_line_on_stderr(capsys, monkeypatch):
    """Found by the deep fuzz run (issue 12): Python's own warning format is two lines with a
    source line (a regex's "Possible nested set", the X.509 parser's complaints)."""
    import warnings

    import relaydoctor.engine.cli as cli

    def noisy(args):
        warnings.warn("Possible nested set\nat position 31", FutureWarning, stacklevel=1)
        return 0

    monkeypatch.setattr(cli, "cmd_codes", noisy)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        assert cli.main(["codes"]) == 0
    assert capsys.readouterr().err == "relaydoctor: warning: Possible nested set at position 31\n"
    assert warnings.showwarning is not cli._warning_line  # put back for in-process callers
