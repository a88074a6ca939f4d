"""Relays that are not Exchange and application logs: Postfix/sendmail/Exim logs, main.cf, IIS SMTP
settings, app logs. Fixtures in tests/fixtures/relays/ (their README cites the public shapes)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from relaydoctor.engine.errors import EvidenceError
from relaydoctor.engine.evidence.applog import appconfig
from relaydoctor.engine.evidence.applog import reader as applog
from relaydoctor.engine.evidence.base import Document
from relaydoctor.engine.evidence.loader import load_evidence
from relaydoctor.engine.evidence.relaylogs import eximconf, iismetabase, maillog, postfixconf
from relaydoctor.engine.evidence.symptoms.smtp_reply import recognise
from relaydoctor.engine.facts import SmtpClient, Symptom

RELAYS = Path(__file__).resolve().parents[2] / "fixtures" / "relays"


def doc_of(name: str, data: bytes | None = None) -> Document:
    raw = (RELAYS / name).read_bytes() if data is None else data
    return Document(name, len(raw), raw[:65536], lambda: io.BytesIO(raw))


def split(result) -> tuple[list[Symptom], list[SmtpClient]]:
    return (
        [f for f in result.facts if isinstance(f, Symptom)],
        [f for f in result.facts if isinstance(f, SmtpClient)],
    )


# -- Postfix / sendmail / Exim -------------------------------------------------------------------


def test_postfix_bounce_reply_relay_tls_and_null_sender() -> None:
    doc = doc_of("postfix-mail.log")
    assert maillog.sniff(doc)
    (sym,), (client,) = split(maillog.parse(doc))
    assert (sym.code, sym.reply_code, sym.origin, sym.direction) == (
        "5.7.64",
        "550",
        "mail_log",
        "relay_to_exo",
    )
    assert sym.remote_server == "contoso-com.mail.protection.outlook.com"
    assert sym.text.startswith("550 5.7.64 TenantAttribution; Relay Access Denied [AM6EUR05FT012")
    assert sym.provenance.line == 5 and sym.seen_at is None  # syslog time without a year
    assert (client.smart_host, client.port, client.smart_host_kind) == (
        "contoso-com.mail.protection.outlook.com",
        25,
        "eop_tenant",
    )
    assert client.starttls_used is True and client.null_sender is True
    assert (client.mail_from_domain, client.last_status, client.attempts) == ("contoso.com", "5.7.64", 2)
    assert (client.scope, client.scope_id, client.provenance.line) == ("server", "relay01", 4)


def test_postfix_sasl_failures_with_and_without_a_reply_and_years_going_back() -> None:
    result = maillog.parse(doc_of("postfix-sasl.log"))
    (with_reply, dsn_only), (client,) = split(result)
    assert (with_reply.status_code, with_reply.reply_code) == ("5.7.139", "535")
    assert "SmtpClientAuthentication is disabled" in with_reply.tokens
    assert with_reply.direction == "client_submission" and with_reply.seen_at == "2026-11-20T09:12:02Z"
    assert (dsn_only.code, dsn_only.reply_code, dsn_only.transient) == ("4.7.0", None, True)
    assert dsn_only.tokens == ("SASL authentication failed",) and dsn_only.provenance.line == 3
    assert (client.smart_host, client.port, client.smart_host_kind) == (
        "smtp.office365.com",
        587,
        "smtp_client_endpoint",
    )
    assert (
        client.auth_used is True and client.auth_failed is True and client.mail_from_domain == "contoso.com"
    )
    assert any(w.startswith("line 4: timestamps go back from 2026 to 2025") for w in result.warnings)


def test_syslog_without_year_is_a_located_warning_not_a_date() -> None:
    result = maillog.parse(doc_of("postfix-mail.log"))
    assert result.warnings[0].startswith("line 1: syslog timestamps carry no year")


def test_sendmail_and_exim() -> None:
    (sm_sym,), (sm_client,) = split(maillog.parse(doc_of("sendmail.log")))
    assert (sm_sym.code, sm_sym.text, sm_sym.remote_server) == (
        "5.7.64",
        "Service unavailable",
        "contoso-com.mail.protection.outlook.com",
    )
    assert sm_client.software == "sendmail" and sm_client.starttls_used and sm_client.null_sender
    (ex_sym,), (ex_client,) = split(maillog.parse(doc_of("exim-mainlog")))
    assert (ex_sym.reply_code, ex_sym.code, ex_sym.seen_at) == ("550", "5.7.64", "2026-11-20T14:20:02Z")
    assert (
        ex_client.software == "exim"
        and ex_client.starttls_used
        and ex_client.mail_from_domain == "contoso.com"
    )


def test_unexpected_relevant_line_is_a_located_warning() -> None:
    data = (RELAYS / "postfix-mail.log").read_bytes() + b"garbled relay=??? status=weird\n"
    result = maillog.parse(doc_of("x.log", data))
    assert any(w.startswith("line 11: mail log line not understood") for w in result.warnings)


# -- Postfix configuration -----------------------------------------------------------------------


def test_main_cf_relayhost_tls_and_certificate_file_name_only() -> None:
    doc = doc_of("main.cf")
    assert postfixconf.sniff(doc)
    (client,) = postfixconf.parse(doc).facts
    assert (client.smart_host, client.port, client.origin) == (
        "contoso-com.mail.protection.outlook.com",
        25,
        "mta_config",
    )
    assert (client.tls_policy, client.starttls_used, client.auth_used) == ("required", True, False)
    assert client.client_cert_configured is True
    assert client.client_cert_name == "relay01.contoso.com.fullchain.pem"
    assert "/etc/ssl" not in repr(client.values())  # the path is not kept, the file never opened
    assert (client.scope, client.scope_id, client.provenance.line) == ("server", "relay01.contoso.com", 13)


def test_postconf_n_submission_with_sasl() -> None:
    (client,) = postfixconf.parse(doc_of("postconf-n.txt")).facts
    assert (client.smart_host, client.port, client.smart_host_kind) == (
        "smtp.office365.com",
        587,
        "smtp_client_endpoint",
    )
    assert client.auth_used is True and client.tls_policy == "required"
    assert client.client_cert_configured is False  # postconf -n lists every non-default setting


def test_absent_settings_stay_unknown_and_junk_is_located() -> None:
    text = b"myhostname = a.contoso.com\nrelayhost = 10.0.0.5\nsmtp_tls_loglevel = 1\nthis is not a setting\n"
    (client,) = (result := postfixconf.parse(doc_of("main.cf", text))).facts
    assert (client.smart_host, client.smart_host_kind, client.tls_policy) == (
        "10.0.0.5",
        "other",  # a relay on the local network, not an EOP address
        "unknown",
    )
    assert client.client_cert_configured is None and client.auth_used is None
    assert result.warnings == ["line 4: not a 'name = value' setting: this is not a setting"]


def test_main_cf_without_relayhost_or_smtp_settings_is_direct_delivery() -> None:
    """Debian's stock main.cf shape (postconf(5) keys only Postfix has), ``relayhost =`` empty."""
    text = (
        b"# See /usr/share/postfix/main.cf.dist for a commented, more complete version\n"
        b"smtpd_banner = $myhostname ESMTP $mail_name (Debian/GNU)\nbiff = no\n"
        b"append_dot_mydomain = no\nmyhostname = web01.contoso.com\nalias_maps = hash:/etc/aliases\n"
        b"mydestination = $myhostname, localhost.localdomain, localhost\nrelayhost =\n"
        b"mynetworks = 127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128\ninet_interfaces = loopback-only\n"
        b"inet_protocols = all\n"
    )
    doc = doc_of("main.cf", text)
    assert postfixconf.sniff(doc)
    (client,) = (result := postfixconf.parse(doc)).facts
    assert (client.smart_host, client.smart_host_kind, client.direct_delivery) == (None, "none", True)
    assert client.tls_policy == "unknown" and client.auth_used is None  # a main.cf: absent is unknown
    assert "direct delivery" in result.detail and client.provenance.line == 8


def test_main_cf_excerpt_without_relayhost_line_leaves_delivery_unknown() -> None:
    text = b"myhostname = web01.contoso.com\nmydestination = localhost\ninet_interfaces = all\n"
    doc = doc_of("main.cf", text)
    assert postfixconf.sniff(doc)
    (client,) = (result := postfixconf.parse(doc)).facts
    assert client.direct_delivery is None and "unknown" in result.detail
    # postconf -n lists every non-default setting: no relayhost there is the default, empty
    (client,) = postfixconf.parse(doc_of("postconf-n", b"inet_interfaces = all\nmydestination = x\n"
                                          b"myhostname = web01.contoso.com\n")).facts
    assert client.direct_delivery is True
    (client,) = postfixconf.parse(doc_of("main.cf")).facts
    assert client.direct_delivery is False


def test_one_postfix_only_key_is_not_enough_to_call_a_file_postfix() -> None:
    doc = doc_of("app.ini", b"myhostname = web01\nport = 8080\nlog_level = debug\nmydomain = x.com\n")
    assert not postfixconf.sniff(doc)


# -- IIS 6 SMTP ----------------------------------------------------------------------------------


def test_metabase_smart_host_port_tls_and_fqdn() -> None:
    doc = doc_of("MetaBase.xml")
    assert iismetabase.sniff(doc)
    (client,) = iismetabase.parse(doc).facts
    assert (client.smart_host, client.port, client.smart_host_kind) == (
        "mail.global.frontbridge.com",
        25,
        "eop_legacy",
    )
    assert (client.tls_policy, client.starttls_used, client.client_cert_configured) == (
        "required",
        True,
        None,
    )
    assert (client.scope_id, client.provenance.line) == ("smtp-relay.contoso.com", 18)


def test_adsutil_listing() -> None:
    (client,) = iismetabase.parse(doc_of("adsutil-smtpsvc.txt")).facts
    assert (client.smart_host, client.port, client.tls_policy) == (
        "contoso-com.mail.protection.outlook.com",
        25,
        "none",
    )


def test_half_a_metabase_is_read_with_a_located_warning() -> None:
    raw = (RELAYS / "MetaBase.xml").read_bytes()
    cut = raw[: raw.index(b'SmartHostType="2"')]
    result = iismetabase.parse(doc_of("half.xml", cut))
    (client,) = result.facts
    assert client.smart_host == "mail.global.frontbridge.com"
    assert result.warnings == ["line 18: IIsSmtp element cut off; read the attributes it has"]


# -- application logs ----------------------------------------------------------------------------


def test_phpmailer_transcript() -> None:
    doc = doc_of("phpmailer-debug.log")
    assert applog.sniff(doc)
    (sym,), (client,) = split(applog.parse(doc))
    assert (sym.code, sym.reply_code, sym.origin, sym.direction) == (
        "5.7.57",
        "530",
        "app_log",
        "client_submission",
    )
    assert sym.provenance.line == 16 and sym.remote_server == "smtp.office365.com"
    assert (client.software, client.smart_host, client.port) == ("phpmailer", "smtp.office365.com", 587)
    assert client.starttls_used is True and client.auth_used is None
    assert (client.client_ip, client.mail_from_domain, client.last_status) == (
        "198.51.100.23",
        "contoso.com",
        "5.7.57",
    )


def test_laravel_log_lines_starting_with_a_bracket_are_read() -> None:
    doc = doc_of("laravel.log")
    assert applog.sniff(doc)
    result = applog.parse(doc)
    (sym,), clients = split(result)
    assert (sym.code, sym.provenance.line, sym.direction) == ("5.7.64", 2, "relay_to_exo")
    assert sym.text == (
        "550 5.7.64 TenantAttribution; Relay Access Denied [DB5EUR03FT043.eop-EUR03.prod."
        "protection.outlook.com 2026-11-20T11:15:03.318Z 08DE0A1B2C3D4E60]"
    )
    assert clients == []  # nothing names the smart host
    assert result.warnings == [
        "line 7: SMTP failure without a reply code: [2026-11-20 11:15:04] "
        "production.WARNING: Mail to fabrikam.com failed, SMTP error while sending; will retry"
    ]


def test_mailkit_protocol_log() -> None:
    (sym,), (client,) = split(applog.parse(doc_of("mailkit-protocol.log")))
    assert (sym.code, sym.provenance.line, sym.remote_server) == (
        "5.7.64",
        17,
        "contoso-com.mail.protection.outlook.com",
    )
    assert (client.software, client.smart_host_kind, client.client_ip) == (
        "mailkit",
        "eop_tenant",
        "203.0.113.25",
    )
    assert client.starttls_used is True and client.mail_from_domain == "contoso.com"


def test_multi_line_reply_across_log_lines_is_one_symptom() -> None:
    text = (
        "2026-11-20 10:00:00 SERVER -> CLIENT: 220 mx.example.com ESMTP\n"
        "2026-11-20 10:00:01 CLIENT -> SERVER: MAIL FROM:<a@contoso.com>\n"
        "2026-11-20 10:00:01 SERVER -> CLIENT: 530-5.7.0 Must issue a STARTTLS command first. For more\n"
        "2026-11-20 10:00:01 SERVER -> CLIENT: 530 5.7.0 information, see RFC 3207\n"
    )
    (sym,), _ = split(applog.parse(doc_of("x.log", text.encode())))
    assert sym.text == "530 5.7.0 Must issue a STARTTLS command first. For more information, see RFC 3207"
    assert sym.provenance.line == 4


def test_a_reply_left_open_then_another_status_is_that_other_reply() -> None:
    # found by fuzzing: "550-5.7.1 …" followed by "550 5.7.64 …" is no continuation (each has its
    # own status); it raised ValueError in the reader and in watch's follower
    text = (
        "S: 550-5.7.1 part one\n"
        "S: 550 5.7.64 TenantAttribution; Relay Access Denied\n"
        "S: 250 ok\n"
    )
    (sym,), _ = split(applog.parse(doc_of("x.log", text.encode())))
    assert (sym.code, sym.provenance.line) == ("5.7.64", 2)
    assert sym.text == "550 5.7.64 TenantAttribution; Relay Access Denied"


def test_device_log_with_only_a_bare_reply_code_is_a_symptom() -> None:
    # github.com/ECAConcordia/IT/issues/21: a scanner's syslog says only "received error code. [550]"
    text = (
        "#[dcs_nas(27)]16/03/01 20:39:28 SMTPC: received error code. [550] (8000)  ERR:\n"
        "#[dcs_nas(27)]16/03/01 20:39:28 SMTPC: connection closed. (801)  ERR:\n"
        "#[dcs_nas(27)]16/03/01 20:40:12 SMTPC: received error code. [550] (8000)  ERR:\n"
        "#[dcs_nas(27)]16/03/01 20:40:12 SMTPC: connection closed. (801)  ERR:\n"
    )
    doc = doc_of("mfp-syslog.txt", text.encode())
    assert applog.sniff(doc)
    (sym,), _ = split(applog.parse(doc))
    assert (sym.code, sym.reply_code, sym.status_code, sym.provenance.line) == ("550", "550", None, 1)


def test_bare_codes_give_way_to_replies_with_an_enhanced_status() -> None:
    text = (
        "2026-11-20 10:00:00 SMTP reply code: 421 try later\n"
        "2026-11-20 10:00:05 SMTP error: 550 5.7.64 TenantAttribution; Relay Access Denied\n"
        "2026-11-20 10:00:06 SMTP client: connection closed\n"
    )
    (sym,), _ = split(applog.parse(doc_of("app.log", text.encode())))
    assert sym.code == "5.7.64"


@pytest.mark.parametrize(
    ("line", "codes"),
    [
        ("SMTPC: received error code. [550] (8000)", ["550"]),
        ("SMTP reply code: 554 go away", ["554"]),
        ("SMTP Error code=421", ["421"]),
        ("HTTP status code 503 from the web API", []),  # no SMTP on the line: not a mail reply
        ("error code 550 while uploading", []),
    ],
)
def test_reply_code_named_in_words_needs_smtp_on_its_line(line: str, codes: list[str]) -> None:
    assert [r.reply_code for r in recognise(line)] == codes


# -- encodings, sniffing, the loader -------------------------------------------------------------


@pytest.mark.parametrize("name", ["postfix-mail.log", "phpmailer-debug.log", "main.cf", "MetaBase.xml"])
@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "cp1252"])
def test_every_encoding_reads_the_same(tmp_path: Path, name: str, encoding: str) -> None:
    text = (RELAYS / name).read_text(encoding="utf-8").replace("Service ready", "Service prêt")
    plain, other = tmp_path / "a", tmp_path / "b"
    plain.mkdir()
    other.mkdir()
    (plain / name).write_text(text, encoding="utf-8")
    (other / name).write_bytes(text.replace("\n", "\r\n").encode(encoding))
    a, b = load_evidence([str(plain / name)]), load_evidence([str(other / name)])
    assert [f.values() for f in a.facts] == [f.values() for f in b.facts] and a.facts
    assert [f.provenance.line for f in a.facts] == [f.provenance.line for f in b.facts]


UNRELATED = {
    "docker-compose.yml": 'services:\n  web:\n    image: nginx:1.27\n    ports:\n      - "8080:80"\n'
    "  db:\n    image: postgres:16\n    environment:\n      - POSTGRES_PASSWORD=example\n",
    "settings.ini": "[app]\nname = invoices\nworkers = 4\n\n"
    "[logging]\nlevel = INFO\nfile = /var/log/app.log\n",
    "ticket-4711.txt": "Customer says scans stopped arriving on Monday.\nPrinter is on the 2nd floor.\n"
    "They renewed something last week, not sure what.\n",
}


@pytest.mark.parametrize("name", sorted(UNRELATED))
def test_unrelated_files_are_not_claimed(name: str) -> None:
    doc = doc_of(name, UNRELATED[name].encode())
    assert not any(m.sniff(doc) for m in (applog, appconfig, maillog, postfixconf, iismetabase, eximconf))


def test_empty_log_is_an_error_naming_the_file() -> None:
    with pytest.raises(EvidenceError, match="empty"):
        maillog.parse(doc_of("empty.log", b""))


def test_postconf_n_absent_settings_are_defaults_but_main_cf_ones_are_unknown() -> None:
    listing = (
        b"alias_maps = hash:/etc/aliases\nmyhostname = r.contoso.com\n"
        b"relayhost = [x.mail.protection.outlook.com]\n"
    )
    (client,) = (result := postfixconf.parse(doc_of("postconf.txt", listing))).facts
    assert (client.tls_policy, client.starttls_used, client.client_cert_configured, client.auth_used) == (
        "none",
        False,
        False,
        False,
    )
    assert result.detail.startswith("postconf -n")
    with_comment = b"# relay\n" + listing
    (client,) = postfixconf.parse(doc_of("main.cf", with_comment)).facts
    assert (client.tls_policy, client.starttls_used, client.client_cert_configured, client.auth_used) == (
        "unknown",
        None,
        None,
        None,
    )


LARAVEL_LINE = (
    '[2020-07-25 08:44:50] local.ERROR: Expected response code 250 but got code "550", with message '
    '"550 5.7.1 Relaying denied'  # https://github.com/overtrue/laravel-mail-aliyun/issues/13
)


def test_a_bracketed_log_line_is_not_taken_for_json(tmp_path: Path) -> None:
    path = tmp_path / "error.txt"
    path.write_text(LARAVEL_LINE + "\n", encoding="utf-8")
    ev = load_evidence([str(path)])
    (sym,) = ev.facts
    assert (sym.code, sym.text, ev.sources[0].kind) == ("5.7.1", "550 5.7.1 Relaying denied", "text")
    pasted = load_evidence([], extra_texts=[("--ndr", LARAVEL_LINE)])
    assert [f.code for f in pasted.facts] == ["5.7.1"]
    json_array = tmp_path / "a.json"
    json_array.write_text('[{"Name": "x"}]', encoding="utf-8")
    sources = {Path(s.source).name: s for s in load_evidence([str(tmp_path)]).sources}
    assert sources["a.json"].skipped_reason == "JSON that is not recognised cmdlet output"


def test_nodemailer_connection_to_a_resolved_ip_keeps_the_host_name() -> None:
    # nodemailer's logger: "Resolved <host> as <ip> [cache miss]", then
    # "Connection established to <ip>:<port>"
    text = (
        "[2026-11-20 10:00:00] DEBUG [Xy12Ab] Resolved smtp.office365.com as 52.98.16.2 [cache miss]\n"
        "[2026-11-20 10:00:00] INFO  [Xy12Ab] Connection established to 52.98.16.2:587\n"
        "[2026-11-20 10:00:00] DEBUG [Xy12Ab] S: 220 AM0PR04CA0003.outlook.office365.com ESMTP\n"
        "[2026-11-20 10:00:01] DEBUG [Xy12Ab] C: STARTTLS\n"
        "[2026-11-20 10:00:01] DEBUG [Xy12Ab] C: AUTH LOGIN\n"
        "[2026-11-20 10:00:01] DEBUG [Xy12Ab] S: 535 5.7.139 Authentication unsuccessful, basic "
        "authentication is disabled. [PN0PR01CA0024.INDPRD01.PROD.OUTLOOK.COM 2025-01-26T18:54:30.055Z "
        "08DD3DD7D75D7743]\n"
    )
    (sym,), (client,) = split(applog.parse(doc_of("node.log", text.encode())))
    assert (client.smart_host, client.port, client.smart_host_kind) == (
        "smtp.office365.com",
        587,
        "smtp_client_endpoint",
    )
    assert client.auth_used is True and client.auth_failed is True and client.starttls_used is True
    assert (sym.status_code, sym.direction) == ("5.7.139", "client_submission")


# -- application mail settings -------------------------------------------------------------------


def test_web_config_mail_settings_without_keeping_credentials() -> None:
    doc = doc_of("web.config")
    assert appconfig.sniff(doc)
    (client,) = appconfig.parse(doc).facts
    assert (client.software, client.origin, client.smart_host, client.port) == (
        "dotnet",
        "app_config",
        "smtp.office365.com",
        587,
    )
    assert (client.smart_host_kind, client.starttls_used, client.auth_used) == (
        "smtp_client_endpoint",
        True,
        True,
    )
    assert client.mail_from_domain == "contoso.com" and client.provenance.line == 9
    assert "not-read" not in repr(client.values()) and "invoices@" not in repr(client.values())


def test_env_and_compose_mail_settings() -> None:
    (env,) = appconfig.parse(doc_of("laravel.env")).facts
    assert (env.software, env.smart_host_kind, env.port, env.starttls_used, env.auth_used) == (
        "laravel",
        "eop_tenant",
        25,
        True,
        False,
    )
    assert env.mail_from_domain == "contoso.com"
    (compose,) = appconfig.parse(doc_of("docker-compose.yml")).facts
    assert (compose.smart_host, compose.smart_host_kind, compose.starttls_used) == (
        "203.0.113.40",
        "ip_literal",
        False,
    )
    lan = (RELAYS / "docker-compose.yml").read_text().replace("203.0.113.40", "10.20.0.25")
    (relay,) = appconfig.parse(doc_of("c.yml", lan.encode())).facts
    assert relay.smart_host_kind == "other"  # a relay on the local network is not an EOP address


def test_mail_settings_mentioned_in_prose_are_not_claimed() -> None:
    prose = b"Set MAIL_HOST in .env and check <mailSettings> in web.config.\nThen restart.\n"
    assert not appconfig.sniff(doc_of("notes.md", prose))
    assert not appconfig.sniff(doc_of("docker-compose.yml", UNRELATED["docker-compose.yml"].encode()))


@pytest.mark.parametrize(
    "line",
    [
        "SMTP server error: " + "Detail: x " * 3000,  # PHPMailer markers without the code
        "S: " + "'550 a" * 3000,  # thousands of quoted replies
        "x " + "550-" * 4000,  # continuations that never end
    ],
)
def test_hostile_lines_are_read_in_bounded_work(line: str) -> None:
    # bounded by construction (markers found with str.find, at most 32 replies and 2 KiB per reply);
    # the assertion is on the result, not on time
    result = applog.parse(doc_of("evil.log", ((line + "\n") * 3).encode()))
    assert all(len(f.text) <= 500 for f in result.facts if isinstance(f, Symptom))
    assert len(recognise(line)) <= 32


def test_wmi_listing_of_the_smtp_virtual_server() -> None:
    # Get-WmiObject -Namespace root\MicrosoftIISv2 -Class IIsSmtpServerSetting | Format-List
    listing = (
        "__CLASS                  : IIsSmtpServerSetting\r\n"
        "Name                     : SmtpSvc/1\r\n"
        "FullyQualifiedDomainName : app01.corp.contoso.com\r\n"
        "SmartHost                : 52.101.68.24\r\n"
        "SmartHostType            : 2\r\n"
        "RemoteSmtpPort           : 25\r\n"
        "AlwaysUseSsl             : False\r\n"
    ).encode("utf-16")
    doc = doc_of("smtpsvc.txt", listing)
    assert iismetabase.sniff(doc)
    (client,) = iismetabase.parse(doc).facts
    assert (client.smart_host, client.smart_host_kind, client.tls_policy, client.scope_id) == (
        "52.101.68.24",
        "ip_literal",
        "none",
        "app01.corp.contoso.com",
    )


def test_dotnet_failed_recipient_and_javamail_shapes_in_an_app_log() -> None:
    # shapes of .NET SmtpFailedRecipientException ("Mailbox unavailable. The server response was: …",
    # https://github.com/andrewdavey/postal/issues/127) and JavaMail SMTPSendFailedException
    # (https://github.com/IQSS/dataverse/issues/4535), here with a 5.7.64 reply
    text = (
        "2026-11-20 12:00:00 ERROR Mailer - send failed\n"
        "System.Net.Mail.SmtpFailedRecipientException: Mailbox unavailable. The server response was: 5.7.64 "
        "TenantAttribution; Relay Access Denied [AM6EUR05FT012.eop-eur05.prod.protection.outlook.com]\n"
        "   at System.Net.Mail.SmtpTransport.SendMail(MailAddress sender, MailAddressCollection recipients)\n"
        "2026-11-20 12:00:05 ERROR Mailer - com.sun.mail.smtp.SMTPSendFailedException: 550 5.7.64 "
        "TenantAttribution; Relay Access Denied ATTR36\n"
    )
    (dotnet, java), _ = split(applog.parse(doc_of("x.log", text.encode())))
    assert (dotnet.reply_code, dotnet.status_code, dotnet.provenance.line) == (None, "5.7.64", 2)
    assert dotnet.host == "am6eur05ft012.eop-eur05.prod.protection.outlook.com"
    assert (java.reply_code, java.attr, java.provenance.line) == ("550", "ATTR36", 4)


def test_a_plugin_debug_report_around_an_smtp_dialogue_is_read() -> None:
    """WP Mail SMTP's test-e-mail report: key: value sections wrapped around PHPMailer's dialogue."""
    head = "".join(f"Setting{i}: value {i}\n" for i in range(30))
    dialogue = (
        "2024-01-16 09:12:01 SERVER -> CLIENT: 220 AM0PR10CA0021.outlook.office365.com Microsoft ESMTP "
        "MAIL Service ready\n"
        "2024-01-16 09:12:01 CLIENT -> SERVER: STARTTLS\n"
        "2024-01-16 09:12:01 CLIENT -> SERVER: AUTH LOGIN\n"
        "2024-01-16 09:12:06 SERVER -> CLIENT: 535 5.7.139 Authentication unsuccessful, user is locked "
        "by your organization's security defaults policy. Contact your administrator.\n"
    )
    doc = doc_of("wp-mail-smtp-debug.txt", (head + dialogue).encode())
    assert applog.sniff(doc)
    (sym,), _ = split(applog.parse(doc))
    assert (sym.code, sym.reply_code, sym.provenance.line) == ("5.7.139", "535", 34)
    # key: value settings alone, or a dialogue with no refusal, are not claimed
    assert not applog.sniff(doc_of("settings.txt", head.encode()))
    quiet = head + dialogue.rsplit("2024-01-16 09:12:06", 1)[0]
    assert not applog.sniff(doc_of("quiet.txt", quiet.encode()))


def test_postfix_smtp_debug_ehlo_reply_gives_the_egress_the_smart_host_saw() -> None:
    """With debug_peer_list, Postfix logs the smart host's EHLO reply: its [ip] is the relay's egress."""
    text = (
        "Mar  4 08:12:02 relay01 postfix/smtp[20311]: < contoso-com.mail.protection.outlook.com"
        "[52.101.194.3]:25: 250-BN8NAM11FT062.mail.protection.outlook.com Hello [198.51.100.7]\n"
        "Mar  4 08:12:03 relay01 postfix/smtp[20311]: 3F2A11C0042: to=<a@fabrikam.com>, "
        "relay=contoso-com.mail.protection.outlook.com[52.101.194.3]:25, delay=1.4, dsn=5.7.64, "
        "status=bounced (host contoso-com.mail.protection.outlook.com[52.101.194.3] said: 550 5.7.64 "
        "TenantAttribution; Relay Access Denied [BN8NAM11FT062.eop-nam11.prod.protection.outlook.com] "
        "(in reply to RCPT TO command))\n"
    )
    (sym,), (client,) = split(maillog.parse(doc_of("maillog", text.encode())))
    assert sym.code == "5.7.64"
    assert (client.smart_host, client.port, client.client_ip, client.last_status) == (
        "contoso-com.mail.protection.outlook.com", 25, "198.51.100.7", "5.7.64")


def test_swiftmailer_transcript_names_the_server_by_its_greeting_and_keeps_a_single_label_sender() -> None:
    """ictfax #76: the log never names the smart host, but the greeting does; MAIL FROM @localhost is
    a domain (never accepted), and '451 5.7.3 STARTTLS is required' is no sign-in failure."""
    text = (
        "[2022-10-24 09:36:01] [3025] [DEBUG] << 220 ME3AUS01FT005.mail.protection.outlook.com Microsoft "
        "ESMTP MAIL Service ready\n"
        "[2022-10-24 09:36:01] [3025] [DEBUG] >> EHLO fax01.contoso.com.au\n"
        "[2022-10-24 09:36:01] [3025] [DEBUG] >> MAIL FROM:<61299990000@localhost>\n"
        "[2022-10-24 09:36:02] [3025] [ERROR] Expected response code 250 but got code \"550\", with message "
        "\"550 5.7.64 TenantAttribution; Relay Access Denied "
        "[ME3AUS01FT005.eop-AUS01.prod.protection.outlook.com]\n"
        "[2022-10-24 07:03:06] [2190] [ERROR] Expected response code 250 but got code \"451\", with message "
        "\"451 5.7.3 STARTTLS is required to send mail [SYXPR01CA0082.ausprd01.prod.outlook.com]\n"
    )
    doc = doc_of("ictcore.log", text.encode())
    assert applog.sniff(doc)
    symptoms, (client,) = split(applog.parse(doc))
    assert {s.code for s in symptoms} == {"5.7.64", "5.7.3"}
    assert (client.smart_host, client.smart_host_kind, client.mail_from_domain) == (
        "me3aus01ft005.mail.protection.outlook.com", "eop_tenant", "localhost")
    assert client.auth_failed is None


EXIM_SMARTHOST = (
    "smarthost:\n  driver = manualroute\n  domains = ! +local_domains\n  transport = remote_smtp_smarthost\n"
    "  route_list = * contoso-com.mail.protection.outlook.com::25 byname\n  no_more\n\n"
    "remote_smtp_smarthost:\n  driver = smtp\n  hosts_require_tls = *\n{cert}"
)


def test_exim_smarthost_router_and_transport() -> None:
    """The router names the smart host; its transport decides TLS and the client certificate (name only)."""
    text = EXIM_SMARTHOST.format(cert="  tls_certificate = /etc/exim4/private/relay.contoso.com.crt\n")
    doc = doc_of("exim4.conf", text.encode())
    assert eximconf.sniff(doc)
    (client,) = eximconf.parse(doc).facts
    assert (client.software, client.origin, client.smart_host, client.port, client.smart_host_kind) == (
        "exim", "mta_config", "contoso-com.mail.protection.outlook.com", 25, "eop_tenant")
    assert (client.tls_policy, client.client_cert_configured, client.client_cert_name) == (
        "required", True, "relay.contoso.com.crt")


def test_exim_transport_without_tls_certificate_presents_none() -> None:
    """A commented-out tls_certificate is no certificate: the smtp transport's default is none."""
    text = EXIM_SMARTHOST.format(cert="  # tls_certificate = /etc/exim4/relay.crt\n")
    (client,) = eximconf.parse(doc_of("exim4.conf", text.encode())).facts
    assert client.client_cert_configured is False and client.client_cert_name is None
    with pytest.raises(EvidenceError, match="no Exim"):
        eximconf.parse(doc_of("x.conf", b"begin acl\nacl_check_rcpt:\n  accept hosts = :\n"))
