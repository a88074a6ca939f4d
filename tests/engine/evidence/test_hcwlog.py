"""HCW logs: certificate names the wizard set, in the line shape KB 4051381 quotes; no facts."""

from __future__ import annotations

import io

import pytest
from fuzzprofile import fuzz_settings
from hypothesis import given
from hypothesis import strategies as st
from relaydoctor.engine.errors import EvidenceError, RelaydoctorError
from relaydoctor.engine.evidence import hcwlog
from relaydoctor.engine.evidence.base import Document, ParseResult

INBOUND = "Inbound from 5c1a4e1b-6a0e-4e2b-9f3d-2c7b8d9e0f11"
TLS_NAME = (
    '\'<I>CN=Tailspin Trust RSA TLS CA G2, O="Tailspin Trust Services, Inc.", L=Redmond, S=Washington, C=US'
    "<S>CN=mail2026.contoso.net'"
)
LOG = "\r\n".join(
    [
        "2026.11.23 10:04:58.102         10270 [Client=UX, Page=MailFlow, Thread=7] Connecting to Tenant",
        "2026.11.23 10:05:11.387         10276 [Client=UX, Activity=Mail Flow, Session=OnPremises, "
        "Cmdlet=Set-SendConnector, Thread=7] START Set-SendConnector -Identity 'Outbound to Office 365 - "
        f"5c1a4e1b' -TlsCertificateName {TLS_NAME} -RequireTLS: $true",
        "2026.11.23 10:05:12.011         10277 [Client=UX, Activity=Mail Flow, Session=OnPremises, "
        "Cmdlet=Set-SendConnector, Thread=7] FINISH Time=623.4ms",
        "2026.11.23 10:05:14.530         10281 [Client=UX, Activity=Mail Flow, Session=Tenant, "
        f"Cmdlet=Set-InboundConnector, Thread=7] START Set-InboundConnector -Identity '{INBOUND}' "
        "-TlsSenderCertificateName 'mail2026.contoso.net' -RequireTls: $true",
        "2026.11.23 10:05:15.902         10282 [Client=UX, Activity=Mail Flow, Session=Tenant, "
        "Cmdlet=Set-InboundConnector, Thread=7] FINISH Time=1372.0ms",
        "2026.11.23 10:06:02.447 *ERROR* 10290 [Client=UX, Activity=Mail Flow, Session=Tenant, "
        "Cmdlet=New-InboundConnector, Thread=9] START New-InboundConnector -Name 'O''Brien relay' "
        "-TlsSenderCertificateName $null -ConnectorType 'OnPremises'",
        "2026.11.23 10:06:03.001 *ERROR* 10291 [Client=UX, Activity=Mail Flow, Session=Tenant, "
        "Cmdlet=New-InboundConnector, Thread=9] FINISH Time=554.1ms Results=PowerShell failed to invoke "
        "'New-InboundConnector': The connector already exists.",
        "                                   at System.Management.Automation.PowerShell.EndInvoke()",
    ]
)


def doc(text: str, name: str = "HCW20261123T100458.log", encoding: str = "utf-8") -> Document:
    data = text.encode(encoding)
    return Document(name=name, size=len(data), head=data[:65536], opener=lambda: io.BytesIO(data))


def test_sniffs_the_kb_line_shape():
    kb = (
        "2017.10.23 11:39:57.693 *ERROR* 10277 [Client=UX, Activity=Domain Ownership, Session=OnPremises, "
        "Cmdlet=Set-FederatedOrganizationIdentifier, Thread=9] FINISH Time=6140.9ms Results=PowerShell failed"
    )
    assert hcwlog.sniff(doc(kb))
    assert hcwlog.sniff(doc(LOG, encoding="utf-16"))
    assert not hcwlog.sniff(doc("2026-11-20T07:58:11.412Z,Outbound to Office 365,08DF42081AB4DA42,0,,x,*,,y"))
    assert not hcwlog.sniff(doc("TlsSenderCertificateName : mail.contoso.com\r\n"))


def test_certificate_name_changes_become_located_warnings_and_no_facts():
    result = hcwlog.parse(doc(LOG))
    assert isinstance(result, ParseResult) and result.facts == []
    assert len(result.warnings) == 3
    send, inbound, failed = result.warnings
    assert send.startswith(
        "line 2: the Hybrid Configuration Wizard ran Set-SendConnector on 'Outbound to Office"
    )
    assert (
        'TlsCertificateName \'<I>CN=Tailspin Trust RSA TLS CA G2, O="Tailspin Trust Services, Inc."' in send
    )
    assert inbound == (
        f"line 4: the Hybrid Configuration Wizard ran Set-InboundConnector on '{INBOUND}' with "
        "TlsSenderCertificateName 'mail2026.contoso.net' at 2026-11-23 10:05:14 (wizard machine's local time)"
    )
    assert "on 'O'Brien relay'" in failed and "$null (cleared)" in failed and "FAILED" in failed
    assert "3 certificate name change(s)" in result.detail
    assert "last inbound connector value mail2026.contoso.net (line 4)" in result.detail


def test_scan_keeps_the_values():
    changes, recognised = hcwlog.scan(LOG, "hcw.log")
    assert recognised == 7
    inbound = next(c for c in changes if c.cmdlet == "Set-InboundConnector")
    assert (inbound.target, inbound.value, inbound.session, inbound.at, inbound.failed) == (
        INBOUND,
        "mail2026.contoso.net",
        "Tenant",
        "2026-11-23T10:05:14",
        False,
    )


def test_parameters():
    got = hcwlog.parameters(" -A 'x y' -B: $true -C $null -D word -E -F 'it''s'", "f", 1)
    assert got == {"a": "x y", "b": "$true", "c": None, "d": "word", "e": "", "f": "it's"}


def test_unterminated_certificate_value_names_the_line():
    bad = LOG.replace(
        "-TlsSenderCertificateName 'mail2026.contoso.net'", "-TlsSenderCertificateName 'mail2026"
    )
    with pytest.raises(EvidenceError) as err:
        hcwlog.parse(doc(bad, name="hcw.log"))
    assert (err.value.path, err.value.line) == ("hcw.log", 4)


def test_no_log_line_is_an_error():
    with pytest.raises(EvidenceError) as err:
        hcwlog.parse(doc("just text\r\n", name="x.log"))
    assert err.value.one_line().startswith("x.log:1: ")


@fuzz_settings(200)  # RELAYDOCTOR_HYPOTHESIS=deep: 10,000
@given(st.lists(st.sampled_from(LOG.split("\r\n")) | st.text(max_size=120), max_size=12), st.integers(0, 400))
def test_fuzz_only_relaydoctor_errors_escape(lines: list[str], cut: int):
    text = "\r\n".join(lines)
    text = text[: len(text) - cut] if cut < len(text) else text
    d = doc(text)
    try:
        hcwlog.sniff(d)
        result = hcwlog.parse(d)
    except RelaydoctorError:
        return
    assert isinstance(result, ParseResult) and result.facts == []
