"""Entra ID sign-in logs downloaded as CSV from the portal (Monitoring > Sign-in logs >
Download > CSV): a header row of display names (``Date (UTC)``, ``User``, ``Username``,
``Application``, ``Status``, ``Sign-in error code``, ``Failure reason``, ``Client app``,
``IP address``, ``Conditional Access``, …: the 57 columns of a real download, recorded in a public
"M365 Schema Reference - Exact CSV Headers" note, some with a trailing blank (``Application ID ``)
and one twice (``Incoming token type``)), one row per sign-in.

The portal's JSON download and ``Get-MgAuditLogSignIn | ConvertTo-Json`` use the Graph property
names and are read by the cmdlets package; both end in the same ``signin`` fact
(``cmdlets/newkinds.py``).
"""

from __future__ import annotations

import csv
import io

from ...errors import EvidenceError
from ..base import Document, ParseResult
from .model import Prop, PSObject
from .objects import build_result

KIND = "entra_signin_csv"

_REQUIRED = ({"date (utc)", "client app"}, {"date (utc)", "sign-in error code"})


def _names(line: str) -> set[str]:
    return {c.strip().strip('"').lower() for c in line.lstrip("\ufeff").split(",")}


def sniff(doc: Document) -> bool:
    first = next((ln for ln in doc.head_text().splitlines() if ln.strip()), "")
    names = _names(first)
    return any(req <= names for req in _REQUIRED)


def parse(doc: Document) -> ParseResult:
    text = doc.text().lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    objects: list[PSObject] = []
    warnings: list[str] = []
    line = 1
    try:
        for record in reader:
            start, line = line, reader.line_num + 1
            if not any(c.strip() for c in record):
                continue
            if header is None:
                header = [c.strip() for c in record]
                continue
            if len(record) != len(header):
                warnings.append(f"line {start}: sign-in row has {len(record)} of {len(header)} columns")
            obj = PSObject(style="csv", line=start)
            for name, value in zip(header, record, strict=False):
                obj.add(Prop(name, value if value != "" else None, start, f"{name}: {value}"))
            objects.append(obj)
    except csv.Error as exc:
        warnings.append(f"line {reader.line_num}: CSV broken ({exc}); the rows before it are read")
    if header is None:
        raise EvidenceError("sign-in export without a header row", doc.name)
    return build_result(objects, doc.name, "Entra sign-in CSV", warnings)
