"""Egress IP against SenderIPAddresses (DOMAIN §3.1, §9 Step 5)."""

from __future__ import annotations

import pytest
from relaydoctor.engine.facts import IpAttribution, IpConnectorMatch
from relaydoctor.engine.relations import derive_relations
from relaydoctor.engine.relations.ips import match_ip, parse_ip_entry
from relkit import answer, inbound, session


@pytest.mark.parametrize(
    ("ip", "entries", "expected", "matched"),
    [
        ("203.0.113.25", ["203.0.113.25"], "in_range", "203.0.113.25"),
        ("203.0.113.26", ["203.0.113.25"], "not_in_range", None),
        ("203.0.113.25", ["203.0.113.25/32"], "in_range", "203.0.113.25/32"),
        ("203.0.113.0", ["203.0.113.0/24"], "in_range", "203.0.113.0/24"),  # /24 lower edge
        ("203.0.113.255", ["203.0.113.0/24"], "in_range", "203.0.113.0/24"),  # /24 upper edge
        ("203.0.114.0", ["203.0.113.0/24"], "not_in_range", None),  # just past it
        ("203.0.112.255", ["203.0.113.0/24"], "not_in_range", None),  # just before it
        ("192.0.2.63", ["192.0.2.32/27", "192.0.2.70"], "in_range", "192.0.2.32/27"),
        ("192.0.2.64", ["192.0.2.32/27", "192.0.2.70"], "not_in_range", None),
        ("192.0.2.70", ["192.0.2.32/27", "192.0.2.70"], "in_range", "192.0.2.70"),
        ("203.0.113.200", ["203.0.112.0/23"], "not_in_range", None),  # /23 is not a valid mask: ignored
        ("203.0.113.5", ["203.0.113.0/33"], "not_in_range", None),
        ("203.0.113.5", ["203.0.113.1-203.0.113.9"], "in_range", "203.0.113.1-203.0.113.9"),
        ("203.0.113.10", ["203.0.113.1-203.0.113.9"], "not_in_range", None),
        ("203.0.113.25", ["203.0.113.99/24"], "in_range", "203.0.113.99/24"),  # host bits tolerated
        ("203.0.113.25", ["garbage", "2001:db8::/64", "203.0.113.25"], "in_range", "203.0.113.25"),
        ("2001:db8::25", ["203.0.113.25", "2001:db8::/64"], "ipv6", None),  # IPv6 never matches
        ("[203.0.113.25]", ["203.0.113.25"], "in_range", "203.0.113.25"),
        ("::ffff:203.0.113.25", ["203.0.113.25"], "in_range", "203.0.113.25"),
    ],
)
def test_match_ip(ip, entries, expected, matched):
    verdict = match_ip(ip, entries)
    assert (verdict.match, verdict.matched_range) == (expected, matched)


@pytest.mark.parametrize(
    ("entry", "problem_part"),
    [
        ("203.0.112.0/23", "/23"),
        ("10.0.0.0/8", "/8"),
        ("203.0.113.0/33", "CIDR"),
        ("2001:db8::/64", "IPv6"),
        ("2001:db8::1", "IPv6"),
        ("not-an-ip", "range"),
        ("mail.contoso.com", "not an IP"),
        ("203.0.113.9-203.0.113.1", "range"),
        ("", "empty"),
    ],
)
def test_invalid_entries_are_ignored_with_a_reason(entry, problem_part):
    parsed = parse_ip_entry(entry)
    assert parsed.networks == ()
    assert problem_part in parsed.problem


def test_ignored_entry_reason_reaches_the_excerpt(fixed_now):
    facts = [
        session(ehlo_client_ip="198.51.100.77"),
        inbound("relay", sender_ip_addresses=("198.51.0.0/16", "203.0.113.25")),
    ]
    rels = derive_relations(facts, now=fixed_now)
    (attr,) = [r for r in rels if isinstance(r, IpAttribution)]
    assert attr.match == "not_in_range"
    assert "198.51.0.0/16" in attr.provenance.excerpt and "/24–/32" in attr.provenance.excerpt


def test_ip_relations_per_connector_and_best(fixed_now):
    facts = [
        session(line=30, ehlo_client_ip="203.0.113.25", outcome="relayed", last_seen="2026-10-14T08:47:02Z"),
        session(
            line=66, ehlo_client_ip="198.51.100.77", outcome="rejected", last_seen="2026-10-14T09:06:00Z"
        ),
        inbound("Contoso on-premises relay (IP)", sender_ip_addresses=("203.0.113.25",)),
        inbound(
            "Fabrikam Partner TLS",
            connector_type="Partner",
            sender_ip_addresses=("192.0.2.32/27", "192.0.2.70"),
        ),
    ]
    rels = derive_relations(facts, now=fixed_now)
    per = {(m.ip, m.connector): m for m in rels if isinstance(m, IpConnectorMatch)}
    assert len(per) == 4
    assert per[("203.0.113.25", "Contoso on-premises relay (IP)")].match == "in_range"
    assert per[("203.0.113.25", "Fabrikam Partner TLS")].usable_connector is False
    best = {a.ip: a for a in rels if isinstance(a, IpAttribution)}
    assert best["203.0.113.25"].match == "in_range"
    assert best["198.51.100.77"].match == "not_in_range"
    assert best["198.51.100.77"].connector == "Contoso on-premises relay (IP)"
    assert best["198.51.100.77"].source == "send_log"
    assert best["198.51.100.77"].provenance.line == 66  # the session that saw that IP


def test_partner_connector_in_range_does_not_attribute(fixed_now):
    facts = [
        session(ehlo_client_ip="192.0.2.70"),
        inbound("relay", sender_ip_addresses=("203.0.113.25",)),
        inbound("partner", connector_type="Partner", sender_ip_addresses=("192.0.2.70",)),
    ]
    rels = derive_relations(facts, now=fixed_now)
    (attr,) = [r for r in rels if isinstance(r, IpAttribution)]
    assert (attr.match, attr.connector) == ("not_in_range", "relay")


def test_no_ip_connector_and_ipv6(fixed_now):
    facts = [
        session(line=5, ehlo_client_ip="2001:db8::25", client_ip_family="ipv6"),
        session(line=9, ehlo_client_ip="203.0.113.25"),
        inbound("cert", tls_sender_certificate_name="mail.contoso.com"),
    ]
    attrs = {a.ip: a for a in derive_relations(facts, now=fixed_now) if isinstance(a, IpAttribution)}
    assert attrs["203.0.113.25"].match == "no_ip_connector"
    assert attrs["2001:db8::25"].match == "no_ip_connector"
    assert "IPv6" in attrs["2001:db8::25"].provenance.excerpt
    facts.append(inbound("ip", sender_ip_addresses=("203.0.113.0/24",)))
    attrs = {a.ip: a for a in derive_relations(facts, now=fixed_now) if isinstance(a, IpAttribution)}
    assert attrs["2001:db8::25"].match == "ipv6"
    assert attrs["203.0.113.25"].match == "in_range"


def test_sessions_not_to_eop_and_answers(fixed_now):
    facts = [
        session(ehlo_client_ip="10.20.0.15", to_eop=False),  # an internal hop: never compared
        answer("egress_ip", "198.51.100.77"),
        answer("egress_ip", "not an ip"),
        inbound("ip", sender_ip_addresses=("203.0.113.25",)),
    ]
    attrs = [a for a in derive_relations(facts, now=fixed_now) if isinstance(a, IpAttribution)]
    assert [(a.ip, a.match, a.source) for a in attrs] == [("198.51.100.77", "not_in_range", "answer")]
    assert attrs[0].provenance.source == "--answer"


def test_log_ip_preferred_over_same_answer(fixed_now):
    facts = [
        session(ehlo_client_ip="203.0.113.25"),
        answer("egress_ip", "203.0.113.25"),
        inbound("ip", sender_ip_addresses=("203.0.113.25",)),
    ]
    attrs = [a for a in derive_relations(facts, now=fixed_now) if isinstance(a, IpAttribution)]
    assert [(a.ip, a.source) for a in attrs] == [("203.0.113.25", "send_log")]
