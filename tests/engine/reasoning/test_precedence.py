"""Issue 10, failure class 4 and the precedence of docs/reasoning.md: evidence that proves beats an
answer, which beats reply text; a specific cause ranks above a generic one; a contradiction is
shown, never hidden. Real engine, built-in pack, facts as parsers make them."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from relaydoctor.engine.api import diagnose_evidence, load_packs
from relaydoctor.engine.evidence.loader import load_evidence
from relaydoctor.engine.facts import InboundConnector, Provenance, SmtpSession, Symptom
from relaydoctor.engine.precedence import strength
from relaydoctor.engine.results import EvidenceSet

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
PACKS = load_packs((), cached=True)
HERE = Provenance("test", 1)
SUBMISSION = "smtp.office365.com"
AUTH_DISABLED = (
    "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. "
    "Visit https://aka.ms/smtp_auth_disabled for more information. [DM6PR11CA0012.namprd11.prod.outlook.com]"
)
CONDITIONAL_ACCESS = (
    "535 5.7.139 Authentication unsuccessful, the request did not meet the criteria to be authenticated "
    "successfully. Contact your administrator. [DM6PR11CA0012.namprd11.prod.outlook.com]"
)


def _run(*facts, answers=None):
    return diagnose_evidence(EvidenceSet(facts=list(facts)), answers=answers, packs=PACKS, now=NOW)


def _submission_reply(text: str) -> Symptom:
    """The reply as the reply reader makes it (code, tokens), seen from the submission endpoint."""
    pasted = load_evidence([], extra_texts=[("--ndr", text)])
    symptom = next(f for f in pasted.facts if isinstance(f, Symptom))
    return dataclasses.replace(symptom, direction="client_submission", remote_server=SUBMISSION)


def _order(report, code: str) -> list[str]:
    return [v.cause for v in report.verdicts if v.code == code and v.status in ("confirmed", "likely")]


def _status(report, cause: str) -> str:
    return next(v.status for v in report.verdicts if v.cause == cause)


@pytest.mark.parametrize(("reply", "specific"), [
    (AUTH_DISABLED, "smtp-auth-disabled"),
    (CONDITIONAL_ACCESS, "smtp-auth-blocked-by-policy"),
])
def test_a_reply_that_names_the_cause_ranks_above_generic_client_submission(reply, specific):
    report = _run(_submission_reply(reply))
    order = _order(report, "5.7.57")
    assert order[0] == specific, order
    assert _status(report, "smtp-client-submission-used") == "likely"  # never a confirmed generic
    assert order.index(specific) < order.index("smtp-client-submission-used")


def test_the_generic_cause_leads_when_the_reply_names_nothing_more():
    plain = _submission_reply("530 5.7.57 Client not authenticated to send mail [DM6PR11CA0012.outlook.com]")
    report = _run(plain)
    assert _order(report, "5.7.57")[0] == "smtp-client-submission-used"
    assert not any("points more precisely" in n for n in report.notes)


def _throttled_session(ip: str) -> SmtpSession:
    return SmtpSession(
        provenance=HERE, connector="Outbound to Office 365", to_eop=True, tls="negotiated",
        tls_protocol="TLS1_2", ehlo_client_ip=ip, mail_from_domain="contoso.com", outcome="rejected",
        reject_code="4.7.650", rcpt_rejected=1,
    )


def test_text_only_ip_throttled_is_ruled_out_by_a_connector_that_lists_the_egress_ip():
    reply = Symptom(provenance=HERE, code="4.7.650", status_code="4.7.650", reply_code="451",
                    text="451 4.7.650 Access denied, please try again later (AS843)", origin="send_log")
    connector = InboundConnector(
        provenance=HERE, name="Contoso relay (IP)", enabled=True, connector_type="OnPremises",
        sender_ip_addresses=("203.0.113.25",), auth="ip",
    )
    text_only = _run(reply)
    assert _status(text_only, "ip-throttled") == "likely"
    report = _run(reply, _throttled_session("203.0.113.25"), connector)
    assert _status(report, "ip-throttled") == "ruled_out"
    verdict = next(v for v in report.verdicts if v.cause == "ip-throttled")
    assert verdict.basis == "evidence"
    # the contradiction is shown: the text-only rule is named in the notes
    shown = [n for n in report.notes if n.startswith("ip-throttled: ruled_out")]
    assert shown and "ip-throttled.reply-text" in shown[0]


def test_an_answer_overturns_a_text_only_conclusion_and_the_contradiction_is_noted():
    reply = _submission_reply(AUTH_DISABLED)
    assert _status(_run(reply), "smtp-auth-disabled") == "confirmed"
    report = _run(reply, answers={"smtp_auth_enabled": "yes"})
    assert _status(report, "smtp-auth-disabled") == "ruled_out"
    assert next(v for v in report.verdicts if v.cause == "smtp-auth-disabled").basis == "answer"
    assert any("smtp-auth-disabled: ruled_out" in n and "smtp-auth-disabled.disabled-reply" in n
               for n in report.notes)


def test_evidence_that_proves_beats_an_answer():
    reply = Symptom(provenance=HERE, code="5.7.64", status_code="5.7.64", reply_code="550",
                    text="550 5.7.64 TenantAttribution; Relay Access Denied", origin="send_log")
    session = SmtpSession(
        provenance=HERE, connector="Outbound to Office 365", to_eop=True, tls="negotiated",
        tls_protocol="TLS1_2", cert_presented=True, cert_thumbprint="F" * 40, cert_cn="mail.contoso.com",
        ehlo_client_ip="203.0.113.25", mail_from_domain="contoso.com", outcome="rejected",
        reject_code="5.7.64", rcpt_rejected=1,
    )
    report = _run(reply, session, answers={"cert_presented": "no"})
    assert _status(report, "certificate-not-presented") == "ruled_out"
    assert any("certificate-not-presented: ruled_out" in n and "answer-no" in n for n in report.notes)


def test_strength_orders_the_grounds():
    assert strength("confirmed", "evidence") > strength("likely", "answer") > strength("likely", "evidence")
    assert strength("ruled_out", "evidence") > strength("confirmed", "answer") > strength("confirmed", "text")
