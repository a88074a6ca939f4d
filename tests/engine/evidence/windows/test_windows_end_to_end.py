"""A folder mixing every issue-9 source (Windows events in every export and label language, cmdlets,
sign-ins, tracking, certificate checks, Postfix/sendmail/Exim logs, IIS and Postfix settings, app
logs and configs) with unrelated files: read without error, shown by `relaydoctor facts` with scope,
and diagnosed with the Windows evidence in the verdicts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from relaydoctor.engine.cli import main

FIX = Path(__file__).resolve().parents[3] / "fixtures"


def bundle(tmp_path: Path) -> Path:
    root = tmp_path / "bundle"
    shutil.copytree(FIX / "windows", root / "events")
    shutil.copytree(FIX / "cmdlets9", root / "cmdlets")
    shutil.copytree(FIX / "relays", root / "relays")
    for readme in root.rglob("README.md"):
        readme.unlink()
    (root / "docker-compose.yml").write_text("services:\n  app:\n    image: nginx\n")
    (root / "ticket-note.txt").write_text("Printer on floor 3 stopped mailing after the renewal.\n")
    (root / "smtp.ini").write_text("[smtp]\nserver=contoso-com.mail.protection.outlook.com\n")
    (root / "RemoteDomain.collected.json").write_text(json.dumps([{
        "Name": "Default", "DomainName": "*", "AutoForwardEnabled": False, "NDREnabled": True,
        "RelaydoctorScope": "onprem_org", "RelaydoctorScopeId": "Contoso Corp",
    }]))
    return root


def test_facts_show_new_kinds_with_scope(tmp_path, capsys):
    root = bundle(tmp_path)
    assert main(["facts", str(root), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    kinds = {f["kind"] for f in report["facts"]}
    assert {
        "windows_event", "cert_check", "transport_config", "organization_config", "cas_mailbox",
        "exchange_server", "remote_domain", "signin", "tracking_event",
    } <= kinds
    for fact in report["facts"]:
        if fact["kind"] in ("windows_event", "transport_config", "organization_config", "signin"):
            assert fact["fields"]["scope"] in ("tenant", "onprem_org", "server", "unknown")
    stamped = [f for f in report["facts"] if f["file"].endswith("RemoteDomain.collected.json")]
    scopes = [(f["fields"]["scope"], f["fields"]["scope_id"]) for f in stamped]
    assert scopes == [("onprem_org", "Contoso Corp")]
    skipped = {Path(e["source"]).name: e["skipped_reason"] for e in report["evidence"] if e["skipped_reason"]}
    assert "wevtutil" in skipped["Application.evtx"]
    assert {"docker-compose.yml", "ticket-note.txt", "smtp.ini"} <= set(skipped)
    read = {Path(e["source"]).name for e in report["evidence"] if not e["skipped_reason"]}
    assert {  # one of each issue-9 format, the unknown-language exports included
        "postfix-mail.log", "exim-mainlog", "sendmail.log", "MetaBase.xml", "main.cf", "laravel.log",
        "mailkit-protocol.log", "transport-smtpsend.renderedxml.xml",
        "events.copy-details.unknown-language.txt", "application.eventviewer.unknown-language.csv",
        "certutil-verify.txt", "InteractiveSignIns_2026-11-20.csv",
    } <= read
    kinds_read = {f["kind"] for f in report["facts"]}
    assert {"smtp_client", "symptom"} <= kinds_read  # the relays' and apps' side
    clients = [f for f in report["facts"] if f["kind"] == "smtp_client"]
    assert {Path(f["file"]).name for f in clients} >= {"MetaBase.xml", "main.cf", "mailkit-protocol.log"}
    assert main(["facts", str(root)]) == 0
    text = capsys.readouterr().out
    assert "windows_event" in text and "scope=server" in text and "scope=tenant" in text


def test_diagnose_uses_windows_evidence(tmp_path, capsys):
    root = bundle(tmp_path)
    code = main(["diagnose", str(root), "--format", "json", "--now", "2026-11-27T12:00:00Z"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    verdicts = {(v["code"], v["cause"]): v for v in report["verdicts"]}
    found = verdicts[("4.7.5", "send-connector-certificate-not-found")]
    assert found["status"] in ("confirmed", "likely")
    assert any(e["fact"] in ("windows_event", "symptom") for e in found["evidence"])
    chain = verdicts[("5.7.64", "certificate-chain-incomplete")]  # MSGTRK 5.7.64 + CAPI2, no send log
    assert chain["status"] == "likely"
    assert any(e["fact"] == "windows_event" for e in chain["evidence"])
    bound = verdicts[("5.7.64", "certificate-not-bound-to-smtp")]  # events 2004 + 12014, no send log
    assert bound["status"] == "likely"
    assert any("transport-smtpsend.renderedxml.xml:1" in e["source"] for e in bound["evidence"])
