"""The verdict vocabulary: the four statuses, their order and their display labels, in one place.

``Status`` is a ``str`` enum, so a status compares equal to its JSON text (``"ruled_out"``) and
serialises as it; the JSON report contract is unchanged. Reports, the TUI and the pack loader all
read order and labels from here.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """A cause's verdict, in report order: confirmed first, ruled out last."""

    CONFIRMED = "confirmed"
    LIKELY = "likely"
    UNDETERMINED = "undetermined"
    RULED_OUT = "ruled_out"

    @property
    def rank(self) -> int:
        """Position in report order (confirmed 0 … ruled_out 3)."""
        return _ORDER.index(self)

    @property
    def label(self) -> str:
        """The report's word: "Confirmed", "Likely", "Undetermined", "Ruled out"."""
        return _LABEL[self]

    @property
    def short_label(self) -> str:
        """The walk's everyday word: as ``label``, but an undetermined cause is "Open"."""
        return "Open" if self is Status.UNDETERMINED else _LABEL[self]

    @property
    def positive(self) -> bool:
        """The cause is (at least probably) the problem: its fix is shown."""
        return self in (Status.CONFIRMED, Status.LIKELY)

    @property
    def open(self) -> bool:
        """Not settled yet: the cause's question is asked and its missing evidence named."""
        return self in (Status.LIKELY, Status.UNDETERMINED)


_ORDER: tuple[Status, ...] = tuple(Status)
_LABEL = {
    Status.CONFIRMED: "Confirmed",
    Status.LIKELY: "Likely",
    Status.UNDETERMINED: "Undetermined",
    Status.RULED_OUT: "Ruled out",
}

STATUS_ORDER: tuple[Status, ...] = _ORDER
# What a rule may conclude (undetermined is what no rule concluding means).
RULE_STATUSES: tuple[Status, ...] = (Status.CONFIRMED, Status.LIKELY, Status.RULED_OUT)


def status_rank(status: str) -> int:
    """Report-order rank of a status given as text; an unknown one sorts last."""
    try:
        return Status(status).rank
    except ValueError:
        return len(_ORDER)
