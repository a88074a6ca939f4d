"""Issue 10, failure class 3: every cmdlet object carries where it lives, an on-premises
Get-AcceptedDomain is never taken for the tenant's list, and objects of two tenants are never
merged. Real exports written here (Format-List text, JSON), the real loader and engine."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from relaydoctor.engine.api import diagnose
from relaydoctor.engine.errors import InputError
from relaydoctor.engine.evidence.loader import load_evidence
from relaydoctor.engine.facts import AcceptedDomain, InboundConnector

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "knowledge" / "examples"
NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
ORG_DN = "CN=Accepted Domains,CN=Transport Settings,CN=Contoso Corp,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=corp,DC=contoso,DC=com"  # noqa: E501


def _onprem_accepted_domains(with_dn: bool = True) -> str:
    blocks = []
    for domain, default in (("contoso.com", "True"), ("contoso.net", "False")):
        lines = [
            f"Name                 : {domain}",
            f"DomainName           : {domain}",
            "DomainType           : Authoritative",
            f"Default              : {default}",
            "AddressBookEnabled   : True",
        ]
        if with_dn:
            lines.append(f"DistinguishedName    : CN={domain},{ORG_DN}")
        lines.append(f"Identity             : {domain}")
        blocks.append("\r\n".join(lines))
    return "\r\n\r\n" + "\r\n\r\n".join(blocks) + "\r\n\r\n"


def _attr36_with(tmp_path: Path, accepted_domains: str) -> Path:
    """The ATTR36 bundle (certificate domain contoso.net is not accepted by the tenant) with the
    tenant's Get-AcceptedDomain and Get-MgDomain replaced by an export from the Exchange
    Management Shell, where the on-premises organisation does accept contoso.net."""
    bundle = tmp_path / "attr36"
    shutil.copytree(EXAMPLES / "attr36", bundle)
    (bundle / "Get-AcceptedDomain.fl.txt").unlink()
    (bundle / "Get-MgDomain.table.txt").unlink()
    (bundle / "Get-AcceptedDomain.onprem.fl.txt").write_text(accepted_domains, encoding="utf-8")
    return bundle


def _status(report, cause: str) -> str:
    return next(v.status for v in report.verdicts if v.cause == cause and v.code == "5.7.64")


def test_cmdlet_facts_carry_their_scope(samples):
    evidence = load_evidence([str(samples / "bundles" / "renewed-certificate")])
    scopes = {(f.KIND, getattr(f, "scope", None), getattr(f, "scope_id", None)) for f in evidence.facts}
    assert ("inbound_connector", "tenant", "contoso.onmicrosoft.com") in scopes
    assert ("accepted_domain", "tenant", "contoso.onmicrosoft.com") in scopes
    assert any(k == "send_connector" and s == "onprem_org" for k, s, _ in scopes)
    assert ("domain_verification", "tenant", "") in scopes


def test_an_onprem_accepted_domain_list_never_rules_out_domain_not_accepted(tmp_path):
    bundle = _attr36_with(tmp_path, _onprem_accepted_domains())
    report = diagnose([str(bundle)], now=NOW)
    evidence = load_evidence([str(bundle)])
    onprem = [f for f in evidence.facts if isinstance(f, AcceptedDomain)]
    assert {(f.domain, f.scope, f.scope_id) for f in onprem} == {
        ("contoso.com", "onprem_org", "Contoso Corp"), ("contoso.net", "onprem_org", "Contoso Corp")
    }
    assert _status(report, "domain-not-accepted") != "ruled_out"
    assert not [f for f in report.facts if isinstance(f, AcceptedDomain)], "set aside, not used"
    assert any("on-premises organisation" in n and "Get-AcceptedDomain" in n for n in report.notes)



def test_with_only_an_onprem_list_the_tenant_list_is_named_as_missing(tmp_path):
    bundle = _attr36_with(tmp_path, _onprem_accepted_domains())
    for ndr in bundle.glob("NDR*"):
        ndr.unlink()
    log = next(bundle.glob("SEND*.LOG"))
    log.write_text(log.read_text(encoding="utf-8").replace(" ATTR36", ""), encoding="utf-8")
    report = diagnose([str(bundle)], now=NOW)
    assert _status(report, "domain-not-accepted") != "ruled_out"
    missing = {m.kind: m for m in report.missing}
    assert "accepted_domain" in missing and "Exchange Online" in missing["accepted_domain"].what


def test_an_accepted_domain_export_whose_shape_cannot_tell_stays_unknown(tmp_path):
    bundle = _attr36_with(tmp_path, _onprem_accepted_domains(with_dn=False))
    evidence = load_evidence([str(bundle)])
    assert {f.scope for f in evidence.facts if isinstance(f, AcceptedDomain)} == {"unknown"}


def _connector_json(tenant: str, name: str, cert_name: str) -> str:
    return json.dumps([{
        "Name": name, "Enabled": True, "ConnectorType": "OnPremises", "ConnectorSource": "Default",
        "TlsSenderCertificateName": cert_name, "SenderIPAddresses": [], "RequireTls": True,
        "RestrictDomainsToCertificate": False, "RestrictDomainsToIPAddresses": False,
        "CloudServicesMailEnabled": True, "OrganizationalUnitRoot": tenant,
        "DistinguishedName": f"CN={name},CN=Transport Settings,CN=Configuration,CN={tenant},"
                             "CN=ConfigurationUnits,DC=EURPR05A003,DC=PROD,DC=OUTLOOK,DC=COM",
        "Identity": name,
    }], indent=2)


@pytest.fixture
def two_tenants(tmp_path: Path) -> Path:
    bundle = tmp_path / "two"
    shutil.copytree(EXAMPLES / "renewed-certificate", bundle)
    for old in bundle.glob("Get-InboundConnector*"):
        old.unlink()
    (bundle / "contoso-connectors.json").write_text(
        _connector_json("contoso.onmicrosoft.com", "From Contoso", "mail2026.contoso.net"), encoding="utf-8")
    (bundle / "fabrikam-connectors.json").write_text(
        _connector_json("fabrikam.onmicrosoft.com", "From Fabrikam", "mail.contoso.com"), encoding="utf-8")
    return bundle


def test_two_tenants_are_never_merged_and_the_report_asks_which(two_tenants):
    report = diagnose([str(two_tenants)], now=NOW)
    assert "which-tenant" in {q.id for q in report.questions}
    note = next(n for n in report.notes if "2 Exchange Online tenants" in n)
    assert "contoso.onmicrosoft.com" in note and "fabrikam.onmicrosoft.com" in note
    assert not [f for f in report.facts if isinstance(f, InboundConnector)]
    assert report.questions[0].id == "which-tenant"
    assert report.next_steps, "never a dead end"


@pytest.mark.parametrize(("tenant", "mismatch"), [
    ("contoso.onmicrosoft.com", {"undetermined", "ruled_out"}),  # its connector expects the new name
    ("fabrikam.onmicrosoft.com", {"confirmed"}),  # that one still expects the old name
])
def test_answering_which_tenant_uses_only_its_objects(two_tenants, tenant, mismatch):
    report = diagnose([str(two_tenants)], answers={"tenant": tenant}, now=NOW)
    assert "which-tenant" not in {q.id for q in report.questions}
    connectors = [f for f in report.facts if isinstance(f, InboundConnector)]
    assert connectors and {c.scope_id for c in connectors} == {tenant}
    assert _status(report, "certificate-name-mismatch") in mismatch


def test_naming_a_tenant_that_is_not_in_the_evidence_is_an_input_error(two_tenants):
    with pytest.raises(InputError) as err:
        diagnose([str(two_tenants)], answers={"tenant": "northwind.onmicrosoft.com"}, now=NOW)
    line = err.value.one_line()
    assert "contoso.onmicrosoft.com" in line and "fabrikam.onmicrosoft.com" in line


def test_a_tenant_named_by_domain_and_by_guid_is_not_two_tenants():
    from relaydoctor.engine.facts import DomainVerification, Provenance
    from relaydoctor.engine.scope import choose

    here = Provenance("inline", 1)
    facts = [
        InboundConnector(provenance=here, name="A", scope="tenant", scope_id="contoso.onmicrosoft.com"),
        DomainVerification(provenance=here, domain="contoso.com", verified=True, scope="tenant",
                           scope_id="5c1a4e1b-6a0e-4e2b-9f3d-2c7b8d9e0f11"),
    ]
    choice = choose(facts, {})
    assert not choice.questions and choice.facts == facts
    rivals = [*facts, InboundConnector(provenance=here, name="B", scope="tenant",
                                       scope_id="fabrikam.onmicrosoft.com")]
    choice = choose(rivals, {})
    assert [q.id for q in choice.questions] == ["which-tenant"]
    assert facts[1] in choice.facts  # the GUID-named object is not a rival of either


def test_naming_a_tenant_when_the_evidence_names_none_is_an_input_error():
    with pytest.raises(InputError) as err:
        diagnose([str(EXAMPLES / "exchange2010-ndr")], answers={"tenant": "contoso.onmicrosoft.com"}, now=NOW)
    assert "names no tenant" in err.value.one_line()
