"""Postfix ``main.cf`` or ``postconf -n`` output → one ``smtp_client`` fact (origin ``mta_config``).

The settings that decide how a Postfix relay meets Exchange Online (postconf(5)): ``relayhost``
(``[host]:port``; brackets mean no MX lookup), ``smtp_tls_security_level`` (``none`` / ``may`` /
``encrypt`` / ``dane`` / ``verify`` / ``secure``; the legacy ``smtp_use_tls`` / ``smtp_enforce_tls``),
``smtp_tls_cert_file`` (the client certificate a certificate-based connector needs; only its file
name is read, the file is never opened), ``smtp_sasl_auth_enable`` and ``smtp_sasl_password_maps``
(SMTP AUTH to the smart host), ``myhostname`` (the relay's own name, used as scope).

A setting that is absent from a ``main.cf`` is reported as unknown, never as Postfix's default: a
copied excerpt may leave settings out. ``postconf -n`` output is different — it lists every setting
that is not at its default (sorted, no comments) — so there an absent ``smtp_tls_cert_file`` means
no client certificate, an absent ``smtp_tls_security_level`` (with no ``smtp_use_tls``) means no TLS
and an absent ``smtp_sasl_auth_enable`` means no AUTH (their defaults in postconf(5)).
A ``main.cf`` with no ``relayhost`` and no ``smtp_*`` setting is recognised by keys only Postfix
has (``mydestination``, ``inet_interfaces``, ``mynetworks``, …). ``relayhost =`` (empty), or no
relayhost in ``postconf -n``, is direct delivery (``direct_delivery``): the relay looks up each
recipient domain's MX itself and has no smart host; no relayhost line in a ``main.cf`` is unknown.
``key = value`` lines, ``#`` comments and indented continuation lines are read; a line that is none
of these is a located warning.
"""

from __future__ import annotations

import ntpath
import posixpath

from ... import lazyre
from ...errors import EvidenceError
from ...facts import Provenance
from ..base import Document, ParseResult
from .client import Tally, clean_host

KIND = "postfix_config"
_SETTING = lazyre.compile(r"^(?P<key>[a-z][a-z0-9_]*)\s*=\s*(?P<value>.*)$")
_KNOWN = frozenset({
    "relayhost", "myhostname", "mydomain", "myorigin", "mydestination", "mynetworks", "inet_interfaces",
    "inet_protocols", "smtp_tls_security_level", "smtp_tls_cert_file", "smtp_tls_key_file",
    "smtp_sasl_auth_enable", "smtp_sasl_password_maps", "smtp_sasl_security_options", "smtp_use_tls",
    "smtp_enforce_tls", "smtpd_tls_cert_file", "smtpd_banner", "alias_maps", "compatibility_level",
    "smtp_tls_CAfile", "smtp_tls_loglevel", "smtpd_relay_restrictions", "biff", "append_dot_mydomain",
    "readme_directory", "queue_directory", "command_directory", "daemon_directory", "smtp_tls_chain_files",
    "smtp_tls_session_cache_database", "smtpd_tls_security_level", "mailbox_size_limit",
    "recipient_delimiter", "alias_database", "smtpd_tls_key_file", "smtpd_use_tls",
    "home_mailbox", "mailbox_command", "setgid_group", "mail_owner", "smtpd_recipient_restrictions",
    "smtpd_sender_restrictions", "smtpd_client_restrictions", "smtpd_helo_restrictions",
    "virtual_alias_maps", "transport_maps", "sender_dependent_relayhost_maps", "default_transport",
})
# Keys only Postfix's main.cf has (postconf(5)): a main.cf with two of them and no relayhost or
# smtp_* setting at all is still Postfix — one that delivers straight to the recipients' MX.
_POSTFIX_ONLY = frozenset({
    "mydestination", "inet_interfaces", "mynetworks", "myorigin", "mydomain", "alias_maps",
    "alias_database", "append_dot_mydomain", "biff", "compatibility_level", "inet_protocols",
    "smtpd_banner", "smtpd_relay_restrictions", "mailbox_size_limit", "recipient_delimiter",
    "readme_directory", "myhostname", "mynetworks_style", "smtpd_recipient_restrictions",
})
_REQUIRED = frozenset({"encrypt", "dane-only", "fingerprint", "verify", "secure"})
_RELAYHOST = lazyre.compile(r"^\[?(?P<host>[^\]\s:]+)\]?(?::(?P<port>\d{1,5}))?$")


def sniff(doc: Document) -> bool:
    try:
        head = doc.head_text()[:32768]
    except Exception:
        return False
    keys = set()
    other = 0
    for line in head.split("\n")[:400]:
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or line[:1] in (" ", "\t"):
            continue
        m = _SETTING.match(stripped)
        if m:
            keys.add(m.group("key"))
        else:
            other += 1
    known = keys & _KNOWN
    postfix = "relayhost" in keys or any(k.startswith("smtp_") for k in keys) or len(
        keys & (_POSTFIX_ONLY - {"myhostname"})) >= 2
    return len(known) >= 3 and postfix and other <= len(keys) // 4


def parse(doc: Document) -> ParseResult:
    settings: dict[str, tuple[str, int, str]] = {}
    warnings: list[str] = []
    last: str | None = None
    text = doc.text()
    complete = _is_postconf_n(text)
    for line_no, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if line[:1] in (" ", "\t") and last is not None:
            value, at, raw = settings[last]
            settings[last] = (f"{value} {stripped}", at, raw)
            continue
        m = _SETTING.match(stripped)
        if m is None:
            warnings.append(f"line {line_no}: not a 'name = value' setting: {Provenance.clip(stripped, 80)}")
            last = None
            continue
        last = m.group("key")
        settings[last] = (m.group("value").strip(), line_no, line)
    if not settings:
        raise EvidenceError("no Postfix settings found", doc.name)
    myhostname = settings.get("myhostname", ("", 0, ""))[0].lower()
    tally = Tally("postfix", "mta_config", scope_id=myhostname if "$" not in myhostname else "")
    relay = settings.get("relayhost")
    host = port = None
    at = relay or next(iter(settings.values()))
    if relay and relay[0]:
        m = _RELAYHOST.match(relay[0].split(",")[0].strip())
        if m:
            host = clean_host(m.group("host"))
            port = int(m.group("port")) if m.group("port") else 25
        else:
            warnings.append(f"line {relay[1]}: relayhost not understood: {relay[0]!r}")
    seen = tally.get(host, port, Provenance(doc.name, at[1], Provenance.clip(at[2])))
    if relay is not None and not relay[0].strip():
        seen.direct_delivery = True  # "relayhost =": each recipient domain's MX (postconf(5))
    elif relay is None and complete:
        seen.direct_delivery = True  # postconf -n: relayhost is at its default, empty
    elif host is not None:
        seen.direct_delivery = False
    level = settings.get("smtp_tls_security_level", ("", 0, ""))[0].lower()
    if level in _REQUIRED or (level.startswith("dane") and level != "dane"):
        seen.tls_policy = "required"
    elif level in ("may", "dane"):
        seen.tls_policy = "opportunistic"
    elif level == "none":
        seen.tls_policy = "none"
    elif _yes(settings, "smtp_enforce_tls"):
        seen.tls_policy = "required"
    elif _yes(settings, "smtp_use_tls"):
        seen.tls_policy = "opportunistic"
    elif complete and not level:
        seen.tls_policy = "none"  # postconf -n: the default, empty, is no TLS
    if seen.tls_policy in ("required", "opportunistic"):
        seen.starttls_used = True
    elif seen.tls_policy == "none":
        seen.starttls_used = False
    cert = settings.get("smtp_tls_cert_file") or settings.get("smtp_tls_chain_files")
    if cert is not None:
        words = cert[0].split(",")[0].split()  # "file1, file2" or "file" (", x" has no first file)
        path = words[0] if words else ""
        seen.client_cert_configured = bool(path)
        seen.client_cert_name = _file_name(path) if path else None
    elif complete:
        seen.client_cert_configured = False  # postconf -n: the default is no client certificate
    if "smtp_sasl_auth_enable" in settings or complete:
        seen.auth_used = _yes(settings, "smtp_sasl_auth_enable")
    facts = tally.facts()
    shown = (f"relayhost {host}:{port}" if host else
             "relayhost empty: direct delivery to each recipient's MX" if seen.direct_delivery else
             "relayhost not in this excerpt (unknown)")
    form = "postconf -n (absent settings are defaults)" if complete else "main.cf"
    detail = f"{form}, {len(settings)} settings; {shown}"
    return ParseResult(facts=list(facts), detail=detail, warnings=warnings)


def _is_postconf_n(text: str) -> bool:
    """``postconf -n`` prints one ``name = value`` per line, sorted by name, with no comments."""
    lines = [ln for ln in text.replace("\ufeff", "").split("\n") if ln.strip()]
    keys = []
    for line in lines:
        m = _SETTING.match(line)
        if m is None or line[:1] in (" ", "\t"):
            return False
        keys.append(m.group("key"))
    return len(keys) >= 3 and keys == sorted(keys)


def _yes(settings: dict[str, tuple[str, int, str]], key: str) -> bool:
    return settings.get(key, ("", 0, ""))[0].lower() in ("yes", "true", "1")


def _file_name(path: str) -> str:
    """The file's name only: the path may be private, and the file is never opened."""
    return ntpath.basename(posixpath.basename(path)) or path
