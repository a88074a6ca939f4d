"""Synthetic Exchange send protocol log sessions (the shape of the shared samples), for the watch
tests and the watch benchmark: a header, and sessions to Exchange Online that are accepted or
rejected with 550 5.7.64, presenting a given certificate."""

from __future__ import annotations

import datetime as dt

HEADER = (
    "#Software: Microsoft Exchange Server\r\n#Version: 15.02.2562.017\r\n"
    "#Log-type: SMTP Send Protocol Log\r\n"
    "#Date: {date}\r\n"
    "#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,"
    "context\r\n"
)
ISSUER = 'CN=Tailspin Trust RSA TLS CA G2, O=""Tailspin Trust Services, Inc."", L=Redmond, S=Washington, C=US'
REJECT = (
    "550 5.7.64 TenantAttribution; Relay Access Denied [AM6EUR05FT012.eop-EUR05.prod.protection.outlook.com]"
)


def header(at: dt.datetime) -> str:
    return HEADER.format(date=_t(at))


def _t(at: dt.datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def session(
    sid: str,
    at: dt.datetime,
    *,
    accepted: bool,
    cert_cn: str = "mail2026.contoso.net",
    thumbprint: str = "121A013FD6789E1E09F2493A26AD9213BF5B07C7",
    egress: str = "203.0.113.25",
    sender: str = "ana.ruiz@contoso.com",
    recipient: str = "orders@fabrikam.com",
) -> list[str]:
    """The lines (CRLF-terminated) of one session; the recipient's reply is its line 21 (index 20)."""
    rows = [
        ("*", "", "attempting to connect"),
        ("+", "", ""),
        ("<", '"220 AM6EUR05FT047.mail.protection.outlook.com Microsoft ESMTP MAIL Service ready"', ""),
        (">", "EHLO mail.contoso.com", ""),
        ("<", f"250-AM6EUR05FT047.mail.protection.outlook.com Hello [{egress}]", ""),
        ("<", "250 STARTTLS", ""),
        (">", "STARTTLS", ""),
        ("<", "220 2.0.0 SMTP server ready", ""),
        ("*", "", "Sending certificate"),
        ("*", f"CN={cert_cn}", "Certificate subject"),
        ("*", f'"{ISSUER}"', "Certificate issuer name"),
        ("*", thumbprint, "Certificate thumbprint"),
        ("*", cert_cn, "Certificate alternate names"),
        (
            "*",
            "",
            '"TLS protocol SP_PROT_TLS1_2_CLIENT negotiation succeeded using bulk encryption algorithm '
            'CALG_AES_256 with strength 256 bits"',
        ),
        (">", "EHLO mail.contoso.com", ""),
        ("<", f"250-AM6EUR05FT047.mail.protection.outlook.com Hello [{egress}]", ""),
        ("<", "250 SMTPUTF8", ""),
        (">", f"MAIL FROM:<{sender}> SIZE=2876", ""),
        (">", f"RCPT TO:<{recipient}>", ""),
        ("<", "250 2.1.0 Sender OK", ""),
        ("<", "250 2.1.5 Recipient OK" if accepted else REJECT, ""),
    ]
    if accepted:
        rows += [
            (">", "BDAT 2876 LAST", ""),
            ("<", '"250 2.6.0 <x@contoso.com> Queued mail for delivery"', ""),
        ]
    else:
        rows += [(">", "RSET", ""), ("<", "250 2.0.0 Resetting", "")]
    rows += [
        (">", "QUIT", ""),
        ("<", "221 2.0.0 Service closing transmission channel", ""),
        ("-", "", "Local"),
    ]
    out = []
    for seq, (event, data, context) in enumerate(rows):
        stamp = _t(at + dt.timedelta(milliseconds=seq))
        out.append(
            f"{stamp},Outbound to Office 365,{sid},{seq},10.20.0.15:50412,52.101.68.24:25,"
            f"{event},{data},{context}\r\n"
        )
    return out


RCPT_REPLY_INDEX = 20
