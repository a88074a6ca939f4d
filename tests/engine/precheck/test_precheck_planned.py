"""The planned relations (``relations.planned``) the pack's egress-ip, egress-ip-public,
cert-domain and cert-smtp checks read: only a plan yields them, and each states what the rules
cannot compute (an address class, "no certificate connector" over a whole export, a name count,
the servers to enable a certificate on)."""

from __future__ import annotations

from precheckkit import NOW, Bundle
from relaydoctor.engine.api import precheck
from relaydoctor.engine.facts import (
    AcceptedDomain,
    Answer,
    Certificate,
    DomainAcceptance,
    InboundConnector,
    PlannedCertSmtp,
    PlannedEgress,
    PrecheckPlan,
    Provenance,
    SendConnector,
)
from relaydoctor.engine.precheck import Plan
from relaydoctor.engine.relations import derive_relations

P = Provenance("case", 1, "")
THUMB = "AB12CD34EF56AB12CD34EF56AB12CD34EF56AB12"
CERT_CONNECTOR = InboundConnector(
    provenance=P, name="Cert relay", enabled=True, connector_type="OnPremises",
    tls_sender_certificate_name="mail.contoso.com", auth="certificate",
)
IP_CONNECTOR = InboundConnector(
    provenance=P, name="IP relay", enabled=True, connector_type="OnPremises",
    sender_ip_addresses=("198.51.100.10",), auth="ip",
)


def _egress(text: str, *facts: object) -> PlannedEgress:
    plan = PrecheckPlan(provenance=P, egress_ip=text)
    got = [r for r in derive_relations([plan, *facts], now=NOW) if isinstance(r, PlannedEgress)]  # type: ignore[list-item]
    (one,) = got
    return one


def test_no_plan_no_planned_relation():
    """A diagnosis (no precheck_plan) never sees a planned relation, whatever the evidence."""
    facts = [
        CERT_CONNECTOR, IP_CONNECTOR,
        Answer(provenance=P, key="egress_ip", value="203.0.113.9"),
        Certificate(
            provenance=P, thumbprint=THUMB, cn="mail.contoso.com", origin="exchange", services=("SMTP",)
        ),
        AcceptedDomain(provenance=P, domain="contoso.com"),
    ]
    kinds = {r.KIND for r in derive_relations(facts, now=NOW)}
    roles = {r.role for r in derive_relations(facts, now=NOW) if isinstance(r, DomainAcceptance)}
    assert not kinds & {"planned_egress", "planned_cert_smtp"} and "planned_certificate" not in roles


def test_address_classes_and_families():
    assert (_egress("10.1.2.3").public, _egress("10.1.2.3").family) == (False, "ipv4")
    assert _egress("100.64.0.1").public is False  # CGNAT
    assert _egress("203.0.113.25").public is True  # documentation ranges stand for public ones
    mapped = _egress("::ffff:203.0.113.25")
    assert (mapped.ip, mapped.family) == ("203.0.113.25", "ipv4")
    bad = _egress("mail.contoso.com")
    assert (bad.family, bad.ip, bad.public, bad.problem) == (
        "invalid", None, None, "'mail.contoso.com' is not an IP address"
    )


def test_cert_route_is_stated_only_over_a_read_export():
    assert _egress("203.0.113.25").cert_route is None  # no Get-InboundConnector: nothing to say
    none = _egress("203.0.113.25", IP_CONNECTOR)
    assert (none.cert_route, none.fix_connector, none.complete) == ("none", "IP relay", True)
    present = _egress("203.0.113.25", IP_CONNECTOR, CERT_CONNECTOR)
    assert (present.cert_route, present.cert_connector) == ("present", "Cert relay")
    cut = InboundConnector(
        provenance=P, name="IP relay", enabled=True, connector_type="OnPremises",
        sender_ip_addresses=("198.51.100.10",), auth="ip", incomplete=True,
    )
    assert _egress("203.0.113.25", cut).complete is False


def test_planned_certificate_domain_and_smtp_binding():
    plan = PrecheckPlan(provenance=P, cert_thumbprint=THUMB)
    planned = Certificate(provenance=Provenance("new.cer"), thumbprint=THUMB, cn="mail.contoso.com",
                          sans=("mail.contoso.com", "autodiscover.fabrikam.com"))
    installed = Certificate(provenance=Provenance("Get-ExchangeCertificate.txt", 4), thumbprint=THUMB,
                            cn="mail.contoso.com", origin="exchange", services=("IIS",))
    send = SendConnector(provenance=P, name="Outbound to Office 365", routes_to_eop=True,
                         source_transport_servers=("EXCH02", "EXCH01"))
    other = SendConnector(provenance=P, name="Internet", source_transport_servers=("EDGE01",))
    rels = derive_relations(
        [plan, planned, installed, send, other, AcceptedDomain(provenance=P, domain="contoso.com")], now=NOW
    )
    (dom,) = [r for r in rels if isinstance(r, DomainAcceptance) and r.role == "planned_certificate"]
    assert (dom.domain, dom.status, dom.accepted_as, dom.names) == (
        "mail.contoso.com", "accepted", "contoso.com", 2
    )
    (smtp,) = [r for r in rels if isinstance(r, PlannedCertSmtp)]
    assert (smtp.state, smtp.services, smtp.servers, smtp.servers_known) == (
        "not_smtp", ("IIS",), ("EXCH01", "EXCH02"), True
    )
    assert smtp.provenance.ref() == "Get-ExchangeCertificate.txt:4"


def test_a_truncated_export_never_fails_the_egress_line(bundle: Bundle):
    """Python said FAIL when the connector export cut SenderIPAddresses short (the address may be
    in the hidden part); the pack's FAIL rests on "no certificate connector" over a whole export,
    so it is WARN now (the rest of the line is the same)."""
    bundle.file(
        "Get-InboundConnector.txt",
        b"Name                     : IP relay\r\nEnabled                  : True\r\n"
        b"ConnectorType            : OnPremises\r\n"
        b"SenderIPAddresses        : {198.51.100.10, 198.51.100.11, 198.51.100.12, 198.51.100.13...}\r\n"
        b"TlsSenderCertificateName : \r\n",
    )
    report = precheck([str(bundle.root)], Plan(egress_ip="203.0.113.99"), now=NOW)
    (line,) = [c for c in report.checks if c.check == "egress-ip"]
    assert line.status == "warn", line
    assert line.summary.startswith("203.0.113.99 is not within any enabled OnPremises connector's")
    assert line.commands == (
        "Set-InboundConnector -Identity 'IP relay' -SenderIPAddresses @{Add='203.0.113.99'}",
    )


def test_a_private_address_is_said_even_without_a_connector_export(bundle: Bundle):
    """Python said only "cannot check" without Get-InboundConnector; that the planned address is
    private holds whatever the connectors say, so its WARN comes first now."""
    report = precheck([str(bundle.root)], Plan(egress_ip="10.1.2.3"), now=NOW)
    got = [(c.check, c.status) for c in report.checks]
    assert got == [("egress-ip-public", "warn"), ("egress-ip", "warn")]
    assert report.checks[1].summary.startswith("cannot check: no Get-InboundConnector export")
