<#
.SYNOPSIS
    Build an offline wheelhouse for Windows: a wheel of relaydoctor and of every runtime
    dependency, and a SHA256SUMS file.

.DESCRIPTION
    Target: 64-bit Windows (win_amd64) and the CPython version of -Python on this machine.
    durable-rules publishes no wheels, so it is compiled here, once. That needs the Microsoft
    C++ compiler that CPython 3.11-3.13 extensions are built with: "Build Tools for Visual
    Studio 2022" (or Visual Studio 2022) with the workload "Desktop development with C++", i.e.
    MSVC v143 (x64/x86 build tools) and a Windows 10 or 11 SDK. pip finds it by itself; no
    "Developer PowerShell" is needed. Every other dependency is downloaded as a win_amd64 or
    pure-Python wheel. Target machines then need no network and no compiler:

        py -3.11 -m venv .venv; .venv\Scripts\Activate.ps1
        pip install --no-index --find-links C:\wheelhouse relaydoctor

    Check the copy on the target first (PowerShell): see README, "Offline install".

.PARAMETER Destination
    The wheelhouse folder (created if missing).

.PARAMETER WithTest
    Also the test extras (pytest, hypothesis, ...), to run the suite offline.

.PARAMETER Python
    The interpreter whose version the target machines run: a path or a command name (default:
    "python"). Launcher arguments such as "py -3.11" are not accepted; give the python.exe path.

.NOTES
    Not run by CI (no Windows runner). Syntax check on any machine with PowerShell 7:
        pwsh -NoProfile -Command "$e = $null; [void][System.Management.Automation.Language.Parser]::ParseFile('scripts/build-wheelhouse.ps1', [ref]$null, [ref]$e); $e"
    (prints nothing when the script parses). tests/test_wheelhouse_scripts.py parses it with the
    tree-sitter PowerShell grammar (a test extra) and checks that both build scripts copy the
    same sources.

.EXAMPLE
    .\scripts\build-wheelhouse.ps1 -Destination C:\wheelhouse -Python C:\Python311\python.exe
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$Destination,
    [switch]$WithTest,
    [string]$Python = "python"
)
$ErrorActionPreference = "Stop"
Set-StrictMode -Version 3.0

function Invoke-Checked {
    # Run a native command and stop on a non-zero exit (PowerShell does not, by itself).
    param([string]$Exe, [string[]]$Arguments)
    & $Exe @Arguments
    if ($LASTEXITCODE -ne 0) {
        throw "'$Exe $($Arguments -join ' ')' failed with exit code $LASTEXITCODE"
    }
}

$repo = Split-Path -Parent $PSScriptRoot
New-Item -ItemType Directory -Force -Path $Destination | Out-Null
$dest = (Resolve-Path $Destination).Path
$extras = if ($WithTest) { "[test]" } else { "" }

$version = & $Python -c "import sys; print(f'{sys.version_info[0]}.{sys.version_info[1]}')"
if ($LASTEXITCODE -ne 0) { throw "cannot run $Python" }
$bits = & $Python -c "import struct; print(struct.calcsize('P') * 8)"
if ($bits -ne "64") { throw "$Python is a $bits-bit Python; the wheelhouse targets 64-bit Windows" }
$pyproject = Get-Content -Raw -Path (Join-Path $repo "pyproject.toml")
if ($pyproject -notmatch '"durable-rules==([^"]+)"') { throw "durable-rules pin not found in pyproject.toml" }
$durable = $Matches[1]

# Python 3.13 removed PyEval_CallObject, which durable-rules 2.0.28 still calls (docs/engine-traps.md #40).
$minor = [int]($version.Split(".")[1])
if ($minor -ge 13) { $env:CL = "$env:CL /DPyEval_CallObject=PyObject_CallObject" }

$work = Join-Path ([System.IO.Path]::GetTempPath()) ("relaydoctor-wheelhouse-" + [guid]::NewGuid())
New-Item -ItemType Directory -Path $work | Out-Null
try {
    # 1. relaydoctor itself, from a clean copy of the sources.
    $src = Join-Path $work "src"
    New-Item -ItemType Directory -Path $src | Out-Null
    # setup.py declares the optional native send-log prefilter: where MSVC cannot build it the
    # wheel is made without it and relaydoctor uses its pure-Python scanner (same results).
    foreach ($item in @("pyproject.toml", "setup.py", "README.md", "engine", "tui", "rules", "knowledge", "docs")) {
        Copy-Item -Recurse -Path (Join-Path $repo $item) -Destination $src
    }
    Get-ChildItem -Path $src -Recurse -Directory -Filter "__pycache__" | Remove-Item -Recurse -Force
    Invoke-Checked $Python @("-m", "pip", "wheel", "--no-deps", "--wheel-dir", $dest, $src)

    # 2. durable-rules, compiled once with MSVC (no build cache: never reuse another compiler's wheel).
    Invoke-Checked $Python @("-m", "pip", "wheel", "--no-deps", "--no-cache-dir", "--no-binary", "durable-rules",
        "--wheel-dir", $dest, "durable-rules==$durable")

    # 3. every other dependency as a wheel (win_amd64 or pure Python), never built here.
    $ours = Get-ChildItem -Path $dest -Filter "relaydoctor-*.whl" | Select-Object -First 1
    Invoke-Checked $Python @("-m", "pip", "download", "--dest", $dest, "--find-links", $dest,
        "--only-binary=:all:", "$($ours.FullName)$extras")

    # 4. the checksum manifest, in sha256sum's format (lower-case hex, two spaces, file name).
    $lines = Get-ChildItem -Path $dest -Filter "*.whl" | Sort-Object Name | ForEach-Object {
        "{0}  {1}" -f (Get-FileHash -Algorithm SHA256 -Path $_.FullName).Hash.ToLowerInvariant(), $_.Name
    }
    [System.IO.File]::WriteAllText((Join-Path $dest "SHA256SUMS"), (($lines -join "`n") + "`n"))

    $count = (Get-ChildItem -Path $dest -Filter "*.whl").Count
    Write-Output "wheelhouse: $dest ($count wheels, for win_amd64, CPython $version)"
    Write-Output "install offline with: pip install --no-index --find-links '$dest' relaydoctor"
}
finally {
    Remove-Item -Recurse -Force -Path $work -ErrorAction SilentlyContinue
}
