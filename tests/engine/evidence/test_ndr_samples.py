"""ndr.py on the sample NDRs (and the bundles' copies): values from samples/README.md."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from relaydoctor.engine.errors import EvidenceError
from relaydoctor.engine.evidence.base import Document
from relaydoctor.engine.evidence.symptoms import ndr
from relaydoctor.engine.facts import Symptom


def document(path: Path) -> Document:
    data = path.read_bytes()
    return Document(path.name, len(data), data[:65536], lambda: io.BytesIO(data))


def parse(samples: Path, rel: str) -> list[Symptom]:
    doc = document(samples / rel)
    assert ndr.sniff(doc)
    facts = ndr.parse(doc).facts
    assert all(isinstance(f, Symptom) and f.origin == "ndr" for f in facts)
    return facts  # type: ignore[return-value]


@pytest.mark.parametrize(
    "rel",
    ["ndr/NDR-5.7.64-TenantAttribution.eml", "bundles/renewed-certificate/NDR-5.7.64-TenantAttribution.eml"],
)
def test_eml_dsn_gives_one_symptom_pointing_at_diagnostic_code(samples: Path, rel: str) -> None:
    (fact,) = parse(samples, rel)
    assert fact.code == fact.status_code == "5.7.64"
    assert fact.reply_code == "550"
    assert fact.text == (
        "550 5.7.64 TenantAttribution; Relay Access Denied "
        "[AM6EUR05FT012.eop-EUR05.prod.protection.outlook.com]"
    )
    assert fact.host == "am6eur05ft012.eop-eur05.prod.protection.outlook.com"
    assert fact.generating_server == "exch01.corp.contoso.com"
    assert fact.remote_server == "am6eur05ft012.mail.protection.outlook.com"
    assert fact.recipient == "orders@fabrikam.com"
    assert fact.tokens == ("TenantAttribution", "Relay Access Denied")
    assert fact.attr is None and fact.transient is False
    assert fact.direction == "relay_to_exo"
    assert fact.seen_at == "2026-11-20T08:41:20Z"  # the NDR's Date: 00:41:20 -0800
    raw = (samples / rel).read_text().split("\n")
    assert fact.provenance.line == 155
    assert raw[154].startswith("Diagnostic-Code: smtp;550 5.7.64")
    assert fact.provenance.excerpt.startswith("Diagnostic-Code: smtp;550 5.7.64 TenantAttribution")


@pytest.mark.parametrize(
    "rel", ["ndr/NDR-5.7.64-ATTR36.pasted.txt", "bundles/attr36/NDR-5.7.64-ATTR36.pasted.txt"]
)
def test_pasted_attr36(samples: Path, rel: str) -> None:
    (fact,) = parse(samples, rel)
    assert fact.code == "5.7.64" and fact.attr == "ATTR36"
    assert "ATTR36" in fact.tokens and "TenantAttribution" not in fact.tokens
    assert fact.text.startswith("550 5.7.64 Relay Access Denied ATTR36. For more details please refer to: ")
    assert fact.host == "am6eur05ft047.eop-eur05.prod.protection.outlook.com"
    assert fact.remote_server == "am6eur05ft047.mail.protection.outlook.com"
    assert fact.generating_server == "exch01.corp.contoso.com"
    assert fact.recipient == "ap@fabrikam.com"
    assert fact.seen_at is None  # Outlook's "Sent:" is local time without a zone
    assert fact.provenance.line == 21
    assert fact.provenance.excerpt.startswith("Remote Server returned '550 5.7.64 Relay Access Denied ATTR36")


def test_delay_attr35_is_transient_from_the_legacy_smart_host(samples: Path) -> None:
    facts = parse(samples, "ndr/NDR-4.4.62-ATTR35-delay.pasted.txt")
    by_code = {f.code: f for f in facts}
    assert list(by_code) == ["4.4.7", "4.4.62"]
    attr35 = by_code["4.4.62"]
    assert attr35.reply_code == "451" and attr35.attr == "ATTR35" and attr35.transient is True
    assert attr35.remote_server == "mail.global.frontbridge.com"
    assert attr35.host == "mw2nam10ft061.eop-nam10.prod.protection.outlook.com"  # the bracket: NAM
    assert attr35.generating_server == "exch01.corp.contoso.com"
    assert attr35.recipient == "scans@tailspintoys.com"
    assert attr35.provenance.line == 29
    assert attr35.provenance.excerpt.startswith("11/18/2026 10:57:41 AM - Remote Server at mail.global")
    delayed = by_code["4.4.7"]
    assert delayed.transient and delayed.host == delayed.remote_server == "mail.global.frontbridge.com"
    assert delayed.provenance.line == 28


def test_exchange_2010_hash_form(samples: Path) -> None:
    (fact,) = parse(samples, "ndr/NDR-Exchange2010-5.7.64.pasted.txt")
    assert fact.code == "5.7.64" and fact.reply_code == "550"
    assert fact.text == (
        "550 5.7.64 TenantAttribution; Relay Access Denied "
        "[DB8EUR06FT041.eop-EUR06.prod.protection.outlook.com]"
    )
    assert fact.remote_server == "db8eur06ft041.mail.protection.outlook.com"
    assert fact.host == "db8eur06ft041.eop-eur06.prod.protection.outlook.com"
    assert fact.generating_server == "ex2010.corp.contoso.com"
    assert fact.recipient == "orders@fabrikam.com"
    assert fact.provenance.line == 20


def test_detail_names_the_shape_and_codes(samples: Path) -> None:
    result = ndr.parse(document(samples / "ndr" / "NDR-5.7.64-TenantAttribution.eml"))
    assert result.detail == "delivery status notification (RFC 3464): 5.7.64"
    result = ndr.parse(document(samples / "ndr" / "NDR-4.4.62-ATTR35-delay.pasted.txt"))
    assert result.detail == "pasted delivery report: 4.4.7, 4.4.62"


def test_sniff_claims_no_other_sample(samples: Path) -> None:
    others = [
        p for p in samples.rglob("*")
        if p.is_file() and not p.name.startswith("NDR-") and p.suffix not in (".py",)
    ]
    assert len(others) > 40
    for path in others:
        assert not ndr.sniff(document(path)), path


def test_parse_refuses_a_report_without_status() -> None:
    data = b"Diagnostic information for administrators:\nGenerating server: EXCH01\n\nsomething went wrong\n"
    doc = Document("x.txt", len(data), data, lambda: io.BytesIO(data))
    assert not ndr.sniff(doc)
    with pytest.raises(EvidenceError, match="without an SMTP status code"):
        ndr.parse(doc)
