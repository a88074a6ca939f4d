"""The two wheelhouse build scripts agree, and the PowerShell one is well formed.

No PowerShell runs here (and CI has no Windows runner). The .ps1 is parsed with the tree-sitter
PowerShell grammar (``tree-sitter-powershell``, a test extra from PyPI, so CI has it): a syntax
error anywhere is a failure naming its line. That grammar is not PowerShell's own parser, so
the script's .NOTES keep the exact check with PowerShell 7 for a Windows machine. Beside it:
balanced brackets outside strings and comments, the declared parameters, and the same source
folders as the bash script (a folder missing there ships a broken wheel).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import tree_sitter
import tree_sitter_powershell

REPO = Path(__file__).resolve().parent.parent
PS1 = REPO / "scripts" / "build-wheelhouse.ps1"
SH = REPO / "scripts" / "build-wheelhouse.sh"


def _code_only(text: str) -> str:
    """PowerShell text without comments, block comments and string contents."""
    out = []
    i, n = 0, len(text)
    while i < n:
        if text.startswith("<#", i):
            i = text.index("#>", i) + 2
        elif text[i] == "#":
            i = text.find("\n", i) if "\n" in text[i:] else n
        elif text[i] in "\"'":
            quote, j = text[i], i + 1
            while j < n:
                if quote == '"' and text[j] == "`":
                    j += 2
                    continue
                if text[j] == quote:
                    if j + 1 < n and text[j + 1] == quote:
                        j += 2
                        continue
                    break
                j += 1
            out.append(quote + quote)
            i = j + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _parse(source: bytes) -> tree_sitter.Node:
    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))
    return parser.parse(source).root_node


def _syntax_errors(node: tree_sitter.Node) -> list[str]:
    """``line N: ...`` for every node the grammar could not parse (ERROR) or had to invent (MISSING)."""
    out = []
    if node.type == "ERROR" or node.is_missing:
        what = f"missing {node.type}" if node.is_missing else f"cannot parse {node.text[:40]!r}"
        out.append(f"line {node.start_point[0] + 1}: {what}")
    for child in node.children:
        out.extend(_syntax_errors(child))
    return out


def test_the_powershell_script_parses() -> None:
    root = _parse(PS1.read_bytes())
    assert _syntax_errors(root) == [] and not root.has_error


def _named(node: tree_sitter.Node, kind: str) -> list[tree_sitter.Node]:
    found = [node] if node.type == kind else []
    for child in node.children:
        found.extend(_named(child, kind))
    return found


def test_the_parse_tree_has_the_param_block_and_the_try_finally() -> None:
    """What the grammar sees, not what a regex sees: one param block with the three parameters
    before any statement, and the build inside try/finally (the temporary folder is removed)."""
    root = _parse(PS1.read_bytes())
    blocks = [child for child in root.children if child.type == "param_block"]
    assert len(blocks) == 1
    params = _named(blocks[0], "script_parameter")
    names = [v.text.decode() for p in params for v in p.children if v.type == "variable"]
    assert names == ["$Destination", "$WithTest", "$Python"]
    tries = _named(root, "try_statement")
    assert tries and all(_named(t, "finally_clause") for t in tries)
    assert [f.text.decode() for f in _named(root, "function_name")] == ["Invoke-Checked"]


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t.replace("finally {", "finally ", 1),  # an unclosed block
        lambda t: t + '\nif ($Python -eq "x") { Write-Host "a"\n',  # an unclosed if
        lambda t: t + "\n$items = @(1, 2\n",  # an unclosed array
        lambda t: t + '\n$x = "unterminated\n',  # an unterminated string
    ],
    ids=["unclosed-finally", "unclosed-if", "unclosed-array", "unterminated-string"],
)
def test_the_parse_check_fails_on_a_broken_copy(change) -> None:
    """The check can fail: each deliberate break of the real script is found."""
    broken = change(PS1.read_text("utf-8"))
    root = _parse(broken.encode("utf-8"))
    assert root.has_error or _syntax_errors(root)


def test_the_powershell_script_has_balanced_brackets() -> None:
    code = _code_only(PS1.read_text("utf-8"))
    pairs = {")": "(", "}": "{", "]": "["}
    stack: list[str] = []
    for ch in code:
        if ch in "({[":
            stack.append(ch)
        elif ch in pairs:
            assert stack and stack.pop() == pairs[ch], "unbalanced bracket in build-wheelhouse.ps1"
    assert stack == []


def test_the_powershell_script_declares_its_parameters_and_compiler() -> None:
    text = PS1.read_text("utf-8")
    for name in ("Destination", "WithTest", "Python"):
        assert re.search(rf"\[(string|switch)\]\${name}\b", text), name
    assert "Desktop development with C++" in text and "MSVC v143" in text
    assert "SHA256SUMS" in text and "--no-cache-dir" in text


def test_both_scripts_copy_the_same_sources_and_pin() -> None:
    sh = SH.read_text("utf-8")
    tar = re.search(r"-cf - ([^\n]+)", sh)
    assert tar is not None
    ps = re.search(r"foreach \(\$item in @\(([^)]*)\)\)", PS1.read_text("utf-8"))
    assert ps is not None
    assert sorted(tar.group(1).split()) == sorted(re.findall(r'"([^"]+)"', ps.group(1)))
    assert "docs" in tar.group(1).split()  # the wheel's relaydoctor.docs


def test_the_windows_source_check_is_valid_bash_and_run_by_ci() -> None:
    """scripts/check-windows-sources.sh backs the README's "verified for Windows" line: CI runs it."""
    script = REPO / "scripts" / "check-windows-sources.sh"
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0
    assert "scripts/check-windows-sources.sh" in (REPO / ".ci" / "run").read_text("utf-8")
    readme = (REPO / "README.md").read_text("utf-8")
    assert "scripts/check-windows-sources.sh" in readme and "x86_64-windows-gnu" in readme
