"""A send-log row and the two name helpers the aggregation uses, apart from the replay model.

With the C extension a send log's sessions are folded or replayed in C (``_replay.c``), so a
diagnosis usually never makes the Python replay's ``Session``/``Txn``/``Reply`` dataclasses
(``session.py``): their module is imported when the Python replay first runs, and what every scan
needs lives here (issue 11, start-up latency: ~0.9 ms of a diagnosis with a send log).
``session.py`` re-exports these names for its other users.
"""

from __future__ import annotations

from typing import NamedTuple

from ... import lazyre

_DNS_BREAK = lazyre.compile(r"[;,\s]+")


class Row(NamedTuple):
    """One log row, reduced to what the replay needs."""

    seq: int
    line: int  # 1-based line in the file
    time: str  # "2026-11-20T07:58:11.412Z" or ""
    connector: str
    remote: str  # "52.101.68.24:25"
    event: str  # + - > < *
    data: str
    context: str
    text: str  # the whole line, for excerpts


def domain_of(address: str | None) -> str | None:
    """The lower-cased domain of an address (``None`` for the null sender or no ``@``)."""
    if not address or "@" not in address:
        return None
    return address.rsplit("@", 1)[1].strip().lower().rstrip(".") or None


def split_dns(value: str) -> tuple[str, ...]:
    parts = _DNS_BREAK.split(value.strip())
    return tuple(dict.fromkeys(p.lower() for p in parts if p))
