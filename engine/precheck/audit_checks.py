"""The audit of the current configuration (no plan given): what could break relay, or already
does, before any bounce — certificates about to expire on a connector's path, Microsoft's
MC1226222 anti-patterns, Partner connectors used for relay, disabled connectors.

Every audit check is pack data: a cause of the built-in pack's ``precheck`` code whose rules name
a ``subject:`` (one line per connector or certificate), judged by the diagnosis (``packed``)."""

from __future__ import annotations

from .context import Context
from .model import Check

# check id -> the built-in pack's cause (``packed.PACKED``), in the order the lines are printed
AUDIT_CHECKS = (
    "audit-expiry",  # audit-certificate-expiry: a line per certificate on a connector's path
    "audit-ip-only",  # audit-ip-only-connector: a line per IP-only OnPremises connector
    "audit-cert-name",  # audit-connector-certificate-name: a line per connector naming a certificate
    "audit-ip-scope",  # audit-connector-ip-scope: a line per connector listing SenderIPAddresses
    "audit-partner",  # audit-partner-connector: a line per Partner connector
    "audit-disabled",  # audit-connector-disabled: a line per disabled connector
)


def audit_checks(ctx: Context) -> list[Check]:
    return [line for check in AUDIT_CHECKS for line in ctx.packed[check]]
