"""The CLI's help width comes from os, not shutil (start-up latency, issue 11): the same width."""

from __future__ import annotations

import shutil

import pytest
from relaydoctor.engine import cli, cliparser


@pytest.mark.parametrize("columns", [None, "", "0", "-3", "abc", "50", "200"])
def test_the_width_is_shutils(monkeypatch, columns):
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert cliparser._terminal_columns() == shutil.get_terminal_size().columns


@pytest.mark.parametrize("columns", ["60", "120"])
def test_help_is_what_argparse_formats_itself(monkeypatch, columns):
    import argparse

    monkeypatch.setenv("COLUMNS", columns)
    ours = cli.build_parser().format_help()
    monkeypatch.setattr(cliparser._Parser, "_get_formatter", argparse.ArgumentParser._get_formatter)
    assert cli.build_parser().format_help() == ours
