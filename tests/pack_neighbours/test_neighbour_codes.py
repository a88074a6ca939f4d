"""The neighbouring codes as an admin meets them: listed by ``codes``, explained offline by
``explain``, diagnosed from the shipped example through the CLI, with verdicts that put the blame
where the evidence does (the tenant, the on-premises server), and the contract cause ids."""

from __future__ import annotations

import datetime as dt
import filecmp
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from relaydoctor.engine.api import diagnose
from relaydoctor.engine.pack import load_packs
from relaydoctor.engine.pack.cases import case_facts
from relaydoctor.engine.paths import builtin_dir

PACKS = load_packs(include_user_config=False)
NEIGHBOURS = sorted(set(PACKS.codes) - {"5.7.64"})
NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
EXAMPLES = builtin_dir("knowledge") / "examples"
# The neighbouring codes' cause ids are a contract (docs/architecture.md, "Contracts").
CONTRACT_CAUSES = {
    "wrong-region-endpoint", "direct-send-rejected", "inbound-attribution-failed",
    "exchange-server-outdated", "unregistered-sending-domains", "tenant-threshold-exceeded",
    "ip-not-accepted", "ip-throttled", "smtp-client-submission-used", "onprem-relay-denied",
    "send-connector-certificate-not-found", "certificate-not-bound-to-smtp",
}  # fmt: skip


def _cli(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path), "APPDATA": str(tmp_path), "NO_COLOR": "1"}
    env.pop("RELAYDOCTOR_PACKS", None)
    return subprocess.run(
        [sys.executable, "-m", "relaydoctor.engine", *argv],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip


def test_contract_cause_ids_exist():
    assert set(PACKS.causes) >= CONTRACT_CAUSES


def test_codes_lists_every_code_and_cause(tmp_path):
    proc = _cli(tmp_path, "codes")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    for code in NEIGHBOURS:
        header = next(i for i, line in enumerate(lines) if line.split("  ")[0] == code)
        listed = []
        for line in lines[header + 1 :]:
            if not line.startswith("  "):
                break
            listed.append(line.split()[0])
        assert listed == list(PACKS.codes[code].causes), code


@pytest.mark.parametrize("topic", NEIGHBOURS + sorted(c for n in NEIGHBOURS for c in PACKS.codes[n].causes))
def test_explain_prints_each_entry(tmp_path, topic):
    proc = _cli(tmp_path, "explain", topic)
    assert proc.returncode == 0, proc.stderr
    title = PACKS.codes[topic].title if topic in PACKS.codes else PACKS.causes[topic].title
    assert proc.stdout.startswith(topic) and title.split()[0] in proc.stdout
    assert "https://" in proc.stdout


def test_attr35_example_is_the_shared_sample(samples):
    ours = sorted((EXAMPLES / "attr35-delay").iterdir())
    assert [p.name for p in ours] == ["NDR-4.4.62-ATTR35-delay.pasted.txt"]
    assert filecmp.cmp(samples / "ndr" / ours[0].name, ours[0], shallow=False)


def test_attr35_example_through_the_cli(tmp_path):
    proc = _cli(tmp_path, "diagnose", str(EXAMPLES / "attr35-delay"), "--format", "json",
                "--now", "2026-11-27T12:00:00Z")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert [(v["cause"], v["status"]) for v in report["verdicts"]] == [("wrong-region-endpoint", "confirmed")]
    verdict = report["verdicts"][0]
    assert "mail.global.frontbridge.com answered" in verdict["summary"]
    commands = [c for step in verdict["remediation"] for c in step["commands"]]
    assert any(c.startswith("Get-InboundConnector") for c in commands)  # the Option 3 follow-up


def test_attr35_smart_host_fix_names_the_connector():
    case = next(c for c in PACKS.cases if c.case == "attr35-legacy-smart-host")
    report = diagnose([], ndr_texts=list(case.ndr), extra_facts=case_facts(case), packs=PACKS, now=NOW)
    commands = [c for s in report.verdicts[0].remediation for c in s.commands]
    fix = (
        "Set-SendConnector -Identity 'Outbound to Office 365' "
        "-SmartHosts '<tenant>.mail.protection.outlook.com'"
    )
    assert fix in commands


TENANT_BLOCKS = {
    "5.7.750": "550 5.7.750 Service unavailable. Client blocked from sending from unregistered domains",
    "5.7.705": "550 5.7.705 Access denied, tenant has exceeded threshold",
    "5.7.708": "550 5.7.708 Access denied, traffic not accepted from this IP",
}


@pytest.mark.parametrize("code", sorted(TENANT_BLOCKS))
def test_tenant_blocks_blame_the_tenant(code):
    """The evidence points at the tenant: no 5.7.64 connector cause is judged, nothing tells the
    admin to change a connector, and the explanation says the recipient is not rejecting."""
    report = diagnose([], ndr_texts=[TENANT_BLOCKS[code]], packs=PACKS, now=NOW)
    assert [v.status for v in report.verdicts] == ["confirmed"]
    verdict = report.verdicts[0]
    assert verdict.code == code and "tenant" in verdict.title.lower()
    assert "not a rejection by the recipient" in verdict.explanation
    commands = [c for s in verdict.remediation for c in s.commands]
    assert not [c for c in commands if c.startswith(("Set-", "New-Inbound", "Remove-"))]


def test_outdated_exchange_offers_the_90_day_pause():
    report = diagnose([], ndr_texts=["450 4.7.230 Connecting Exchange server version is out-of-date; "
                                     "connection to Exchange Online throttled for 10 mins/hr."],
                      packs=PACKS, now=NOW)  # fmt: skip
    commands = [c for s in report.verdicts[0].remediation for c in s.commands]
    assert "New-TenantExemptionInfo -BlockingScenario UnpatchedOnPremServer -NumberOfDays 90" in commands
    assert "Get-TenantExemptionInfo -BlockingScenario UnpatchedOnPremServer" in commands


def test_onprem_relay_denial_never_reached_exchange_online():
    ndr = (
        "Generating server: EXCH01.corp.contoso.com\n\npartner@fabrikam.com\n"
        "Remote Server returned '550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain'"
    )
    report = diagnose([], ndr_texts=[ndr], packs=PACKS, now=NOW)
    verdict = report.verdicts[0]
    assert (verdict.cause, verdict.status) == ("onprem-relay-denied", "confirmed")
    assert "never reached Exchange Online" in verdict.summary
    commands = [c for s in verdict.remediation for c in s.commands]
    assert any("-Server 'exch01.corp.contoso.com'" in c for c in commands)
    # a dedicated connector: the default receive connectors are never changed
    assert not [c for c in commands if "Default" in c]
    assert not [c for c in commands if "Inbound" in c]  # nothing in Exchange Online


def test_tls_failure_shares_the_certificate_cause_with_5764():
    """Both codes in scope judge the shared cause separately, ask its question once, and one
    answer decides it under both."""
    texts = ["550 5.7.64 TenantAttribution; Relay Access Denied",
             "TLS negotiation failed with error NoCredentials"]  # fmt: skip
    report = diagnose([], ndr_texts=texts, packs=PACKS, now=NOW)
    asked = [q.id for q in report.questions]
    assert asked.count("smtp-certificate-services") == 1
    answered = diagnose([], ndr_texts=texts, answers={"cert_smtp_enabled": "no"}, packs=PACKS, now=NOW)
    status = {(v.code, v.cause): v.status for v in answered.verdicts}
    assert status[("tls-negotiation-failed", "certificate-not-bound-to-smtp")] == "likely"
    assert status[("5.7.64", "certificate-not-bound-to-smtp")] == "likely"
    shared = [v for v in report.verdicts if v.cause == "certificate-not-bound-to-smtp"]
    assert sorted(v.code for v in shared) == ["5.7.64", "tls-negotiation-failed"]


def test_each_neighbour_cause_can_be_proved_and_ruled_out_by_rules():
    for code in NEIGHBOURS:
        for cause in PACKS.codes[code].causes:
            statuses = {r.status for r in PACKS.rules_for(cause, code)}
            assert "ruled_out" in statuses and statuses & {"confirmed", "likely"}, cause
            assert code in PACKS.codes_for(cause)
