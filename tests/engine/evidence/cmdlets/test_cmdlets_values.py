"""Value readers and normalisers shared by every format."""

from __future__ import annotations

import datetime as dt

import pytest
from relaydoctor.engine.evidence.cmdlets import normalise as n
from relaydoctor.engine.evidence.cmdlets import values as v
from relaydoctor.engine.evidence.cmdlets.classify import kind_from_names, kind_from_type_names
from relaydoctor.engine.evidence.cmdlets.model import Prop
from relaydoctor.engine.facts import (
    AcceptedDomain,
    Certificate,
    DomainVerification,
    InboundConnector,
    OutboundConnector,
    ReceiveConnector,
    SendConnector,
    TransportService,
)


@pytest.mark.parametrize(
    ("raw", "utc_hint", "expected"),
    [
        ("12/8/2025 7:03:12 PM", True, "2025-12-08T19:03:12Z"),
        ("12/8/2025 7:03:12 PM", False, "2025-12-08T19:03:12"),
        ("11/9/2026 12:00:00 AM", False, "2026-11-09T00:00:00"),
        ("11/9/2026 12:30:00 PM", False, "2026-11-09T12:30:00"),
        ("11/9/2026 13:30:00", False, "2026-11-09T13:30:00"),
        ("\\/Date(1765220592000)\\/", False, "2025-12-08T19:03:12Z"),
        ("/Date(1765220592000-0800)/", False, "2025-12-08T19:03:12Z"),
        ("2025-12-08T11:03:12-08:00", False, "2025-12-08T19:03:12Z"),
        ("2025-12-08T19:03:12.1234567Z", False, "2025-12-08T19:03:12Z"),
        ("2025-12-08T19:03:12", True, "2025-12-08T19:03:12Z"),
        ("13/40/2025 1:00:00 PM", False, None),
        ("11/9/2026 13:30:00 PM", False, None),
        ("2025-12-08T19:03:12+99:00", False, None),
        ("/Date(9999999999999999)/", False, None),
        ("next Tuesday", False, None),
    ],
)
def test_timestamps(raw: str, utc_hint: bool, expected: str | None):
    assert v.timestamp(Prop("T", raw), utc_hint=utc_hint) == expected


def test_timestamp_of_an_aware_datetime_and_of_year_one():
    moment = dt.datetime(2025, 12, 8, 11, 3, 12, tzinfo=dt.timezone(dt.timedelta(hours=-8)))
    assert v.timestamp(Prop("T", moment)) == "2025-12-08T19:03:12Z"
    assert v.timestamp(Prop("T", dt.datetime(1, 1, 1, tzinfo=dt.UTC))) == "0001-01-01T00:00:00Z"
    assert v.timestamp(Prop("T", dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=5))))) is None


@pytest.mark.parametrize(
    ("value", "style", "expected", "incomplete"),
    [
        ("{}", "text", (), False),
        ("{a, b}", "text", ("a", "b"), False),
        ("{a, b, c, d...}", "text", ("a", "b", "c", "d"), True),
        ("{a, b, c, d…}", "text", ("a", "b", "c", "d"), True),
        ("single", "text", ("single",), False),
        ("a b", "csv", ("a", "b"), False),
        ("", "csv", (), False),
        (None, "csv", (), False),
        ("System.Collections.ArrayList", "csv", (), True),
        (("x", None, "y"), "native", ("x", "y"), False),
        ("a, b", "native", ("a", "b"), False),
        ({"k": 1}, "native", (), True),
    ],
)
def test_items(value, style, expected, incomplete):
    got = v.items(Prop("P", value), style)
    assert (got.values, got.incomplete) == (expected, incomplete)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), ("False", False), ("$true", True), ("yes", None), (1, None), (None, None)],
)
def test_boolean(value, expected):
    assert v.boolean(Prop("B", value)) is expected


@pytest.mark.parametrize(
    ("host", "kind"),
    [
        ("contoso-com.mail.protection.outlook.com", "eop_tenant"),
        ("Contoso-com.MAIL.protection.outlook.com.", "eop_tenant"),
        ("mail.messaging.microsoft.com", "eop_legacy"),
        ("mail.global.frontbridge.com", "eop_legacy"),
        ("contoso-com.mail.eo.outlook.com", "eop_legacy"),
        ("smtp.office365.com", "smtp_client_endpoint"),
        ("smtp-mail.outlook.com", "smtp_client_endpoint"),
        ("[192.0.2.10]", "ip_literal"),
        ("2001:db8::1", "ip_literal"),
        ("relay.contoso.com", "other"),
    ],
)
def test_smart_host_kind(host: str, kind: str):
    assert n.smart_host_kind(host) == kind


def test_smart_hosts_kind_prefers_eop_and_none_for_none():
    assert (
        n.smart_hosts_kind(["relay.contoso.com", "contoso-com.mail.protection.outlook.com"]) == "eop_tenant"
    )
    assert n.smart_hosts_kind([]) == "none"


@pytest.mark.parametrize(
    ("raw", "form", "issuer", "subject", "cn"),
    [
        (None, "empty", None, None, None),
        ("  ", "empty", None, None, None),
        (
            "<I>CN=CA, O=X<S>CN=Mail.Contoso.com, O=Contoso",
            "issuer_subject",
            "CN=CA, O=X",
            "CN=Mail.Contoso.com, O=Contoso",
            "mail.contoso.com",
        ),
        ("<i>CN=CA<s>CN=*.contoso.com", "issuer_subject", "CN=CA", "CN=*.contoso.com", "*.contoso.com"),
        ("CN=mail.contoso.com", "malformed", None, None, None),
        ("<I><S>CN=mail.contoso.com", "malformed", None, None, None),
        ("<S>CN=x<I>CN=y", "malformed", None, None, None),
    ],
)
def test_tls_certificate_name(raw, form, issuer, subject, cn):
    got = n.split_tls_certificate_name(raw)
    assert (got.form, got.issuer, got.subject, got.cn) == (form, issuer, subject, cn)


def test_common_name_with_quoted_values_and_no_cn():
    assert n.common_name('O="Contoso, Inc.", CN="mail.contoso.com"') == "mail.contoso.com"
    assert n.split_dn('CN=a, O="b ""q"", Inc.", C=US') == [("CN", "a"), ("O", 'b "q", Inc.'), ("C", "US")]
    assert n.common_name("O=Contoso") is None
    assert (
        n.common_name("CN=Microsoft Exchange Server Auth Certificate")
        == "Microsoft Exchange Server Auth Certificate"
    )


@pytest.mark.parametrize(
    ("value", "expected", "understood"),
    [
        ("IMAP, POP, IIS, SMTP", ("IMAP", "POP", "IIS", "SMTP"), True),
        ("SMTP, IMAP", ("IMAP", "SMTP"), True),
        ("None", (), True),
        ("IP.WS.", ("IMAP", "POP", "IIS", "SMTP"), True),
        ("....S.", ("SMTP",), True),
        ("..U..FC", ("UM", "Federation", "UMCallRouter"), True),
        (16, ("SMTP",), True),
        (127, ("IMAP", "POP", "UM", "IIS", "SMTP", "Federation", "UMCallRouter"), True),
        (128, (), False),
        ("SMTP, Teleport", ("SMTP",), False),
    ],
)
def test_services(value, expected, understood):
    assert n.services(Prop("Services", value), "text") == (expected, understood)


@pytest.mark.parametrize(
    ("names", "kind"),
    [
        (["Name", "TlsSenderCertificateName"], InboundConnector),
        (["Name", "ConnectorType", "SenderIPAddresses"], InboundConnector),
        (["Name", "RecipientDomains", "SmartHosts"], OutboundConnector),
        (["Identity", "AddressSpaces", "Enabled"], SendConnector),
        (["Name", "Bindings", "RemoteIPRanges"], ReceiveConnector),
        (["Thumbprint", "Services", "Subject"], Certificate),
        (["Thumbprint", "Subject", "NotAfter"], None),  # Get-ChildItem Cert:\ — not Exchange's
        (["DomainName", "DomainType"], AcceptedDomain),
        (["Id", "IsVerified"], DomainVerification),
        (["Name", "Status", "Authentication"], DomainVerification),
        (["Name", "SendProtocolLogPath"], TransportService),
        (["Identity", "Status", "MessageCount"], None),
    ],
)
def test_kind_from_names(names, kind):
    assert kind_from_names(names) is kind


def test_msol_status_must_be_verified_or_unverified():
    assert kind_from_names(["Name", "Status", "IsDefault"], "Verified") is DomainVerification
    assert kind_from_names(["Name", "Status", "IsDefault"], "Running") is None


def test_kind_from_type_names_strips_prefixes():
    assert (
        kind_from_type_names(
            ["Selected.Deserialized.Microsoft.Exchange.Data.Directory.SystemConfiguration.AcceptedDomain"]
        )
        is AcceptedDomain
    )
    assert (
        kind_from_type_names(["Microsoft.Graph.PowerShell.Models.MicrosoftGraphDomain"]) is DomainVerification
    )
    assert kind_from_type_names(["System.Management.Automation.PSCustomObject"]) is None
