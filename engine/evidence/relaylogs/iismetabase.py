"""IIS 6 SMTP virtual server settings → ``smtp_client`` facts (origin ``iis_config``).

KB 3212877 names the IIS SMTP service as a relay that meets 5.7.64. What decides its side is the
virtual server's delivery settings, read from any of the exports admins make:

- ``MetaBase.xml`` (``%windir%\\System32\\inetsrv``): ``<IIsSmtpServer Location="/LM/SmtpSvc/1"
  SmartHost="[tenant.mail.protection.outlook.com]" SmartHostType="2" RemoteSmtpPort="25" …>``
  (attribute names per the IIS 6 metabase property reference);
- ``adsutil.vbs enum smtpsvc/1``: ``SmartHost   : (STRING) "host"`` lines;
- ``Get-WmiObject -Namespace root\\MicrosoftIISv2 IIsSmtpServerSetting | Format-List`` (``Get-`` style):
  ``SmartHost : host`` lines.

Read: ``SmartHost``, ``SmartHostType`` (0 none, 1 after DNS fails, 2 always), ``RemoteSmtpPort``,
``RemoteSmtpSecurePort``, outbound TLS (``AlwaysUseSsl``, the documented name; ``RemoteUseTLS`` and
``OutboundTLS`` as some exports call it), outbound credentials (``RouteUserName``),
``FullyQualifiedDomainName``. IIS 6 SMTP presents no client certificate of its own, so nothing is
said about one. A half-written metabase is read as far as its ``IIsSmtpServer`` elements go, with a
located warning.
"""

from __future__ import annotations

import re

from ... import lazyre
from ...errors import EvidenceError
from ...facts import Provenance
from ..base import Document, ParseResult
from .client import Tally, clean_host

KIND = "iis_smtp_config"
_ELEMENT = lazyre.compile(r"^\s*<IIsSmtp(?:Server|Service)\b(?P<attrs>[^>]*)>?", re.S | re.M)
_ATTR = lazyre.compile(r"\b(?P<name>[A-Za-z][A-Za-z0-9_]*)\s*=\s*\"(?P<value>[^\"]*)\"")
_LISTED = lazyre.compile(r"^\s*(?P<name>[A-Za-z][A-Za-z0-9_]*)\s*:\s*"
                     r"(?:\((?:STRING|INTEGER|BOOLEAN|EXPANDSZ|LIST)\)\s*)?"
                     r"\"?(?P<value>[^\"]*?)\"?\s*$")
_WANTED = ("SmartHost", "SmartHostType", "RemoteSmtpPort", "RemoteSmtpSecurePort", "AlwaysUseSsl",
           "RemoteUseTLS",
           "OutboundTLS", "RouteUserName", "FullyQualifiedDomainName")
_MARKERS = lazyre.compile(r"^\s*<IIsSmtpServer\b|^\s*KeyType\s*:\s*(?:\(STRING\)\s*)?\"?IIsSmtpServer"
                      r"|IIsSmtpServerSetting",
                      re.I | re.M)
_LISTED_HOST = lazyre.compile(r"^\s*(?:SmartHost|RemoteSmtpPort|FullyQualifiedDomainName)\s*:", re.M)


def sniff(doc: Document) -> bool:
    try:
        head = doc.head_text()[:65536]
    except Exception:
        return False
    if not _MARKERS.search(head):
        return False
    if re.search(r"^\s*<IIsSmtpServer\b", head, re.M):
        return True
    return bool(_LISTED_HOST.search(head))


def parse(doc: Document) -> ParseResult:
    text = doc.text()
    warnings: list[str] = []
    servers = _xml_servers(text, warnings) or _listed_servers(text)
    if not servers:
        raise EvidenceError("IIS SMTP settings without SmartHost, RemoteSmtpPort or FullyQualifiedDomainName",
                            doc.name)
    facts = []
    for line_no, props, excerpt in servers:
        fqdn = (props.get("FullyQualifiedDomainName") or "").lower()
        tally = Tally("iis_smtp", "iis_config", scope_id=fqdn)
        raw_host = (props.get("SmartHost") or "").split(";")[0].strip()
        host = clean_host(raw_host) if raw_host else None
        if raw_host and host is None:
            warnings.append(f"line {line_no}: SmartHost not understood: {raw_host!r}")
        kind = props.get("SmartHostType", "")
        if host and kind == "0":
            host = None  # a smart host that is switched off
        tls = _flag(props, "AlwaysUseSsl", "RemoteUseTLS", "OutboundTLS")
        port_key = "RemoteSmtpSecurePort" if tls and props.get("RemoteSmtpSecurePort") else "RemoteSmtpPort"
        port = _int(props.get(port_key)) or (25 if host else None)
        seen = tally.get(host, port, Provenance(doc.name, line_no, Provenance.clip(excerpt)))
        if tls is not None:
            seen.starttls_used = tls
            seen.tls_policy = "required" if tls else "none"
        if props.get("RouteUserName"):
            seen.auth_used = True
        facts.extend(tally.facts())
    hosts = ", ".join(f"{f.smart_host}:{f.port}" for f in facts if f.smart_host) or "no smart host"
    detail = f"{len(servers)} SMTP virtual server(s); {hosts}"
    return ParseResult(facts=facts, detail=detail, warnings=warnings)


def _xml_servers(text: str, warnings: list[str]) -> list[tuple[int, dict[str, str], str]]:
    """Each ``IIsSmtpServer`` with what it inherits from ``IIsSmtpService`` (metabase inheritance)."""
    inherited: dict[str, str] = {}
    out = []
    for m in _ELEMENT.finditer(text):
        props = {a.group("name"): a.group("value") for a in _ATTR.finditer(m.group("attrs"))}
        line_no = text.count("\n", 0, m.start()) + 1
        if not m.group(0).endswith(">"):
            warnings.append(f"line {line_no}: IIsSmtp element cut off; read the attributes it has")
        if m.group(0).lstrip().startswith("<IIsSmtpService"):
            inherited = {k: v for k, v in props.items() if k in _WANTED}
            continue
        location = props.get("Location", "").strip().lower()
        if location and not re.match(r"^/lm/smtpsvc/\d+$", location):
            continue
        out.append((line_no, {**inherited, **props}, text.split("\n")[line_no - 1]))
    return out


def _listed_servers(text: str) -> list[tuple[int, dict[str, str], str]]:
    props: dict[str, str] = {}
    first = None
    excerpt = ""
    for line_no, line in enumerate(text.split("\n"), start=1):
        m = _LISTED.match(line)
        if m and m.group("name") in _WANTED:
            props[m.group("name")] = m.group("value").strip()
            if first is None or m.group("name") == "SmartHost":
                first, excerpt = line_no, line
    return [(first, props, excerpt)] if props and first is not None else []


def _flag(props: dict[str, str], *names: str) -> bool | None:
    for name in names:
        value = props.get(name)
        if value is not None and value.strip():
            return value.strip().lower() in ("true", "1", "yes")
    return None


def _int(value: str | None) -> int | None:
    if value and value.strip().isdigit() and 0 < int(value) < 65536:
        return int(value)
    return None
