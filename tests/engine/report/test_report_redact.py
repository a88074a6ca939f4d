"""--redact: every format of a redacted report is free of the org's names, addresses and numbers,
and the replacement is consistent (same value, same token) so the report still makes sense."""

from __future__ import annotations

import json
import re

import pytest
from relaydoctor.engine.report import FORMATS, redact_report, render
from relaydoctor.engine.report.redact import Redactor, redact_texts
from reportkit import NEW_THUMB, OLD_THUMB, SECRETS, build_report


@pytest.fixture(scope="module")
def redacted():
    return redact_report(build_report())


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_secret_survives_in_any_format(redacted, fmt):
    original = render(build_report(), fmt, verbose=True)
    text = render(redacted, fmt, verbose=True)
    present = [s for s in SECRETS if s.lower() in original.lower()]
    assert len(present) == len(SECRETS)
    for secret in present:
        assert secret.lower() not in text.lower(), f"{secret} left in the {fmt} report"


def test_facts_are_redacted_too(redacted):
    blob = json.dumps([f.values() | {"src": f.provenance.ref(), "ex": f.provenance.excerpt}
                       for f in redacted.facts])
    for secret in SECRETS:
        assert secret.lower() not in blob.lower(), secret


def test_same_value_same_token_everywhere(redacted):
    text = render(redacted, "text", verbose=True)
    connector_cert = redacted.facts[3].tls_sender_certificate_name
    assert re.fullmatch(r"host-\d+\.domain-\d+\.example", connector_cert)
    # mail.contoso.com appears in the summary, the evidence and the fact: one token for all.
    assert text.count(connector_cert) >= 3
    session = redacted.facts[1]
    assert session.cert_thumbprint.startswith("THUMB-")
    assert session.cert_thumbprint in redacted.verdicts[0].evidence[0].excerpt
    # contoso.com and contoso.net are different domains and stay different; hosts keep their domain.
    assert session.mail_from_domain != session.cert_cn.split(".", 1)[1]
    assert connector_cert.endswith("." + session.mail_from_domain)


def test_placeholders_come_from_reserved_ranges(redacted):
    session = redacted.facts[1]
    assert session.ehlo_client_ip.startswith(("192.0.2.", "198.51.100.", "203.0.113.", "198.18.", "198.19."))
    assert session.ehlo_client_ip != "203.0.113.25"
    assert session.mail_from.startswith("user-") and session.mail_from.endswith(".example")
    assert session.remote_host.endswith(".mail.protection.outlook.com")
    assert session.remote_host.startswith("tenant-")


def test_microsoft_names_urls_and_cmdlets_stay(redacted):
    text = render(redacted, "text", verbose=True)
    assert "https://learn.microsoft.com/en-us/exchange/troubleshoot/email-delivery/" in text
    assert "AM6PEPF0000ABCD.eurprd04.prod.outlook.com" in text
    assert "Set-InboundConnector -Identity" in text
    assert "TenantAttribution" in text and "5.7.64" in text
    assert "certificate-name-mismatch" in text


def test_redaction_is_deterministic():
    a = render(redact_report(build_report()), "json")
    b = render(redact_report(build_report()), "json")
    assert a == b


def test_placeholder_never_equals_an_original_value():
    out = redact_texts(["192.0.2.1 and 203.0.113.25", "domain-1.example is taken, contoso.com"])
    first, second = out[0].split(" and ")
    assert len({first, second, "192.0.2.1", "203.0.113.25"}) == 4
    taken, contoso = out[1].split(" is taken, ")
    assert contoso != "domain-1.example" and taken != contoso


def test_file_names_keep_their_extension():
    out = redact_texts(["mail2026.contoso.net.cer", "Get-InboundConnector.fl.txt", "certs/make_certs.py",
                        "certs/smtp.contoso.com-expired.fullchain.pem"])
    assert re.fullmatch(r"host-\d+\.domain-\d+\.example\.cer", out[0])
    assert out[1:3] == ["Get-InboundConnector.fl.txt", "certs/make_certs.py"]
    assert re.fullmatch(r"certs/host-\d+\.domain-\d+\.example-expired\.fullchain\.pem", out[3])


def test_versions_codes_and_times_are_not_addresses():
    texts = ["15.02.2562.017", "5.7.64", "2026-11-20T08:41:07Z", "TLS1_2", "1.0.0"]
    assert redact_texts(texts) == texts


def test_thumbprint_case_and_separators_do_not_matter():
    spaced = " ".join(OLD_THUMB[i:i + 2] for i in range(0, 40, 2))
    out = redact_texts([OLD_THUMB, OLD_THUMB.lower(), spaced, NEW_THUMB])
    assert out[0] == out[1] == out[2] != out[3]


def test_known_single_label_server_names():
    r = Redactor(["EXCH01 sent it"], known_hosts=["EXCH01", "x"])
    assert r.text("NDR from EXCH01 (exch01)") == "NDR from host-1 (host-1)"
    assert (r.text("certs/EXCH01-selfsigned.pem, CN=corp-EXCH01-CA")
            == "certs/host-1-selfsigned.pem, CN=corp-host-1-CA")
    assert r.text("EXCH011 and xEXCH01") == "EXCH011 and xEXCH01"


def test_ipv6_and_cidr():
    out = redact_texts(["2001:db8:77::25 and 192.0.2.32/27, time 12:00:00 and ::1"])[0]
    assert "2001:db8:77::25" not in out and "12:00:00" in out and "::1" in out
    assert re.search(r"\b\d+\.\d+\.\d+\.\d+/27\b", out) and "192.0.2.32/" not in out
