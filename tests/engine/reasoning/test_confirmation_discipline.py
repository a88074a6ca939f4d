"""Issue 10, failure classes 1 and 2: a cause is confirmed only by positive evidence or by an
absence the evidence proves complete. Real send logs written here, the real parser and engine,
the built-in pack."""

from __future__ import annotations

import dataclasses
import datetime as dt
import textwrap
from pathlib import Path

import logkit
import pytest
from relaydoctor.engine.api import diagnose, diagnose_evidence, load_packs
from relaydoctor.engine.discipline import absences, effective_status
from relaydoctor.engine.facts import AcceptedDomain, InboundConnector, Provenance, SmtpSession
from relaydoctor.engine.results import EvidenceSet

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
HERE = Provenance("test")
CERT_CONNECTOR = InboundConnector(
    provenance=HERE, name="From Contoso servers", enabled=True, connector_type="OnPremises",
    tls_sender_certificate_name="mail.contoso.com", auth="certificate",
)
THUMB = "F13EA69EB8D27B0D2A8947D5BCC472E6B2724B29"


def _status(report, cause: str) -> str:
    return next(v.status for v in report.verdicts if v.cause == cause and v.code == "5.7.64")


def _rejected_session(cert_rows) -> list:
    return [*logkit.opening(), *logkit.starttls(cert_rows),
            *logkit.mail("ana@contoso.com", "orders@fabrikam.com", logkit.REJECT_5764), *logkit.closing()]


def _diagnose_log(tmp_path: Path, cert_rows, *facts):
    log = tmp_path / "SEND20261120-1.LOG"
    log.write_text(logkit.render([_rejected_session(cert_rows)]), encoding="utf-8")
    return diagnose([str(log)], extra_facts=list(facts), now=NOW), log


# A certificate record in a layout the parser does not read (one line, subject and thumbprint).
UNREAD_LAYOUT = [("*", f"CN=mail.contoso.com;{THUMB}", "Sending certificate (subject;thumbprint)")]


def test_certificate_line_in_an_unread_layout_never_confirms_certificate_not_presented(tmp_path):
    report, log = _diagnose_log(tmp_path, UNREAD_LAYOUT, CERT_CONNECTOR)
    session = next(f for f in report.facts if isinstance(f, SmtpSession) and f.outcome == "rejected")
    assert session.tls == "negotiated" and not session.cert_presented
    assert session.tls_complete is False
    assert _status(report, "certificate-not-presented") != "confirmed"
    # the line that was not understood is a located warning, and the downgrade is explained
    line = next(i for i, text in enumerate(log.read_text().splitlines(), 1) if "subject;thumbprint" in text)
    assert any(f"{log}:{line}" in n or f"line {line}:" in n for n in report.notes), report.notes
    assert any("certificate-not-presented" in n and "absence" in n for n in report.notes)


def test_a_fully_read_session_without_certificate_still_confirms(tmp_path):
    report, _ = _diagnose_log(tmp_path, [], CERT_CONNECTOR)
    session = next(f for f in report.facts if isinstance(f, SmtpSession) and f.outcome == "rejected")
    assert session.tls_complete is True and not session.cert_presented
    assert _status(report, "certificate-not-presented") == "confirmed"


def test_the_same_certificate_in_the_known_layout_rules_it_out(tmp_path):
    rows = [("*", "", "Sending certificate"), ("*", "CN=mail.contoso.com", "Certificate subject"),
            ("*", THUMB, "Certificate thumbprint")]
    report, _ = _diagnose_log(tmp_path, rows, CERT_CONNECTOR)
    assert _status(report, "certificate-not-presented") == "ruled_out"


def test_plaintext_over_an_ip_connector_is_not_confirmed_tls_not_negotiated(tmp_path):
    """Class 2: plaintext relay through an IP-based connector, while plaintext mail from an accepted
    domain relays fine over the same connector."""
    plain_fail = [*logkit.opening("198.51.100.77"),
                  *logkit.mail("app@contoso.com", "orders@fabrikam.com", logkit.REJECT_5764),
                  *logkit.closing()]
    plain_ok = [*logkit.opening("203.0.113.25"),
                *logkit.mail("ops@contoso.com", "orders@fabrikam.com", "250 2.1.5 Recipient OK"),
                *logkit.closing()]
    log = tmp_path / "SEND20261120-1.LOG"
    log.write_text(logkit.render([plain_ok, plain_fail]), encoding="utf-8")
    ip_connector = InboundConnector(
        provenance=HERE, name="Contoso relay (IP)", enabled=True, connector_type="OnPremises",
        sender_ip_addresses=("203.0.113.25",), require_tls=False, auth="ip",
    )
    domain = AcceptedDomain(provenance=HERE, domain="contoso.com", domain_type="Authoritative")
    report = diagnose([str(log)], extra_facts=[ip_connector, domain], now=NOW)
    sessions = [f for f in report.facts if isinstance(f, SmtpSession)]
    assert {s.tls for s in sessions} == {"not_attempted"}
    assert _status(report, "tls-not-negotiated") == "ruled_out"
    assert _status(report, "sender-ip-mismatch") == "confirmed"


@pytest.mark.parametrize("require_tls, auth, expected", [
    (True, "ip", "confirmed"),        # RequireTls set: plaintext is refused
    (False, "certificate", "confirmed"),  # the certificate identifies the sender: TLS needed
    (False, "ip", "ruled_out"),
])
def test_tls_is_required_only_by_certificate_identity_or_require_tls(require_tls, auth, expected):
    session = SmtpSession(
        provenance=HERE, connector="Outbound to Office 365", to_eop=True, tls="not_attempted",
        ehlo_client_ip="203.0.113.25", mail_from_domain="contoso.com", outcome="rejected",
        reject_code="5.7.64", rcpt_rejected=1,
    )
    connector = InboundConnector(
        provenance=HERE, name="C", enabled=True, connector_type="OnPremises", require_tls=require_tls,
        sender_ip_addresses=("203.0.113.25",) if auth == "ip" else (),
        tls_sender_certificate_name="mail.contoso.com" if auth == "certificate" else None, auth=auth,
    )
    packs = load_packs((), cached=True)
    report = diagnose_evidence(EvidenceSet(facts=[session, connector]), packs=packs, now=NOW)
    assert _status(report, "tls-not-negotiated") == expected
    incomplete = dataclasses.replace(session, tls_complete=False)
    report = diagnose_evidence(EvidenceSet(facts=[incomplete, connector]), packs=packs, now=NOW)
    assert _status(report, "tls-not-negotiated") != "confirmed"


def test_every_builtin_confirmed_rule_resting_on_an_absence_declares_completeness():
    packs = load_packs((), cached=True)
    for rule in packs.rules:
        if rule.status == "confirmed" and absences(rule):
            assert rule.complete, rule.id


def test_effective_status_lowers_an_undeclared_absence_and_keeps_a_proved_one():
    packs = load_packs((), cached=True)
    rule = packs.rule("certificate-not-presented.tls-without-certificate")
    complete = SmtpSession(provenance=HERE, connector="x", tls="negotiated", tls_complete=True)
    partial = SmtpSession(provenance=HERE, connector="x", tls="negotiated", tls_complete=False)
    assert effective_status(rule, {"sess": 0, "c": 1}, [complete, CERT_CONNECTOR]) == ("confirmed", None)
    status, why = effective_status(rule, {"sess": 0, "c": 1}, [partial, CERT_CONNECTOR])
    assert status == "likely" and "sess.tls_complete" in why


def _pack(tmp_path: Path, rule_tail: str) -> Path:
    root = tmp_path / "p"
    files = {
        "pack.yaml": 'id: p\nversion: "1"\nengine_format: 1\n',
        "knowledge/codes/9.9.98.yaml": """
            code: "9.9.98"
            title: Test
            direction: relay_to_exo
            recognize: ['9\\.9\\.98 TEST']
            causes: [gadget-absent]
            """,
        "knowledge/causes/gadget-absent.yaml": """
            cause: gadget-absent
            code: "9.9.98"
            title: No gadget
            explanation: For tests.
            """,
        "rules/9.9.98/gadget-absent.no-cert.yaml": """
            id: gadget-absent.no-cert
            cause: gadget-absent
            code: "9.9.98"
            status: confirmed
            description: Confirms from a missing certificate.
            when:
              - fact: smtp_session
                as: sess
                where: {cert_presented: false}
            """ + rule_tail,
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip() if rel != "pack.yaml" else text)
    return root


def test_lint_refuses_a_confirmed_rule_resting_on_absence_without_completeness(tmp_path):
    root = _pack(tmp_path, "")
    findings = [f.one_line() for f in _lint(root)]
    hit = [f for f in findings if "gadget-absent.no-cert" in f and "complete" in f]
    assert hit and ":" in hit[0].split(" ")[0], findings
    assert "gadget-absent.no-cert.yaml:" in hit[0]


def test_lint_accepts_it_with_a_declared_completeness_and_refuses_a_bad_declaration(tmp_path):
    good = _pack(tmp_path / "a", "complete: [sess.tls_complete]\n")
    findings = [f.one_line() for f in _lint(good)]
    assert not [f for f in findings if "gadget-absent.no-cert" in f and "complete" in f], findings
    bad = _pack(tmp_path / "b", "complete: [sess.connector]\n")
    findings = [f.one_line() for f in _lint(bad)]
    assert any("gadget-absent.no-cert.yaml:" in f and "not a boolean field" in f for f in findings), findings


def _lint(root: Path):
    from relaydoctor.engine import api

    try:
        return api.lint_packs(api.load_packs([str(root)], builtin=False))
    except api.PackErrors as exc:  # load errors are findings too
        return exc.errors


def test_a_session_begun_before_the_file_is_not_complete(tmp_path):
    """The log file starts in the middle of a session: its STARTTLS and certificate lines (if any)
    are in the previous file, so the missing certificate proves nothing."""
    lines = logkit.render([_rejected_session([])]).splitlines(keepends=True)
    header = [line for line in lines if line.startswith("#")]
    start = next(i for i, line in enumerate(lines) if ",MAIL FROM:" in line)
    log = tmp_path / "SEND20261120-2.LOG"
    log.write_text("".join(header + lines[start:]), encoding="utf-8")
    report = diagnose([str(log)], extra_facts=[CERT_CONNECTOR], now=NOW)
    sessions = [f for f in report.facts if isinstance(f, SmtpSession)]
    assert sessions and all(s.tls_complete is False for s in sessions)
    assert _status(report, "certificate-not-presented") != "confirmed"
