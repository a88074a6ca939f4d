"""The references the precheck's lines cite (the multi-tenant service names of MC1226222 are
the relations': ``relations.names.SHARED_PROVIDERS``)."""

from __future__ import annotations

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
