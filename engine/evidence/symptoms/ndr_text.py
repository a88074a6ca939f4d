"""Find SMTP errors in human text (NDR bodies, pasted NDRs, application errors) with their context.

Shared by ``ndr.py`` (NDR files) and ``text.py`` (free text, ``--ndr``, the TUI paste box). Works line
by line so every finding has a line number. Around each reply it picks up what Exchange NDRs print
(in English and the common localised forms; the SMTP reply itself is always English):

- "Generating server: EXCH01.corp.contoso.com" → ``generating_server``;
- the remote host: "Remote Server at <host> (<ip>) returned '…'" (delay notices), "<host> #550 … ##"
  (Exchange 2010), the host alone on the line before "Remote Server returned '…'" (2013+), else
  "Receiving server: <host> (<ip>)";
- the recipient: the address alone on a line just above the reply;
- queue ``LastError`` values ``[{LED=…};{MSG=};{FQDN=…};{IP=…};{LRT=…}]``: the LED reply, FQDN as
  the remote server.

A reply without a basic code (``5.7.57 Client not authenticated…``) only counts when the words before
it read like an error report, so version numbers such as "Outlook 5.1.2" are not mistaken for
statuses; 2.x.x replies are successes and never findings. A line reporting "TLS negotiation failed
with error X" and no status becomes code ``tls:X`` (see ``smtp_reply.tls_failure_code``).
"""

from __future__ import annotations

import re
from dataclasses import replace

from ... import lazyre
from ...facts import Provenance, Symptom
from ...lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from ..base import fold_case
from .smtp_reply import Reply, find_replies, tls_failure_code

_FQDN = r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?)+"
_HOST_LINE = lazyre.compile(rf"^\s*(?P<host>{_FQDN})\.?\s*$")
_ADDRESS = r"[^\s@<>()\"',;:]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"
_RECIPIENT_LINE = lazyre.compile(
    rf"^\s*(?:<mailto:)?(?P<addr>{_ADDRESS})>?\s*(?:\({_ADDRESS}\))?\s*(?:<mailto:{_ADDRESS}>)?\s*$"
)
_REMOTE_AT = lazyre.compile(rf"Remote Server at (?P<host>{_FQDN})\b", re.IGNORECASE)
_HOST_HASH = lazyre.compile(rf"^\s*(?P<host>{_FQDN})\s+#\s*[245]\d\d\b")
# "Generating server:" in the languages Exchange localises NDRs into (the value is language-neutral).
_GENERATING = lazyre.compile(
    r"^\s*(?:Generating server|Generierender Server|Serveur de g[ée]n[ée]ration|Servidor de generaci[óo]n"
    r"|Server di generazione|Genererende server|Server genereren|Servidor gerador|Servidor de gera[çc][ãa]o"
    r"|Genereringsserver|Genererende server|Serwer generuj[ąa]cy|Generuj[íi]c[íi] server)\s*:\s*"
    rf"(?P<host>{_FQDN}|[A-Za-z0-9\-]+)\s*$",
    re.IGNORECASE,
)
GENERATING_LINE = lazyre.compile(_GENERATING.pattern, re.IGNORECASE | re.MULTILINE)
_RECEIVING = lazyre.compile(
    r"^\s*(?:Receiving server|Empfangender Server|Serveur de r[ée]ception|Servidor de recepci[óo]n"
    rf"|Server di ricezione|Ontvangende server)\s*:\s*(?P<host>{_FQDN})",
    re.IGNORECASE,
)
# what every line _RECEIVING matches holds, folded (a line without it need not compile the pattern)
_RECEIVING_WORDS = ("receiving server", "empfangender server", "serveur de r", "servidor de recepci",
                    "server di ricezione", "ontvangende server")
_DIAGNOSTIC_HEADER = lazyre.compile(r"diagnos", re.IGNORECASE)
_LABEL_HOST = lazyre.compile(rf"^\s*[^:\n]{{3,40}}:\s*(?P<host>{_FQDN})\s*$")
_ORIGINAL_HEADERS = lazyre.compile(
    r"^\s*(?:Original message headers|Urspr[üu]ngliche Nachrichtenkopfzeilen"
    r"|En-t[êe]tes de message d'origine|Encabezados de mensaje originales"
    r"|Intestazioni originali del messaggio|Oorspronkelijke berichtkoppen)\s*:",
    re.IGNORECASE,
)
_LED = lazyre.compile(
    r"\{LED=(?P<led>.*?)\};\{MSG=(?P<msg>.*?)\};\{FQDN=(?P<fqdn>[^}]*)\};\{IP=(?P<ip>[^}]*)\}", re.DOTALL
)
_CUES = ("response", "error", "smtp", "status", "returned", "reply", "#", "rejected", "denied", "failed",
         "exception", "refused", "diagnostic", "led=", "code")
_EOP_SUFFIXES = (".protection.outlook.com", ".prod.outlook.com", "mail.global.frontbridge.com",
                 "mail.messaging.microsoft.com", ".mail.eo.outlook.com")
_SUBMISSION_HOSTS = ("smtp.office365.com", "smtp-legacy.office365.com", "outlook.office365.com")


@dataclass(frozen=True, slots=True)
class Finding:
    """One SMTP error found in text, with the NDR context around it and its 1-based line."""

    code: str  # the status code, or "tls:<error>"
    line: int
    excerpt: str
    reply: Reply | None = None
    text: str = ""
    tokens: tuple[str, ...] = ()
    host: str | None = None
    remote_server: str | None = None
    recipient: str | None = None
    generating_server: str | None = None
    seen_at: str | None = None

    def key(self) -> tuple[str, str]:
        return self.code, " ".join(self.text.lower().split())


def analyse(text: str) -> list[Finding]:
    """Every SMTP error in ``text`` (in order), with context; line numbers are 1-based."""
    lines = text.splitlines()
    generating = receiving = None
    findings: list[Finding] = []
    in_original = False
    diag_line = None
    for index, line in enumerate(lines):
        if _ORIGINAL_HEADERS.match(line):
            in_original = True  # the bounced message's own headers: not the error
            continue
        if in_original:
            continue
        if generating is None and (m := _GENERATING.match(line)):
            generating = m.group("host").lower()
            continue
        if receiving is None and _may_be_receiving(line) and (m := _RECEIVING.match(line)):
            receiving = m.group("host").lower()
            continue
        if diag_line is None and _DIAGNOSTIC_HEADER.search(line) and line.rstrip().endswith(":"):
            diag_line = index
        findings.extend(_findings_on_line(lines, index))
    if generating is None and diag_line is not None:
        generating = _generating_fallback(lines, diag_line)
    out = []
    for f in findings:
        remote = f.remote_server or receiving
        out.append(replace(f, generating_server=generating, remote_server=remote, host=f.host or remote))
    return out


def dedupe(findings: list[Finding]) -> list[Finding]:
    """One finding per (code, reply text, recipient); the first keeps its line, gaps are filled."""
    kept: list[Finding] = []
    for f in findings:
        for i, k in enumerate(kept):
            same_reply = k.code == f.code and _same_text(k.key()[1], f.key()[1])
            if same_reply and (k.recipient == f.recipient or k.recipient is None or f.recipient is None):
                kept[i] = _merge(k, f)
                break
        else:
            kept.append(f)
    return kept


def symptom(f: Finding, source: str, line: int | None, origin: str) -> Symptom:
    reply = f.reply
    host = f.host or f.remote_server
    return Symptom(
        provenance=Provenance(source, line, Provenance.clip(f.excerpt)),
        code=f.code,
        status_code=reply.status_code if reply else None,
        reply_code=reply.reply_code if reply else None,
        text=Provenance.clip(f.text, 500),
        attr=reply.attr if reply else None,
        tokens=f.tokens,
        host=host,
        generating_server=f.generating_server,
        remote_server=f.remote_server,
        recipient=f.recipient,
        origin=origin,
        transient=bool(reply and reply.transient),
        direction=direction(host, f.remote_server),
        seen_at=f.seen_at,
    )


def direction(host: str | None, remote: str | None) -> str:
    """relay_to_exo when Exchange Online answered, client_submission for its SMTP AUTH endpoint."""
    names = [n for n in (remote, host) if n]
    if any(n in _SUBMISSION_HOSTS for n in names):
        return "client_submission"
    if any(n.endswith(_EOP_SUFFIXES) for n in names):
        return "relay_to_exo"
    return "unknown"


def parse_last_error(text: str) -> tuple[str, str | None] | None:
    """(LED reply, FQDN) from a queue ``LastError`` ``[{LED=…};{MSG=};{FQDN=…};{IP=…};{LRT=…}]``."""
    m = _LED.search(text) if "{LED=" in text else None
    if not m:
        return None
    fqdn = m.group("fqdn").strip().lower().rstrip(".") or None
    return m.group("led").strip(), fqdn


# ---------------------------------------------------------------------------------------------


def _findings_on_line(lines: list[str], index: int) -> list[Finding]:
    line = lines[index]
    scan, led_host = line, None
    led = parse_last_error(line)
    if led is not None:
        scan, led_host = led
    replies = [r for r in find_replies(scan) if _credible(r, scan)]
    if not replies:
        code = tls_failure_code(line)
        if code is None:
            return []
        name = code.split(":", 1)[1]
        return [Finding(code=code, line=index + 1, excerpt=line.strip(), text=line.strip(), tokens=(name,),
                        remote_server=led_host)]
    remote = led_host or _remote_host(lines, index)
    recipient = _recipient(lines, index)
    return [
        Finding(
            code=r.status_code,
            line=index + 1,
            excerpt=line.strip(),
            reply=r,
            text=r.text,
            tokens=r.tokens,
            host=r.host,
            remote_server=remote,
            recipient=recipient,
        )
        for r in replies
    ]


def _may_be_receiving(line: str) -> bool:
    if ":" not in line:
        return False
    folded = fold_case(line)
    return any(w in folded for w in _RECEIVING_WORDS)


def _credible(reply: Reply, line: str) -> bool:
    if reply.status_code.startswith("2"):
        return False
    if reply.reply_code is not None or reply.tokens:
        return True
    before = line[: reply.start].lower()[-60:]
    return not before.strip() or any(cue in before for cue in _CUES)


def _remote_host(lines: list[str], index: int) -> str | None:
    line = lines[index]
    if "remote server at" in fold_case(line) and (m := _REMOTE_AT.search(line)):
        return m.group("host").lower()
    if "#" in line and (m := _HOST_HASH.match(line)):
        return m.group("host").lower()
    prev = _previous_nonblank(lines, index)
    if prev is None or "@" in lines[prev] or "." not in lines[prev]:  # a host name has a dot
        return None
    if m := _HOST_LINE.match(lines[prev]):
        return m.group("host").lower()
    return None


def _recipient(lines: list[str], index: int) -> str | None:
    for j in range(index - 1, max(-1, index - 5), -1):
        if "@" in lines[j] and (m := _RECIPIENT_LINE.match(lines[j])):
            return m.group("addr").lower()
    return None


def _previous_nonblank(lines: list[str], index: int) -> int | None:
    for j in range(index - 1, max(-1, index - 3), -1):
        if lines[j].strip():
            return j
    return None


def _generating_fallback(lines: list[str], diag_line: int) -> str | None:
    """The first "<label>: <host>" line under the diagnostic heading, whatever the language."""
    for line in lines[diag_line + 1: diag_line + 4]:
        if m := _LABEL_HOST.match(line):
            return m.group("host").lower()
    return None


def _same_text(a: str, b: str) -> bool:
    """Equal, one missing (a bare DSN Status), or one a prefix of the other (an MTA's annotation)."""
    return not a or not b or a.startswith(b) or b.startswith(a)


def _merge(kept: Finding, other: Finding) -> Finding:
    if not kept.text and other.text:  # a bare DSN Status gives way to the reply and its line
        return _merge(other, kept)
    fill = {
        name: getattr(other, name)
        for name in ("host", "remote_server", "recipient", "generating_server", "seen_at")
        if getattr(kept, name) is None and getattr(other, name) is not None
    }
    return replace(kept, **fill)
