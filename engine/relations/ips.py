"""Egress IP against inbound connectors' SenderIPAddresses (DOMAIN §3.1, §3.2, §9 Step 5).

The egress IP is what Exchange Online saw: the ``[ip]`` in its EHLO reply (``ehlo_client_ip`` of an
Exchange send log, or ``client_ip`` of a relay or app log that talked to the tenant's MX endpoint
and was refused there), or what the user told us (answer ``egress_ip``). The send log's local
endpoint is a private address behind NAT and is never compared, nor is a log's private ``Hello``
address. SenderIPAddresses holds IPv4 addresses or CIDR /24–/32; IPv6 is
not supported, so an IPv6 egress can never match. The ``a.b.c.d-e.f.g.h`` range form (valid for
EFSkipIPs) is tolerated; anything else unreadable is ignored, with the reason in the excerpt.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Sequence

from ..facts import (
    Answer,
    ConnectorIpScope,
    Fact,
    InboundConnector,
    IpAttribution,
    IpConnectorMatch,
    PrecheckPlan,
    SmtpClient,
    SmtpSession,
)
from ..lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from .common import derived, most_relevant, prov_key
from .names import usable

IPv4 = ipaddress.IPv4Address
Net4 = ipaddress.IPv4Network


@dataclass(frozen=True, slots=True)
class IpEntry:
    text: str
    networks: tuple[Net4, ...]
    problem: str | None = None  # why the entry is ignored (networks empty then)
    note: str | None = None  # accepted, but worth saying (range form, host bits set)


@dataclass(frozen=True, slots=True)
class IpVerdict:
    match: str  # in_range | not_in_range | ipv6
    matched_range: str | None
    reason: str


def parse_ip(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An IP as written in logs/answers (``[ip]`` brackets allowed); IPv4-mapped IPv6 → IPv4."""
    if not text:
        return None
    raw = text.strip().strip("[]")
    if raw.lower().startswith("ipv6:"):
        raw = raw[5:]
    try:
        ip = ipaddress.ip_address(raw)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def parse_ip_entry(text: str) -> IpEntry:
    """One SenderIPAddresses value: an IPv4 address, CIDR /24–/32, or a tolerated range."""
    raw = text.strip()
    if not raw:
        return IpEntry(text, (), "empty entry")
    if "-" in raw:
        lo_text, _, hi_text = raw.partition("-")
        lo, hi = parse_ip(lo_text), parse_ip(hi_text)
        if not isinstance(lo, IPv4) or not isinstance(hi, IPv4) or lo > hi:
            return IpEntry(text, (), "unreadable address range")
        nets = tuple(ipaddress.summarize_address_range(lo, hi))
        return IpEntry(text, nets, note="range form (documented for EFSkipIPs, tolerated here)")
    if "/" in raw:
        try:
            net = ipaddress.ip_network(raw, strict=False)
        except ValueError:
            return IpEntry(text, (), "unreadable CIDR")
        if not isinstance(net, Net4):
            return IpEntry(text, (), "IPv6 is not supported in SenderIPAddresses")
        if not 24 <= net.prefixlen <= 32:
            return IpEntry(text, (), f"mask /{net.prefixlen} is outside the documented /24–/32")
        note = None
        if str(net) != raw.replace(" ", ""):
            note = f"host bits set; read as {net}"
        return IpEntry(text, (net,), note=note)
    ip = parse_ip(raw)
    if ip is None:
        return IpEntry(text, (), "not an IP address")
    if not isinstance(ip, IPv4):
        return IpEntry(text, (), "IPv6 is not supported in SenderIPAddresses")
    return IpEntry(text, (Net4(f"{ip}/32"),))


def match_ip(ip_text: str, entries: Sequence[str]) -> IpVerdict:
    """An egress IP against one connector's SenderIPAddresses."""
    ip = parse_ip(ip_text)
    if ip is None:
        return IpVerdict("not_in_range", None, f"{ip_text!r} is not an IP address")
    if not isinstance(ip, IPv4):
        return IpVerdict("ipv6", None, f"{ip} is IPv6; SenderIPAddresses accepts IPv4 only")
    parsed = [parse_ip_entry(e) for e in entries]
    ignored = [f"{p.text!r} ignored: {p.problem}" for p in parsed if p.problem]
    tail = f" ({'; '.join(ignored)})" if ignored else ""
    for p in parsed:
        if any(ip in net for net in p.networks):
            note = f" [{p.note}]" if p.note else ""
            return IpVerdict("in_range", p.text.strip(), f"{ip} is within {p.text.strip()}{note}{tail}")
    listed = ", ".join(p.text.strip() for p in parsed if p.networks) or "no usable entry"
    return IpVerdict("not_in_range", None, f"{ip} is not within {listed}{tail}")


@dataclass(frozen=True, slots=True)
class EgressIp:
    ip: str
    source: str  # send_log | relay_log | answer
    premise: Fact


def egress_ips(
    sessions: Sequence[SmtpSession], answers: Sequence[Answer], clients: Sequence[SmtpClient] = ()
) -> list[EgressIp]:
    """Distinct egress IPs: from sessions to EOP first, then from relay or app logs that were refused
    by the tenant's MX endpoint, then from answers; sorted by IP text."""
    by_ip: dict[str, list[SmtpSession]] = defaultdict(list)
    for s in sessions:
        ip = parse_ip(s.ehlo_client_ip) if s.to_eop else None
        if ip is not None:
            by_ip[str(ip)].append(s)
    out = {ip: EgressIp(ip, "send_log", most_relevant(group)) for ip, group in by_ip.items()}
    for c in sorted(clients, key=prov_key):
        # only what EOP itself said it saw (a log's own view of its address may be a private one)
        if c.smart_host_kind != "eop_tenant" or not c.last_status:
            continue
        ip = parse_ip(c.client_ip)
        if ip is not None and str(ip) not in out and not _internal(ip):
            out[str(ip)] = EgressIp(str(ip), "relay_log", c)
    for a in sorted(answers, key=prov_key):
        if a.key.strip().lower() != "egress_ip":
            continue
        for part in a.value.replace(";", ",").replace(" ", ",").split(","):
            ip = parse_ip(part)
            if ip is not None and str(ip) not in out:
                out[str(ip)] = EgressIp(str(ip), "answer", a)
    return [out[k] for k in sorted(out, key=lambda k: (parse_ip(k).version, parse_ip(k)))]


_INTERNAL = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16", "100.64.0.0/10",
    "::1/128", "fc00::/7", "fe80::/10",
))


def _internal(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """An address behind NAT (RFC 1918, CGNAT, loopback, link-local): never what EOP saw as egress."""
    return any(ip.version == net.version and ip in net for net in _INTERNAL)


_NOT_PUBLIC = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16"
    )
)


def not_public(value: object) -> bool:
    """RFC 1918, CGNAT, loopback or link-local (documentation ranges count as public: they stand
    for public addresses in examples). IPv6: what ``ipaddress`` calls private, loopback or link-local."""
    if isinstance(value, ipaddress.IPv4Network):
        return any(value.subnet_of(n) for n in _NOT_PUBLIC)
    if isinstance(value, ipaddress.IPv4Address):
        return any(value in n for n in _NOT_PUBLIC)
    if isinstance(value, ipaddress.IPv6Address):
        return value.is_private or value.is_loopback or value.is_link_local
    return False


_IP_ORDER = {"in_range": 0, "incomplete": 1, "not_in_range": 2, "ipv6": 3}


def ip_relations(
    sessions: Sequence[SmtpSession], answers: Sequence[Answer], connectors: Sequence[InboundConnector],
    clients: Sequence[SmtpClient] = (),
) -> list[IpConnectorMatch | IpAttribution]:
    listing = sorted((c for c in connectors if c.sender_ip_addresses), key=lambda c: (c.name, prov_key(c)))
    out: list[IpConnectorMatch | IpAttribution] = []
    wheres = {"send_log": "EOP's EHLO reply", "relay_log": "EOP's EHLO reply in the relay's log"}
    for egress in egress_ips(sessions, answers, clients):
        where = wheres.get(egress.source, "your answer")
        scored: list[tuple[InboundConnector, IpVerdict]] = []
        for conn in listing:
            verdict = match_ip(egress.ip, conn.sender_ip_addresses)
            if verdict.match == "not_in_range" and conn.incomplete:
                verdict = IpVerdict(
                    "incomplete", None,
                    f"{verdict.reason}, but the export truncated the list, so it may be in the hidden part "
                    "(re-export with Export-Clixml or $FormatEnumerationLimit = -1)",
                )
            ok = usable(conn)
            state = "" if ok else " (connector not usable: disabled or not OnPremises)"
            out.append(
                IpConnectorMatch(
                    provenance=derived(
                        egress.premise,
                        f"egress IP {egress.ip} (from {where}) vs connector {conn.name!r} "
                        f"SenderIPAddresses: {verdict.match} — {verdict.reason}{state}",
                    ),
                    ip=egress.ip,
                    connector=conn.name,
                    match=verdict.match,
                    matched_range=verdict.matched_range,
                    usable_connector=ok,
                )
            )
            scored.append((conn, verdict))
        candidates = [(c, v) for c, v in scored if usable(c)]
        if not candidates:
            family = " (and it is IPv6, which no connector can list)" if ":" in egress.ip else ""
            out.append(
                IpAttribution(
                    provenance=derived(
                        egress.premise,
                        f"egress IP {egress.ip} (from {where}): no enabled OnPremises connector "
                        f"lists SenderIPAddresses{family}",
                    ),
                    ip=egress.ip,
                    match="no_ip_connector",
                    source=egress.source,
                )
            )
            continue
        conn, verdict = min(candidates, key=lambda cv: (_IP_ORDER[cv[1].match], cv[0].name))
        out.append(
            IpAttribution(
                provenance=derived(
                    egress.premise,
                    f"egress IP {egress.ip} (from {where}) best against connector {conn.name!r}: "
                    f"{verdict.match} — {verdict.reason}",
                ),
                ip=egress.ip,
                match=verdict.match,
                connector=conn.name,
                matched_range=verdict.matched_range,
                source=egress.source,
            )
        )
    return out


def connector_ip_scope_relations(
    plans: Sequence[PrecheckPlan], connectors: Sequence[InboundConnector], matches: Sequence[IpConnectorMatch]
) -> list[ConnectorIpScope]:
    """precheck's audit (MC1226222): per enabled OnPremises connector listing SenderIPAddresses,
    the entries Exchange Online ignores, the private ones and the ranges wider than one address."""
    if not any(p.audit for p in plans):
        return []
    seen = {m.ip for m in matches}
    out: list[ConnectorIpScope] = []
    for c in sorted(connectors, key=lambda c: (c.name, prov_key(c))):
        if not usable(c) or not c.sender_ip_addresses:
            continue
        wide, private, bad = [], [], []
        for entry in c.sender_ip_addresses:
            parsed = parse_ip_entry(entry)
            if parsed.problem:
                bad.append(f"{entry} ({parsed.problem})")
            for net in parsed.networks:
                if not_public(net):
                    private.append(str(net))
                elif net.prefixlen < 32:
                    used = sorted(ip for ip in seen if _in_net(ip, net))
                    wide.append(f"{net}" + (f" (the logs show {', '.join(used)} used)" if used else ""))
        problems = []
        if bad:
            problems.append("ignored by Exchange Online: " + ", ".join(bad))
        if private:
            problems.append("private, never seen by Exchange Online: " + ", ".join(private))
        if wide:
            problems.append("wider than one address, shareable with other senders: " + ", ".join(wide))
        problem = "; ".join(problems) or None
        listed = ", ".join(c.sender_ip_addresses)
        out.append(
            ConnectorIpScope(
                provenance=derived(
                    c, f"connector {c.name!r} SenderIPAddresses {listed}: "
                    + (problem or "every entry is one public address"),
                ),
                connector=c.name,
                entries=len(c.sender_ip_addresses),
                problem=problem,
            )
        )
    return out


def _in_net(ip: str, net: object) -> bool:
    try:
        return ipaddress.ip_address(ip) in net  # type: ignore[operator]
    except (ValueError, TypeError):
        return False
