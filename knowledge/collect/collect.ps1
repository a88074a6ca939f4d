<#
.SYNOPSIS
    relaydoctor evidence collector: gathers what relaydoctor needs to explain relay rejections
    (550 5.7.64 TenantAttribution and relatives) into one folder. Read-only.

.DESCRIPTION
    Run it twice with the same -OutputDirectory, or once in a session that has both:
      * in the Exchange Management Shell on an Exchange server (on-premises part), and
      * in a PowerShell session connected with Connect-ExchangeOnline (cloud part; add
        Connect-MgGraph -Scopes Domain.Read.All for the domain verification state).
    It only calls Get-* cmdlets, exports the PUBLIC part of certificates (never a private key),
    copies the newest send protocol logs of the send connectors that route to Exchange Online
    and this user's newest Hybrid Configuration Wizard logs (if the wizard ran here), exports the
    recent CAPI2 chain errors and Exchange transport/Schannel certificate and TLS events (with
    their XML details), and stamps every object of the organisation-level cmdlets with the scope
    of the session that returned it (RelaydoctorScope: tenant or onprem_org / server),
    and writes relaydoctor-manifest.json saying what it collected and what it could not. A second
    run into the same folder merges its manifest with the first one.
    Works in Windows PowerShell 5.1 and PowerShell 7. Every file it writes is UTF-8 without BOM.

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
$CollectorVersion = '3'
$EventCount = 200
$Invariant = [System.Globalization.CultureInfo]::InvariantCulture
$Utf8NoBom = [System.Text.UTF8Encoding]::new($false)
$ManifestName = 'relaydoctor-manifest.json'

# .NET resolves relative paths against the process directory, not PowerShell's current location.
$OutputDirectory = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($OutputDirectory)
[void] [System.IO.Directory]::CreateDirectory($OutputDirectory)
$ManifestPath = Join-Path $OutputDirectory $ManifestName

$wantOnPrem = $Part -in @('Auto', 'OnPremises')
$wantOnline = $Part -in @('Auto', 'Online')
$thisRun = [ordered]@{
    computer     = $env:COMPUTERNAME
    part         = $Part
    collected_at = [DateTime]::UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", $Invariant)
    powershell   = $PSVersionTable.PSVersion.ToString()
    # Which sessions this run had: it tells the scope of everything it exported.
    session      = @(if (Get-Command 'Get-SendConnector' -ErrorAction SilentlyContinue) { 'exchange_onprem' }
                     if (Get-Command 'Get-InboundConnector' -ErrorAction SilentlyContinue) { 'exchange_online' })
}
$Manifest = [ordered]@{
    collector         = 'relaydoctor-collect'
    collector_version = $CollectorVersion
    collected_at      = $thisRun.collected_at
    computer          = $env:COMPUTERNAME
    powershell        = $thisRun.powershell
    runs              = @()
    parts             = @()
    scopes            = [ordered]@{}
    files             = @()
    not_collected     = @()
}

# A manifest from an earlier run into this folder (the other part, usually) is merged, not lost.
$Previous = $null
if (Test-Path -LiteralPath $ManifestPath) {
    try {
        $Previous = [System.IO.File]::ReadAllText($ManifestPath, $Utf8NoBom) | ConvertFrom-Json
    } catch {
        Write-Warning "relaydoctor: ignoring the unreadable $ManifestName of an earlier run - $($_.Exception.Message)"
    }
}

function Get-Field([object] $Object, [string] $Name) {
    # Strict mode forbids reading a property an object lacks; older manifests lack some.
    if ($null -eq $Object) { return $null }
    if ($Object -is [System.Collections.IDictionary]) {
        if ($Object.Contains($Name)) { return $Object[$Name] }
        return $null
    }
    $prop = $Object.PSObject.Properties[$Name]
    if ($null -eq $prop) { return $null }
    return $prop.Value
}

function Write-Utf8File([string] $Name, [string] $Text) {
    $path = Join-Path $OutputDirectory $Name
    [System.IO.File]::WriteAllText($path, $Text, $Utf8NoBom)
    $script:Manifest.files += $Name
}

function Add-NotCollected([string] $Area, [string] $What, [string] $Why) {
    foreach ($item in $script:Manifest.not_collected) {
        if ((Get-Field $item 'what') -eq $What) { return }
    }
    $script:Manifest.not_collected += [ordered]@{ what = $What; why = $Why; part = $Area }
    Write-Warning "relaydoctor: could not collect $What - $Why"
}

function Save-CmdletJson([string] $Area, [string] $Name, [scriptblock] $Command) {
    # -Depth 5 keeps nested values (TlsCertificateName, SourceTransportServers) as objects.
    try {
        $objects = @(& $Command)
        Write-Utf8File $Name (ConvertTo-Json -InputObject $objects -Depth 5)
        return $objects
    } catch {
        Add-NotCollected $Area $Name $_.Exception.Message
        return @()
    }
}

function Test-Cmdlet([string] $Name) { [bool](Get-Command $Name -ErrorAction SilentlyContinue) }

function Save-ScopedJson([string] $Area, [string] $Name, [string] $Scope, [string] $ScopeId, [scriptblock] $Command) {
    # The session that ran the cmdlet knows its scope: say it on every object and in the manifest,
    # so relaydoctor never has to guess whether a setting is the tenant's or the on-premises one.
    $stamped = Save-CmdletJson $Area $Name {
        & $Command | Select-Object -Property *, @{ n = 'RelaydoctorScope'; e = { $Scope } },
            @{ n = 'RelaydoctorScopeId'; e = { $ScopeId } }
    }
    $script:Manifest.scopes[$Name] = [ordered]@{ scope = $Scope; scope_id = $ScopeId }
    return $stamped
}

function Save-Events([string] $Name, [hashtable] $Filter) {
    # Get-WinEvent with each event's XML: text exports lose CAPI2's chain result.
    try {
        $events = @(Get-WinEvent -FilterHashtable $Filter -MaxEvents $EventCount -ErrorAction Stop |
            Select-Object Id, ProviderName, LogName, MachineName, TimeCreated, LevelDisplayName, Message,
                @{ n = 'Xml'; e = { $_.ToXml() } })
        Write-Utf8File $Name (ConvertTo-Json -InputObject $events -Depth 3)
        $script:Manifest.scopes[$Name] = [ordered]@{ scope = 'server'; scope_id = $env:COMPUTERNAME }
    } catch {
        Add-NotCollected 'onprem' $Name $_.Exception.Message
    }
}

# --- Exchange Online -------------------------------------------------------------------------
if ($wantOnline) {
    if (Test-Cmdlet 'Get-InboundConnector') {
        $Manifest.parts += 'online'
        Save-CmdletJson 'online' 'Get-InboundConnector.json' { Get-InboundConnector } | Out-Null
        Save-CmdletJson 'online' 'Get-OutboundConnector.json' { Get-OutboundConnector } | Out-Null
        if (Test-Cmdlet 'Get-SendConnector') {
            Add-NotCollected 'online' 'Get-AcceptedDomain (Exchange Online)' 'this session also has on-premises cmdlets; run the collector again in a separate Connect-ExchangeOnline session'
        } else {
            Save-CmdletJson 'online' 'Get-AcceptedDomain.online.json' { Get-AcceptedDomain } | Out-Null
        }
        $tenant = ''
        if (Test-Cmdlet 'Get-SendConnector') {
            Add-NotCollected 'online' 'Get-OrganizationConfig, Get-TransportConfig, Get-CASMailbox, Get-RemoteDomain (Exchange Online)' 'this session also has on-premises cmdlets, so their scope would be unclear; run the collector again in a separate Connect-ExchangeOnline session'
        } else {
            try { $tenant = "$((Get-OrganizationConfig).Name)" } catch {
                Add-NotCollected 'online' 'organization name' $_.Exception.Message
            }
            Save-ScopedJson 'online' 'Get-OrganizationConfig.online.json' 'tenant' $tenant {
                Get-OrganizationConfig | Select-Object Name, DisplayName, RejectDirectSend, OAuth2ClientProfileEnabled
            } | Out-Null
            Save-ScopedJson 'online' 'Get-TransportConfig.online.json' 'tenant' $tenant {
                Get-TransportConfig | Select-Object Identity, SmtpClientAuthenticationDisabled, AllowLegacyTLSClients, InternalSMTPServers
            } | Out-Null
            Save-ScopedJson 'online' 'Get-CASMailbox.online.json' 'tenant' $tenant {
                Get-CASMailbox -ResultSize Unlimited | Where-Object { $null -ne $_.SmtpClientAuthenticationDisabled } |
                    Select-Object Name, PrimarySmtpAddress, SmtpClientAuthenticationDisabled, ActiveSyncEnabled
            } | Out-Null
            Save-ScopedJson 'online' 'Get-RemoteDomain.online.json' 'tenant' $tenant { Get-RemoteDomain } | Out-Null
        }
        if (Test-Cmdlet 'Get-MgAuditLogSignIn') {
            Save-ScopedJson 'online' 'Get-MgAuditLogSignIn.smtp.json' 'tenant' $tenant {
                Get-MgAuditLogSignIn -Filter "clientAppUsed eq 'Authenticated SMTP'" -Top $EventCount
            } | Out-Null
        } else {
            Add-NotCollected 'online' 'Get-MgAuditLogSignIn.smtp.json' 'Microsoft Graph sign-in logs are not available (Connect-MgGraph -Scopes AuditLog.Read.All)'
        }
        if (Test-Cmdlet 'Get-MgDomain') {
            Save-CmdletJson 'online' 'Get-MgDomain.json' {
                Get-MgDomain | Select-Object Id, IsVerified, IsDefault, IsInitial, AuthenticationType
            } | Out-Null
        } else {
            Add-NotCollected 'online' 'Get-MgDomain.json' 'Microsoft Graph PowerShell is not connected (Connect-MgGraph -Scopes Domain.Read.All)'
        }
    }
}

# --- Exchange on-premises --------------------------------------------------------------------
if ($wantOnPrem) {
    if (Test-Cmdlet 'Get-SendConnector') {
        $Manifest.parts += 'onprem'
        $sendConnectors = Save-CmdletJson 'onprem' 'Get-SendConnector.json' { Get-SendConnector }
        Save-CmdletJson 'onprem' 'Get-ReceiveConnector.json' { Get-ReceiveConnector } | Out-Null
        Save-CmdletJson 'onprem' 'Get-AcceptedDomain.onprem.json' { Get-AcceptedDomain } | Out-Null
        $org = ''
        try { $org = "$((Get-OrganizationConfig).Name)" } catch {
            Add-NotCollected 'onprem' 'organization name' $_.Exception.Message
        }
        Save-ScopedJson 'onprem' 'Get-OrganizationConfig.onprem.json' 'onprem_org' $org {
            Get-OrganizationConfig | Select-Object Name, DisplayName, OAuth2ClientProfileEnabled, MitigationsEnabled
        } | Out-Null
        Save-ScopedJson 'onprem' 'Get-TransportConfig.onprem.json' 'onprem_org' $org {
            Get-TransportConfig | Select-Object Identity, InternalSMTPServers, TLSReceiveDomainSecureList, MaxRecipientEnvelopeLimit
        } | Out-Null
        Save-ScopedJson 'onprem' 'Get-RemoteDomain.onprem.json' 'onprem_org' $org { Get-RemoteDomain } | Out-Null
        Save-CmdletJson 'onprem' 'Get-ExchangeServer.json' {
            Get-ExchangeServer | Select-Object Name, Fqdn, Edition, ServerRole, AdminDisplayVersion, IsHubTransportServer
        } | Out-Null
        $script:Manifest.scopes['Get-ExchangeServer.json'] = [ordered]@{ scope = 'server'; scope_id = '' }
        Save-Events "$($env:COMPUTERNAME)-CAPI2.events.json" @{ LogName = 'Microsoft-Windows-CAPI2/Operational'; Id = 11, 30 }
        Save-Events "$($env:COMPUTERNAME)-Transport.events.json" @{ LogName = 'Application'; ProviderName = 'MSExchangeTransport', 'MSExchangeFrontEndTransport'; Id = 12014, 12013, 12023, 12024, 1035, 2003, 2004, 2015, 2016, 2017 }
        Save-Events "$($env:COMPUTERNAME)-Schannel.events.json" @{ LogName = 'System'; ProviderName = 'Schannel'; Id = 36874, 36887, 36888 }
        $certs = Save-CmdletJson 'onprem' 'Get-ExchangeCertificate.json' {
            Get-ExchangeCertificate | Select-Object Thumbprint, Subject, Issuer, NotBefore, NotAfter, `
                CertificateDomains, Services, Status, RootCAType, IsSelfSigned, HasPrivateKey, SerialNumber, FriendlyName
        }

        # Public part of every certificate bound to SMTP, with its chain as this server builds it.
        foreach ($c in $certs | Where-Object { "$($_.Services)" -match 'SMTP' }) {
            try {
                $certificate = Get-Item -LiteralPath "Cert:\LocalMachine\My\$($c.Thumbprint)"
                $chain = [System.Security.Cryptography.X509Certificates.X509Chain]::new()
                $chain.ChainPolicy.RevocationMode = [System.Security.Cryptography.X509Certificates.X509RevocationMode]::NoCheck
                [void] $chain.Build($certificate)
                $pem = [System.Text.StringBuilder]::new()
                foreach ($element in $chain.ChainElements) {
                    # X509ContentType Cert: the public certificate only, never the key.
                    $der = $element.Certificate.Export([System.Security.Cryptography.X509Certificates.X509ContentType]::Cert)
                    [void] $pem.AppendLine('-----BEGIN CERTIFICATE-----')
                    [void] $pem.AppendLine([Convert]::ToBase64String($der, [Base64FormattingOptions]::InsertLineBreaks))
                    [void] $pem.AppendLine('-----END CERTIFICATE-----')
                }
                Write-Utf8File "cert-$($c.Thumbprint).chain.pem" $pem.ToString()
            } catch {
                Add-NotCollected 'onprem' "certificate $($c.Thumbprint)" $_.Exception.Message
            }
        }

        # Send connectors that route to Exchange Online, and their newest send protocol logs.
        $toExo = @($sendConnectors | Where-Object {
            ("$($_.SmartHosts)" -match 'mail\.protection\.outlook\.com|outlook\.com') -or
            ("$($_.AddressSpaces)" -match 'mail\.onmicrosoft\.com')
        })
        if ($toExo.Count -eq 0) {
            Add-NotCollected 'onprem' 'send protocol logs' 'no send connector routes to *.mail.protection.outlook.com or *.mail.onmicrosoft.com'
        }
        $servers = @($toExo | ForEach-Object { $_.SourceTransportServers } | ForEach-Object { "$_" } | Sort-Object -Unique)
        $services = @()
        foreach ($server in $servers) {
            try { $services += Get-TransportService -Identity $server } catch {
                Add-NotCollected 'onprem' "Get-TransportService $server" $_.Exception.Message
            }
        }
        if ($services.Count -gt 0) {
            Write-Utf8File 'Get-TransportService.json' (ConvertTo-Json -InputObject @(
                $services | Select-Object Name, SendProtocolLogPath, ReceiveProtocolLogPath, AdminDisplayVersion
            ) -Depth 3)
        }
        foreach ($connector in $toExo) {
            if ("$($connector.ProtocolLoggingLevel)" -ne 'Verbose') {
                Add-NotCollected 'onprem' "send log of '$($connector.Name)'" "ProtocolLoggingLevel is $($connector.ProtocolLoggingLevel): set it to Verbose on the send connector, reproduce the problem, collect again"
            }
        }
        foreach ($svc in $services) {
            $path = "$($svc.SendProtocolLogPath)"
            if (-not $path) { Add-NotCollected 'onprem' "send logs on $($svc.Name)" 'SendProtocolLogPath is empty'; continue }
            if ($svc.Name -ne $env:COMPUTERNAME) {
                $path = "\\$($svc.Name)\" + ($path -replace '^([A-Za-z]):', '$1$')
            }
            try {
                $logs = @(Get-ChildItem -LiteralPath $path -Filter 'SEND*.LOG' | Sort-Object LastWriteTime -Descending | Select-Object -First $LogCount)
                if ($logs.Count -eq 0) {
                    Add-NotCollected 'onprem' "send logs on $($svc.Name)" "no SEND*.LOG file in $path"
                }
                foreach ($log in $logs) {
                    $target = "$($svc.Name)-$($log.Name)"
                    Copy-Item -LiteralPath $log.FullName -Destination (Join-Path $OutputDirectory $target)
                    $Manifest.files += $target
                }
            } catch {
                Add-NotCollected 'onprem' "send logs on $($svc.Name)" $_.Exception.Message
            }
        }
    }

    # The newest Hybrid Configuration Wizard logs of this user, if the wizard ran here: they show
    # which certificate names the wizard set on the connectors.
    $hcwFolder = Join-Path ([Environment]::GetFolderPath('ApplicationData')) 'Microsoft\Exchange Hybrid Configuration'
    if (Test-Path -LiteralPath $hcwFolder) {
        try {
            $hcwLogs = @(Get-ChildItem -LiteralPath $hcwFolder -Filter '*.log' | Sort-Object LastWriteTime -Descending | Select-Object -First 2)
            foreach ($log in $hcwLogs) {
                $target = "HCW-$($log.Name)"
                Copy-Item -LiteralPath $log.FullName -Destination (Join-Path $OutputDirectory $target)
                $Manifest.files += $target
            }
        } catch {
            Add-NotCollected 'onprem' 'Hybrid Configuration Wizard logs' $_.Exception.Message
        }
    }
}

# --- Manifest: merge with an earlier run, then say which part is still missing ---------------
$collectedHere = @($Manifest.parts)
$Manifest.runs = @(@(Get-Field $Previous 'runs') | Where-Object { $null -ne $_ }) + @($thisRun)
$Manifest.parts = @(@(Get-Field $Previous 'parts') + $collectedHere | Where-Object { $_ } | Sort-Object -Unique)
$Manifest.files = @(@(Get-Field $Previous 'files') + @($Manifest.files) | Where-Object { $_ } | Sort-Object -Unique)
$previousScopes = Get-Field $Previous 'scopes'
if ($null -ne $previousScopes) {
    foreach ($prop in $previousScopes.PSObject.Properties) {
        if (-not $Manifest.scopes.Contains($prop.Name)) { $Manifest.scopes[$prop.Name] = $prop.Value }
    }
}
$kept = @(@(Get-Field $Previous 'not_collected') | Where-Object {
    ($null -ne $_) -and ($collectedHere -notcontains (Get-Field $_ 'part'))
})
$Manifest.not_collected = @($kept + @($Manifest.not_collected))
if ($wantOnline -and $Manifest.parts -notcontains 'online') {
    Add-NotCollected 'online' 'Exchange Online configuration' 'no Exchange Online cmdlets in this session: run the collector again after Connect-ExchangeOnline, with the same -OutputDirectory'
}
if ($wantOnPrem -and $Manifest.parts -notcontains 'onprem') {
    Add-NotCollected 'onprem' 'Exchange on-premises configuration' 'no Exchange on-premises cmdlets in this session: run the collector again in the Exchange Management Shell, with the same -OutputDirectory'
}
[System.IO.File]::WriteAllText($ManifestPath, (ConvertTo-Json -InputObject $Manifest -Depth 4), $Utf8NoBom)
Write-Host "relaydoctor: $($Manifest.files.Count) file(s) in $OutputDirectory"
if ($Manifest.not_collected.Count -gt 0) {
    Write-Host "relaydoctor: $($Manifest.not_collected.Count) item(s) not collected - see $ManifestName"
}
