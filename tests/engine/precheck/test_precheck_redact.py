"""``precheck --redact``: the diagnosis' structural redaction, in every format, for every plan.

The secrets are gathered from the unredacted report's facts by field (names, addresses, e-mail
addresses, thumbprints, serials, connector names), from the plan and from the private folders the
evidence sits under; none may appear in any redacted rendering, while check ids and statuses stay.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from certfactory import make_chain, to_pem
from precheckkit import NOW, Bundle, exchange_cert
from relaydoctor.engine.api import precheck, render_precheck
from relaydoctor.engine.facts import SendConnector
from relaydoctor.engine.precheck import Plan
from relaydoctor.engine.x509names import dotnet_name

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "hostile"))
from clikit import run_main
from test_redaction_leaks import _leaks
from test_redaction_leaks import _secrets as fact_secrets

PRIVATE = ("adm-jsmith", "northwind-ticket-4711")


def _evidence(tmp_path: Path, samples: Path) -> tuple[Bundle, str]:
    """A bundle under an identifying path, with TLDs no list knows, a send log and a planned cert."""
    bundle = Bundle(tmp_path / PRIVATE[0] / PRIVATE[1])
    chain = make_chain("relay.northwind.berlin", ["relay.northwind.berlin", "smtp.northwind.berlin"])
    bundle.inbound(
        {"Name": "Northwind relay", "TlsSenderCertificateName": "*.northwind.berlin"},
        {"Name": "Northwind IP relay", "SenderIPAddresses": ["203.0.113.0/24"]},
        {"Name": "Tailspin gateway", "TlsSenderCertificateName": "*.pphosted.com"},
    ).accepted("northwind.berlin", "tailspin.industries")
    bundle.exchange_certs(exchange_cert(chain.leaf.cert))
    bundle.send(
        f"<I>{dotnet_name(chain.leaf.cert.issuer)}<S>{dotnet_name(chain.leaf.cert.subject)}",
        Fqdn="relay.northwind.berlin",
        SourceTransportServers=["NWEXCH01"],
    )
    shutil.copy(samples / "bundles" / "attr36" / "SEND20261124-1.LOG", bundle.root)
    planned = make_chain("mail2027.northwind.berlin")
    cert = bundle.file("mail2027-northwind.pem", to_pem(planned.leaf.cert))
    return bundle, str(cert)


def _secrets(report, plan: Plan) -> set[str]:  # type: ignore[no-untyped-def]
    """The hostile suite's secrets of the facts (the same definition for both reports), the
    private folders, the send connector's servers and the plan's values."""
    found = fact_secrets(report) | set(PRIVATE)
    for fact in report.facts:
        if isinstance(fact, SendConnector):
            found.update(fact.source_transport_servers)  # "source" fields are not read there
    for value in (plan.egress_ip, plan.connector_cert_name, plan.sender_domain, plan.connector,
                  *(plan.connector_ips or ())):
        if value:
            found.add(value.lstrip("*.").split("/")[0])
    return {s for s in found if len(s) >= 4}


PLANS = {
    "audit": {},
    "cert": {"cert": True},
    "egress": {"egress_ip": "198.51.100.77"},
    "connector": {"connector_cert_name": "*.tailspin.industries", "connector_ips": ("192.0.2.44",),
                  "connector": "Northwind relay"},
    "sender": {"sender_domain": "tailspin.industries"},
}


@pytest.mark.parametrize("name", sorted(PLANS))
def test_nothing_identifying_survives_in_any_format(name: str, tmp_path: Path, samples):  # type: ignore[no-untyped-def]
    bundle, cert = _evidence(tmp_path, samples)
    given = dict(PLANS[name])
    if given.pop("cert", None):
        given["cert"] = cert
    plan = Plan(**given)  # type: ignore[arg-type]
    report = precheck([str(bundle.root)], plan, now=NOW)
    secrets = _secrets(report, plan)
    assert {"northwind.berlin", "tailspin.industries", "Northwind relay", "NWEXCH01"} <= secrets
    plain = render_precheck(report, "text", verbose=True)
    assert _leaks(plain, secrets), "the unredacted report must name them (else the test proves nothing)"
    for fmt in ("text", "markdown", "json"):
        out = render_precheck(report, fmt, verbose=True, redacted=True)  # type: ignore[arg-type]
        assert _leaks(out, secrets) == [], fmt
    data = json.loads(render_precheck(report, "json", redacted=True))
    assert [(c["check"], c["status"]) for c in data["checks"]] == [(c.check, c.status) for c in report.checks]
    assert data["status"] == report.status and data["plan"]["days"] == plan.days


def test_the_same_value_gets_the_same_token_everywhere(tmp_path: Path, samples):  # type: ignore[no-untyped-def]
    bundle, cert = _evidence(tmp_path, samples)
    report = precheck([str(bundle.root)], Plan(cert=cert), now=NOW)
    data = json.loads(render_precheck(report, "json", redacted=True))
    names = [c for c in data["checks"] if c["check"] == "cert-names"]
    passed = [c["subject"] for c in names if c["status"] == "pass"]
    assert passed == ["connector-1"]  # the connector the planned name satisfies
    token = next(c for c in report.checks if c.check == "cert-names" and c.status == "pass")
    assert token.subject == "Northwind relay"
    cited = [e["says"] for c in names for e in c["evidence"] if "connector-1" in e["says"]]
    assert cited and all("Northwind" not in s for s in cited)  # one token for it, wherever cited


def test_cli_redact_flag(tmp_path: Path, samples, capsys):  # type: ignore[no-untyped-def]
    bundle, cert = _evidence(tmp_path, samples)
    run = run_main(capsys, "precheck", str(bundle.root), "--cert", cert, "--redact", "--now",
                   "2026-11-27T12:00:00Z", "--format", "json")
    data = json.loads(run.out)
    assert data["kind"] == "precheck" and run.code in (0, 1)
    assert "northwind" not in run.out.lower() and "tailspin" not in run.out.lower()
    plain = run_main(capsys, "precheck", str(bundle.root), "--cert", cert, "--now", "2026-11-27T12:00:00Z",
                     "--format", "json")
    assert plain.code == run.code  # redaction never changes the verdict


def test_a_connector_name_with_a_quote_or_a_line_break_is_redacted_where_it_is_quoted(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A filled command doubles the quote of ``O'Brien relay`` (PowerShell quoting) and an evidence
    line escapes a line break (``'Line1\\nRelay'``): both spellings are the connector's name and
    must become its token, not stay in the redacted report."""
    bundle = Bundle(tmp_path / "b")
    bundle.inbound(
        {"Name": "O'Brien relay", "Enabled": False, "TlsSenderCertificateName": "*.northwind.berlin"},
        {"Name": "Line1\nRelay", "Enabled": False, "TlsSenderCertificateName": "*.northwind.berlin"},
        {"Name": "Northwind relay", "TlsSenderCertificateName": "*.northwind.berlin"},
    ).accepted("northwind.berlin")
    report = precheck([str(bundle.root)], Plan(), now=NOW)
    plain = render_precheck(report, "json")
    assert "O''Brien relay" in plain and "Line1\\\\nRelay" in plain  # the spellings are there
    for fmt in ("text", "markdown", "json"):
        out = render_precheck(report, fmt, verbose=True, redacted=True)  # type: ignore[arg-type]
        for leak in ("Brien", "Line1", "Northwind relay"):
            assert leak not in out, (fmt, leak)
