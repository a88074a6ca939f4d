"""What ``--redact`` learns from the evidence's structure, not from a list of known TLDs.

- Names: every value of a fact field that is a DNS name or an e-mail address (a connector's
  TlsSenderCertificateName, an accepted domain, a SAN, a smart host, MAIL FROM...) is a name to
  redact wherever it reappears, whatever its TLD (``.berlin``, ``.industries``). Their TLDs join
  the redactor's list for this report, and their distinctive labels (``contoso``, ``exch01``) are
  redacted as words wherever they reappear (a connector called "Contoso relay", a folder called
  ``contoso-ticket-4711``).
- Paths: every file the report names (evidence sources, provenance, zip members) is rewritten
  component by component: folders become ``folder-N``, drive letters stay, file names keep their
  extension and become ``file-N`` unless they are the standard names Exchange and PowerShell
  exports carry (``SEND20261120-1.LOG``, ``Get-InboundConnector.fl.txt``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable

from .. import lazyre
from ..facts import Fact
from ..lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DNS = lazyre.compile(rf"(?:\*\.)?(?:{_LABEL}\.)+(?P<tld>[A-Za-z]{{2,63}})\.?")
_EMAIL = lazyre.compile(rf"[^\s@<>()\"',;:]+@(?P<domain>(?:{_LABEL}\.)+[A-Za-z]{{2,63}})")
_EMBEDDED = lazyre.compile(rf"(?<![\w.-])(?:{_LABEL}\.)+[A-Za-z]{{2,63}}(?![\w-])")
# Fields whose text embeds names (certificate subjects, "<I>issuer<S>subject", address spaces).
_NAME_FIELDS = lazyre.compile(r"domain|host|fqdn|cn|sans|subject|issuer|certificate_name|smart|recipient|"
                          r"mail_from|address|server|tls|name|bindings|reply|text")
# Labels that are ordinary words in relay set-ups (and in the report's own prose): redacted only
# as part of a full name, never as a loose word.
_COMMON_LABELS = frozenset({
    "mail", "smtp", "relay", "mx", "www", "owa", "webmail", "autodiscover", "exchange", "exch",
    "printer", "printers", "scanner", "server", "host", "hosts", "gateway", "gw", "edge", "hub", "cas",
    "mbx", "remote", "vpn", "legacy", "outbound", "inbound", "internal", "external", "smarthost",
    "app", "apps", "crm", "erp", "noreply", "no-reply", "alerts", "notify", "notifications", "mailer",
    "post", "postfix", "sendmail", "exim", "iis", "web", "portal", "api", "test", "dev", "prod",
    "staging", "example", "domain", "folder", "file", "user", "tenant", "connector", "label", "thumb",
    "serial", "local", "corp", "lan", "home", "office", "cloud", "online", "email", "mail1", "mail2",
    "smtp1", "smtp2", "com", "net", "org", "microsoft", "outlook", "protection", "onmicrosoft", "eop",
    "msft", "windows", "azure", "live",
})
_SAFE_FILE = lazyre.compile(
    r"^(?:(?:Get|Test|Export)-[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*"
    r"|(?:SEND|RECV|MSGTRK[A-Z]*|SMTPSEND|SMTPRECV|u_ex|ex|nc)\d+(?:-\d+)?\.(?:LOG|log)"
    r"|NDR[\w.-]*|ndr[\w.-]*|collector-manifest\.json|manifest\.json)$"
)
_MICROSOFT = lazyre.compile(r"(?:^|\.)(?:microsoft\.com|outlook\.com|office365\.com|onmicrosoft\.com|"
                        r"microsoftonline\.com|windows\.net|office\.com|live\.com|msft\.net)$", re.I)


@dataclass(frozen=True)
class Learned:
    names: frozenset[str]  # lower-case DNS names found in name-bearing fact fields
    tlds: frozenset[str]  # their last labels
    words: frozenset[str]  # distinctive labels, redacted wherever they reappear as words


# Last labels that make a file name, not a DNS name, in the tool's own prose ("SEND….LOG", "x.txt").
_FILE_EXTS = frozenset({
    "txt", "log", "xml", "csv", "json", "eml", "msg", "pem", "cer", "crt", "der", "pfx", "p12", "p7b",
    "zip", "ps1", "psm1", "html", "htm", "md", "yaml", "yml", "conf", "cfg", "ini", "evtx", "vbs", "exe",
    "dll", "py", "gz", "tar", "out", "tmp", "bak", "key", "reg", "config", "fl", "table", "mbox",
})


def learn_names(facts: Iterable[Fact], *, public: Callable[[str], bool] = lambda _n: False,
                prose: Iterable[str] = ()) -> Learned:
    """``public`` tells names that identify nobody (Microsoft's own): they are not learned.

    ``prose``: the report's warnings and notes and the evidence excerpts. A value a parser could
    not read is quoted there ("SmartHost not understood: 'mail.example.berlin …'"), and a log or
    NDR line shows names beside the one a fact took; they never became facts, yet identify as much
    as one: those names are learned too (file names aside), though not their labels as words
    (free text holds dotted identifiers such as ``System.Net.Mail``)."""
    loose: set[str] = set()
    for text in prose:
        loose.update(e.group("domain").lower() for e in _EMAIL.finditer(text))
        loose.update(n for n in (m.group(0).lower().rstrip(".") for m in _EMBEDDED.finditer(text))
                     if n.rsplit(".", 1)[-1] not in _FILE_EXTS)
    names: set[str] = set()
    for fact in facts:
        for f in dataclasses.fields(fact):
            if f.name == "provenance" or "source" in f.name:
                continue
            value = getattr(fact, f.name)
            values = value if isinstance(value, tuple) else (value,)
            for item in values:
                if isinstance(item, str) and item:
                    names.update(_names_in(item, embedded=bool(_NAME_FIELDS.search(f.name))))
    names = {n for n in names if not _MICROSOFT.search(n) and not public(n)}
    loose = {n for n in loose if not _MICROSOFT.search(n) and not public(n)}
    words: set[str] = set()
    for name in names:
        for label in name.lstrip("*.").split(".")[:-1]:
            if len(label) >= 3 and label not in _COMMON_LABELS and not label.isdigit():
                words.add(label)
    names |= loose
    tlds = {n.rsplit(".", 1)[-1] for n in names}
    return Learned(frozenset(names), frozenset(tlds), frozenset(words))


def _names_in(text: str, *, embedded: bool) -> set[str]:
    out: set[str] = set()
    text = text.strip()
    m = _EMAIL.fullmatch(text)
    if m:
        return {m.group("domain").lower()}
    if _DNS.fullmatch(text):
        return {text.lower().rstrip(".").lstrip("*.")}
    if embedded:
        out.update(e.group("domain").lower() for e in _EMAIL.finditer(text))
        out.update(n.group(0).lower() for n in _EMBEDDED.finditer(text))
    return out


def word_pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    ordered = sorted(set(words), key=len, reverse=True)
    if not ordered:
        return None
    return re.compile(r"(?<![A-Za-z0-9])(" + "|".join(map(re.escape, ordered)) + r")(?![A-Za-z0-9])", re.I)


# ----------------------------------------------------------------------------------------------
# Paths
# ----------------------------------------------------------------------------------------------

_LINE_SUFFIX = lazyre.compile(r":\d+$")
_DRIVE = lazyre.compile(r"^[A-Za-z]:$")
# Paths in free text that no evidence source names: a home folder's user, a UNC host.
_HOME = lazyre.compile(
    r"(?i)(?<![\w])((?:[A-Za-z]:)?[\\/](?:Users|home|Documents and Settings)[\\/])([^\\/\s:*?\"<>|]+)"
)
_UNC = lazyre.compile(r"(?<![\w\\])(\\\\)([A-Za-z0-9._-]+)(\\)")


def source_paths(sources: Iterable[str]) -> list[str]:
    """The file paths (without ``:line``) that the report's sources name, longest first."""
    out: set[str] = set()
    for source in sources:
        if not source or source.startswith("--"):
            continue
        path = _LINE_SUFFIX.sub("", source)
        out.add(path)
        outer = path.split("!", 1)[0]
        if outer != path:
            out.add(outer)
    return sorted(out, key=len, reverse=True)


class PathRedactor:
    """Consistent ``folder-N`` / ``file-N.ext`` tokens for path components."""

    def __init__(self, token: Callable[[str, str, Callable[[int], str]], str]):
        self._token = token

    def path(self, path: str) -> str:
        parts = path.split("!")
        return "!".join(self._one(p) for p in parts)

    def _one(self, path: str) -> str:
        pieces = re.split(r"([\\/]+)", path)
        last = max((i for i, p in enumerate(pieces) if p and not re.fullmatch(r"[\\/]+", p)), default=-1)
        out = []
        for i, piece in enumerate(pieces):
            if not piece or re.fullmatch(r"[\\/]+", piece) or piece in (".", "..") or _DRIVE.match(piece):
                out.append(piece)
            elif i == last:
                out.append(self.file(piece))
            else:
                out.append(self._token("folder", piece.lower(), lambda n: f"folder-{n}"))
        return "".join(out)

    def file(self, name: str) -> str:
        if _SAFE_FILE.match(name):
            return name
        stem, dot, ext = name.rpartition(".")
        keep = dot and stem and re.fullmatch(r"[A-Za-z0-9]{1,5}", ext)
        suffix = f".{ext}" if keep else ""
        return self._token("file", name.lower(), lambda n: f"file-{n}") + suffix

    def loose(self, text: str) -> str:
        """Home-folder user names and UNC hosts in text that names no known source."""
        def user(m: re.Match[str]) -> str:
            return m.group(1) + self._token("user", m.group(2).lower(), lambda n: f"user-{n}")

        def unc(m: re.Match[str]) -> str:
            return m.group(1) + self._token("host", m.group(2).lower(), lambda n: f"host-{n}") + m.group(3)

        return _UNC.sub(unc, _HOME.sub(user, text))
