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
- MSExchangeFrontEndTransport 1035 ("Inbound authentication failed with error … for Receive
  connector …"), the "TLS negotiation failed with error UnknownCredentials" wording (KB 4051498,
  [S15]) and the Schannel 36874/36887/36888 texts ("fatal alert code is N"): from knowledge of the
  message templates, matched loosely (see the patterns below).
Exchange writes its messages in English; a message in another language leaves the detail fields
unknown and says so in a warning (the event itself is still kept).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ... import lazyre
from ...errors import EngineError
from ...facts import Provenance, WindowsEvent

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
    r"(?:.*?source IP address of the client[^\[]*\[(?P<ip>[0-9A-Fa-f:.]+)\])?",
    re.I | re.S,
)
_ALERT = lazyre.compile(r"fatal alert code is (?P<alert>\d+)", re.I)
_CIPHER = lazyre.compile(r"none of the cipher suites supported by the client", re.I)
_CONNECTOR_IN_TEXT = lazyre.compile(
    r"(?:send|receive) connector (?P<connector>[^.\r\n]+?)(?:\.|,|\s+to\s)", re.I)

# Exchange events whose message names a certificate for TLS that cannot be used.
CERT_NOT_FOUND_IDS = frozenset({12014, 12013, 12023, 12024})
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


def _cn(subject: str | None) -> str | None:
    if not subject:
        return None
    m = re.search(r"(?:^|[,/]\s*)CN=([^,]+)", subject, re.I)
    return _lower(m.group(1) if m else subject)


def to_fact(raw: RawEvent, source: str, warnings: list[str]) -> WindowsEvent | None:
    """The event as a fact; ``None`` (with a warning) when it cannot be one."""
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
        category, fields = _exchange_fields(raw.event_id, message, data)
        if category == "other" and raw.event_id in CERT_NOT_FOUND_IDS | {1035}:
            warnings.append(
                f"{where}: {raw.provider} event {raw.event_id} has a message relaydoctor cannot read "
                f"({_language_hint(raw, message)}); its certificate/connector details are unknown"
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
        warnings.append(f"{where}: event skipped: {exc}")
        return None


def _exchange_fields(event_id: int, message: str, data: Mapping[str, str]) -> tuple[str, dict[str, object]]:
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
            "client_ip": m.group("ip"),
        }
    if m := _TLS_FAILED.search(message):
        conn = _CONNECTOR_IN_TEXT.search(message)
        return "tls_failed", {
            "tls_error": m.group("err"),
            "connector": conn.group("connector").strip() if conn else None,
        }
    if event_id == 12014 and data:  # EventData values in template order: domain, connector, fqdn
        values = list(data.values())
        if len(values) >= 3:
            return "certificate_not_found", {
                "certificate_name": values[0].strip() or None,
                "connector": values[1].strip() or None,
                "fqdn": _lower(values[2]),
            }
    return "other", {}


def _language_hint(raw: RawEvent, message: str) -> str:
    if not message.strip():
        return "the export holds no message text"
    return f"message not in English, labels {raw.language}" if raw.language != "en" else "unexpected wording"
