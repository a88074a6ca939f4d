<#
.SYNOPSIS
    relaydoctor evidence collector: gathers what relaydoctor needs to explain relay rejections
    (550 5.7.64 TenantAttribution and relatives) into one folder. Read-only.

.DESCRIPTION
    Run it twice, or once in a session that has both:
      * in the Exchange Management Shell on an Exchange server (on-premises part), and
      * in a PowerShell session connected with Connect-ExchangeOnline (cloud part; add
        Connect-MgGraph -Scopes Domain.Read.All for the domain verification state).
    It only calls Get-* cmdlets, exports the PUBLIC part of certificates (never a private key),
    copies the newest send protocol logs of the send connectors that route to Exchange Online,
    and writes manifest.json saying what it collected and what it could not.
    Works in Windows PowerShell 5.1 and PowerShell 7. Every file is written as UTF-8.

.PARAMETER OutputDirectory
    Folder to write to (created if missing). Give this folder (or a zip of it) to
    `relaydoctor diagnose`.

.PARAMETER LogCount
    How many of the newest send protocol log files to copy per transport server (default 3).

.PARAMETER Part
    OnPremises, Online or Auto (default): Auto collects whatever the current session can reach.

.EXAMPLE
    .\collect.ps1 -OutputDirectory C:\temp\relaydoctor-evidence
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string] $OutputDirectory,
    [ValidateRange(1, 50)][int] $LogCount = 3,
    [ValidateSet('Auto', 'OnPremises', 'Online')][string] $Part = 'Auto'
)

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$CollectorVersion = '1'
$Utf8NoBom = New-Object System.Text.UTF8Encoding $false
$Manifest = [ordered]@{
    collector         = 'relaydoctor-collect'
    collector_version = $CollectorVersion
    collected_at      = (Get-Date).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ')
    computer          = $env:COMPUTERNAME
    powershell        = $PSVersionTable.PSVersion.ToString()
    files             = @()
    not_collected     = @()
}

New-Item -ItemType Directory -Force -Path $OutputDirectory | Out-Null

function Write-Utf8File([string] $Name, [string] $Text) {
    $path = Join-Path $OutputDirectory $Name
    [System.IO.File]::WriteAllText($path, $Text, $Utf8NoBom)
    $script:Manifest.files += $Name
}

function Add-Missing([string] $What, [string] $Why) {
    $script:Manifest.not_collected += [ordered]@{ what = $What; why = $Why }
    Write-Warning "relaydoctor: could not collect $What - $Why"
}

function Export-CmdletJson([string] $Name, [scriptblock] $Command) {
    # -Depth 5 keeps multi-valued properties (SenderIPAddresses, TlsCertificateName) whole.
    try {
        $objects = @(& $Command)
        Write-Utf8File $Name (ConvertTo-Json -InputObject $objects -Depth 5)
        return $objects
    } catch {
        Add-Missing $Name $_.Exception.Message
        return @()
    }
}

function Test-Cmdlet([string] $Name) { [bool](Get-Command $Name -ErrorAction SilentlyContinue) }

$wantOnPrem = $Part -in @('Auto', 'OnPremises')
$wantOnline = $Part -in @('Auto', 'Online')

# --- Exchange Online -------------------------------------------------------------------------
if ($wantOnline) {
    if (Test-Cmdlet 'Get-InboundConnector') {
        Export-CmdletJson 'Get-InboundConnector.json' { Get-InboundConnector } | Out-Null
        Export-CmdletJson 'Get-OutboundConnector.json' { Get-OutboundConnector } | Out-Null
        if (Test-Cmdlet 'Get-SendConnector') {
            Add-Missing 'Get-AcceptedDomain (Exchange Online)' 'this session also has on-premises cmdlets; run the Online part in a separate Connect-ExchangeOnline session'
        } else {
            Export-CmdletJson 'Get-AcceptedDomain.online.json' { Get-AcceptedDomain } | Out-Null
        }
    } elseif ($Part -eq 'Online') {
        Add-Missing 'Exchange Online configuration' 'Get-InboundConnector is not available: run Connect-ExchangeOnline first'
    }
    if (Test-Cmdlet 'Get-MgDomain') {
        Export-CmdletJson 'Get-MgDomain.json' {
            Get-MgDomain | Select-Object Id, IsVerified, IsDefault, IsInitial, AuthenticationType
        } | Out-Null
    } elseif ($Part -eq 'Online') {
        Add-Missing 'Get-MgDomain.json' 'Microsoft Graph PowerShell is not connected (Connect-MgGraph -Scopes Domain.Read.All)'
    }
}

# --- Exchange on-premises --------------------------------------------------------------------
if ($wantOnPrem) {
    if (Test-Cmdlet 'Get-SendConnector') {
        $sendConnectors = Export-CmdletJson 'Get-SendConnector.json' { Get-SendConnector }
        Export-CmdletJson 'Get-ReceiveConnector.json' { Get-ReceiveConnector } | Out-Null
        Export-CmdletJson 'Get-AcceptedDomain.onprem.json' { Get-AcceptedDomain } | Out-Null
        $certs = Export-CmdletJson 'Get-ExchangeCertificate.json' {
            Get-ExchangeCertificate | Select-Object Thumbprint, Subject, Issuer, NotBefore, NotAfter, `
                CertificateDomains, Services, Status, RootCAType, IsSelfSigned, HasPrivateKey, SerialNumber, FriendlyName
        }

        # Public part of every certificate bound to SMTP, with its chain as the server builds it.
        foreach ($c in $certs | Where-Object { "$($_.Services)" -match 'SMTP' }) {
            try {
                $store = Get-Item "Cert:\LocalMachine\My\$($c.Thumbprint)"
                $chain = New-Object System.Security.Cryptography.X509Certificates.X509Chain
                $chain.ChainPolicy.RevocationMode = 'NoCheck'
                [void] $chain.Build($store)
                $pem = New-Object System.Text.StringBuilder
                foreach ($element in $chain.ChainElements) {
                    $der = $element.Certificate.Export('Cert')   # public certificate only
                    [void] $pem.AppendLine('-----BEGIN CERTIFICATE-----')
                    [void] $pem.AppendLine([Convert]::ToBase64String($der, 'InsertLineBreaks'))
                    [void] $pem.AppendLine('-----END CERTIFICATE-----')
                }
                Write-Utf8File "cert-$($c.Thumbprint).chain.pem" $pem.ToString()
            } catch {
                Add-Missing "certificate $($c.Thumbprint)" $_.Exception.Message
            }
        }

        # Send connectors that route to Exchange Online, and their newest send protocol logs.
        $toExo = @($sendConnectors | Where-Object {
            ("$($_.SmartHosts)" -match 'mail\.protection\.outlook\.com|outlook\.com') -or
            ("$($_.AddressSpaces)" -match 'mail\.onmicrosoft\.com')
        })
        if ($toExo.Count -eq 0) {
            Add-Missing 'send protocol logs' 'no send connector routes to *.mail.protection.outlook.com or *.mail.onmicrosoft.com'
        }
        $servers = @($toExo | ForEach-Object { $_.SourceTransportServers } | ForEach-Object { "$_" } | Sort-Object -Unique)
        $services = @()
        foreach ($server in $servers) {
            try { $services += Get-TransportService -Identity $server } catch {
                Add-Missing "Get-TransportService $server" $_.Exception.Message
            }
        }
        if ($services.Count -gt 0) {
            Write-Utf8File 'Get-TransportService.json' (ConvertTo-Json -InputObject @(
                $services | Select-Object Name, SendProtocolLogPath, ReceiveProtocolLogPath, AdminDisplayVersion
            ) -Depth 3)
        }
        foreach ($connector in $toExo) {
            if ("$($connector.ProtocolLoggingLevel)" -ne 'Verbose') {
                Add-Missing "send log of '$($connector.Name)'" "ProtocolLoggingLevel is $($connector.ProtocolLoggingLevel): run Set-SendConnector '$($connector.Name)' -ProtocolLoggingLevel Verbose, reproduce, collect again"
            }
        }
        foreach ($svc in $services) {
            $path = "$($svc.SendProtocolLogPath)"
            if (-not $path) { Add-Missing "send logs on $($svc.Name)" 'SendProtocolLogPath is empty'; continue }
            if ($svc.Name -ne $env:COMPUTERNAME) {
                $path = "\\$($svc.Name)\" + ($path -replace '^([A-Za-z]):', '$1$')
            }
            try {
                $logs = Get-ChildItem -Path $path -Filter 'SEND*.LOG' | Sort-Object LastWriteTime -Descending | Select-Object -First $LogCount
                foreach ($log in $logs) {
                    $target = "$($svc.Name)-$($log.Name)"
                    Copy-Item -LiteralPath $log.FullName -Destination (Join-Path $OutputDirectory $target)
                    $script:Manifest.files += $target
                }
            } catch {
                Add-Missing "send logs on $($svc.Name)" $_.Exception.Message
            }
        }
    } elseif ($Part -eq 'OnPremises') {
        Add-Missing 'Exchange on-premises configuration' 'Get-SendConnector is not available: run this in the Exchange Management Shell'
    }
}

if ($Manifest.files.Count -eq 0) {
    Add-Missing 'everything' 'neither Exchange Online nor Exchange on-premises cmdlets are available in this session'
}
Write-Utf8File 'relaydoctor-manifest.json' (ConvertTo-Json -InputObject $Manifest -Depth 4)
Write-Host "relaydoctor: wrote $($Manifest.files.Count) file(s) to $OutputDirectory"
if ($Manifest.not_collected.Count -gt 0) {
    Write-Host "relaydoctor: $($Manifest.not_collected.Count) item(s) not collected - see relaydoctor-manifest.json"
}
