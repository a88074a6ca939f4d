"""Every sample send log gives the facts the samples README says it proves."""

from __future__ import annotations

from pathlib import Path

import pytest
from relaydoctor.engine.evidence.base import Document
from relaydoctor.engine.evidence.loader import _file_document
from relaydoctor.engine.evidence.smtplog import send as sendlog
from relaydoctor.engine.evidence.smtplog.scan import BlockReader, ScanStats, SessionCollector
from relaydoctor.engine.evidence.smtplog.session import Session
from relaydoctor.engine.facts import SmtpSession, Symptom

NEW_THUMB = "121A013FD6789E1E09F2493A26AD9213BF5B07C7"
OLD_THUMB = "F13EA69EB8D27B0D2A8947D5BCC472E6B2724B29"


def _doc(path: Path) -> Document:
    return _file_document(str(path), path.name)


def _facts(path: Path) -> tuple[list[SmtpSession], list[Symptom], sendlog.ParseResult]:
    result = sendlog.parse(_doc(path))
    sessions = [f for f in result.facts if isinstance(f, SmtpSession)]
    symptoms = [f for f in result.facts if isinstance(f, Symptom)]
    return sessions, symptoms, result


def _one(sessions: list[SmtpSession], **match: object) -> SmtpSession:
    found = [s for s in sessions if all(getattr(s, k) == v for k, v in match.items())]
    assert len(found) == 1, (match, [s.summary() for s in sessions])
    return found[0]


def _replayed(path: Path) -> list[Session]:
    out: list[Session] = []
    stats = ScanStats()
    with path.open("rb") as fh:
        collector = SessionCollector(path.name, stats, out.append)
        for block in BlockReader(fh, path.name, stats).blocks():
            collector.feed(block)
        collector.finish()
    return out


@pytest.fixture(scope="module")
def logs(samples: Path) -> Path:
    return samples / "send-logs"


def test_every_sample_log_is_sniffed_as_a_send_log(logs: Path) -> None:
    files = sorted(logs.glob("SEND*.LOG"))
    assert len(files) == 5
    for path in files:
        assert sendlog.sniff(_doc(path)), path


def test_renewed_certificate(logs: Path) -> None:
    sessions, symptoms, result = _facts(logs / "SEND20261120-1.LOG")
    assert "5 sessions (5 to Exchange Online" in (result.detail or "")
    old = _one(sessions, outcome="relayed")
    assert (old.cert_thumbprint, old.cert_cn, old.first_seen) == (OLD_THUMB, "mail.contoso.com",
                                                                   "2026-11-20T07:58:11Z")
    assert old.provenance.line == 47 and "250 2.6.0" in old.provenance.excerpt
    assert (old.tls, old.tls_protocol, old.ehlo_client_ip, old.to_eop) == ("negotiated", "TLS1_2",
                                                                           "203.0.113.25", True)
    rejected = _one(sessions, outcome="rejected")
    assert rejected.cert_thumbprint == NEW_THUMB and rejected.cert_cn == "mail2026.contoso.net"
    assert rejected.cert_subject == "CN=mail2026.contoso.net"
    assert rejected.cert_sans == ("mail2026.contoso.net", "autodiscover.contoso.net")
    assert (rejected.cert_issuer or "").startswith('CN=Tailspin Trust RSA TLS CA G2, O="Tailspin')
    assert (rejected.reject_code, rejected.reject_attr) == ("5.7.64", None)
    assert rejected.reject_reply and "TenantAttribution; Relay Access Denied" in rejected.reject_reply
    assert (rejected.sessions, rejected.rcpt_rejected) == (3, 3)
    assert rejected.tenant_rcpt_accepted == 1  # the mixed session …DA6F still delivered to the tenant
    assert rejected.provenance.line == 116 and rejected.last_source == "SEND20261120-1.LOG:225"
    assert rejected.tls == "negotiated" and rejected.mail_from_domain == "contoso.com"
    internal = _one(sessions, outcome="internal_only")
    assert internal.provenance.line == 133 and internal.tenant_rcpt_accepted == 1
    # every external RCPT with the new certificate is refused, at the lines the README names
    replayed = _replayed(logs / "SEND20261120-1.LOG")
    lines = sorted(
        rej.reply.row.line
        for s in replayed
        if s.cert and s.cert.thumbprint == NEW_THUMB
        for rej in s.rejections
    )
    assert lines == [116, 180, 225]
    assert all(s.tls == "negotiated" for s in replayed)
    (symptom,) = symptoms
    assert (symptom.code, symptom.reply_code, symptom.origin, symptom.provenance.line) == (
        "5.7.64", "550", "send_log", 116)
    assert symptom.direction == "relay_to_exo" and "TenantAttribution" in symptom.tokens
    assert symptom.recipient == "orders@fabrikam.com" and symptom.seen_at == "2026-11-20T08:41:19Z"


def test_ip_changed(logs: Path) -> None:
    sessions, _, _ = _facts(logs / "SEND20261014-1.LOG")
    ok = _one(sessions, outcome="relayed")
    assert ok.ehlo_client_ip == "203.0.113.25" and ok.sessions == 2
    assert ok.provenance.line == 30 and ok.last_source == "SEND20261014-1.LOG:58"
    bad = _one(sessions, outcome="rejected")
    assert bad.ehlo_client_ip == "198.51.100.77" and bad.reject_code == "5.7.64"
    assert bad.provenance.line == 90 and bad.last_source == "SEND20261014-1.LOG:138"
    assert bad.first_seen == "2026-10-14T09:06:31Z" and bad.client_ip_family == "ipv4"
    internal = _one(sessions, outcome="internal_only")
    assert internal.ehlo_client_ip == "198.51.100.77" and internal.provenance.line == 110
    assert all(s.cert_cn == "mail.contoso.com" for s in sessions)  # presented every time
    assert all(s.starttls_offered for s in sessions)


def test_attr36(logs: Path) -> None:
    sessions, symptoms, _ = _facts(logs / "SEND20261124-1.LOG")
    assert all(s.cert_cn == "mail2026.contoso.net" for s in sessions)
    relayed = _one(sessions, outcome="relayed")
    assert relayed.mail_from_domain == "contoso.com" and relayed.provenance.line == 47
    null = _one(sessions, null_sender=True)
    assert (null.outcome, null.reject_code, null.reject_attr, null.mail_from_domain) == (
        "rejected", "5.7.64", "ATTR36", None)
    assert null.provenance.line == 90
    erp = _one(sessions, mail_from_domain="contoso.net", outcome="rejected")
    assert erp.reject_attr == "ATTR36" and erp.provenance.line == 133
    internal = _one(sessions, mail_from_domain="contoso.net", outcome="internal_only")
    assert internal.provenance.line == 176
    (symptom,) = symptoms  # one distinct reply, though two EOP hosts sent it
    assert symptom.attr == "ATTR36" and symptom.provenance.line == 90


def test_unknown_credentials_then_plaintext_retry(logs: Path) -> None:
    sessions, symptoms, _ = _facts(logs / "SEND20260902-1.LOG")
    failed = _one(sessions, outcome="tls_failed")
    assert (failed.tls, failed.tls_error, failed.provenance.line) == ("failed", "UnknownCredentials", 28)
    assert failed.cert_cn == "*.contoso.com" and failed.cert_thumbprint == (
        "399A5C4C087B047C386279279B272AC2F681D966")
    retry = _one(sessions, outcome="rejected")
    assert (retry.tls, retry.cert_presented, retry.starttls_offered) == ("not_attempted", False, True)
    assert retry.reject_code == "5.7.64" and retry.provenance.line == 48
    internal = _one(sessions, outcome="internal_only")
    assert internal.tls == "not_attempted" and internal.provenance.line == 70
    assert [s.code for s in symptoms] == ["5.7.64"]


def test_exchange_2016_merged_certificate_record(logs: Path) -> None:
    sessions, _, _ = _facts(logs / "SEND20170306-1.LOG")
    rejected = _one(sessions, outcome="rejected")
    assert rejected.cert_thumbprint == "DE3FD31EC11E59D18CD73373AFE8220C3CF4701A"
    assert rejected.cert_subject == "CN=smtp.contoso.com" and rejected.cert_cn == "smtp.contoso.com"
    assert rejected.cert_issuer == (
        'CN=Tailspin Trust RSA TLS CA G2, O="Tailspin Trust Services, Inc.", L=Redmond, S=Washington, C=US')
    assert rejected.cert_sans == ("smtp.contoso.com",)
    assert (rejected.tls, rejected.tls_protocol) == ("negotiated", None)  # no protocol line in 2016 CU2
    assert rejected.sessions == 2 and rejected.provenance.line == 20
    assert rejected.first_seen == "2017-03-06T09:14:22Z" and rejected.last_seen == "2017-03-06T10:02:48Z"
    assert rejected.remote_host == "he1eur01ft052.mail.protection.outlook.com"
    assert rejected.ehlo_client_ip == "203.0.113.25" and rejected.starttls_offered is True


def test_bundle_copies_match_the_standalone_logs(samples: Path) -> None:
    for bundle in ("renewed-certificate", "ip-changed", "attr36"):
        (path,) = (samples / "bundles" / bundle).glob("SEND*.LOG")
        assert sendlog.sniff(_doc(path))
        a = [f.values() for f in sendlog.parse(_doc(path)).facts]
        b = [f.values() for f in sendlog.parse(_doc(samples / "send-logs" / path.name)).facts]
        assert a == b and a
