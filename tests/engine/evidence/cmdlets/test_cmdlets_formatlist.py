"""Format-List edge cases the samples do not cover: truncation, console pastes, wraps."""

from __future__ import annotations

import pytest
from cmdletkit import by_name, doc_from_text, parse_with
from relaydoctor.engine.errors import EvidenceError
from relaydoctor.engine.evidence.cmdlets import formatlist
from relaydoctor.engine.evidence.cmdlets.textlines import split_lines

TRUNCATED = (
    "\r\n\r\n"
    "Name                     : Contoso relay\r\n"
    "Enabled                  : True\r\n"
    "ConnectorType            : OnPremises\r\n"
    "SenderIPAddresses        : {203.0.113.25, 203.0.113.26, 203.0.113.27, 203.0.113.28...}\r\n"
    "TlsSenderCertificateName : \r\n"
    "RequireTls               : False\r\n"
    "\r\n\r\n"
)


def test_truncated_collection_marks_the_fact_incomplete_and_warns_with_the_line():
    doc = doc_from_text(TRUNCATED, "in.fl.txt", "utf-16")
    result = parse_with(formatlist, doc)
    (conn,) = result.facts
    assert conn.sender_ip_addresses == ("203.0.113.25", "203.0.113.26", "203.0.113.27", "203.0.113.28")
    assert conn.incomplete is True
    assert conn.tls_sender_certificate_name is None
    assert conn.auth == "ip"
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith("in.fl.txt:6: SenderIPAddresses is incomplete")


def test_powershell7_ellipsis_and_ansi_coloured_labels():
    text = (
        "\x1b[32;1mName                     : \x1b[0mContoso relay\n"
        "\x1b[32;1mConnectorType            : \x1b[0mOnPremises\n"
        "\x1b[32;1mSenderIPAddresses        : \x1b[0m"
        "{198.51.100.1, 198.51.100.2, 198.51.100.3, 198.51.100.4…}\n"
        "\x1b[32;1mTlsSenderCertificateName : \x1b[0mMail.Contoso.COM\n"
    )
    result = parse_with(formatlist, doc_from_text(text))
    (conn,) = result.facts
    assert conn.incomplete is True
    assert conn.sender_ip_addresses[-1] == "198.51.100.4"
    assert conn.tls_sender_certificate_name == "mail.contoso.com"  # lower case
    assert conn.auth == "both"


def test_a_complete_collection_is_not_incomplete():
    text = TRUNCATED.replace(", 203.0.113.28...}", "}")
    (conn,) = parse_with(formatlist, doc_from_text(text)).facts
    assert conn.incomplete is False
    assert conn.sender_ip_addresses == ("203.0.113.25", "203.0.113.26", "203.0.113.27")


# A console paste (trailing blanks trimmed), 91 columns wide: the TlsCertificateName wrap lost
# its blank, the Comment holds a real line break, and prompt lines frame the output.
PASTED = """PS C:\\Users\\adm-jsmith> Get-SendConnector | fl Name,Comment,TlsCertificateName,SmartHosts

Name               : Outbound to Office 365
Comment            : first line
                     second line
TlsCertificateName : <I>CN=Tailspin Trust RSA TLS CA G2, O="Tailspin Trust Services, Inc.",
                     L=Redmond, S=Washington, C=US<S>CN=mail.contoso.com
AddressSpaces      : {SMTP:*;1}
SmartHosts         : {[192.0.2.10]}

PS C:\\Users\\adm-jsmith>
"""


def test_console_paste_with_prompts_trimmed_wraps_and_embedded_line_breaks():
    lines = split_lines(PASTED)
    (obj,) = formatlist.parse_lines(lines)
    assert obj.get("Comment").value == "first line\nsecond line"
    assert obj.get("TlsCertificateName").value == (
        '<I>CN=Tailspin Trust RSA TLS CA G2, O="Tailspin Trust Services, Inc.", '
        "L=Redmond, S=Washington, C=US<S>CN=mail.contoso.com"
    )
    (sc,) = parse_with(formatlist, doc_from_text(PASTED)).facts
    assert sc.tls_certificate_name_form == "issuer_subject"
    assert sc.tls_cert_cn == "mail.contoso.com"
    assert sc.smart_host_kind == "ip_literal"
    assert sc.routes_to_eop is False
    assert sc.provenance.line == 3


def test_exchange_management_shell_prompt_and_warning_noise_are_ignored():
    text = (
        "[PS] C:\\Windows\\system32>Get-AcceptedDomain contoso.com | fl\n"
        "WARNING: The object has been corrupted or isn't compatible with the current version.\n"
        "\n"
        "DomainName : contoso.com\n"
        "DomainType : Authoritative\n"
        "Default    : True\n"
        "Name       : Contoso\n"
        "\n"
        "[PS] C:\\Windows\\system32>\n"
    )
    (dom,) = parse_with(formatlist, doc_from_text(text)).facts
    assert (dom.domain, dom.domain_type, dom.default, dom.name) == (
        "contoso.com",
        "Authoritative",
        True,
        "Contoso",
    )
    assert dom.provenance.line == 4


@pytest.mark.parametrize("trimmed", [False, True])
def test_a_word_longer_than_the_field_is_cut_mid_word_at_full_width(trimmed: bool):
    width = 80
    head = "DistinguishedName : "
    dn = (
        "CN=Outbound to Office 365,CN=Connections,CN=Exchange-Routing-Group-DWBGZMFD01QNBJR,CN=Routing-Groups"
    )
    cut = dn.index("CN=Connections") + (width - len(head) - dn.index("CN=Connections"))
    first, rest = head + dn[:cut], " " * len(head) + dn[cut:]
    assert len(first) == width and not first.endswith(" ")
    name = "Name              : Outbound to Office 365" + ("" if trimmed else " ")
    text = "\n".join([name, "AddressSpaces     : {SMTP:*;1}", first, rest, ""])
    (obj,) = formatlist.parse_lines(split_lines(text))
    assert obj.get("DistinguishedName").value == dn


def test_a_full_width_wrap_whose_blank_was_trimmed_gets_its_blank_back():
    head = "TlsCertificateName : "
    first = head + "<I>CN=Tailspin Trust RSA TLS CA G2, O=Tailspin, L=Redmond, S=Washington, C=US<S>CN=mail"
    text = "\n".join(
        ["Name               : Outbound", "AddressSpaces      : {SMTP:*;1}", first, " " * len(head) + "x", ""]
    )
    (obj,) = formatlist.parse_lines(split_lines(text))
    assert obj.get("TlsCertificateName").value.endswith("<S>CN=mail x")


def test_blank_line_inside_a_value_keeps_the_value_together():
    text = (
        "Name                     : A\n"
        "Comment                  : para one\n"
        "\n"
        "                           para two\n"
        "TlsSenderCertificateName : a.contoso.com\n"
        "\n"
        "Name                     : B\n"
        "TlsSenderCertificateName : b.contoso.com\n"
    )
    objs = formatlist.parse_lines(split_lines(text))
    assert [o.get("Name").value for o in objs] == ["A", "B"]
    assert objs[0].get("Comment").value == "para one\n\npara two"
    facts = parse_with(formatlist, doc_from_text(text)).facts
    assert by_name(facts, "B").tls_sender_certificate_name == "b.contoso.com"


def test_unrecognised_objects_are_ignored_and_counted():
    text = (
        "Name                     : Contoso relay\n"
        "TlsSenderCertificateName : mail.contoso.com\n"
        "\n"
        "Identity     : EXCH01\\Submission\n"
        "MessageCount : 3\n"
        "Status       : Ready\n"
        "DeliveryType : SmtpRelayToTiRg\n"
    )
    result = parse_with(formatlist, doc_from_text(text))
    assert [f.KIND for f in result.facts] == ["inbound_connector"]
    assert "1 of an unrecognised kind ignored" in result.detail


def test_text_that_is_not_a_list_is_not_sniffed_and_cannot_be_parsed():
    doc = doc_from_text("From: a@contoso.com\nSubject: hello\n\nJust a note.\n")
    assert formatlist.sniff(doc) is False
    with pytest.raises(EvidenceError):
        formatlist.parse(doc)


def test_a_list_of_an_unknown_cmdlet_is_not_sniffed():
    text = "Identity     : EXCH01\\Submission\nDeliveryType : SmtpRelayToTiRg\nStatus       : Ready\n"
    assert formatlist.sniff(doc_from_text(text)) is False


def test_transport_service_and_receive_connector_lists():
    text = (
        "Name                    : EXCH01\n"
        "AdminDisplayVersion     : Version 15.2 (Build 1544.4)\n"
        "SendProtocolLogPath     : C:\\Program Files\\Microsoft\\Exchange Server\\V15\\TransportRoles\\Logs"
        "\\Hub\\ProtocolLog\\SmtpSend\n"
        "ReceiveProtocolLogPath  : C:\\Logs\\SmtpReceive\n"
        "\n"
        "Name             : Default Frontend EXCH01\n"
        "Enabled          : True\n"
        "Bindings         : {[::]:25, 0.0.0.0:25}\n"
        "RemoteIPRanges   : {::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff, 0.0.0.0-255.255.255.255}\n"
        "PermissionGroups : AnonymousUsers, ExchangeServers, ExchangeLegacyServers\n"
        "AuthMechanism    : Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer\n"
        "TransportRole    : FrontendTransport\n"
    )
    ts, rc = parse_with(formatlist, doc_from_text(text)).facts
    assert ts.KIND == "transport_service"
    assert ts.send_protocol_log_path.endswith("\\ProtocolLog\\SmtpSend")
    assert ts.admin_display_version == "Version 15.2 (Build 1544.4)"
    assert rc.KIND == "receive_connector"
    assert rc.bindings == ("[::]:25", "0.0.0.0:25")
    assert rc.permission_groups == ("AnonymousUsers", "ExchangeServers", "ExchangeLegacyServers")
    assert rc.auth_mechanism[0] == "Tls"
    assert rc.transport_role == "FrontendTransport"


# Get-ReceiveConnector "Default Frontend EXCH01" | Format-List (property names as Microsoft Learn's
# Get-ReceiveConnector / Set-ReceiveConnector pages give them; values fictional)
RECEIVE = (
    "\r\n"
    "RunspaceId               : 5d1c2a3b-0000-4000-8000-000000000001\r\n"
    "AuthMechanism            : Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer\r\n"
    "Bindings                 : {[::]:25, 0.0.0.0:25}\r\n"
    "Enabled                  : True\r\n"
    "Fqdn                     : Mail.Contoso.com\r\n"
    "PermissionGroups         : AnonymousUsers, ExchangeServers, ExchangeLegacyServers\r\n"
    "RemoteIPRanges           : {::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff, "
    "0.0.0.0-255.255.255.255}\r\n"
    "TlsCertificateName       : <I>CN=Tailspin Trust RSA TLS CA G2, O=Tailspin Trust"
    "<S>CN=mail.contoso.com\r\n"
    "TransportRole            : FrontendTransport\r\n"
    "Server                   : EXCH01\r\n"
    "Name                     : Default Frontend EXCH01\r\n"
    "Identity                 : EXCH01\\Default Frontend EXCH01\r\n"
    "\r\n"
)


def test_receive_connector_keeps_its_tls_certificate_name_fqdn_and_auth():
    result = parse_with(formatlist, doc_from_text(RECEIVE, "Get-ReceiveConnector.fl.txt", "utf-16"))
    (conn,) = result.facts
    assert conn.KIND == "receive_connector"
    issuer_subject = "<I>CN=Tailspin Trust RSA TLS CA G2, O=Tailspin Trust<S>CN=mail.contoso.com"
    assert conn.tls_certificate_name == issuer_subject
    assert conn.fqdn == "mail.contoso.com"
    assert "Tls" in conn.auth_mechanism and "ExchangeServer" in conn.auth_mechanism
    assert (conn.scope, conn.scope_id) == ("server", "EXCH01")  # a receive connector is one server's
