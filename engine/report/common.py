"""What the renderers share: verdicts grouped by status, the sort check, safe terminal text."""

from __future__ import annotations

import json
import re
from typing import Any

from .. import lazyre
from ..results import Report, Verdict
from ..status import STATUS_ORDER, Status, status_rank

# C0/C1 controls, line/paragraph separators, bidi marks/embeddings/overrides/isolates (Trojan
# Source), and unpaired surrogates (the escapes Python gives bytes of a non-UTF-8 file name).
_UNSAFE = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
    "\u2066-\u2069\ud800-\udfff"
)
_CONTROL = lazyre.compile(f"[{_UNSAFE}]")
# json.dumps escapes C0 controls itself; the rest of the unsafe set gets \uXXXX in JSON text.
_JSON_UNSAFE = _CONTROL


def check_sorted(report: Report) -> None:
    """Verdicts must come confirmed, likely, undetermined, ruled_out (§6.2): the diagnosis sorts them.

    A report out of order is a bug in the diagnosis, not in the user's input, so this raises
    ``AssertionError`` (which the CLI reports as an internal error), even under ``python -O``.
    """
    last = -1
    for verdict in report.verdicts:
        rank = status_rank(verdict.status)
        if rank == len(STATUS_ORDER):
            raise AssertionError(f"verdict {verdict.cause!r} has unknown status {verdict.status!r}")
        if rank < last:
            raise AssertionError(f"verdicts are not sorted by status at {verdict.cause!r}")
        last = rank


def by_status(report: Report) -> dict[Status, list[Verdict]]:
    groups: dict[Status, list[Verdict]] = {s: [] for s in STATUS_ORDER}
    for verdict in report.verdicts:
        groups.setdefault(verdict.status, []).append(verdict)
    return groups


def plain(text: str) -> str:
    """Untrusted text made safe for a terminal: control characters (ANSI escapes, bidi overrides)
    become visible ``\\xNN`` / ``\\uNNNN`` escapes instead of acting on the terminal."""
    return _CONTROL.sub(_escape_control, text.replace("\r\n", "\n"))


def one_line(text: str) -> str:
    return plain(" ".join(text.split()))


def json_text(data: Any) -> str:
    """JSON (indented, non-ASCII kept readable) where control, bidi and lone-surrogate characters
    from untrusted input are ``\\uXXXX`` escapes: safe to ``cat`` and always encodable as UTF-8.
    Raw such characters can only occur inside strings (json.dumps escapes the rest), so this
    rewrites only string contents."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text) + "\n"


def _escape_control(m: re.Match[str]) -> str:
    code = ord(m.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
