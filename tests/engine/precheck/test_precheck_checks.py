"""Every precheck check, pass / warn / fail, on real parsed exports and real certificates."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from certfactory import make_chain, make_leaf, make_root, make_self_signed, thumbprint, to_der, to_pem
from precheckkit import NOW, Bundle, exchange_cert
from relaydoctor.engine.api import precheck
from relaydoctor.engine.precheck import Plan
from relaydoctor.engine.x509names import dotnet_name

CERT_CONNECTOR = {"Name": "Contoso relay", "TlsSenderCertificateName": "*.contoso.com"}
IP_CONNECTOR = {"Name": "Contoso IP relay", "SenderIPAddresses": ["203.0.113.25"]}


def checks(bundle: Bundle, **plan: object) -> dict[str, list]:
    report = precheck([str(bundle.root)], Plan(**plan), now=NOW)  # type: ignore[arg-type]
    out: dict[str, list] = {}
    for c in report.checks:
        out.setdefault(c.check, []).append(c)
    return out


def status(bundle: Bundle, check: str, **plan: object) -> str:
    found = checks(bundle, **plan)[check]
    assert len(found) == 1, found
    return found[0].status


def planned(bundle: Bundle, cn: str = "mail.contoso.com", sans=None, **dates) -> tuple[str, object]:  # type: ignore[no-untyped-def]
    chain = make_chain(cn, sans, **dates)
    path = bundle.file("new.pem", to_pem(chain.leaf.cert))
    return str(path), chain


# -- planned certificate ---------------------------------------------------------------------------


def test_cert_names_pass_fail_warn(bundle: Bundle):
    bundle.inbound(CERT_CONNECTOR).accepted("contoso.com")
    cert, _ = planned(bundle, "mail.contoso.com")
    (check,) = checks(bundle, cert=cert)["cert-names"]
    assert (check.status, check.subject) == ("pass", "Contoso relay")
    assert "matches through a wildcard" in check.summary  # plain words, not the enum
    cert, _ = planned(bundle, "mail.fabrikam.net")
    (check,) = checks(bundle, cert=cert)["cert-names"]
    assert check.status == "fail"
    assert check.commands == (
        "Set-InboundConnector -Identity 'Contoso relay' -TlsSenderCertificateName 'mail.fabrikam.net'",
    )
    bundle.inbound({"Name": "Contoso relay", "TlsSenderCertificateName": "contoso.com"})
    cert, _ = planned(bundle, "mail.contoso.com")
    assert status(bundle, "cert-names", cert=cert) == "warn"  # host under a non-wildcard value: ambiguous


def test_cert_names_without_connectors_or_certificate_connector(bundle: Bundle):
    bundle.accepted("contoso.com")
    cert, _ = planned(bundle)
    (check,) = checks(bundle, cert=cert)["cert-names"]
    assert check.status == "warn" and "Get-InboundConnector" in check.summary
    bundle.inbound(IP_CONNECTOR)
    (check,) = checks(bundle, cert=cert)["cert-names"]
    assert check.status == "warn" and "IP-based" in check.summary


def test_cert_domain_kb4019940_parent_rule(bundle: Bundle):
    bundle.inbound(CERT_CONNECTOR).accepted("contoso.com")
    cert, _ = planned(bundle, "mail.contoso.com")
    assert status(bundle, "cert-domain", cert=cert) == "pass"
    cert, _ = planned(bundle, "relay.mail.contoso.com", ["relay.mail.contoso.com"])  # parent mail.contoso.com
    (check,) = checks(bundle, cert=cert)["cert-domain"]
    assert check.status == "fail" and "ATTR36" in check.summary
    cert, _ = planned(bundle, "mail.contoso.net")
    assert status(bundle, "cert-domain", cert=cert) == "fail"
    (bundle.root / "Get-AcceptedDomain.json").unlink()
    assert status(bundle, "cert-domain", cert=cert) == "warn"


def test_cert_lifetime(bundle: Bundle):
    bundle.inbound(CERT_CONNECTOR)
    cert, _ = planned(bundle, not_after=dt.datetime(2027, 6, 1, tzinfo=dt.UTC))
    assert status(bundle, "cert-lifetime", cert=cert) == "pass"
    cert, _ = planned(bundle, not_after=dt.datetime(2026, 12, 10, tzinfo=dt.UTC))
    (check,) = checks(bundle, cert=cert)["cert-lifetime"]
    assert check.status == "warn" and "12 day(s)" in check.summary
    assert status(bundle, "cert-lifetime", cert=cert, days=7) == "pass"
    cert, _ = planned(
        bundle,
        not_before=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        not_after=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    )
    assert status(bundle, "cert-lifetime", cert=cert) == "fail"


def test_cert_chain(bundle: Bundle):
    bundle.inbound(CERT_CONNECTOR)
    cert, chain = planned(bundle)
    (check,) = checks(bundle, cert=cert)["cert-chain"]
    assert check.status == "warn" and "Relaydoctor Test Issuing CA" in check.summary  # lone leaf
    bundle.exchange_certs(exchange_cert(chain.leaf.cert))  # Windows on the server trusts it
    assert status(bundle, "cert-chain", cert=cert) == "pass"
    (bundle.root / "Get-ExchangeCertificate.json").unlink()
    # a chain file without the intermediate
    path = bundle.file("new.pem", to_pem(chain.leaf.cert, chain.root.cert))
    (check,) = checks(bundle, cert=str(path))["cert-chain"]
    assert check.status == "fail" and "intermediate" in check.summary
    own = make_self_signed("mail.contoso.com")
    path = bundle.file("new.pem", to_der(own.cert))
    (check,) = checks(bundle, cert=str(path))["cert-chain"]
    assert check.status == "fail" and "self-signed" in check.summary


def test_cert_smtp(bundle: Bundle):
    bundle.inbound(CERT_CONNECTOR).send()
    cert, chain = planned(bundle)
    thumb = thumbprint(chain.leaf.cert)
    (check,) = checks(bundle, cert=cert)["cert-smtp"]
    assert check.status == "warn"
    assert check.commands == (
        f"Enable-ExchangeCertificate -Thumbprint '{thumb}' -Services SMTP -Server 'EXCH01'",
        f"Enable-ExchangeCertificate -Thumbprint '{thumb}' -Services SMTP -Server 'EXCH02'",
    )
    other = make_chain("old.contoso.com")
    bundle.exchange_certs(exchange_cert(other.leaf.cert))
    assert checks(bundle, cert=cert)["cert-smtp"][0].summary.startswith("not installed")
    bundle.exchange_certs(exchange_cert(chain.leaf.cert, services="IIS"))
    (check,) = checks(bundle, cert=cert)["cert-smtp"]
    assert check.status == "fail" and len(check.commands) == 2
    bundle.exchange_certs(exchange_cert(chain.leaf.cert, services="IIS, SMTP"))
    assert status(bundle, "cert-smtp", cert=cert) == "pass"


def test_cert_smtp_never_fails_on_an_export_without_services(bundle: Bundle):
    """Get-ExchangeCertificate exported without its Services property (Select-Object of a few):
    the certificate is installed, but nothing says SMTP is off, so the line warns, never FAILs."""
    bundle.inbound(CERT_CONNECTOR).send()
    cert, chain = planned(bundle)
    listed = exchange_cert(chain.leaf.cert)
    del listed["Services"]
    bundle.exchange_certs(listed)
    (check,) = checks(bundle, cert=cert)["cert-smtp"]
    assert check.status == "warn"
    assert check.summary.startswith("installed, but the export does not say its Services")
    assert check.commands == ()


def test_send_connector_value_to_set(bundle: Bundle):
    bundle.inbound(CERT_CONNECTOR).send("<I>CN=Old CA<S>CN=old.contoso.com")
    cert, chain = planned(bundle)
    value = f"<I>{dotnet_name(chain.leaf.cert.issuer)}<S>{dotnet_name(chain.leaf.cert.subject)}"
    (check,) = checks(bundle, cert=cert)["send-connector-cert"]
    assert check.status == "warn"
    assert check.commands == (
        f"Set-SendConnector -Identity 'Outbound to Office 365' -TlsCertificateName '{value}'",
    )
    bundle.send(value)
    (check,) = checks(bundle, cert=cert)["send-connector-cert"]
    assert (check.status, check.commands) == ("pass", ())


# -- planned egress IP -----------------------------------------------------------------------------


def test_egress_ip(bundle: Bundle):
    bundle.inbound(IP_CONNECTOR)
    (check,) = checks(bundle, egress_ip="203.0.113.25")["egress-ip"]
    assert check.status == "pass" and check.subject == "Contoso IP relay"
    (check,) = checks(bundle, egress_ip="198.51.100.7")["egress-ip"]
    assert check.status == "fail"
    assert check.commands == (
        "Set-InboundConnector -Identity 'Contoso IP relay' -SenderIPAddresses @{Add='198.51.100.7'}",
    )
    (check,) = checks(bundle, egress_ip="2001:db8::25")["egress-ip"]
    assert check.status == "fail" and "IPv6" in check.summary
    bundle.inbound(IP_CONNECTOR, CERT_CONNECTOR)
    assert status(bundle, "egress-ip", egress_ip="2001:db8::25") == "warn"  # the certificate attributes it
    assert status(bundle, "egress-ip", egress_ip="198.51.100.7") == "warn"
    found = checks(bundle, egress_ip="10.1.2.3")
    assert found["egress-ip-public"][0].status == "warn"
    assert status(bundle, "egress-ip", egress_ip="not-an-ip") == "fail"


# -- planned connector edit ------------------------------------------------------------------------


def test_connector_cert_name_value_and_acceptance(bundle: Bundle):
    bundle.inbound(CERT_CONNECTOR).accepted("contoso.com")
    assert status(bundle, "connector-cert-name", connector_cert_name="*.contoso.com") == "pass"
    assert status(bundle, "connector-cert-name", connector_cert_name="mail.*.com") == "fail"
    (check,) = checks(bundle, connector_cert_name="*.fabrikam.net")["connector-cert-name"]
    assert check.status == "fail" and check.subject == "Contoso relay"
    assert (
        status(bundle, "connector-cert-name", connector_cert_name="mail.contoso.com") == "warn"
    )  # host value
    found = checks(bundle, connector_cert_name="*.mimecast.com")
    assert found["connector-cert-name-shared"][0].status == "fail"


def test_connector_cert_name_against_the_presented_certificate(bundle: Bundle):
    chain = make_chain("mail.contoso.com")
    bundle.inbound(CERT_CONNECTOR).accepted("contoso.com").exchange_certs(exchange_cert(chain.leaf.cert))
    (check,) = checks(bundle, connector_cert_name="*.contoso.com")["connector-cert-name-presented"]
    assert check.status == "warn"  # nothing says which certificate is presented
    value = f"<I>{dotnet_name(chain.leaf.cert.issuer)}<S>{dotnet_name(chain.leaf.cert.subject)}"
    bundle.send(value)
    assert status(bundle, "connector-cert-name-presented", connector_cert_name="*.contoso.com") == "pass"
    assert status(bundle, "connector-cert-name-presented", connector_cert_name="mail.contoso.com") == "pass"
    assert status(bundle, "connector-cert-name-presented", connector_cert_name="*.fabrikam.com") == "fail"


def test_connector_ips(bundle: Bundle):
    bundle.inbound(IP_CONNECTOR)
    found = checks(bundle, connector_ips=("203.0.113.25",), egress_ip="203.0.113.25")
    assert found["connector-ips"][0].status == "pass"
    assert found["connector-ips-egress"][0].status == "pass"
    found = checks(bundle, connector_ips=("203.0.113.26",), egress_ip="203.0.113.25")
    assert found["connector-ips-egress"][0].status == "fail"
    found = checks(bundle, connector_ips=("203.0.0.0/16", "2001:db8::/64"))
    assert found["connector-ips"][0].status == "fail"
    assert "/16" in found["connector-ips"][0].summary and "IPv6" in found["connector-ips"][0].summary
    assert found["connector-ips-egress"][0].status == "warn"  # no egress IP known
    found = checks(bundle, connector_ips=("203.0.113.0/24", "192.168.1.10"))
    assert found["connector-ips-scope"][0].status == "warn"
    assert found["connector-ips-public"][0].status == "warn"


# -- planned sending domain ------------------------------------------------------------------------


def test_sender_domain(bundle: Bundle, samples):  # type: ignore[no-untyped-def]
    bundle.inbound(IP_CONNECTOR).accepted("contoso.com")
    assert status(bundle, "sender-domain", sender_domain="contoso.com") == "pass"
    (check,) = checks(bundle, sender_domain="fabrikam.com")["sender-domain"]
    assert check.status == "fail" and "ATTR36" in check.summary
    (bundle.root / "Get-AcceptedDomain.json").unlink()
    assert status(bundle, "sender-domain", sender_domain="fabrikam.com") == "warn"
    # a presented certificate of an accepted domain that matches a connector attributes it: warn
    shutil.copy(samples / "bundles" / "renewed-certificate" / "SEND20261120-1.LOG", bundle.root)
    bundle.accepted("contoso.com").inbound(
        {"Name": "Contoso relay", "TlsSenderCertificateName": "*.contoso.com"}
    )
    (check,) = checks(bundle, sender_domain="fabrikam.com")["sender-domain"]
    assert check.status == "warn" and "mail.contoso.com" in check.summary


# -- audit -----------------------------------------------------------------------------------------


def test_audit_expiry_of_the_certificate_a_send_connector_names(bundle: Bundle):
    def named(not_after: dt.datetime) -> None:
        root = make_root()
        leaf = make_leaf(
            root, "mail.contoso.com", not_after=not_after, not_before=dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
        )
        bundle.exchange_certs(exchange_cert(leaf.cert))
        bundle.send(f"<I>{dotnet_name(leaf.cert.issuer)}<S>{dotnet_name(leaf.cert.subject)}")

    bundle.inbound(CERT_CONNECTOR).accepted("contoso.com")
    named(dt.datetime(2027, 6, 1, tzinfo=dt.UTC))
    assert status(bundle, "audit-expiry") == "pass"
    named(dt.datetime(2026, 12, 20, tzinfo=dt.UTC))
    assert status(bundle, "audit-expiry") == "warn"
    assert status(bundle, "audit-expiry", days=10) == "pass"
    named(dt.datetime(2026, 11, 20, tzinfo=dt.UTC))
    assert status(bundle, "audit-expiry") == "fail"
    bundle.send("")
    assert status(bundle, "audit-expiry") == "warn"  # no certificate on a path known


def test_audit_mc1226222_anti_patterns(bundle: Bundle):
    bundle.inbound(CERT_CONNECTOR).accepted("contoso.com")
    found = checks(bundle)
    assert [c.status for c in found["audit-ip-only"]] == ["pass"]
    assert [c.status for c in found["audit-cert-name"]] == ["pass"]
    assert [c.status for c in found["audit-ip-scope"]] == ["pass"]
    bundle.inbound(
        IP_CONNECTOR,
        {"Name": "Gateway", "TlsSenderCertificateName": "*.pphosted.com"},
        {"Name": "Other", "TlsSenderCertificateName": "*.fabrikam.net"},
        {
            "Name": "Wide",
            "SenderIPAddresses": ["198.51.100.0/24"],
            "TlsSenderCertificateName": "*.contoso.com",
        },
    )
    found = checks(bundle)
    assert {c.subject: c.status for c in found["audit-ip-only"]} == {"Contoso IP relay": "warn"}
    assert {c.subject: c.status for c in found["audit-cert-name"]} == {
        "Gateway": "fail",
        "Other": "fail",
        "Wide": "pass",
    }
    assert {c.subject: c.status for c in found["audit-ip-scope"]} == {
        "Contoso IP relay": "pass",
        "Wide": "warn",
    }


def test_audit_partner_connector(bundle: Bundle, samples):  # type: ignore[no-untyped-def]
    bundle.inbound(CERT_CONNECTOR).accepted("contoso.com")
    assert status(bundle, "audit-partner") == "pass"
    bundle.inbound(
        CERT_CONNECTOR,
        {"Name": "Partner", "ConnectorType": "Partner", "TlsSenderCertificateName": "mail.contoso.com"},
    )
    assert status(bundle, "audit-partner") == "warn"  # names our own domain
    bundle.inbound(
        CERT_CONNECTOR, {"Name": "Partner", "ConnectorType": "Partner", "SenderIPAddresses": ["203.0.113.25"]}
    )
    assert status(bundle, "audit-partner") == "pass"  # nothing shows our servers use it
    shutil.copy(samples / "bundles" / "attr36" / "SEND20261124-1.LOG", bundle.root)  # egress 203.0.113.25
    (check,) = checks(bundle)["audit-partner"]
    assert check.status == "fail"
    assert check.commands == ("Set-InboundConnector -Identity 'Partner' -ConnectorType OnPremises",)
    assert any("SEND20261124-1.LOG" in e.source for e in check.evidence)


def test_audit_disabled(bundle: Bundle):
    assert status(bundle.send(), "audit-disabled") == "pass"
    bundle.inbound(CERT_CONNECTOR, {**IP_CONNECTOR, "Enabled": False})
    (check,) = checks(bundle)["audit-disabled"]
    assert (check.status, check.subject) == ("warn", "Contoso IP relay")
    assert check.commands == ("Set-InboundConnector -Identity 'Contoso IP relay' -Enabled $true",)
    bundle.inbound({**CERT_CONNECTOR, "Enabled": False})
    assert status(bundle, "audit-disabled") == "fail"


@pytest.mark.parametrize("plan", [{}, {"egress_ip": "203.0.113.25"}])
def test_the_report_fails_only_when_a_check_fails(bundle: Bundle, plan: dict):
    bundle.inbound(CERT_CONNECTOR).accepted("contoso.com").send()
    report = precheck([str(bundle.root)], Plan(**plan), now=NOW)
    statuses = {c.status for c in report.checks}
    assert report.status == ("fail" if "fail" in statuses else "warn" if "warn" in statuses else "pass")


def test_a_named_connector_missing_from_the_exports_is_a_note(bundle: Bundle):
    bundle.inbound(CERT_CONNECTOR).accepted("contoso.com")
    report = precheck(
        [str(bundle.root)], Plan(connector_cert_name="*.contoso.com", connector="Nope"), now=NOW
    )
    assert any("'Nope': no such inbound connector" in n for n in report.notes)
    assert {c.subject for c in report.checks if c.check == "connector-cert-name"} == {"Nope"}
