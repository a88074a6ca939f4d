"""The checks that are pack data: judged by the built-in pack's ``precheck`` code through the real
diagnosis, so a pack (not Python) decides them — a user pack that disables a rule changes the line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from certfactory import make_chain, to_pem
from precheckkit import NOW, Bundle
from relaydoctor.engine.api import diagnose_evidence, load_packs, precheck
from relaydoctor.engine.facts import (
    AcceptedDomain,
    Certificate,
    CertLifetime,
    DomainAcceptance,
    PrecheckPlan,
    Provenance,
)
from relaydoctor.engine.precheck import Plan
from relaydoctor.engine.relations import derive_relations
from relaydoctor.engine.results import EvidenceSet

P = Provenance("case", 1, "")
THUMB = "AB12CD34EF56AB12CD34EF56AB12CD34EF56AB12"


def _lifetime(bundle: Bundle, not_after: dt.datetime, packs: tuple[str, ...] = (), **plan: object):  # type: ignore[no-untyped-def]
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    cert = bundle.file(
        "new.pem", to_pem(make_chain("mail.contoso.com", not_before=start, not_after=not_after).leaf.cert)
    )
    report = precheck([str(bundle.root)], Plan(cert=str(cert), **plan), now=NOW, pack_dirs=packs)  # type: ignore[arg-type]
    (check,) = [c for c in report.checks if c.check == "cert-lifetime"]
    return check


def test_the_line_comes_from_the_pack_rules(bundle: Bundle, tmp_path: Path):
    bundle.inbound({"Name": "Contoso relay", "TlsSenderCertificateName": "*.contoso.com"})
    check = _lifetime(bundle, dt.datetime(2026, 12, 10, tzinfo=dt.UTC))
    assert (check.status, check.summary) == ("warn", "expires in 12 day(s), within the 30-day window")
    assert [e.fact for e in check.evidence] == ["cert_lifetime"]
    pack = tmp_path / "local-pack"  # a local pack switches the within-window rule off
    pack.mkdir()
    (pack / "pack.yaml").write_text(
        'id: local\nversion: "1.0.0"\nengine_format: 1\ndescription: test\n'
        "overrides:\n  disable_rules: [planned-certificate-lifetime.within-window]\n"
    )
    check = _lifetime(bundle, dt.datetime(2026, 12, 10, tzinfo=dt.UTC), (str(pack),))
    assert check.status == "warn"
    assert check.summary == (  # the expiry is known: the override left it undecided, and says so
        "cannot check: a pack override in force turns off a rule of this check (pack local disables rule "
        "planned-certificate-lifetime.within-window (from pack builtin))"
    )


def test_expired_and_the_window_from_days(bundle: Bundle):
    bundle.inbound({"Name": "Contoso relay", "TlsSenderCertificateName": "*.contoso.com"})
    check = _lifetime(bundle, dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    assert check.status == "fail" and "2026-11-01T00:00:00Z has passed" in check.summary
    assert _lifetime(bundle, dt.datetime(2026, 12, 10, tzinfo=dt.UTC), days=12).status == "pass"
    assert _lifetime(bundle, dt.datetime(2026, 12, 10, tzinfo=dt.UTC), days=13).status == "warn"


def test_cert_lifetime_days_left_and_validity_at_the_time_given():
    now = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)

    def lifetime(not_before: str, not_after: str) -> CertLifetime:
        cert = Certificate(
            provenance=P, thumbprint=THUMB, cn="mail.contoso.com", not_before=not_before, not_after=not_after
        )
        (got,) = [r for r in derive_relations([cert], now=now) if isinstance(r, CertLifetime)]
        return got

    assert (lifetime("2026-01-01T00:00:00Z", "2026-12-10T00:00:00Z").days_left, "valid") == (11, "valid")
    got = lifetime("2026-01-01T00:00:00Z", "2026-11-28T11:00:00Z")
    assert (got.days_left, got.validity) == (-1, "expired")  # an hour ago: expired, day -1
    got = lifetime("2026-12-01T00:00:00Z", "2027-12-01T00:00:00Z")
    assert (got.validity, got.days_left) == ("not_yet_valid", 367)
    none = derive_relations([Certificate(provenance=P, thumbprint=THUMB)], now=now)
    assert not [r for r in none if isinstance(r, CertLifetime)]  # no NotAfter: no arithmetic


def test_a_plan_fact_puts_its_code_in_scope_and_nothing_else():
    packs = load_packs(cached=True)
    plan = PrecheckPlan(provenance=P, days=30, cert_thumbprint=THUMB)
    cert = Certificate(
        provenance=P, thumbprint=THUMB, not_before="2026-01-01T00:00:00Z", not_after="2027-06-01T00:00:00Z"
    )
    report = diagnose_evidence(EvidenceSet(facts=[plan, cert]), packs=packs, now=NOW)
    assert {v.code for v in report.verdicts} == {"precheck"}  # the default code is not added
    (v,) = [v for v in report.verdicts if v.cause == "planned-certificate-lifetime"]
    assert v.status.value == "ruled_out" and v.rules == ("planned-certificate-lifetime.long-enough",)
    without = diagnose_evidence(EvidenceSet(facts=[cert]), packs=packs, now=NOW)
    assert "precheck" not in {v.code for v in without.verdicts}


def _sender(bundle: Bundle, domain: str, packs: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    report = precheck([str(bundle.root)], Plan(sender_domain=domain), now=NOW, pack_dirs=packs)
    (check,) = [c for c in report.checks if c.check == "sender-domain"]
    return check


def test_sender_domain_comes_from_the_planned_sender_relation_and_the_pack(bundle: Bundle, tmp_path: Path):
    bundle.inbound({"Name": "Relay", "SenderIPAddresses": ["203.0.113.25"]}).accepted("contoso.com")
    check = _sender(bundle, "Fabrikam.COM.")  # normalised like the Python check did
    assert (check.status, check.subject) == ("fail", "fabrikam.com")
    assert check.summary == (
        "fabrikam.com is not an accepted domain, and no certificate your servers present is of an "
        "accepted domain and matches a connector: mail from it will get 550 5.7.64 ATTR36 (add and verify "
        "the domain, or relay with such a certificate)"
    )
    assert [e.fact for e in check.evidence] == ["domain_acceptance"] and len(check.references) == 1
    passed = _sender(bundle, "contoso.com")
    assert (passed.status, passed.references) == ("pass", ())
    assert passed.summary == "contoso.com is an accepted domain"
    pack = tmp_path / "local-pack"  # a local pack switches the failing rule off: the line follows
    pack.mkdir()
    (pack / "pack.yaml").write_text(
        'id: local\nversion: "1.0.0"\nengine_format: 1\ndescription: test\n'
        "overrides:\n  disable_rules: [planned-sending-domain.not-attributed]\n"
    )
    check = _sender(bundle, "fabrikam.com", (str(pack),))
    assert (check.status, check.summary, check.references) == (
        "warn",  # the domain export is there: the override left it undecided, and says so
        "cannot check: a pack override in force turns off a rule of this check (pack local disables rule "
        "planned-sending-domain.not-attributed (from pack builtin))",
        (),
    )


def test_a_plan_without_a_sending_domain_derives_no_planned_sender():
    plan = PrecheckPlan(provenance=P, code="precheck")
    accepted = AcceptedDomain(provenance=P, domain="contoso.com")
    got = derive_relations([plan, accepted], now=NOW)
    assert not [r for r in got if isinstance(r, DomainAcceptance) and r.role == "planned_sender"]
    planned = PrecheckPlan(provenance=P, code="precheck", sender_domain="contoso.com")
    (rel,) = [r for r in derive_relations([planned, accepted], now=NOW)
              if isinstance(r, DomainAcceptance) and r.role == "planned_sender"]
    assert (rel.domain, rel.status, rel.attributed_by) == ("contoso.com", "accepted", None)
