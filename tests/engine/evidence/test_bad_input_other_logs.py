"""Issue 11's bad input through the readers that are not the send-log scanner: application logs,
Postfix/sendmail/Exim mail logs, IIS SMTP logs (thousands of never-closed sessions, 10,000 tiny
files, one huge line). Bounded memory, a warning, no hang — and what stays within the bounds keeps
its meaning (Exchange Online's endpoints and refusals are kept first).

Inputs are generated here, small enough to run in seconds; the child-process test measures RSS."""

from __future__ import annotations

import codecs
import io
import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from relaydoctor.engine.evidence import loader, logbudget
from relaydoctor.engine.evidence.applog import reader as applog
from relaydoctor.engine.evidence.base import Document
from relaydoctor.engine.evidence.budget import FactBudget
from relaydoctor.engine.evidence.decoding import LongLines, iter_lines
from relaydoctor.engine.evidence.loader import MAX_SAME_WARNING, load_evidence
from relaydoctor.engine.evidence.relaylogs import client, maillog
from relaydoctor.engine.evidence.smtplog import iis
from relaydoctor.engine.evidence.symptoms import msgtrk
from relaydoctor.engine.evidence.windows import eventcsv, eventtext
from relaydoctor.engine.facts import SmtpClient, Symptom, WindowsEvent

REFUSAL = "550 5.7.64 TenantAttribution; Relay Access Denied"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _clients(result) -> list[SmtpClient]:
    return [f for f in result.facts if isinstance(f, SmtpClient)]


def _app_log(hosts: int, *, eop_at: int) -> bytes:
    """PHPMailer's dialogue with ``hosts`` distinct MX hosts (direct delivery), never closed; the
    tenant's Exchange Online endpoint only comes at connection ``eop_at``, and refuses."""
    out = []
    for i in range(hosts):
        host = "contoso-com.mail.protection.outlook.com" if i == eop_at else f"mx{i}.domain{i}.example"
        out += [f"2026-11-20 10:02:11 Connection: opening to {host}:25, timeout=300, options=array()",
                f"2026-11-20 10:02:11 CLIENT -> SERVER: MAIL FROM:<app@sender{i}.example>"]
        if i == eop_at:
            out.append(f"2026-11-20 10:02:12 SERVER -> CLIENT: {REFUSAL}")
    return ("\n".join(out) + "\n").encode()


def test_an_app_log_naming_thousands_of_smart_hosts_keeps_a_bounded_few_and_the_eop_one():
    result = applog.scan(io.BytesIO(_app_log(1500, eop_at=1200)), "app.log")
    clients = _clients(result)
    # 8 minutes and 2.4 GB in the rules for 200,000 of them before: one fact per host named
    assert len(clients) <= 2 * client.MAX_HOSTS
    eop = [c for c in clients if c.smart_host == "contoso-com.mail.protection.outlook.com"]
    assert len(eop) == 1 and eop[0].last_status == "5.7.64"  # named after the bound, kept apart
    assert eop[0].mail_from_domain == "sender1200.example"
    (warning,) = [w for w in result.warnings if "smart hosts" in w]
    assert f"{1500 - 1 - client.MAX_HOSTS:,} other smart hosts" in warning
    assert result.detail.endswith("and 96 more")  # 101 kept: five named in the detail line, not all


def test_sender_domains_per_smart_host_are_bounded_and_the_common_one_stays(monkeypatch):
    monkeypatch.setattr(client, "MAX_SENDERS", 50)
    lines = ["2026-11-20 10:02:11 Connection: opening to smtp.office365.com:587, timeout=300"]
    for i in range(400):
        lines.append(f"2026-11-20 10:02:11 CLIENT -> SERVER: MAIL FROM:<a@customer{i}.example>")
        lines.append("2026-11-20 10:02:11 CLIENT -> SERVER: MAIL FROM:<app@contoso.com>")
    result = applog.scan(io.BytesIO(("\n".join(lines) + "\n").encode()), "app.log")
    (only,) = _clients(result)
    assert only.mail_from_domain == "contoso.com"
    seen = client.Seen("smtp.office365.com", 587, only.provenance)
    for i in range(400):
        client.count_sender(seen, f"customer{i}.example")
    client.count_sender(seen, "customer0.example")
    assert len(seen.senders) == 50 and seen.senders["customer0.example"] == 2


def _postfix(messages: int, *, removed: bool) -> bytes:
    out = []
    for i in range(messages):
        q = f"4QZ{i:010X}"
        out.append(f"Nov 20 08:41:05 relay01 postfix/qmgr[1187]: {q}: from=<app@tenant{i}.example>, "
                   "size=2048, nrcpt=1 (queue active)")
        if removed:
            out.append(f"Nov 20 08:41:06 relay01 postfix/qmgr[1187]: {q}: removed")
    last = f"4QZ{messages - 1:010X}"
    out.append(f"Nov 20 08:41:07 relay01 postfix/smtp[2216]: {last}: to=<partner@fabrikam.com>, "
               "relay=contoso-com.mail.protection.outlook.com[52.101.68.24]:25, delay=1.9, dsn=5.7.64, "
               "status=bounced (host contoso-com.mail.protection.outlook.com[52.101.68.24] said: "
               f"{REFUSAL} (in reply to RCPT TO command))")
    return ("\n".join(out) + "\n").encode()


def test_postfix_messages_never_removed_are_forgotten_past_the_bound_with_a_warning(monkeypatch):
    monkeypatch.setattr(maillog, "MAX_OPEN_MESSAGES", 100)
    result = maillog.scan(io.BytesIO(_postfix(350, removed=False)), "mail.log")
    (warning,) = [w for w in result.warnings if "not yet removed" in w]
    assert "the 250 oldest were forgotten" in warning
    (eop,) = _clients(result)  # the newest message's sender is still known at its delivery
    assert eop.mail_from_domain == "tenant349.example" and eop.last_status == "5.7.64"
    # Postfix's "QID: removed" closes a message: a log of closed messages forgets nothing
    tidy = maillog.scan(io.BytesIO(_postfix(350, removed=True)), "mail.log")
    assert not [w for w in tidy.warnings if "not yet removed" in w]


def _queued(i: int) -> str:
    return f"Nov 20 08:41:05 relay{i} postfix/qmgr[1]: Q{i:08X}: from=<a@t{i}.example>, size=1, nrcpt=1"


def _tiny_files(folder, n: int) -> None:
    """``n`` tiny logs, a third each Postfix, PHPMailer and IIS SMTP; each refused with its own
    reply text by its own smart host (every tenth refused by Exchange Online)."""
    folder.mkdir()
    for i in range(n):
        eop = i % 10 == 0
        host = f"tenant{i}-com.mail.protection.outlook.com" if eop else f"smart{i}.example.net"
        if i % 3 == 0:
            (folder / f"mail{i:05d}.log").write_text(
                f"{_queued(i)}\nNov 20 08:41:07 relay{i} postfix/smtp[2]: Q{i:08X}: to=<p@fabrikam.com>, "
                f"relay={host}[52.101.68.24]:25, dsn=5.7.64, status=bounced (host {host}[52.101.68.24] "
                f"said: {REFUSAL} [{i}] (in reply to RCPT TO command))\n")
        elif i % 3 == 1:
            (folder / f"app{i:05d}.log").write_text(
                f"2026-11-20 10:02:11 Connection: opening to {host}:25, timeout=300\n"
                f"2026-11-20 10:02:11 CLIENT -> SERVER: MAIL FROM:<a@t{i}.example>\n"
                f"2026-11-20 10:02:12 SERVER -> CLIENT: {REFUSAL} [{i}]\n")
        else:
            (folder / f"ex{i:05d}.log").write_text(
                "#Software: Microsoft Internet Information Services 6.0\n#Version: 1.0\n#Fields: date time "
                "c-ip cs-username s-sitename s-computername s-ip s-port cs-method cs-uri-stem cs-uri-query "
                "sc-status\n2026-11-20 08:41:19 52.101.68.24 OutboundConnectionResponse SMTPSVC1 "
                f"APP{i} - 25 - - 550+5.7.64+TenantAttribution;+Relay+Access+Denied+[{i}] 0\n")


def test_many_tiny_relay_and_app_logs_share_one_budget_and_the_report_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(logbudget, "MAX_LOG_SYMPTOMS", 30)
    monkeypatch.setattr(logbudget, "MAX_CLIENTS", 20)
    _tiny_files(tmp_path / "logs", 120)
    ev = load_evidence([str(tmp_path / "logs")])
    symptoms = [f for f in ev.facts if isinstance(f, Symptom)]
    clients = [f for f in ev.facts if isinstance(f, SmtpClient)]
    assert len(symptoms) == 30 and len(clients) == 20
    # Exchange Online's endpoints first: 80 app and mail logs, every tenth talking to EOP
    eop_clients = {c.smart_host for c in clients if c.smart_host_kind == "eop_tenant"}
    assert len(eop_clients) == len([i for i in range(120) if i % 10 == 0 and i % 3 != 2])
    assert any("90 distinct refusals in relay" in w for w in ev.warnings), ev.warnings
    assert any("60 smart hosts named by application and mail logs beyond the budget of 20" in w
               for w in ev.warnings), ev.warnings


def test_the_log_budgets_keep_the_same_facts_whatever_order_files_arrive_in():
    facts = [
        Symptom(provenance=_prov(i), code="5.7.64", text=f"{REFUSAL} [{i}]", origin="app_log",
                direction="relay_to_exo" if i % 7 == 0 else "unknown")
        for i in range(60)
    ] + [
        SmtpClient(provenance=_prov(i), software="app", origin="app_log", smart_host=f"h{i}.example",
                   smart_host_kind="other", last_status="5.7.64" if i % 5 == 0 else None)
        for i in range(60)
    ]

    def kept(order: list[int]) -> list:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(logbudget, "MAX_LOG_SYMPTOMS", 10)
            mp.setattr(logbudget, "MAX_CLIENTS", 10)
            b = FactBudget()
        for i in order:
            b.add(i, [facts[i], facts[60 + i]])
        return b.facts()

    forward = kept(list(range(60)))
    assert kept(list(reversed(range(60)))) == forward
    kept_symptoms = [f for f in forward if isinstance(f, Symptom)]
    assert {f.direction for f in kept_symptoms} == {"relay_to_exo", "unknown"}
    assert sum(f.direction == "relay_to_exo" for f in kept_symptoms) == 9  # all of them first
    assert all(f.last_status == "5.7.64" for f in forward if isinstance(f, SmtpClient))  # refused first


def _prov(i: int):
    from relaydoctor.engine.facts import Provenance
    return Provenance(f"f{i}.log", i + 1, "x")


def test_one_warning_of_many_files_is_listed_a_few_times_then_counted(tmp_path):
    folder = tmp_path / "syslogs"
    folder.mkdir()
    for i in range(MAX_SAME_WARNING + 12):  # classic syslog stamps: every file warns of the missing year
        (folder / f"mail{i:03d}.log").write_text(
            f"{_queued(i)}\nNov 20 08:41:07 relay{i} postfix/smtp[2]: Q{i:08X}: to=<p@fabrikam.com>, "
            "relay=smart.example.net[192.0.2.1]:25, dsn=2.0.0, status=sent (250 ok)\n")
    ev = load_evidence([str(folder)])
    year = [w for w in ev.warnings if "carry no year" in w]
    assert len(year) == MAX_SAME_WARNING + 1
    assert year[-1].endswith("(the same in 12 more place(s) not listed)")
    assert all(w.split(":")[0].endswith(".log") for w in year[:-1])  # the listed ones keep their place


def test_ten_thousand_tiny_relay_and_app_logs_in_bounded_memory(tmp_path):
    _tiny_files(tmp_path / "logs", 10_000)
    code = (
        "import json, sys\n"
        "from relaydoctor.engine.evidence.loader import load_evidence\n"
        "ev = load_evidence([sys.argv[1]])\n"
        "peak = [int(l.split()[1]) / 1024 for l in open('/proc/self/status') if l.startswith('VmHWM:')]\n"
        "kinds = [f.KIND for f in ev.facts]\n"
        "print(json.dumps({'sources': len(ev.sources), 'symptoms': kinds.count('symptom'),\n"
        "  'clients': kinds.count('smtp_client'), 'warnings': len(ev.warnings), 'peak': peak[0]}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "logs")], capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["sources"] == 10_000
    assert got["symptoms"] == logbudget.MAX_LOG_SYMPTOMS and got["clients"] == logbudget.MAX_CLIENTS
    assert got["warnings"] < 20  # 3,334 "timestamps carry no year" listed 5 times and counted
    assert got["peak"] < 150, got["peak"]  # 76 MB measured


# -- one huge line ------------------------------------------------------------------------------


_LINE = st.text(alphabet=st.sampled_from("ab é€😀-"), max_size=90)


@given(lines=st.lists(_LINE, max_size=12), ends=st.sampled_from(["\n", "\r\n"]),
       codec=st.sampled_from(["utf-8", "cp1252-ish", "utf-16-le"]), chunk=st.sampled_from([1, 5, 16, 4096]))
def test_cut_lines_are_the_whole_lines_cut_at_the_limit(lines, ends, codec, chunk):
    limit = 8
    if codec == "cp1252-ish":  # not UTF-8: each line decoded as Windows-1252 on its own
        lines = [ln.replace("😀", "x") for ln in lines]
        data = ends.join(lines).encode("cp1252") + b"\xa0"
    else:
        data = (codecs.BOM_UTF16_LE if codec == "utf-16-le" else b"") + ends.join(lines).encode(codec)
    whole = list(iter_lines(io.BytesIO(data), None, chunk_size=chunk))
    long_lines = LongLines(limit)
    cut = list(iter_lines(io.BytesIO(data), None, chunk_size=chunk, long_lines=long_lines))
    assert cut == [(n, text[:limit]) for n, text in whole]
    over = [n for n, text in whole if len(text) > limit]
    assert (long_lines.count, long_lines.first) == (len(over), over[0] if over else None)


@pytest.mark.parametrize(("reader", "head"), [
    (maillog.scan, b"Nov 20 08:41:05 relay01 postfix/qmgr[1187]: 4QZx1k3Hj2z9sWf: from=<a@contoso.com>\n"
                   b"Nov 20 08:41:06 relay01 postfix/smtp[2216]: "),
    (applog.scan, b"2026-11-20 10:02:11 Connection: opening to smtp.office365.com:587, timeout=300\n"
                  b"2026-11-20 10:02:11 SERVER -> CLIENT: "),
    (iis.scan, b"#Software: Microsoft Internet Information Services 6.0\n#Fields: date time c-ip cs-username "
               b"s-sitename s-computername s-ip s-port cs-method cs-uri-stem cs-uri-query sc-status\n"
               b"2026-11-20 08:41:19 "),
], ids=["mail_log", "app_log", "iis_log"])
def test_a_60_mb_line_is_read_past_in_little_memory_with_a_warning(reader, head):
    class Stream(io.RawIOBase):  # the line is made as it is read: the test holds none of it
        def __init__(self):
            self.left = [head] + [b"x" * (1 << 20)] * 60 + [b"\n" + head[:40] + b" next\n"]

        def readable(self):
            return True

        def read(self, n=-1):
            return self.left.pop(0) if self.left else b""

    tracemalloc.start()
    try:
        result = reader(Stream(), "huge.log")
        peak = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    assert peak < 8, peak  # a chunk and a cut line; the whole line held was 286 MB of RSS before
    (warning,) = [w for w in result.warnings if "longer than" in w]
    assert warning.startswith("line ") and "1 line(s) longer than 16,384 characters" in warning


def _generated_doc(name: str, head: bytes, body_chunks: list[bytes]) -> Document:
    """A document whose content is made as it is read (the test holds none of it whole)."""
    def opener():
        class Stream(io.RawIOBase):
            def __init__(self):
                self.left = [head, *body_chunks]

            def readable(self):
                return True

            def readinto(self, buffer):
                if not self.left:
                    return 0
                part = self.left[0][: len(buffer)]
                self.left[0] = self.left[0][len(part):]
                if not self.left[0]:
                    self.left.pop(0)
                buffer[: len(part)] = part
                return len(part)

        return io.BufferedReader(Stream())

    return Document(name, len(head) + sum(map(len, body_chunks)), head, opener)


_HUGE = [b"x" * (1 << 20)] * 60 + [b"\n"]


@pytest.mark.parametrize(("parse", "name", "head"), [
    (msgtrk.parse, "MSGTRK20261120-1.LOG",
     (FIXTURES / "cmdlets9" / "MSGTRKMD2026112008-1.LOG").read_bytes() + b"2026-11-20T08:00:00.000Z,"),
    (eventtext.parse, "transport-12014.txt",
     (FIXTURES / "windows" / "transport-12014.en.txt").read_bytes() + b"\r\nDescription: "),
], ids=["message_tracking_log", "windows_event_text"])
def test_a_60_mb_line_in_a_tracking_log_or_event_text_is_read_past(parse, name, head):
    tracemalloc.start()
    try:
        result = parse(_generated_doc(name, head, _HUGE))
        peak = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    assert peak < 8, peak  # 165 MB (tracking) and 529 MB (event text) of RSS before
    assert result.facts  # what comes before the line is still read
    assert any(" longer than 65,536 characters" in w for w in result.warnings), result.warnings


def test_a_tracking_log_of_rows_before_its_header_warns_a_bounded_number_of_times():
    rows = b"".join(b"2026-11-20T08:00:00.000Z,10.0.0.1,FAIL,row %d\n" % i for i in range(5000))
    head = b"#Software: Microsoft Exchange Server\n#Log-type: Message Tracking Log\n"
    doc = _generated_doc("MSGTRK.LOG", head + rows, [b"#Fields: date-time,client-ip,event-id\n"])
    result = msgtrk.parse(doc)
    assert len(result.warnings) == msgtrk.MAX_WARNINGS + 1
    assert result.warnings[-1] == f"{5000 - msgtrk.MAX_WARNINGS:,} more row warning(s) not listed"


def _event_csv(rows: int, *, seed: int) -> str:
    """An Event Viewer CSV export of an Application log: ``rows`` information events of other
    sources, each with its own time, and the transport's 12014 error near the end."""
    head = (FIXTURES / "windows" / "application.eventviewer.en.csv").read_text(encoding="utf-8-sig")
    header, event = head.splitlines()[0], "\n".join(head.splitlines()[1:])
    body = [f'Information,11/{1 + n % 28}/2026 {n % 12 + 1}:{n % 60:02d}:{(n // 60) % 60:02d} AM,'
            f'Application Host {n % 40},{1000 + (n + seed) % 50},None,"Worker process {n} started."'
            for n in range(rows)]
    return "\n".join([header, *body[: rows - 5], event, *body[rows - 5:]]) + "\n"


def test_a_whole_application_log_export_keeps_a_bounded_few_events_and_the_telling_one(monkeypatch):
    monkeypatch.setattr(logbudget, "MAX_EVENTS", 100)
    data = _event_csv(3000, seed=0).encode("utf-8-sig")
    result = eventcsv.parse(Document("Application.csv", len(data), data[:65536], lambda: io.BytesIO(data)))
    kept = [f for f in result.facts if isinstance(f, WindowsEvent)]
    assert len(kept) == 100  # one fact per event before: 100,000 events were 29 s and 355 MB
    assert [f.event_id for f in kept if f.source_family == "exchange_transport"] == [12014]
    assert [f.provenance.line for f in kept] == sorted(f.provenance.line for f in kept)  # file order
    (warning,) = [w for w in result.warnings if "distinct events are not kept" in w]
    assert warning.startswith("2,902 of 3,002 distinct events")  # with the fixture's two


def test_an_export_pasted_twice_counts_each_distinct_event_left_out_once(monkeypatch):
    """A repeated event trimmed once and offered again was counted as left out twice (1,000
    distinct events were said to be 1,900)."""
    monkeypatch.setattr(logbudget, "MAX_EVENTS", 100)
    header, *rows = _event_csv(1000, seed=0).splitlines()
    data = ("\n".join([header, *rows, *rows]) + "\n").encode("utf-8-sig")
    result = eventcsv.parse(Document("Application.csv", len(data), data[:65536], lambda: io.BytesIO(data)))
    assert len([f for f in result.facts if isinstance(f, WindowsEvent)]) == 100
    (warning,) = [w for w in result.warnings if "distinct events are not kept" in w]
    assert warning.startswith("902 of 1,002 distinct events")  # with the fixture's two


def test_windows_events_of_many_exports_share_the_budget(tmp_path, monkeypatch):
    monkeypatch.setattr(logbudget, "MAX_EVENTS", 50)
    for i in range(4):
        (tmp_path / f"app{i}.csv").write_text(_event_csv(40, seed=i), encoding="utf-8-sig")
    ev = load_evidence([str(tmp_path)])
    kept = [f for f in ev.facts if isinstance(f, WindowsEvent)]
    assert len(kept) == 50 and any(f.event_id == 12014 for f in kept)
    assert any("distinct Windows events beyond the budget of 50" in w for w in ev.warnings), ev.warnings


def test_parsed_documents_let_go_of_their_text(tmp_path):
    """Every document lives until all files are read: a parsed one must not keep its decoded text
    (20 event exports of 10 MB kept 200 MB of it)."""
    for i in range(6):  # Event Viewer CSV: read whole (``Document.text``)
        (tmp_path / f"app{i}.csv").write_text(_event_csv(200, seed=i), encoding="utf-8-sig")
    docs = []
    real = loader._file_document

    def spy(path, name):
        doc = real(path, name)
        docs.append(doc)
        return doc

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(loader, "_file_document", spy)
        ev = load_evidence([str(tmp_path)])
    assert [s.kind for s in ev.sources] == ["windows_event_csv"] * 6
    assert len(docs) == 6 and all(d._text is None and not d.memo for d in docs)
