"""Every documented reply of the neighbouring codes is recognised as its code, and only as it.

Each row goes through the real text parser (``parse_text``, what ``--ndr`` and the TUI paste box
use), then through the pack's recognition, then through ``diagnose(..., ndr_texts=[...])``: the
report's symptoms carry the code and its verdicts belong to that code alone. 5.7.64 texts stay
5.7.64, and replies of codes the pack does not know are recognised as none of them.
"""

from __future__ import annotations

import datetime as dt

import pytest
from relaydoctor.engine.api import diagnose
from relaydoctor.engine.diagnosis import recognise_symptoms
from relaydoctor.engine.evidence.symptoms.text import parse_text
from relaydoctor.engine.pack import load_packs

PACKS = load_packs(include_user_config=False)
NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
EOP = "[AM6EUR05FT047.eop-eur05.prod.protection.outlook.com]"
QUEUED = (
    '451 4.4.0 Primary target IP address responded with: "421 4.4.1 Connection timed out." Attempted '
    "failover to alternate host, but that did not succeed. Either there are no alternate hosts, or "
    "delivery failed to all alternate hosts."
)

# (reply text as an admin meets it, the pack code it must be recognised as)
VARIANTS: list[tuple[str, str]] = [
    # 421 4.7.66 legacy TLS on client submission
    (
        "421 4.7.66 TLS 1.0 and 1.1 are not supported. Please upgrade/update your client to support TLS "
        "1.2. Visit https://aka.ms/smtp_auth_tls [LO2P265CA0123.GBRP265.PROD.OUTLOOK.COM]",
        "4.7.66",
    ),
    ("Scan to Email NG: SMTP error 421 4.7.66", "4.7.66"),
    # 454 4.7.0 TLS channel refused (KB 2888788)
    (
        "Send connector Outbound to Office 365: Message delivery failed. Message with message ID <1@ex> "
        "received SMTP response: 454 4.7.0 Failed to establish appropriate TLS channel: UntrustedRoot: "
        "Access Denied.",
        "4.7.0-tls-channel",
    ),
    # 550 5.4.1 Relay Access Denied (KB 2827473)
    ("buyer@fabrikam.com contoso-com.mail.protection.outlook.com #550 5.4.1 Relay Access Denied ##",
     "5.4.1-relay-denied"),
    # 554 5.4.6 hop count (ATTR1 loop, KB 2603474)
    ("Remote Server returned '554 5.4.6 Hop count exceeded - possible mail loop ATTR1'", "5.4.6"),
    # 4.4.62 ATTR35
    (f"451 4.4.62 Mail sent to the wrong Office 365 region. ATTR35. {EOP}", "4.4.62"),
    (
        "Remote Server at mail.global.frontbridge.com (40.107.3.17) returned '451 4.4.62 Mail sent to "
        "the wrong Office 365 region. ATTR35. [MW2NAM10FT061.eop-nam10.prod.protection.outlook.com]'",
        "4.4.62",
    ),
    ("451 4.4.62 Mail sent to the wrong Office 365 region. ATTR35.", "4.4.62"),
    ("SmtpException: The server response was: 4.4.62", "4.4.62"),
    # 5.7.51 TenantInboundAttribution
    (
        "550 5.7.51 TenantInboundAttribution; There is a partner connector configured that matched the "
        "message's recipient domain. The connector had either the RestrictDomainsToIPAddresses or "
        "RestrictDomainsToCertificate set "
        "[EXCH01.corp.contoso.com 2026-11-20T08:41:07.123Z 08DD0A1B2C3D4E5F]",
        "5.7.51",
    ),
    ("550 5.7.51 TenantInboundAttribution; Rejecting", "5.7.51"),
    # 5.7.68 Direct Send
    (
        "550 5.7.68 TenantInboundAttribution; Direct Send not allowed for this organization from "
        "unauthorized sources",
        "5.7.68",
    ),
    (
        f"Remote Server returned '550 5.7.68 TenantInboundAttribution; Direct Send not allowed for this "
        f"organization from unauthorized sources {EOP}'",
        "5.7.68",
    ),
    ("System.Net.Mail.SmtpException: Mailbox unavailable. The server response was: 5.7.68", "5.7.68"),
    # 4.7.230 / 5.7.230 out-of-date Exchange
    (
        "450 4.7.230 Connecting Exchange server version is out-of-date; connection to Exchange Online "
        "throttled for 10 mins/hr.",
        "4.7.230",
    ),
    (
        "550 5.7.230 Connecting Exchange server version is out-of-date; connection to Exchange Online "
        "blocked for 60 mins/hr.",
        "4.7.230",
    ),
    ("Delivery failed, server response: 5.7.230", "4.7.230"),
    # tenant-level blocks
    ("550 5.7.750 Service unavailable. Client blocked from sending from unregistered domains", "5.7.750"),
    (
        f"Remote Server returned '550 5.7.750 Service unavailable. Client blocked from sending from "
        f"unregistered domains {EOP}'",
        "5.7.750",
    ),
    (
        "Diagnostic-Code: smtp; 550 5.7.750 Service unavailable. Client blocked from sending from "
        "unregistered domains",
        "5.7.750",
    ),
    ("550 5.7.705 Access denied, tenant has exceeded threshold", "5.7.705"),
    ("550 5.7.708 Access denied, traffic not accepted from this IP", "5.7.708"),
    # 4.7.500-699, the whole range
    (
        "451 4.7.500 Access denied, please try again later. For more information please go to "
        "https://go.microsoft.com/fwlink/?LinkId=526653. (AS761) "
        "[BN8NAM12FT019.eop-nam12.prod.protection.outlook.com]",
        "4.7.500-699",
    ),
    ("451 4.7.650 Access denied, please try again later (AS843)", "4.7.500-699"),
    ("451 4.7.699 Access denied, please try again later", "4.7.500-699"),
    ("Mail delivery deferred, server response: 4.7.512", "4.7.500-699"),
    # client submission family
    (
        "530 5.7.57 Client not authenticated to send mail. [BN1P110CA0052.NAMP110.PROD.OUTLOOK.COM "
        "2026-11-20T14:52:57.126Z 08DBE7319275F6BA]",
        "5.7.57",
    ),
    (
        "System.Net.Mail.SmtpException: The SMTP server requires a secure connection or the client was "
        "not authenticated. The server response was: 5.7.57 Client not authenticated to send anonymous "
        "mail during MAIL FROM",
        "5.7.57",
    ),
    ("550 5.7.57 SMTP; Client was not authenticated to send anonymous mail during MAIL FROM", "5.7.57"),
    (
        "host smtp.office365.com[52.96.1.2] said: 530 5.7.57 Client not authenticated to send mail. "
        "[BN1P110CA0052.NAMP110.PROD.OUTLOOK.COM] (in reply to MAIL FROM command)",
        "5.7.57",
    ),
    ("535 5.7.3 Authentication unsuccessful", "5.7.57"),
    (
        "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. "
        "Visit https://aka.ms/smtp_auth_disabled for more information.",
        "5.7.57",
    ),
    (
        "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. "
        "Visit https://aka.ms/smtp_auth_disabled for more information.",
        "5.7.57",
    ),
    (
        "535 5.7.139 Authentication unsuccessful, user is locked by your organization's security "
        "defaults policy.",
        "5.7.57",
    ),
    (
        "535 5.7.139 Authentication unsuccessful, the request did not meet the criteria to be "
        "authenticated successfully.",
        "5.7.57",
    ),
    ("535 5.7.139 Authentication unsuccessful, federated STS service was unreachable.", "5.7.57"),
    ("535 5.7.139 Authentication unsuccessful, the federated STS URL does not support HTTPS.", "5.7.57"),
    ("550 5.7.60 SMTP; Client does not have permissions to send as this sender.", "5.7.57"),
    # 5.7.54 on-premises relay
    ("Remote Server returned '550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain'", "5.7.54"),
    ("550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain", "5.7.54"),
    # 454 4.7.5 certificate not found
    (
        "454 4.7.5 The certificate specified in TlsCertificateName of the SendConnector could not be found.",
        "4.7.5",
    ),
    (
        "454 4.7.5 The certificate specified in the tlscertificatename of the send connector could not "
        "be found.",
        "4.7.5",
    ),
    # TLS credentials and the queued form
    ("TLS negotiation failed with error UnknownCredentials", "tls-negotiation-failed"),
    ("TLS negotiation failed with error NoCredentials", "tls-negotiation-failed"),
    (
        "2026-09-02T14:31:08.512Z,Outbound to Office 365,08DEB1A2C3D4E5F6,7,10.20.0.15:51234,"
        "52.101.68.10:25,*,,TLS negotiation failed with error UnknownCredentials",
        "tls-negotiation-failed",
    ),
    (QUEUED, "tls-negotiation-failed"),
    # 450 4.4.317 Exchange Online -> on-premises
    ("450 4.4.317 Cannot connect to remote server [Message=UntrustedRoot]", "4.4.317"),
    (
        "450 4.4.317 Cannot connect to remote server [Message=SubjectMismatch Expected Subject: "
        "*.contoso.com. Presented Subject: CN=ExchangeServer01. Thumbprint: "
        "0123456789ABCDEF0123456789ABCDEF01234567]",
        "4.4.317",
    ),
    (
        "450 4.4.317 Cannot connect to remote server [Message=451 5.7.3 STARTTLS is required to send mail]",
        "4.4.317",
    ),
    (
        "450 4.4.101 Proxy session setup failed on Frontend with '451 4.4.0 Primary target IP address "
        'responded with "451 5.7.3 STARTTLS is required to send mail." Attempted failover to alternate '
        "host, but that did not succeed.'",
        "4.4.317",
    ),
    ("450 4.4.317 Cannot connect to remote server", "4.4.317"),
    # a device's own words for a failed TLS handshake: no reply, so never taken for 4.7.66
    ("Cannot connect to SMTP server. SSL negotiation failed.", "tls-handshake-failed"),
    ("2019/11/04 10:22:32 [SSL] SSL handshake failed (alert 70)", "tls-handshake-failed"),
]

# Queue LastError in its bracketed form: parse_text reads it, the --ndr path does not (yet).
QUEUE_VARIANTS: list[tuple[str, str]] = [
    (
        "[{LED=450 4.7.230 Connecting Exchange server version is out-of-date; connection to Exchange "
        "Online throttled for 10 mins/hr.};{MSG=};{FQDN=contoso-com.mail.protection.outlook.com};"
        "{IP=52.101.68.10};{LRT=11/20/2026 9:14:02 AM}]",
        "4.7.230",
    ),
    (
        "[{LED=451 4.4.395 Target host responded with error. -> 421 4.4.1 Connection timed out};{MSG=};"
        "{FQDN=contoso-mail-onmicrosoft-com.mail.protection.outlook.com};{IP=};{LRT=5/2/2019 6:32:14 AM}]",
        "tls-negotiation-failed",
    ),
]

# 5.7.64 stays 5.7.64, whatever neighbour codes the pack knows.
TENANT_ATTRIBUTION = [
    f"550 5.7.64 TenantAttribution; Relay Access Denied {EOP}",
    "550 5.7.64 TenantAttribution; Relay Access Denied SMTP.",
    "550 5.7.64 Relay Access Denied ATTR36. For more details please refer to: "
    f"https://support.microsoft.com/kb/3169958 {EOP}",
    f"#550 5.7.64 TenantAttribution; Relay Access Denied {EOP} ##",
    "550+5.7.64+TenantAttribution;+Relay+Access+Denied+[AM6EUR05FT047.eop-eur05.prod.protection.outlook.com]",
]

# Replies of codes no pack here knows: recognised as none of the pack's codes.
UNKNOWN = [
    "550 5.7.1 Unable to relay",
    "421 4.4.1 Connection timed out",
    "451 4.7.850 Access denied, please try again later",
    "550 5.7.606 Access denied, banned sending IP [203.0.113.25]",
    "451 5.7.3 STARTTLS is required to send mail",
    "454 4.7.0 TLS not available due to local problem",
    "550 5.4.1 Recipient address rejected: Access denied. AS(201806281) "
    "[PR2FRA01FT009.eop-fra01.prod.protection.outlook.com]",
    "550 5.7.510 Access denied, example.com does not accept email over IPv6",
    # Outlook.com's throttling of an IP's reputation shares 4.7.5xx-6xx but is not ASxxx relay throttling
    "451 4.7.650 The mail server [198.51.100.40] has been temporarily rate limited due to IP reputation. "
    "For e-mail delivery information, see https://postmaster.live.com (S3114)",
    "451 4.7.651 The mail server [198.51.100.40] has been temporarily rate limited due to IP reputation.",
]


def _pack_codes(text: str) -> list[str]:
    """The pack codes the real parser + recognition give ``text`` (symptoms of other codes dropped)."""
    facts = recognise_symptoms(parse_text("--ndr", text).facts, PACKS)
    return [f.code for f in facts if f.code in PACKS.codes]


@pytest.mark.parametrize(("text", "code"), VARIANTS + QUEUE_VARIANTS, ids=lambda v: str(v)[:48])
def test_parse_text_recognises_the_code(text, code):
    assert set(_pack_codes(text)) == {code}


@pytest.mark.parametrize(("text", "code"), VARIANTS, ids=lambda v: str(v)[:48])
def test_diagnose_puts_only_that_code_in_scope(text, code):
    report = diagnose([], ndr_texts=[text], packs=PACKS, now=NOW)
    assert {s.code for s in report.symptoms if s.code in PACKS.codes} == {code}
    assert report.verdicts and {v.code for v in report.verdicts} == {code}
    assert {v.cause for v in report.verdicts} == set(PACKS.codes[code].causes)


@pytest.mark.parametrize(("text", "code"), QUEUE_VARIANTS, ids=lambda v: str(v)[:48])
def test_diagnose_reads_a_pasted_queue_error(text, code):
    report = diagnose([], ndr_texts=[text], packs=PACKS, now=NOW)
    assert {v.code for v in report.verdicts} == {code}


@pytest.mark.parametrize("text", TENANT_ATTRIBUTION, ids=lambda v: v[:48])
def test_tenant_attribution_stays_5764(text):
    assert set(_pack_codes(text)) == {"5.7.64"}
    report = diagnose([], ndr_texts=[text], packs=PACKS, now=NOW)
    assert {v.code for v in report.verdicts} == {"5.7.64"}


@pytest.mark.parametrize("text", UNKNOWN, ids=lambda v: v[:48])
def test_other_codes_are_not_claimed(text):
    assert _pack_codes(text) == []


def test_every_neighbour_code_has_a_row():
    """The table covers every code the built-in pack knows besides 5.7.64 and the codes no reply
    carries (``precheck``: "never in a reply", its code file says; a precheck_plan fact puts it in scope)."""
    assert {code for _, code in VARIANTS} == set(PACKS.codes) - {"5.7.64", "precheck"}


def test_recognition_needs_the_range_not_a_prefix():
    """4.7.5 (certificate not found) and 4.7.500-699 (throttling) share a prefix."""
    assert _pack_codes(
        "454 4.7.5 The certificate specified in TlsCertificateName of the SendConnector could not be found."
    ) == ["4.7.5"]
    assert _pack_codes("451 4.7.500 Access denied, please try again later") == ["4.7.500-699"]
    assert _pack_codes("451 4.7.700 Access denied, please try again later") == []
