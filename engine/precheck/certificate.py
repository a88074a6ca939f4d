"""Checks of a planned certificate: names vs the connectors, accepted domain (KB 4019940), lifetime,
chain and trust, SMTP binding, and the send connector's TlsCertificateName value.

Every one is pack data: a cause of the built-in pack's ``precheck`` code, judged by the diagnosis
(``packed``)."""

from __future__ import annotations

from .context import Context
from .model import Check

# check id -> the built-in pack's cause (``packed.PACKED``) and the relations it is judged on, in
# the order the lines are printed
CERT_CHECKS = (
    "cert-names",  # planned-certificate-names: planned_cert_attribution, planned_cert_name_match
    "cert-domain",  # planned-certificate-domain: domain_acceptance (role planned_certificate)
    "cert-lifetime",  # planned-certificate-lifetime
    "cert-chain",  # planned-certificate-chain
    "cert-smtp",  # planned-certificate-smtp: planned_cert_smtp (Enable-ExchangeCertificate per server)
    "send-connector-cert",  # planned-send-connector-certificate: a line per send connector
)
_ONE_LINE = frozenset({"cert-domain", "cert-lifetime", "cert-chain", "cert-smtp"})  # no subject


def cert_checks(ctx: Context) -> list[Check]:
    assert ctx.planned is not None
    out: list[Check] = []
    for check in CERT_CHECKS:
        lines = ctx.packed[check]
        if check in _ONE_LINE and len(lines) != 1:
            raise ValueError(f"precheck {check}: {len(lines)} lines, one expected")
        out.extend(lines)
    return out
