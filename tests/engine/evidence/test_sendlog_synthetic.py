"""Send/receive log parsing on logs built here: dialogue shapes, layouts, streaming invariants."""

from __future__ import annotations

import codecs
import csv
import io
import random
from collections.abc import Iterable
from dataclasses import dataclass, field

import pytest
from relaydoctor.engine.errors import Cancelled, EvidenceError
from relaydoctor.engine.evidence.base import Document, ParseResult
from relaydoctor.engine.evidence.smtplog import receive as smtplog_receive
from relaydoctor.engine.evidence.smtplog import send as sendlog
from relaydoctor.engine.evidence.smtplog.format import DEFAULT_FIELDS
from relaydoctor.engine.facts import SmtpSession, Symptom

EOP = "AM6EUR05FT047.mail.protection.outlook.com"
TLS_OK = (
    "TLS protocol SP_PROT_TLS1_2_CLIENT negotiation succeeded using bulk encryption algorithm "
    "CALG_AES_256 with strength 256 bits, MAC hash algorithm CALG_SHA_384 with strength 0 bits"
)
ISSUER = 'CN=Tailspin Trust RSA TLS CA G2, O="Tailspin Trust Services, Inc.", C=US'
THUMB = "121A013FD6789E1E09F2493A26AD9213BF5B07C7"


@dataclass
class Sess:
    sid: str
    remote: str = "52.101.68.24:25"
    connector: str = "Outbound to Office 365"
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # (event, data, context)

    def add(self, event: str, data: str = "", context: str = "") -> Sess:
        self.rows.append((event, data, context))
        return self

    def opening(self, host: str = EOP, ip: str = "203.0.113.25", single_line: bool = False) -> Sess:
        self.add("*", "", "attempting to connect").add("+")
        self.add("<", f"220 {host} Microsoft ESMTP MAIL Service ready at Fri, 20 Nov 2026 08:41:19 +0000")
        self.add(">", "EHLO mail.contoso.com")
        if single_line:
            self.add("<", f"250  {host} Hello [{ip}] SIZE 157286400 PIPELINING STARTTLS 8BITMIME")
        else:
            for ext in (f"{host} Hello [{ip}]", "SIZE 157286400", "PIPELINING", "STARTTLS"):
                self.add("<", f"250-{ext}")
            self.add("<", "250 SMTPUTF8")
        return self

    def tls(self, thumb: str = THUMB, cn: str = "mail2026.contoso.net", in_data: bool = False) -> Sess:
        self.add(">", "STARTTLS").add("<", "220 2.0.0 SMTP server ready")
        self.add("*", "", "Sending certificate").add("*", f"CN={cn}", "Certificate subject")
        self.add("*", ISSUER, "Certificate issuer name").add("*", "61E8C2A4", "Certificate serial number")
        self.add("*", thumb, "Certificate thumbprint").add("*", f"{cn};autodiscover.contoso.net",
                                                          "Certificate alternate names")
        self.add("*", "", "Received certificate").add("*", "6A3D0F9B2C714E58A0D3B6E91F27C4A85D0E3B72",
                                                      "Certificate thumbprint")
        self.add("*", TLS_OK, "") if in_data else self.add("*", "", TLS_OK)
        self.add(">", "EHLO mail.contoso.com").add("<", f"250-{EOP} Hello [203.0.113.25]")
        return self.add("<", "250 SMTPUTF8")

    def close(self) -> Sess:
        return self.add(">", "QUIT").add("<", "221 2.0.0 Service closing transmission channel").add("-", "",
                                                                                                   "Local")


HEADER = (
    "#Software: Microsoft Exchange Server\r\n#Version: 15.02.1748.010\r\n#Log-type: {kind}\r\n"
    "#Date: 2026-11-20T00:00:02.314Z\r\n#Fields: {fields}\r\n"
)


def render(
    sessions: Iterable[Sess],
    *,
    fields: tuple[str, ...] = DEFAULT_FIELDS,
    kind: str = "SMTP Send Protocol Log",
    interleave: int = 1,
    seed: int = 7,
    header: bool = True,
) -> bytes:
    """A log with the sessions' rows, ``interleave`` sessions open at a time (seeded shuffle)."""
    rng = random.Random(seed)
    queue = list(sessions)
    active: list[tuple[Sess, int]] = []
    out = io.StringIO()
    if header:
        out.write(HEADER.format(kind=kind, fields=",".join(fields)))
    writer = csv.writer(out, lineterminator="\r\n")
    clock = 0
    while queue or active:
        while queue and len(active) < interleave:
            active.append((queue.pop(0), 0))
        i = rng.randrange(len(active))
        sess, seq = active[i]
        event, data, context = sess.rows[seq]
        clock += 1
        values = {
            "date-time": f"2026-11-20T08:{clock // 6000 % 60:02d}:{clock // 100 % 60:02d}"
            f".{clock % 1000:03d}Z",
            "connector-id": sess.connector,
            "session-id": sess.sid,
            "sequence-number": str(seq),
            "local-endpoint": "" if seq == 0 else "10.20.0.15:52811",
            "remote-endpoint": sess.remote,
            "event": event,
            "data": data,
            "context": context,
        }
        writer.writerow([values[f] for f in fields])
        if seq + 1 == len(sess.rows):
            active.pop(i)
        else:
            active[i] = (sess, seq + 1)
    return out.getvalue().encode("utf-8")


def doc(data: bytes, name: str = "SEND.LOG") -> Document:
    return Document(name=name, size=len(data), head=data[:65536], opener=lambda: io.BytesIO(data))


def parse(data: bytes, **kw: object) -> ParseResult:
    return sendlog.scan(io.BytesIO(data), "SEND.LOG", **kw)  # type: ignore[arg-type]


def sessions_of(result: ParseResult) -> list[SmtpSession]:
    return [f for f in result.facts if isinstance(f, SmtpSession)]


def symptoms_of(result: ParseResult) -> list[Symptom]:
    return [f for f in result.facts if isinstance(f, Symptom)]


def comparable(result: ParseResult) -> list[tuple]:
    """Facts without the excerpt text (which shows the raw line, so differs across layouts)."""
    return [(f.KIND, f.provenance.line, tuple(sorted(f.values().items()))) for f in result.facts]


def relay(sid: str, rcpt: str = "orders@fabrikam.com", reply: str = "250 2.1.5 Recipient OK") -> Sess:
    s = Sess(sid).opening().tls()
    s.add(">", "MAIL FROM:<ana.ruiz@contoso.com> SIZE=100").add(">", f"RCPT TO:<{rcpt}>")
    s.add("<", "250 2.1.0 Sender OK").add("<", reply)
    if reply.startswith("250"):
        s.add(">", "BDAT 100 LAST").add("<", "250 2.6.0 <id@contoso.com> [InternalId=1] Queued mail")
    return s.close()


REJECT = (
    "550 5.7.64 TenantAttribution; Relay Access Denied [AM6EUR05FT047.eop-EUR05.prod.protection.outlook.com]"
)


# ------------------------------------------------------------------------------------------------


def test_pipelined_replies_match_commands_in_order() -> None:
    s = Sess("08DF42081AB4DA01").opening().tls()
    s.add(">", "MAIL FROM:<ana.ruiz@contoso.com> SIZE=10")
    s.add(">", "RCPT TO:<orders@fabrikam.com>").add(">", "RCPT TO:<sales@tailspintoys.com>")
    s.add(">", "RCPT TO:<lee.chen@contoso.mail.onmicrosoft.com>")
    s.add("<", "250 2.1.0 Sender OK").add("<", REJECT).add("<", "250 2.1.5 Recipient OK")
    s.add("<", "250 2.1.5 Recipient OK").close()
    result = parse(render([s]))
    (fact,) = sessions_of(result)
    counts = (fact.rcpt_accepted, fact.rcpt_rejected, fact.tenant_rcpt_accepted)
    assert fact.outcome == "mixed" and counts == (2, 1, 1)
    (symptom,) = symptoms_of(result)
    assert symptom.recipient == "orders@fabrikam.com" and symptom.provenance.line == fact.provenance.line


def test_data_command_and_end_of_data_reply() -> None:
    s = Sess("08DF42081AB4DA02").opening().tls()
    s.add(">", "MAIL FROM:<app@contoso.com>").add(">", "RCPT TO:<x@fabrikam.com>").add(">", "DATA")
    s.add("<", "250 2.1.0 Sender OK").add("<", "250 2.1.5 Recipient OK").add("<", "354 Start mail input")
    s.add("<", "250 2.6.0 <m@contoso.com> Queued mail for delivery").close()
    (fact,) = sessions_of(parse(render([s])))
    assert fact.outcome == "relayed"
    assert fact.provenance.excerpt.endswith(",<,250 2.6.0 <m@contoso.com> Queued mail for delivery,")


def test_message_rejected_after_data_is_not_relayed() -> None:
    s = Sess("08DF42081AB4DA03").opening().tls()
    s.add(">", "MAIL FROM:<app@contoso.com>").add(">", "RCPT TO:<x@fabrikam.com>").add(">", "BDAT 9 LAST")
    s.add("<", "250 2.1.0 Sender OK").add("<", "250 2.1.5 Recipient OK")
    s.add("<", "550 5.7.750 Service unavailable. Client blocked from sending from unregistered domains")
    s.close()
    result = parse(render([s]))
    (fact,) = sessions_of(result)
    assert (fact.outcome, fact.reject_code) == ("rejected", "5.7.750")
    assert symptoms_of(result)[0].code == "5.7.750"


def test_tls_text_in_data_column_and_nocredentials_failure() -> None:
    ok = Sess("08DF42081AB4DA04").opening().tls(in_data=True)
    ok.add(">", "MAIL FROM:<a@contoso.com>").add(">", "RCPT TO:<b@contoso.mail.onmicrosoft.com>")
    ok.add("<", "250 2.1.0 Sender OK").add("<", "250 2.1.5 Recipient OK").close()
    bad = Sess("08DF42081AB4DA05").opening().add(">", "STARTTLS").add("<", "220 2.0.0 SMTP server ready")
    bad.add("*", "TLS negotiation failed with error NoCredentials", "").add("-", "", "Local")
    by_outcome = {f.outcome: f for f in sessions_of(parse(render([ok, bad])))}
    assert by_outcome["internal_only"].tls_protocol == "TLS1_2"
    failed = by_outcome["tls_failed"]
    assert (failed.tls, failed.tls_error, failed.cert_presented) == ("failed", "NoCredentials", False)


def test_single_line_ehlo_reply_gives_client_ip_and_starttls() -> None:
    s = Sess("08DF42081AB4DA06").opening(ip="198.51.100.77", single_line=True)
    s.add(">", "MAIL FROM:<>").add(">", "RCPT TO:<x@fabrikam.com>").add("<", "250 2.1.0 Sender OK")
    s.add("<", "550 5.7.64 Relay Access Denied ATTR36. For more details please refer to: kb [h.outlook.com]")
    (fact,) = sessions_of(parse(render([s.close()])))
    assert (fact.ehlo_client_ip, fact.starttls_offered, fact.tls) == ("198.51.100.77", True, "not_attempted")
    assert (fact.null_sender, fact.mail_from_domain, fact.reject_attr) == (True, None, "ATTR36")


@pytest.mark.parametrize("label", ["#Log-type: SMTP Send Protocol Log", "#LOG-TYPE:  smtp send protocol log",
                                   "#log-Type:SMTP Send Protocol Log"])
def test_log_type_header_in_any_case(label: str) -> None:
    data = render([relay("08DF42081AB4DA07")]).replace(b"#Log-type: SMTP Send Protocol Log", label.encode())
    assert sendlog.sniff(doc(data)) and not smtplog_receive.sniff(doc(data))
    assert len(sessions_of(sendlog.parse(doc(data)))) == 1


def test_sessions_that_do_not_matter_give_no_facts() -> None:
    intra = "Intra-Organization SMTP Send Connector"
    internal = Sess("08DF42081AB4DA08", remote="10.20.0.16:25", connector=intra)
    internal.opening(host="EXCH02.corp.contoso.com", ip="10.20.0.15")
    internal.add(">", "MAIL FROM:<a@contoso.com>").add(">", "RCPT TO:<b@contoso.com>")
    internal.add("<", "250 2.1.0 Sender OK").add("<", "250 2.1.5 Recipient OK").close()
    refused = Sess("08DF42081AB4DA09", remote="192.0.2.80:25", connector="Internet")
    refused.opening(host="mx.fabrikam.com", ip="203.0.113.25")
    refused.add(">", "MAIL FROM:<a@contoso.com>").add("<", "451 4.7.1 Greylisted, try again later").close()
    result = parse(render([internal, refused], interleave=2))
    (fact,) = sessions_of(result)
    assert (fact.connector, fact.to_eop) == ("Internet", False)
    assert (fact.outcome, fact.reject_code) == ("rejected", "4.7.1")
    (symptom,) = symptoms_of(result)
    assert (symptom.transient, symptom.direction, symptom.origin) == (True, "unknown", "send_log")
    assert "2 sessions (0 to Exchange Online, 1 relevant)" in (result.detail or "")


def test_client_submission_endpoint_is_recognised() -> None:
    s = Sess("08DF42081AB4DA0A", remote="52.96.1.2:587").opening(host="SN4PR0201CA0045.outlook.office365.com")
    s.add(">", "AUTH LOGIN").add("<", "535 5.7.3 Authentication unsuccessful").close()
    result = parse(render([s]))
    (fact,) = sessions_of(result)
    assert fact.to_eop and fact.outcome == "rejected"
    assert symptoms_of(result)[0].direction == "client_submission"


def _mixed_log(n: int = 120, interleave: int = 5, seed: int = 3) -> list[Sess]:
    rng = random.Random(seed)
    out: list[Sess] = []
    for i in range(n):
        sid = f"08DF42081AB5{i:04X}"
        pick = rng.random()
        if pick < 0.3:
            out.append(relay(sid))
        elif pick < 0.5:
            out.append(relay(sid, reply=REJECT))
        elif pick < 0.6:
            out.append(relay(sid, rcpt="x@contoso.mail.onmicrosoft.com"))
        else:
            s = Sess(sid, remote="10.20.0.16:25", connector="Intra-Organization SMTP Send Connector")
            s.opening(host="EXCH02.corp.contoso.com", ip="10.20.0.15")
            s.add(">", "MAIL FROM:<a@contoso.com>").add(">", "RCPT TO:<b@contoso.com>")
            s.add("<", "250 2.1.0 Sender OK").add("<", "250 2.1.5 Recipient OK")
            out.append(s.close())
    return out


def test_results_do_not_depend_on_block_boundaries() -> None:
    data = render(_mixed_log(), interleave=5)
    reference = parse(data)
    eop = sum(1 for s in _mixed_log() if s.remote.startswith("52."))
    assert len(sessions_of(reference)) == 3 and sum(f.sessions for f in sessions_of(reference)) == eop
    for block, lookback in ((1500, 16000), (4096, 8192), (65536, 4096)):
        other = parse(data, block_size=block, lookback=lookback)
        assert comparable(other) == comparable(reference), (block, lookback)


def test_any_column_order_gives_the_same_facts() -> None:
    sessions = _mixed_log(40, interleave=3, seed=5)
    reference = parse(render(sessions, interleave=3))
    order = ("session-id", "sequence-number", "date-time", "connector-id", "local-endpoint",
             "remote-endpoint", "data", "event", "context")
    other = parse(render(sessions, fields=order, interleave=3))
    assert comparable(other) == comparable(reference)


def test_utf16_log_gives_the_same_facts() -> None:
    data = render(_mixed_log(30, interleave=3), interleave=3)
    wide = codecs.BOM_UTF16_LE + data.decode("utf-8").encode("utf-16-le")
    assert sendlog.sniff(doc(wide))
    assert comparable(sendlog.parse(doc(wide))) == comparable(parse(data))


def test_headerless_excerpt_is_recognised() -> None:
    data = render([relay("08DF42081AB4DA0B", reply=REJECT)], header=False)
    assert sendlog.sniff(doc(data))
    assert sessions_of(sendlog.parse(doc(data)))[0].outcome == "rejected"


def test_concatenated_logs_with_two_headers() -> None:
    data = render([relay("08DF42081AB4DA0C")]) + render([relay("08DF42081AB4DA0D", reply=REJECT)])
    outcomes = sorted(f.outcome for f in sessions_of(parse(data)))
    assert outcomes == ["rejected", "relayed"]


def test_truncated_last_line_is_a_warning() -> None:
    data = render([relay("08DF42081AB4DA0E", reply=REJECT)])
    cut = data[: len(data) - 30]
    result = parse(cut)
    assert [f.outcome for f in sessions_of(result)] == ["rejected"]
    assert any("cut short" in w for w in result.warnings)


def test_garbage_rows_under_a_send_log_header_are_an_error_naming_the_line() -> None:
    data = HEADER.format(kind="SMTP Send Protocol Log", fields=",".join(DEFAULT_FIELDS)).encode()
    data += b"this is not,a protocol log row\r\nnor is this\r\n"
    with pytest.raises(EvidenceError) as err:
        sendlog.parse(doc(data, "SEND1.LOG"))
    assert (err.value.path, err.value.line) == ("SEND1.LOG", 6)


def test_missing_required_field_in_header_is_an_error() -> None:
    data = HEADER.format(kind="SMTP Send Protocol Log", fields="date-time,connector-id,event,data").encode()
    with pytest.raises(EvidenceError) as err:
        sendlog.parse(doc(data + b"x,y,z,w\r\n"))
    assert err.value.line == 5 and "session-id" in err.value.message


def test_session_cut_off_at_end_of_file_is_still_summarised() -> None:
    s = relay("08DF42081AB4DA0F", reply=REJECT)
    s.rows = s.rows[:-3]  # no QUIT, 221, disconnect
    assert sessions_of(parse(render([s])))[0].outcome == "rejected"


def test_progress_and_cancel() -> None:
    data = render(_mixed_log(60), interleave=4)
    seen: list[int] = []
    parse(data, progress=seen.append, block_size=4096)
    assert sum(seen) == len(data) and len(seen) > 3
    with pytest.raises(Cancelled):
        parse(data, cancel=lambda: True)


def test_merge_facts_across_files_adds_counts() -> None:
    a = parse(render([relay("08DF42081AB4DA10", reply=REJECT)]))
    b = parse(render([relay("08DF42081AB4DA11", reply=REJECT), relay("08DF42081AB4DA12", reply=REJECT)]))
    merged = sendlog.merge_facts(a.facts + b.facts)
    (fact,) = [f for f in merged if isinstance(f, SmtpSession)]
    assert fact.sessions == 3 and fact.rcpt_rejected == 3
    assert len([f for f in merged if isinstance(f, Symptom)]) == 1


def test_receive_log_symptoms() -> None:
    s = Sess("08DF42081AB4DA13", remote="10.20.0.99:51000", connector="EXCH01\\Relay")
    s.add("+").add(">", "220 EXCH01.corp.contoso.com Microsoft ESMTP MAIL Service ready")
    s.add("<", "EHLO printer01").add(">", "250 EXCH01.corp.contoso.com Hello [10.20.0.99]")
    s.add("<", "MAIL FROM:<scanner@contoso.com>").add(">", "250 2.1.0 Sender OK")
    s.add("<", "RCPT TO:<someone@fabrikam.com>")
    s.add(">", "550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain").add("-", "", "Local")
    data = render([s], kind="SMTP Receive Protocol Log")
    assert smtplog_receive.sniff(doc(data)) and not sendlog.sniff(doc(data))
    result = smtplog_receive.parse(doc(data, "RECV.LOG"))
    (symptom,) = result.facts
    assert isinstance(symptom, Symptom)
    assert (symptom.code, symptom.origin, symptom.direction, symptom.remote_server) == (
        "5.7.54", "receive_log", "onprem", "10.20.0.99")
    assert symptom.provenance.line == 13 and "1 replies refused" in (result.detail or "")


def test_cn_of_reads_the_subject_cn_like_the_relations_do() -> None:
    cn_of = sendlog.cn_of
    assert cn_of("CN=Mail.Contoso.com, O=Contoso, C=US") == "mail.contoso.com"
    assert cn_of('O=x, CN="Relay, Inc"') == "relay, inc"
    assert cn_of("E=a@b.c,CN=relay.contoso.com") == "relay.contoso.com"
    assert cn_of("O=Contoso") is None and cn_of("") is None and cn_of(None) is None


def test_new_session_is_the_dataclass_init():
    """``send._new_session`` (the aggregates' facts without the frozen ``__init__``) makes the very
    object ``SmtpSession(...)`` makes: equal, same repr and hash, ``__dict__`` in field order; and
    ``__post_init__``'s enum check still refuses a bad value."""
    from dataclasses import fields

    from relaydoctor.engine.errors import EngineError
    from relaydoctor.engine.facts import Provenance

    assert tuple(f.name for f in fields(SmtpSession)) == sendlog._SESSION_FIELDS
    values = dict(provenance=Provenance("SEND1.LOG", 7, "row"), connector="Outbound", remote_host="h",
                  remote_ip="52.101.68.24", to_eop=True, sessions=3, lines=40, tls="negotiated",
                  tls_protocol="TLS1_2", tls_error=None, starttls_offered=True, starttls_masked=False,
                  cert_presented=True, cert_thumbprint=THUMB, cert_subject="CN=mail.contoso.com",
                  cert_cn="mail.contoso.com", cert_issuer=ISSUER, cert_sans=("mail.contoso.com",),
                  ehlo_client_ip="203.0.113.25", client_ip_family="ipv4", mail_from="a@contoso.com",
                  mail_from_domain="contoso.com", null_sender=False, outcome="rejected",
                  reject_reply="550 5.7.64 TenantAttribution", reject_code="5.7.64", reject_attr="ATTR36",
                  rcpt_accepted=0, rcpt_rejected=2, tenant_rcpt_accepted=0, first_seen="2026-11-20T09:00:00Z",
                  last_seen="2026-11-20T10:00:00Z", last_source="SEND1.LOG:90", tls_complete=True)
    made = sendlog._new_session(tuple(values[name] for name in sendlog._SESSION_FIELDS))
    init = SmtpSession(**values)
    assert made == init and repr(made) == repr(init) and hash(made) == hash(init)
    assert list(vars(made).items()) == list(vars(init).items())
    with pytest.raises(EngineError):
        sendlog._new_session(tuple("sideways" if name == "outcome" else values[name]
                                   for name in sendlog._SESSION_FIELDS))



def test_new_session_falls_back_to_the_init_when_the_fields_differ(monkeypatch):
    """Should SmtpSession's fields ever differ from ``_SESSION_FIELDS`` (a field added, moved),
    ``_new_session`` leaves the object to ``SmtpSession(**...)``: a wrong order can then only fail
    loudly (an unknown or missing field), never put a value under another field's name."""
    names = sendlog._SESSION_FIELDS
    monkeypatch.setattr(sendlog, "_SESSION_FIELDS", (*names[1:], names[0]))  # the order changed
    sendlog._fields_in_order.cache_clear()
    try:
        assert not sendlog._fields_in_order()
        made = []
        monkeypatch.setattr(sendlog, "SmtpSession", lambda **kw: made.append(kw) or kw)
        got = sendlog._new_session(tuple(range(len(names))))
        assert made == [dict(zip(sendlog._SESSION_FIELDS, range(len(names)), strict=True))] and got is made[0]
    finally:
        monkeypatch.undo()
        sendlog._fields_in_order.cache_clear()
    assert sendlog._fields_in_order()


def test_native_scan_new_open_is_a_fresh_open():
    """The C scan's ``_new_open`` (a subclass called directly) makes what ``_Open([], partial=False)``
    makes, field by field, with lists of its own each time."""
    from dataclasses import fields

    from relaydoctor.engine.evidence.smtplog import scan, sendfilter

    a, b, want = sendfilter._new_open(), sendfilter._new_open(), scan._Open([], partial=False)
    assert isinstance(a, scan._Open)
    for f in fields(scan._Open):
        assert getattr(a, f.name) == getattr(want, f.name), f.name
    assert a.rows is not b.rows and a.sigs is not b.sigs
