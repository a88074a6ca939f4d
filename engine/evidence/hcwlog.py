"""Hybrid Configuration Wizard logs: which certificate names the wizard set on the connectors.

The shape implemented is the one Microsoft quotes from a real HCW log (KB 4051381, "Error from
Microsoft 365 Hybrid Configuration Wizard: Object not set to an instance of an object",
MicrosoftDocs/SupportArticles-docs)::

    2017.10.23 11:39:51.552         10276 [Client=UX, Activity=Domain Ownership, Session=OnPremises, \
Cmdlet=Set-FederatedOrganizationIdentifier, Thread=9] START Set-FederatedOrganizationIdentifier \
-AccountNamespace 'contoso.com' -DelegationFederationTrust 'Microsoft Federation Gateway' -Enabled: $true
    2017.10.23 11:39:57.693 *ERROR* 10277 [Client=UX, ..., Thread=9] FINISH Time=6140.9ms Results=...

``yyyy.MM.dd HH:mm:ss.fff``, an optional ``*LEVEL*``, a sequence number, ``[key=value, …]`` context
(``Session=Tenant`` for Exchange Online, ``OnPremises`` for Exchange) and ``START <cmdlet>
<parameters>`` or ``FINISH Time=… [Results=…]``; stack traces follow as indented lines.

Read here: ``START`` of ``Set-/New-InboundConnector`` with ``-TlsSenderCertificateName`` and of
``Set-/New-SendConnector``, ``Set-ReceiveConnector`` or ``Set-HybridConfiguration`` with
``-TlsCertificateName``, and whether the matching ``FINISH`` was an ``*ERROR*``. The connector
comparison tables the Exchange team's hybrid TLS article mentions (search for "actual",
``Equals`` False) are not implemented: no public source shows their layout. The article:
https://techcommunity.microsoft.com/blog/exchange/tls-certificates-in-exchange-hybrid---common-issues--how-to-fix-them/4420592

What the wizard set is history, not the connector's current state, so no ``InboundConnector``
fact is made from it (a partial connector would compete with the exported one). Each change
becomes a ``file:line`` warning, which the report lists as a note. The log's times are the
wizard machine's local time.
"""

from __future__ import annotations

import dataclasses

from .. import lazyre
from ..errors import EvidenceError
from ..lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from .base import Document, ParseResult

KIND = "hcw_log"

_LINE = lazyre.compile(
    r"^(?P<date>\d{4}\.\d{2}\.\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,7})?)\s+(?:\*(?P<level>[A-Za-z]+)\*\s+)?"
    r"(?P<seq>\d+)\s+\[(?P<ctx>[^\]\r\n]*)\]\s?(?P<msg>.*)$"
)
_CTX_ITEM = lazyre.compile(r"\s*([A-Za-z]+)=([^,]*)")
_CMDLET = lazyre.compile(r"^START\s+(?P<cmdlet>[A-Za-z]+-[A-Za-z0-9]+)(?P<params>.*)$")
_PARAM = lazyre.compile(r"-(?P<name>[A-Za-z][A-Za-z0-9]*)(?P<colon>:)?")
# Cmdlet -> (parameter holding the certificate name, where it lives)
WATCHED = {
    "set-inboundconnector": ("TlsSenderCertificateName", "Exchange Online inbound connector"),
    "new-inboundconnector": ("TlsSenderCertificateName", "Exchange Online inbound connector"),
    "set-sendconnector": ("TlsCertificateName", "send connector"),
    "new-sendconnector": ("TlsCertificateName", "send connector"),
    "set-receiveconnector": ("TlsCertificateName", "receive connector"),
    "set-hybridconfiguration": ("TLSCertificateName", "hybrid configuration"),
}
_MAX_LINE = 64 * 1024


@dataclass(frozen=True, slots=True)
class CertificateChange:
    """One certificate name the wizard set (or tried to set)."""

    line: int
    at: str  # "2026-11-23T10:05:11" (the wizard machine's local time)
    cmdlet: str
    target: str | None  # -Identity / -Name, if given
    parameter: str
    value: str | None  # None for $null
    session: str | None
    thread: str | None
    failed: bool = False


def sniff(doc: Document) -> bool:
    """A ``yyyy.MM.dd …`` line with the wizard's ``[…, Thread=N]`` context in the first 400 lines."""
    for line in doc.head_text().splitlines()[:400]:
        m = _LINE.match(line)
        if m:
            ctx = m.group("ctx")
            if "Thread=" in ctx and ("Client=" in ctx or "Session=" in ctx):
                return True
    return False


def _context(raw: str) -> dict[str, str]:
    return {m.group(1).lower(): m.group(2).strip() for m in _CTX_ITEM.finditer(raw)}


def parameters(text: str, source: str, line: int) -> dict[str, str | None]:
    """``-Name 'va''lue' -Flag: $true -Other $null -Bare word`` → {name lower: value or None}."""
    out: dict[str, str | None] = {}
    i, n = 0, len(text)
    while i < n:
        m = _PARAM.search(text, i)
        if m is None:
            break
        name = m.group("name").lower()
        j = m.end()
        while j < n and text[j] == " ":
            j += 1
        if j < n and text[j] == "'":
            k, buf = j + 1, []
            while True:
                if k >= n:
                    raise EvidenceError(f"unterminated quoted value of -{m.group('name')}", source, line)
                if text[k] == "'":
                    if k + 1 < n and text[k + 1] == "'":
                        buf.append("'")
                        k += 2
                        continue
                    break
                buf.append(text[k])
                k += 1
            out[name] = "".join(buf)
            i = k + 1
            continue
        if j >= n or text[j] == "-":
            out[name] = None if j >= n else ""  # a switch
            i = j
            continue
        end = text.find(" ", j)
        end = n if end < 0 else end
        word = text[j:end]
        out[name] = None if word.lower() == "$null" else word
        i = end
    return out


def scan(text: str, source: str) -> tuple[list[CertificateChange], int]:
    """Certificate-name changes in an HCW log, and how many log lines were recognised."""
    changes: list[CertificateChange] = []
    open_by_thread: dict[tuple[str | None, str], int] = {}
    recognised = 0
    for number, raw in enumerate(text.splitlines(), 1):
        if len(raw) > _MAX_LINE:
            raw = raw[:_MAX_LINE]
        m = _LINE.match(raw.rstrip("\r"))
        if not m:
            continue
        recognised += 1
        ctx = _context(m.group("ctx"))
        msg = m.group("msg").strip()
        cmd = _CMDLET.match(msg)
        if cmd:
            watched = WATCHED.get(cmd.group("cmdlet").lower())
            if watched is None:
                continue
            params = parameters(cmd.group("params"), source, number)
            key = watched[0].lower()
            if key not in params:
                continue
            date, _, clock = m.group("date").partition(" ")
            changes.append(
                CertificateChange(
                    line=number,
                    at=f"{date.replace('.', '-')}T{clock.split('.')[0]}",
                    cmdlet=cmd.group("cmdlet"),
                    target=params.get("identity") or params.get("name"),
                    parameter=watched[0],
                    value=params[key],
                    session=ctx.get("session"),
                    thread=ctx.get("thread"),
                )
            )
            open_by_thread[(ctx.get("thread"), cmd.group("cmdlet").lower())] = len(changes) - 1
            continue
        if msg.startswith("FINISH"):
            cmdlet = (ctx.get("cmdlet") or "").lower()
            index = open_by_thread.pop((ctx.get("thread"), cmdlet), None)
            if index is not None and (m.group("level") or "").upper() == "ERROR":
                changes[index] = dataclasses.replace(changes[index], failed=True)
    return changes, recognised


def describe(change: CertificateChange) -> str:
    target = f" on '{change.target}'" if change.target else ""
    value = "$null (cleared)" if change.value is None else f"'{change.value}'"
    outcome = "; the cmdlet FAILED, so the value was not changed" if change.failed else ""
    return (
        f"line {change.line}: the Hybrid Configuration Wizard ran {change.cmdlet}{target} with "
        f"{change.parameter} {value} at {change.at.replace('T', ' ')} (wizard machine's local time){outcome}"
    )


def parse(doc: Document) -> ParseResult:
    changes, recognised = scan(doc.text(), doc.name)
    if recognised == 0:
        raise EvidenceError("no Hybrid Configuration Wizard log lines found", doc.name, 1)
    inbound = [c for c in changes if c.cmdlet.lower().endswith("inboundconnector") and not c.failed]
    detail = f"HCW log: {recognised:,} log lines, {len(changes)} certificate name change(s)"
    if inbound:
        last = inbound[-1]
        detail += f"; last inbound connector value {last.value or '$null'} (line {last.line})"
    return ParseResult(facts=[], detail=detail, warnings=[describe(c) for c in changes])
