"""No remediation step recommends an expired, not-yet-valid or untrusted certificate, and the step
that names a certificate says why it picked that one (issue 10)."""

from __future__ import annotations

import datetime as dt
import re

from relaydoctor.engine.api import diagnose
from relaydoctor.engine.pack import load_packs
from relaydoctor.engine.pack.cases import case_facts

PACKS = load_packs(include_user_config=False)
EXPIRED = "B4C2A1D0E9F8A7B6C5D4E3F2A1B0C9D8E7F6A5B4"
# commands that would put a certificate to use
USE = re.compile(
    r"Set-SendConnector|Enable-ExchangeCertificate|TlsSenderCertificateName|-TlsCertificateName", re.I
)


def _report(case_id: str, *, drop_kind: str | None = None, patch=None):
    case = next(c for c in PACKS.cases if c.case == case_id)
    facts = [f for f in case_facts(case) if drop_kind != f.KIND]
    if patch:
        facts = [patch(f) for f in facts]
    now = dt.datetime.fromisoformat(case.now.replace("Z", "+00:00"))
    return diagnose(
        [], ndr_texts=list(case.ndr), answers=dict(case.answers), extra_facts=facts, packs=PACKS, now=now
    )


def _steps(report, cause: str):
    verdict = next(v for v in report.verdicts if v.cause == cause)
    return verdict, list(verdict.remediation)


def test_an_expired_named_certificate_is_never_recommended() -> None:
    verdict, steps = _steps(_report("wrong-certificate-named-expired"), "wrong-certificate-presented")
    assert verdict.status == "confirmed"
    for step in steps:
        for command in step.commands:
            if USE.search(command):
                assert EXPIRED not in command.upper(), command
    assert any("Do not point anything at" in s.step and EXPIRED in s.step.upper() for s in steps)
    # the commands that use a certificate keep a visible placeholder instead of the expired one
    assert any("<thumbprint of a valid certificate>" in c for s in steps for c in s.commands)


def test_a_valid_named_certificate_is_recommended_with_the_reason() -> None:
    import dataclasses

    def renew(f):
        if f.KIND == "certificate":
            return dataclasses.replace(f, not_after="2027-12-31T23:59:59Z", status="Valid")
        return f

    report = _report("wrong-certificate-named-expired", patch=renew)
    verdict, steps = _steps(report, "wrong-certificate-presented")
    assert verdict.status == "confirmed"
    point = next(s for s in steps if s.step.startswith("Point the send connector"))
    assert EXPIRED in " ".join(point.commands).upper()
    assert "nothing in the evidence shows it expired" in point.step
    assert not point.needs_values


def test_a_name_mismatch_never_points_the_connector_at_an_expired_presented_certificate() -> None:
    verdict, steps = _steps(_report("name-mismatch-presented-expired"), "certificate-name-mismatch")
    assert verdict.status == "confirmed"
    commands = [c for s in steps for c in s.commands]
    assert not any("TlsSenderCertificateName" in c and "mail.contoso.com" in c for c in commands), commands
    assert any(s.step.startswith("Do not point the connector at the presented certificate") for s in steps)


def test_454_475_never_enables_the_expired_named_certificate() -> None:
    report = _report("certificate-not-found-named-expired")
    verdict, steps = _steps(report, "send-connector-certificate-not-found")
    assert verdict.status == "confirmed"
    for step in steps:
        for command in step.commands:
            assert not ("Enable-ExchangeCertificate" in command and EXPIRED in command.upper()), command
    assert any("do not enable it" in s.step for s in steps)


def test_unknown_credentials_never_enables_an_expired_offered_certificate() -> None:
    verdict, steps = _steps(_report("not-bound-offered-expired"), "certificate-not-bound-to-smtp")
    assert verdict.status == "confirmed"
    for step in steps:
        for command in step.commands:
            assert not (USE.search(command) and EXPIRED in command.upper()), command
    assert any(s.step.startswith("Do not enable") for s in steps)
