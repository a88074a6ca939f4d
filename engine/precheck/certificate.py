"""Checks of a planned certificate: names vs the connectors, accepted domain (KB 4019940), lifetime,
chain and trust, SMTP binding, and the send connector's TlsCertificateName value."""

from __future__ import annotations

from ..facts import (
    Certificate,
)
from .context import Context
from .model import Check


def cert_checks(ctx: Context) -> list[Check]:
    cert = ctx.planned
    assert cert is not None
    return [
        *_cert_names(ctx),
        _cert_domain(ctx, cert),
        _cert_lifetime(ctx, cert),
        _cert_chain(ctx, cert),
        _cert_smtp(ctx, cert),
        *_send_connector_name(ctx, cert),
    ]


def _cert_names(ctx: Context) -> list[Check]:
    """Pack data: the built-in pack's ``planned-certificate-names`` cause (``packed``), judged on the
    planned certificate's ``planned_cert_attribution`` and ``planned_cert_name_match`` relations."""
    return ctx.packed["cert-names"]


def _cert_domain(ctx: Context, cert: Certificate) -> Check:
    """Pack data: the built-in pack's ``planned-certificate-domain`` cause (``packed``), judged on
    the ``domain_acceptance`` (role ``planned_certificate``) of the planned certificate."""
    (line,) = ctx.packed["cert-domain"]
    return line


def _cert_lifetime(ctx: Context, cert: Certificate) -> Check:
    """Pack data: the built-in pack's ``planned-certificate-lifetime`` cause (``packed``)."""
    (line,) = ctx.packed["cert-lifetime"]
    return line


def _cert_chain(ctx: Context, cert: Certificate) -> Check:
    """Pack data: the built-in pack's ``planned-certificate-chain`` cause (``packed``)."""
    (line,) = ctx.packed["cert-chain"]
    return line


def _cert_smtp(ctx: Context, cert: Certificate) -> Check:
    """Pack data: the built-in pack's ``planned-certificate-smtp`` cause (``packed``), judged on
    the ``planned_cert_smtp`` relation (one Enable-ExchangeCertificate per server: ``for_each``)."""
    (line,) = ctx.packed["cert-smtp"]
    return line


def _send_connector_name(ctx: Context, cert: Certificate) -> list[Check]:
    """Pack data: the built-in pack's ``planned-send-connector-certificate`` cause (``packed``), a
    line per send connector (``subject: r.connector``), judged on ``planned_send_connector_cert``."""
    return ctx.packed["send-connector-cert"]
