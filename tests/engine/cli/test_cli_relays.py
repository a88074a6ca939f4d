"""End to end: a folder mixing a Postfix log, main.cf, an application log and its web.config, an IIS
metabase and files that are not evidence (docker-compose.yml, an .ini, a ticket note) diagnoses
without error, and ``relaydoctor facts`` shows the smtp_client facts with their scope."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from clikit import REPO, run_cli

RELAYS = REPO / "tests" / "fixtures" / "relays"
NOW = "2026-11-27T12:00:00Z"
UNRELATED = {
    "docker-compose.yml": 'services:\n  web:\n    image: nginx:1.27\n    ports:\n      - "8080:80"\n',
    "app.ini": "[app]\nname = invoices\nworkers = 4\n\n[logging]\nlevel = INFO\n",
    "ticket-4711.txt": "Customer says scans stopped arriving on Monday.\nThey renewed something last week.\n",
}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("mixed")
    for name in ("postfix-mail.log", "main.cf", "laravel.log", "MetaBase.xml", "web.config"):
        shutil.copy(RELAYS / name, root / name)
    for name, text in UNRELATED.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_mixed_folder_diagnoses_without_error(bundle: Path) -> None:
    run = run_cli("diagnose", str(bundle), "--format", "json", "--now", NOW)
    assert run.code == 0, run.err
    report = json.loads(run.out)
    codes = {s["code"] for s in report["symptoms"]}
    assert codes == {"5.7.64"}
    sources = {Path(e["source"]).name: e for e in report["evidence"]}
    assert sources["postfix-mail.log"]["kind"] == "mail_log" and sources["postfix-mail.log"]["facts"] == 2
    assert sources["main.cf"]["kind"] == "postfix_config"
    assert sources["laravel.log"]["kind"] == "app_log"
    assert sources["MetaBase.xml"]["kind"] == "iis_smtp_config"
    for name in UNRELATED:
        assert sources[name]["skipped_reason"], name
    assert {v["cause"] for v in report["verdicts"] if v["status"] == "confirmed"} == set()


def test_facts_show_the_new_facts_with_scope(bundle: Path) -> None:
    run = run_cli("facts", str(bundle), "--format", "json", "--now", NOW)
    assert run.code == 0, run.err
    clients = [f for f in json.loads(run.out)["facts"] if f["kind"] == "smtp_client"]
    by_origin = {f["fields"]["origin"]: f for f in clients}
    assert set(by_origin) == {"mail_log", "mta_config", "iis_config", "app_config"}
    relay = by_origin["mta_config"]["fields"]
    assert (relay["smart_host"], relay["port"], relay["client_cert_name"]) == (
        "contoso-com.mail.protection.outlook.com",
        25,
        "relay01.contoso.com.fullchain.pem",
    )
    assert (relay["scope"], relay["scope_id"]) == ("server", "relay01.contoso.com")
    iis = by_origin["iis_config"]["fields"]
    assert (iis["smart_host_kind"], iis["scope"], iis["scope_id"]) == (
        "eop_legacy",
        "server",
        "smtp-relay.contoso.com",
    )
    assert by_origin["mail_log"]["source"].endswith("postfix-mail.log:4")
    text = run_cli("facts", str(bundle), "--now", NOW)
    assert (
        "postfix (configuration) sends to contoso-com.mail.protection.outlook.com:25 (eop tenant)" in text.out
    )
