"""Per-subject check lines from the pack (a rule's ``subject:``): one line per connector, each with
its own evidence and command, in the order the Python checks printed them; a local pack changes
them like any other rule."""

from __future__ import annotations

import json
from pathlib import Path

from precheckkit import NOW, Bundle
from relaydoctor.engine.api import precheck
from relaydoctor.engine.precheck import Plan

SEND = {
    "Enabled": False,
    "AddressSpaces": ["smtp:*;1"],
    "SmartHosts": ["contoso-com.mail.protection.outlook.com"],
    "SourceTransportServers": ["EXCH01"],
}


def _lines(bundle: Bundle, check: str, packs: tuple[str, ...] = ()) -> list:
    report = precheck([str(bundle.root)], Plan(), now=NOW, pack_dirs=packs)
    return [c for c in report.checks if c.check == check]


def _disabled_bundle(bundle: Bundle) -> Bundle:
    bundle.inbound({"Name": "Zeta relay", "TlsSenderCertificateName": "*.contoso.com", "Enabled": False})
    (bundle.root / "Get-SendConnector.json").write_text(
        json.dumps([{"Name": "Alpha to Office 365", **SEND}]), "utf-8"
    )
    return bundle


def test_a_line_per_disabled_connector_inbound_first_each_with_its_evidence(bundle: Bundle):
    lines = _lines(_disabled_bundle(bundle), "audit-disabled")
    assert [(c.subject, c.status) for c in lines] == [("Zeta relay", "fail"), ("Alpha to Office 365", "warn")]
    zeta, alpha = lines
    assert (
        zeta.summary
        == "inbound connector disabled; no enabled OnPremises connector remains, so relay is rejected"
    )
    assert [e.source.rsplit("/", 1)[-1].split(":")[0] for e in zeta.evidence] == ["Get-InboundConnector.json"]
    assert [e.source.rsplit("/", 1)[-1].split(":")[0] for e in alpha.evidence] == ["Get-SendConnector.json"]
    assert zeta.commands == ("Set-InboundConnector -Identity 'Zeta relay' -Enabled $true",)
    assert alpha.commands == ("Set-SendConnector -Identity 'Alpha to Office 365' -Enabled $true",)


def test_a_local_pack_switches_one_subject_rule_off(bundle: Bundle, tmp_path: Path):
    pack = tmp_path / "local-pack"
    pack.mkdir()
    (pack / "pack.yaml").write_text(
        'id: local\nversion: "1.0.0"\nengine_format: 1\ndescription: test\n'
        "overrides:\n  disable_rules: [audit-connector-disabled.send-to-exchange-online]\n"
    )
    lines = _lines(_disabled_bundle(bundle), "audit-disabled", (str(pack),))
    assert [(c.subject, c.status) for c in lines] == [("Zeta relay", "fail")]


def test_the_json_report_keeps_one_entry_per_line(bundle: Bundle):
    report = precheck([str(_disabled_bundle(bundle).root)], Plan(), now=NOW)
    data = report.to_json()
    got = [(c["subject"], c["status"]) for c in data["checks"] if c["check"] == "audit-disabled"]
    assert got == [("Zeta relay", "fail"), ("Alpha to Office 365", "warn")]
    assert data["status"] == "fail"


def test_a_disabled_rule_is_named_and_never_blamed_on_missing_evidence(bundle: Bundle, tmp_path: Path):
    """With the rule that decides audit-ip-only turned off, the check cannot decide; its line said
    "no Get-InboundConnector export among the evidence" though the export was read. It names the
    override instead, and the report's notes list every override in force (as a diagnosis does)."""
    bundle.inbound({"Name": "IP relay", "SenderIPAddresses": ["203.0.113.25"]})
    pack = tmp_path / "local-pack"
    pack.mkdir()
    (pack / "pack.yaml").write_text(
        'id: local\nversion: "1.0.0"\nengine_format: 1\ndescription: test\n'
        "overrides:\n  disable_rules: [audit-ip-only-connector.ip-only]\n"
    )
    (before,) = _lines(bundle, "audit-ip-only")
    assert (before.subject, before.status) == ("IP relay", "warn")
    report = precheck([str(bundle.root)], Plan(), now=NOW, pack_dirs=(str(pack),))
    (line,) = [c for c in report.checks if c.check == "audit-ip-only"]
    assert line.status == "warn" and line.summary.startswith("cannot check: a pack override in force")
    assert "audit-ip-only-connector.ip-only" in line.summary and "export" not in line.summary
    assert any("audit-ip-only-connector.ip-only" in n for n in report.notes)
    assert not any("override" in n for n in precheck([str(bundle.root)], Plan(), now=NOW).notes)


def test_a_kilobyte_subject_is_clipped_in_the_brief_text(bundle: Bundle):
    """A connector named with 10,000 characters: the brief text clips the line's subject (it was
    the indent of the line, 10 KB wide); --verbose and JSON keep it whole."""
    from relaydoctor.engine.api import render_precheck

    name = "Relay " + "x" * 10_000
    bundle.inbound({"Name": name, "TlsSenderCertificateName": "*.contoso.com", "Enabled": False})
    report = precheck([str(bundle.root)], Plan(), now=NOW)
    assert any(c.subject == name for c in report.checks)
    brief = render_precheck(report, "text")
    (head,) = [line for line in brief.splitlines() if "audit-disabled [" in line]
    assert head.startswith("FAIL  audit-disabled [Relay xxx") and len(head) < 200, head[:300]
    assert f"-Identity '{name}'" in brief  # the command stays whole: it is pasted as it is
    assert name in render_precheck(report, "text", verbose=True)
    assert name in render_precheck(report, "json")
