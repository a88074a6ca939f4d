"""What a line-log follower hands over for one delivery attempt (shared by ``lines`` and ``applines``)."""

from __future__ import annotations

import datetime as dt

from ..lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use


@dataclass(frozen=True, slots=True)
class Delivery:
    line: int  # 1-based line of the outcome in its file
    at: dt.datetime | None
    accepted: bool
    reply: str  # the reply (or status) text
    status: str | None  # "5.7.64 ATTR36"
    host: str  # the Exchange Online host delivered to
    mail_from: str  # a domain, "<>" null sender, "" unknown
    client: str | None  # the address that handed the mail to the relay, when logged
    context: tuple[str, ...]  # the lines the evidence reader needs to give this delivery's facts
    unproven: str = ""  # an accept that cannot prove a fix, and why (an app log's: see applines)
