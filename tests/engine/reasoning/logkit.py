"""Send protocol logs written here, line by line, for the reasoning tests (real parser, real
engine): each session is a list of (event, data, context) rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

EOP = "AM6EUR05FT047.mail.protection.outlook.com"
TLS_OK = (
    "TLS protocol SP_PROT_TLS1_2_CLIENT negotiation succeeded using bulk encryption algorithm "
    "CALG_AES_256 with strength 256 bits"
)
HEADER = (
    "#Software: Microsoft Exchange Server\r\n#Version: 15.02.1748.010\r\n"
    "#Log-type: SMTP Send Protocol Log\r\n#Date: 2026-11-20T00:00:02.314Z\r\n"
    "#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,"
    "event,data,context\r\n"
)
Row = tuple[str, str, str]


def opening(ip: str = "203.0.113.25") -> list[Row]:
    return [
        ("*", "", "attempting to connect"),
        ("+", "", ""),
        ("<", f"220 {EOP} Microsoft ESMTP MAIL Service ready at Fri, 20 Nov 2026 08:41:19 +0000", ""),
        (">", "EHLO mail.contoso.com", ""),
        ("<", f"250-{EOP} Hello [{ip}]", ""),
        ("<", "250-STARTTLS", ""),
        ("<", "250 SMTPUTF8", ""),
    ]


def starttls(cert_rows: Sequence[Row], ip: str = "203.0.113.25") -> list[Row]:
    return [
        (">", "STARTTLS", ""),
        ("<", "220 2.0.0 SMTP server ready", ""),
        *cert_rows,
        ("*", "", TLS_OK),
        (">", "EHLO mail.contoso.com", ""),
        ("<", f"250-{EOP} Hello [{ip}]", ""),
        ("<", "250 SMTPUTF8", ""),
    ]


def mail(sender: str, rcpt: str, reply: str) -> list[Row]:
    rows: list[Row] = [
        (">", f"MAIL FROM:<{sender}>", ""),
        (">", f"RCPT TO:<{rcpt}>", ""),
        ("<", "250 2.1.0 Sender OK", ""),
        ("<", reply, ""),
    ]
    if reply.startswith("250"):
        rows += [(">", "BDAT 100 LAST", ""), ("<", f"250 2.6.0 <x@contoso.com> [Hostname={EOP}]", "")]
    return rows


def closing() -> list[Row]:
    bye = "221 2.0.0 Service closing transmission channel"
    return [(">", "QUIT", ""), ("<", bye, ""), ("-", "", "Local")]


def render(sessions: Sequence[Sequence[Row]], *, start_minute: int = 41) -> str:
    out = io.StringIO()
    out.write(HEADER)
    writer = csv.writer(out, lineterminator="\r\n")
    for n, rows in enumerate(sessions):
        sid = f"08DF42081AB4DA{n:02X}"
        for seq, (event, data, context) in enumerate(rows):
            stamp = f"2026-11-20T08:{start_minute + n:02d}:19.{seq:03d}Z"
            writer.writerow([stamp, "Outbound to Office 365", sid, seq, "10.20.0.15:52811", "52.101.73.10:25",
                             event, data, context])
    return out.getvalue()


REJECT_5764 = (
    "550 5.7.64 TenantAttribution; Relay Access Denied [AM6EUR05FT047.eop-eur05.prod.protection.outlook.com]"
)
