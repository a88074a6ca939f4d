# ruff: noqa: E501  (evidence lines are quoted as the tools write them)
"""Writes the evidence files of the field corpus (tests/field/cases/*).

The cases are reconstructions of public threads and vendor articles (each case.yaml cites its
source). This script is how the evidence files were written: small helpers produce Exchange send
logs, Format-List / JSON / CSV cmdlet output, NDRs and application logs in the shapes Windows and
the mailers write, and each case below fills them with what its thread shows, plus the ordinary
surrounding noise (older sessions, other connectors, notes, configs). The files are committed; run
``python tests/field/build_cases.py`` only to regenerate them after changing a case here.
Certificates are not written here: the scorer generates them with ``cryptography`` at run time from
the ``certificates`` list of case.yaml.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent / "cases"

EOP_HOSTS = {
    "EUR": ("AM6EUR05FT047", "eop-EUR05", "52.101.68.24"),
    "NAM": ("BN8NAM11FT062", "eop-nam11", "52.101.194.3"),
    "APC": ("SG2APC01FT019", "eop-APC01", "52.101.132.18"),
}

TLS_OK = ("TLS protocol SP_PROT_TLS1_2_CLIENT negotiation succeeded using bulk encryption algorithm CALG_AES_256 "
          "with strength 256 bits, MAC hash algorithm CALG_SHA_384 with strength 0 bits and key exchange algorithm "
          "CALG_ECDH_EPHEM with strength 384 bits")


def _q(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if ("," in value or '"' in value) else value


class SendLog:
    """An Exchange SMTP send protocol log (SEND*.LOG) with any number of sessions."""

    def __init__(self, date: str, version: str = "15.02.1544.004"):
        self.date = date
        self.version = version
        self.lines: list[str] = []
        self._sid = 0x08DE3A41C05B7A10

    def session(self, start: str, *, connector: str = "Outbound to Office 365", region: str = "EUR",
                tenant: str = "contoso-com", ehlo: str = "mail.contoso.com", egress: str = "203.0.113.25",
                local: str = "10.20.0.15", tls: str = "ok", tls_error: str = "", tls_proto: str = "",
                cert: dict | None = None, mail_from: str = "user@contoso.com",
                rcpts: list[tuple[str, str]] | None = None, data_ok: bool = True,
                remote_host: str | None = None) -> None:
        self._sid += 7
        sid = f"{self._sid:016X}"
        host, eop, ip = EOP_HOSTS[region]
        if remote_host:
            host = remote_host
        t = dt.datetime.fromisoformat(start.replace("Z", "+00:00"))
        seq = 0
        port = 50000 + (self._sid % 9000)
        le, re_ = f"{local}:{port}", f"{ip}:25"

        def add(event: str, data: str = "", context: str = "", *, endpoints: bool = True, ms: int = 3) -> None:
            nonlocal seq, t
            t += dt.timedelta(milliseconds=ms)
            stamp = t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"
            ends = f"{le},{re_}" if endpoints else f",{re_}"
            self.lines.append(f"{stamp},{connector},{sid},{seq},{ends},{event},{_q(data)},{_q(context)}")
            seq += 1

        add("*", "", "attempting to connect", endpoints=False)
        add("+")
        add("<", f"220 {host}.mail.protection.outlook.com Microsoft ESMTP MAIL Service ready at "
                 f"{t.strftime('%a, %d %b %Y %H:%M:%S')} +0000", ms=35)
        ext = ["SIZE 157286400", "PIPELINING", "DSN", "ENHANCEDSTATUSCODES", "STARTTLS", "8BITMIME",
               "BINARYMIME", "CHUNKING"]

        def ehlo_exchange() -> None:
            add(">", f"EHLO {ehlo}")
            add("<", f"250-{host}.mail.protection.outlook.com Hello [{egress}]", ms=34)
            for item in ext:
                add("<", f"250-{item}", ms=0)
            add("<", "250 SMTPUTF8", ms=0)

        ehlo_exchange()
        if tls != "none":
            add(">", "STARTTLS")
            add("<", "220 2.0.0 SMTP server ready", ms=33)
            if cert is not None:
                add("*", "", "Sending certificate", ms=20)
                add("*", cert["subject"], "Certificate subject", ms=0)
                add("*", cert.get("issuer", "CN=Tailspin Trust RSA TLS CA G2, O=Tailspin Trust Services, C=US"),
                    "Certificate issuer name", ms=0)
                add("*", cert.get("serial", "3A7F0C91D2E4B6581C09A7F34B62E1D8"), "Certificate serial number", ms=0)
                add("*", cert.get("thumb", "F13EA69EB8D27B0D2A8947D5BCC472E6B2724B29"), "Certificate thumbprint",
                    ms=0)
                add("*", ";".join(cert.get("sans", [])), "Certificate alternate names", ms=0)
            if tls == "fail":
                add("*", "", f"TLS negotiation failed with error {tls_error}", ms=20)
                add("-", "", "Local", ms=1)
                return
            add("*", "", "Received certificate", ms=60)
            add("*", "6A3D0F9B2C714E58A0D3B6E91F27C4A85D0E3B72", "Certificate thumbprint", ms=0)
            add("*", "", TLS_OK.replace("TLS1_2", tls_proto or "TLS1_2"), ms=0)
            ehlo_exchange()
        add("*", "51539609874", "sending message with RecordId 51539609874 and InternetMessageId "
                                f"<{sid.lower()}@EXCH01.corp.contoso.com>", ms=1)
        mf = "<>" if mail_from == "" else f"<{mail_from}>"
        add(">", f"MAIL FROM:{mf} SIZE=28765")
        rcpts = rcpts or [("orders@fabrikam.com", "250 2.1.5 Recipient OK")]
        for addr, _ in rcpts:
            add(">", f"RCPT TO:<{addr}>", ms=0)
        add("<", "250 2.1.0 Sender OK", ms=38)
        ok = False
        for _, reply in rcpts:
            add("<", reply, ms=0)
            ok = ok or reply.startswith("250")
        if ok and data_ok:
            add(">", "BDAT 28765 LAST")
            add("<", f"250 2.6.0 <{sid.lower()}@EXCH01.corp.contoso.com> [InternalId=16466904513391, "
                     f"Hostname={host}.{eop}.prod.protection.outlook.com] 28765 bytes in 0.142, 197.823 KB/sec "
                     "Queued mail for delivery", ms=140)
        else:
            add(">", "RSET")
            add("<", "250 2.0.0 Resetting", ms=30)
        add(">", "QUIT")
        add("<", "221 2.0.0 Service closing transmission channel", ms=30)
        add("-", "", "Local", ms=0)

    def text(self) -> str:
        head = ["#Software: Microsoft Exchange Server", f"#Version: {self.version}",
                "#Log-type: SMTP Send Protocol Log", f"#Date: {self.date}",
                "#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,"
                "event,data,context"]
        return "\r\n".join(head + self.lines) + "\r\n"


def format_list(records: list[dict], width: int | None = None) -> str:
    """PowerShell Format-List output (blank line between records, aligned colons)."""
    out = [""]
    for rec in records:
        pad = max(len(k) for k in rec)
        out.append("")
        for key, value in rec.items():
            if isinstance(value, list):
                value = "{" + ", ".join(value) + "}"
            elif isinstance(value, bool):
                value = "True" if value else "False"
            elif value is None:
                value = ""
            line = f"{key.ljust(pad)} : {value}"
            if width and len(line) > width:
                first, rest = line[:width], line[width:]
                line = first + "\n" + " " * (pad + 3) + rest
            out.append(line)
    out += ["", ""]
    return "\r\n".join(out)


def inbound(name: str, *, ctype: str = "OnPremises", enabled: bool = True, cert: str = "", ips: list | None = None,
            source: str = "Default", when_changed: str = "3/14/2024 9:12:40 AM", comment: str = "",
            require_tls: bool | None = None, when_changed_utc: str | None = None) -> dict:
    extra = {"WhenChangedUTC": when_changed_utc} if when_changed_utc else {}
    return extra | {
        "Enabled": enabled, "ConnectorType": ctype, "ConnectorSource": source, "Comment": comment,
        "SenderIPAddresses": ips or [], "SenderDomains": ["smtp:*;1"], "TrustedOrganizations": [],
        "AssociatedAcceptedDomains": [], "RequireTls": bool(cert) if require_tls is None else require_tls,
        "RestrictDomainsToIPAddresses": False, "RestrictDomainsToCertificate": False,
        "CloudServicesMailEnabled": source == "HybridWizard", "TreatMessagesAsInternal": False,
        "TlsSenderCertificateName": cert, "EFTestMode": False, "EFSkipLastIP": False, "EFSkipIPs": [],
        "Identity": name, "Name": name, "WhenChanged": when_changed, "WhenCreated": "6/2/2021 3:04:11 PM",
        "IsValid": True,
    }


def send_connector(name: str, *, smart_hosts: list | None = None, tls_cert_name: str = "", fqdn: str = "mail.contoso.com",
                   servers: list | None = None, address_spaces: list | None = None, require_tls: bool = True) -> dict:
    hosts = smart_hosts if smart_hosts is not None else ["contoso-com.mail.protection.outlook.com"]
    return {
        "AddressSpaces": address_spaces or ["SMTP:*;1"], "CloudServicesMailEnabled": True, "ConnectorType": "Default",
        "DNSRoutingEnabled": not hosts, "Enabled": True, "Fqdn": fqdn, "Identity": name, "Name": name, "Port": 25,
        "ProtocolLoggingLevel": "Verbose", "RequireTLS": require_tls, "SmartHostAuthMechanism": "None",
        "SmartHosts": hosts, "SmartHostsString": ",".join(hosts), "SourceTransportServers": servers or ["EXCH01"],
        "TlsAuthLevel": "DomainValidation" if require_tls else None,
        "TlsCertificateName": tls_cert_name, "TlsDomain": "mail.protection.outlook.com" if require_tls else "",
    }


def clixml(records: list[dict], type_name: str) -> bytes:
    """Export-Clixml output (UTF-16 LE with BOM, as Windows PowerShell writes it)."""
    from xml.sax.saxutils import escape

    out = ['<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">']
    ref = 0
    for rec in records:
        out += [f'  <Obj RefId="{ref}">', f'    <TN RefId="{ref}">', f"      <T>Deserialized.{type_name}</T>",
                "      <T>Deserialized.System.Object</T>", "    </TN>",
                f"    <ToString>{escape(str(rec.get('Name', '')))}</ToString>", "    <Props>"]
        ref += 1
        for key, value in rec.items():
            if isinstance(value, bool):
                out.append(f'      <B N="{key}">{"true" if value else "false"}</B>')
            elif isinstance(value, list):
                out += [f'      <Obj N="{key}" RefId="{ref}">', f'        <TN RefId="{ref}">',
                        "          <T>Deserialized.Microsoft.Exchange.Data.MultiValuedProperty`1</T>",
                        "          <T>Deserialized.System.Object</T>", "        </TN>", "        <LST>"]
                out += [f"          <S>{escape(str(v))}</S>" for v in value]
                out += ["        </LST>", "      </Obj>"]
                ref += 1
            elif value is None or value == "":
                out.append(f'      <Nil N="{key}" />')
            else:
                out.append(f'      <S N="{key}">{escape(str(value))}</S>')
        out += ["    </Props>", "  </Obj>"]
    out.append("</Objs>")
    return b"\xff\xfe" + "\r\n".join(out).encode("utf-16-le")


def exchange_cert(subject: str, *, issuer: str, domains: list, thumb: str, not_before: str, not_after: str,
                  services: str = "IMAP, POP, IIS, SMTP", status: str = "Valid", root: str = "ThirdParty",
                  self_signed: bool = False, friendly: str = "") -> dict:
    return {
        "FriendlyName": friendly, "CertificateDomains": domains, "HasPrivateKey": True, "IsSelfSigned": self_signed,
        "Issuer": issuer, "NotAfter": not_after, "NotBefore": not_before, "PublicKeySize": 2048,
        "RootCAType": root, "SerialNumber": thumb[:32], "Services": services, "Status": status, "Subject": subject,
        "Thumbprint": thumb,
    }


def accepted_table(rows: list[tuple[str, str, bool]]) -> str:
    out = ["", "Name                           DomainName                     DomainType    Default",
           "----                           ----------                     ----------    -------"]
    for dom, typ, default in rows:
        out.append(f"{dom:<30} {dom:<30} {typ:<13} {default}")
    return "\r\n".join([*out, "", ""])


def ndr_2013(recipient: str, reply: str, generating: str = "EXCH01.corp.contoso.com", remote: str | None = None,
             lang: str = "en") -> str:
    remote = remote or "AM6EUR05FT047.mail.protection.outlook.com"
    if lang == "fr":
        head = ("Échec de la remise aux destinataires ou groupes suivants :\r\n\r\n"
                f"{recipient}\r\nLe fournisseur de messagerie du destinataire a rejeté votre message.\r\n\r\n"
                "Informations de diagnostic pour les administrateurs :\r\n\r\n")
        return (head + f"Serveur de génération : {generating}\r\n\r\n{recipient}\r\n{remote}\r\n"
                f"Remote Server returned '{reply}'\r\n\r\nEn-têtes de message d'origine :\r\n\r\n"
                "Received: from EXCH01.corp.contoso.com (10.20.0.15) by EXCH01.corp.contoso.com\r\n")
    if lang == "de":
        head = ("Die Zustellung an folgende Empfänger oder Gruppen ist fehlgeschlagen:\r\n\r\n"
                f"{recipient}\r\nDer E-Mail-Anbieter des Empfängers hat Ihre Nachricht abgelehnt.\r\n\r\n"
                "Diagnoseinformationen für Administratoren:\r\n\r\n")
        return (head + f"Generierender Server: {generating}\r\n\r\n{recipient}\r\n{remote}\r\n"
                f"Remote Server returned '{reply}'\r\n\r\nUrsprüngliche Nachrichtenkopfzeilen:\r\n\r\n"
                "Received: from EXCH01.corp.contoso.com (10.20.0.15) by EXCH01.corp.contoso.com\r\n")
    return ("Delivery has failed to these recipients or groups:\r\n\r\n"
            f"{recipient}\r\nYour message wasn't delivered because the recipient's email provider rejected it.\r\n\r\n"
            "Diagnostic information for administrators:\r\n\r\n"
            f"Generating server: {generating}\r\n\r\n{recipient}\r\n{remote}\r\n"
            f"Remote Server returned '{reply}'\r\n\r\nOriginal message headers:\r\n\r\n"
            f"Received: from EXCH01.corp.contoso.com (10.20.0.15) by {generating}\r\n"
            " (10.20.0.15) with Microsoft SMTP Server (version=TLS1_2,\r\n"
            " cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.2.1544.4; Tue, 12 Mar 2024 09:41:07 +0100\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain\r\n")


def queue_fl(last_error: str, next_hop: str = "contoso-com.mail.protection.outlook.com", status: str = "Retry",
             identity: str = "EXCH01\\12") -> str:
    return format_list([{
        "Identity": identity, "DeliveryType": "SmartHostConnectorDelivery", "NextHopDomain": next_hop,
        "TlsDomain": "", "NextHopConnector": "5e5f1c0a-8a57-4c1e-9d8b-0f6c2b1e7a44", "Status": status,
        "MessageCount": 23, "LastError": last_error, "RetryCount": 6,
        "LastRetryTime": "3/12/2024 9:44:02 AM", "NextRetryTime": "3/12/2024 9:54:02 AM",
    }], width=118)


def write(case: str, files: dict[str, str | bytes], meta: dict) -> None:
    folder = ROOT / case
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "evidence").mkdir(parents=True)
    for name, content in files.items():
        path = folder / "evidence" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif name.endswith(".utf16.txt"):
            path.write_bytes(b"\xff\xfe" + content.encode("utf-16-le"))
        else:
            path.write_bytes(content.encode("utf-8"))
    meta = {"id": case, **meta}
    (folder / "case.yaml").write_text(yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=100),
                                      encoding="utf-8")


def to_json(records: list[dict]) -> str:
    return json.dumps(records if len(records) > 1 else records[0], indent=2)


# ---------------------------------------------------------------------------------------------
# The cases
# ---------------------------------------------------------------------------------------------

OLD_CERT = {"subject": "CN=mail.contoso.com", "issuer": "CN=Tailspin Trust RSA TLS CA G2, O=Tailspin Trust Services, C=US",
            "thumb": "B4C2A1D0E9F8A7B6C5D4E3F2A1B0C9D8E7F6A5B4", "sans": ["mail.contoso.com", "autodiscover.contoso.com"]}
NEW_CERT = {"subject": "CN=webmail.contoso.com", "issuer": "CN=Tailspin Trust RSA TLS CA G2, O=Tailspin Trust Services, C=US",
            "thumb": "121A013FD6789E1E09F2493A26AD9213BF5B07C7", "sans": ["webmail.contoso.com", "autodiscover.contoso.com"]}
REJECT_64 = "550 5.7.64 TenantAttribution; Relay Access Denied [AM6EUR05FT047.eop-EUR05.prod.protection.outlook.com]"
NOTES = ("Ticket INC0048812 - outbound mail to external recipients bouncing\r\n"
         "- users report NDRs since this morning, internal mail OK\r\n"
         "- checked firewall, port 25 open to EOP\r\n- TODO: compare connector settings with last year's change record\r\n")


def kb4051495_renewed_certificate() -> None:
    log = SendLog("2024-03-12T00:00:01.220Z")
    log.session("2024-03-11T16:02:11.100Z", cert=OLD_CERT)  # before the renewal: relayed fine
    log.session("2024-03-12T08:41:19.100Z", cert=NEW_CERT, rcpts=[("orders@fabrikam.com", REJECT_64)])
    log.session("2024-03-12T08:44:52.500Z", cert=NEW_CERT, mail_from="ana.ruiz@contoso.com",
                rcpts=[("ana.ruiz@contoso.mail.onmicrosoft.com", "250 2.1.5 Recipient OK"),
                       ("billing@northwind.example", REJECT_64)])
    write("kb4051495-renewed-certificate", {
        "SEND20240312-1.LOG": log.text(),
        "Get-InboundConnector.fl.utf16.txt": format_list([
            inbound("Inbound from 5c1a4e1b-6a0e-4e2b-9f3d-2c7b8d9e0f11", cert="mail.contoso.com", source="HybridWizard"),
            inbound("Scanner relay (old)", enabled=False, ips=["198.51.100.10"])]),
        "Get-AcceptedDomain.txt": accepted_table([("contoso.com", "Authoritative", True),
                                                   ("contoso.mail.onmicrosoft.com", "Authoritative", False)]),
        "NDR-orders.txt": ndr_2013("orders@fabrikam.com", REJECT_64),
        "notes.txt": NOTES + "- renewed the public cert on Mar 11 (new name webmail.contoso.com, old one expires)\r\n",
    }, {
        "title": "Relay fails after the public certificate was renewed under a different name",
        "sources": [{"url": "https://learn.microsoft.com/en-us/exchange/troubleshoot/email-delivery/ndr/relay-access-denied-smtp",
                     "title": "550 5.7.64 TenantAttribution when sending mail externally in Microsoft 365 (KB 4051495)"}],
        "summary": "Microsoft's KB: users relaying through Microsoft 365 get 550 5.7.64 because the inbound connector verifies "
                   "the on-premises server by certificate and a new/renewed certificate uses a different name. Fix: rerun "
                   "HCW or set TlsSenderCertificateName to the new certificate's name.",
        "reconstruction": "Send log sessions before and after the renewal, HCW connector exported as UTF-16 Format-List, "
                          "a disabled old connector and a ticket note as distractors. Names are fictional.",
        "now": "2024-03-12T09:00:00Z",
        "expect": {"cause": "certificate-name-mismatch", "code": "5.7.64"},
    })


def kb4051495_ip_changed() -> None:
    log = SendLog("2024-05-06T00:00:00.410Z")
    log.session("2024-05-06T07:12:30.000Z", tls="ok", cert=None, egress="198.51.100.77", ehlo="relay01.contoso.com",
                rcpts=[("accounts@fabrikam.com", REJECT_64)])
    write("kb4051495-ip-changed", {
        "SEND20240506-1.LOG": log.text(),
        "Get-InboundConnector.json": to_json([inbound("Relay from datacenter", ips=["203.0.113.0/24"],
                                                      when_changed="11/2/2022 4:10:00 PM")]),
        "old-export/Get-InboundConnector-branches.fl.txt": format_list([inbound(
            "Branch office scanners", ips=["192.0.2.10", "192.0.2.11", "192.0.2.12", "192.0.2.13", "..."],
            when_changed="1/20/2021 10:00:00 AM")]).replace("192.0.2.13, ...}", "192.0.2.13...}"),
        "Get-AcceptedDomain.csv": '"DomainName","DomainType","Default"\r\n"contoso.com","Authoritative","True"\r\n'
                                  '"contoso.onmicrosoft.com","Authoritative","False"\r\n',
        "isp-change.txt": "From: noc@isp.example\r\nSubject: Planned renumbering\r\n\r\nYour static range "
                          "203.0.113.0/24 will be replaced by 198.51.100.64/26 on May 5.\r\n",
    }, {
        "title": "IP-based connector after an ISP renumbering",
        "sources": [{"url": "https://learn.microsoft.com/en-us/exchange/troubleshoot/email-delivery/ndr/relay-access-denied-smtp",
                     "title": "KB 4051495, cause 2"},
                    {"url": "https://github.com/MicrosoftDocs/OfficeDocs-Exchange/pull/2651",
                     "title": "Docs PR: 5.7.64 from printers/apps when the static IP changes"}],
        "summary": "The IP address configured in the Microsoft 365 connector no longer matches the address the submitting "
                   "server uses (ISP or network change); fix by updating SenderIPAddresses and SPF.",
        "reconstruction": "One failing session whose EHLO reply shows the new public IP; connector as JSON; an old "
                          "Format-List export of another connector whose SenderIPAddresses is truncated "
                          "($FormatEnumerationLimit); the ISP mail as a distractor.",
        "now": "2024-05-06T08:00:00Z",
        "expect": {"cause": "sender-ip-mismatch", "code": "5.7.64"},
    })


def kb3212877_chain() -> None:
    log = SendLog("2016-12-01T00:00:00.000Z", version="15.01.0669.032")
    # The thumbprint and serial are filled in by the scorer from the certificate it generates.
    cert = {"subject": "CN=*.ServerName.com", "issuer": "CN=Relaydoctor Test Issuing CA", "thumb":
            "{{thumb:wildcard-servername-leaf-only.cer}}", "serial": "{{serial:wildcard-servername-leaf-only.cer}}",
            "sans": ["*.servername.com", "servername.com"]}
    log.session("2016-12-01T03:09:55.400Z", ehlo="CORP-SMTP1.ServerName.com", cert=cert,
                rcpts=[("partner@fabrikam.com", REJECT_64)])
    capi2 = ('<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>'
             '<Provider Name="Microsoft-Windows-CAPI2" Guid="{5bbca4a8-b209-48dc-a8c7-b23d3e5216fb}" />'
             '<EventID>30</EventID><Level>2</Level><Task>30</Task><TimeCreated SystemTime="2016-12-01T03:09:55.456180600Z" />'
             '<Channel>Microsoft-Windows-CAPI2/Operational</Channel><Computer>CORP-SMTP1.ServerName.com</Computer></System>'
             '<UserData><CertVerifyCertificateChainPolicy><Policy type="CERT_CHAIN_POLICY_SSL" constant="4" />'
             '<Certificate fileRef="{{thumb:wildcard-servername-leaf-only.cer}}.cer" subjectName="*.ServerName.com" />'
             '<Result value="800B0109">A certificate chain processed, but terminated in a root certificate which is not '
             'trusted by the trust provider.</Result></CertVerifyCertificateChainPolicy></UserData></Event>\r\n')
    write("kb3212877-chain-not-sent", {
        "SEND20161201-1.LOG": log.text(),
        "CAPI2-event30.xml": capi2,
        "Get-InboundConnector.fl.txt": format_list([inbound("On-prem relay", cert="*.servername.com")]),
        "Get-AcceptedDomain.txt": accepted_table([("servername.com", "Authoritative", True)]),
    }, {
        "title": "Certificate connector, intermediate CA not sent in the handshake (CAPI2 800B0109)",
        "sources": [{"url": "https://support.microsoft.com/en-us/help/3212877",
                     "title": "550 5.7.64 TenantAttribution when sending emails through Exchange Online Protection (KB 3212877)"}],
        "summary": "Relay from on-premises Exchange or IIS SMTP through EOP with a certificate-validating OnPremises "
                   "connector fails with 5.7.64; CAPI2 event 30 shows 800B0109 (untrusted root). The server does not send "
                   "the intermediate certificates; fix by importing them into LocalMachine\\CA.",
        "reconstruction": "The KB's CAPI2 event (shortened; its fileRef names the presented certificate, whose "
                          "thumbprint is filled in from the certificate generated at test time), a send log of the "
                          "rejected session, and the leaf certificate exported alone (no intermediate).",
        "now": "2016-12-01T04:00:00Z",
        "certificates": [{"file": "wildcard-servername-leaf-only.cer", "cn": "*.ServerName.com",
                          "sans": ["*.servername.com", "servername.com"], "chain": "leaf",
                          "not_before": "2016-06-01T00:00:00Z", "not_after": "2018-06-01T00:00:00Z"}],
        "expect": {"cause": "certificate-chain-incomplete", "code": "5.7.64"},
    })


def kb4019940_attr36_subdomain() -> None:
    log = SendLog("2024-02-20T00:00:00.000Z")
    cert = {"subject": "CN=hybrid.corp.contoso.com", "sans": ["hybrid.corp.contoso.com"],
            "thumb": "0D5E2C7A9B314F6E8A1C2B3D4E5F60718293A4B5"}
    reply = ("550 5.7.64 Relay Access Denied ATTR36. For more details please refer to: "
             "https://support.microsoft.com/kb/3169958 [AM6EUR05FT047.eop-EUR05.prod.protection.outlook.com]")
    log.session("2024-02-20T10:15:00.000Z", ehlo="hybrid.corp.contoso.com", cert=cert, mail_from="",
                rcpts=[("someone@gmail.example", reply)])
    write("kb4019940-attr36-host-under-subdomain", {
        "SEND20240220-1.LOG": log.text(),
        "Get-InboundConnector.fl.txt": format_list([inbound("Inbound from 7e0c6a31-2b4d-4f1e-8c9a-5d3e2f1a0b9c",
                                                            cert="hybrid.corp.contoso.com", source="HybridWizard")]),
        "Get-AcceptedDomain.txt": accepted_table([("contoso.com", "Authoritative", True),
                                                   ("contoso.mail.onmicrosoft.com", "Authoritative", False)]),
        "HCW-warning.txt": "HCW8078 warning: the certificate subject hybrid.corp.contoso.com does not match an "
                           "accepted domain. Continue? [Yes]\r\n",
    }, {
        "title": "ATTR36: HCW warning ignored, certificate host under a subdomain that is not accepted",
        "sources": [{"url": "https://github.com/MicrosoftDocs/OfficeDocs-Support/blob/public/Exchange/ExchangeHybrid/hybrid-configuration-wizard-errors/relay-access-denied-attr36-ndr.md",
                     "title": "550 5.7.64 Relay Access Denied ATTR36 (KB 4019940)"}],
        "summary": "HCW warned that the certificate name is not under an accepted domain; the warning was ignored. On-premises "
                   "NDRs (MAIL FROM:<>) relayed to the Internet then fail with ATTR36. For hostname.subdomain.contoso.com "
                   "with only contoso.com accepted, add subdomain (corp.contoso.com) to the tenant.",
        "reconstruction": "One null-sender session, the HCW connector and accepted domains; the HCW warning as a note.",
        "now": "2024-02-20T11:00:00Z",
        "expect": {"cause": "domain-not-accepted", "code": "5.7.64", "fix_mentions": ["corp.contoso.com"]},
    })


def relay_2023_null_sender_ip() -> None:
    log = SendLog("2023-11-08T00:00:00.000Z")
    for i, start in enumerate(["2023-11-08T09:00:01.000Z", "2023-11-08T09:05:44.000Z"]):
        log.session(start, cert=OLD_CERT, mail_from="" if i else "helpdesk@contoso.com",
                    rcpts=[("customer@fabrikam.com", REJECT_64 if i else "250 2.1.5 Recipient OK")])
    write("smtp-relay-2023-null-sender-ip-connector", {
        "SEND20231108-1.LOG": log.text(),
        "Get-InboundConnector.fl.txt": format_list([inbound("From on-prem", ips=["203.0.113.25"])]),
        "Get-AcceptedDomain.txt": accepted_table([("contoso.com", "Authoritative", True)]),
    }, {
        "title": "On-premises NDRs (MAIL FROM:<>) no longer relay over an IP connector after Nov 2023",
        "sources": [{"url": "https://techcommunity.microsoft.com/blog/exchange/updated-requirements-for-smtp-relay-through-exchange-online/3851357",
                     "title": "Updated Requirements for SMTP Relay through Exchange Online"},
                    {"url": "https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/updated-requirements-smtp-relay",
                     "title": "Requirements for SMTP relay through Exchange Online"}],
        "summary": "From 1 Nov 2023 the P2 From no longer attributes relay; on-premises generated NDRs have a null P1 sender, "
                   "so over an IP-only connector they are rejected while normal mail relays. Fix: a certificate-based "
                   "connector whose certificate domain is an accepted domain.",
        "reconstruction": "Same server: a normal message relays, an NDR (MAIL FROM:<>) is refused in the next session.",
        "now": "2023-11-08T10:00:00Z",
        "expect": {"cause": "null-sender-needs-certificate", "code": "5.7.64"},
    })


def kb4051498_unknown_credentials() -> None:
    log = SendLog("2017-10-07T00:00:00.000Z", version="15.01.1261.035")
    cert = {"subject": "CN=*.domain.com, OU=Enterprise SSL Wildcard, OU=Contoso IT, O=Contoso Corporation",
            "issuer": "CN=Trusted Secure Certificate Authority 5, O=Corporation Service Company, L=Wilmington, S=DE, C=US",
            "thumb": "9F1C2B3A4D5E6F708192A3B4C5D6E7F8091A2B3C", "sans": ["*.domai.com", "conotso.com"]}
    log.session("2017-10-07T04:42:56.700Z", ehlo="hub01.domain.com", cert=cert, tls="fail",
                tls_error="UnknownCredentials")
    write("kb4051498-unknown-credentials", {
        "SEND20171007-1.LOG": log.text(),
        "Get-Queue.fl.txt": queue_fl('451 4.4.0 Primary target IP address responded with: "421 4.4.1 Connection timed '
                                     'out." Attempted failover to alternate host, but that did not succeed. Either '
                                     'there are no alternate hosts, or delivery failed to all alternate hosts.',
                                     next_hop="outbound to office 365"),
        "Get-ExchangeCertificate.fl.txt": format_list([
            exchange_cert("CN=*.domain.com, OU=Enterprise SSL Wildcard, OU=Contoso IT, O=Contoso Corporation",
                          issuer="CN=Trusted Secure Certificate Authority 5, O=Corporation Service Company, L=Wilmington, S=DE, C=US",
                          domains=["*.domain.com", "domain.com"], thumb="9F1C2B3A4D5E6F708192A3B4C5D6E7F8091A2B3C",
                          not_before="9/1/2017 12:00:00 AM", not_after="9/1/2019 11:59:59 PM", services="IIS"),
            exchange_cert("CN=HUB01", issuer="CN=HUB01", domains=["HUB01", "hub01.domain.com"], root="Registry",
                          thumb="5A6B7C8D9E0F1A2B3C4D5E6F7A8B9C0D1E2F3A4B", not_before="1/5/2016 10:00:00 AM",
                          not_after="1/5/2021 10:00:00 AM", services="IMAP, POP, SMTP", self_signed=True)]),
    }, {
        "title": "Queue 451 4.4.0 / 421 4.4.1: third-party certificate not enabled for SMTP",
        "sources": [{"url": "https://support.microsoft.com/en-us/help/4051498",
                     "title": "Outbound email messages are not sent on the Exchange Hub Transport or Edge server (KB 4051498)"}],
        "summary": "Queue shows 451 4.4.0 ... 421 4.4.1 Connection timed out; the send log shows TLS negotiation failed "
                   "with error UnknownCredentials. The third-party certificate is not bound to SMTP; fix with "
                   "Enable-ExchangeCertificate -Services ...,SMTP (answer N to replacing the default).",
        "reconstruction": "KB log lines (typos kept) with endpoints filled; queue and certificate list added.",
        "now": "2017-10-07T06:00:00Z",
        "expect": {"cause": "certificate-not-bound-to-smtp", "code": "tls-negotiation-failed"},
    })


def therealcontoso_unknown_credentials() -> None:
    log = SendLog("2017-10-19T00:00:00.000Z", version="15.00.1320.004")
    cert = {"subject": "CN=mail.fabrikam.com", "issuer": "CN=Go Daddy Secure Certificate Authority - G2, O=GoDaddy.com, C=US",
            "thumb": "2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E", "sans": ["mail.fabrikam.com", "autodiscover.fabrikam.com"]}
    for start in ("2017-10-19T13:02:00.000Z", "2017-10-19T13:12:00.000Z"):
        log.session(start, ehlo="exch13.fabrikam.com", cert=cert, tls="fail", tls_error="UnknownCredentials",
                    connector="Outbound to Office 365")
    write("therealcontoso-unknown-credentials-hybrid", {
        "SEND20171019-1.LOG": log.text(),
        "queue-retry.txt": 'Error:"451 4.4.0 Primary target IP address responded with: "421 4.2.1 Unable to connect." '
                           'Attempted failover to alternate host, but that did not succeed. Either there are no '
                           'alternate hosts, or delivery failed to all alternate hosts."\r\n',
        "telnet-test.txt": "telnet fabrikam-com.mail.protection.outlook.com 25\r\n220 BN8NAM11FT062.mail.protection."
                           "outlook.com Microsoft ESMTP MAIL Service ready\r\n",
    }, {
        "title": "Hybrid on-prem to EXO stuck in queue after hybridisation (UnknownCredentials)",
        "sources": [{"url": "https://www.therealcontoso.com/blog/2017/10/19/tls-negotiation-failed-with-error-unknowncredentials",
                     "title": "TLS negotiation failed with error UnknownCredentials"}],
        "summary": "After configuring hybrid on Exchange 2013 CU17, mail from on-premises to Exchange Online sat in the "
                   "queue with 451 4.4.0 / 421 4.2.1 Unable to connect; verbose send logging showed TLS negotiation failed "
                   "with error UnknownCredentials: the hybrid certificate was not usable for SMTP; enabling it for SMTP fixed it.",
        "reconstruction": "Retried sessions and the queue error the blog quotes; telnet test as a distractor.",
        "now": "2017-10-19T14:00:00Z",
        "expect": {"cause": "certificate-not-bound-to-smtp", "code": "tls-negotiation-failed"},
    })


def supertekboy_nocredentials() -> None:
    log = SendLog("2017-02-28T00:00:00.000Z", version="15.01.0845.034")
    log.session("2017-02-28T15:20:00.000Z", ehlo="ex16-02.contoso.com", cert=None, tls="fail", tls_error="NoCredentials",
                egress="203.0.113.26", local="10.20.0.16")
    write("supertekboy-nocredentials-one-server", {
        "EX16-02/SEND20170228-1.LOG": log.text(),
        "Get-Queue.fl.txt": queue_fl('451 4.4.0 Primary target IP address responded with: "421 4.2.1 Unable to '
                                     'connect." Attempted failover to alternate host, but that did not succeed. Either '
                                     'there are no alternate hosts, or deliver failed to all alternate hosts.',
                                     identity="EX16-02\\5", next_hop="outbound to office 365"),
        "Get-SendConnector.fl.txt": format_list([send_connector(
            "Outbound to Office 365", tls_cert_name="<I>CN=DigiCert SHA2 Secure Server CA, O=DigiCert Inc, C=US<S>CN=mail.contoso.com",
            servers=["EX16-01", "EX16-02"], address_spaces=["smtp:contoso.mail.onmicrosoft.com;1"])]),
    }, {
        "title": "One of two servers cannot start TLS to Office 365: NoCredentials",
        "sources": [{"url": "https://supertekboy.com/2017/02/28/tls-negotiation-failed-with-error-nocredentials/",
                     "title": "TLS negotiation failed with error NoCredentials"},
                    {"url": "https://learn.microsoft.com/pt-br/archive/blogs/lalitbisht/mailflow-issue-from-exchange-on-prem-to-office-365",
                     "title": "Mailflow issue from Exchange On-Prem to Office 365 (archived Microsoft blog)"}],
        "summary": "Only one Exchange 2016 server could not send over hybrid mail flow; its queue held 451 4.4.0 / 421 4.2.1 "
                   "and the send log showed TLS negotiation failed with error NoCredentials: that server had no usable "
                   "SMTP certificate (the third-party certificate assigned to SMTP on the other server).",
        "reconstruction": "Send log of the failing server in a per-server folder, queue, send connector listing both "
                          "servers. The exact fix is paraphrased from the blog and the archived Microsoft post.",
        "now": "2017-02-28T16:00:00Z",
        "expect": {"cause": "certificate-not-bound-to-smtp", "code": "tls-negotiation-failed"},
    })


def lalitbisht_454_475() -> None:
    write("lalitbisht-454-4.7.5-renewed-not-updated", {
        "Get-Queue.fl.txt": queue_fl("454 4.7.5 The certificate specified in TlsCertificateName of the SendConnector "
                                     "could not be found."),
        "Get-SendConnector.fl.txt": format_list([send_connector(
            "Outbound to Office 365 - 4b7e1f02", tls_cert_name="<I>CN=Tailspin Trust RSA TLS CA G1, O=Tailspin Trust "
            "Services, C=US<S>CN=mail.contoso.com", address_spaces=["smtp:contoso.mail.onmicrosoft.com;1"])]),
        "Get-ExchangeCertificate.fl.txt": format_list([
            exchange_cert("CN=mail.contoso.com", issuer="CN=Tailspin Trust RSA TLS CA G2, O=Tailspin Trust Services, C=US",
                          domains=["mail.contoso.com", "autodiscover.contoso.com"],
                          thumb="121A013FD6789E1E09F2493A26AD9213BF5B07C7", not_before="1/9/2024 12:00:00 AM",
                          not_after="1/28/2025 11:59:59 PM"),
            exchange_cert("CN=Microsoft Exchange Server Auth Certificate", issuer="CN=Microsoft Exchange Server Auth Certificate",
                          domains=[], thumb="A81F8D9C5F5FB9A4E018F5F3249224C5EAE525D4", not_before="5/10/2021 10:05:48 AM",
                          not_after="4/14/2026 10:05:48 AM", services="SMTP", root="None", self_signed=True)]),
    }, {
        "title": "454 4.7.5: certificate renewed by a new intermediate, send connector still names the old issuer",
        "sources": [{"url": "https://learn.microsoft.com/pt-br/archive/blogs/lalitbisht/mailflow-issue-from-exchange-on-prem-to-office-365",
                     "title": "Mailflow issue from Exchange On-Prem to Office 365 (archived Microsoft blog)"}],
        "summary": "The third-party SMTP certificate was changed but the TlsCertificateName of the Office 365 send connector "
                   "was not updated; the queue shows 454 4.7.5. Fix: rebuild <I>issuer<S>subject from the new certificate "
                   "and Set-SendConnector -TlsCertificateName.",
        "reconstruction": "Queue, send connector (old issuer G1) and certificate list (new issuer G2).",
        "now": "2024-03-01T09:00:00Z",
        "expect": {"cause": "send-connector-certificate-not-found", "code": "4.7.5"},
    })


def kb2888788_certificates(country: str = "US") -> list[dict]:
    """KB 2888788: two certificates for the server's name serve SMTP, one from an internal root CA."""
    return [
        exchange_cert("CN=exchange.contoso.com", issuer="CN=Contoso-Internal-Root-CA, DC=contoso, DC=com",
                      domains=["exchange.contoso.com"], thumb="7C8D9E0F1A2B3C4D5E6F708192A3B4C5D6E7F809",
                      not_before="2/1/2014 9:00:00 AM", not_after="2/1/2016 9:00:00 AM", services="IIS, SMTP",
                      root="Enterprise"),
        exchange_cert(f"CN=exchange.contoso.com, O=Contoso Ltd, C={country}", issuer="CN=Tailspin Trust RSA TLS CA G2, "
                      "O=Tailspin Trust Services, C=US", domains=["exchange.contoso.com", "autodiscover.contoso.com"],
                      thumb="3E4F5A6B7C8D9E0F1A2B3C4D5E6F708192A3B4C5", not_before="1/15/2014 12:00:00 AM",
                      not_after="1/15/2016 11:59:59 PM", services="IIS, SMTP")]


def kb2888788_454_470() -> None:
    event = ("Log Name:      Application\r\nSource:        MSExchangeTransport\r\nDate:          3/4/2014 10:12:31 AM\r\n"
             "Event ID:      2004\r\nTask Category: SmtpSend\r\nLevel:         Information\r\nKeywords:      Classic\r\n"
             "User:          N/A\r\nComputer:      exchange.contoso.com\r\nDescription:\r\nSend connector Outbound to Office "
             "365: Message delivery failed. Message with message ID <MessageID> received SMTP response: 454 4.7.0 Failed "
             "to establish appropriate TLS channel: UntrustedRoot: Access Denied.\r\n")
    write("kb2888788-454-4.7.0-untrusted-root", {
        "Application-event-2004.txt": event,
        "Get-Queue.fl.txt": queue_fl("454 4.7.0 Failed to establish appropriate TLS channel: UntrustedRoot: Access Denied",
                                     identity="EXCHANGE\\7"),
        "Get-ExchangeCertificate.fl.txt": format_list(kb2888788_certificates()),
    }, {
        "title": "Event 2004: 454 4.7.0 Failed to establish appropriate TLS channel: UntrustedRoot",
        "sources": [{"url": "https://docs.microsoft.com/tr-tr/exchange/troubleshoot/email-delivery/mail-flow-stops-event-2004",
                     "title": "Mail flow to Exchange Online stops and event ID 2004 on the hybrid transport server (KB 2888788)"}],
        "summary": "Mail flow to Exchange Online stops; event 2004 says 454 4.7.0 Failed to establish appropriate TLS channel: "
                   "UntrustedRoot: Access Denied. Two certificates matching the server name are enabled for SMTP, one from "
                   "an untrusted (internal) CA, and Exchange picked it. Fix: remove SMTP from the internal-CA certificate.",
        "reconstruction": "Event text as Event Viewer copies it (English; the cited copy is Turkish), the queue error, and "
                          "both certificates as Get-ExchangeCertificate shows them.",
        "now": "2014-03-04T11:00:00Z",
        "expect": {"cause": "tls-channel-untrusted-certificate", "code": "4.7.0-tls-channel"},
    })


def kb2827473_541() -> None:
    write("kb2827473-5.4.1-no-inbound-connector", {
        "NDR.txt": ("Delivery has failed to these recipients or groups:\r\n\r\nbuyer@fabrikam.com\r\n\r\n"
                    "Diagnostic information for administrators:\r\n\r\nGenerating server: EXCH01.corp.contoso.com\r\n\r\n"
                    "buyer@fabrikam.com\r\ncontoso-com.mail.protection.outlook.com #550 5.4.1 Relay Access Denied ##\r\n\r\n"
                    "Original message headers:\r\n\r\nReceived: from EXCH01.corp.contoso.com (10.20.0.15)\r\n"),
        "Get-InboundConnector.fl.txt": format_list([inbound("Fax service", ctype="Partner", ips=["192.0.2.60"])]),
        "Get-SendConnector.fl.txt": format_list([send_connector("Internet via EOP")]),
        "Get-AcceptedDomain.txt": accepted_table([("contoso.com", "Authoritative", True)]),
    }, {
        "title": "#550 5.4.1 Relay Access Denied routing on-premises mail through EOP with no inbound connector",
        "sources": [{"url": "http://support.microsoft.com/kb/2827473/EN-US",
                     "title": "Relay Access Denied NDR when you send mail from on-premises Exchange through EOP (KB 2827473)"}],
        "summary": "Sending from on-premises to external recipients through EOP returns #550 5.4.1 Relay Access Denied. Case 1: "
                   "the on-premises send connector is not pointed at the EOP MX; Case 2: the EOP inbound connector was not "
                   "created, is wrong or disabled. Here the send connector is right and the tenant has only a Partner connector.",
        "reconstruction": "Exchange 2010-style NDR, send connector pointing at the EOP MX, a Partner connector for a fax service.",
        "now": "2014-05-02T10:00:00Z",
        "expect": {"cause": "connector-missing", "code": "5.4.1-relay-denied"},
    })


def kb2603474_hop_count() -> None:
    write("kb2603474-5.4.6-hop-count-domain-not-accepted", {
        "NDR.txt": ("Delivery has failed to these recipients or groups:\r\n\r\nsales@adatum.com\r\n\r\n"
                    "Diagnostic information for administrators:\r\n\r\nGenerating server: BY2PR04MB123.namprd04.prod.outlook.com\r\n\r\n"
                    "sales@adatum.com\r\nadatum-com.mail.protection.outlook.com\r\n"
                    "Remote Server returned '554 5.4.6 Hop count exceeded - possible mail loop ATTR1'\r\n\r\n"
                    "Original message headers:\r\n\r\nReceived: from BY2PR04MB123.namprd04.prod.outlook.com\r\n"),
        "Get-AcceptedDomain.txt": accepted_table([("adatum.onmicrosoft.com", "Authoritative", True)]),
        "Get-MgDomain.json": json.dumps([{"Id": "adatum.onmicrosoft.com", "IsVerified": True, "IsDefault": True,
                                          "IsInitial": True, "AuthenticationType": "Managed"},
                                         {"Id": "adatum.com", "IsVerified": False, "IsDefault": False,
                                          "IsInitial": False, "AuthenticationType": "Managed"}], indent=2),
    }, {
        "title": "Hop count exceeded (ATTR1 loop): the domain is not an accepted (verified) domain",
        "sources": [{"url": "https://mskb.pkisolutions.com/kb/2603474",
                     "title": "Relay Access Denied or Hop Count Exceeded NDR when users send mail to Office 365 users (KB 2603474)"}],
        "summary": "Office 365 users get 5.4.6 Hop count exceeded - possible mail loop (external senders get Relay access "
                   "denied) when the domain is not added/verified as an accepted domain, is still propagating, or is "
                   "outbound-only. Fix: make sure the domain is Verified and accepted.",
        "reconstruction": "EXO NDR with the ATTR1 token as the loop reply shows in newer tenants, accepted domains without "
                          "adatum.com, Graph export showing it unverified.",
        "now": "2024-01-10T10:00:00Z",
        "expect": {"cause": "recipient-domain-not-accepted", "code": "5.4.6"},
    })


def qa304252_intermittent() -> None:
    ndr = ("Delivery has failed to these recipients or groups:\r\n\r\njohn@fabrikam.com\r\nYour message wasn't delivered "
           "because the recipient's e-mail provider rejected it.\r\n\r\nThe following organization rejected your message: "
           "AM5EUR02FT025.mail.protection.outlook.com.\r\n\r\nDiagnostic information for administrators:\r\n\r\n"
           "Generating server: ServerName.MyDomain.com\r\n\r\njohn@fabrikam.com\r\nAM5EUR02FT025.mail.protection.outlook.com "
           "#550 5.7.64 TenantAttribution; Relay Access Denied [AM5EUR02FT025.eop-EUR02.prod.protection.outlook.com] ##\r\n\r\n"
           "Original message headers:\r\n\r\nReceived: from ServerName.MyDomain.com ([fe80::1]) by ServerName.MyDomain.com\r\n")
    write("qa304252-exchange2010-intermittent", {
        "NDR-intermittent.txt": ndr,
        "Get-InboundConnector.fl.txt": format_list([inbound("Exchange 2010 on-prem", cert="mail.mydomain.com")]),
        "notes.md": "# EOP relay\r\nSome messages go out, some bounce with 5.7.64. Same server, same connector.\r\n",
    }, {
        "title": "Exchange 2010 through EOP: some external mail fails with 5.7.64, some goes out",
        "sources": [{"url": "https://learn.microsoft.com/en-us/answers/questions/304252/exchange-2010-eop-failing-to-deliver-external-emai",
                     "title": "Exchange 2010 & EOP Failing to deliver External Emails (Microsoft Q&A)"}],
        "summary": "Intermittent 5.7.64 from an Exchange 2010 server relaying through EOP with a certificate connector; the "
                   "thread ended with the poster switching the connector to the real public IP range, which stopped the "
                   "errors. Why the certificate attribution was intermittent was never established.",
        "reconstruction": "The Exchange 2010 NDR quoted in the thread and the certificate connector; no send log was posted.",
        "now": "2021-03-05T10:00:00Z",
        "expect": {"undecidable": True,
                   "question": "Which certificate does each send present (send logs of every source server), or the egress IP?"},
    })


def qa2276469_iis() -> None:
    iis = ("#Software: Microsoft Internet Information Services 10.0\r\n#Version: 1.0\r\n#Date: 2025-05-19 07:00:01\r\n"
           "#Fields: date time c-ip cs-username s-sitename s-computername s-ip s-port cs-method cs-uri-stem cs-uri-query "
           "sc-status sc-win32-status sc-bytes cs-bytes time-taken cs-version cs-host cs(User-Agent) cs(Cookie) cs(Referer)\r\n")
    rows = [
        "2025-05-19 07:12:01 52.101.68.24 OutboundConnectionResponse SMTPSVC1 APP01 - 25 - - "
        "220+AM6EUR05FT047.mail.protection.outlook.com+Microsoft+ESMTP+MAIL+Service+ready 0 0 60 0 0 SMTP - - - -",
        "2025-05-19 07:12:01 52.101.68.24 OutboundConnectionCommand SMTPSVC1 APP01 - 25 EHLO - app01.contoso.com 0 0 4 0 0 SMTP - - - -",
        "2025-05-19 07:12:01 52.101.68.24 OutboundConnectionCommand SMTPSVC1 APP01 - 25 STARTTLS - - 0 0 8 0 0 SMTP - - - -",
        "2025-05-19 07:12:02 52.101.68.24 OutboundConnectionCommand SMTPSVC1 APP01 - 25 MAIL - FROM:<noreply@contoso.com> 0 0 4 0 0 SMTP - - - -",
        "2025-05-19 07:12:02 52.101.68.24 OutboundConnectionCommand SMTPSVC1 APP01 - 25 RCPT - TO:<client@fabrikam.com> 0 0 4 0 0 SMTP - - - -",
        "2025-05-19 07:12:02 52.101.68.24 OutboundConnectionResponse SMTPSVC1 APP01 - 25 - - "
        "550+5.7.64+TenantAttribution;+Relay+Access+Denied+[AM6EUR05FT047.eop-EUR05.prod.protection.outlook.com] 0 0 95 0 0 SMTP - - - -",
        "2025-05-19 07:40:11 52.101.68.24 OutboundConnectionResponse SMTPSVC1 APP01 - 25 - - 250+2.6.0+Queued+mail+for+delivery 0 0 35 0 0 SMTP - - - -",
    ]
    write("qa2276469-iis-smtp-intermittent-certificate", {
        "ex250519.log": iis + "\r\n".join(rows) + "\r\n",
        "Get-InboundConnector.json": to_json([inbound("IIS relay", cert="app01.contoso.com")]),
        "poster-notes.txt": "capi2 says localservername is untrustedroot ... but only sometimes\r\n",
    }, {
        "title": "IIS SMTP relay to Exchange Online: 5.7.64 sometimes, 'untrustedroot' for the local server name",
        "sources": [{"url": "https://learn.microsoft.com/en-us/answers/questions/2276469/smtp-send-to-exchange-online-with-inbound-connecto",
                     "title": "SMTP send to Exchange Online with Inbound Connector - strange issue (Microsoft Q&A)"}],
        "summary": "An IIS SMTP relay sends to EXO through a certificate connector; some sends fail with 5.7.64 and the poster "
                   "saw 'untrustedroot' for the local server name. Community replies suspected IIS picks a different "
                   "(auto-enrolled) machine certificate; no confirmed resolution was posted.",
        "reconstruction": "IIS W3C log lines in the shape of the thread's quote; connector as JSON; the poster's note.",
        "now": "2025-05-19T08:00:00Z",
        "expect": {"undecidable": True,
                   "question": "Which certificate does IIS SMTP present (export it with its chain), and is its chain complete?"},
    })


def qa165982_554() -> None:
    write("qa165982-5.7.54-custom-receive-connector", {
        "NDR.txt": ("Delivery has failed to these recipients or groups:\r\n\r\nvendor@fabrikam.com\r\n\r\n"
                    "Diagnostic information for administrators:\r\n\r\nGenerating server: EX2019.corp.contoso.com\r\n\r\n"
                    "vendor@fabrikam.com\r\nRemote Server returned '550 5.7.54 SMTP; Unable to relay recipient in "
                    "non-accepted domain'\r\n\r\nOriginal message headers:\r\n\r\nReceived: from app02 (10.20.5.40)\r\n"),
        "Get-ReceiveConnector.fl.txt": format_list([{
            "Identity": "EX2019\\App relay", "Name": "App relay", "Enabled": True, "Bindings": ["0.0.0.0:25"],
            "RemoteIPRanges": ["10.20.5.40"], "PermissionGroups": "AnonymousUsers", "AuthMechanism": "Tls",
            "TransportRole": "FrontendTransport"}]),
    }, {
        "title": "5.7.54 from a custom on-premises receive connector: the app never reached Exchange Online",
        "sources": [{"url": "https://learn.microsoft.com/en-us/answers/questions/165982/custom-receive-connector-on-exchange-2019-not-work",
                     "title": "Custom receive connector on Exchange 2019 not working (Microsoft Q&A)"},
                    {"url": "https://learn.microsoft.com/en-us/exchange/mail-flow/connectors/allow-anonymous-relay",
                     "title": "Allow anonymous relay on Exchange servers"}],
        "summary": "An application relaying through a custom Exchange 2019 receive connector gets 550 5.7.54 Unable to relay "
                   "recipient in non-accepted domain, generated on-premises. The anonymous relay connector lacked the "
                   "Ms-Exch-SMTP-Accept-Any-Recipient permission; fix per 'Allow anonymous relay on Exchange servers'.",
        "reconstruction": "Exchange 2019 NDR and the receive connector's Format-List.",
        "now": "2020-11-18T10:00:00Z",
        "expect": {"cause": "onprem-relay-denied", "code": "5.7.54"},
    })


def a6n_4230() -> None:
    write("a6n-4.7.230-outdated-exchange-throttled", {
        "Get-Queue.fl.txt": queue_fl("450 4.7.230 Connecting Exchange server version is out-of-date; connection to "
                                     "Exchange Online throttled for 15 mins/hr. For more information see "
                                     "https://aka.ms/BlockUnsafeExchange.", identity="EXCH2016\\31", status="Retry"),
        "Get-ExchangeServer.txt": "Name      Edition    AdminDisplayVersion\r\n----      -------    -------------------\r\n"
                                  "EXCH2016  Standard   Version 15.1 (Build 2507.6)\r\n",
    }, {
        "title": "Messages sit in the queue: 4.7.230 out-of-date Exchange throttled",
        "sources": [{"url": "https://www.a6n.co.uk/2024/05/older-exchange-and-throttling-with-exo.html",
                     "title": "OnPrem Exchange and throttling with EXO"},
                    {"url": "https://techcommunity.microsoft.com/t5/exchange-team-blog/how-to-pause-throttling-and-blocking-of-out-of-date-on-premises/ba-p/4007169",
                     "title": "How to pause throttling and blocking of out-of-date on-premises Exchange Servers"}],
        "summary": "Messages queued as Active but not sent; the status was 4.7.230 Connecting Exchange server version is "
                   "out-of-date. Get-OnPremServerReportInfo listed one Exchange 2016 server below the required build; fix "
                   "by patching (New-TenantExemptionInfo pauses enforcement up to 90 days).",
        "reconstruction": "Queue Format-List and a Get-ExchangeServer table.",
        "now": "2024-05-10T10:00:00Z",
        "expect": {"cause": "exchange-server-outdated", "code": "4.7.230",
                   "fix_mentions": ["update", "Exchange"]},
    })


def icewolf_5230() -> None:
    log = SendLog("2024-02-21T00:00:00.000Z", version="15.00.1497.048")
    log.session("2024-02-21T09:10:00.000Z", cert=OLD_CERT, ehlo="ex2013.contoso.com",
                rcpts=[("partner@fabrikam.com", "550 5.7.230 Connecting Exchange server version is out-of-date; "
                        "connection to Exchange Online blocked for 10 mins/hr. For more information see "
                        "https://aka.ms/BlockUnsafeExchange. [AM6EUR05FT047.eop-EUR05.prod.protection.outlook.com]")])
    write("icewolf-5.7.230-exchange2013-blocked", {"SEND20240221-1.LOG": log.text()}, {
        "title": "Exchange 2013 blocked by Exchange Online (5.7.230)",
        "sources": [{"url": "https://blog.icewolf.ch/archive/2024/02/21/throttling-and-blocking-of-out-of-date-on-premises-Exchange-Servers",
                     "title": "throttling and blocking of out-of-date on-premises Exchange Servers"}],
        "summary": "From February 2024 Exchange 2013 (out of support) is blocked with 550 5.7.230; the lasting fix is to move "
                   "off the out-of-date server; an enforcement pause buys time.",
        "reconstruction": "A send log session from an Exchange 2013 build rejected with the blocking reply.",
        "now": "2024-02-21T10:00:00Z",
        "expect": {"cause": "exchange-server-outdated", "code": "4.7.230"},
    })


def _app_case(case: str, log_name: str, log: str, meta: dict, extra: dict | None = None) -> None:
    files = {log_name: log}
    files.update(extra or {})
    write(case, files, meta)


def auth_cases() -> None:
    _app_case("oauth2proxy-193-smtp-auth-disabled-tenant", "emailproxy.log",
              "2023-09-12 20:59:56,911: SMTP (127.0.0.1:1587; smtp.office365.com:587) --> b'AUTH PLAIN ***'\n"
              "2023-09-12 20:59:57,214: SMTP (127.0.0.1:1587; smtp.office365.com:587) <-- b'535 5.7.139 Authentication "
              "unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled "
              "for more information. [MN2PR05CA0004.namprd05.prod.outlook.com 2023-09-12T20:59:57.214Z 08DBB276B7E699C4]'\n",
              {"title": "535 5.7.139 SmtpClientAuthentication is disabled for the Tenant (OAuth proxy)",
               "sources": [{"url": "https://github.com/simonrob/email-oauth2-proxy/issues/193",
                            "title": "SmtpClientAuthentication is disabled for the Tenant"}],
               "summary": "Sending to smtp.office365.com fails with 535 5.7.139 ... SmtpClientAuthentication is disabled for "
                          "the Tenant; the maintainer points to enabling authenticated SMTP (per mailbox or tenant).",
               "reconstruction": "Proxy debug lines around the quoted reply.",
               "now": "2023-09-13T09:00:00Z",
               "expect": {"cause": "smtp-auth-disabled", "code": "5.7.57"}})
    _app_case("nodemailer-1484-smtp-auth-disabled", "app-debug.log",
              "[2022-11-16 11:57:21] DEBUG [lHr1v5x3A] S: 334 UGFzc3dvcmQ6\n[2022-11-16 11:57:21] DEBUG [lHr1v5x3A] C: "
              "/* secret */\n[2022-11-16 11:57:26] DEBUG [lHr1v5x3A] S: 535 5.7.139 Authentication unsuccessful, "
              "SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more "
              "information. [TY1PR01CA0183.jpnprd01.prod.outlook.com]\n[2022-11-16 11:57:26] INFO  [lHr1v5x3A] User "
              "\"myuser@mydomain\" failed to authenticate\n[2022-11-16 11:57:26] ERROR Send Error: Invalid login: 535 5.7.139 "
              "Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.\n",
              {"title": "nodemailer: AUTH LOGIN refused, SMTP AUTH disabled for the tenant",
               "sources": [{"url": "https://github.com/nodemailer/nodemailer/issues/1484",
                            "title": "Office365 SMTP requested AUTH LOGIN OAUTH2 AND SMTP LOGIN was Authentication unsuccessful"}],
               "summary": "Both AUTH LOGIN and OAUTH2 attempts end with 535 5.7.139 SmtpClientAuthentication is disabled for "
                          "the Tenant; the setting has to be enabled for the mailbox (or tenant).",
               "reconstruction": "nodemailer debug output as quoted in the issue (password lines elided).",
               "now": "2022-11-17T09:00:00Z",
               "expect": {"cause": "smtp-auth-disabled", "code": "5.7.57"}})
    _app_case("officedocs-3124-5.7.57-with-5.7.139", "exception.txt",
              "System.Net.Mail.SmtpException: The SMTP server requires a secure connection or the client was not "
              "authenticated. The server response was: 5.7.57 Client not authenticated to send mail. Error: 535 5.7.139 "
              "Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit "
              "https://aka.ms/smtp_auth_disabled for more information.\r\n   at System.Net.Mail.SendMailAsyncResult.End\r\n",
              {"title": "SmtpException 5.7.57 whose inner error names SMTP AUTH disabled for the tenant",
               "sources": [{"url": "https://github.com/MicrosoftDocs/OfficeDocs-Exchange/issues/3124",
                            "title": "An exception occurred when sending mail using SMTP server"}],
               "summary": "A service account sending through SMTP gets 5.7.57 Client not authenticated with the inner error "
                          "535 5.7.139 SmtpClientAuthentication is disabled for the Tenant: the specific cause is the tenant "
                          "setting, not the endpoint choice.",
               "reconstruction": "The .NET exception text from the issue.",
               "now": "2022-05-14T09:00:00Z",
               "expect": {"cause": "smtp-auth-disabled", "code": "5.7.57"}})
    _app_case("mailr-107-basic-auth-disabled", "R-console.txt",
              "DEBUG SMTP: AUTH LOGIN failed\njavax.mail.AuthenticationFailedException: 535 5.7.139 Authentication "
              "unsuccessful, basic authentication is disabled. [BM1P287CA0015.INDP287.PROD.OUTLOOK.COM]\n\n\tat "
              "java.mail/com.sun.mail.smtp.SMTPTransport$Authenticator.authenticate(SMTPTransport.java:965)\n",
              {"title": "535 5.7.139 basic authentication is disabled (JavaMail from R)",
               "sources": [{"url": "https://github.com/rpremraj/mailR/issues/107",
                            "title": "AuthenticationFailedException: 535 5.7.139 Authentication unsuccessful, basic authentication is disabled."},
                           {"url": "https://github.com/lukevella/rallly/issues/3154", "title": "Email Advanced Auth"}],
               "summary": "AUTH LOGIN to Office 365 fails with 535 5.7.139 basic authentication is disabled; as the Rallly "
                          "maintainer notes for the same reply, SMTP AUTH with basic credentials must be enabled for the "
                          "mailbox (if the tenant still allows it) or OAuth used; app passwords take the same path.",
               "reconstruction": "JavaMail debug and stack trace as in the issue.",
               "now": "2022-08-31T09:00:00Z",
               "expect": {"cause": "smtp-auth-disabled", "code": "5.7.57"}})
    _app_case("sasl-xoauth2-96-null-sender-without-auth", "maillog",
              "Oct 24 09:08:11 PostfixDev01 postfix/qmgr[1187]: 4B1F2C0A12: from=<>, size=2850, nrcpt=1 (queue active)\n"
              "Oct 24 09:08:11 PostfixDev01 postfix/smtp[69929]: smtp_sasl_passwd_lookup: no auth info found (sender=`', "
              "host=`smtp.office365.com')\nOct 24 09:08:11 PostfixDev01 postfix/smtp[69929]: > smtp.office365.com"
              "[52.98.152.194]:587: MAIL FROM:<> SIZE=2850 BODY=8BITMIME\nOct 24 09:08:11 PostfixDev01 postfix/smtp[69929]: "
              "> smtp.office365.com[52.98.152.194]:587: RCPT TO:<dan@comp.example> ORCPT=rfc822;dan@comp.example\n"
              "Oct 24 09:08:15 PostfixDev01 postfix/smtp[69929]: < smtp.office365.com[52.98.152.194]:587: 530 5.7.57 Client "
              "not authenticated to send mail. [US22278CA0034.US7P278.PROD.OUTLOOK.COM 2024-10-24T07:08:15.321Z "
              "08DCF3F6C9C2B6A1]\nOct 24 09:08:15 PostfixDev01 postfix/smtp[69929]: 4B1F2C0A12: to=<dan@comp.example>, "
              "relay=smtp.office365.com[52.98.152.194]:587, delay=4.2, status=bounced (host smtp.office365.com said: 530 "
              "5.7.57 Client not authenticated to send mail.)\nOct 24 09:02:39 PostfixDev01 postfix/qmgr[1187]: 0C2D1E3F45: "
              "from=<alerts@comp.example>, size=1422, nrcpt=1 (queue active)\nOct 24 09:02:40 PostfixDev01 postfix/smtp[69901]: 0C2D1E3F45: "
              "to=<ops@comp.example>, relay=smtp.office365.com[52.98.152.194]:587, delay=1.1, status=sent (250 2.0.0 OK "
              "<a1b2@PostfixDev01>)\n",
              {"title": "Postfix with sasl-xoauth2: bounces (MAIL FROM:<>) are sent without AUTH and get 530 5.7.57",
               "sources": [{"url": "https://github.com/tarickb/sasl-xoauth2/issues/96",
                            "title": "smtp_sasl_passwd_lookup: no auth info found"}],
               "summary": "Normal mail relays through smtp.office365.com with XOAUTH2, but Postfix finds no credentials for the "
                          "null sender (sender=`') of a bounce, sends MAIL FROM:<> unauthenticated and gets 530 5.7.57. The "
                          "fix is a credential for every sender (smtp_sasl_password_maps default entry / sender-dependent "
                          "maps) or rewriting the bounce sender.",
               "reconstruction": "Postfix verbose lines quoted in the issue, the qmgr lines Postfix writes for both "
                          "messages (from=<> for the bounce), one delivered message for contrast, main.cf.",
               "now": "2024-10-24T10:00:00Z",
               "expect": {"cause": "smtp-auth-not-used-for-some-messages", "code": "5.7.57"}},
              {"main.cf": "relayhost = [smtp.office365.com]:587\nsmtp_sasl_auth_enable = yes\nsmtp_sasl_mechanism_filter "
                          "= xoauth2\nsmtp_sender_dependent_authentication = yes\nsmtp_sasl_password_maps = "
                          "hash:/etc/postfix/sasl_passwd\nsmtp_tls_security_level = encrypt\n"})
    _app_case("oauth2proxy-315-530-5.7.57-claws", "claws-network.log",
              "[2025-01-05 16:47:58] SMTP< 220 YQBPR0101CA0294.outlook.office365.com Microsoft ESMTP MAIL Service ready\n"
              "[2025-01-05 16:47:58] ESMTP> EHLO localhost\n[2025-01-05 16:47:58] ESMTP< 250-AUTH LOGIN XOAUTH2\n"
              "[2025-01-05 16:47:58] ESMTP> AUTH PLAIN ********\n[2025-01-05 16:47:59] ESMTP< 235 2.7.0 Authentication successful\n"
              "[2025-01-05 16:47:59] SMTP> MAIL FROM:<enan@university.example>\n"
              "[2025-01-05 16:47:59] SMTP< 530 5.7.57 Client not authenticated to send mail\n",
              {"title": "Claws Mail via OAuth proxy: 530 5.7.57 although the client sends AUTH",
               "sources": [{"url": "https://github.com/simonrob/email-oauth2-proxy/issues/315",
                            "title": "SMTP< 530 5.7.57 Client not authenticated to send mail"}],
               "summary": "IMAP works through the proxy but SMTP gets 530 5.7.57; the maintainer guessed the client does not "
                          "send AUTH, the user showed an AUTH PLAIN exchange. The thread has no confirmed resolution.",
               "reconstruction": "The network log lines the user posted (shortened).",
               "now": "2025-01-06T09:00:00Z",
               "expect": {"undecidable": True,
                          "question": "Does the proxy authenticate the account that sends (proxy debug log), and is SMTP AUTH enabled for that mailbox?"}})
    _app_case("officedocs-1615-anonymous-during-mail-from", "app-error.txt",
              "System.Net.Mail.SmtpException: The SMTP server requires a secure connection or the client is not "
              "authenticated. The server response is: 5.7.57 SMTP; Client was not authenticated to send anonymous mail "
              "during MAIL FROM [HK2PR0401CA0011.apcprd04.prod.outlook.com]\r\n",
              {"title": "C# SmtpClient: 5.7.57 Client was not authenticated to send anonymous mail during MAIL FROM",
               "sources": [{"url": "https://github.com/MicrosoftDocs/OfficeDocs-Exchange/issues/1615",
                            "title": "Sending email using C# code with SmtpException error"}],
               "summary": "A C# application sends to smtp.office365.com without authenticating; the docs answer points to "
                          "the multifunction-device article: authenticate (client submission) or use a connector-based relay "
                          "to the MX endpoint.",
               "reconstruction": "The exception text from the issue.",
               "now": "2019-12-27T09:00:00Z",
               "expect": {"cause": "smtp-client-submission-used", "code": "5.7.57"}})
    _app_case("sendemail-49-535-5.7.3", "pipeline.log",
              "##[error]The SMTP server requires a secure connection or the client was not authenticated. The server "
              "response was: 5.7.57 Client not authenticated to send mail. Error: 535 5.7.3 Authentication unsuccessful "
              "[DB6P18901CA0015.EURP189.PROD.OUTLOOK.COM]\n",
              {"title": "Build pipeline mail task: 535 5.7.3 Authentication unsuccessful",
               "sources": [{"url": "https://github.com/renevanosnabrugge/SendEmail-BuildTask/issues/49",
                            "title": "Authentication issue"},
                           {"url": "https://github.com/jstedfast/MailKit/issues/700",
                            "title": "535 5.7.3 Authentication unsuccessful when application is deployed"}],
               "summary": "A pipeline task authenticating to smtp.office365.com gets 535 5.7.3 Authentication unsuccessful. "
                          "One commenter fixed it by following an article that enables SMTP AUTH for the mailbox; the MailKit "
                          "thread with the same reply was about a deployment host. The reply alone does not say whether the "
                          "password, the per-mailbox SMTP AUTH switch, MFA or a sign-in policy refused it.",
               "reconstruction": "Pipeline error line as quoted.",
               "now": "2023-04-18T09:00:00Z",
               "expect": {"undecidable": True,
                          "question": "Is Authenticated SMTP enabled for the mailbox, and what does the Entra sign-in log say for this sign-in?"}})


def tls_and_misc_cases() -> None:
    _app_case("xojo-4.7.66-intermittent-legacy-tls", "webapp-mail.log",
              "2022-02-07 10:14:03 SMTPSecureSocket connect smtp.office365.com:587 STARTTLS (SSLConnectionType=TLSv12)\n"
              "2022-02-07 10:14:04 send ok\n2022-02-07 11:02:19 SMTPSecureSocket connect smtp.office365.com:587 STARTTLS\n"
              "2022-02-07 11:02:20 MailSendError: 421 4.7.66 TLS 1.0 and 1.1 are not supported. Please upgrade/update your "
              "client to support TLS 1.2. Visit https://aka.ms/smtp_auth_tls [LO2P265CA0123.GBRP265.PROD.OUTLOOK.COM]\n",
              {"title": "Some sends rejected with 421 4.7.66 although the socket is set to TLS 1.2",
               "sources": [{"url": "https://forum.xojo.com/t/smtpsecuresocket-not-using-tls-1-2/67463",
                            "title": "SMTPSecureSocket not using TLS 1.2?"},
                           {"url": "https://techcommunity.microsoft.com/blog/exchange/new-opt-in-endpoint-available-for-smtp-auth-clients-still-needing-legacy-tls/2659652",
                            "title": "New opt-in endpoint available for SMTP AUTH clients still needing legacy TLS"}],
               "summary": "A web app's SMTP socket is configured for TLS 1.2, yet Office 365 occasionally rejects with 421 "
                          "4.7.66 TLS 1.0 and 1.1 are not supported: the client negotiated an old TLS version on those "
                          "connections (Microsoft was rejecting a share of legacy-TLS submissions).",
               "reconstruction": "App log lines around the quoted reply.",
               "now": "2022-02-07T12:00:00Z",
               "expect": {"cause": "client-legacy-tls", "code": "4.7.66"}})
    _app_case("cubesys-4.7.66-legacy-device", "mfp-job-log.csv",
              "Date,Time,Job,Destination,Result,Detail\r\n2022-03-01,08:12,Scan to Email,ap@contoso.com,NG,\"421 4.7.66 "
              "TLS 1.0 and 1.1 are not supported. Please upgrade/update your client to support TLS 1.2. Visit "
              "https://aka.ms/smtp_auth_tls\"\r\n2022-02-27,17:40,Scan to Email,ap@contoso.com,OK,\r\n",
              {"title": "Multifunction device scan-to-email refused with 421 4.7.66",
               "sources": [{"url": "https://www.cubesys.com.au/exchange-online-new-endpoint-for-smtp-auth-clients-still-using-tls-1-0-or-tls-1-1-act-before-2022/",
                            "title": "Exchange Online - New endpoint for SMTP AUTH clients still using TLS 1.0 or TLS 1.1"}],
               "summary": "Clients that cannot do TLS 1.2 and were not moved to smtp-legacy.office365.com (with "
                          "Set-TransportConfig -AllowLegacyTLSClients $true) get 421 4.7.66 since 2022; fix the firmware or use "
                          "the opt-in legacy endpoint.",
               "reconstruction": "A device job log exported as CSV.",
               "now": "2022-03-01T09:00:00Z",
               "expect": {"cause": "client-legacy-tls", "code": "4.7.66"}})
    _app_case("borncity-mfp-ssl-negotiation-failed", "device-status.txt",
              "Scanner: Transmission error\r\nCannot connect to SMTP server.\r\nSSL negotiation failed.\r\n"
              "Server: smtp.office365.com  Port: 587\r\n",
              {"title": "Ricoh/Xerox/Kyocera scan-to-email: SSL negotiation failed, no SMTP reply",
               "sources": [{"url": "http://kmeys.com/shuma/202502/141175.html",
                            "title": "Report (after borncity) on multifunction printers failing against Office 365 SMTP, Feb 2025"}],
               "summary": "Several printer brands suddenly failed to send scans to smtp.office365.com with 'SSL negotiation "
                          "failed'; technicians suspected TLS 1.2 cipher suites (RSA key exchange) being withdrawn. No SMTP "
                          "status code appears, and no Microsoft statement was cited.",
               "reconstruction": "Device status screen text.",
               "now": "2025-02-05T09:00:00Z",
               "ndr": ["Cannot connect to SMTP server. SSL negotiation failed."],
               "needs": ["free-text reader that recognises a TLS failure without an SMTP code (replies)"],
               "expect": {"undecidable": True,
                          "question": "Which TLS versions and cipher suites does the device offer (firmware), and what does a "
                                      "capture or the device log show at the handshake?",
                          "not_codes": ["4.7.66"]}})
    _app_case("mailkit-1265-5.7.1-not-authenticated-port25", "service.log",
              "2021-10-06 11:20:41 ERROR Mailer: MailKit.Net.Smtp.SmtpCommandException: 5.7.1 Client was not "
              "authenticated\r\n   at MailKit.Net.Smtp.SmtpClient.MailFrom\r\n",
              {"title": "On-premises relay on port 25: 5.7.1 Client was not authenticated from one app",
               "sources": [{"url": "https://github.com/jstedfast/MailKit/issues/1265",
                            "title": "5.7.1 Client was not authenticated error using Mailkit when connecting on port 25"}],
               "summary": "A telnet test through the on-premises Exchange relay works and dozens of apps use it, but one app "
                          "using MailKit gets 5.7.1 Client was not authenticated. No Exchange Online reply is involved; the "
                          "thread did not establish which receive connector the app reached.",
               "reconstruction": "The app's error line.",
               "now": "2021-10-07T09:00:00Z",
               "expect": {"undecidable": True,
                          "question": "Which receive connector accepted the app's connection (receive protocol log, source IP) "
                                      "and does it allow anonymous relay?",
                          "not_codes": ["5.7.64"]}})


def direct_send_and_tenant_cases() -> None:
    _app_case("salesforce-5.7.68-direct-send-disabled", "email-log.csv",
              "Date,From,To,Status,Detail\r\n2026-03-04 10:02,alerts@contoso.com,ops@contoso.com,Permanent failure,\"550 5.7.68 "
              "TenantInboundAttribution; Direct Send not allowed for this organization from unauthorized sources\"\r\n",
              {"title": "Salesforce mail to the company's own domain rejected with 5.7.68",
               "sources": [{"url": "https://help.salesforce.com/s/articleView?id=005133045&language=fi&type=1",
                            "title": "Emails from Salesforce are rejected when Direct Send is enabled/disabled in Office365"}],
               "summary": "Salesforce sends as the customer's own domain to recipients in the same Exchange Online tenant; with "
                          "Reject Direct Send enabled the tenant refuses it with 5.7.68. Fix in Microsoft 365 (partner "
                          "connector, or allow Direct Send).",
               "reconstruction": "Email log export line.",
               "now": "2026-03-05T09:00:00Z",
               "expect": {"cause": "direct-send-rejected", "code": "5.7.68"}})
    _app_case("zendesk-5.7.68-reject-direct-send", "delivery-log.txt",
              "Recipient server rejected email. Status code: 550\r\n550 5.7.68 TenantInboundAttribution; Direct Send not "
              "allowed for this organization from unauthorized sources\r\n",
              {"title": "Zendesk notifications to the company's own users rejected (Reject Direct Send)",
               "sources": [{"url": "https://support.zendesk.com/hc/en-us/articles/9646355655450-Error-code-550-due-to-Reject-Direct-Send-feature-in-Microsoft-Exchange",
                            "title": "Error code 550 due to Reject Direct Send feature in Microsoft Exchange"}],
               "summary": "With Reject Direct Send enabled, Zendesk mail as the company's domain is refused with 5.7.68; "
                          "authorise the sender (connector, transport rule exemption) or keep Direct Send allowed.",
               "reconstruction": "Delivery log text.",
               "now": "2025-09-01T09:00:00Z",
               "expect": {"cause": "direct-send-rejected", "code": "5.7.68"}})
    write("techcommunity-5.7.68-locked-connectors", {
        "bounce.txt": "Diagnostic-Code: smtp;550 5.7.68 TenantInboundAttribution; Direct Send not allowed for this "
                      "organization from unauthorized sources.\r\n",
        "Get-InboundConnector.fl.txt": format_list([
            inbound("Partner relay A", ctype="Partner", ips=["192.0.2.40"], require_tls=True),
            inbound("Copier relay", ctype="Partner", ips=["192.0.2.41"])]),
    }, {
        "title": "5.7.68 even though partner connectors lock the sending IPs",
        "sources": [{"url": "https://techcommunity.microsoft.com/blog/exchange/introducing-more-control-over-direct-send-in-exchange-online/4408790/replies/4433613",
                     "title": "Reply: Direct Send is a bug, not a feature!"}],
        "summary": "With Reject Direct Send on, mail that passes DMARC over IP-locked connectors is still refused with 5.7.68 "
                   "when sent from one valid tenant address to another. The thread did not establish whether the messages "
                   "actually matched the connectors.",
        "reconstruction": "Bounce line and the two partner connectors the poster describes.",
        "now": "2025-07-20T09:00:00Z",
        "expect": {"undecidable": True,
                   "question": "From which IP (or certificate) did the rejected message arrive, and does it match a connector?"},
    })
    _app_case("office365-mail-11-5.7.708", "ndr.txt",
              "Remote Server returned '550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP. "
              "For more information please go to http://go.microsoft.com/fwlink/?LinkId=526653 AS(7230) "
              "[BM1PR01MB1076.INDPRD01.PROD.OUTLOOK.COM]'\r\n",
              {"title": "New tenant's outbound mail refused: 5.7.708 traffic not accepted from this IP",
               "sources": [{"url": "https://github.com/motze92/office365-mail/issues/11", "title": "Couldnt send email."},
                           {"url": "https://github.com/MicrosoftDocs/OfficeDocs-Exchange/issues/1745",
                            "title": "Error 5.7.708 - access denied"}],
               "summary": "Mail sent through the tenant bounces with 550 5.7.708 Access denied, traffic not accepted from this "
                          "IP; the docs describe it as a new tenant/low-reputation block that support has to lift.",
               "reconstruction": "The NDR line from the issue.",
               "now": "2021-01-23T09:00:00Z",
               "expect": {"cause": "ip-not-accepted", "code": "5.7.708"}})


def connector_cases() -> None:
    # eopfieldnotes: IP connector disabled after adding a certificate connector; no send log posted.
    write("eopfieldnotes-certificate-connector-not-matching", {
        "NDR.txt": ndr_2013("buyer@fabrikam.com", REJECT_64, lang="de"),
        "Get-InboundConnector.fl.txt": format_list([
            inbound("On-prem by IP", enabled=False, ips=["203.0.113.25"], when_changed="2/23/2017 10:05:00 AM"),
            inbound("On-prem by certificate", cert="mail.contoso.com", when_changed="2/23/2017 8:58:00 AM")]),
    }, {
        "title": "5.7.64 right after switching from the IP connector to a new certificate connector",
        "sources": [{"url": "https://blogs.technet.microsoft.com/eopfieldnotes/2017/02/23/when-a-certificated-based-connector-is-not-working/",
                     "title": "When a certificate based connector is not working (EOP field notes)"}],
        "summary": "An organisation added a certificate-scoped OnPremises connector, waited an hour, disabled the IP-scoped "
                   "one and immediately got 550 5.7.64: mail was not being attributed to the certificate connector. Without "
                   "the send log it cannot be told which certificate (if any) the on-premises server presented.",
        "reconstruction": "A German-language Exchange NDR, both connectors with their WhenChanged times; no send log.",
        "now": "2017-02-23T10:20:00Z",
        "expect": {"undecidable": True,
                   "question": "Which certificate does the send connector present to Exchange Online (send protocol log)?"},
    })
    # MC1226222: IP connector whose IP is a third-party relay shared with other tenants.
    log = SendLog("2026-02-05T00:00:00.000Z")
    log.session("2026-02-05T09:30:00.000Z", tls="ok", cert=None, egress="192.0.2.80", ehlo="out-3.relay.example",
                mail_from="news@contoso.com", connector="Relay service", rcpts=[("reader@fabrikam.com", REJECT_64)])
    write("mc1226222-shared-relay-ip", {
        "relay-provider-log.LOG": log.text(),
        "Get-InboundConnector.xml": clixml([inbound("Relay service", ips=["192.0.2.80", "192.0.2.81"],
                                                    when_changed="9/1/2025 1:00:00 PM",
                                                    comment="third-party relay service (shared platform)")],
                                           "Microsoft.Exchange.Data.Directory.SystemConfiguration.TenantInboundConnector"),
        "Get-AcceptedDomain.txt": accepted_table([("contoso.com", "Authoritative", True)]),
        "MC1226222.txt": "Message center: Prevent/Fix: Guidance for On-Premises Connectors Configuration. IP-based OnPremises "
                         "connectors whose IP is used by other tenants may unexpectedly stop working.\r\n",
    }, {
        "title": "Relay through a shared third-party service IP stops working without a local change",
        "sources": [{"url": "https://mwpro.co.uk/blog/2026/02/04/updated-prevent-fix-guidance-for-on-premises-connectors-configuration-mc1226222",
                     "title": "MC1226222 Prevent/Fix: Guidance for On-Premises Connectors Configuration (mirror)"}],
        "summary": "Microsoft warns that an IP-based OnPremises connector whose IP is also used by other tenants' servers "
                   "(typical of third-party relay services) may stop working after internal changes such as tenant moves. "
                   "Here the relay's IP is listed on the connector, the sender domain is accepted, yet relay fails.",
        "reconstruction": "Relay-side session (the provider's Exchange-format log), the connector with the provider's "
                          "IPs exported with Export-Clixml (UTF-16).",
        "now": "2026-02-05T10:00:00Z",
        "expect": {"cause": "ip-shared-with-other-tenants", "code": "5.7.64"},
    })
    log = SendLog("2026-02-06T00:00:00.000Z")
    cert = {"subject": "CN=relay.mailhost.example", "sans": ["relay.mailhost.example"],
            "thumb": "44E1F2A3B4C5D6E7F8091A2B3C4D5E6F70819A2B", "issuer": "CN=R11, O=Let's Encrypt, C=US"}
    log.session("2026-02-06T14:00:00.000Z", cert=cert, ehlo="relay.mailhost.example", egress="192.0.2.90",
                mail_from="", connector="To tenant contoso", rcpts=[("someone@fabrikam.com", REJECT_64)])
    write("mc1226222-certificate-domain-not-accepted", {
        "SEND20260206-1.LOG": log.text(),
        "Get-InboundConnector.fl.txt": format_list([inbound("Hosted relay", cert="relay.mailhost.example")]),
        "Get-AcceptedDomain.txt": accepted_table([("contoso.com", "Authoritative", True),
                                                   ("contoso.onmicrosoft.com", "Authoritative", False)]),
    }, {
        "title": "Certificate connector with a provider's certificate whose domain is not an accepted domain",
        "sources": [{"url": "https://mwpro.co.uk/blog/2026/02/04/updated-prevent-fix-guidance-for-on-premises-connectors-configuration-mc1226222",
                     "title": "MC1226222 Prevent/Fix: Guidance for On-Premises Connectors Configuration (mirror)"}],
        "summary": "Anti-pattern named by MC1226222: an OnPremises connector authenticating a certificate whose subject/SAN "
                   "is not an accepted domain of the tenant. Null-sender mail (and anything not from an accepted domain) "
                   "cannot be attributed and is refused.",
        "reconstruction": "A null-sender session presenting the provider's certificate; connector and accepted domains.",
        "now": "2026-02-06T15:00:00Z",
        "expect": {"cause": "domain-not-accepted", "code": "5.7.64"},
    })
    # KB 4051495 "Changes may take some time to take effect": connector fixed minutes before the failure.
    log = SendLog("2024-03-12T00:00:00.000Z")
    log.session("2024-03-12T09:41:00.000Z", cert=NEW_CERT, rcpts=[("orders@fabrikam.com", REJECT_64)])
    write("kb4051495-change-not-yet-effective", {
        "SEND20240312-2.LOG": log.text(),
        "Get-InboundConnector.fl.txt": format_list([inbound("Inbound from 5c1a4e1b-6a0e-4e2b-9f3d-2c7b8d9e0f11",
                                                            cert="webmail.contoso.com", source="HybridWizard",
                                                            when_changed="3/12/2024 10:33:10 AM",
                                                            when_changed_utc="3/12/2024 9:33:10 AM")]),
        "Get-AcceptedDomain.txt": accepted_table([("contoso.com", "Authoritative", True)]),
        "HCW-run.txt": "HCW completed 09:33 - selected certificate webmail.contoso.com on the transport page\r\n",
    }, {
        "title": "The connector already names the new certificate, but the failure is minutes after the change",
        "sources": [{"url": "https://learn.microsoft.com/en-us/exchange/troubleshoot/email-delivery/ndr/relay-access-denied-smtp",
                     "title": "KB 4051495: 'Changes may take some time to take effect'"},
                    {"url": "https://blogs.technet.microsoft.com/eopfieldnotes/2017/02/23/when-a-certificated-based-connector-is-not-working/",
                     "title": "EOP field notes: waited an hour for propagation"}],
        "summary": "After HCW updated TlsSenderCertificateName to the renewed certificate, a send eight minutes later still "
                   "fails. The KB warns changes take time; the connector now matches the presented certificate.",
        "reconstruction": "Send log after the change; connector exported on a UTC+1 machine (WhenChanged local, "
                          "WhenChangedUTC 8 minutes before the session).",
        "now": "2024-03-12T09:45:00Z",
        "expect": {"cause": "connector-change-pending", "code": "5.7.64"},
    })
    # S25: connector value contoso.com, certificate CN email.contoso.com (CN-vs-SAN/"contains" doubt).
    log = SendLog("2023-10-04T00:00:00.000Z")
    cert = {"subject": "CN=email.contoso.com", "sans": ["email.contoso.com", "autodiscover.contoso.com"],
            "thumb": "6B7C8D9E0F1A2B3C4D5E6F708192A3B4C5D6E7F8"}
    log.session("2023-10-04T08:00:00.000Z", cert=cert, mail_from="", rcpts=[("x@fabrikam.com", REJECT_64)])
    write("qa11582569-connector-domain-vs-certificate-cn", {
        "SEND20231004-1.LOG": log.text(),
        "Get-InboundConnector.fl.txt": format_list([inbound("OnPrem to EXO", cert="contoso.com")]),
        "Get-AcceptedDomain.txt": accepted_table([("contoso.com", "Authoritative", True)]),
    }, {
        "title": "Connector names contoso.com, certificate CN is email.contoso.com: does it match?",
        "sources": [{"url": "https://learn.microsoft.com/en-us/answers/a/11582569",
                     "title": "How to verify your compliance with Microsoft's updated requirements for SMTP relay (Microsoft Q&A guide)"},
                    {"url": "https://learn.microsoft.com/powershell/module/exchangepowershell/set-inboundconnector",
                     "title": "Set-InboundConnector (-TlsSenderCertificateName contoso.com example)"}],
        "summary": "Microsoft Support's guide says TlsSenderCertificateName should match the certificate CN "
                   "(email.contoso.com); the cmdlet doc's example says the certificate must 'contain the domain name "
                   "contoso.com'. Whether the plain domain matches a host certificate is undocumented; the sources disagree.",
        "reconstruction": "A null-sender session and the connector/accepted domain as in the guide's example.",
        "now": "2023-10-04T09:00:00Z",
        "expect": {"undecidable": True, "leading": "certificate-cn-san-doubt",
                   "question": "Set the connector to the certificate's exact name (or *.contoso.com) and test, or confirm with support"},
    })


def hybrid_inbound_cases() -> None:
    write("exshell-4.4.317-starttls-required-new-certificate", {
        "MessageTrace-detail.csv": '"Date","Event","Action","Detail"\r\n"10/25/2022 2:14:03 PM","Defer","",'
                                   '"LED=450 4.4.317 Cannot connect to remote server [Message=451 5.7.3 STARTTLS is required '
                                   'to send mail] [LastAttemptedServerName=mail.contoso.com] [LastAttemptedIP=203.0.113.25:25] '
                                   '[BN8NAM11FT062.eop-nam11.prod.protection.outlook.com]"\r\n',
        "Get-ReceiveConnector.fl.txt": format_list([{
            "Identity": "EXCH01\\Default Frontend EXCH01", "Name": "Default Frontend EXCH01", "Enabled": True,
            "Bindings": ["0.0.0.0:25", "[::]:25"], "RemoteIPRanges": ["0.0.0.0-255.255.255.255"],
            "PermissionGroups": "AnonymousUsers, ExchangeServers, ExchangeLegacyServers",
            "AuthMechanism": "Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer",
            "TlsCertificateName": "<I>CN=Tailspin Trust RSA TLS CA G1, O=Tailspin Trust Services, C=US<S>CN=mail.contoso.com",
            "TransportRole": "FrontendTransport"}]),
    }, {
        "title": "EXO to on-premises deferred: 450 4.4.317 ... 451 5.7.3 STARTTLS is required after a new certificate",
        "sources": [{"url": "https://ex-shell.com/2022/10/25/error-450-4-4-317-cannot-connect-to-remote-server-451-5-7-3-starttls-is-required-to-send-mail/",
                     "title": "Error 450 4.4.317 Cannot connect to remote server 451 5.7.3 STARTTLS is required to send mail"}],
        "summary": "Exchange Online defers mail to on-premises with 450 4.4.317 [Message=451 5.7.3 STARTTLS is required]; a "
                   "newly installed certificate had a different name than the receive connector's TlsCertificateName. Fix: "
                   "set the receive connector's TlsCertificateName from the new certificate.",
        "reconstruction": "Message trace detail exported to CSV and the receive connector.",
        "now": "2022-10-25T15:00:00Z",
        "expect": {"cause": "onprem-starttls-required", "code": "4.4.317"},
    })
    for case, url, title, summary in (
        ("xostmoen-4.7.320-subject-mismatch-second-server",
         "https://xostmoen.wordpress.com/2017/11/08/450-4-7-320-certificate-validation-failed/",
         "450 4.7.320 Certificate validation failed",
         "After switching mail flow to EOP, about half of the messages to on-premises were deferred with 450 4.7.320 "
         "Certificate validation failed [Message=SubjectMismatch]: only one of the two Exchange servers' Default Frontend "
         "receive connectors had TlsCertificateName set by HCW; the other presented its self-signed certificate."),
        ("exchangechallengeaccepted-4.7.320-self-signed-frontend",
         "https://blogs.technet.microsoft.com/exchangechallengeaccepted/2017/04/14/mail-not-routing-to-on-premise-exchange-2013-environment-from-o365-with-450-4-7-320-certificate-validation-failed-error/",
         "Mail not routing to on-premise Exchange 2013 from O365 with 450 4.7.320 Certificate validation failed",
         "EXO to on-premises mail failed with 450 4.7.320 Certificate validation failed / SubjectMismatch; the receive "
         "protocol log showed the Default Frontend connector sending the self-signed CN=SERVER1 certificate instead of the "
         "third-party one; fix by setting TlsCertificateName on the receive connector."),
    ):
        write(case, {
            "MessageTrace.txt": ("Reason: [{LED=450 4.7.320 Certificate validation failed [Message=SubjectMismatch] "
                                 "[LastAttemptedServerName=mail.contoso.com] [LastAttemptedIP=203.0.113.25:25] "
                                 "[XXXEUR01FT012.eop-EUR01.prod.protection.outlook.com]};{MSG=SubjectMismatch};"
                                 "{FQDN=mail.contoso.com};{IP=203.0.113.25};{LRT=11/1/2017 12:12:45 PM}]. "
                                 "OutboundProxyTargetIP: 203.0.113.25. OutboundProxyTargetHostName: mail.contoso.com\r\n"),
            "Get-OutboundConnector.fl.txt": format_list([{
                "Identity": "Outbound to 5c1a4e1b-6a0e-4e2b-9f3d-2c7b8d9e0f11", "Name": "Outbound to 5c1a4e1b-6a0e-4e2b-9f3d-2c7b8d9e0f11",
                "Enabled": True, "ConnectorType": "OnPremises", "RecipientDomains": ["contoso.com"],
                "SmartHosts": ["mail.contoso.com"], "TlsSettings": "DomainValidation", "TlsDomain": "mail.contoso.com",
                "UseMXRecord": False, "ConnectorSource": "HybridWizard"}]),
        }, {
            "title": title, "sources": [{"url": url, "title": title}], "summary": summary,
            "reconstruction": "Message trace reason string as quoted, the HCW outbound connector.",
            "now": "2017-11-01T13:00:00Z",
            "expect": {"cause": "onprem-certificate-name-mismatch", "code": "4.4.317"},
        })
    log = SendLog("2021-01-20T00:00:00.000Z", version="15.00.1395.004")
    log.session("2021-01-20T09:00:00.000Z", cert=OLD_CERT, tls="fail", tls_error="SocketError")
    write("kb-socketerror-tls10-onprem", {
        "SEND20210120-1.LOG": log.text(),
        "Get-Queue.fl.txt": queue_fl("421 4.4.2 Connection dropped due to SocketError"),
        "schannel-reg.txt": "HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Client\r\n"
                            "    DisabledByDefault    REG_DWORD    0x1\r\n    Enabled    REG_DWORD    0x0\r\n",
    }, {
        "title": "On-premises to Microsoft 365: TLS negotiation failed with error SocketError (TLS 1.2 disabled)",
        "sources": [{"url": "https://docs.microsoft.com/en-us/exchange/troubleshoot/email-delivery/send-receive-emails-socketerror",
                     "title": "Can't send or receive email when using TLS 1.1 or TLS 1.0"}],
        "summary": "Mail between on-premises Exchange and Microsoft 365 fails with 421 4.4.2 Connection dropped due to "
                   "SocketError and TLS negotiation failed with error SocketError because the server only offers TLS "
                   "1.0/1.1; fix by enabling TLS 1.2 (SCHANNEL registry, updates).",
        "reconstruction": "Send log with the failure, queue error and the SCHANNEL registry export.",
        "now": "2021-01-20T10:00:00Z",
        "expect": {"cause": "tls-not-negotiated", "code": "tls-negotiation-failed"},
    })
    log = SendLog("2023-11-15T00:00:00.000Z")
    log.session("2023-11-15T07:30:00.000Z", cert=None, mail_from="invoices@fabrikam-billing.example",
                ehlo="app03.contoso.com", rcpts=[("client@northwind.example", REJECT_64)])
    write("smtp-relay-2023-app-foreign-sender-ip-connector", {
        "SEND20231115-1.LOG": log.text(),
        "NDR-fr.txt": ndr_2013("client@northwind.example", REJECT_64, lang="fr"),
        "Get-InboundConnector.fl.txt": format_list([inbound("Apps by IP", ips=["203.0.113.25"])]),
        "Get-AcceptedDomain.txt": accepted_table([("contoso.com", "Authoritative", True)]),
        "app.config": "<smtp from=\"invoices@fabrikam-billing.example\" host=\"exch01.corp.contoso.com\" port=\"25\" />\r\n",
    }, {
        "title": "Application relays with a P1 sender domain the tenant does not own (IP connector)",
        "sources": [{"url": "https://techcommunity.microsoft.com/blog/exchange/updated-requirements-for-smtp-relay-through-exchange-online/3851357",
                     "title": "Updated Requirements for SMTP Relay through Exchange Online (scenario: on-prem apps)"},
                    {"url": "https://learn.microsoft.com/en-us/troubleshoot/exchange/email-delivery/office-365-notice",
                     "title": "Configure a certificate-based connector to relay email messages (KB 3169958)"}],
        "summary": "An on-premises application sends with an envelope sender in a domain that is not an accepted domain; "
                   "over an IP-based connector neither the certificate domain nor the P1 sender domain is accepted, so "
                   "relay to external recipients is refused. Fix: add/verify the domain or use a certificate connector.",
        "reconstruction": "Send log, French NDR from the same failure, IP connector, the app's config.",
        "now": "2023-11-15T08:00:00Z",
        "expect": {"cause": "domain-not-accepted", "code": "5.7.64"},
    })


def main() -> None:
    for build in (kb4051495_renewed_certificate, kb4051495_ip_changed, kb3212877_chain, kb4019940_attr36_subdomain,
                  relay_2023_null_sender_ip, kb4051498_unknown_credentials, therealcontoso_unknown_credentials,
                  supertekboy_nocredentials, lalitbisht_454_475, kb2888788_454_470, kb2827473_541,
                  kb2603474_hop_count, qa304252_intermittent, qa2276469_iis, qa165982_554, a6n_4230, icewolf_5230,
                  auth_cases, tls_and_misc_cases, direct_send_and_tenant_cases, connector_cases,
                  hybrid_inbound_cases):
        build()


if __name__ == "__main__":
    main()
