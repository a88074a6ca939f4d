"""What the precheck's checks share: references, the "cannot check" line and the names of
multi-tenant services (MC1226222)."""

from __future__ import annotations

# the names of multi-tenant services are the relations' own; the audit checks import them from here
from ..relations.names import SHARED_PROVIDERS, shared_provider  # noqa: F401

KB_ATTR36 = (
    "https://learn.microsoft.com/en-us/troubleshoot/exchange/email-delivery/relay-access-denied-attr36"
)
KB_CONNECTORS = (
    "https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/use-connectors-to-"
    "configure-mail-flow/set-up-connectors-to-route-mail"
)
MC1226222 = (
    "https://mwpro.co.uk/blog/2026/02/04/updated-prevent-fix-guidance-for-on-premises-connectors-"
    "configuration-mc1226222"
)
