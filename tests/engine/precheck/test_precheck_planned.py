"""The planned relations (``relations.planned``) the pack's egress-ip, egress-ip-public,
cert-domain and cert-smtp checks read: only a plan yields them, and each states what the rules
cannot compute (an address class, "no certificate connector" over a whole export, a name count,
the servers to enable a certificate on)."""

from __future__ import annotations

from pathlib import Path

from precheckkit import NOW, Bundle
from relaydoctor.engine.api import precheck
from relaydoctor.engine.facts import (
    AcceptedDomain,
    Answer,
    Certificate,
    DomainAcceptance,
    InboundConnector,
    PlannedCertSmtp,
    PlannedConnector,
    PlannedEgress,
    PlannedIpMatch,
    PlannedNameMatch,
    PrecheckPlan,
    Provenance,
    SendConnector,
    SmtpSession,
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


def test_a_planned_connector_edit_leaves_every_other_relation_alone():
    """The planned connector (source plan) is read only by the planned relations: the relations
    the diagnosis's causes read are the same with and without the plan."""
    session = SmtpSession(
        provenance=Provenance("SEND.LOG", 9), connector="Outbound to Office 365", to_eop=True,
        cert_presented=True, cert_thumbprint=THUMB, cert_cn="mail.contoso.com",
        ehlo_client_ip="203.0.113.25",
        outcome="rejected", reject_code="5.7.64",
    )
    evidence = [CERT_CONNECTOR, IP_CONNECTOR, session, AcceptedDomain(provenance=P, domain="contoso.com")]
    plan = PrecheckPlan(
        provenance=P, connector="Cert relay", connector_cert_name="*.fabrikam.com",
        connector_ips=("198.51.100.0/24",), connector_ips_planned=True,
    )
    planned_kinds = {"planned_connector", "planned_name_match", "planned_ip_match"}
    without = derive_relations(evidence, now=NOW)
    with_plan = derive_relations([*evidence, plan], now=NOW)
    planned_role = "planned_connector_name"
    others = [r for r in with_plan if r.KIND not in planned_kinds and getattr(r, "role", "") != planned_role]
    assert others == without
    (pc,) = [r for r in with_plan if isinstance(r, PlannedConnector)]
    assert (pc.name, pc.exists, pc.cert_name, pc.certificate_name, pc.presented, pc.egress) == (
        "Cert relay", True, "*.fabrikam.com", True, 1, 1
    )
    (m,) = [r for r in with_plan if isinstance(r, PlannedNameMatch)]
    assert (m.short, m.match, m.provenance.ref()) == (THUMB[:8] + "…", "mismatch", "SEND.LOG:9")
    (ip,) = [r for r in with_plan if isinstance(r, PlannedIpMatch)]
    assert (ip.ip, ip.match, ip.certificate_name) == ("203.0.113.25", "not_in_range", True)


def test_the_connector_lines_come_from_the_pack(bundle: Bundle, tmp_path: Path):
    """A local pack that disables the planned-connector-name-shared rule removes that FAIL line."""
    bundle.inbound({"Name": "Contoso relay", "TlsSenderCertificateName": "mail.contoso.com"})
    plan = Plan(connector_cert_name="*.outlook.com")
    lines = precheck([str(bundle.root)], plan, now=NOW).checks
    got = [(c.check, c.status, c.subject) for c in lines]
    assert ("connector-cert-name-shared", "fail", "Contoso relay") in got
    local = tmp_path / "local"
    (local / "knowledge").mkdir(parents=True)
    (local / "pack.yaml").write_text(
        'id: local\nversion: "1.0.0"\nengine_format: 1\ndescription: site tuning\n'
        "overrides:\n  disable_rules: [planned-connector-name-shared.shared]\n",
        encoding="utf-8",
    )
    lines = precheck([str(bundle.root)], plan, now=NOW, pack_dirs=(str(local),)).checks
    assert "connector-cert-name-shared" not in [c.check for c in lines]
