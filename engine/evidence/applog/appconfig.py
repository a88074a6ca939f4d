"""An application's mail settings → one ``smtp_client`` fact (origin ``app_config``).

Where line-of-business apps keep the smart host they send to:

- .NET ``web.config`` / ``app.config``: ``<system.net><mailSettings><smtp from="…"><network
  host="…" port="…" enableSsl="…" userName="…" defaultCredentials="…"/>`` (the documented
  ``<mailSettings>`` element);
- ``.env`` files and container environments (``MAIL_HOST`` / ``MAIL_PORT`` / ``MAIL_ENCRYPTION`` /
  ``MAIL_USERNAME`` / ``MAIL_FROM_ADDRESS`` as Laravel writes them; ``SMTP_HOST`` / ``SMTP_PORT`` /
  ``SMTP_STARTTLS`` / ``SMTP_USER``; Django's ``EMAIL_HOST`` / ``EMAIL_PORT`` / ``EMAIL_USE_TLS`` /
  ``EMAIL_HOST_USER``), also as ``- KEY=value`` lines of a compose file;
- ``php.ini``: ``SMTP``, ``smtp_port``, ``sendmail_from``.

Credentials are never kept: a user name only says that AUTH is configured, and passwords are not
read at all. Shapes:
https://learn.microsoft.com/dotnet/framework/configure-apps/file-schema/network/mailsettings-element-network-settings
https://github.com/swiftmailer/swiftmailer/issues/1030 (Laravel MAIL_*);
https://github.com/sameersbn/docker-gitlab/issues/1581 (``- SMTP_HOST=…`` in a compose file).
"""

from __future__ import annotations

import re

from ... import lazyre
from ...errors import EvidenceError
from ...facts import Provenance
from ..base import Document, ParseResult
from ..relaylogs.client import Tally, clean_host, domain_of

KIND = "app_mail_config"
_NETWORK = lazyre.compile(r"^\s*<network\b(?P<attrs>[^>]*\bhost\s*=\s*\"[^>]*)/?>", re.I | re.S | re.M)
_MAIL_SETTINGS = lazyre.compile(r"^\s*<mailSettings\s*>", re.M)
_SMTP = lazyre.compile(r"<smtp\b(?P<attrs>[^>]*)>", re.I | re.S)
_ATTR = lazyre.compile(r"\b(?P<name>[A-Za-z]+)\s*=\s*\"(?P<value>[^\"]*)\"")
_ENV = lazyre.compile(
    r"^\s*(?:-\s*)?(?:export\s+)?[\"']?(?P<key>[A-Za-z_][A-Za-z0-9_]*)[\"']?\s*[=:]\s*(?P<value>.*?)\s*$"
)
_HOST_KEYS = ("MAIL_HOST", "SMTP_HOST", "EMAIL_HOST", "SMTP_SERVER", "SMTP")
_PORT_KEYS = ("MAIL_PORT", "SMTP_PORT", "EMAIL_PORT", "smtp_port")
_USER_KEYS = ("MAIL_USERNAME", "SMTP_USER", "SMTP_USERNAME", "EMAIL_HOST_USER")
_FROM_KEYS = ("MAIL_FROM_ADDRESS", "DEFAULT_FROM_EMAIL", "SMTP_FROM", "sendmail_from", "EMAIL_FROM")
_KNOWN = frozenset(_HOST_KEYS + _PORT_KEYS + _USER_KEYS + _FROM_KEYS + (
    "MAIL_MAILER", "MAIL_DRIVER", "MAIL_ENCRYPTION", "SMTP_STARTTLS", "SMTP_TLS", "SMTP_ENABLED",
    "SMTP_AUTHENTICATION", "EMAIL_USE_TLS", "EMAIL_USE_SSL", "MAIL_SCHEME"))


def sniff(doc: Document) -> bool:
    try:
        head = doc.head_text()[:65536]
    except Exception:
        return False
    if _MAIL_SETTINGS.search(head) and _NETWORK.search(head):
        return True
    keys = {m.group("key") for line in head.split("\n")[:500] if (m := _ENV.match(line))}
    hosts = keys & set(_HOST_KEYS)
    return bool(hosts) and len(keys & _KNOWN) >= 2 and ("SMTP" not in hosts or "smtp_port" in keys)


def parse(doc: Document) -> ParseResult:
    text = doc.text()
    if _MAIL_SETTINGS.search(text) and (net := _NETWORK.search(text)):
        return _dotnet(doc, text, net)
    return _env(doc, text)


def _dotnet(doc: Document, text: str, net: re.Match[str]) -> ParseResult:
    props = {a.group("name").lower(): a.group("value") for a in _ATTR.finditer(net.group("attrs"))}
    smtp = _SMTP.search(text)
    sender = {a.group("name").lower(): a.group("value")
              for a in _ATTR.finditer(smtp.group("attrs"))}.get("from") if smtp else None
    line = text.count("\n", 0, net.start()) + 1
    tally = Tally("dotnet", "app_config")
    host = clean_host(props.get("host"))
    port = _port(props.get("port")) or (25 if host else None)
    seen = tally.get(host, port, Provenance(doc.name, line, Provenance.clip(text.split("\n")[line - 1])))
    ssl = props.get("enablessl")
    if ssl is not None:
        seen.starttls_used = ssl.strip().lower() == "true"
        seen.tls_policy = "required" if seen.starttls_used else "none"
    if props.get("username") or props.get("defaultcredentials", "").lower() == "true":
        seen.auth_used = True
    elif "defaultcredentials" in props or "username" in props:
        seen.auth_used = False
    _sender(seen, sender)
    return _result(tally, "web.config <mailSettings>")


def _env(doc: Document, text: str) -> ParseResult:
    values: dict[str, tuple[str, int, str]] = {}
    for line_no, line in enumerate(text.split("\n"), start=1):
        m = _ENV.match(line)
        if m and m.group("key") in _KNOWN and m.group("key") not in values:
            values[m.group("key")] = (m.group("value").strip().strip("\"'"), line_no, line)
    host_key = next((k for k in _HOST_KEYS if k in values), None)
    if host_key is None:
        raise EvidenceError("no SMTP host setting (MAIL_HOST, SMTP_HOST, EMAIL_HOST, SMTP)", doc.name)
    raw, line_no, line = values[host_key]
    software = "laravel" if host_key == "MAIL_HOST" else "php" if host_key == "SMTP" else "app"
    tally = Tally(software, "app_config")
    host = clean_host(raw.split("://")[-1].split(":")[0])
    port = next((_port(values[k][0]) for k in _PORT_KEYS if k in values), None)
    seen = tally.get(host, port, Provenance(doc.name, line_no, Provenance.clip(line)))
    tls = _tls(values)
    if tls is not None:
        seen.starttls_used = tls
        seen.tls_policy = "required" if tls else "none"
    user = next((values[k][0] for k in _USER_KEYS if k in values), None)
    if user is not None:
        seen.auth_used = bool(user) and user.lower() not in ("null", "none", '""')
    _sender(seen, next((values[k][0] for k in _FROM_KEYS if k in values), None))
    return _result(tally, f"{host_key} setting")


def _tls(values: dict[str, tuple[str, int, str]]) -> bool | None:
    for key in ("MAIL_ENCRYPTION", "MAIL_SCHEME"):
        if key in values:
            v = values[key][0].lower()
            return v in ("tls", "ssl", "starttls", "smtps")
    for key in ("EMAIL_USE_TLS", "EMAIL_USE_SSL", "SMTP_STARTTLS", "SMTP_TLS"):
        if key in values and values[key][0].lower() in ("true", "1", "yes"):
            return True
    flags = [k for k in ("EMAIL_USE_TLS", "EMAIL_USE_SSL", "SMTP_STARTTLS", "SMTP_TLS") if k in values]
    return False if flags else None


def _sender(seen, sender: str | None) -> None:
    if sender and (dom := domain_of(sender)):
        seen.senders[dom] += 1


def _port(value: str | None) -> int | None:
    if value and value.strip().isdigit() and 0 < int(value) < 65536:
        return int(value)
    return None


def _result(tally: Tally, what: str) -> ParseResult:
    facts = tally.facts()
    named = (f"{f.smart_host}:{f.port}" if f.port else str(f.smart_host) for f in facts if f.smart_host)
    where = ", ".join(named)
    return ParseResult(facts=list(facts), detail=f"{what}; {where or 'no smart host'}")
