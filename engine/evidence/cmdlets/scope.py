"""Where an exported cmdlet object lives, told from its shape (issue 10: objects of the tenant and
of the on-premises organisation are never mixed up, two tenants never merged).

- Exchange Online objects name their tenant: ``OrganizationalUnitRoot`` (``contoso.onmicrosoft.com``),
  ``OrganizationId`` (``…/Microsoft Exchange Hosted Organizations/contoso.onmicrosoft.com - …``) or a
  distinguished name under ``CN=<tenant>,CN=ConfigurationUnits``.
- On-premises configuration objects have a distinguished name under
  ``CN=<organisation>,CN=Microsoft Exchange,CN=Services,CN=Configuration``.
- Cmdlets that exist on one side only decide by themselves: Get-InboundConnector /
  Get-OutboundConnector / Get-MgDomain are the tenant's; Get-SendConnector the organisation's;
  Get-ReceiveConnector, Get-TransportService and Get-ExchangeCertificate one server's.
- Get-AcceptedDomain exists on both sides: without one of the markers above the shape cannot tell
  (a Format-Table export, a hand-picked Format-List), and the scope stays ``unknown``. Never guessed.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Protocol

from ... import lazyre
from ...facts import (
    AcceptedDomain,
    Certificate,
    DomainVerification,
    Fact,
    InboundConnector,
    OutboundConnector,
    ReceiveConnector,
    SendConnector,
    TransportService,
)

_HOSTED = lazyre.compile(r"Microsoft Exchange Hosted Organizations/([A-Za-z0-9.-]+)", re.IGNORECASE)
_CONFIG_UNIT = lazyre.compile(r"CN=([^,]+),CN=ConfigurationUnits", re.IGNORECASE)
_ONPREM_ORG = lazyre.compile(r"CN=([^,]+),CN=Microsoft Exchange,CN=Services,CN=Configuration", re.IGNORECASE)
_DOMAIN = lazyre.compile(r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


if TYPE_CHECKING:  # for type checkers only (a Protocol class costs ~0.05 ms to make)

    class Props(Protocol):
        def text(self, name: str) -> str | None: ...


def tenant_of(r: Props) -> str | None:
    """The tenant an Exchange Online object names, or None when it names none."""
    root = (r.text("OrganizationalUnitRoot") or "").strip()
    if _DOMAIN.match(root):
        return root.lower()
    for name in ("OrganizationId", "DistinguishedName", "Id"):
        value = r.text(name) or ""
        hit = _HOSTED.search(value) or _CONFIG_UNIT.search(value)
        if hit:
            return hit.group(1).strip().lower()
    return None


def onprem_org_of(r: Props) -> str | None:
    """The on-premises Exchange organisation a configuration object's DN names, or None."""
    hit = _ONPREM_ORG.search(r.text("DistinguishedName") or "")
    return hit.group(1).strip() if hit else None


def _server_of(r: Props, name: str | None = None) -> str:
    for prop in ("Server", "PSComputerName", "ServerName"):
        value = (r.text(prop) or "").strip()
        if value:
            return value
    identity = r.text("Identity") or ""
    if "\\" in identity:
        return identity.split("\\", 1)[0].strip()
    return (name or "").strip()


def scope_of(fact: Fact, r: Props) -> tuple[str, str]:
    """(scope, scope_id) of the object ``fact`` was read from."""
    if isinstance(fact, InboundConnector | OutboundConnector | DomainVerification):
        return "tenant", tenant_of(r) or ""
    if isinstance(fact, SendConnector):
        return "onprem_org", onprem_org_of(r) or ""
    if isinstance(fact, ReceiveConnector):
        return "server", _server_of(r)
    if isinstance(fact, TransportService):
        return "server", _server_of(r, fact.name)
    if isinstance(fact, Certificate):
        return ("server", _server_of(r)) if fact.origin == "exchange" else ("unknown", "")
    if isinstance(fact, AcceptedDomain):
        tenant = tenant_of(r)
        if tenant:
            return "tenant", tenant
        org = onprem_org_of(r)
        if org:
            return "onprem_org", org
    return "unknown", ""
