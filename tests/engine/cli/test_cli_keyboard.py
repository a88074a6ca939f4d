"""What an admin at the keyboard meets first: demo examples that show their namesake, explain that
takes reply tokens, and help text on every option."""

from __future__ import annotations

import argparse
import json

import pytest
import yaml
from relaydoctor.engine.cli import build_parser, demo_examples, main
from relaydoctor.engine.paths import builtin_dir

INDEX = yaml.safe_load((builtin_dir("knowledge") / "examples" / "index.yaml").read_text("utf-8"))


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_index_lists_every_example_folder():
    _, shown = demo_examples()
    assert set(shown) == set(INDEX), "knowledge/examples/index.yaml and the folders differ"
    assert all(shown.values()), "every example says what it shows"


@pytest.mark.parametrize("name", sorted(n for n, e in INDEX.items() if e.get("cause")))
def test_every_example_demonstrates_its_namesake(capsys, name):
    code, out, _ = _run(capsys, "demo", name, "--format", "json")
    assert code == 0
    statuses = {v["cause"]: v["status"] for v in json.loads(out)["verdicts"]}
    assert statuses.get(INDEX[name]["cause"]) == INDEX[name]["status"], statuses


def test_demo_list_and_help_name_the_examples(capsys):
    code, out, _ = _run(capsys, "demo", "--list")
    assert code == 0
    for name in INDEX:
        assert name in out
    code, out, _ = _run(capsys, "demo", "--help")
    assert code == 0
    assert "chain-missing-intermediate" in out and "examples:" in out


@pytest.mark.parametrize(
    ("token", "names"),
    [("ATTR36", "domain-not-accepted"), ("attr36", "domain-not-accepted"), ("ATTR35", "4.4.62"),
     ("UnknownCredentials", "tls-negotiation-failed"), ("TenantAttribution", "5.7.64")],
)
def test_explain_takes_reply_tokens(capsys, token, names):
    code, out, err = _run(capsys, "explain", token)
    assert code == 0, err
    assert out.startswith(f"{token!r} is a token of") and names in out.splitlines()[0]


def test_explain_partial_token_is_not_a_match(capsys):
    code, _, err = _run(capsys, "explain", "ATTR3")
    assert code == 2 and "unknown code or cause 'ATTR3'" in err


def _actions(parser: argparse.ArgumentParser, path=()):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _actions(sub, (*path, name))
        else:
            yield path, action


def test_every_option_and_argument_has_help():
    missing = [(" ".join(path), a.option_strings or a.dest) for path, a in _actions(build_parser())
               if not a.help]
    assert not missing
