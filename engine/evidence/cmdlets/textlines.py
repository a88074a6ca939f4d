"""Line handling shared by the console-text formats (Format-List, Format-Table).

Admins paste console output: prompt lines (``PS C:\\Users\\adm> Get-AcceptedDomain``, the EMS
``[PS] C:\\Windows\\system32>``), ``>>`` continuation prompts and ANSI colours (PowerShell 7
colours Format-List labels). None of it is data.
"""

from __future__ import annotations

from ... import lazyre

_BREAK = lazyre.compile(r"\r\n|\n|\r")
_ANSI = lazyre.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
_PROMPT = lazyre.compile(
    r"^\s*(?:\[PS\]\s*[^>\r\n]{0,300}>"  # Exchange Management Shell
    r"|PS(?:\s[^>\r\n]{0,300})?>"  # PS C:\> , PS /home/x> , PS>
    r"|[A-Za-z]:\\[^>\r\n]{0,300}>"  # cmd.exe
    r"|>>(?:\s|$))"  # multi-line input continuation
)


def split_lines(text: str) -> list[str]:
    """Physical lines (CRLF, LF or CR), ANSI escapes removed, trailing blanks kept."""
    lines = _BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return [_ANSI.sub("", line) if "\x1b" in line else line for line in lines]


def is_prompt(line: str) -> bool:
    """Every prompt ``_PROMPT`` matches holds a ``>``: other lines (nearly all) are not matched."""
    return ">" in line and _PROMPT.match(line) is not None


def is_blank(line: str) -> bool:
    return not line.strip()
