"""What the renderers share: verdicts grouped by status, the sort check, safe terminal text."""

from __future__ import annotations

import re

from ..results import Report, Verdict
from ..status import STATUS_ORDER, Status, status_rank

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


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


def _escape_control(m: re.Match[str]) -> str:
    code = ord(m.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
