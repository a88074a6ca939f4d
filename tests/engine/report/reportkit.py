"""Hand-built reports for renderer tests: realistic names, and a hostile variant.

The hostile strings stand for what evidence may contain: log excerpts, NDR text and certificate
subjects are written by whoever controls the mail flow or the certificate request.
"""

from __future__ import annotations

from relaydoctor.engine.facts import (
    AcceptedDomain,
    Certificate,
    InboundConnector,
    Provenance,
    SmtpSession,
    Symptom,
    TransportService,
)
from relaydoctor.engine.results import (
    EvidenceLink,
    PackInfo,
    Question,
    RemediationStep,
    Report,
    SourceSummary,
    SymptomView,
    Verdict,
)

OLD_THUMB = "F13EA69E5D2C0A7B8E1F4D6C3B2A19087F6E4B29"
NEW_THUMB = "121A013F9C8B7A6D5E4F3C2B1A099887766507C7"
SERIAL = "3F00000012AB34CD56EF7890"
CONNECTOR = "Inbound from 5c1a4e1b-6a0e-4e2b-9f3d-2c7b8d9e0f11"
REJECT = "550 5.7.64 TenantAttribution; Relay Access Denied [AM6PEPF0000ABCD.eurprd04.prod.outlook.com]"

# What a shared report must not reveal.
SECRETS = (
    "contoso.com", "contoso.net", "contoso", "mail2026", "n.patel", "203.0.113.25", "198.51.100.77",
    "10.20.0.11", OLD_THUMB, NEW_THUMB, OLD_THUMB.lower(), SERIAL, "EXCH01", "5c1a4e1b", "Contoso Ltd",
    "2001:db8:77::25",
)

HOSTILE = {
    "link": "[click me](javascript:alert(1))",
    "image": "![x](https://evil.example/p.png)",
    "html": "<script>alert('x')</script><img src=x onerror=alert(1)>",
    "ticks": "a ``` b ```` c `d`",
    "pipe": "left | right || ",
    "heading": "# not a heading",
    "ansi": "\x1b[2J\x1b[31mred\x1b]0;title\x07",
    "newline": "first\n\n- injected list\n---",
}


def _prov(source: str, line: int | None, excerpt: str = "") -> Provenance:
    return Provenance(source=source, line=line, excerpt=excerpt)


def facts() -> list:
    log = "SEND20261120-1.LOG"
    return [
        Symptom(code="5.7.64", status_code="5.7.64", reply_code="550", text=REJECT,
                tokens=("TenantAttribution",), origin="send_log", generating_server="EXCH01",
                provenance=_prov(log, 116, f"2026-11-20T08:41:09.120Z,...,<,{REJECT},")),
        SmtpSession(connector="Outbound to Office 365", remote_host="contoso-com.mail.protection.outlook.com",
                    remote_ip="52.101.68.3", to_eop=True, tls="negotiated", tls_protocol="TLS1_2",
                    cert_presented=True, cert_thumbprint=NEW_THUMB, cert_subject="CN=mail2026.contoso.net",
                    cert_cn="mail2026.contoso.net", ehlo_client_ip="203.0.113.25",
                    mail_from="n.patel@contoso.com", mail_from_domain="contoso.com", outcome="rejected",
                    provenance=_prov(log, 105, "Certificate thumbprint=" + NEW_THUMB)),
        Certificate(thumbprint=OLD_THUMB, subject="CN=mail.contoso.com, O=Contoso Ltd, L=Redmond, S=WA, C=US",
                    cn="mail.contoso.com", sans=("mail.contoso.com", "autodiscover.contoso.com"),
                    serial=SERIAL, origin="exchange", provenance=_prov("Get-ExchangeCertificate.fl.txt", 12)),
        InboundConnector(name=CONNECTOR, enabled=True, connector_type="OnPremises",
                         tls_sender_certificate_name="mail.contoso.com", auth="certificate",
                         provenance=_prov("Get-InboundConnector.fl.txt", 20,
                                          "TlsSenderCertificateName : mail.contoso.com")),
        AcceptedDomain(domain="contoso.com", provenance=_prov("Get-AcceptedDomain.fl.txt", 3)),
        TransportService(name="EXCH01", send_protocol_log_path="D:\\Logs\\SmtpSend",
                         provenance=_prov("Get-TransportService.fl.txt", 1)),
    ]


def build_report(*, hostile: bool = False) -> Report:
    h = HOSTILE if hostile else {k: "" for k in HOSTILE}
    confirmed = Verdict(
        cause="certificate-name-mismatch",
        code="5.7.64",
        status="confirmed",
        title="The certificate's name no longer matches the inbound connector" + h["heading"],
        summary=f"mail2026.contoso.net was presented, but '{CONNECTOR}' expects mail.contoso.com" + h["link"],
        explanation="Exchange Online attributes a relayed message to your tenant by the certificate "
        "name.\n\nWhen it changes, the connector no longer matches." + h["newline"],
        evidence=(
            EvidenceLink(fact="smtp_session", source="SEND20261120-1.LOG:105",
                         says="1 session to contoso-com.mail.protection.outlook.com, TLS TLS1_2 negotiated, "
                         "presented mail2026.contoso.net, seen from 203.0.113.25" + h["html"],
                         excerpt="Certificate thumbprint=" + NEW_THUMB + h["ansi"]),
            EvidenceLink(fact="inbound_connector", source="Get-InboundConnector.fl.txt:20",
                         says=f"'{CONNECTOR}' expects mail.contoso.com" + h["pipe"],
                         excerpt="TlsSenderCertificateName : mail.contoso.com"),
        ),
        remediation=(
            RemediationStep(
                step="Point the inbound connector at the certificate's name" + h["image"],
                commands=(f"Set-InboundConnector -Identity '{CONNECTOR}' "
                          "-TlsSenderCertificateName 'mail2026.contoso.net'" + h["ticks"],),
            ),
            RemediationStep(step="Verify: the next send log shows 250 2.6.0 for external recipients"),
        ),
        references=("https://learn.microsoft.com/en-us/exchange/troubleshoot/email-delivery/"
                    "550-5-7-64-tenantattribution-when-sending-mail",),
        rules=("certificate-name-mismatch.confirmed",),
    )
    likely = Verdict(
        cause="domain-not-accepted",
        code="5.7.64",
        status="likely",
        title="The certificate's domain is not an accepted domain",
        summary="contoso.net (the new certificate's domain) is not accepted; "
        "mail from n.patel@contoso.com is",
        evidence=(EvidenceLink(fact="domain_acceptance", source="Get-AcceptedDomain.fl.txt:3",
                               says="contoso.net is not an accepted domain"),
                  EvidenceLink(fact="cert_status", source="Get-ExchangeCertificate.fl.txt:12",
                               says=f"{OLD_THUMB} replaced by {NEW_THUMB}")),
        remediation=(
            RemediationStep(step="Add and verify contoso.net in Microsoft 365",
                            commands=("New-AcceptedDomain -Name 'contoso.net' -DomainName 'contoso.net'",)),
        ),
    )
    undetermined = Verdict(
        cause="sender-ip-mismatch",
        code="5.7.64",
        status="undetermined",
        title="The sending IP is not in the connector's SenderIPAddresses",
        summary="No rule could decide this from the evidence given." + h["pipe"],
    )
    ruled_out = Verdict(
        cause="tls-not-negotiated",
        code="5.7.64",
        status="ruled_out",
        title="TLS was not negotiated",
        summary="TLS 1.2 was negotiated with 10.20.0.11 and 2001:db8:77::25" + h["pipe"],
        evidence=(EvidenceLink(fact="smtp_session", source="SEND20261120-1.LOG:40",
                               says="TLS TLS1_2 negotiated" + h["link"]),),
    )
    return Report(
        tool_version="0.1.0",
        generated_at="2026-11-27T12:00:00Z",
        packs=[PackInfo("builtin", "1.0.0")],
        symptoms=[
            SymptomView(code="5.7.64", text=REJECT + h["html"] + h["newline"], tokens=("TenantAttribution",),
                        source="SEND20261120-1.LOG:116", title="TenantAttribution; Relay Access Denied")
        ],
        verdicts=[confirmed, likely, undetermined, ruled_out],
        questions=[Question(id="egress-ip", ask="Which public IP does mail leave from?" + h["link"],
                            why="The connector may authenticate by IP." + h["html"],
                            answers_with="egress_ip=<IPv4 address>", cause="sender-ip-mismatch")],
        evidence=[
            SourceSummary("SEND20261120-1.LOG", "send_log", facts=3, detail="240 lines, 5 sessions"),
            SourceSummary("Get-InboundConnector.fl.txt", "inbound_connector", facts=1),
            SourceSummary("mail2026.contoso.net.cer", "certificate", facts=1),
            SourceSummary("notes" + h["pipe"] + ".docx", "unknown",
                          skipped_reason="not a kind of evidence relaydoctor knows"),
        ],
        facts=facts(),
        notes=["contoso.net is not an accepted domain: fixing only the connector leads to ATTR36" + h["html"],
               f"EXCH01 also holds certificate serial {SERIAL} (O=Contoso Ltd); "
               "the NAT moved to 198.51.100.77"],
    )
