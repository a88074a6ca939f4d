"""Which sender a session is, so "fixed" means *the failing sender* was accepted.

A sender is what identifies who relays through Exchange Online in a send-log session: the log it
came from (one Exchange server's folder, or a relay's log), the send connector, the MAIL FROM
domain (``<>`` for the null sender) and the egress address Exchange Online saw (``Hello [ip]``).
An accepted session proves the fix for a failing sender when it is the same sender: same log
source, same connector, same MAIL FROM domain, same egress address when both sessions show one.

The certificate is shown but not compared: installing a renewed certificate is often the fix
itself, so requiring the old one would never prove it; a second server presenting another
certificate is told apart by its own log folder (and usually its egress address) instead.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict

from ..evidence.smtplog.session import Session, Txn, domain_of
from ..lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from ..paths import file_name

MAX_SENDERS = 1000  # failing and fixed senders remembered (the oldest forgotten first)


@dataclass(frozen=True, slots=True)
class Sender:
    source: str  # the followed folder or file
    connector: str  # the send connector's name; "" unknown
    mail_from: str  # a domain, "<>" for the null sender, "" unknown (rejected before MAIL FROM)
    egress: str | None  # the address Exchange Online saw; None unknown
    client: str | None = None  # the address that handed the mail to a relay (a relay's log), if logged
    app_log: bool = False  # an app's log: ``source`` is the file, ``connector`` the smart host

    def same(self, other: Sender) -> bool:
        return (
            self.source == other.source
            and self.connector.casefold() == other.connector.casefold()
            and (self.mail_from == other.mail_from or "" in (self.mail_from, other.mail_from))
            and (self.egress == other.egress or self.egress is None or other.egress is None)
            and (self.client == other.client or self.client is None or other.client is None)
        )

    def words(self, *, source: bool = False) -> str:
        frm = {"<>": "MAIL FROM <> (null sender)", "": "MAIL FROM unknown"}.get(
            self.mail_from, f"MAIL FROM @{self.mail_from}"
        )
        parts = [frm]
        if self.app_log:  # the file is who sends (app lines carry no session id)
            host = f" to smart host {self.connector}" if self.connector else ""
            return f"{frm}{host} in the app log {file_name(self.source)}"
        if self.connector:
            parts.append(f"via '{self.connector}'")
        if self.client:
            parts.append(f"from client {self.client}")
        if self.egress:
            parts.append(f"from {self.egress}")
        if source:
            parts.append(f"in {self.source}")
        return " ".join(parts)


def _from(txn: Txn | None) -> str:
    if txn is None:
        return ""
    if txn.null_sender:
        return "<>"
    return domain_of(txn.mail_from) or ""


def sender_of(source: str, s: Session, txn: Txn | None) -> Sender:
    return Sender(source, s.connector, _from(txn), s.ehlo_client_ip)


def rejected_txn(s: Session) -> Txn | None:
    """The transaction of the session's first rejection (None: rejected before any MAIL FROM)."""
    first = s.rejections[0] if s.rejections else None
    for txn in s.txns:
        if first is not None and any(r is first for r in txn.rejections):
            return txn
    return next((t for t in s.txns if t.rejections), None)


def accepted_txns(s: Session) -> list[tuple[Txn, int]]:
    """Each transaction with an external recipient Exchange Online accepted (data not refused),
    with that recipient's reply line."""
    out = []
    for txn in s.txns:
        if txn.data_reply is not None and txn.data_reply.negative:
            continue
        ok = (r.reply.row.line for r in txn.rcpts if r.reply and r.reply.positive and not r.tenant)
        line = next(ok, None)
        if line is not None:
            out.append((txn, line))
    return out


@dataclass(slots=True)
class Seen:
    """Where a sender was last rejected (or first accepted)."""

    at: dt.datetime | None
    where: str  # FILE:LINE
    what: str  # the reply code and status ("550 5.7.64") or the certificate shown


class Senders:
    """The failing senders and the ones since proven fixed, bounded. Failing senders are indexed
    by (source, connector, MAIL FROM domain) and then by client, so an accepted session looks at
    its own few candidates, not at every failing sender (a relay's log has hundreds of clients)."""

    def __init__(self) -> None:
        self.failing: OrderedDict[Sender, Seen] = OrderedDict()
        self.fixed: OrderedDict[Sender, Seen] = OrderedDict()
        self._index: dict[tuple[str, str, str], dict[str | None, set[Sender]]] = {}

    @staticmethod
    def _key(sender: Sender, mail_from: str | None = None) -> tuple[str, str, str]:
        frm = sender.mail_from if mail_from is None else mail_from
        return (sender.source, sender.connector.casefold(), frm)

    def _drop(self, sender: Sender) -> None:
        if self.failing.pop(sender, None) is None:
            return
        by_client = self._index[self._key(sender)]
        by_client[sender.client].discard(sender)
        if not by_client[sender.client]:
            del by_client[sender.client]
        if not by_client:
            del self._index[self._key(sender)]

    def _candidates(self, sender: Sender) -> list[Sender]:
        """The failing senders that are ``sender`` (its unknown parts match anything)."""
        if sender.mail_from == "":  # MAIL FROM unknown: any failing sender of the source may be it
            return [k for k in self.failing if k.same(sender)]
        found: list[Sender] = []
        for frm in (sender.mail_from, ""):
            by_client = self._index.get(self._key(sender, frm), {})
            if sender.client is None:
                found.extend(k for group in by_client.values() for k in group)
            else:
                found.extend([*by_client.get(sender.client, ()), *by_client.get(None, ())])
        return [k for k in found if k.same(sender)]

    def rejected(self, sender: Sender, seen: Seen) -> Seen | None:
        """Record a rejection; returns where the sender was accepted when it fails again after that."""
        again = self.fixed.pop(sender, None)
        self._drop(sender)
        self.failing[sender] = seen
        self._index.setdefault(self._key(sender), {}).setdefault(sender.client, set()).add(sender)
        while len(self.failing) > MAX_SENDERS:
            self._drop(next(iter(self.failing)))
        return again

    def forget(self, sender: Sender) -> None:
        """An accepted session before the change: a sender that failed then is not failing now."""
        for k in self._candidates(sender):
            self._drop(k)

    def accepted(self, sender: Sender, seen: Seen) -> list[tuple[Sender, Seen]]:
        """The failing senders this accepted session proves fixed (with where they failed)."""
        found = self._candidates(sender)
        order = {k: i for i, k in enumerate(self.failing)} if len(found) > 1 else {}
        matched = sorted(((k, self.failing[k]) for k in found), key=lambda kv: order.get(kv[0], 0))
        for k, _ in matched:
            self._drop(k)
            self.fixed[k] = seen
        _bound(self.fixed)
        return matched


def _bound(d: OrderedDict) -> None:
    while len(d) > MAX_SENDERS:
        d.popitem(last=False)
