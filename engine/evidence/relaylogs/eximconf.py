"""Exim router and transport configuration → ``smtp_client`` facts (origin ``mta_config``).

An Exim smart host is set up in two sections of its configuration (the Exim specification, chapters
"The manualroute router" and "The smtp transport"; Debian's split files
``conf.d/router/200_exim4-config_primary`` and ``conf.d/transport/30_exim4-config_remote_smtp_smarthost``):

- a ``driver = manualroute`` router whose ``route_list`` names the smart host (``* host::port``)
  and whose ``transport`` names the smtp transport it hands mail to;
- a ``driver = smtp`` transport with ``hosts_require_tls`` / ``hosts_avoid_tls`` (TLS), ``tls_certificate``
  (the client certificate a certificate-based connector needs; only the file name is read, the file
  is never opened), ``hosts_require_auth`` (SMTP AUTH) and ``port``.

A transport section is read whole, so a ``tls_certificate`` absent from it (or commented out) means
no client certificate: the smtp transport's default is none. One fact per router that names a
smart host; a transport seen without such a router gives one fact with no smart host. Sections
are ``name:`` lines with indented ``key = value`` options; ``#`` comments and macros (``.ifdef``) are
skipped.
"""

from __future__ import annotations

import ntpath
import posixpath
import re

from ... import lazyre
from ...errors import EvidenceError
from ...facts import Provenance
from ..base import Document, ParseResult
from .client import Tally, clean_host

KIND = "exim_config"
_SECTION = lazyre.compile(r"^(?P<name>[A-Za-z0-9_][A-Za-z0-9_.-]*):\s*$")
_OPTION = lazyre.compile(r"^\s+(?:no_|not_)?(?P<key>[a-z][a-z0-9_]*)\s*(?:=\s*(?P<value>.*))?$")
_DRIVER = lazyre.compile(r"^\s+driver\s*=\s*(?:smtp|manualroute)\s*$", re.M)


def sniff(doc: Document) -> bool:
    try:
        head = doc.head_text()[:65536]
    except Exception:
        return False
    if not _DRIVER.search(head):
        return False
    sections = sum(1 for line in head.split("\n") if _SECTION.match(line))
    return sections >= 1 and bool(re.search(r"^\s+(?:route_list|hosts_require_tls|tls_certificate|"
                                            r"hosts_require_auth|transport)\s*=", head, re.M))


def parse(doc: Document) -> ParseResult:
    text = doc.text()
    sections: list[tuple[str, int, str, dict[str, tuple[str, int, str]]]] = []
    current: dict[str, tuple[str, int, str]] | None = None
    for line_no, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", ".")):
            continue
        m = _SECTION.match(line)
        if m:
            current = {}
            sections.append((m.group("name"), line_no, line, current))
            continue
        o = _OPTION.match(line)
        if o and current is not None:
            current[o.group("key")] = ((o.group("value") or "").strip().strip('"'), line_no, line)
    transports = {name: opts for name, _, _, opts in sections if _driver(opts) == "smtp"}
    routers = [(name, at, raw, opts) for name, at, raw, opts in sections if _driver(opts) == "manualroute"]
    if not transports and not routers:
        raise EvidenceError("no Exim smtp transport or manualroute router found", doc.name)
    tally = Tally("exim", "mta_config")
    used: set[str] = set()
    for _name, at, raw, opts in routers:
        host, port = _route(opts.get("route_list", ("", 0, ""))[0])
        transport = opts.get("transport", ("", 0, ""))[0]
        tp = transports.get(transport)
        if tp is not None:
            used.add(transport)
            port = _int(tp.get("port", ("", 0, ""))[0]) or port
        seen = tally.get(host, port or (25 if host else None), Provenance(doc.name, at, Provenance.clip(raw)))
        if tp is not None:
            _transport(seen, tp)
    for name, tp in transports.items():
        if name not in used and not routers:
            at = next(a for n, a, _, _ in sections if n == name)
            raw = next(r for n, _, r, _ in sections if n == name)
            _transport(tally.get(None, _int(tp.get("port", ("", 0, ""))[0]),
                                 Provenance(doc.name, at, Provenance.clip(raw))), tp)
    facts = tally.facts()
    hosts = ", ".join(f.smart_host for f in facts if f.smart_host) or "none named"
    detail = (f"Exim configuration: {len(routers)} manualroute router(s), {len(transports)} smtp "
              f"transport(s); smart host {hosts}")
    return ParseResult(facts=list(facts), detail=detail, warnings=[])


def _driver(opts: dict[str, tuple[str, int, str]]) -> str:
    return opts.get("driver", ("", 0, ""))[0].lower()


def _route(route_list: str) -> tuple[str | None, int | None]:
    """``* host::587 byname`` / ``!+local_domains host`` → (host, port); split, never backtracked."""
    words = route_list.split()
    if len(words) < 2:
        return None, None
    target = words[1]  # the first host of the list (hosts are ':'-separated; '::' gives the port)
    name, _, rest = target.partition("::")
    host = clean_host(name.split(":")[0]) if name else None
    digits = rest.split(":")[0] if rest else ""
    return host, _int(digits)


def _transport(seen, opts: dict[str, tuple[str, int, str]]) -> None:
    if opts.get("hosts_require_tls", ("", 0, ""))[0]:
        seen.tls_policy = "required"
        seen.starttls_used = True
    elif "hosts_avoid_tls" in opts and opts["hosts_avoid_tls"][0] == "*":
        seen.tls_policy = "none"
        seen.starttls_used = False
    cert = opts.get("tls_certificate", ("", 0, ""))[0]
    seen.client_cert_configured = bool(cert)  # the smtp transport's default: no client certificate
    seen.client_cert_name = ntpath.basename(posixpath.basename(cert)) if cert else None
    if "hosts_require_auth" in opts or "hosts_try_auth" in opts:
        seen.auth_used = True


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() and 0 < int(value) < 65536 else None
