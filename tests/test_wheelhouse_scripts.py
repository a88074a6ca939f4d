"""The two wheelhouse build scripts agree, and the PowerShell one is well formed.

No PowerShell runs here (and CI has no Windows runner), so the .ps1 gets the checks a parser
would fail first: balanced brackets outside strings and comments, the declared parameters, and
the same source folders as the bash script (a folder missing there ships a broken wheel). The
full parse is a documented manual step (the script's .NOTES).
"""

from __future__ import annotations

import re
from pathlib import Path

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
