"""``--redact``: make a report shareable by replacing names and numbers that identify the admin's org.

Redaction is applied to the ``Report`` object before rendering, so text, Markdown and JSON agree,
and it is consistent: the same input always becomes the same token within one report
(``contoso.com`` → ``domain-1.example``, ``mail.contoso.com`` → ``host-1.domain-1.example``,
``203.0.113.25`` → ``192.0.2.1``, ``n.patel@…`` → ``user-1@…``, a thumbprint → ``THUMB-1``).
Placeholders never collide with a value present in the original report. Microsoft's own names and
URLs, cmdlet names, cause ids and pack references are left alone: they identify nobody and the
report needs them to be useful.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from .. import lazyre
from ..facts import (
    Certificate,
    Fact,
    InboundConnector,
    OutboundConnector,
    ReceiveConnector,
    SendConnector,
    SmtpSession,
    Symptom,
    TransportService,
)
from ..results import Report

if TYPE_CHECKING:
    from ..precheck.model import PrecheckReport
from .redact_structure import Learned, PathRedactor, learn_names, source_paths, word_pattern

# Names that belong to Microsoft: kept as they are (they identify the service, not the admin).
_MICROSOFT_SUFFIXES = (
    "microsoft.com", "office.com", "office365.com", "outlook.com", "microsoftonline.com",
    "windows.net", "azure.com", "live.com", "msft.net", "aka.ms", "frontbridge.com",
    "messaging.microsoft.com", "onmicrosoft.com", "exchangelabs.com", "outlook.office365.com",
    "microsoft365.com", "sharepoint.com", "msftauth.net",
)
# Microsoft suffixes whose leading label(s) name the customer's tenant: that part is redacted.
_TENANT_SUFFIXES = (".mail.onmicrosoft.com", ".onmicrosoft.com", ".mail.protection.outlook.com")

# Top-level domains we recognise. File extensions (.txt, .log, .cer, .xml, .json …) are not in it,
# so ``Get-InboundConnector.fl.txt`` stays a file name while ``mail.contoso.net.cer`` loses its domain.
_CC = (
    "ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo br bs bt bw "
    "by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg er es et eu "
    "fi fj fk fm fo fr ga gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im "
    "in io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc "
    "me mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe "
    "pf pg ph pk pl pm pn pr pt pw qa re ro rs ru rw sa sb sc sd se sg si sk sl sm sn sr ss st su sv sx sy "
    "sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz va vc ve vg vi vn vu wf ws ye yt "
    "za zm zw"
)
_GENERIC = (
    "com net org edu gov mil int info biz name pro mobi aero coop museum travel jobs tel asia cat xxx "
    "local lan corp internal intranet home localdomain private example test invalid cloud app dev online "
    "site tech xyz shop store blog email global group company solutions services systems network one "
    "digital media agency health bank insurance law legal capital consulting finance energy news live"
)
# Country codes that are far more often file extensions in an evidence folder (README.md, gen.py).
_EXTENSION_LIKE = frozenset({"md", "py", "sh", "ps", "so", "cc", "pm"})
_TLDS = (frozenset(_CC.split()) | frozenset(_GENERIC.split())) - _EXTENSION_LIKE
_SECOND_LEVEL_TEXT = (
    "co.uk org.uk ac.uk gov.uk ltd.uk plc.uk com.au net.au org.au edu.au co.nz co.jp ne.jp or.jp co.za "
    "com.br com.mx com.cn com.tw com.hk com.sg co.in co.kr co.il com.tr"
)
_SECOND_LEVEL = frozenset(_SECOND_LEVEL_TEXT.split())

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_TOKEN_RE = lazyre.compile(
    r"(?P<url>\bhttps?://[^\s<>\"'`)\]]+)"
    r"|(?P<email>(?<![\w.+-])[A-Za-z0-9!#$%&'*+/=?^_{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_{|}~-]+)*"
    rf"@{_LABEL}(?:\.{_LABEL})+)"
    r"|(?P<guid>(?<![0-9A-Za-z-])[0-9A-Fa-f]{8}-(?:[0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}(?![0-9A-Za-z-]))"
    r"|(?P<dn>(?<![\w])(?:O|OU|L|S|ST|STREET|DC)=(?:[^,+<>;\"\r\n\\]|\\.)+)"
    r"|(?P<ipv6>(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?:%\w+)?(?![\w:]))"
    r"|(?P<ipv4>(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\w|\.\d))"
    r"|(?P<hex>(?<![0-9A-Za-z])(?:[0-9A-Fa-f]{2}[ :]?){8,31}[0-9A-Fa-f]{2}(?![0-9A-Za-z]))"
    rf"|(?P<name>(?<![\w-]){_LABEL}(?:\.{_LABEL})+)"
)
_SINGLE_LABEL = lazyre.compile(r"^[A-Za-z][A-Za-z0-9-]{2,62}$")
# Connector names that Microsoft's wizards choose (their GUIDs are redacted as GUIDs); any other
# connector name was chosen by the admin and often carries the organisation's name.
_DEFAULT_CONNECTOR = lazyre.compile(
    r"^(?:Outbound to Office 365|Inbound from [0-9a-f-]{36}|Outbound to [0-9a-f-]{36}|"
    r"Default(?: Frontend)? \S+|Client(?: Frontend| Proxy)? \S+|Outbound Proxy Frontend \S+|"
    r"Intra-Organization SMTP Send Connector)(?: - [0-9a-f-]{36})?$",
    re.IGNORECASE,
)


def _split_domain(name: str, tlds: frozenset[str] = _TLDS) -> tuple[str, str] | None:
    """``mail.contoso.com`` → ("mail", "contoso.com"); None when the name has no known TLD."""
    labels = name.lower().split(".")
    # Trailing labels that are not TLDs are file extensions: "mail.contoso.net.cer".
    while labels and labels[-1] not in tlds:
        labels.pop()
    if len(labels) < 2:
        return None
    take = 3 if len(labels) >= 3 and ".".join(labels[-2:]) in _SECOND_LEVEL else 2
    if len(labels) < take:
        return None
    return ".".join(labels[:-take]), ".".join(labels[-take:])


def _domain_len(name: str, tlds: frozenset[str] = _TLDS) -> int:
    """How many characters of ``name`` (from the start) form the domain; 0 when none.

    The domain ends at its last known TLD: ``mail.contoso.net.cer`` → ``mail.contoso.net``, and
    ``smtp.contoso.com-expired.pem`` (a file name) → ``smtp.contoso.com``.
    """
    labels = name.split(".")
    end, pos = 0, len(labels[0])
    for label in labels[1:]:
        low = label.lower()
        if low in tlds:
            end = pos + 1 + len(label)
        else:
            cut = re.match(r"([a-z]+)-", low)
            if cut and cut.group(1) in tlds:
                end = pos + 1 + len(cut.group(1))
                break
        pos += 1 + len(label)
    return end if end and _split_domain(name[:end], tlds) is not None else 0


def _is_microsoft(name: str) -> bool:
    name = name.lower()
    return any(name == s or name.endswith("." + s) for s in _MICROSOFT_SUFFIXES)


def _public_name(name: str) -> bool:
    """Microsoft's own name (not a tenant's part of it): identifies nobody."""
    return _is_microsoft(name) and _tenant_suffix(name) is None


def _tenant_suffix(name: str) -> str | None:
    name = name.lower()
    return next((s for s in _TENANT_SUFFIXES if name.endswith(s) and len(name) > len(s)), None)


class Redactor:
    """Builds the token maps from one report's text, then substitutes them everywhere."""

    def __init__(self, originals: Iterable[str] = (), known_hosts: Iterable[str] = (),
                 known_serials: Iterable[str] = (), known_connectors: Iterable[str] = (),
                 learned: Learned | None = None, paths: Iterable[str] = ()):
        self._originals = set()
        self._tlds = _TLDS | (learned.tlds if learned else frozenset())
        self._words_re = word_pattern(learned.words) if learned else None
        self._paths = sorted(set(paths), key=len, reverse=True)
        self._path_redactor = PathRedactor(self._token)
        self._maps: dict[str, dict[str, str]] = {}
        self._ip_pool = self._ip_candidates()
        self._ip6_counter = 0
        corpus = list(originals)
        for text in corpus:
            for m in _TOKEN_RE.finditer(text):
                self._originals.add(m.group(0).lower())
        for text in corpus:
            for m in re.finditer(r"(?:\d{1,3}\.){3}\d{1,3}", text):
                self._originals.add(m.group(0))
        self._serials = sorted({_hex_key(s) for s in known_serials if len(_hex_key(s)) >= 8}, key=len,
                               reverse=True)
        hosts = sorted({h.lower() for h in known_hosts if _SINGLE_LABEL.match(h)}, key=len, reverse=True)
        # a connector's name and the spellings the report shows it in: pasted in a command (its
        # quotes doubled) and quoted in an evidence line (escapes for control characters): each
        # spelling maps to the one name, so all become the same token
        self._conn_names = {
            spelling.lower(): c.lower()
            for c in known_connectors if c.strip() and not _DEFAULT_CONNECTOR.match(c)
            for spelling in _connector_spellings(c)
        }
        connectors = sorted(self._conn_names, key=len, reverse=True)
        self._conn_re = (
            re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, connectors)) + r")(?![\w-])", re.IGNORECASE)
            if connectors else None
        )
        self._host_re = (
            # Server names also hide in file and CA names: "EXCH01-selfsigned.pem", "corp-EXCH01-CA".
            re.compile(r"(?<![\w@.])(" + "|".join(map(re.escape, hosts)) + r")(?!\w)", re.IGNORECASE)
            if hosts else None
        )

    # -- token maps ---------------------------------------------------------------------------

    def _token(self, kind: str, key: str, make: Callable[[int], str]) -> str:
        table = self._maps.setdefault(kind, {})
        if key not in table:
            n = len(table) + 1
            token = make(n)
            while token.lower() in self._originals:  # never produce a value the report already had
                n += 1000
                token = make(n)
            table[key] = token
        return table[key]

    @staticmethod
    def _ip_candidates() -> Iterator[str]:
        for net in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "198.18.0.0/15"):
            for host in ipaddress.ip_network(net).hosts():
                yield str(host)

    def _ipv4(self, ip: str) -> str:
        table = self._maps.setdefault("ipv4", {})
        if ip not in table:
            for candidate in self._ip_pool:
                if candidate not in self._originals:
                    table[ip] = candidate
                    break
            else:  # pragma: no cover - 130k distinct addresses in one report
                table[ip] = "192.0.2.0"
        return table[ip]

    def _ipv6(self, ip: str) -> str:
        return self._token("ipv6", ip, lambda n: f"2001:db8::{n:x}")

    def _domain(self, name: str) -> str:
        """Redact one DNS name (lower case, known TLD)."""
        if _is_microsoft(name):
            suffix = _tenant_suffix(name)
            if suffix is None:
                return name
            tenant = name[: -len(suffix)]
            return self._token("tenant", tenant, lambda n: f"tenant-{n}") + suffix
        split = _split_domain(name, self._tlds)
        if split is None:
            return name
        host, reg = split
        reg_token = self._token("domain", reg, lambda n: f"domain-{n}.example")
        if not host:
            return reg_token
        parts = [p for p in host.split(".")]
        if parts[0] == "*":
            rest = ".".join(parts[1:])
            head = "*." + (self._host(rest) + "." if rest else "")
            return head + reg_token
        return self._host(host) + "." + reg_token

    def _connector(self, spelling: str) -> str:
        name = self._conn_names.get(spelling.lower(), spelling.lower())
        return self._token("connector", name, lambda n: f"connector-{n}")

    def _host(self, label: str) -> str:
        return self._token("host", label.lower(), lambda n: f"host-{n}")

    # -- substitution -------------------------------------------------------------------------

    def text(self, text: str) -> str:
        if not text:
            return text
        out = text
        for path in self._paths:  # the evidence's own paths, component by component
            if path in out:
                out = out.replace(path, self._path_redactor.path(path))
        out = self._path_redactor.loose(out)
        if self._conn_re is not None:  # before the names inside them are tokenised
            out = self._conn_re.sub(lambda m: self._connector(m.group(1)), out)
        out = _TOKEN_RE.sub(self._sub, out)
        for serial in self._serials:
            token = self._token("serial", serial, lambda n: f"SERIAL-{n}")
            out = _serial_re(serial).sub(token, out)
        if self._host_re is not None:
            out = self._host_re.sub(lambda m: self._host(m.group(1)), out)
        if self._words_re is not None:  # a label of a name in the evidence, wherever it reappears
            out = self._words_re.sub(
                lambda m: self._token("label", m.group(1).lower(), lambda n: f"name-{n}"), out)
        return out

    def _sub(self, m: re.Match[str]) -> str:
        kind = m.lastgroup
        value = m.group(0)
        if kind == "url":
            return self._url(value)
        if kind == "email":
            local, _, domain = value.rpartition("@")
            user = self._token("user", local.lower(), lambda n: f"user-{n}")
            return f"{user}@{self._name(domain)}"
        if kind == "ipv4":
            try:
                ip = ipaddress.IPv4Address(value)
            except ValueError:
                return value
            if ip.is_loopback or ip.is_unspecified:
                return value
            return self._ipv4(str(ip))
        if kind == "ipv6":
            bare = value.split("%", 1)[0]
            try:
                ip6 = ipaddress.IPv6Address(bare)
            except ValueError:
                return _TOKEN_RE.sub(self._sub_no_ipv6, value) if ":" in value else value
            if ip6.is_loopback or ip6.is_unspecified:
                return value
            return self._ipv6(str(ip6))
        if kind == "guid":
            return self._token("guid", value.lower(), lambda n: f"00000000-0000-4000-8000-{n:012x}")
        if kind == "dn":
            attr, _, raw = value.partition("=")
            val = raw.rstrip()
            tail = raw[len(val):]
            space = "org" if attr.upper() in ("O", "OU") else "place"
            if attr.upper() == "DC":
                return f"{attr}={self._host(val)}{tail}"
            return f"{attr}=" + self._token(space, val.lower(), lambda n, s=space: f"{s}-{n}") + tail
        if kind == "hex":
            key = _hex_key(value)
            if len(key) == 40:
                return self._token("thumb", key, lambda n: f"THUMB-{n}")
            if any(key == s for s in self._serials):
                return self._token("serial", key, lambda n: f"SERIAL-{n}")
            return value
        return self._name(value)

    def _sub_no_ipv6(self, m: re.Match[str]) -> str:
        return m.group(0) if m.lastgroup == "ipv6" else self._sub(m)

    def _name(self, value: str) -> str:
        """A dotted name that may carry a file extension or trailing text: redact its domain part."""
        n = _domain_len(value, self._tlds)
        if n == 0:
            return value
        name = value[:n]
        if _is_microsoft(name) and _tenant_suffix(name) is None:
            return value
        return self._domain(name.lower()) + value[n:]

    def _url(self, url: str) -> str:
        host = re.match(r"https?://(?:[^@/]*@)?([^/:?#]+)", url)
        if host and _is_microsoft(host.group(1)) and _tenant_suffix(host.group(1)) is None:
            return url
        scheme, rest = url.split("://", 1)
        return scheme + "://" + _TOKEN_RE.sub(self._sub_no_url, rest)

    def _sub_no_url(self, m: re.Match[str]) -> str:
        return m.group(0) if m.lastgroup == "url" else self._sub(m)


_PS_QUOTES = re.compile("([\'\u2018\u2019\u201a\u201b])")  # what a filled command doubles (pack.templates)


def _connector_spellings(name: str) -> set[str]:
    """``name``, as a filled PowerShell command quotes it (``O''Brien``), and as an evidence line
    shows it (``repr``'s escapes: ``line1\\nline2``)."""
    return {name, _PS_QUOTES.sub(r"\1\1", name), repr(name)[1:-1]}


def _hex_key(value: str) -> str:
    return re.sub(r"[^0-9A-Fa-f]", "", value).upper()


def _serial_re(serial: str) -> re.Pattern[str]:
    spaced = "[ :]?".join(re.escape(serial[i : i + 2]) for i in range(0, len(serial), 2))
    return re.compile(rf"(?<![0-9A-Za-z-]){spaced}(?![0-9A-Za-z])", re.IGNORECASE)


# ----------------------------------------------------------------------------------------------

# Fields that hold pack knowledge or tool metadata, not the admin's data.
_KEEP_FIELDS = frozenset({"references", "rules", "tool_version", "generated_at", "packs", "status", "cause",
                          "code", "kind", "id", "answers_with", "fact"})


# A precheck line's id is the tool's, like a diagnosis' cause id.
_KEEP_PRECHECK = _KEEP_FIELDS | {"check", "days"}


def _strings(obj: Any, *, top: bool = True, keep: frozenset[str] = _KEEP_FIELDS) -> Iterator[str]:
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, list | tuple):
        for item in obj:
            yield from _strings(item, top=False)
    elif isinstance(obj, dict):
        for item in obj.values():
            yield from _strings(item, top=False)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            if f.name in keep and not isinstance(obj, Fact):
                continue
            yield from _strings(getattr(obj, f.name), top=False, keep=keep)


def _rewrite(obj: Any, fn: Callable[[str], str], keep: frozenset[str] = _KEEP_FIELDS) -> Any:
    if isinstance(obj, str):
        return fn(obj)
    if isinstance(obj, tuple):
        return tuple(_rewrite(x, fn, keep) for x in obj)
    if isinstance(obj, list):
        return [_rewrite(x, fn, keep) for x in obj]
    if isinstance(obj, dict):
        return {k: _rewrite(v, fn, keep) for k, v in obj.items()}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        kwargs = {}
        for f in dataclasses.fields(obj):
            if not f.init:
                continue
            value = getattr(obj, f.name)
            kept = f.name in keep and not isinstance(obj, Fact)
            kwargs[f.name] = value if kept else _rewrite(value, fn, keep)
        return type(obj)(**kwargs)
    return obj


def _known_names(facts: Iterable[Fact]) -> tuple[set[str], set[str], set[str]]:
    """Single-label server names, certificate serials and connector names the facts hold."""
    hosts: set[str] = set()
    serials: set[str] = set()
    connectors: set[str] = set()
    for fact in facts:
        if isinstance(fact, InboundConnector | OutboundConnector | SendConnector | ReceiveConnector):
            connectors.add(fact.name)
        if isinstance(fact, SendConnector):
            hosts.update(fact.source_transport_servers)
        if isinstance(fact, SmtpSession):
            connectors.add(fact.connector)
            if fact.cert_cn:
                hosts.add(fact.cert_cn)
        if isinstance(fact, TransportService):
            hosts.add(fact.name)
        if isinstance(fact, Symptom):
            hosts.update(h for h in (fact.generating_server, fact.remote_server) if h)
        if isinstance(fact, Certificate):
            if fact.serial:
                serials.add(fact.serial)
            if fact.cn:
                hosts.add(fact.cn)
    return {h for h in hosts if "." not in h}, serials, connectors


def rewrite_report(report: Report, fn: Callable[[str], str]) -> Report:
    """A copy of ``report`` with ``fn`` applied to every string in it (facts included)."""
    return _rewrite(report, fn)


def redact_report(report: Report) -> Report:
    """A copy of ``report`` with identifying names, addresses and numbers replaced consistently."""
    hosts, serials, connectors = _known_names(report.facts)
    sources = [*(e.source for e in report.evidence), *(f.provenance.source for f in report.facts),
               *(s for f in report.facts for s in [getattr(f, "last_source", None)] if isinstance(s, str))]
    prose = [*report.notes, *(t for e in report.evidence for t in (e.detail, e.skipped_reason) if t),
             *(f.provenance.excerpt for f in report.facts if f.provenance.excerpt),
             *(e.excerpt for v in report.verdicts for e in v.evidence if e.excerpt)]
    learned = learn_names(report.facts, public=_public_name, prose=prose)
    redactor = Redactor(_strings(report), known_hosts=hosts, known_serials=serials,
                        known_connectors=connectors, learned=learned, paths=source_paths(sources))
    return _rewrite(report, redactor.text)


def redact_precheck(report: PrecheckReport) -> PrecheckReport:
    """A copy of a precheck report redacted as ``redact_report`` redacts a diagnosis: the names
    to hide are learned from the facts the checks read and from the plan (a planned connector
    value or sending domain is the admin's too); check ids and statuses stay."""
    facts = list(report.facts)
    hosts, serials, connectors = _known_names(facts)
    if report.plan.connector:
        connectors.add(report.plan.connector)
    sources = [*(e.source for e in report.evidence), *(f.provenance.source for f in facts),
               *(e.source for c in report.checks for e in c.evidence),
               *([report.plan.cert] if report.plan.cert else [])]
    redactor = Redactor(_strings(report, keep=_KEEP_PRECHECK), known_hosts=hosts, known_serials=serials,
                        known_connectors=connectors,
                        learned=learn_names([*facts, report.plan], public=_public_name),  # type: ignore[list-item]
                        paths=source_paths(s for s in sources if s))
    return _rewrite(report, redactor.text, _KEEP_PRECHECK)


def redact_texts(texts: Iterable[str]) -> list[str]:
    """Redact loose strings consistently with each other (for callers without a Report)."""
    texts = list(texts)
    redactor = Redactor(texts)
    return [redactor.text(t) for t in texts]
