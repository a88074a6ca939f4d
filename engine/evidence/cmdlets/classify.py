"""Which cmdlet an exported object came from.

Type names decide when they are known (CliXML ``<TN>``, CSV ``#TYPE``, with the ``Deserialized.``
and ``Selected.`` prefixes PowerShell adds); otherwise the property set does, so ``Select-Object``
subsets and exports without type information still work. The sniffers use ``kind_from_names``
on the property names they see in a file's head.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...facts import (
    AcceptedDomain,
    CasMailbox,
    Certificate,
    DomainVerification,
    ExchangeServer,
    Fact,
    InboundConnector,
    OrganizationConfig,
    OutboundConnector,
    ReceiveConnector,
    RemoteDomain,
    SendConnector,
    SignIn,
    TransportConfig,
    TransportService,
    WindowsEvent,
)
from . import values as v
from .model import PSObject

# Type-name endings (after "Deserialized." / "Selected." prefixes) → fact class.
_TYPE_SUFFIXES: tuple[tuple[str, type[Fact]], ...] = (
    (".TenantInboundConnector", InboundConnector),
    (".TenantOutboundConnector", OutboundConnector),
    (".SmtpSendConnectorConfig", SendConnector),
    (".ReceiveConnector", ReceiveConnector),
    (".ExchangeCertificate", Certificate),
    (".AcceptedDomain", AcceptedDomain),
    (".MicrosoftGraphDomain", DomainVerification),
    ("Microsoft.Online.Administration.Domain", DomainVerification),
    (".TransportService", TransportService),
    (".TransportServer", TransportService),
    (".TransportConfigContainer", TransportConfig),
    (".OrganizationConfig", OrganizationConfig),
    (".CASMailbox", CasMailbox),
    (".ExchangeServer", ExchangeServer),
    (".DomainContentConfig", RemoteDomain),
    (".MicrosoftGraphSignIn", SignIn),
    (".EventLogRecord", WindowsEvent),
)
MSOL_STATUS = {"verified": True, "unverified": False}


def kind_from_type_names(type_names: Iterable[str]) -> type[Fact] | None:
    for raw in type_names:
        name = raw.strip()
        for prefix in ("Deserialized.", "Selected."):
            while name.startswith(prefix):
                name = name[len(prefix) :]
        for suffix, cls in _TYPE_SUFFIXES:
            if name.endswith(suffix) or name == suffix.lstrip("."):
                return cls
    return None


def kind_from_names(names: Iterable[str], status: str | None = None) -> type[Fact] | None:
    """Which fact a property set describes. ``status`` is the ``Status`` value (Get-MsolDomain)."""
    n = {x.lower() for x in names}

    def has(*keys: str) -> bool:
        return all(k.lower() in n for k in keys)

    def anyof(*keys: str) -> bool:
        return any(k.lower() in n for k in keys)

    new = _new_kinds(has, anyof)
    if new is not None:
        return new
    if has("thumbprint") and anyof("services", "certificatedomains", "rootcatype", "servicesstringform"):
        return Certificate
    if (
        has("tlssendercertificatename")
        or (has("senderipaddresses") and anyof("connectortype", "senderdomains"))
        or (has("senderdomains", "connectortype") and not has("recipientdomains"))
    ):
        return InboundConnector
    if has("recipientdomains") and anyof(
        "smarthosts", "usemxrecord", "tlssettings", "connectortype", "istransportrulescoped"
    ):
        return OutboundConnector
    if has("addressspaces"):
        return SendConnector
    if has("bindings") and anyof("remoteipranges", "permissiongroups", "authmechanism", "transportrole"):
        return ReceiveConnector
    if has("domainname") and anyof("domaintype", "default", "initialdomain"):
        return AcceptedDomain
    if has("id", "isverified"):
        return DomainVerification
    msol_status = status is None or status.strip().lower() in MSOL_STATUS
    if (
        has("name", "status")
        and anyof("authentication", "isdefault", "isinitial", "capabilities")
        and msol_status
    ):
        return DomainVerification
    if has("sendprotocollogpath"):
        return TransportService
    return None


def classify(obj: PSObject) -> type[Fact] | None:
    by_type = kind_from_type_names(obj.type_names)
    if by_type is not None:
        return by_type
    by_names = kind_from_names(obj.names(), v.text(obj.get("Status")))
    if by_names is not None:
        return by_names
    # Get-ReceiveConnector's default table: Identity (SERVER\Name), Bindings, Enabled.
    identity = v.text(obj.get("Identity")) or ""
    if obj.has("Bindings") and "\\" in identity:
        return ReceiveConnector
    return None


def _new_kinds(has, anyof) -> type[Fact] | None:
    """Cmdlets read since issue 9, by properties only they have (Microsoft Learn cmdlet pages)."""
    if has("providername", "id") and anyof("timecreated", "leveldisplayname", "machinename", "logname"):
        return WindowsEvent  # Get-WinEvent (EventLogRecord)
    if anyof("activesyncenabled", "owaenabled", "popenabled", "imapenabled", "mapienabled") and anyof(
        "smtpclientauthenticationdisabled", "primarysmtpaddress"
    ):
        return CasMailbox
    if anyof(
        "maxrecipientenvelopelimit", "internalsmtpservers", "tlsreceivedomainsecurelist",
        "shadowredundancyenabled", "externalpostmasteraddress", "generatecopyofdsnfor",
        "journalingreportndrto",
    ):
        return TransportConfig
    if has("rejectdirectsend") or (
        anyof("oauth2clientprofileenabled", "mailtipsalltipsenabled")
        and anyof(
            "isdehydrated", "mitigationsenabled", "defaultpublicfoldermailbox", "customerlockboxenabled"
        )
    ):
        return OrganizationConfig
    if has("admindisplayversion") and not has("sendprotocollogpath") and anyof(
        "serverrole", "edition", "ishubtransportserver", "ismailboxserver", "isedgeserver"
    ):
        return ExchangeServer
    if has("domainname") and not anyof("domaintype", "initialdomain") and anyof(
        "autoforwardenabled", "allowedooftype", "tnefenabled", "ndrenabled", "contenttype"
    ):
        return RemoteDomain
    if anyof("createddatetime", "date (utc)") and anyof(
        "clientappused", "appdisplayname", "client app", "application"
    ) and anyof("status", "errorcode", "conditionalaccessstatus", "sign-in error code"):
        return SignIn  # Get-MgAuditLogSignIn / the Entra portal's JSON download
    return None
