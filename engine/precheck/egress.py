"""Checks of a planned egress IP: which connector's SenderIPAddresses covers it, IPv6 caveats,
and whether it is a public address at all."""

from __future__ import annotations

from .context import Context
from .model import Check


def egress_checks(ctx: Context) -> list[Check]:
    """Pack data: the built-in pack's ``planned-egress-public`` (a line only when the address is
    not public) and ``planned-egress-ip`` causes (``packed``), judged on the ``planned_egress``
    relation and the address's ``ip_attribution``."""
    return [*ctx.packed.get("egress-ip-public", []), *ctx.packed["egress-ip"]]
