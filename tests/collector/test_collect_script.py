"""Static checks of knowledge/collect/collect.ps1: read-only, public certificates only, UTF-8 files,
gaps recorded; and `relaydoctor collect-script` prints it unchanged.

PowerShell is not available here, so the script is checked as text: comments and string
literals are removed first (a command named inside a message is not a command invoked), then
every ``Verb-Noun`` command word must be a Get-* cmdlet, a harmless pipeline/utility cmdlet, or a
function the script defines itself.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from relaydoctor.engine.cli import main

SCRIPT = Path(__file__).resolve().parents[2] / "knowledge" / "collect" / "collect.ps1"
# Cmdlets that neither change Exchange, Windows nor the certificate stores.
UTILITY = {
    "Select-Object",
    "Where-Object",
    "ForEach-Object",
    "Sort-Object",
    "ConvertTo-Json",
    "ConvertFrom-Json",
    "Join-Path",
    "Test-Path",
    "Copy-Item",
    "Write-Host",
    "Write-Warning",
    "Out-Null",
}
SCRIPT_SCOPE = {"Set-StrictMode"}  # changes only how the script itself runs
FORBIDDEN_VERBS = (
    "Set",
    "New",
    "Remove",
    "Enable",
    "Disable",
    "Add",
    "Import",
    "Install",
    "Start",
    "Stop",
    "Restart",
    "Clear",
    "Update",
    "Invoke",
    "Export",
    "Send",
    "Register",
    "Grant",
    "Move",
    "Rename",
    "Out",
)


@pytest.fixture(scope="module")
def text() -> str:
    return SCRIPT.read_text("utf-8")


def code_only(source: str) -> str:
    """The script without comments and literal string text (``$(...)`` inside "…" is kept)."""
    out: list[str] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if source.startswith("<#", i):
            end = source.find("#>", i + 2)
            i = n if end < 0 else end + 2
        elif ch == "#":
            end = source.find("\n", i)
            i = n if end < 0 else end
        elif ch == "'":
            j = i + 1
            while j < n and not (source[j] == "'" and source[j + 1 : j + 2] != "'"):
                j += 2 if source[j] == "'" else 1
            out.append("''")
            i = j + 1
        elif ch == '"':
            j, depth, kept = i + 1, 0, []
            while j < n:
                if source.startswith("$(", j):
                    depth += 1
                    kept.append(" (")
                    j += 2
                    continue
                c = source[j]
                if depth:
                    if c == "(":
                        depth += 1
                    elif c == ")":
                        depth -= 1
                    kept.append(c)
                elif c == "`":
                    j += 1
                elif c == '"':
                    break
                j += 1
            out.append('""' + "".join(kept))
            i = j + 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def commands(code: str) -> set[str]:
    return set(re.findall(r"(?<![\w$.-])([A-Z][a-z]+-[A-Z][A-Za-z0-9]+)\b", code))


def defined_functions(code: str) -> set[str]:
    return set(re.findall(r"\bfunction\s+([A-Za-z]+-[A-Za-z0-9]+)", code))


def test_code_only_strips_comments_and_strings():
    sample = "# Set-Thing\n<# Remove-All #>\nWrite-Host 'New-Item'; \"run Set-X $(Get-Date)\""
    assert commands(code_only(sample)) == {"Write-Host", "Get-Date"}


def test_only_get_cmdlets_and_harmless_utilities(text: str):
    code = code_only(text)
    own = defined_functions(code)
    used = commands(code) - own - SCRIPT_SCOPE
    assert {
        "Get-InboundConnector",
        "Get-SendConnector",
        "Get-ExchangeCertificate",
        "Get-TransportService",
        "Get-MgDomain",
        "Get-ChildItem",
    } <= used
    bad = sorted(c for c in used if not c.startswith("Get-") and c not in UTILITY)
    assert bad == [], f"commands that are neither Get-* nor harmless: {bad}"
    changing = [c for c in used - UTILITY if c.split("-")[0] in FORBIDDEN_VERBS]
    assert changing == [], f"state-changing cmdlets invoked: {changing}"


def test_no_private_key_can_leave(text: str):
    assert "Export-PfxCertificate" not in text
    assert not re.search(r"-Password\b", text, re.I)
    assert not re.search(
        r"Pfx|Pkcs12|SerializedCert|PrivateKey\b(?!\s*,)", code_only(text).replace("HasPrivateKey", "")
    )
    exports = re.findall(r"\.Export\(([^)]*)\)", text)
    assert exports and all("X509ContentType]::Cert" in e for e in exports), exports


def test_files_are_written_as_utf8_without_bom(text: str):
    code = code_only(text)
    assert "[System.Text.UTF8Encoding]::new($false)" in code
    writes = re.findall(r"\[System\.IO\.File\]::WriteAllText\(([^\n]*)\)", code)
    assert writes and all("$Utf8NoBom" in w for w in writes), writes
    assert not re.search(
        r"\bOut-File\b|\bSet-Content\b|\bAdd-Content\b|\bExport-Csv\b|\bExport-Clixml\b", code
    )
    assert not re.search(r"(?<![<>-])>{1,2}\s*[$\w\"']", re.sub(r"-(?:gt|ge|lt|le)\b", "", code)), (
        "console redirection writes UTF-16 in Windows PowerShell 5.1"
    )


def test_gaps_are_recorded_in_the_manifest(text: str):
    code = code_only(text)
    assert "not_collected" in code
    catch_blocks = re.findall(r"catch\s*\{([^}]*)\}", code)
    assert catch_blocks
    assert all("Add-NotCollected" in block or "Write-Warning" in block for block in catch_blocks), (
        catch_blocks
    )
    assert "relaydoctor-manifest.json" in text
    assert "Set-StrictMode -Version 2.0" in code and "$ErrorActionPreference = ''" in code


def test_runs_on_windows_powershell_51(text: str):
    code = code_only(text)
    # PowerShell 7-only syntax would break 5.1: ternaries, pipeline chains, null-coalescing.
    assert not re.search(r"\?\?|&&|\|\||\?\.", code)
    assert not re.search(r"-Parallel\b|\bclean\s*\{", code)
    assert "#Requires -Version 7" not in text


def test_output_directory_is_made_absolute_before_dotnet_writes(text: str):
    code = code_only(text)
    resolve = code.index("GetUnresolvedProviderPathFromPSPath")
    assert resolve < code.index("[System.IO.Directory]::CreateDirectory")
    assert resolve < code.index("function Write-Utf8File")


def test_collect_script_command_prints_the_script(capsys, text: str):
    code = main(["collect-script"])
    out = capsys.readouterr().out
    assert code == 0
    assert out == text


def test_issue9_cmdlets_events_and_scope_are_collected(text: str):
    """The collector gains the issue-9 cmdlets (read-only Get-*), the certificate/TLS events with
    their XML, and records each export's scope (objects stamped and the manifest's ``scopes``)."""
    code = code_only(text)
    for cmdlet in (
        "Get-TransportConfig", "Get-OrganizationConfig", "Get-CASMailbox", "Get-ExchangeServer",
        "Get-RemoteDomain", "Get-MgAuditLogSignIn", "Get-WinEvent",
    ):
        assert cmdlet in commands(code), cmdlet
    for name in (
        "Get-OrganizationConfig.online.json", "Get-TransportConfig.onprem.json", "Get-ExchangeServer.json"
    ):
        assert name in text
    assert "RelaydoctorScope" in text and "RelaydoctorScopeId" in text
    assert "'tenant'" in text and "'onprem_org'" in text and "'server'" in text
    assert "scopes" in code and "session" in code and "ToXml()" in text
    # Exchange Online organisation settings are never taken from a mixed session
    online = text[text.index("# --- Exchange Online"): text.index("# --- Exchange on-premises")]
    mixed_check = online.index("if (Test-Cmdlet 'Get-SendConnector')")
    assert mixed_check < online.index("Get-OrganizationConfig.online.json")
