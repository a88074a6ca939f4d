"""The check of a planned sending (MAIL FROM) domain: accepted, or attributed by the certificate."""

from __future__ import annotations

from .context import Context
from .model import Check


def sender_domain_checks(ctx: Context) -> list[Check]:
    """Pack data: the built-in pack's ``planned-sending-domain`` cause (``packed``), judged on the
    ``domain_acceptance`` (role ``planned_sender``) of the planned domain."""
    return ctx.packed["sender-domain"]
