"""Checks of a planned inbound connector edit: TlsSenderCertificateName and SenderIPAddresses
against the accepted domains and what your servers present and send from."""

from __future__ import annotations

from ..relations.ips import parse_ip
from .context import Context
from .model import Check

_NAME_CHECKS = ("connector-cert-name-shared", "connector-cert-name", "connector-cert-name-presented")
_IP_CHECKS = ("connector-ips", "connector-ips-public", "connector-ips-scope")


def connector_checks(ctx: Context) -> list[Check]:
    """Pack data: the built-in pack's ``planned-connector-*`` causes (``packed``), judged on the
    ``planned_connector`` relation (the edited connector, source plan) and its
    ``domain_acceptance`` (role ``planned_connector_name``), ``planned_name_match`` (a line per
    presented certificate) and ``planned_ip_match`` (a line per egress address) relations."""
    out = [line for check in (*_NAME_CHECKS, *_IP_CHECKS) for line in ctx.packed.get(check, [])]
    egress = ctx.packed.get("connector-ips-egress", [])
    return [*out, *sorted(egress, key=_ip_order)]


def _ip_order(line: Check) -> tuple:
    """Egress lines in address order (IPv4 first), as the egress addresses are listed."""
    ip = parse_ip(line.subject)
    return (0, ip.version, ip) if ip is not None else (1, 0, line.subject)
