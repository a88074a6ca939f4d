"""The fixture files have the byte shape collect.ps1 gives them in Windows PowerShell 5.1:
UTF-8 without BOM, CRLF, 5.1 ConvertTo-Json layout, a manifest that lists every file."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest
from collectorkit import FIXTURES, SCENARIO

JSON_FILES = sorted(p for p in SCENARIO.glob("*.json"))


@pytest.mark.parametrize("path", JSON_FILES, ids=lambda p: p.name)
def test_json_is_windows_powershell_51_convertto_json(path: Path):
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "UTF8Encoding($false) writes no BOM"
    assert not raw.endswith(b"\n"), "ConvertTo-Json output written with WriteAllText has no final newline"
    text = raw.decode("utf-8")
    assert "\n" not in text.replace("\r\n", ""), "CRLF only"
    keys = re.findall(r'^( *)"[^"]+":( *)(\S)', text, re.MULTILINE)
    assert keys and all(blanks == "  " for _, blanks, _ in keys), "two blanks after ':'"
    top = 8 if text.startswith("[") else 4  # the first key of an object in the outer array / object
    assert len(keys[0][0]) == top, "4-space indentation"
    for ch in "<>&'":
        assert ch not in text, f"{ch!r} is written as \\u00xx by 5.1"
    json.loads(text)  # and it is JSON


def test_dates_are_ms_epoch_and_nested_objects_are_kept():
    send = (SCENARIO / "Get-SendConnector.json").read_text("utf-8")
    assert re.search(r'"WhenChangedUTC":  "\\/Date\(\d{13}\)\\/"', send)
    data = json.loads(send)[0]
    assert data["TlsCertificateName"]["CertificateSubject"] == "CN=mail2026.contoso.net"
    assert [s["Name"] for s in data["SourceTransportServers"]] == ["EXCH01", "EXCH02"]
    assert data["SmartHosts"] == ["contoso-com.mail.protection.outlook.com"]
    assert data["ConnectorType"] == "Default" and data["ProtocolLoggingLevel"] == "Verbose"


def test_chain_pems_are_what_the_stringbuilder_holds():
    for path in SCENARIO.glob("cert-*.chain.pem"):
        text = path.read_bytes().decode("ascii")
        thumb = path.name[len("cert-") : -len(".chain.pem")]
        assert re.fullmatch(r"[0-9A-F]{40}", thumb)
        assert text.startswith("-----BEGIN CERTIFICATE-----\r\n")
        assert text.endswith("-----END CERTIFICATE-----\r\n")
        body = [ln for ln in text.split("\r\n") if ln and not ln.startswith("-----")]
        assert all(len(ln) <= 76 for ln in body), "InsertLineBreaks wraps Base64 at 76 columns"
        assert "PRIVATE KEY" not in text


def test_manifest_lists_exactly_the_files_beside_it():
    manifest = json.loads((SCENARIO / "relaydoctor-manifest.json").read_text("utf-8"))
    on_disk = {p.name for p in SCENARIO.iterdir()} - {"relaydoctor-manifest.json"}
    assert set(manifest["files"]) == on_disk
    assert manifest["collector"] == "relaydoctor-collect"
    assert manifest["parts"] == ["online", "onprem"] and len(manifest["runs"]) == 2
    assert [(n["what"], n["part"]) for n in manifest["not_collected"]] == [("send logs on EXCH02", "onprem")]
    logs = [f for f in manifest["files"] if f.endswith(".LOG")]
    assert logs == ["EXCH01-SEND20261120-1.LOG"], "copied logs are named <server>-<log name>"


def test_fixtures_are_current(samples: Path, tmp_path: Path):
    """Regenerating from the shared samples gives the committed bytes (so the README stays true)."""
    spec = importlib.util.spec_from_file_location("make_collector_fixtures", FIXTURES / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    module.main(tmp_path)
    fresh = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    committed = {p.name: p.read_bytes() for p in SCENARIO.iterdir()}
    assert fresh.keys() == committed.keys()
    assert [n for n in fresh if fresh[n] != committed[n]] == []
