"""Postfix, sendmail and Exim mail logs → ``symptom`` and ``smtp_client`` facts.

A Linux relay in front of Exchange Online logs each delivery attempt to its smart host. Shapes
(public sources are cited beside the fixtures in tests/fixtures/relays/):

- Postfix ``postfix/smtp[pid]: QID: to=<…>, relay=host[ip]:port, …, dsn=5.7.64, status=bounced
  (host host[ip] said: 550 5.7.64 … (in reply to RCPT TO command))``; a failure without a reply:
  ``dsn=4.7.0, status=deferred (SASL authentication failed; …)``; ``postfix/qmgr``
  ``QID: from=<…>`` (``from=<>`` is a bounce or notice); ``Trusted/Untrusted/Anonymous/Verified TLS
  connection established to host[ip]:port: TLSv1.2 …``; ``warning: SASL authentication failure``;
  with smtp debug on, the smart host's EHLO reply ``< host[ip]:25: 250-NAME Hello [a.b.c.d]`` (the
  address it saw this relay connect from);
- sendmail ``sm-mta[pid]: QID: to=<…>, …, relay=host. [ip], dsn=5.7.64, stat=…``,
  ``STARTTLS=client, relay=host, version=TLSv1.2, verify=OK …`` and ``AUTH=client, relay=host, mech=…``;
- Exim ``… ** rcpt R=… T=… H=host [ip] X=TLS1.2:…: SMTP error from remote mail server after RCPT
  TO:<…>: 550 5.7.64 …``, ``=> rcpt … H=host [ip] X=… A=login …`` and ``<= sender … `` arrivals.

Classic syslog timestamps carry no year: such times are not turned into dates (one located warning
says so), and a log whose years go backwards gets a located warning too; neither stops the read.
The certificate the relay presents is not logged by these MTAs at their default log levels; its
configured file name comes from ``main.cf`` (see ``postfixconf``). Streamed line by line.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from typing import BinaryIO

from ... import lazyre
from ...errors import Cancelled, EvidenceError
from ...facts import Provenance, SmtpClient, Symptom
from ..base import Document, ParseResult
from ..decoding import LongLines, iter_lines
from ..symptoms.ndr_text import direction
from ..symptoms.smtp_reply import find_replies
from .client import Tally, clean_host, count_sender, domain_of, hosts_text, public_ip

KIND = "mail_log"
MAX_SYMPTOMS = 200
MAX_WARNINGS = 20
MAX_LINE = 16384  # characters of one line that are analysed
# messages whose sender is remembered until their delivery lines: Postfix logs 'QID: removed' when
# one is done; a log of messages never removed (cut, or hostile) forgets the oldest beyond this
MAX_OPEN_MESSAGES = 50_000

_SYSLOG = lazyre.compile(
    r"^(?:(?P<iso>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?"
    r"|(?P<bsd>[A-Z][a-z]{2}\s+\d{1,2}\s+\d\d:\d\d:\d\d))\s+(?P<host>\S+)\s+"
    r"(?P<prog>[\w./-]+?)(?:\[\d+\])?:\s(?P<msg>.*)$"
)
_EXIM = lazyre.compile(r"^(?P<date>\d{4}-\d\d-\d\d) (?P<time>\d\d:\d\d:\d\d)(?:\.\d+)?(?: [+-]\d{4})?"
                   r"(?: \[\d+\])? (?P<msg>.*)$")
_EXIM_ID = lazyre.compile(r"^(?P<qid>[0-9A-Za-z]{6}-[0-9A-Za-z]{6,11}-[0-9A-Za-z]{2,4})\s+"
                      r"(?P<flag><=|=>|->|\*\*|==)\s+"
                      r"(?P<addr>\S+)(?P<rest>.*)$")
_QID = lazyre.compile(r"^(?P<qid>[0-9A-Za-z]{6,20}):\s(?P<body>.*)$")
_PF_RELAY = lazyre.compile(
    r"\brelay=(?P<host>[^\s\[,]+?)\.?(?:\[(?P<ip>[^\]]*)\])?(?::(?P<port>\d{1,5}))?(?:,|\s|$)"
)
_SM_RELAY = lazyre.compile(r"\brelay=(?P<host>[^\s\[,]+?)\.?\s*(?:\[(?P<ip>[^\]]*)\])?(?:,|\s|$)")
_DSN = lazyre.compile(r"\bdsn=(?P<dsn>[245]\.\d{1,3}\.\d{1,3})")
_STATUS = lazyre.compile(r"\bstatus=(?P<status>\w+)(?:\s+\((?P<why>.*)\))?\s*$")
# Postfix smtpd refusing its own client (postfix.org SMTPD_ACCESS_README / ADDRESS_VERIFICATION_README
# log "NOQUEUE: reject: RCPT from host[ip]: 554 5.7.1 <rcpt>: Relay access denied; from=<…> to=<…>
# proto=ESMTP helo=<…>"): the relay's own refusal, not its smart host's.
_PF_REJECT = lazyre.compile(
    r"^(?:NOQUEUE|[0-9A-Za-z]{6,20}): (?:reject|reject_warning): (?P<stage>[A-Z-]+) from "
    r"(?P<client>[^\s\[]*)\[(?P<ip>[^\]]*)\](?::\d+)?: (?P<reply>[45]\d\d[ -][45]\.\d{1,3}\.\d{1,3}\b.*?)"
    r"(?:; from=<[^>]*>.*)?$"
)
_SM_STAT = lazyre.compile(r"\bstat=(?P<why>.*)$")
_FROM = lazyre.compile(r"\bfrom=<(?P<addr>[^<>]*)>")
_TLS = lazyre.compile(r"\b(?P<trust>Trusted|Untrusted|Anonymous|Verified) TLS connection established to "
                  r"(?P<host>[^\s\[]+?)\.?\[(?P<ip>[^\]]*)\](?::(?P<port>\d+))?")
# Postfix with smtp debug (debug_peer_list): "< host[ip]:25: 250-NAME Hello [client ip]", the
# address the smart host saw this relay connect from (Exchange Online's EHLO reply names it).
_PF_HELLO = lazyre.compile(r"^<\s+(?P<host>[^\s\[]+?)\.?\[[^\]]*\](?::(?P<port>\d{1,5}))?:\s+"
                           r"250[ -]\S+\s+Hello\s+\[(?P<client>[0-9A-Fa-f.:]+)\]")
_SASL_FAIL = lazyre.compile(
    r"SASL authentication failed|SASL authentication failure|cannot authenticate to server", re.I
)
_SM_TLS = lazyre.compile(r"\bSTARTTLS=client, relay=(?P<host>[^\s,\[]+?)\.?(?:\s*\[[^\]]*\])?, "
                     r"version=(?P<ver>[^,]+),"
                     r" verify=(?P<verify>\w+)")
_SM_AUTH = lazyre.compile(
    r"\bAUTH=client, relay=(?P<host>[^\s,\[]+?)\.?(?:\s*\[[^\]]*\])?, mech=(?P<mech>[\w-]+)"
)
_EXIM_H = lazyre.compile(r"\bH=(?P<host>[^\s\[]+)\s*(?:\[(?P<ip>[^\]]+)\])?(?::(?P<port>\d+))?")
_EXIM_TLS = lazyre.compile(r"\bX=(?P<cipher>\S+)")
_EXIM_AUTH = lazyre.compile(r"\bA=(?P<auth>\w+)")
_EXIM_ERR = lazyre.compile(
    r"SMTP error from remote mail server after (?P<cmd>[^:]+(?::<[^>]*>)?):\s*(?P<reply>.*)$"
)
_LOOKS_RELEVANT = lazyre.compile(r"\b(?:relay=|status=|dsn=|said:|TLS connection|SASL|STARTTLS|stat=)", re.I)
_PROGRAMS = lazyre.compile(r"^(?:postfix(?:-[\w]+)?/[\w/-]+|sm-mta|sendmail|exim\d?)$")


def sniff(doc: Document) -> bool:
    try:
        head = doc.head_text()[:32768]
    except Exception:
        return False
    lines = [ln for ln in head.split("\n")[:300] if ln.strip()]
    if not lines:
        return False
    mta = 0
    for line in lines:
        m = _SYSLOG.match(line)
        e = None if m else _EXIM.match(line)
        if (m and _PROGRAMS.match(m.group("prog"))) or (e and _EXIM_ID.match(e.group("msg"))):
            mta += 1
    return mta >= 2 or (mta >= 1 and len(lines) <= 3)


def parse(doc: Document) -> ParseResult:
    with doc.opener() as stream:
        return scan(stream, doc.name)


class _State:
    def __init__(self, name: str):
        self.name = name
        self.tallies: dict[str, Tally] = {}  # software → tally
        self.senders: OrderedDict[str, str] = OrderedDict()  # queue id → MAIL FROM ("" for <>)
        self.forgotten = 0  # senders of messages never removed, forgotten (MAX_OPEN_MESSAGES)
        self.symptoms: dict[tuple, Symptom] = {}
        self.warnings: list[str] = []
        self.hidden_warnings = 0
        self.deliveries = 0
        self.year_warned = False
        self.last_year: int | None = None
        self.scope_id = ""

    def warn(self, line_no: int, text: str) -> None:
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(f"line {line_no}: {text}")
        else:
            self.hidden_warnings += 1

    def sender(self, qid: str, address: str) -> None:
        """A message's MAIL FROM, kept for its delivery lines (the oldest beyond the bound forgotten)."""
        self.senders[qid] = address
        self.senders.move_to_end(qid)
        if len(self.senders) > MAX_OPEN_MESSAGES:
            self.senders.popitem(last=False)
            self.forgotten += 1

    def tally(self, software: str) -> Tally:
        if software not in self.tallies:
            self.tallies[software] = Tally(software, "mail_log", scope_id=self.scope_id)
        return self.tallies[software]


def scan(
    stream: BinaryIO,
    name: str,
    *,
    progress: Callable[[int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> ParseResult:
    st = _State(name)
    lines = 0
    long_lines = LongLines(MAX_LINE)
    for line_no, text in iter_lines(stream, None, name=name, long_lines=long_lines):
        lines = line_no
        if progress is not None:
            progress(len(text) + 1)
        if cancel is not None and line_no % 50_000 == 0 and cancel():
            raise Cancelled("cancelled while reading " + name)
        if not text.strip():
            continue
        prov = Provenance(name, line_no, Provenance.clip(text))
        m = _SYSLOG.match(text)
        if m and _PROGRAMS.match(m.group("prog")):
            st.scope_id = st.scope_id or m.group("host").lower()
            seen_at = _iso_time(st, line_no, m.group("iso"), m.group("bsd"))
            prog = m.group("prog")
            software = "postfix" if prog.startswith("postfix") else "sendmail"
            _mta_line(st, software, m.group("msg"), prov, line_no, seen_at)
            continue
        e = _EXIM.match(text)
        if e and (x := _EXIM_ID.match(e.group("msg"))):
            seen_at = _iso_time(st, line_no, f"{e.group('date')}T{e.group('time')}", None)
            _exim_line(st, x, prov, seen_at)
            continue
        if _LOOKS_RELEVANT.search(text):
            st.warn(line_no, f"mail log line not understood: {Provenance.clip(text, 120)}")
    if not lines:
        raise EvidenceError("empty mail log", name)
    if st.hidden_warnings:
        st.warnings.append(f"{st.hidden_warnings:,} more line(s) not understood")
    if (cut := long_lines.warning()) is not None:
        st.warnings.append(cut)
    if st.forgotten:
        st.warnings.append(
            f"more than {MAX_OPEN_MESSAGES:,} messages were queued and not yet removed at once: the "
            f"senders of the {st.forgotten:,} oldest were forgotten (their later delivery lines count no "
            "MAIL FROM domain)"
        )
    facts: list = list(st.symptoms.values())
    for tally in st.tallies.values():
        tally.scope_id = tally.scope_id or st.scope_id
        facts.extend(tally.facts())
    hosts = hosts_text(f.smart_host for f in facts if isinstance(f, SmtpClient))
    st.warnings.extend(w for t in st.tallies.values() if (w := t.warning()) is not None)
    detail = (f"{lines:,} lines, {st.deliveries:,} delivery attempt(s), "
              f"{len(st.symptoms)} distinct refusal(s); relays: {hosts or 'none named'}")
    return ParseResult(facts=facts, detail=detail, warnings=st.warnings)


def _iso_time(st: _State, line_no: int, iso: str | None, bsd: str | None) -> str | None:
    if iso:
        year = int(iso[:4])
        if st.last_year is not None and year < st.last_year:
            st.warn(line_no, f"timestamps go back from {st.last_year} to {year}: lines are not in time order")
        st.last_year = max(year, st.last_year or year)
        return iso[:19] + "Z"
    if bsd and not st.year_warned:
        st.year_warned = True
        st.warn(line_no, "syslog timestamps carry no year: times in this log are not used as dates")
    return None


def _mta_line(st: _State, software: str, msg: str, prov: Provenance, line_no: int,
              seen_at: str | None) -> None:
    if (t := _TLS.search(msg)) is not None:
        host = clean_host(t.group("host"))
        seen = st.tally(software).get(host, _int(t.group("port")), prov)
        seen.starttls_used = True
        return
    if (h := _PF_HELLO.match(msg)) is not None:
        seen = st.tally(software).get(clean_host(h.group("host")), _int(h.group("port")), prov)
        seen.client_ip = public_ip(h.group("client")) or seen.client_ip
        return
    if (t := _SM_TLS.search(msg)) is not None:
        seen = st.tally(software).get(clean_host(t.group("host")), None, prov)
        seen.starttls_used = True
        return
    if (a := _SM_AUTH.search(msg)) is not None:
        seen = st.tally(software).get(clean_host(a.group("host")), None, prov)
        seen.auth_used = True
        return
    if software == "postfix" and (r := _PF_REJECT.match(msg)) is not None:
        _own_refusal(st, prov, r.group("reply"), seen_at)
        return
    q = _QID.match(msg)
    body = q.group("body") if q else msg
    qid = q.group("qid") if q else ""
    if (f := _FROM.search(body)) is not None and "to=<" not in body:
        st.sender(qid, f.group("addr"))
        return
    if body == "removed":  # Postfix's qmgr: the message is done
        st.senders.pop(qid, None)
        return
    if "to=<" not in body or "relay=" not in body:
        if _SASL_FAIL.search(body):
            st.warn(line_no, f"SASL authentication failure: {Provenance.clip(body, 120)}")
        return
    relay = (_PF_RELAY if software == "postfix" else _SM_RELAY).search(body)
    if relay is None:
        st.warn(line_no, f"delivery line without a relay: {Provenance.clip(body, 120)}")
        return
    host = clean_host(relay.group("host"))
    if host in (None, "none", "local", "private") or relay.group("host") in ("local", "virtual"):
        return  # local delivery: not the smart host
    port = _int(relay.groupdict().get("port"))
    st.deliveries += 1
    seen = st.tally(software).get(host, port, prov)
    seen.attempts += 1
    _sender(seen, st.senders.get(qid))
    why = ""
    if (s := _STATUS.search(body)) is not None:
        why = s.group("why") or ""
    elif (s := _SM_STAT.search(body)) is not None:
        why = s.group("why")
    dsn = _DSN.search(body)
    if _SASL_FAIL.search(why):
        seen.auth_used = True
        seen.auth_failed = True
    _refusal(st, seen, prov, host, why, dsn.group("dsn") if dsn else None, seen_at)


def _exim_line(st: _State, x: re.Match[str], prov: Provenance, seen_at: str | None) -> None:
    flag, addr, rest = x.group("flag"), x.group("addr"), x.group("rest")
    qid = x.group("qid")
    if flag == "<=":
        st.sender(qid, "" if addr == "<>" else addr)
        return
    h = _EXIM_H.search(rest)
    if h is None:
        return
    host = clean_host(h.group("host"))
    seen = st.tally("exim").get(host, _int(h.group("port")), prov)
    seen.attempts += 1
    st.deliveries += 1
    _sender(seen, st.senders.get(qid))
    if _EXIM_TLS.search(rest):
        seen.starttls_used = True
    if _EXIM_AUTH.search(rest):
        seen.auth_used = True
    if flag in ("**", "==") and (err := _EXIM_ERR.search(rest)) is not None:
        _refusal(st, seen, prov, host, err.group("reply"), None, seen_at)


def _refusal(st: _State, seen, prov: Provenance, host: str | None, why: str, dsn: str | None,
             seen_at: str | None) -> None:
    replies = [r for r in find_replies(why) if (r.status_code or "")[:1] in ("4", "5")]
    if replies:
        reply = replies[-1]
        status, text = reply.status_code, reply.text
        fields = {"reply_code": reply.reply_code, "attr": reply.attr, "tokens": reply.tokens,
                  "host": reply.host}
    elif dsn and dsn[:1] in ("4", "5"):
        status, text = dsn, why or f"dsn={dsn}"
        tokens = ("SASL authentication failed",) if _SASL_FAIL.search(why) else ()
        fields = {"reply_code": None, "attr": None, "tokens": tokens, "host": None}
    else:
        return
    assert status is not None
    seen.last_status = status
    key = (status, " ".join(text.lower().split()))
    if key in st.symptoms or len(st.symptoms) >= MAX_SYMPTOMS:
        return
    st.symptoms[key] = Symptom(
        provenance=prov,
        code=status,
        status_code=status,
        text=Provenance.clip(text, 500),
        remote_server=host,
        origin="mail_log",
        transient=status.startswith("4"),
        direction=direction(fields["host"], host),
        seen_at=seen_at,
        **fields,
    )


def _own_refusal(st: _State, prov: Provenance, reply_text: str, seen_at: str | None) -> None:
    """The relay's smtpd refused its own client: a symptom whose generating server is the relay
    itself (direction ``onprem``), so no rule reads it as Exchange Online's answer."""
    replies = [r for r in find_replies(reply_text) if (r.status_code or "")[:1] in ("4", "5")]
    if not replies:
        return
    reply = replies[0]
    key = (reply.status_code, " ".join(reply.text.lower().split()))
    if key in st.symptoms or len(st.symptoms) >= MAX_SYMPTOMS:
        return
    st.symptoms[key] = Symptom(
        provenance=prov, code=reply.status_code or "", status_code=reply.status_code,
        reply_code=reply.reply_code, text=Provenance.clip(reply.text, 500), attr=reply.attr,
        tokens=reply.tokens, generating_server=st.scope_id or None, origin="mail_log",
        transient=(reply.status_code or "").startswith("4"), direction="onprem", seen_at=seen_at,
    )


def _sender(seen, sender: str | None) -> None:
    if sender == "":
        seen.null_sender = True
    elif sender and (dom := domain_of(sender)):
        count_sender(seen, dom)


def _int(value: str | None) -> int | None:
    if value and value.isdigit() and 0 < int(value) < 65536:
        return int(value)
    return None
