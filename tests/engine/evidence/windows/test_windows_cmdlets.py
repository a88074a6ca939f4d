"""The cmdlets read since issue 9, sign-in exports, message tracking logs and certificate checks,
each with its scope told by its shape (never guessed)."""

from __future__ import annotations

from pathlib import Path

from relaydoctor.engine.evidence.cmdlets.newkinds import exchange_build
from relaydoctor.engine.evidence.loader import load_evidence

FIX = Path(__file__).resolve().parents[3] / "fixtures" / "cmdlets9"
THUMB = "F13EA69EB8D27B0D2A8947D5BCC472E6B2724B29"


def facts(name: str, kind: str):
    ev = load_evidence([str(FIX / name)])
    return [f for f in ev.facts if kind == f.KIND], ev


def test_transport_config_scope_from_cloud_only_property():
    [online], _ = facts("Get-TransportConfig.online.fl.txt", "transport_config")
    assert online.smtp_client_authentication_disabled is True and online.scope == "tenant"
    assert online.provenance.line == 12
    [onprem], _ = facts("Get-TransportConfig.onprem.fl.txt", "transport_config")
    assert onprem.smtp_client_authentication_disabled is None
    assert (onprem.scope, onprem.scope_id) == ("unknown", "")  # absence of a property proves nothing
    assert onprem.internal_smtp_servers == ("10.0.1.25",)


def test_organization_config_reject_direct_send():
    [oc], _ = facts("Get-OrganizationConfig.online.json", "organization_config")
    assert (oc.reject_direct_send, oc.scope, oc.scope_id) == (True, "tenant", "contoso.onmicrosoft.com")


def test_cas_mailbox_smtp_auth():
    found, _ = facts("Get-CASMailbox.csv", "cas_mailbox")
    by = {f.name: f for f in found}
    assert by["scanner"].smtp_client_authentication_disabled is True
    assert by["erp-notify"].smtp_client_authentication_disabled is None
    assert {f.scope for f in found} == {"tenant"}


def test_exchange_server_builds():
    found, _ = facts("Get-ExchangeServer.xml", "exchange_server")
    by = {f.name: f for f in found}
    ex01 = by["EXCH01"]
    assert (ex01.build, ex01.product, ex01.support) == ("15.1.2507.6", "2016", "out_of_support")
    assert (by["EXCH03"].product, by["EXCH03"].support) == ("se", "supported")
    assert (by["EXCH01"].scope, by["EXCH01"].scope_id) == ("server", "EXCH01")
    assert exchange_build("Version 15.0 (Build 1497.2)")[1:] == ("2013", "out_of_support")
    assert exchange_build("Version 14.3 (Build 123.4)")[1] == "2010"
    assert exchange_build("15.2.1544.4")[1] == "2019"
    assert exchange_build("banana") == (None, "unknown", "unknown")


def test_remote_domain_scope_unknown():
    [rd], _ = facts("Get-RemoteDomain.fl.txt", "remote_domain")
    assert (rd.domain, rd.auto_forward_enabled, rd.scope) == ("*", False, "unknown")


def test_signins_json_and_portal_csv_agree():
    j, _ = facts("signins.graph.json", "signin")
    c, ev = facts("InteractiveSignIns_2026-11-20.csv", "signin")
    assert not ev.warnings  # the real 57-column header: trailing blanks, a column named twice
    for found in (j, c):
        smtp = next(f for f in found if f.smtp_auth)
        assert (smtp.error_code, smtp.status, smtp.conditional_access) == (53003, "failure", "failure")
        assert smtp.user == "scanner@contoso.com" and smtp.time == "2026-11-20T08:41:19Z"
        assert smtp.scope == "tenant"
        other = next(f for f in found if not f.smtp_auth)
        assert (other.error_code, other.status) == (0, "success")
    assert next(f for f in c if f.smtp_auth).scope_id == "5c1a4e1b-6a0e-4e2b-9f3d-2c7b8d9e0f11"


def test_message_tracking_failures_aggregated_with_symptoms():
    ev = load_evidence([str(FIX / "MSGTRKMD2026112008-1.LOG")])
    tracking = {f.event_id: f for f in ev.facts if f.KIND == "tracking_event"}
    assert tracking["FAIL"].count == 2 and tracking["FAIL"].status_code == "5.7.64"
    assert tracking["FAIL"].connector == "Outbound to Office 365" and tracking["FAIL"].scope_id == "exch01"
    defer = tracking["DEFER"].reply
    assert defer.startswith("454 4.7.5 The certificate specified") and "};" not in defer
    symptoms = {f.status_code: f for f in ev.facts if f.KIND == "symptom"}
    assert set(symptoms) == {"5.7.64", "4.7.5"} and symptoms["5.7.64"].provenance.line == 7
    assert symptoms["5.7.64"].origin == "message_trace"


def test_test_certificate_and_certutil():
    found, _ = facts("Test-Certificate.txt", "cert_check")
    assert [(f.thumbprint, f.chain_error, f.passed, f.provenance.line) for f in found] == [
        (THUMB, "untrusted_root", False, 1),
        ("6B3F0C1A9E2D4B5C7A8F9E0D1C2B3A4F5E6D7C8B", "none", True, 12),
    ]
    [cu], _ = facts("certutil-verify.txt", "cert_check")
    assert (cu.tool, cu.thumbprint, cu.chain_error, cu.error_code, cu.subject_cn) == (
        "certutil", THUMB, "incomplete_chain", "800B010A", "mail.contoso.com"
    )
