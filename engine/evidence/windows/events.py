"""One normalisation for Windows events, whatever export they came from.

Every reader (event XML, Event Viewer text and CSV, Get-WinEvent objects) turns an event into a
``RawEvent`` — provider, id, level, time, computer, message and any named data it carried — and
``to_fact`` maps that to a ``WindowsEvent`` with normalised fields, so rules never parse text.

What the fields mean comes from public sources:
- CAPI2 event 11 (CertGetCertificateChain) and 30 (CertVerifyCertificateChainPolicy), their
  ``<Certificate fileRef="<sha1>.cer" subjectName=…>``, ``<EventAuxInfo ProcessName=…>`` and
  ``<Result value="800B0109">`` elements: KB 3212877 (https://support.microsoft.com/en-us/help/3212877).
- Chain error codes: CERT_TRUST_STATUS (learn.microsoft.com, wincrypt.h dwErrorStatus flags) and
  the HRESULTs CERT_E_UNTRUSTEDROOT 0x800B0109, CERT_E_CHAINING 0x800B010A, CERT_E_EXPIRED
  0x800B0101, CRYPT_E_REVOKED 0x80092010, CRYPT_E_NO_REVOCATION_CHECK 0x80092012,
  CRYPT_E_REVOCATION_OFFLINE 0x80092013 (winerror.h).
- MSExchangeTransport / MSExchangeFrontEndTransport 12014 ("could not find a certificate that
  contains the domain name … for the connector … with a FQDN parameter of …"): Exchange 2007
  "How to Troubleshoot STARTTLS Certificate Error 12014" (technet bb510128) and KB 2989382 [S42];
  12013/12023/12024 ("could not load the certificate with thumbprint of …"): technet ff985435 /
  ff983190 (Exchange 2010 event reference).
- MSExchangeTransport SmtpSend events, message texts from the Exchange 2010 event reference
  (technet ff9xxxxx(v=exchg.141) pages, "Symbolic Name" / "Message Text"): 2003
  SmtpSendAuthenticationFailed ("Send connector %1 has failed to authenticate with %2. The response
  from the remote site is %3.", ff981124), 2004 SmtpSendAckMessage ("Send connector %1: Message
  delivery was not successful. The message with message ID %2 was acknowledged with SMTP response
  %3.", ff985316), 2015 SmtpSendTLSRequiredFailed ("Send connector %1 couldn't connect to remote
  domain %2. … unable to establish TLS … the EHLO response from the remote server %3.", ff982694),
  2016 SmtpSendAuthenticationInitializationFailed ("An authentication credential initialization
  error %1 occurred with Send connector %2. The authentication mechanism used was %3. The name of
  the server that we were trying to authenticate to was %4. …", ff983191), 2017
  SmtpSendOutboundAuthenticationFailed ("Outbound authentication failed with error %1 for Send
  connector %2. The authentication mechanism is %3. The target is %4.", ff982082).
- MSExchangeTransport / FrontEndTransport 1035 ("Inbound authentication failed with error %1 for
  Receive connector %2. The authentication mechanism is %3. The source IP address of the client who
  tried to authenticate to Microsoft Exchange is [%4]."), with its EventData in that order: the
  event as posted on the Exchange support team's blog ("Event 1035, MSExchangeTransport – Inbound
  authentication failed with error UnexpectedExchangeAuthBlob", learn.microsoft.com/archive/blogs/
  exchangechallengeaccepted) and the Microsoft KB on "454 4.7.0 Temporary authentication failure"
  (IllegalMessage, as quoted at e-com-net.com/article/4120151.htm).
- Schannel 36887 ("A fatal alert was received from the remote endpoint. The TLS protocol defined
  fatal alert code is 48.", as Microsoft's release health page for KB4519976 quotes it) and 36874
  ("An TLS 1.2 connection request was received from a remote client application, but none of the
  cipher suites supported by the client application are supported by the server.", as the
  Configuration Manager docs quote it): the Schannel Events list (learn.microsoft.com dn786445)
  and admins' quotes (en.ittrip.xyz).
- "TLS negotiation failed with error UnknownCredentials" is the send protocol log's wording (KB
  4051498, [S15]); no public source shows a Windows event carrying it, so the pattern below only
  matches it where some event's text quotes it.
What an event means is its provider and ID; only the values inserted into the message are in the
message text. Exchange writes those messages in English; a message in another language still keeps
what does not depend on the language — the event ID's meaning, an SMTP reply (2003/2004), a
certificate thumbprint, an ``<I>…<S>…`` certificate name, hex status codes — and the EventData
values in template order when the export carries them; the rest stays unknown and a warning says so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import field

from ... import lazyre
from ...errors import EngineError
from ...facts import Provenance, Symptom, WindowsEvent
from ...lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from .. import logbudget
from ..symptoms.smtp_reply import as_symptom, find_replies

# Error codes and chain flags → chain_error, most serious first where several apply.
HRESULTS: dict[str, str] = {
    "800B0109": "untrusted_root",
    "800B010A": "incomplete_chain",
    "80092013": "revocation_offline",
    "80092012": "no_revocation_check",
    "800B0101": "expired",
    "80092010": "revoked",
}
TRUST_FLAGS: dict[str, str] = {
    "CERT_TRUST_IS_REVOKED": "revoked",
    "CERT_TRUST_IS_NOT_TIME_VALID": "expired",
    "CERT_TRUST_IS_PARTIAL_CHAIN": "incomplete_chain",
    "CERT_TRUST_IS_UNTRUSTED_ROOT": "untrusted_root",
    "CERT_TRUST_IS_OFFLINE_REVOCATION": "revocation_offline",
    "CERT_TRUST_REVOCATION_STATUS_UNKNOWN": "no_revocation_check",
}
SEVERITY = ("revoked", "expired", "incomplete_chain", "untrusted_root", "revocation_offline",
            "no_revocation_check", "other", "none")

# Event levels: the XML number, and the English/German/French/Italian/Spanish display names
# (Event Viewer's "Level" column; the localised names are from knowledge, the German and French
# ones match Microsoft's Event Viewer help pages, forsenergy.com mirrors de-de / fr-fr).
LEVEL_NUMBERS = {"1": "critical", "2": "error", "3": "warning", "4": "information", "0": "information",
                 "5": "verbose"}
LEVEL_NAMES = {
    "critical": "critical", "kritisch": "critical", "critique": "critical", "critico": "critical",
    "crítico": "critical",
    "error": "error", "fehler": "error", "erreur": "error", "errore": "error",
    "warning": "warning", "warnung": "warning", "avertissement": "warning", "avviso": "warning",
    "advertencia": "warning",
    "information": "information", "informationen": "information", "informazioni": "information",
    "información": "information", "informations": "information",
    "verbose": "verbose", "ausführlich": "verbose", "détaillé": "verbose", "dettagliato": "verbose",
    "detallado": "verbose",
}

_HEX = lazyre.compile(r"\b(?:0x)?(8009[0-9A-Fa-f]{4}|800[Bb][0-9A-Fa-f]{4})\b")
_THUMB = lazyre.compile(r"\b([0-9A-Fa-f]{40})\b")
_12014 = lazyre.compile(
    r"could not find a certificate that contains the domain name (?P<name>.*?) in the personal store"
    r".*?for the connector (?P<connector>.*?) with a FQDN parameter of (?P<fqdn>.*?)\. If the connector",
    re.I | re.S,
)
_LOAD_THUMB = lazyre.compile(
    r"could not load the certificate with thumbprint of (?P<thumb>[0-9A-Fa-f]{40})", re.I
)
_TLS_FAILED = lazyre.compile(r"TLS negotiation failed with (?:the )?error (?P<err>\w+)", re.I)
_AUTH_FAILED = lazyre.compile(
    r"Inbound authentication failed with error (?P<err>\w+) for Receive connector (?P<connector>.*?)\."
    r"(?:\s*The authentication mechanism is (?P<mech>[\w-]+)\.)?"
    r"(?:.*?source IP address of the client[^\[]*\[(?P<ip>[0-9A-Fa-f:.]+)\])?",
    re.I | re.S,
)
_SEND_ACK = lazyre.compile(  # 2004 SmtpSendAckMessage
    r"Send connector (?P<connector>.+?): Message delivery was not successful\.\s*The message with "
    r"message ID (?P<mid>\S+) was acknowledged with SMTP response (?P<resp>.+)",
    re.I | re.S,
)
_SEND_AUTH = lazyre.compile(  # 2003 SmtpSendAuthenticationFailed
    r"Send connector (?P<connector>.+?) has failed to authenticate with (?P<host>\S+?)\.\s*"
    r"The response from the remote site is (?P<resp>.+)",
    re.I | re.S,
)
_SEND_TLS_REQUIRED = lazyre.compile(  # 2015 SmtpSendTLSRequiredFailed
    r"Send connector (?P<connector>.+?) couldn't connect to remote domain (?P<domain>\S+?)\.\s*"
    r"The send connector requires Transport Layer Security.*?EHLO response from the remote server "
    r"(?P<host>[^\s,]+?)\.?\s*$",
    re.I | re.S,
)
_OUTBOUND_AUTH = lazyre.compile(  # 2017 SmtpSendOutboundAuthenticationFailed
    r"Outbound authentication failed with error (?P<err>\w+) for Send connector (?P<connector>.+?)\.\s*"
    r"The authentication mechanism is (?P<mech>[\w-]+)\.\s*The target is (?P<host>[^\s,]+?)\.?\s*$",
    re.I | re.S,
)
_AUTH_INIT = lazyre.compile(  # 2016 SmtpSendAuthenticationInitializationFailed
    r"An authentication credential initialization error (?P<err>\S+) occurred with Send connector "
    r"(?P<connector>.+?)\.\s*The authentication mechanism used was (?P<mech>[\w-]+)\.\s*The name of "
    r"the server that we were trying to authenticate to was (?P<host>[^\s,]+?)\.(?:\s|$)",
    re.I | re.S,
)
_CERT_NAME = lazyre.compile(r"<I>[^<>\r\n]{1,600}<S>[^\s<>]{1,300}")
_ALERT = lazyre.compile(r"fatal alert code is (?P<alert>\d+)", re.I)
_CIPHER = lazyre.compile(r"none of the cipher suites supported by the client", re.I)
_CONNECTOR_IN_TEXT = lazyre.compile(
    r"(?:send|receive) connector (?P<connector>[^.\r\n]+?)(?:\.|,|\s+to\s)", re.I)

# Exchange events whose message names a certificate for TLS that cannot be used.
CERT_NOT_FOUND_IDS = frozenset({12014, 12013, 12023, 12024})
# Exchange transport events decoded from their message (or EventData in template order).
TRANSPORT_IDS = CERT_NOT_FOUND_IDS | {1035, 2003, 2004, 2015, 2016, 2017}
# EventData order of the templates above (technet event reference; 1035: the blog's Event Xml).
TEMPLATE_DATA: dict[int, tuple[str, ...]] = {
    12014: ("certificate_name", "connector", "fqdn"),
    1035: ("tls_error", "connector", "auth_mechanism", "client_ip"),
    2003: ("connector", "remote_host", "smtp_response"),
    2004: ("connector", "message_id", "smtp_response"),
    2015: ("connector", "domain", "remote_host"),
    2016: ("tls_error", "connector", "auth_mechanism", "remote_host"),
    2017: ("tls_error", "connector", "auth_mechanism", "remote_host"),
}
CATEGORY_BY_ID = {
    1035: "auth_failed", 2003: "send_auth_failed", 2004: "send_rejected", 2015: "tls_required_failed",
    2016: "send_auth_failed", 2017: "send_auth_failed", 12014: "certificate_not_found",
}
SCHANNEL_ALERT_IDS = frozenset({36887, 36888})


@dataclass(slots=True)
class RawEvent:
    """An event as read from any export, before normalisation."""

    provider: str
    event_id: int
    line: int | None
    excerpt: str = ""
    level: str | None = None  # number or display name
    time: str | None = None
    computer: str | None = None
    channel: str | None = None
    message: str = ""
    data: dict[str, str] = field(default_factory=dict)  # named values (EventData / UserData)
    flags: set[str] = field(default_factory=set)  # CERT_TRUST_* flags seen set to true
    origin: str = "event_xml"
    language: str = "en"


def source_family(provider: str) -> str:
    p = provider.strip().lower()
    if "capi2" in p:
        return "capi2"
    if p.startswith("msexchange") and "transport" in p:
        return "exchange_transport"
    if "schannel" in p:
        return "schannel"
    return "other"


def level_of(raw: str | None) -> str:
    if raw is None:
        return "unknown"
    key = raw.strip().lower()
    return LEVEL_NUMBERS.get(key) or LEVEL_NAMES.get(key) or "unknown"


def chain_error_of(codes: list[str], flags: set[str]) -> tuple[str | None, str | None]:
    """(chain_error, the decisive error code) from result codes and trust flags."""
    found: list[tuple[str, str | None]] = []
    for code in codes:
        c = code.upper().removeprefix("0X").rjust(8, "0")
        if c == "00000000":
            found.append(("none", None))
        else:
            found.append((HRESULTS.get(c, "other"), c))
    for flag in flags:
        if flag in TRUST_FLAGS:
            found.append((TRUST_FLAGS[flag], None))
    if not found:
        return None, None
    best = min(found, key=lambda f: SEVERITY.index(f[0]))
    code = best[1] or next((c for e, c in found if e == best[0] and c), None)
    return best[0], code


def _lower(value: str | None) -> str | None:
    value = (value or "").strip().strip(".").strip()
    return value.lower() or None


def _thumb(value: str | None) -> str | None:
    if not value:
        return None
    m = _THUMB.search(value.replace(" ", ""))
    return m.group(1).upper() if m else None


def to_fact(raw: RawEvent, source: str, warnings: list[str]) -> WindowsEvent | None:
    """The event as a fact; ``None`` (with a warning) when it cannot be one. An event read from an
    export whose labels were not understood adds no warning of its own: the reader gives one for
    the whole file."""
    outer = warnings
    if raw.language == "unknown":
        warnings = []
    family = source_family(raw.provider)
    where = f"line {raw.line}" if raw.line is not None else "event"
    data: Mapping[str, str] = {k.lower(): v for k, v in raw.data.items()}
    message = raw.message or ""
    category = "other"
    fields: dict[str, object] = {}

    if family == "capi2":
        codes = [data["result"]] if data.get("result") else []
        if not codes and raw.event_id in (11, 30):
            codes = [m.group(1) for m in _HEX.finditer(message)]
        chain_error, code = chain_error_of(codes, raw.flags)
        fields["thumbprint"] = _thumb(data.get("fileref"))
        fields["subject_cn"] = _lower(data.get("subjectname"))
        fields["process"] = _lower(data.get("processname"))
        if chain_error is not None:
            category = "chain_error"
            fields["chain_error"] = chain_error
            fields["error_code"] = code
        elif raw.event_id in (11, 30):
            warnings.append(
                f"{where}: CAPI2 event {raw.event_id} without its result code (a text or CSV export "
                "drops the event's details); export it with wevtutil qe Microsoft-Windows-CAPI2/"
                "Operational /f:xml to read the chain error"
            )
    elif family == "exchange_transport":
        category, fields, understood = _exchange_fields(raw.event_id, message, data, raw.computer)
        if raw.event_id in TRANSPORT_IDS and not understood:
            read = sorted(k for k, v in fields.items() if v is not None)
            warnings.append(
                f"{where}: {raw.provider} event {raw.event_id}: "
                + (f"read only what does not depend on the wording ({', '.join(read)}; "
                   f"{_language_hint(raw, message)})" if read else
                   f"a message relaydoctor cannot read ({_language_hint(raw, message)}); "
                   "its certificate/connector details are unknown")
            )
    elif family == "schannel":
        if raw.event_id == 36874 or _CIPHER.search(message):
            category = "cipher_mismatch"
        alert = data.get("alertdesc") or (m.group("alert") if (m := _ALERT.search(message)) else None)
        if raw.event_id in SCHANNEL_ALERT_IDS or alert:
            category = "tls_alert"
            if alert and alert.strip().isdigit():
                fields["tls_alert"] = int(alert.strip())
            elif raw.event_id in SCHANNEL_ALERT_IDS:
                warnings.append(
                    f"{where}: Schannel event {raw.event_id} without a readable alert code "
                    f"({_language_hint(raw, message)})"
                )
    computer = _lower(raw.computer)
    try:
        return WindowsEvent(
            provenance=Provenance(source, raw.line, Provenance.clip(raw.excerpt.strip())),
            provider=raw.provider.strip(),
            source_family=family,
            event_id=raw.event_id,
            level=level_of(raw.level),
            time=raw.time,
            computer=computer,
            channel=(raw.channel or "").strip() or None,
            category=category,
            origin=raw.origin,
            language=raw.language,
            scope="server",
            scope_id=computer or "",
            **fields,  # type: ignore[arg-type]
        )
    except EngineError as exc:
        outer.append(f"{where}: event skipped: {exc}")
        return None


def _exchange_fields(
    event_id: int, message: str, data: Mapping[str, str], computer: str | None = None
) -> tuple[str, dict[str, object], bool]:
    """(category, fields, whether the message text itself was understood)."""
    category, fields = _from_message(message)
    if category != "other":
        return category, fields, True
    category, fields = _from_data(event_id, data)
    if category != "other":
        return category, fields, True
    return (*_language_neutral(event_id, message, computer), False)


def _from_message(message: str) -> tuple[str, dict[str, object]]:
    if m := _12014.search(message):
        name = m.group("name").strip()
        return "certificate_not_found", {
            "certificate_name": name or None,
            "fqdn": _lower(m.group("fqdn")) if "<" not in m.group("fqdn") else m.group("fqdn").strip(),
            "connector": m.group("connector").strip() or None,
        }
    if m := _LOAD_THUMB.search(message):
        return "certificate_not_found", {"thumbprint": m.group("thumb").upper()}
    if m := _AUTH_FAILED.search(message):
        return "auth_failed", {
            "tls_error": m.group("err"),
            "connector": m.group("connector").strip() or None,
            "auth_mechanism": m.group("mech"),
            "client_ip": m.group("ip"),
        }
    if m := _SEND_ACK.search(message):
        return "send_rejected", _response({
            "connector": m.group("connector").strip() or None,
            "message_id": m.group("mid").strip() or None,
        }, m.group("resp").strip().removesuffix("."))
    if m := _SEND_AUTH.search(message):
        return "send_auth_failed", _response({
            "connector": m.group("connector").strip() or None,
            "remote_host": _lower(m.group("host")),
        }, m.group("resp").strip().removesuffix("."))
    if m := _OUTBOUND_AUTH.search(message) or _AUTH_INIT.search(message):
        return "send_auth_failed", {
            "tls_error": m.group("err"),
            "connector": m.group("connector").strip() or None,
            "auth_mechanism": m.group("mech"),
            "remote_host": _lower(m.group("host")),
        }
    if m := _SEND_TLS_REQUIRED.search(message):
        return "tls_required_failed", {
            "connector": m.group("connector").strip() or None,
            "remote_host": _lower(m.group("host")),
        }
    if m := _TLS_FAILED.search(message):
        conn = _CONNECTOR_IN_TEXT.search(message)
        return "tls_failed", {
            "tls_error": m.group("err"),
            "connector": conn.group("connector").strip() if conn else None,
        }
    return "other", {}


def _from_data(event_id: int, data: Mapping[str, str]) -> tuple[str, dict[str, object]]:
    """EventData values in the message template's order (an XML or Get-WinEvent export)."""
    names = TEMPLATE_DATA.get(event_id)
    values = [v for k, v in data.items() if k.startswith("data")] or list(data.values())
    if names is None or len(values) < len(names):
        return "other", {}
    got = {name: (value or "").strip() or None for name, value in zip(names, values, strict=False)}
    got.pop("domain", None)
    if got.get("client_ip"):
        got["client_ip"] = got["client_ip"].strip("[]") or None  # type: ignore[union-attr]
    for key in ("fqdn", "remote_host"):
        if got.get(key) and "<" not in got[key]:  # type: ignore[operator]
            got[key] = _lower(got[key])  # type: ignore[arg-type]
    response = got.pop("smtp_response", None)
    fields: dict[str, object] = dict(got)
    if event_id in (2003, 2004):
        fields = _response(fields, response or "")
    return CATEGORY_BY_ID[event_id], fields


def _language_neutral(
    event_id: int, message: str, computer: str | None = None
) -> tuple[str, dict[str, object]]:
    """What a message in an unknown language still tells: the event ID's meaning where the values
    that make it useful are there (an SMTP reply for 2003/2004, a certificate name or thumbprint for
    the certificate events; for 12014 also its FQDN and connector where they can be told apart
    without the words, see ``_neutral_12014``)."""
    fields: dict[str, object] = {}
    if event_id == 12014:
        fields = _neutral_12014(message, computer)
        return ("certificate_not_found", fields) if fields else ("other", {})
    if event_id in CERT_NOT_FOUND_IDS:
        name = _CERT_NAME.search(message)
        thumb = _thumb(message)
        if name:
            fields["certificate_name"] = name.group(0)
        if thumb:
            fields["thumbprint"] = thumb
        return ("certificate_not_found", fields) if fields else ("other", {})
    if event_id in (2003, 2004):
        fields = _response({}, message)
        if fields.get("status_code"):
            fields.update(_neutral_connector(message, computer))
            return CATEGORY_BY_ID[event_id], fields
    if event_id in (2015, 2016, 2017):
        conn = _neutral_connector(message, computer)
        if conn:
            return CATEGORY_BY_ID[event_id], conn
    return "other", {}


# Host names in a message: letters/digits/hyphens labels with a final alphabetic label (a sentence's
# "z.B." or "d.h." has no label of two letters after a dot, so it is not one).
_HOSTNAME = lazyre.compile(
    r"(?<![\w@.-])((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{1,62})(?![\w-])"
)
# Connector names Exchange itself creates, in English whatever the display language: the default
# receive connectors "Default Frontend <SERVER>", "Client Frontend <SERVER>", "Outbound Proxy
# Frontend <SERVER>", "Default <SERVER>", "Client Proxy <SERVER>" (learn.microsoft.com "Default
# Receive connectors created during setup", exchserver-2019) and the Hybrid Configuration Wizard's
# "Outbound to Office 365 - <GUID>" / "Inbound from Office 365" (learn.microsoft.com "Hybrid
# Configuration wizard" / the HCW log, KB 4051495 quotes "Outbound to Office 365").
_DEFAULT_RECEIVE = (
    "Default Frontend", "Client Frontend", "Outbound Proxy Frontend", "Client Proxy", "Default"
)
_HYBRID_CONNECTOR = lazyre.compile(
    r"\b(Outbound to Office 365"
    r"(?: - [0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})?"
    r"|Inbound from Office 365)\b"
)


def _neutral_connector(message: str, computer: str | None) -> dict[str, object]:
    """A connector name in a localised message, only when it is one Exchange names itself (a name the
    admin chose cannot be told from the translated words around it)."""
    if m := _HYBRID_CONNECTOR.search(message):
        return {"connector": m.group(1)}
    short = (computer or "").split(".")[0].strip()
    if short:
        for prefix in _DEFAULT_RECEIVE:
            m = re.search(rf"(?<![\w-]){re.escape(prefix)} {re.escape(short)}(?![\w.-])", message, re.I)
            if m:
                return {"connector": m.group(0)}
    return {}


def _neutral_12014(message: str, computer: str | None) -> dict[str, object]:
    """Event 12014 (%1 certificate name, %2 connector, %3 FQDN) in another language.

    Taken only where the words are not needed: an ``<I>issuer<S>subject`` name is the certificate
    name and the one other host name in the message is the FQDN; with a plain name, a single host
    name written twice is both (the FQDN the connector wants and the name looked for); two different
    plain names are left unread, since a translation may put %3 before %1. The connector: see
    ``_neutral_connector``."""
    fields: dict[str, object] = {}
    rest = message
    if name := _CERT_NAME.search(message):
        fields["certificate_name"] = name.group(0)
        rest = message[: name.start()] + " " + message[name.end():]
        hosts = {h.lower() for h in _HOSTNAME.findall(rest)}
        if len(hosts) == 1:
            fields["fqdn"] = hosts.pop()
    else:
        found = [h.lower() for h in _HOSTNAME.findall(rest)]
        if len(set(found)) == 1 and len(found) >= 2:
            fields["certificate_name"] = found[0]
            fields["fqdn"] = found[0]
    if fields:
        fields.update(_neutral_connector(message, computer))
    return fields


def _response(fields: dict[str, object], text: str) -> dict[str, object]:
    """The SMTP reply an event quotes: the first with an enhanced status, else the text as is."""
    text = text.strip()
    replies = [r for r in find_replies(text) if r.status_code[:1] in "45"]
    if replies:
        fields["smtp_response"] = Provenance.clip(replies[0].text, 500)
        fields["status_code"] = replies[0].status_code
    elif text:
        fields["smtp_response"] = Provenance.clip(text.rstrip("."), 500)
    return fields


def event_symptoms(event: WindowsEvent) -> list[Symptom]:
    """The SMTP reply an Exchange send event quotes, as a symptom: 2004 (delivery refused) and 2003
    (authentication refused) are the remote server's own answer, as good as a send-log line."""
    if event.category not in ("send_rejected", "send_auth_failed") or not event.smtp_response:
        return []
    for r in find_replies(event.smtp_response):
        if r.status_code[:1] in "45":
            seen_at = event.time if event.time and event.time.endswith("Z") else None
            return [as_symptom(r, event.provenance, "event_log", host=r.host or event.remote_host,
                               seen_at=seen_at)]
    return []


class EventKeeper:
    """One file's distinct events, at most ``logbudget.MAX_EVENTS`` (an Application log exported
    whole made one fact per event): the most telling (``logbudget.event_rank``), in file order.
    The choice is ``logbudget.Lowest``'s, as across files; its count of what was left out is of
    distinct events (one repeated after being trimmed is not counted again)."""

    def __init__(self, limit: int | None = None):
        self._lowest = logbudget.Lowest(logbudget.MAX_EVENTS if limit is None else limit)
        self.given = 0

    def add(self, fact: WindowsEvent) -> None:
        self.given += 1
        key = fact.identity()
        self._lowest.offer(key, logbudget.event_rank(fact, key), logbudget.Kept((0, self.given), fact))

    def facts(self) -> list[WindowsEvent]:
        kept = sorted(self._lowest.entries(), key=lambda e: e.where)
        return [e.fact for e in kept]  # type: ignore[misc]

    def warning(self) -> str | None:
        """Said when events were left out (after ``facts``)."""
        dropped = self._lowest.dropped
        if not dropped:
            return None
        kept = len(self._lowest.entries())
        return (f"{dropped:,} of {dropped + kept:,} distinct events are not kept: the "
                f"{self._lowest.limit:,} most telling are (relay sources — CAPI2, Exchange transport, "
                "Schannel — and errors first)")


def with_symptoms(facts: list, seen: set) -> list:
    """The facts with each event's symptom after it, one symptom per distinct reply in a file."""
    out = []
    for fact in facts:
        out.append(fact)
        if isinstance(fact, WindowsEvent):
            for symptom in event_symptoms(fact):
                key = (symptom.status_code, symptom.text.lower())
                if key not in seen:
                    seen.add(key)
                    out.append(symptom)
    return out


def _language_hint(raw: RawEvent, message: str) -> str:
    if not message.strip():
        return "the export holds no message text"
    return f"message not in English, labels {raw.language}" if raw.language != "en" else "unexpected wording"
