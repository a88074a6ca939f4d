# ruff: noqa: E501  (evidence lines are quoted as the tools write them)
"""Writes the second batch of field cases: non-Exchange senders and messy evidence.

Like ``build_cases.py`` (whose helpers it uses), each case is a reconstruction of a public thread,
vendor article or GitHub issue, cited in its case.yaml: application and device logs with their own
prefixes, Postfix and IIS relays, replies in other languages, stray files, cmdlet exports in UTF-16.
Where the thread did not establish a cause, or the evidence the admin had cannot tell causes apart,
the case is ``undecidable`` and names the question an honest answer ends on. The files are
committed; run ``python tests/field/build_cases_apps.py`` only to regenerate them.
"""

from __future__ import annotations

import io
import zipfile

from build_cases import (
    REJECT_64,
    SendLog,
    accepted_table,
    clixml,
    format_list,
    inbound,
    ndr_2013,
    to_json,
    write,
)


def _case(case: str, files: dict[str, str | bytes], meta: dict) -> None:
    write(case, files, meta)


def _utf16(text: str) -> bytes:
    return b"\xff\xfe" + text.encode("utf-16-le")


def relay_cases() -> None:
    # ictfax #76: a fax server relays through an IP connector with a MAIL FROM at @localhost.
    _case("ictfax-76-5.7.64-localhost-sender", {
        "ictcore.log": (
            "[2022-10-24 09:35:58] [3025] [INFO] fax received from 61299990000, converting tiff to pdf\n"
            "[2022-10-24 09:36:01] [3025] [DEBUG] ++ Starting Swift_SmtpTransport\n"
            "[2022-10-24 09:36:01] [3025] [DEBUG] << 220 ME3AUS01FT005.mail.protection.outlook.com Microsoft ESMTP MAIL Service ready at Mon, 24 Oct 2022 09:36:01 +0000\n"
            "[2022-10-24 09:36:01] [3025] [DEBUG] >> EHLO fax01.contoso.com.au\n"
            "[2022-10-24 09:36:01] [3025] [DEBUG] << 250-ME3AUS01FT005.mail.protection.outlook.com Hello [203.0.113.60]\n"
            "[2022-10-24 09:36:01] [3025] [DEBUG] ++ Swift_SmtpTransport started\n"
            "[2022-10-24 09:36:01] [3025] [DEBUG] >> MAIL FROM:<61299990000@localhost>\n"
            "[2022-10-24 09:36:02] [3025] [DEBUG] << 250 2.1.0 Sender OK\n"
            "[2022-10-24 09:36:02] [3025] [DEBUG] >> RCPT TO:<accounts@northwind.example>\n"
            "[2022-10-24 09:36:02] [3025] [ERROR] Expected response code 250 but got code \"550\", with message \"550 5.7.64 "
            "TenantAttribution; Relay Access Denied [ME3AUS01FT005.eop-AUS01.prod.protection.outlook.com]\n"
            "\"\n"
            "[2022-10-24 09:40:12] [3107] [DEBUG] >> MAIL FROM:<61299990001@localhost>\n"
            "[2022-10-24 09:40:12] [3107] [DEBUG] >> RCPT TO:<reception@contoso.com.au>\n"
            "[2022-10-24 09:40:13] [3107] [INFO] mail sent\n"
            "[2022-10-24 07:03:06] [2190] [ERROR] Expected response code 250 but got code \"451\", with message \"451 5.7.3 "
            "STARTTLS is required to send mail [SYXPR01CA0082.ausprd01.prod.outlook.com]\n\"\n"),
        "Get-InboundConnector.fl.txt": format_list([inbound("Fax server relay", ips=["203.0.113.60"])]),
        "Get-AcceptedDomain.txt": accepted_table([("contoso.com.au", "Authoritative", True),
                                                   ("contosoau.onmicrosoft.com", "Authoritative", False)]),
    }, {
        "title": "Fax server relays through an IP connector with a MAIL FROM at @localhost",
        "sources": [{"url": "https://github.com/ictinnovations/ictfax/issues/76",
                     "title": "use domain instead of localhost in fax email"},
                    {"url": "https://techcommunity.microsoft.com/blog/exchange/updated-requirements-for-smtp-relay-through-exchange-online/3851357",
                     "title": "Updated Requirements for SMTP Relay through Exchange Online"}],
        "summary": "Fax-to-mail works for recipients in the tenant but mail to outside addresses gets 550 5.7.64 over the "
                   "relay connector; the messages come from <number>@localhost. The poster fixed the sender in the "
                   "application's SMTP configuration. Over an IP connector the MAIL FROM domain must be an accepted "
                   "domain for relay to external recipients.",
        "reconstruction": "The application log lines from the issue, with SwiftMailer's logger transcript "
                          "(>> / << lines) that such a log holds when debugging is on, "
                          "the IP connector and the accepted domains; a stray older 451 5.7.3 line from the "
                          "poster's attempt at smtp.outlook.com:587.",
        "now": "2022-10-24T10:00:00Z",
        "expect": {"cause": "domain-not-accepted", "code": "5.7.64"},
    })
    # Postfix relay to the tenant MX whose egress IP changed (docs PR 2651: static IP changed).
    _case("postfix-relay-egress-ip-changed", {
        "maillog": (
            "Mar  4 08:12:01 relay01 postfix/pickup[1201]: 3F2A11C0042: uid=998 from=<alerts@contoso.com>\n"
            "Mar  4 08:12:01 relay01 postfix/qmgr[1187]: 3F2A11C0042: from=<alerts@contoso.com>, size=1822, nrcpt=1 (queue active)\n"
            "Mar  4 08:12:02 relay01 postfix/smtp[20311]: < contoso-com.mail.protection.outlook.com[52.101.194.3]:25: 220 BN8NAM11FT062.mail.protection.outlook.com Microsoft ESMTP MAIL Service ready at Mon, 4 Mar 2024 08:12:01 +0000\n"
            "Mar  4 08:12:02 relay01 postfix/smtp[20311]: > contoso-com.mail.protection.outlook.com[52.101.194.3]:25: EHLO relay01.contoso.com\n"
            "Mar  4 08:12:02 relay01 postfix/smtp[20311]: < contoso-com.mail.protection.outlook.com[52.101.194.3]:25: 250-BN8NAM11FT062.mail.protection.outlook.com Hello [198.51.100.7]\n"
            "Mar  4 08:12:02 relay01 postfix/smtp[20311]: > contoso-com.mail.protection.outlook.com[52.101.194.3]:25: STARTTLS\n"
            "Mar  4 08:12:02 relay01 postfix/smtp[20311]: Trusted TLS connection established to contoso-com.mail.protection.outlook.com[52.101.194.3]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)\n"
            "Mar  4 08:12:03 relay01 postfix/smtp[20311]: 3F2A11C0042: to=<oncall@fabrikam.com>, relay=contoso-com.mail.protection.outlook.com[52.101.194.3]:25, delay=1.4, delays=0.02/0.01/0.9/0.4, dsn=5.7.64, status=bounced (host contoso-com.mail.protection.outlook.com[52.101.194.3] said: 550 5.7.64 TenantAttribution; Relay Access Denied [BN8NAM11FT062.eop-nam11.prod.protection.outlook.com 2024-03-04T08:12:03.112Z 08DC3C1A2B3C4D5E] (in reply to RCPT TO command))\n"
            "Mar  4 08:12:03 relay01 postfix/bounce[20312]: 3F2A11C0042: sender non-delivery notification: 41B7E1C0043\n"),
        "main.cf": ("# relay for the monitoring hosts\nmyhostname = relay01.contoso.com\nmynetworks = 127.0.0.0/8 10.40.0.0/16\n"
                    "relayhost = [contoso-com.mail.protection.outlook.com]:25\nsmtp_tls_security_level = encrypt\n"
                    "smtp_tls_loglevel = 1\ninet_interfaces = all\n"),
        "Get-InboundConnector.json": to_json([inbound("Linux relay", ips=["203.0.113.0/28"],
                                                      when_changed="8/14/2023 11:02:00 AM")]),
        "Get-AcceptedDomain.csv": '"DomainName","DomainType","Default"\r\n"contoso.com","Authoritative","True"\r\n',
        "firewall-change.txt": "CHG-2291 2024-03-01: moved outbound NAT for VLAN 40 to the new ISP uplink (pool 198.51.100.0/29)\r\n",
    }, {
        "title": "Postfix relay to the tenant MX after a NAT/ISP change: the connector still lists the old range",
        "sources": [{"url": "https://github.com/MicrosoftDocs/OfficeDocs-Exchange/pull/2651",
                     "title": "Docs PR: 5.7.64 when the dedicated static IP changes (printers, apps)"},
                    {"url": "https://learn.microsoft.com/en-us/exchange/troubleshoot/email-delivery/ndr/relay-access-denied-smtp",
                     "title": "KB 4051495: the IP configured in the connector no longer matches the submitting server"}],
        "summary": "Microsoft's troubleshooting text: network or ISP changes change the static IP address, the connector "
                   "no longer identifies the sender and relay to external recipients fails with 5.7.64; update the "
                   "connector (and SPF) with the new IP.",
        "reconstruction": "Postfix maillog with smtp debug lines for the session (the EHLO reply shows the public IP "
                          "EOP saw), main.cf, the IP connector as JSON and the change note as a distractor.",
        "now": "2024-03-04T09:00:00Z",
        "expect": {"cause": "sender-ip-mismatch", "code": "5.7.64"},
    })
    # IIS 6 SMTP smart host without outbound TLS against a certificate connector (KB 3212877, exovoice).
    _case("iis-smtp-relay-no-outbound-tls-certificate-connector", {
        "SMTPSVC1/ex240611.log": (
            "#Software: Microsoft Internet Information Services 10.0\r\n#Version: 1.0\r\n#Date: 2024-06-11 07:02:11\r\n"
            "#Fields: date time c-ip cs-username s-sitename s-computername s-ip s-port cs-method cs-uri-stem cs-uri-query sc-status sc-win32-status sc-bytes cs-bytes time-taken cs-version cs-host cs(User-Agent) cs(Cookie) cs(Referer)\r\n"
            "2024-06-11 07:02:11 52.101.68.24 OutboundConnectionResponse SMTPSVC1 APPSRV02 - 25 - - 220+AM6EUR05FT047.mail.protection.outlook.com+Microsoft+ESMTP+MAIL+Service+ready 0 0 98 0 312 SMTP - - - -\r\n"
            "2024-06-11 07:02:11 52.101.68.24 OutboundConnectionCommand SMTPSVC1 APPSRV02 - 25 EHLO - appsrv02.contoso.com 0 0 4 0 312 SMTP - - - -\r\n"
            "2024-06-11 07:02:11 52.101.68.24 OutboundConnectionCommand SMTPSVC1 APPSRV02 - 25 MAIL - FROM:<noreply@contoso.com>+SIZE=4412 0 0 4 0 343 SMTP - - - -\r\n"
            "2024-06-11 07:02:12 52.101.68.24 OutboundConnectionCommand SMTPSVC1 APPSRV02 - 25 RCPT - TO:<customer@fabrikam.com> 0 0 4 0 374 SMTP - - - -\r\n"
            "2024-06-11 07:02:12 52.101.68.24 OutboundConnectionResponse SMTPSVC1 APPSRV02 - 25 - - 550+5.7.64+TenantAttribution;+Relay+Access+Denied+[AM6EUR05FT047.eop-EUR05.prod.protection.outlook.com] 0 0 96 0 405 SMTP - - - -\r\n"),
        "MetaBase-excerpt.xml": (
            '<IIsSmtpServer\tLocation ="/LM/SmtpSvc/1"\r\n\t\tAlwaysUseSsl="FALSE"\r\n\t\tFullyQualifiedDomainName="appsrv02.contoso.com"\r\n'
            '\t\tRemoteSmtpPort="25"\r\n\t\tSmartHost="contoso-com.mail.protection.outlook.com"\r\n\t\tSmartHostType="2"\r\n\t>\r\n</IIsSmtpServer>\r\n'),
        "Get-InboundConnector.fl.utf16.txt": format_list([inbound("IIS relay by certificate", cert="relay.contoso.com",
                                                                  require_tls=True)]),
        "Get-AcceptedDomain.txt": accepted_table([("contoso.com", "Authoritative", True)]),
        "readme-relay.txt": "IIS SMTP relay for the ERP box. Cert relay.contoso.com installed in LocalMachine\\My (2024-05-30).\r\n",
    }, {
        "title": "IIS SMTP smart host without outbound TLS, certificate-based inbound connector",
        "sources": [{"url": "https://support.microsoft.com/en-us/help/3212877",
                     "title": "550 5.7.64 TenantAttribution when sending emails through Exchange Online Protection (IIS SMTP relay)"},
                    {"url": "https://learn.microsoft.com./ko-kr/archive/blogs/exovoice/how-to-set-up-iis-to-send-emails-using-office-365",
                     "title": "How to set up IIS to send emails using Office 365 (outbound security: TLS encryption)"}],
        "summary": "An IIS SMTP relay sends to the tenant's MX endpoint with the outbound TLS option off while the "
                   "inbound connector identifies the server by certificate: without TLS no certificate reaches Exchange "
                   "Online and relay to external recipients is refused with 5.7.64. Fix: enable TLS on the outbound "
                   "security settings (and a client certificate path) or use an IP-based connector.",
        "reconstruction": "IIS W3C SMTP log (blanks written as '+'), the virtual server's metabase excerpt "
                          "(AlwaysUseSsl FALSE), the certificate connector exported as UTF-16 Format-List, a note.",
        "now": "2024-06-11T08:00:00Z",
        "expect": {"cause": "tls-not-negotiated", "code": "5.7.64", "also_true": ["certificate-not-presented"]},
    })
    # catatnight/docker-postfix #12: Postfix without TLS to a tenant that requires TLS.
    _case("docker-postfix-12-454-4.7.0-no-tls", {
        "mail.log": (
            "Jan 11 14:02:10 mailrelay postfix/smtp[311]: 8D1E0A2C31: to=<pat@fabrikam.com>, relay=fabrikam-com.mail.protection.outlook.com[104.47.38.33]:25, "
            "delay=1.9, delays=0.01/0/0.72/1.2, dsn=4.7.0, status=deferred (host fabrikam-com.mail.protection.outlook.com[104.47.38.33] said: "
            "454 4.7.0 Failed to establish appropriate TLS channel: Access Denied (in reply to RCPT TO command))\n"
            "Jan 11 14:07:12 mailrelay postfix/qmgr[120]: 8D1E0A2C31: from=<app@contoso.example>, size=941, nrcpt=1 (queue active)\n"),
        "main.cf": ("smtpd_banner = $myhostname ESMTP $mail_name\nbiff = no\nappend_dot_mydomain = no\n"
                    "myhostname = mailrelay\nmydestination = localhost\nmynetworks = 127.0.0.0/8 172.17.0.0/16\n"
                    "inet_interfaces = all\nsmtpd_tls_security_level = none\n"),
    }, {
        "title": "Postfix container delivering to an Office 365 recipient: 454 4.7.0 ... TLS channel: Access Denied",
        "sources": [{"url": "https://github.com/catatnight/docker-postfix/issues/12", "title": "Issues emailing office365"}],
        "summary": "Mail from a Postfix container to a domain hosted in Office 365 is deferred with 454 4.7.0 Failed to "
                   "establish appropriate TLS channel: Access Denied; the reporter fixed it by making Postfix use TLS "
                   "(smtp_tls_security_level = may or encrypt). The receiving tenant requires TLS from this sender; "
                   "no certificate was ever offered because no TLS was started.",
        "reconstruction": "The deferral line from the issue in a maillog and the container's main.cf (no "
                          "smtp_tls_security_level: the default, none).",
        "now": "2016-01-11T15:00:00Z",
        "expect": {"undecidable": True,
                   "question": "Does the sending MTA start TLS (smtp_tls_security_level), and does the receiving tenant require TLS for it?"},
    })
    # Exim smarthost without a client certificate, certificate-based connector.
    _case("exim-smarthost-no-client-certificate", {
        "mainlog": (
            "2024-09-02 10:14:07 1skR2x-000Abc-3Q <= erp@contoso.com H=(erp01) [10.50.1.20] P=esmtp S=5210 id=E1skR2x@erp01\n"
            "2024-09-02 10:14:08 1skR2x-000Abc-3Q ** buyer@fabrikam.com R=smarthost T=remote_smtp_smarthost "
            "H=contoso-com.mail.protection.outlook.com [52.101.68.24] X=TLS1.2:ECDHE-RSA-AES256-GCM-SHA384:256 CV=yes "
            "DN=\"CN=mail.protection.outlook.com,O=Microsoft Corporation,L=Redmond,ST=Washington,C=US\": SMTP error from remote mail server after "
            "RCPT TO:<buyer@fabrikam.com>: 550 5.7.64 TenantAttribution; Relay Access Denied "
            "[AM6EUR05FT047.eop-EUR05.prod.protection.outlook.com 2024-09-02T10:14:08.331Z 08DCCB1F2E3D4C5B]\n"
            "2024-09-02 10:14:08 1skR2x-000Abc-3Q Completed\n"),
        "exim4.conf.localmacros-excerpt": (
            "# --- router ---\nsmarthost:\n  debug_print = \"R: smarthost for $local_part@$domain\"\n  driver = manualroute\n"
            "  domains = ! +local_domains\n  transport = remote_smtp_smarthost\n"
            "  route_list = * contoso-com.mail.protection.outlook.com::25 byname\n  host_find_failed = ignore\n  same_domain_copy_routing = yes\n  no_more\n\n"
            "# --- transport ---\nremote_smtp_smarthost:\n  debug_print = \"T: remote_smtp_smarthost for $local_part@$domain\"\n"
            "  driver = smtp\n  hosts_require_tls = *\n"
            "  # tls_certificate = /etc/exim4/relay.contoso.com.crt   (commented out during the 2024 rebuild)\n"
            "  # tls_privatekey = /etc/exim4/relay.contoso.com.key\n"),
        "Get-InboundConnector.xml": clixml([inbound("Exim relay", cert="relay.contoso.com", require_tls=True,
                                                    when_changed="1/9/2023 2:00:00 PM")],
                                           "Microsoft.Exchange.Data.Directory.SystemConfiguration.TenantInboundConnector"),
        "Get-AcceptedDomain.txt": accepted_table([("contoso.com", "Authoritative", True)]),
    }, {
        "title": "Exim smart host presents no client certificate to a certificate-based connector",
        "sources": [{"url": "https://learn.microsoft.com/en-us/troubleshoot/exchange/email-delivery/office-365-notice",
                     "title": "Configure a certificate-based connector to relay email messages (KB 3169958)"},
                    {"url": "https://techcommunity.microsoft.com/blog/exchange/updated-requirements-for-smtp-relay-through-exchange-online/3851357",
                     "title": "Updated Requirements for SMTP Relay through Exchange Online"}],
        "summary": "A certificate-based OnPremises connector attributes relay only when the sending server presents the "
                   "configured certificate in TLS. An Exim smart host that starts TLS but has no client certificate "
                   "configured is not attributed and external recipients are refused with 5.7.64.",
        "reconstruction": "Exim mainlog (TLS used, 5.7.64 after RCPT TO), the smarthost router and its smtp "
                          "transport with tls_certificate commented out, the connector as Export-Clixml (UTF-16).",
        "now": "2024-09-02T11:00:00Z",
        "expect": {"cause": "certificate-not-presented", "code": "5.7.64"},
    })


def submission_cases() -> None:
    _case("zabbix-sendemail-530-5.7.57-anonymous", {
        "syslog": (
            "Dec 28 12:12:56 zabbix-server sendEmail[59626]: ERROR => Connection attempt to smtp.office365.com:587 failed: IO::Socket::INET6: connect: Connection refused\n"
            "Dec 28 12:41:01 zabbix-server sendEmail[60599]: ERROR => Received: 530 5.7.57 SMTP; Client was not authenticated to send anonymous mail during MAIL FROM [BN6PR10CA0042.namprd10.prod.outlook.com]\n"
            "Dec 28 12:41:02 zabbix-server zabbix_server[1042]: failed to send alert: script returned 1\n"),
        "zabbix_sendemail.sh": ("#!/bin/bash\n# zabbix alert script\nSMTP=smtp.office365.com:587\n"
                                "sendEmail -f zabbix@contoso.com -t \"$1\" -u \"$2\" -m \"$3\" -s $SMTP -o tls=yes\n"),
    }, {
        "title": "Zabbix alert script (sendEmail) to smtp.office365.com without credentials",
        "sources": [{"url": "https://github.com/dimuskin/ax-zabbix-html-template/issues/2", "title": "Enable TLS in script"}],
        "summary": "With TLS enabled the script reaches smtp.office365.com but gets 530 5.7.57 Client was not authenticated "
                   "to send anonymous mail during MAIL FROM: the script sends no -xu/-xp credentials. Client submission "
                   "needs a mailbox sign-in; without one use a connector and the MX endpoint.",
        "reconstruction": "syslog lines from the issue and the alert script (no credentials).",
        "now": "2018-12-28T13:00:00Z",
        "expect": {"cause": "smtp-client-submission-used", "code": "5.7.57"},
    })
    _case("itkitchen-mfp-smtp-auth-disabled-mailbox", {
        "job-history.csv": _utf16(
            "\"No.\",\"Date/Time\",\"Job\",\"Destination\",\"Result\",\"Error\"\r\n"
            "\"0412\",\"2023/06/02 16:40\",\"Scan to E-mail\",\"ap@contoso.com\",\"NG\",\"SMTP AUTH error: 535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information. [SY6PR01CA0055.ausprd01.prod.outlook.com]\"\r\n"
            "\"0411\",\"2023/06/02 09:02\",\"Scan to E-mail\",\"ap@contoso.com\",\"NG\",\"SMTP AUTH error\"\r\n"
            "\"0398\",\"2023/05/30 11:15\",\"Scan to Folder\",\"\\\\fs01\\scans\",\"OK\",\"\"\r\n"),
        "device-settings.txt": "SMTP Server: smtp.office365.com\r\nPort: 587\r\nSSL/TLS: STARTTLS (TLS1.2)\r\nSMTP Auth: On  User: scanner@contoso.com\r\n",
    }, {
        "title": "Multifunction printer: 535 5.7.139 SmtpClientAuthentication is disabled for the Mailbox",
        "sources": [{"url": "https://www.itkitchen.info/2023/06/04/office-365-basic-authentication-error-for-scan-to-email-function/",
                     "title": "Office 365 Basic Authentication Error for Scan to Email function"}],
        "summary": "Scan to e-mail through smtp.office365.com fails after SMTP AUTH was turned off by default; the fix is "
                   "to tick Authenticated SMTP for the account the printer signs in with (or move to OAuth firmware).",
        "reconstruction": "The device's job history exported as UTF-16 CSV (one row with the full reply, one "
                          "truncated), the device's SMTP settings page copied as text.",
        "now": "2023-06-03T09:00:00Z",
        "expect": {"cause": "smtp-auth-disabled", "code": "5.7.57"},
    })
    _case("veeam-basic-auth-disabled-notification", {
        "Svc.VeeamBackup.log": (
            "[14.03.2023 06:00:12] <01> Info     [EmailNotification] Sending job report 'Backup Job SQL01' to it-ops@contoso.com via smtp.office365.com:587 (SSL: True)\n"
            "[14.03.2023 06:00:13] <01> Error    [EmailNotification] Failed to send email notification\n"
            "[14.03.2023 06:00:13] <01> Error    The SMTP server requires a secure connection or the client was not authenticated. The server response was: 5.7.57 Client not authenticated to send mail. Error: 535 5.7.139 Authentication unsuccessful, basic authentication is disabled. [AM0PR02CA0123.eurprd02.prod.outlook.com] (System.Net.Mail.SmtpException)\n"
            "[14.03.2023 06:00:13] <01> Error       at System.Net.Mail.MailCommand.CheckResponse(SmtpStatusCode statusCode, String response)\n"
            "[14.03.2023 06:05:40] <23> Info     [BackupJob] Job 'Backup Job SQL01' finished with Success\n"),
    }, {
        "title": "Veeam job notifications through smtp.office365.com: basic authentication is disabled",
        "sources": [{"url": "https://community.veeam.com/blogs-and-podcasts-57/email-notifications-in-vbr-vem-or-help-i-ve-arrived-in-2023-and-authentication-is-dead-after-90-days-or-just-a-few-hours-english-13066?postid=91716",
                     "title": "E-mail notifications in VBR/VEM ... authentication is dead (Veeam community)"}],
        "summary": "Veeam's SMTP (basic authentication) notifications to Microsoft 365 fail once Basic Auth for SMTP AUTH "
                   "is off for the tenant or mailbox; the community article moves them to Modern Authentication "
                   "(Microsoft 365 OAuth in VBR) or re-enables SMTP AUTH where still allowed.",
        "reconstruction": "Veeam service log lines around a failed notification (.NET SmtpException with the inner reply).",
        "now": "2023-03-14T08:00:00Z",
        "expect": {"cause": "smtp-auth-disabled", "code": "5.7.57"},
    })
    _case("wpmailsmtp-security-defaults-5.7.139", {
        "wp-mail-smtp-debug.txt": (
            "Versions:\nWordPress: 6.4.2\nWordPress MS: No\nPHP: 8.1.27\nWP Mail SMTP: 3.11.1\n\nParams:\nMailer: smtp\n"
            "Constants: No\nErrorInfo: SMTP Error: Could not authenticate.\nHost: smtp.office365.com\nPort: 587\nSMTPSecure: tls\n"
            "SMTPAutoTLS: bool(true)\nSMTPAuth: bool(true)\n\nServer:\nOpenSSL: OpenSSL 3.0.2 15 Mar 2022\nApache.mod_security: No\n\nDebug:\n"
            "Mailer: Other SMTP\nSMTP Error: Could not authenticate.\n\nSMTP Debug:\n"
            "2024-01-16 09:12:01 SERVER -> CLIENT: 220 AM0PR10CA0021.outlook.office365.com Microsoft ESMTP MAIL Service ready at Tue, 16 Jan 2024 09:12:00 +0000\n"
            "2024-01-16 09:12:01 CLIENT -> SERVER: STARTTLS\n2024-01-16 09:12:01 SERVER -> CLIENT: 220 2.0.0 SMTP server ready\n"
            "2024-01-16 09:12:01 CLIENT -> SERVER: AUTH LOGIN\n2024-01-16 09:12:01 SERVER -> CLIENT: 334 VXNlcm5hbWU6\n"
            "2024-01-16 09:12:01 CLIENT -> SERVER: [credentials hidden]\n2024-01-16 09:12:01 SERVER -> CLIENT: 334 UGFzc3dvcmQ6\n"
            "2024-01-16 09:12:01 CLIENT -> SERVER: [credentials hidden]\n"
            "2024-01-16 09:12:06 SERVER -> CLIENT: 535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy. Contact your administrator. [AM0PR10CA0021.EURPRD10.PROD.OUTLOOK.COM 2024-01-16T09:12:06.114Z 08DC1666F5E4D3C2]\n"
            "2024-01-16 09:12:06 SMTP ERROR: Password command failed: 535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy. Contact your administrator.\n"
            "SMTP Error: Could not authenticate.\n"),
    }, {
        "title": "WordPress (WP Mail SMTP, PHPMailer): user is locked by your organization's security defaults policy",
        "sources": [{"url": "https://docs.bookyourpto.com/features/smtp-troubleshoot",
                     "title": "Microsoft Office 365 SMTP Authentication Errors - Troubleshooting Guide"},
                    {"url": "https://learn.microsoft.com/en-us/exchange/clients-and-mobile-in-exchange-online/authenticated-client-smtp-submission",
                     "title": "Enable or disable SMTP AUTH in Exchange Online (not compatible with security defaults)"}],
        "summary": "535 5.7.139 ... user is locked by your organization's security defaults policy: security defaults "
                   "block basic-auth SMTP sign-ins; fix by turning off security defaults (or using Conditional Access "
                   "with an exclusion) or moving the plugin to OAuth.",
        "reconstruction": "WP Mail SMTP's test-email debug output (PHPMailer SMTPDebug) with the reply.",
        "now": "2024-01-16T10:00:00Z",
        "expect": {"cause": "smtp-auth-blocked-by-policy", "code": "5.7.57"},
    })
    _case("freescout-4930-5.7.139-credentials-incorrect", {
        "freescout-logs.txt": (
            "[2025-07-21 08:14:22] production.ERROR: Error occurred sending email to new.agent@contoso.com: Expected response code \"235\" but got code \"535\", "
            "with message \"535 5.7.139 Authentication unsuccessful, the user credentials were incorrect. [PR3P191CA0011.EURP191.PROD.OUTLOOK.COM 2025-07-21T08:14:22.020Z 08DDC7A1B2C3D4E5]\". "
            "{\"exception\":\"[object] (Symfony\\\\Component\\\\Mailer\\\\Exception\\\\TransportException(code: 535)\"}\n"
            "[2025-07-21 08:20:01] production.INFO: Mailbox #2 reply sent to customer@fabrikam.com\n"),
    }, {
        "title": "FreeScout invitation e-mails: 535 5.7.139 the user credentials were incorrect (mailbox replies still work)",
        "sources": [{"url": "https://github.com/freescout-help-desk/freescout/issues/4930", "title": "SMTP 535 5.7.139 Error"}],
        "summary": "System mails (invitations, SMTP test) fail with 535 5.7.139 the user credentials were incorrect while "
                   "mailbox replies (another mailbox's SMTP settings) work. The reply names wrong credentials for the "
                   "account the system settings use, not a disabled SMTP AUTH; the thread did not say what was fixed.",
        "reconstruction": "Laravel log lines of the failing and a succeeding send.",
        "now": "2025-07-21T09:00:00Z",
        "expect": {"undecidable": True,
                   "question": "Which account do the system mail settings sign in with, and are its password (or app password) and SMTP AUTH setting right?"},
    })
    _case("gophish-3220-5.7.139-portuguese-criteria", {
        "gophish-campaign-error.txt": (
            "time=\"2024-08-13T15:27:55-03:00\" level=error msg=\"Máximo de tentativas de conexão excedido - 535 5.7.139 "
            "Autenticação malsucedida, a solicitação não atendeu aos critérios para ser autenticada com sucesso. Entre em contato "
            "com seu administrador. [MN2PR07CA0004.namprd07.prod.outlook.com 2024-08-13T18:27:55.030Z 08DCBB430284475F]\"\n"),
    }, {
        "title": "535 5.7.139 in Portuguese: the request did not meet the criteria to be authenticated successfully",
        "sources": [{"url": "https://github.com/gophish/gophish/issues/3220",
                     "title": "Máximo de tentativas de conexão excedido - 535 5.7.139"},
                    {"url": "https://docs.bookyourpto.com/features/smtp-troubleshoot",
                     "title": "Microsoft Office 365 SMTP Authentication Errors - Troubleshooting Guide"}],
        "summary": "A localized 535 5.7.139 'the request did not meet the criteria to be authenticated successfully'. "
                   "The maintainer suspected credentials; a vendor guide maps the English text to the mailbox's SMTP AUTH "
                   "switch, while Microsoft ties 'did not meet the criteria' to sign-in policy. The thread has no resolution.",
        "reconstruction": "The error line as the tool logged it (Portuguese text).",
        "now": "2024-08-14T09:00:00Z",
        "expect": {"undecidable": True,
                   "question": "Is Authenticated SMTP enabled for the mailbox, and does the Entra sign-in log show a policy (security defaults / Conditional Access) blocking it?"},
    })
    _case("sasl-xoauth2-43-535-5.7.3-wrong-token-account", {
        "maillog": (
            "Sep 28 13:03:49 relay postfix/smtp[17059]: Trusted TLS connection established to smtp.office365.com[40.99.150.50]:587: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)\n"
            "Sep 28 13:03:50 relay postfix/smtp[17059]: 9BDCBA19EA: SASL authentication failed; server smtp.office365.com[40.99.150.50] said: 535 5.7.3 Authentication unsuccessful [FR3P281CA0094.DEUP281.PROD.OUTLOOK.COM]\n"
            "Sep 28 13:03:50 relay postfix/smtp[17059]: 9BDCBA19EA: to=<ops@contoso.com>, relay=smtp.office365.com[40.99.150.50]:587, delay=1.2, delays=0.01/0.01/1.2/0, dsn=4.7.0, status=deferred (SASL authentication failed; server smtp.office365.com[40.99.150.50] said: 535 5.7.3 Authentication unsuccessful [FR3P281CA0094.DEUP281.PROD.OUTLOOK.COM])\n"),
        "main.cf": ("relayhost = [smtp.office365.com]:587\nsmtp_sasl_auth_enable = yes\nsmtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd\n"
                    "smtp_sasl_security_options =\nsmtp_sasl_mechanism_filter = xoauth2\nsmtp_tls_security_level = encrypt\n"),
    }, {
        "title": "Postfix with sasl-xoauth2: 535 5.7.3 Authentication unsuccessful",
        "sources": [{"url": "https://github.com/tarickb/sasl-xoauth2/issues/43", "title": "Authentication unsuccessful"}],
        "summary": "XOAUTH2 from Postfix to smtp.office365.com fails with 535 5.7.3; the reporter had obtained the initial "
                   "token while signed in with the global admin account instead of the sending mailbox. The reply alone "
                   "cannot tell a token for the wrong account from disabled SMTP AUTH or a sign-in policy.",
        "reconstruction": "Postfix log lines from the issue, main.cf with the XOAUTH2 filter.",
        "now": "2022-09-28T14:00:00Z",
        "expect": {"undecidable": True,
                   "question": "Which account was the OAuth token issued to, and is SMTP AUTH enabled for the sending mailbox?"},
    })
    _case("swiftmailer-1030-5.7.60-send-as", {
        "storage/logs/laravel-2017-12-19.log": (
            "[2017-12-19 10:22:41] production.ERROR: Swift_TransportException: Expected response code 250 but got code \"550\", with message "
            "\"550 5.7.60 SMTP; Client does not have permissions to send as this sender [MW2PR1901MB2155.namprd19.prod.outlook.com]\n"
            "\" in /var/www/app/vendor/swiftmailer/swiftmailer/lib/classes/Swift/Transport/AbstractSmtpTransport.php:383\n"
            "Stack trace:\n#0 /var/www/app/vendor/swiftmailer/swiftmailer/lib/classes/Swift/Transport/AbstractSmtpTransport.php(281): Swift_Transport_AbstractSmtpTransport->assertResponseCode()\n"),
        ".env.example": ("MAIL_DRIVER=smtp\nMAIL_HOST=smtp.office365.com\nMAIL_PORT=587\nMAIL_USERNAME=app@contoso.com\n"
                         "MAIL_PASSWORD=null\nMAIL_ENCRYPTION=tls\nMAIL_FROM_ADDRESS=noreply@contoso.com\n"),
    }, {
        "title": "Laravel (SwiftMailer) via smtp.office365.com: 550 5.7.60 Client does not have permissions to send as this sender",
        "sources": [{"url": "https://github.com/swiftmailer/swiftmailer/issues/1030",
                     "title": "550 5.7.60 SMTP; Client does not have permissions to send as this sender"},
                    {"url": "https://github.com/WWBN/AVideo/issues/1017", "title": "Email configuration error (matching the From to the SMTP user fixed it)"}],
        "summary": "The application authenticates as one mailbox and sends with a different From address; Exchange Online "
                   "refuses it with 5.7.60 unless the mailbox has Send As for that address. Fix: use the signed-in "
                   "mailbox as the sender or grant Send As.",
        "reconstruction": "Laravel log with the exception and an .env example (SMTP user differs from MAIL_FROM_ADDRESS).",
        "now": "2017-12-19T11:00:00Z",
        "expect": {"cause": "smtp-client-submission-used", "code": "5.7.57",
                   "note": "the pack files 5.7.60 under client submission; the thread's cause is the missing Send As right"},
    })


def other_code_cases() -> None:
    _case("deanproxy-email-44-504-5.7.4-mx-endpoint", {
        "cron-email.log": (
            "Tue Dec  5 06:00:01 UTC 2017 nightly-report: sending to ops@contoso.com\n"
            "email: FATAL: Smtp error: 504 5.7.4 Unrecognized authentication type [SN1NAM02FT025.eop-nam02.prod.protection.outlook.com]\n"),
        "email.conf": ("SMTP_SERVER = 'contoso-com.mail.protection.outlook.com'\nSMTP_PORT = '25'\nMY_NAME = 'Nightly report'\n"
                       "MY_EMAIL = 'reports@contoso.com'\nUSE_TLS = 'false'\nSMTP_AUTH = 'LOGIN'\nSMTP_AUTH_USER = 'reports@contoso.com'\n"),
    }, {
        "title": "CLI mailer: 504 5.7.4 Unrecognized authentication type from an EOP front end",
        "sources": [{"url": "https://github.com/deanproxy/eMail/issues/44", "title": "Unrecognized authentication type"}],
        "summary": "A command-line mailer configured with SMTP AUTH LOGIN gets 504 5.7.4 Unrecognized authentication type "
                   "from an Exchange Online Protection front end; the maintainer suggested enabling TLS. The thread did "
                   "not resolve whether AUTH was offered at all on that endpoint (the MX endpoint has no AUTH).",
        "reconstruction": "The error line from the issue in a cron log and the mailer's configuration.",
        "now": "2017-12-05T09:00:00Z",
        "expect": {"undecidable": True,
                   "question": "Which endpoint does the client send to, and does it start TLS before AUTH (smtp.office365.com:587 offers AUTH only after STARTTLS)?",
                   "not_codes": ["5.7.64"]},
    })
    _case("officedocs-2499-4.7.500-server-busy-s77719", {
        "queue-viewer.txt": (
            "PS C:\\> Get-Queue -Identity EXCH01\\31 | fl\r\n\r\n"
            "Identity     : EXCH01\\31\r\nDeliveryType : SmartHostConnectorDelivery\r\nNextHopDomain: contoso-com.mail.protection.outlook.com\r\n"
            "Status       : Retry\r\nMessageCount : 412\r\n"
            "LastError    : 451 4.7.500 Server busy. Please try again later from [203.0.113.25]. (S77719) [AM6EUR05FT047.eop-EUR05.prod.protection.outlook.com]\r\n"),
    }, {
        "title": "Queue retrying with 451 4.7.500 Server busy ... (S77719)",
        "sources": [{"url": "https://github.com/MicrosoftDocs/OfficeDocs-Exchange/issues/2499", "title": "4.7.500 Server busy S77719"}],
        "summary": "An admin asks whether '4.7.500 Server busy. Please try again later from [IP]. (S77719)' is the documented "
                   "451 4.7.500-699 (ASxxx) throttling of unattributed sending IPs, with the same fix (a connector); the "
                   "docs team sent them to a support ticket. Nothing establishes the cause.",
        "reconstruction": "A queue Format-List copied by hand (a stray first line, odd spacing).",
        "now": "2021-02-26T10:00:00Z",
        "expect": {"undecidable": True,
                   "question": "Does an inbound connector identify the sending IP, and does Microsoft support confirm the S77719 throttle?"},
    })
    _case("ecaconcordia-21-printer-550-no-enhanced-status", {
        "mfp-syslog.txt": (
            "#[dcs_nas(27)]16/03/01 20:39:28 SMTPC: received error code. [550] (8000)  ERR:\n"
            "#[dcs_nas(27)]16/03/01 20:39:28 SMTPC: connection closed. (801)  ERR:\n"
            "#[dcs_nas(27)]16/03/01 20:40:12 SMTPC: received error code. [550] (8000)  ERR:\n"
            "#[dcs_nas(27)]16/03/01 20:40:12 SMTPC: connection closed. (801)  ERR:\n"),
    }, {
        "title": "Scanner syslog shows only 'received error code [550]'",
        "sources": [{"url": "https://github.com/ECAConcordia/IT/issues/21", "title": "Scanning not working on Burgundy"}],
        "summary": "A multifunction device sending anonymously through a campus SMTP server logs only '[550]'; the admin "
                   "moved it to another relay. Nothing in the evidence says which server refused or why.",
        "reconstruction": "The device syslog lines from the issue.",
        "now": "2016-03-03T09:00:00Z",
        "expect": {"undecidable": True,
                   "question": "What is the full reply (with its enhanced status code) and which server gave it?"},
    })
    _case("xerox-workcentre-starttls-tls10-firmware", {
        "xerox-protocol-log.txt": (
            "2019/11/04 10:22:31 [SMTP] Connect to smtp.office365.com:587\n"
            "2019/11/04 10:22:31 [SMTP] S: 220 SN4PR0201CA0047.outlook.office365.com Microsoft ESMTP MAIL Service ready\n"
            "2019/11/04 10:22:31 [SMTP] C: EHLO WC5845\n2019/11/04 10:22:31 [SMTP] C: STARTTLS\n"
            "2019/11/04 10:22:31 [SMTP] S: 220 2.0.0 SMTP server ready\n"
            "2019/11/04 10:22:32 [SSL] SSL handshake failed (alert 70)\n"
            "2019/11/04 10:22:32 [SMTP] Job 1187 Scan to Email: SMTP server connection error (016-764)\n"),
    }, {
        "title": "Xerox WorkCentre scan to e-mail with STARTTLS to Microsoft 365: handshake fails",
        "sources": [{"url": "https://rental-server.net/?p=7776",
                     "title": "Troubleshooting Xerox Scan to Email Failures with Microsoft 365: TLS 1.2 and Firmware Updates"}],
        "summary": "Older WorkCentre firmware offers only TLS 1.0 for e-mail, so STARTTLS to Microsoft 365 fails; sending "
                   "with encryption off works only through an IP connector. The article resolves it with a firmware "
                   "update; the device log alone shows only that the handshake failed.",
        "reconstruction": "Device protocol log with the handshake failure (alert 70: protocol version).",
        "now": "2019-11-04T11:00:00Z",
        "expect": {"undecidable": True,
                   "question": "Which TLS versions does the device firmware offer (configuration report), and can it be updated to TLS 1.2?",
                   "not_codes": ["4.7.66"]},
    })
    _case("microsoftdocs-5.7.750-unregistered-domains", {
        "NDR-fr.txt": ndr_2013("client@northwind.example",
                               "550 5.7.750 Service unavailable. Client blocked from sending from unregistered domains. "
                               "[AM6EUR05FT047.eop-EUR05.prod.protection.outlook.com]", lang="fr"),
        "Get-AcceptedDomain.txt": accepted_table([("contoso.com", "Authoritative", True)]),
        "note.txt": "Les factures partent depuis facturation@contoso-billing.example (nouvelle appli) depuis lundi.\r\n",
    }, {
        "title": "Tenant blocked with 5.7.750 after sending from a domain it has not registered",
        "sources": [{"url": "https://github.com/MicrosoftDocs/OfficeDocs-o365seccomp/pull/709",
                     "title": "Update unregistered-domain-email.md (5.7.705 and 5.7.750)"},
                    {"url": "https://learn.microsoft.com/en-us/exchange/troubleshoot/email-delivery/ndr/fix-error-code-5-7-700-through-5-7-750",
                     "title": "Fix NDR error codes 5.7.700 through 5.7.750 in Exchange Online"}],
        "summary": "Exchange Online blocks a tenant that relays a large volume from domains it has not added and verified; "
                   "the fix is to add and verify the sending domains (or stop relaying them) and ask support to lift "
                   "the block.",
        "reconstruction": "A French-language Exchange NDR, the accepted domains, a note naming the new sending domain.",
        "now": "2024-04-10T09:00:00Z",
        "expect": {"cause": "unregistered-sending-domains", "code": "5.7.750"},
    })


def _zip(files: dict[str, str | bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():  # fixed entry times: the same bytes on every run
            info = zipfile.ZipInfo(name, date_time=(2024, 5, 6, 9, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, content if isinstance(content, bytes) else content.encode("utf-8"))
    return buf.getvalue()


def windows_and_packaging_cases() -> None:
    # blackmarble: certificate change, the front end has no certificate for its FQDN (event 12014).
    event_de = (
        "Protokollname: Application\r\nQuelle:        MSExchangeFrontEndTransport\r\nDatum:         04.02.2016 12:17:20\r\n"
        "Ereignis-ID:   12014\r\nAufgabenkategorie:TransportService\r\nEbene:         Fehler\r\nSchlüsselwörter:Klassisch\r\n"
        "Benutzer:      Nicht zutreffend\r\nComputer:      EXCH01.corp.contoso.com\r\nBeschreibung:\r\n"
        "Microsoft Exchange konnte kein Zertifikat mit dem Domänennamen mail.contoso.com im persönlichen Speicher auf dem "
        "lokalen Computer finden. Daher kann das SMTP-Verb STARTTLS für den Connector Default Frontend EXCH01 mit dem "
        "FQDN-Parameter mail.contoso.com nicht unterstützt werden. Wenn der FQDN des Connectors nicht angegeben ist, wird "
        "der FQDN des Computers verwendet. Überprüfen Sie die Connectorkonfiguration und die installierten Zertifikate.\r\n")
    _case("blackmarble-12014-frontend-certificate-removed", {
        "Anwendung-12014.txt": _utf16(event_de),
        "MessageTrace-details.csv": '"Date","Event","Detail"\r\n"2/4/2016 12:31:09 PM","Defer","LED=450 4.4.317 Cannot connect to '
                                    'remote server [Message=451 5.7.3 STARTTLS is required to send mail] '
                                    '[LastAttemptedServerName=mail.contoso.com] [LastAttemptedIP=203.0.113.25:25] '
                                    '[AM5EUR02FT011.eop-EUR02.prod.protection.outlook.com]"\r\n',
        "Get-ExchangeCertificate.fl.utf16.txt": format_list([{
            "FriendlyName": "contoso 2016", "Subject": "CN=webmail.contoso.com", "CertificateDomains": ["webmail.contoso.com", "autodiscover.contoso.com"],
            "Services": "IIS, SMTP", "Status": "Valid", "Thumbprint": "5D3C2B1A0F9E8D7C6B5A49382716051F4E3D2C1B",
            "NotAfter": "2/1/2017 11:59:59 PM", "NotBefore": "2/1/2016 12:00:00 AM", "RootCAType": "ThirdParty",
            "IsSelfSigned": False, "HasPrivateKey": True, "Issuer": "CN=Tailspin Trust RSA TLS CA G2, O=Tailspin Trust Services, C=US"}]),
    }, {
        "title": "Certificate replaced and old one removed: the front end cannot offer STARTTLS (event 12014, German)",
        "sources": [{"url": "https://blogs.blackmarble.co.uk/adawson/exchange-2013-cert-change-unable-to-support-the-starttls-smtp-verb/",
                     "title": "Exchange 2013 Cert Change - Unable to Support the STARTTLS SMTP Verb"},
                    {"url": "https://ex-shell.com/2022/10/25/error-450-4-4-317-cannot-connect-to-remote-server-451-5-7-3-starttls-is-required-to-send-mail/",
                     "title": "Error 450 4.4.317 ... 451 5.7.3 STARTTLS is required to send mail"}],
        "summary": "After the SMTP certificate was replaced with one for another name and the old one deleted, "
                   "MSExchangeFrontEndTransport logs event 12014 (no certificate for the connector FQDN, STARTTLS not "
                   "offered) and inbound mail from Exchange Online Protection (TLS required) stops; fix by pointing "
                   "the receive connector at the new certificate (TlsCertificateName / FQDN).",
        "reconstruction": "Event Viewer text export from a German Windows (UTF-16), the message trace detail EOP "
                          "shows for the deferred mail, the new certificate in Format-List.",
        "now": "2016-02-04T13:00:00Z",
        "expect": {"cause": "onprem-starttls-required", "code": "4.4.317"},
    })
    _case("sendmail-legacy-frontbridge-4.4.62", {
        "maillog": (
            "Apr 10 09:14:02 erp02 sm-mta[22841]: 43A9E1a0022841: from=<erp@contoso.com>, size=3411, class=0, nrcpts=1, msgid=<202404100914.43A9E1a0022841@erp02.contoso.com>, proto=ESMTP, daemon=MTA, relay=localhost [127.0.0.1]\n"
            "Apr 10 09:14:03 erp02 sm-mta[22843]: STARTTLS=client, relay=mail.global.frontbridge.com., version=TLSv1.2, verify=OK, cipher=ECDHE-RSA-AES256-GCM-SHA384, bits=256/256\n"
            "Apr 10 09:14:04 erp02 sm-mta[22843]: 43A9E1a0022841: to=<buyer@fabrikam.com>, delay=00:00:02, xdelay=00:00:01, mailer=relay, pri=123411, relay=mail.global.frontbridge.com. [52.101.40.12], dsn=4.4.62, stat=Deferred: 451 4.4.62 Mail sent to the wrong Office 365 region. ATTR35. For more information please go to https://go.microsoft.com/fwlink/?linkid=865268 [DM6NAM12FT031.eop-nam12.prod.protection.outlook.com]\n"),
        "sendmail.mc": ("divert(-1)dnl\ninclude(`/usr/share/sendmail-cf/m4/cf.m4')dnl\nVERSIONID(`erp02 relay')dnl\nOSTYPE(`linux')dnl\n"
                        "define(`SMART_HOST', `mail.global.frontbridge.com')dnl\nFEATURE(`access_db')dnl\nMAILER(smtp)dnl\n"),
        "Get-AcceptedDomain.txt": accepted_table([("contoso.com", "Authoritative", True)]),
    }, {
        "title": "sendmail smart host still points at the legacy Forefront/EOP host: 451 4.4.62 ATTR35",
        "sources": [{"url": "https://learn.microsoft.com/en-us/exchange/troubleshoot/email-delivery/wrong-office-365-region-exo",
                     "title": "ATTR35 response code when mail is sent to EOP/EXO"},
                    {"url": "https://github.com/MicrosoftDocs/OfficeDocs-Exchange/pull/2651",
                     "title": "Docs PR: 5.7.64 TenantAttribution or 4.4.62 Mail sent to the wrong Office 365 region"}],
        "summary": "A relay that still sends to a legacy Exchange Online Protection host (mail.global.frontbridge.com, "
                   "mail.messaging.microsoft.com) or a hard-coded IP reaches a datacenter that does not serve the tenant "
                   "and is deferred with 451 4.4.62 ATTR35; fix by sending to <tenant>.mail.protection.outlook.com.",
        "reconstruction": "sendmail maillog (STARTTLS=client line, deferral with the reply) and the sendmail.mc that "
                          "sets SMART_HOST.",
        "now": "2024-04-10T10:00:00Z",
        "expect": {"cause": "wrong-region-endpoint", "code": "4.4.62"},
    })
    log = SendLog("2024-05-06T00:00:00.410Z")
    log.session("2024-05-06T07:12:30.000Z", tls="ok", cert=None, egress="198.51.100.77", ehlo="relay01.contoso.com",
                rcpts=[("accounts@fabrikam.com", REJECT_64)])
    inner = {
        "collected/SEND20240506-1.LOG": log.text(),
        "collected/Get-InboundConnector.xml": clixml([inbound("Relay from datacenter", ips=["203.0.113.0/24"],
                                                              when_changed="11/2/2022 4:10:00 PM")],
                                                     "Microsoft.Exchange.Data.Directory.SystemConfiguration.TenantInboundConnector"),
        "collected/Get-AcceptedDomain.json": to_json([{"DomainName": "contoso.com", "DomainType": "Authoritative", "Default": True},
                                                      {"DomainName": "contoso.onmicrosoft.com", "DomainType": "Authoritative", "Default": False}]),
        "collected/desktop.ini": "[.ShellClassInfo]\r\nIconResource=C:\\Windows\\System32\\imageres.dll,-3\r\n",
    }
    _case("kb4051495-ip-changed-zipped-with-noise", {
        "evidence-INC0051123.zip": _zip(inner),
        "screenshot-ndr.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x02\x80\x00\x00\x01\xe0\x08\x06\x00\x00\x00" + bytes(64),
        "Application.evtx": b"ElfFile\x00" + bytes(120),
        "notes.md": "# INC0051123\n- NDRs since the firewall swap on Saturday\n- zip is what collect.ps1 produced\n",
        "~$tes.docx": b"\x0cJohn Smith" + bytes(40),
    }, {
        "title": "Evidence handed over as a zip next to a screenshot, a binary event log and an Office lock file",
        "sources": [{"url": "https://learn.microsoft.com/en-us/exchange/troubleshoot/email-delivery/ndr/relay-access-denied-smtp",
                     "title": "KB 4051495, cause 2: the connector's IP no longer matches the submitting server"}],
        "summary": "The KB 4051495 IP case as a help desk forwards it: the collector's output zipped, plus files that "
                   "are not evidence (a screenshot, a binary .evtx, an Office owner file); the egress IP in EOP's EHLO "
                   "reply is not in the IP connector's range.",
        "reconstruction": "Send log, connector (Export-Clixml, UTF-16) and accepted domains (JSON) inside a zip; "
                          "stray binary files beside it.",
        "now": "2024-05-06T08:00:00Z",
        "expect": {"cause": "sender-ip-mismatch", "code": "5.7.64"},
    })
    es_ndr = (
        "No se pudo entregar a estos destinatarios o grupos:\r\n\r\ncliente@northwind.example\r\n"
        "El servidor de correo electrónico del destinatario rechazó el mensaje.\r\n\r\n"
        "Información de diagnóstico para administradores:\r\n\r\nServidor de generación: BM1PR01MB1076.INDPRD01.PROD.OUTLOOK.COM\r\n\r\n"
        "cliente@northwind.example\r\nRemote Server returned '550 5.7.708 Service unavailable. Access denied, traffic not "
        "accepted from this IP. For more information please go to http://go.microsoft.com/fwlink/?LinkId=526653 AS(7230) "
        "[BM1PR01MB1076.INDPRD01.PROD.OUTLOOK.COM]'\r\n\r\nEncabezados del mensaje original:\r\n\r\n"
        "Received: from BM1PR01MB1076.INDPRD01.PROD.OUTLOOK.COM by BM1PR01MB1076.INDPRD01.PROD.OUTLOOK.COM\r\n")
    _case("officedocs-1745-5.7.708-spanish-ndr", {
        "NDR-no-entregado.txt": es_ndr,
        "Get-AcceptedDomain.txt": accepted_table([("contoso.es", "Authoritative", True), ("contosoes.onmicrosoft.com", "Authoritative", False)]),
    }, {
        "title": "Spanish NDR: 550 5.7.708 Access denied, traffic not accepted from this IP (new tenant)",
        "sources": [{"url": "https://github.com/MicrosoftDocs/OfficeDocs-Exchange/issues/1745", "title": "Error 5.7.708 - access denied"},
                    {"url": "https://learn.microsoft.com/en-us/exchange/troubleshoot/email-delivery/ndr/fix-error-code-5-7-700-through-5-7-750",
                     "title": "Fix NDR error codes 5.7.700 through 5.7.750 in Exchange Online"}],
        "summary": "A new tenant's outbound mail is refused with 5.7.708: Exchange Online does not accept the tenant's "
                   "mail from the IP address it came from (a new or low-reputation tenant sending through its own "
                   "servers); support has to lift it.",
        "reconstruction": "The NDR as a Spanish Outlook shows it (localized labels, the reply in English).",
        "now": "2021-01-23T09:00:00Z",
        "expect": {"cause": "ip-not-accepted", "code": "5.7.708"},
    })


def truncated_export_cases() -> None:
    from build_cases import NEW_CERT

    log = SendLog("2024-03-12T00:00:01.220Z")
    log.session("2024-03-12T08:41:19.100Z", cert=NEW_CERT, rcpts=[("orders@fabrikam.com", REJECT_64)])
    table = ("\r\nName                                                  Enabled ConnectorType TlsSenderCertificateName\r\n"
             "----                                                  ------- ------------- ------------------------\r\n"
             "Inbound from 5c1a4e1b-6a0e-4e2b-9f3d-2c7b8d9e0f11        True OnPremises    mail.contoso.c...\r\n"
             "Scanner relay (old)                                     False OnPremises\r\n\r\n")
    _case("kb4051495-renewed-certificate-format-table-cut", {
        "SEND20240312-1.LOG": log.text(),
        "inbound-connectors.txt": _utf16(table),
        "Get-AcceptedDomain.txt": accepted_table([("contoso.com", "Authoritative", True)]),
    }, {
        "title": "Renewed certificate, but the connector was pasted from Format-Table with its name cut short",
        "sources": [{"url": "https://learn.microsoft.com/en-us/exchange/troubleshoot/email-delivery/ndr/relay-access-denied-smtp",
                     "title": "550 5.7.64 TenantAttribution when sending mail externally in Microsoft 365 (KB 4051495)"}],
        "summary": "The KB 4051495 certificate case, with the evidence an admin often pastes: Get-InboundConnector | "
                   "Format-Table, whose TlsSenderCertificateName column ends in '...'. The connector does name a "
                   "certificate, but which one the export does not say, so no certificate cause can be decided, and "
                   "the connector must not be taken for one without an identity.",
        "reconstruction": "Send log presenting the renewed certificate; the connectors as a Format-Table paste "
                          "(UTF-16) with the name truncated.",
        "now": "2024-03-12T09:00:00Z",
        "expect": {"undecidable": True,
                   "question": "What is the connector's full TlsSenderCertificateName (re-export with Format-List or Export-Clixml)?",
                   "not_ruled_out": ["certificate-name-mismatch"],
                   "not_likely": ["connector-missing"]},
    })


def partner_connector_cases() -> None:
    t = "2026-05-02 10:11:"
    log = "".join(f"[{t}{sec}] DEBUG [kX9pQ2] {line}\n" for sec, line in (
        ("12", "Resolved contoso-co-uk.mail.protection.outlook.com as 52.101.73.5 [cache miss]"),
        ("12", "Connection established to 52.101.73.5:25"),
        ("12", "S: 220 LO2PEPF0000AD7B.mail.protection.outlook.com Microsoft ESMTP MAIL Service ready at Sat, 2 May 2026 10:11:12 +0000"),
        ("12", "C: EHLO mail-relay.contoso.co.uk"),
        ("12", "S: 250-LO2PEPF0000AD7B.mail.protection.outlook.com Hello [203.0.113.118]"),
        ("12", "C: STARTTLS"),
        ("13", "S: 220 2.0.0 SMTP server ready"),
        ("13", "Connection upgraded with STARTTLS"),
        ("13", "C: MAIL FROM:<amir@contoso.co.uk>"),
        ("13", "S: 250 2.1.0 Sender OK"),
        ("13", "C: RCPT TO:<someone@fabrikam.example>"),
        ("13", "S: 550 5.7.64 TenantAttribution; Relay Access Denied [LO2PEPF0000AD7B.eop-EUR05.prod.protection.outlook.com]"),
    ))
    log += ("[2026-05-02 10:11:13] ERROR Relay failed { messageId: '<e1@contoso.co.uk>', err: 'Can\\'t send mail - all recipients "
            "were rejected: 550 5.7.64 TenantAttribution; Relay Access Denied' }\n"
            "[2026-05-02 10:12:40] INFO  Relaying processed message to smart host { to: 'team@contoso.co.uk' } ok\n")
    _case("signature-relay-partner-connector-from-eac", {
        "mail-processor.log": log,
        "Get-InboundConnector.fl.txt": format_list([inbound("Signature Relay (inbound)", ctype="Partner",
                                                            ips=["203.0.113.118"], require_tls=True,
                                                            when_changed="4/30/2026 5:40:00 PM")]),
        "Get-AcceptedDomain.txt": accepted_table([("contoso.co.uk", "Authoritative", True)]),
        ".env.example": "HOSTNAME=mail-relay.contoso.co.uk\nSMART_HOST_HOST=contoso-co-uk.mail.protection.outlook.com\nSMART_HOST_PORT=25\n",
    }, {
        "title": "Signature relay: the connector made in the admin center is a Partner connector (internal mail works, external 5.7.64)",
        "sources": [{"url": "https://github.com/mohsincw/email-signature-platform",
                     "title": "Chaiiwala Mail-Signature Relay, apps/mail-processor README: 'Step A - Inbound connector'"},
                    {"url": "https://learn.microsoft.com/en-us/exchange/troubleshoot/email-delivery/ndr/relay-access-denied-smtp",
                     "title": "KB 4051495: a connector configured correctly must match the submitting server"}],
        "summary": "A relay that rewrites outbound mail and hands it back to the tenant's MX endpoint is trusted by an "
                   "inbound connector created in the Exchange admin center, which made it a Partner connector: mail to "
                   "the tenant's own users arrives, mail to external recipients is refused with 5.7.64. The README's "
                   "fix: create it with PowerShell as an OnPremises connector (CloudServicesMailEnabled).",
        "reconstruction": "The relay's nodemailer debug log (EHLO reply with the relay's public IP, the refusal, a "
                          "later internal delivery), the connector in Format-List, accepted domains, the relay's settings.",
        "now": "2026-05-02T11:00:00Z",
        "expect": {"cause": "connector-type-partner", "code": "5.7.64"},
    })


def consumer_outlook_cases() -> None:
    _case("smtp-field-manual-89-4.7.650-outlook-com-reputation", {
        "maillog": (
            "Oct 12 07:40:11 mta01 postfix/qmgr[881]: 5C1D2E3F40: from=<news@contoso.example>, size=18211, nrcpt=1 (queue active)\n"
            "Oct 12 07:40:12 mta01 postfix/smtp[9120]: Anonymous TLS connection established to hotmail-com.olc.protection.outlook.com[52.101.40.29]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)\n"
            "Oct 12 07:40:13 mta01 postfix/smtp[9120]: 5C1D2E3F40: to=<reader@hotmail.com>, relay=hotmail-com.olc.protection.outlook.com[52.101.40.29]:25, delay=2.1, delays=0.01/0/1.2/0.9, dsn=4.7.650, status=deferred "
            "(host hotmail-com.olc.protection.outlook.com[52.101.40.29] said: 451 4.7.650 The mail server [198.51.100.40] has been temporarily rate limited due to IP reputation. "
            "For e-mail delivery information, see https://postmaster.live.com (S3114) [DB5PEPF00014B8F.eurprd02.prod.outlook.com 2023-10-12T07:40:13.512Z 08DBCA1F2E3D4C5B] (in reply to MAIL FROM command))\n"),
        "main.cf": "myhostname = mta01.contoso.example\nsmtp_tls_security_level = may\nsmtp_tls_loglevel = 1\ninet_interfaces = all\n",
    }, {
        "title": "Newsletter MTA deferred by Outlook.com: 451 4.7.650 rate limited due to IP reputation (S3114)",
        "sources": [{"url": "https://github.com/ActiveCampaign/smtp-field-manual/pull/89", "title": "Update 451.json for Microsoft (4.7.651 ... IP reputation, S3114)"}],
        "summary": "Outlook.com's consumer mail servers defer mail from an IP with a poor or unknown reputation with "
                   "451 4.7.65x ... temporarily rate limited due to IP reputation (S3114). It shares the 4.7.5xx-6xx "
                   "range with Exchange Online's ASxxx throttling of unattributed relays, but it is about the sending "
                   "IP's reputation at Outlook.com, not about a tenant's connectors; the reference table gives no "
                   "more than the reply.",
        "reconstruction": "A Postfix maillog of one deferral to hotmail.com and the relay's main.cf.",
        "now": "2023-10-12T09:00:00Z",
        "expect": {"undecidable": True,
                   "question": "Is the deferred mail going to Outlook.com consumer mailboxes, and what does the IP's reputation (postmaster.live.com, SNDS) show?",
                   "not_likely": ["ip-throttled"], "not_codes": ["4.7.500-699"]},
    })


def hcw_history_cases() -> None:
    from build_cases import NEW_CERT

    log = SendLog("2024-03-12T00:00:01.220Z")
    log.session("2024-03-12T08:41:19.100Z", cert=NEW_CERT, rcpts=[("orders@fabrikam.com", REJECT_64)])
    hcw = (
        "2023.03.02 14:10:05.114         4411 [Client=UX, Activity=Mail Flow, Session=Tenant, Cmdlet=Set-InboundConnector, Thread=12] "
        "START Set-InboundConnector -Identity 'Inbound from 5c1a4e1b-6a0e-4e2b-9f3d-2c7b8d9e0f11' -TlsSenderCertificateName "
        "'mail.contoso.com' -RequireTls: $true -CloudServicesMailEnabled: $true\r\n"
        "2023.03.02 14:10:06.387         4412 [Client=UX, Activity=Mail Flow, Session=Tenant, Cmdlet=Set-InboundConnector, Thread=12] "
        "FINISH Time=1273.0ms Results=Success\r\n"
        "2023.03.02 14:10:07.002         4413 [Client=UX, Activity=Mail Flow, Session=OnPremises, Cmdlet=Set-SendConnector, Thread=12] "
        "START Set-SendConnector -Identity 'Outbound to Office 365 - 5c1a4e1b-6a0e-4e2b-9f3d-2c7b8d9e0f11' -TlsCertificateName "
        "'<I>CN=Tailspin Trust RSA TLS CA G2, O=Tailspin Trust Services, C=US<S>CN=mail.contoso.com'\r\n"
        "2023.03.02 14:10:08.450         4414 [Client=UX, Activity=Mail Flow, Session=OnPremises, Cmdlet=Set-SendConnector, Thread=12] "
        "FINISH Time=1448.0ms Results=Success\r\n")
    _case("kb4051495-renewed-certificate-hcw-log-only", {
        "SEND20240312-1.LOG": log.text(),
        "HCW20230302_141002.log": hcw,
        "Get-AcceptedDomain.txt": accepted_table([("contoso.com", "Authoritative", True)]),
    }, {
        "title": "Renewed certificate; the only record of the connector is last year's HCW log",
        "sources": [{"url": "https://learn.microsoft.com/en-us/exchange/troubleshoot/email-delivery/ndr/relay-access-denied-smtp",
                     "title": "KB 4051495: 'For information about what the values for the TLS Sender certificate were ... see the HCW logs'"}],
        "summary": "KB 4051495 points admins at the HCW logs for the TLS sender certificate values the wizard set. "
                   "A year-old HCW log says the inbound connector was set to mail.contoso.com, and the server now "
                   "presents the renewed webmail.contoso.com; but what the wizard set is history, not the connector "
                   "as it is today, so the mismatch cannot be proven without the current connector.",
        "reconstruction": "Send log presenting the renewed certificate; the HCW log lines of the connector changes "
                          "(shape quoted in KB 4051381); accepted domains. No Get-InboundConnector export.",
        "now": "2024-03-12T09:00:00Z",
        "expect": {"undecidable": True,
                   "question": "What is the inbound connector's TlsSenderCertificateName today (Get-InboundConnector)?",
                   "not_ruled_out": ["certificate-name-mismatch"]},
    })


def main() -> None:
    for build in (relay_cases, submission_cases, other_code_cases, windows_and_packaging_cases,
                  truncated_export_cases, partner_connector_cases, consumer_outlook_cases, hcw_history_cases):
        build()


if __name__ == "__main__":
    main()
