"""Gather what one SMTP client did or is configured to do into ``smtp_client`` facts.

Shared by the application-log reader, the Postfix/sendmail/Exim log reader and the relay
configuration readers. A ``Tally`` collects observations per smart host (host, port) while a file
is streamed; ``facts()`` turns them into one fact per smart host, with the provenance of the line
that first named it. Observations never downgrade: once AUTH or TLS is seen, it stays seen.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Iterable
from dataclasses import field

from ... import lazyre
from ...facts import Provenance, SmtpClient
from ...lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from ..cmdlets.normalise import smart_host_kind

SMTP_PORTS = frozenset({25, 465, 587, 2525})
# Bounds of one file's tally (issue 11, bad input): an app delivering straight to recipients' MX
# hosts names a new smart host per domain, and a fact per host made 200,000 facts of one 50 MB log
# (8 minutes, 2.4 GB in the rules). Microsoft 365 endpoints and IP literals are kept up to
# MAX_HOSTS, the other hosts too; later hosts are only counted (``Tally.warning``).
MAX_HOSTS = 100
MAX_SENDERS = 1000  # distinct MAIL FROM domains counted per smart host (the most common is kept)
_MAX_DROPPED = 10_000  # distinct hosts left out that are still told apart (for the count)
# A smart host at one of these addresses is a relay on the local network, never an Exchange Online
# endpoint typed in as an IP address (which is what ``ip_literal`` tells the ATTR35 rules).
_LOCAL_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16", "100.64.0.0/10",
    "fc00::/7", "fe80::/10", "::1/128",
))
_LABEL = lazyre.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62})$")
_HOST = lazyre.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62})(?:\.[a-z0-9](?:[a-z0-9-]{0,62}))+$")


def clean_host(raw: str | None) -> str | None:
    """``[Smtp.Office365.com].`` → ``smtp.office365.com``; None for what is not a host or IP."""
    if not raw:
        return None
    host = raw.strip().strip("[]<>\"'").lower().rstrip(".")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    return host if _HOST.match(host) and not host.replace(".", "").isdigit() else None


def host_kind(host: str | None) -> str:
    """``smart_host_kind`` of a client's smart host; an address on the local network is ``other``."""
    if not host:
        return "none"
    kind = smart_host_kind(host)
    if kind == "ip_literal":
        address = ipaddress.ip_address(host.strip("[]"))
        if any(address in net for net in _LOCAL_NETWORKS if net.version == address.version):
            return "other"
    return kind


def domain_of(address: str | None) -> str | None:
    """The domain of an address; a single label (``user@localhost``, ``app@SERVER01``) counts: such
    MAIL FROM domains are real, and never an accepted domain."""
    if not address or "@" not in address:
        return None
    domain = address.rsplit("@", 1)[1].strip().strip("[]<>\"'").lower().rstrip(".")
    if _LABEL.match(domain):
        return domain
    return clean_host(domain)


def public_ip(raw: str | None) -> str | None:
    """An IP address as written (any scope); None if it is not one."""
    if not raw:
        return None
    try:
        return str(ipaddress.ip_address(raw.strip().strip("[]")))
    except ValueError:
        return None


@dataclass(slots=True)
class Seen:
    """What one file says about the client's dealings with one smart host."""

    host: str | None
    port: int | None
    provenance: Provenance
    auth_used: bool | None = None
    auth_failed: bool | None = None
    starttls_used: bool | None = None
    tls_policy: str = "unknown"
    client_cert_configured: bool | None = None
    client_cert_name: str | None = None
    senders: Counter = field(default_factory=Counter)
    null_sender: bool = False
    client_ip: str | None = None
    last_status: str | None = None
    attempts: int = 0
    direct_delivery: bool | None = None


def hosts_text(hosts: Iterable[str | None], shown: int = 5) -> str:
    """The distinct smart hosts named, for a file's detail line: the first few and how many more."""
    distinct = list(dict.fromkeys(h for h in hosts if h))
    more = f" and {len(distinct) - shown:,} more" if len(distinct) > shown else ""
    return ", ".join(distinct[:shown]) + more


def count_sender(seen: Seen, domain: str) -> None:
    """One more message from ``domain`` through ``seen``'s smart host; beyond ``MAX_SENDERS``
    distinct domains only those already counted go on counting (the most common stays the most
    common unless a late domain would have overtaken it)."""
    if domain in seen.senders or len(seen.senders) < MAX_SENDERS:
        seen.senders[domain] += 1


class Tally:
    """Observations per (smart host, port) for one file, in the order hosts first appear; at most
    ``MAX_HOSTS`` Microsoft 365 endpoints (or IP literals) and ``MAX_HOSTS`` other hosts."""

    def __init__(self, software: str, origin: str, *, scope_id: str = ""):
        self.software = software
        self.origin = origin
        self.scope_id = scope_id
        self._by_key: dict[tuple[str | None, int | None], Seen] = {}
        self._kept = {True: 0, False: 0}  # hosts kept, by "is a Microsoft 365 endpoint or IP literal"
        self._dropped: set[tuple[str | None, int | None]] = set()
        self._dropped_more = False  # more hosts were left out than ``_dropped`` tells apart

    def get(self, host: str | None, port: int | None, provenance: Provenance) -> Seen:
        key = (host, port)
        seen = self._by_key.get(key)
        if seen is None:
            if host is not None and (None, None) in self._by_key and len(self._by_key) == 1:
                # what was seen before any host was named belongs to the first host named
                early = self._by_key.pop((None, None))
                early.host, early.port, early.provenance = host, port, provenance
                self._kept[host_kind(host) not in ("other", "none")] += 1
                self._by_key[key] = seen = early
            elif host is None:
                seen = self._by_key[key] = Seen(host, port, provenance)
            else:
                telling = host_kind(host) not in ("other", "none")
                if self._kept[telling] >= MAX_HOSTS:
                    return self._drop(key, provenance)  # observed, then forgotten
                self._kept[telling] += 1
                seen = self._by_key[key] = Seen(host, port, provenance)
        return seen

    def _drop(self, key: tuple[str | None, int | None], provenance: Provenance) -> Seen:
        if key not in self._dropped:
            if len(self._dropped) < _MAX_DROPPED:
                self._dropped.add(key)
            else:
                self._dropped_more = True
        return Seen(key[0], key[1], provenance)

    def warning(self) -> str | None:
        """What the bounds left out, for the file's warnings."""
        if not self._dropped:
            return None
        over = "over " if self._dropped_more else ""
        return (f"{over}{len(self._dropped):,} other smart hosts named after the first {MAX_HOSTS} are not "
                f"kept (Microsoft 365 endpoints and IP literals count apart, up to {MAX_HOSTS} too)")

    def __bool__(self) -> bool:
        return bool(self._by_key)

    def facts(self) -> list[SmtpClient]:
        out = []
        for seen in self._by_key.values():
            sender = seen.senders.most_common(1)[0][0] if seen.senders else None
            out.append(
                SmtpClient(
                    provenance=seen.provenance,
                    software=self.software,
                    origin=self.origin,
                    smart_host=seen.host,
                    port=seen.port,
                    smart_host_kind=host_kind(seen.host),
                    auth_used=seen.auth_used,
                    auth_failed=seen.auth_failed,
                    starttls_used=seen.starttls_used,
                    tls_policy=seen.tls_policy,
                    client_cert_configured=seen.client_cert_configured,
                    client_cert_name=seen.client_cert_name,
                    mail_from_domain=sender,
                    null_sender=seen.null_sender,
                    client_ip=seen.client_ip,
                    last_status=seen.last_status,
                    attempts=seen.attempts,
                    scope="server" if self.scope_id else "unknown",
                    scope_id=self.scope_id,
                    direct_delivery=seen.direct_delivery,
                )
            )
        return out
