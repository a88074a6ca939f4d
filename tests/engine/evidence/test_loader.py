"""load_evidence: folder walks, content sniffing, direct-path errors, de-duplication, hooks."""

from __future__ import annotations

import codecs
import os
import shutil
from pathlib import Path

import pytest
from relaydoctor.engine.errors import Cancelled, EvidenceError
from relaydoctor.engine.evidence import loader, workers
from relaydoctor.engine.evidence.loader import load_evidence
from relaydoctor.engine.evidence.registry import PARSERS
from relaydoctor.engine.facts import InboundConnector, SmtpSession, Symptom

GARBAGE_LOG = (
    b"#Software: Microsoft Exchange Server\r\n#Version: 15.02.1748.010\r\n"
    b"#Log-type: SMTP Send Protocol Log\r\n#Date: 2026-11-20T00:00:02.314Z\r\n"
    b"#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,"
    b"event,data,context\r\n"
    b"garbage,not,a,row\r\n"
)


@pytest.fixture
def bundle(tmp_path: Path, samples: Path) -> Path:
    """A folder like an admin's: a send log under an odd name, plus things that are not evidence."""
    root = tmp_path / "case"
    (root / "logs").mkdir(parents=True)
    shutil.copy(samples / "send-logs" / "SEND20261120-1.LOG", root / "logs" / "export.txt")  # name lies
    (root / "notes.txt").write_text("remember to check the connector tomorrow\n")
    (root / "tool.py").write_text("#!/usr/bin/env python3\nimport sys\nprint(sys.argv)\n")
    (root / "manifest.json").write_text('{"certificates": [{"thumbprint": "AB"}]}\n')
    (root / "empty.log").write_bytes(b"")
    return root


def test_folder_walk_sniffs_by_content_and_lists_skipped_files(bundle: Path) -> None:
    ev = load_evidence([str(bundle)])
    by_source = {s.source.replace(str(bundle), ""): s for s in ev.sources}
    assert len(by_source) == len(ev.sources)  # the order is by kind and content (tests/hostile)
    log = by_source["/logs/export.txt"]
    assert (log.kind, log.facts, log.skipped_reason) == ("send_log", 4, None)
    assert "223 lines" in (log.detail or "")
    assert by_source["/tool.py"].skipped_reason == "a Python script, not evidence"
    assert by_source["/manifest.json"].skipped_reason == "JSON that is not recognised cmdlet output"
    assert by_source["/empty.log"].skipped_reason == "empty file"
    assert by_source["/notes.txt"].kind == "unknown" and by_source["/notes.txt"].skipped_reason
    assert {f.KIND for f in ev.facts} == {"smtp_session", "symptom"}
    assert all(f.provenance.source.endswith("/logs/export.txt") for f in ev.facts)


def test_results_are_deterministic(bundle: Path) -> None:
    a = load_evidence([str(bundle)])
    b = load_evidence([str(bundle)])
    assert [f.identity() for f in a.facts] == [f.identity() for f in b.facts]
    assert a.sources == b.sources


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(EvidenceError) as err:
        load_evidence([str(tmp_path / "nope.log")])
    assert err.value.path == str(tmp_path / "nope.log") and "no such file" in err.value.message


def test_unknown_file_named_directly_is_skipped_like_one_in_a_folder(bundle: Path) -> None:
    """Issue 9: one stray file the user named never costs the diagnosis of the others."""
    named = [str(bundle / "tool.py"), str(bundle / "notes.txt"), str(bundle / "logs" / "export.txt")]
    ev = load_evidence(named)
    folder = {s.source.replace(str(bundle), ""): s for s in load_evidence([str(bundle)]).sources}
    by_source = {s.source.replace(str(bundle), ""): s for s in ev.sources}
    assert sorted(by_source) == ["/logs/export.txt", "/notes.txt", "/tool.py"]
    for name in ("/tool.py", "/notes.txt"):
        assert by_source[name] == folder[name] and by_source[name].skipped_reason
    assert by_source["/tool.py"].skipped_reason == "a Python script, not evidence"
    assert by_source["/logs/export.txt"].facts == 4
    assert {f.KIND for f in ev.facts} == {"smtp_session", "symptom"}


def test_broken_file_named_directly_is_skipped_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "SEND1.LOG"
    path.write_bytes(GARBAGE_LOG)
    (source,) = load_evidence([str(path)]).sources
    assert (source.source, source.kind) == (str(path), "send_log")
    assert source.skipped_reason and source.skipped_reason.startswith("line 6:")


def test_binary_event_log_named_directly_is_skipped_with_how_to_export_it(tmp_path: Path) -> None:
    evtx = tmp_path / "Security.evtx"
    evtx.write_bytes(b"ElfFile\x00" + bytes(120) + b"\x00" * 3968 + b"ElfChnk\x00" + bytes(200))
    (source,) = load_evidence([str(evtx)]).sources
    assert (source.source, source.kind) == (str(evtx), "windows_evtx")
    assert "wevtutil qe" in (source.skipped_reason or "")


def test_a_named_file_that_cannot_be_read_is_still_an_error(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(EvidenceError) as err:
        load_evidence([str(fifo)])
    assert err.value.path == str(fifo) and "not a regular file" in err.value.message


def test_broken_file_in_a_folder_is_skipped_with_the_reason(tmp_path: Path, samples: Path) -> None:
    (tmp_path / "SEND1.LOG").write_bytes(GARBAGE_LOG)
    shutil.copy(samples / "send-logs" / "SEND20170306-1.LOG", tmp_path)
    ev = load_evidence([str(tmp_path)])
    broken = next(s for s in ev.sources if s.source.endswith("SEND1.LOG"))
    assert broken.kind == "send_log" and broken.skipped_reason and broken.skipped_reason.startswith("line 6:")
    assert any(isinstance(f, SmtpSession) for f in ev.facts)


def test_identical_files_are_read_once(tmp_path: Path, samples: Path) -> None:
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        shutil.copy(samples / "send-logs" / "SEND20261014-1.LOG", tmp_path / sub)
    ev = load_evidence([str(tmp_path)])
    skipped = [s for s in ev.sources if s.skipped_reason]
    assert len(skipped) == 1 and skipped[0].skipped_reason.startswith("same content as ")
    relayed = next(f for f in ev.facts if isinstance(f, SmtpSession) and f.outcome == "relayed")
    assert relayed.sessions == 2  # not doubled


def test_send_log_aggregates_of_several_files_are_folded(tmp_path: Path, samples: Path) -> None:
    text = (samples / "send-logs" / "SEND20261014-1.LOG").read_bytes()
    (tmp_path / "SEND20261014-1.LOG").write_bytes(text)
    wide = codecs.BOM_UTF16_LE + text.decode("ascii").encode("utf-16-le")  # same log, other bytes
    (tmp_path / "SEND20261014-2.LOG").write_bytes(wide)
    ev = load_evidence([str(tmp_path)])
    relayed = [f for f in ev.facts if isinstance(f, SmtpSession) and f.outcome == "relayed"]
    assert len(relayed) == 1 and relayed[0].sessions == 4
    assert relayed[0].provenance.ref().endswith("SEND20261014-1.LOG:30")
    assert len([f for f in ev.facts if isinstance(f, Symptom)]) == 1


def test_same_connectors_in_four_formats_give_each_fact_once(samples: Path, tmp_path: Path) -> None:
    for name in ("Get-InboundConnector.csv", "Get-InboundConnector.json", "Get-InboundConnector.clixml.xml",
                 "Get-InboundConnector.fl.txt"):
        shutil.copy(samples / "cmdlets" / name, tmp_path)
    ev = load_evidence([str(tmp_path)])
    connectors = [f for f in ev.facts if isinstance(f, InboundConnector)]
    assert sorted(c.name for c in connectors) == ["Fabrikam Partner TLS",
                                                  "Inbound from 5c1a4e1b-6a0e-4e2b-9f3d-2c7b8d9e0f11"]
    first = sorted(s.source for s in ev.sources)[0]
    assert all(c.provenance.source == first for c in connectors)  # first file's provenance kept
    later = [s for s in ev.sources if s.source != first]
    assert all("also given by another file" in (s.detail or "") for s in later)


def test_progress_reaches_the_total_and_cancel_stops(bundle: Path) -> None:
    calls: list[tuple[int, int]] = []
    load_evidence([str(bundle)], progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1][0] == calls[-1][1] > 0
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    with pytest.raises(Cancelled):
        load_evidence([str(bundle)], cancel=lambda: True)


def test_pasted_ndr_text_becomes_a_symptom(samples: Path) -> None:
    text = (samples / "ndr" / "NDR-Exchange2010-5.7.64.pasted.txt").read_text()
    ev = load_evidence([], extra_texts=[("--ndr", text)])
    (symptom,) = [f for f in ev.facts if isinstance(f, Symptom)]
    assert symptom.status_code == "5.7.64" and symptom.provenance.source == "--ndr"
    assert ev.sources[0].source == "--ndr"
    with pytest.raises(EvidenceError) as err:
        load_evidence([], extra_texts=[("--ndr", "hello, nothing to see here")])
    assert err.value.path == "--ndr"


def test_receive_log_is_recognised(tmp_path: Path) -> None:
    log = (
        "#Software: Microsoft Exchange Server\r\n#Version: 15.02.1748.010\r\n"
        "#Log-type: SMTP Receive Protocol Log\r\n#Date: 2026-11-20T00:00:02.314Z\r\n"
        "#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,"
        "event,data,context\r\n"
        "2026-11-20T09:00:00.000Z,EXCH01\\Relay,08DF42081AB4DB01,0,10.20.0.15:25,10.20.0.99:50000,+,,\r\n"
        "2026-11-20T09:00:00.010Z,EXCH01\\Relay,08DF42081AB4DB01,1,10.20.0.15:25,10.20.0.99:50000,<,"
        "RCPT TO:<x@fabrikam.com>,\r\n"
        "2026-11-20T09:00:00.020Z,EXCH01\\Relay,08DF42081AB4DB01,2,10.20.0.15:25,10.20.0.99:50000,>,"
        "550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain,\r\n"
    )
    (tmp_path / "RECV20261120-1.LOG").write_text(log)
    ev = load_evidence([str(tmp_path / "RECV20261120-1.LOG")])
    assert ev.sources[0].kind == "receive_log"
    (symptom,) = ev.facts
    assert isinstance(symptom, Symptom) and symptom.code == "5.7.54" and symptom.provenance.line == 8


def test_large_logs_are_scanned_in_worker_processes(tmp_path: Path, samples: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SEND20261120-1.LOG", "SEND20260902-1.LOG", "SEND20170306-1.LOG"):
        shutil.copy(samples / "send-logs" / name, tmp_path)
    serial = load_evidence([str(tmp_path)])
    monkeypatch.setattr(loader, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(workers, "idle_cpus", lambda cpus, load=None: float(cpus))  # a shared machine's load
    used: list[int] = []
    real = loader._parse_parallel
    monkeypatch.setattr(loader, "_parse_parallel",
                        lambda items, *a: (used.append(len(items)), real(items, *a)))
    calls: list[tuple[int, int]] = []
    parallel = load_evidence([str(tmp_path)], progress=lambda d, t: calls.append((d, t)))
    assert used == [3]
    assert [f.identity() for f in parallel.facts] == [f.identity() for f in serial.facts]
    assert [f.provenance for f in parallel.facts] == [f.provenance for f in serial.facts]
    assert parallel.sources == serial.sources
    assert calls[-1][0] == calls[-1][1]


def test_registry_holds_every_parser_module() -> None:
    kinds = [p.kind for p in PARSERS]
    assert len(kinds) == len(set(kinds))  # one entry per format
    assert {"send_log", "hcw_log", "collector_manifest", "certificate", "queue", "ndr", "text"} <= set(kinds)
    # catch-alls last: an NDR, an application's log, a pasted error
    assert kinds[-3:] == ["ndr", "app_log", "text"] and all(p.generic for p in PARSERS[-3:])
    streamed = ["send_log", "receive_log", "iis_log", "mail_log", "app_log"]
    assert [p.kind for p in PARSERS if p.streaming] == streamed


def test_logs_waiting_to_be_parsed_hold_no_head(tmp_path: Path, samples: Path, monkeypatch) -> None:
    """The walk reads every file's head (64 KiB) before any file is parsed. A log is streamed from
    disk when its turn comes, so its head is dropped as soon as it is classified: 300 logs waiting
    held 19 MB of heads, 10,000 would hold 640 MB. A certificate keeps its head (its parser reads
    it), and the order of the evidence, which goes by the head's digest, is unchanged."""
    import hashlib

    text = (samples / "send-logs" / "SEND20261120-1.LOG").read_bytes()
    for i in range(30):  # each over 64 KiB, each different
        (tmp_path / f"SEND{i:02}.LOG").write_bytes(text * 3 + f"#Software: copy {i}\r\n".encode())
    shutil.copy(samples / "certs" / "mail.contoso.com.pem", tmp_path / "z.pem")
    docs: list = []
    made, parse = loader._file_document, loader._parse
    monkeypatch.setattr(loader, "_file_document",
                        lambda path, name: docs.append(made(path, name)) or docs[-1])
    held: list[int] = []

    def first_parse(parser, doc, *args):  # type: ignore[no-untyped-def]
        if not held:
            held.append(sum(len(d.head) for d in docs if d.head is not None))
        return parse(parser, doc, *args)

    monkeypatch.setattr(loader, "_parse", first_parse)
    ev = load_evidence([str(tmp_path)])
    assert len(docs) == 31 and held
    assert held[0] == (tmp_path / "z.pem").stat().st_size  # only the certificate's head is held
    logs = [d for d in docs if d.name.endswith(".LOG")]
    assert all(d.head is None for d in logs)
    first = (tmp_path / "SEND00.LOG").read_bytes()[: loader.HEAD_BYTES]
    assert logs[0].head_digest() == hashlib.sha256(first).hexdigest()
    assert {s.kind for s in ev.sources} == {"send_log", "certificate"}
    assert all(s.skipped_reason is None for s in ev.sources)
