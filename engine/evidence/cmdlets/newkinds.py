"""Facts for the cmdlets read since issue 9: Get-TransportConfig, Get-OrganizationConfig,
Get-CASMailbox, Get-ExchangeServer, Get-RemoteDomain, Entra sign-ins (Get-MgAuditLogSignIn and
the portal's JSON) and Get-WinEvent objects.

Scope is told, never guessed: the collector stamps each object it exports with
``RelaydoctorScope`` / ``RelaydoctorScopeId`` (it knows which session ran the cmdlet); otherwise a
property that exists only in one product decides — Microsoft Learn marks each parameter
"available only in the cloud-based service" or "only in on-premises Exchange":
- Set-TransportConfig ``SmtpClientAuthenticationDisabled``, ``AllowLegacyTLSClients``: cloud only;
- Set-OrganizationConfig ``RejectDirectSend``: cloud only (office-docs-powershell PR #13210);
  ``MitigationsEnabled`` (Exchange Emergency Mitigation service): on-premises only;
- Set-CASMailbox ``SmtpClientAuthenticationDisabled``: cloud only;
- Get-ExchangeServer describes one on-premises server; sign-ins belong to the Entra tenant;
  an event log to the computer that wrote it.
Anything else is ``unknown``: a Select-Object subset may have dropped the telling property.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from ... import lazyre
from ...facts import (
    SCOPES,
    CasMailbox,
    ExchangeServer,
    Fact,
    OrganizationConfig,
    Provenance,
    RemoteDomain,
    SignIn,
    TransportConfig,
    WindowsEvent,
)
from . import values as v
from .normalise import lower, lower_all

if TYPE_CHECKING:
    from .objects import _Reader

_VERSION = lazyre.compile(r"Version\s+(\d+)\.(\d+)\s*\(Build\s+(\d+)\.(\d+)\)", re.I)
_DOTTED = lazyre.compile(r"^\s*(\d+)\.(\d+)\.(\d+)(?:\.(\d+))?\s*$")
SE_FIRST_BUILD = 2562  # Exchange Server SE RTM is 15.2.2562.17 (Exchange Server build numbers, Learn)
# End of support of each product line (Microsoft Lifecycle): 2007 2017-04-11, 2010 2020-10-13,
# 2013 2023-04-11, 2016 and 2019 2025-10-14. All are before this pack's release, so the lines
# are out of support; SE is the supported line (its CU/SU level is not judged here).
OUT_OF_SUPPORT = frozenset({"2007", "2010", "2013", "2016", "2019"})


def told_scope(r: _Reader, shape: str, shape_id: str = "") -> tuple[str, str]:
    """The collector's stamp when present (and valid), else what the shape tells."""
    stamped = (r.text("RelaydoctorScope") or "").strip().lower()
    if stamped in SCOPES:
        return stamped, (r.text("RelaydoctorScopeId") or "").strip()
    if stamped:
        r.warn(r.p("RelaydoctorScope"), f"unknown RelaydoctorScope {stamped!r}; ignored")
    return shape, shape_id


def _transport_config(r: _Reader) -> Fact | None:
    cloud = r.p("SmtpClientAuthenticationDisabled") is not None or r.p("AllowLegacyTLSClients") is not None
    scope, scope_id = told_scope(r, "tenant" if cloud else "unknown")
    return TransportConfig(
        provenance=r.provenance("SmtpClientAuthenticationDisabled", "Identity", "InternalSMTPServers"),
        smtp_client_authentication_disabled=r.bool("SmtpClientAuthenticationDisabled"),
        allow_legacy_tls_clients=r.bool("AllowLegacyTLSClients"),
        internal_smtp_servers=tuple(x.strip() for x in r.list("InternalSMTPServers")),
        tls_receive_domain_secure_list=lower_all(r.list("TLSReceiveDomainSecureList")),
        scope=scope,
        scope_id=scope_id,
    )


def _organization_config(r: _Reader) -> Fact | None:
    name = r.text("Name") or r.text("Identity")
    if r.p("RejectDirectSend") is not None:
        shape = "tenant"
    elif r.p("MitigationsEnabled") is not None:
        shape = "onprem_org"
    else:
        shape = "unknown"
    scope, scope_id = told_scope(r, shape, name or "" if shape != "unknown" else "")
    return OrganizationConfig(
        provenance=r.provenance("RejectDirectSend", "Name", "Identity"),
        name=name,
        reject_direct_send=r.bool("RejectDirectSend"),
        scope=scope,
        scope_id=scope_id,
    )


def _cas_mailbox(r: _Reader) -> Fact | None:
    name = r.text("Name") or r.text("Identity") or r.text("PrimarySmtpAddress")
    if not name:
        r.warn(None, "a CAS mailbox without Name/Identity was skipped")
        return None
    cloud = r.p("SmtpClientAuthenticationDisabled") is not None
    scope, scope_id = told_scope(r, "tenant" if cloud else "unknown")
    return CasMailbox(
        provenance=r.provenance("SmtpClientAuthenticationDisabled", "Name", "Identity"),
        name=name,
        primary_smtp_address=lower(r.text("PrimarySmtpAddress")),
        smtp_client_authentication_disabled=r.bool("SmtpClientAuthenticationDisabled"),
        scope=scope,
        scope_id=scope_id,
    )


def exchange_build(text: str | None) -> tuple[str | None, str, str]:
    """``Version 15.2 (Build 1544.4)`` or ``15.2.1544.4`` → (build, product, support)."""
    if not text:
        return None, "unknown", "unknown"
    m = _VERSION.search(text) or _DOTTED.match(text)
    if not m:
        return None, "unknown", "unknown"
    major, minor, build = int(m.group(1)), int(m.group(2)), int(m.group(3))
    rev = int(m.group(4) or 0)
    if major == 8:
        product = "2007"
    elif major == 14:
        product = "2010"
    elif (major, minor) == (15, 0):
        product = "2013"
    elif (major, minor) == (15, 1):
        product = "2016"
    elif (major, minor) == (15, 2):
        product = "se" if build >= SE_FIRST_BUILD else "2019"
    else:
        product = "unknown"
    support = "out_of_support" if product in OUT_OF_SUPPORT else "supported" if product == "se" else "unknown"
    return f"{major}.{minor}.{build}.{rev}", product, support


def _exchange_server(r: _Reader) -> Fact | None:
    name = r.text("Name") or r.text("Identity")
    if not name:
        r.warn(None, "an Exchange server without Name was skipped")
        return None
    shown = r.text("AdminDisplayVersion")
    build, product, support = exchange_build(shown)
    if shown and build is None:
        r.warn(r.p("AdminDisplayVersion"), f"AdminDisplayVersion {shown!r} is not a version it reads")
    scope, scope_id = told_scope(r, "server", name)
    roles = r.list("ServerRole") or tuple(
        x.strip() for x in (r.text("ServerRole") or "").split(",") if x.strip()
    )
    return ExchangeServer(
        provenance=r.provenance("AdminDisplayVersion", "Name"),
        name=name,
        fqdn=lower(r.text("Fqdn")),
        admin_display_version=shown,
        build=build,
        product=product,
        support=support,
        roles=tuple(roles),
        scope=scope,
        scope_id=scope_id,
    )


def _remote_domain(r: _Reader) -> Fact | None:
    name = r.text("Name") or r.text("Identity")
    if not name:
        r.warn(None, "a remote domain without Name was skipped")
        return None
    scope, scope_id = told_scope(r, "unknown")
    return RemoteDomain(
        provenance=r.provenance("DomainName", "Name"),
        name=name,
        domain=lower(r.text("DomainName")),
        auto_forward_enabled=r.bool("AutoForwardEnabled"),
        ndr_enabled=r.bool("NDREnabled"),
        scope=scope,
        scope_id=scope_id,
    )


_CA = {"success": "success", "failure": "failure", "notapplied": "not_applied", "not applied": "not_applied"}
SMTP_CLIENT_APP = "authenticated smtp"


def _nested(r: _Reader, outer: str, inner: str) -> str | None:
    prop = r.p(outer)
    if prop is not None and isinstance(prop.value, dict):
        for key, value in prop.value.items():
            if key.lower() == inner.lower() and value is not None and not isinstance(value, dict | tuple):
                return str(value).strip() or None
    return None


def _signin(r: _Reader) -> Fact | None:
    code_text = _nested(r, "Status", "ErrorCode") or r.text("ErrorCode") or r.text("Sign-in error code")
    code = int(code_text) if code_text and code_text.strip().lstrip("-").isdigit() else None
    status_prop = r.p("Status")
    nested = status_prop is not None and isinstance(status_prop.value, dict)
    status_text = None if nested else r.text("Status")
    if status_text:
        status = {"success": "success", "failure": "failure", "interrupted": "interrupted"}.get(
            status_text.strip().lower(), "unknown"
        )
    elif code is not None:
        status = "success" if code == 0 else "failure"
    else:
        status = "unknown"
    client_app = r.text("ClientAppUsed") or r.text("Client app")
    ca = (r.text("ConditionalAccessStatus") or r.text("Conditional Access") or "").strip().lower()
    tenant = r.text("HomeTenantId") or r.text("Home tenant ID") or r.text("ResourceTenantId") or ""
    scope, scope_id = told_scope(r, "tenant", tenant)
    moment = r.p("CreatedDateTime") or r.p("Date (UTC)")
    when = v.timestamp(moment, utc_hint=True) if moment is not None else None
    return SignIn(
        provenance=r.provenance("ClientAppUsed", "Client app", "UserPrincipalName", "CreatedDateTime"),
        time=when,
        user=lower(r.text("UserPrincipalName") or r.text("Username")),
        app=r.text("AppDisplayName") or r.text("Application"),
        client_app=client_app,
        smtp_auth=(client_app or "").strip().lower() == SMTP_CLIENT_APP,
        error_code=code,
        failure_reason=_nested(r, "Status", "FailureReason")
        or r.text("FailureReason")
        or r.text("Failure reason"),
        status=status,
        conditional_access=_CA.get(ca, "unknown"),
        ip=r.text("IPAddress") or r.text("IP address"),
        scope=scope,
        scope_id=scope_id,
    )


def _windows_event(r: _Reader) -> Fact | None:
    """Get-WinEvent objects: the same normalisation as the XML and text exports (events.py)."""
    from ..windows.events import RawEvent, to_fact
    from ..windows.eventxml import event_from_xml

    provider = r.text("ProviderName")
    number = v.integer(r.p("Id"))
    if not provider or number is None:
        r.warn(None, "an event without ProviderName/Id was skipped")
        return None
    line = r.obj.line
    raw = RawEvent(
        provider=provider,
        event_id=number,
        line=line,
        excerpt=f"{provider} {number}: {r.text('Message') or ''}",
        level=r.text("LevelDisplayName") or r.text("Level"),
        time=r.time("TimeCreated"),
        computer=r.text("MachineName"),
        channel=r.text("LogName"),
        message=r.text("Message") or "",
        origin="cmdlet",
    )
    values = r.p("Properties")
    if values is not None and isinstance(values.value, tuple):
        for i, item in enumerate(values.value, 1):
            value = item.get("Value") if isinstance(item, dict) else item
            if value is not None and not isinstance(value, dict | tuple):
                raw.data[f"Data{i}"] = str(value)
    xml = r.text("Xml")  # the collector adds $_.ToXml(): the details text exports lose
    if xml:
        try:
            detail = event_from_xml(xml, r.source, line or 1, origin="cmdlet")
        except Exception as exc:
            r.warn(r.p("Xml"), f"the event's Xml is not readable ({exc}); read without its details")
            detail = None
        if detail is not None:
            raw.data.update(detail.data)
            raw.flags |= detail.flags
    fact = to_fact(raw, r.source, r.warnings)
    if fact is None:
        return None
    scope, scope_id = told_scope(r, fact.scope, fact.scope_id)
    if (scope, scope_id) == (fact.scope, fact.scope_id):
        return fact
    return dataclasses.replace(fact, scope=scope, scope_id=scope_id)


MAPPERS: dict[type[Fact], Callable[[_Reader], Fact | None]] = {
    TransportConfig: _transport_config,
    OrganizationConfig: _organization_config,
    CasMailbox: _cas_mailbox,
    ExchangeServer: _exchange_server,
    RemoteDomain: _remote_domain,
    SignIn: _signin,
    WindowsEvent: _windows_event,
}

__all__ = ["MAPPERS", "Provenance", "exchange_build", "told_scope"]
