"""The collector's output for the renewed-certificate case: every file read, the manifest's gaps
reported, and the same diagnosis as the hand-made sample bundle."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from relaydoctor.engine.cli import main
from relaydoctor.engine.evidence.loader import load_evidence
from relaydoctor.engine.facts import (
    AcceptedDomain,
    Certificate,
    DomainVerification,
    InboundConnector,
    SendConnector,
    TransportService,
)

EXPECTED_KINDS = {
    "EXCH01-SEND20261120-1.LOG": ("send_log", 4),
    "Get-AcceptedDomain.online.json": ("cmdlet_json", 3),
    "Get-AcceptedDomain.onprem.json": ("cmdlet_json", 2),
    "Get-ExchangeCertificate.json": ("cmdlet_json", 4),
    "Get-InboundConnector.json": ("cmdlet_json", 2),
    "Get-MgDomain.json": ("cmdlet_json", 4),
    "Get-OutboundConnector.json": ("cmdlet_json", 1),
    "Get-ReceiveConnector.json": ("cmdlet_json", 2),
    "Get-SendConnector.json": ("cmdlet_json", 1),
    "Get-TransportService.json": ("cmdlet_json", 2),
    "cert-121A013FD6789E1E09F2493A26AD9213BF5B07C7.chain.pem": ("certificate", 3),
    "cert-1F5543F4A7C89979765EB35ED799439D7F3CC4B2.chain.pem": ("certificate", 1),
    "cert-A81F8D9C5F5FB9A4E018F5F3249224C5EAE525D4.chain.pem": ("certificate", 1),
    "cert-F13EA69EB8D27B0D2A8947D5BCC472E6B2724B29.chain.pem": ("certificate", 3),
    "relaydoctor-manifest.json": ("collector_manifest", 0),
}
NOW = "2026-11-20T12:00:00Z"
DENIED = "not collected: send logs on EXCH02 (Access to the path"


def _same_facts(facts) -> list[tuple]:
    """Fact identities without the file path an aggregate names (``last_source``)."""
    out = []
    for fact in facts:
        values = {k: repr(v) for k, v in fact.values().items() if k != "last_source"}
        out.append((fact.KIND, tuple(sorted(values.items()))))
    return sorted(out)


def _by_file(ev) -> dict[str, object]:
    return {s.source.replace("\\", "/").split("/")[-1].split("!")[-1]: s for s in ev.sources}


def test_every_file_is_read_with_its_parser(scenario: Path):
    ev = load_evidence([str(scenario)])
    sources = _by_file(ev)
    assert set(sources) == set(EXPECTED_KINDS), "a file the collector writes is missing or extra"
    for name, (kind, facts) in EXPECTED_KINDS.items():
        source = sources[name]
        assert source.skipped_reason is None, (name, source.skipped_reason)
        assert (source.kind, source.facts) == (kind, facts), name


def test_nested_depth5_values_become_flat_facts(scenario: Path):
    ev = load_evidence([str(scenario)])
    send = [f for f in ev.facts if isinstance(f, SendConnector)]
    assert len(send) == 1
    s = send[0]
    assert s.tls_certificate_name_form == "issuer_subject"
    assert s.tls_cert_subject == "CN=mail2026.contoso.net" and s.tls_cert_cn == "mail2026.contoso.net"
    assert s.tls_cert_issuer.startswith('CN=Tailspin Trust RSA TLS CA G2, O="Tailspin Trust Services, Inc."')
    assert s.source_transport_servers == ("EXCH01", "EXCH02")
    assert (s.routes_to_eop, s.smart_host_kind, s.incomplete) == (True, "eop_tenant", False)
    services = {f.name: f for f in ev.facts if isinstance(f, TransportService)}
    assert set(services) == {"EXCH01", "EXCH02"}
    assert services["EXCH01"].send_protocol_log_path.endswith(
        r"\TransportRoles\Logs\Hub\ProtocolLog\SmtpSend"
    )
    assert services["EXCH01"].admin_display_version == "Version 15.2 (Build 2562.17)"
    assert not [w for w in ev.warnings if "incomplete" in w], ev.warnings


def test_certificates_domains_and_connectors(scenario: Path):
    ev = load_evidence([str(scenario)])
    exchange = {f.thumbprint: f for f in ev.facts if isinstance(f, Certificate) and f.origin == "exchange"}
    renewed = exchange["121A013FD6789E1E09F2493A26AD9213BF5B07C7"]
    assert renewed.services == ("IMAP", "POP", "IIS", "SMTP") and renewed.smtp_enabled is True
    assert (renewed.not_before, renewed.not_after) == ("2026-11-10T00:00:00Z", "2027-05-28T23:59:59Z")
    assert (renewed.root_ca_type, renewed.status) == ("ThirdParty", "Valid")
    files = {f.thumbprint for f in ev.facts if isinstance(f, Certificate) and f.origin == "file"}
    assert {
        "121A013FD6789E1E09F2493A26AD9213BF5B07C7",
        "C9FC6F407FB0494F05BD29A1D3E3BDC5F8BFD22C",
        "89E24E2933EABC06933C6D0E9B299A7703C064AC",
    } <= files
    inbound = {f.name: f for f in ev.facts if isinstance(f, InboundConnector)}
    hcw = inbound["Inbound from 5c1a4e1b-6a0e-4e2b-9f3d-2c7b8d9e0f11"]
    assert (hcw.tls_sender_certificate_name, hcw.connector_type, hcw.auth) == (
        "mail.contoso.com",
        "OnPremises",
        "certificate",
    )
    accepted = {f.domain for f in ev.facts if isinstance(f, AcceptedDomain)}
    assert accepted == {"contoso.com", "contoso.mail.onmicrosoft.com", "contoso.onmicrosoft.com"}
    verified = {f.domain: f.verified for f in ev.facts if isinstance(f, DomainVerification)}
    assert verified["contoso.net"] is False and verified["contoso.com"] is True


def test_manifest_gaps_are_warnings(scenario: Path):
    ev = load_evidence([str(scenario)])
    mine = [w for w in ev.warnings if DENIED in w]
    assert len(mine) == 1
    assert mine[0].startswith(str(scenario / "relaydoctor-manifest.json"))


def test_zip_of_the_folder_gives_the_same_facts(scenario: Path, tmp_path: Path):
    archive = tmp_path / "evidence.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(scenario.iterdir()):
            zf.write(path, f"relaydoctor-evidence/{path.name}")
    folder, zipped = load_evidence([str(scenario)]), load_evidence([str(archive)])
    assert _same_facts(zipped.facts) == _same_facts(folder.facts)
    sources = _by_file(zipped)
    assert {k: (s.kind, s.facts, s.skipped_reason) for k, s in sources.items()} == {
        k: (kind, n, None) for k, (kind, n) in EXPECTED_KINDS.items()
    }
    assert any(
        DENIED in w and "evidence.zip!relaydoctor-evidence/relaydoctor-manifest.json" in w
        for w in zipped.warnings
    )


def _diagnose(capsys, path: Path) -> dict:
    code = main(["diagnose", str(path), "--format", "json", "--now", NOW])
    out = capsys.readouterr().out
    assert code == 0
    return json.loads(out)


def test_diagnosis_confirms_name_mismatch_and_reports_the_gap(capsys, scenario: Path):
    report = _diagnose(capsys, scenario)
    first = report["verdicts"][0]
    assert (first["cause"], first["status"]) == ("certificate-name-mismatch", "confirmed")
    assert any(e["source"].endswith("EXCH01-SEND20261120-1.LOG:116") for e in first["evidence"])
    assert any(DENIED in note for note in report["notes"])
    assert all(e["skipped_reason"] is None for e in report["evidence"])


def test_diagnosis_equals_the_sample_bundle(capsys, scenario: Path, samples: Path):
    ours = _diagnose(capsys, scenario)
    theirs = _diagnose(capsys, samples / "bundles" / "renewed-certificate")
    assert [(v["cause"], v["status"]) for v in ours["verdicts"]] == [
        (v["cause"], v["status"]) for v in theirs["verdicts"]
    ]
    assert {s["code"] for s in ours["symptoms"]} == {s["code"] for s in theirs["symptoms"]} == {"5.7.64"}


def test_facts_command_skips_nothing(capsys, scenario: Path):
    code = main(["facts", str(scenario), "--format", "json", "--now", NOW])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [e for e in data["evidence"] if e.get("skipped_reason")] == []
    kinds = {f["kind"] for f in data["facts"]}
    assert {
        "smtp_session",
        "symptom",
        "certificate",
        "inbound_connector",
        "outbound_connector",
        "send_connector",
        "receive_connector",
        "accepted_domain",
        "domain_verification",
        "transport_service",
    } <= kinds
