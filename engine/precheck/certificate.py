"""Checks of a planned certificate: names vs the connectors, accepted domain (KB 4019940), lifetime,
chain and trust, SMTP binding, and the send connector's TlsCertificateName value."""

from __future__ import annotations

from ..facts import (
    CertAttribution,
    Certificate,
    CertNameMatch,
)
from ..pack.templates import ps_quote
from ..plainwords import plain_value
from ..relations.common import norm_thumbprint
from ..relations.names import cert_name_relations
from ..relations.sendconnector import split_tls_certificate_name
from ..x509names import dn_key
from .common import (
    KB_CONNECTORS,
    PLACEHOLDER_SEND,
    no_inbound,
)
from .context import Context, as_presented
from .model import Check, link


def cert_checks(ctx: Context) -> list[Check]:
    cert = ctx.planned
    assert cert is not None
    return [
        _cert_names(ctx, cert),
        _cert_domain(ctx, cert),
        _cert_lifetime(ctx, cert),
        _cert_chain(ctx, cert),
        _cert_smtp(ctx, cert),
        *_send_connector_name(ctx, cert),
    ]


def _cert_names(ctx: Context, cert: Certificate) -> Check:
    title = "certificate names vs the OnPremises connectors' TlsSenderCertificateName"
    if not ctx.inbound:
        return no_inbound("cert-names", title)
    planned = as_presented(cert)
    rels = cert_name_relations([planned], ctx.inbound)
    matches = [r for r in rels if isinstance(r, CertNameMatch)]
    best = next(r for r in rels if isinstance(r, CertAttribution))
    evidence = tuple(link(m) for m in matches)
    names = ", ".join(planned.names) or "no DNS names"
    if best.match == "no_cert_connector":
        return Check(
            "cert-names",
            "warn",
            title,
            f"no enabled OnPremises connector authenticates by certificate; the names [{names}] "
            "are not used for attribution (IP-based connectors only)",
            evidence=(link(best),),
        )
    conn = best.connector or "?"
    if best.match in ("match", "wildcard_match"):
        return Check(
            "cert-names",
            "pass",
            title,
            f"{best.matched_name} satisfies connector {conn!r} ({best.expected}): "
            f"{plain_value('match', best.match)}",
            subject=conn,
            evidence=(link(best), *evidence),
        )
    if best.match == "ambiguous":
        return Check(
            "cert-names",
            "warn",
            title,
            f"{best.matched_name} vs connector {conn!r} ({best.expected}) is ambiguous in "
            f"Microsoft's documents; set the connector to the certificate's own name to be sure",
            subject=conn,
            evidence=(link(best), *evidence),
            commands=(
                f"Set-InboundConnector -Identity {ps_quote(conn)} -TlsSenderCertificateName "
                f"{ps_quote(planned.cn or planned.names[0])}",
            ),
        )
    target = planned.cn if planned.cn in planned.names else (planned.names[0] if planned.names else None)
    commands = ()
    if target:
        commands = (
            f"Set-InboundConnector -Identity {ps_quote(conn)} -TlsSenderCertificateName {ps_quote(target)}",
        )
    return Check(
        "cert-names",
        "fail",
        title,
        f"none of [{names}] satisfies connector {conn!r} ({best.expected}): relay will be "
        "rejected with 550 5.7.64 once this certificate is presented",
        subject=conn,
        evidence=(link(best), *evidence),
        commands=commands,
        references=(KB_CONNECTORS,),
    )


def _cert_domain(ctx: Context, cert: Certificate) -> Check:
    """Pack data: the built-in pack's ``planned-certificate-domain`` cause (``packed``), judged on
    the ``domain_acceptance`` (role ``planned_certificate``) of the planned certificate."""
    (line,) = ctx.packed["cert-domain"]
    return line


def lifetime_check(ctx: Context, cert: Certificate, check: str, title: str, subject: str = "") -> Check:
    status = ctx.status_of(cert.thumbprint)
    left = ctx.days_left(status, cert)
    ev = tuple(link(f) for f in (status, cert) if f is not None)
    if status is not None and status.validity == "not_yet_valid":
        return Check(
            check,
            "warn",
            title,
            "not valid yet (its NotBefore is later): do not switch to it yet",
            subject=subject,
            evidence=ev,
        )
    if left is None:
        return Check(
            check,
            "warn",
            title,
            "cannot check: the certificate's expiry date is not known",
            subject=subject,
            evidence=ev,
        )
    if left < 0 or (status is not None and status.validity == "expired"):
        return Check(check, "fail", title, f"expired {-left} day(s) ago", subject=subject, evidence=ev)
    if left < ctx.plan.days:
        return Check(
            check,
            "warn",
            title,
            f"expires in {left} day(s), within the {ctx.plan.days}-day window",
            subject=subject,
            evidence=ev,
        )
    return Check(
        check,
        "pass",
        title,
        f"valid for {left} more day(s) (window {ctx.plan.days})",
        subject=subject,
        evidence=ev,
    )


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


def tls_certificate_name(cert: Certificate) -> str | None:
    """The send connector's ``TlsCertificateName`` value for ``cert``: ``<I>issuer<S>subject`` as
    Get-ExchangeCertificate prints them."""
    if not cert.issuer or not cert.subject:
        return None
    return f"<I>{cert.issuer}<S>{cert.subject}"


def _send_connector_name(ctx: Context, cert: Certificate) -> list[Check]:
    title = "send connector TlsCertificateName names the planned certificate"
    value = tls_certificate_name(cert)
    if value is None:
        return [
            Check(
                "send-connector-cert",
                "warn",
                title,
                "cannot build <I>issuer<S>subject: issuer or subject unknown",
            )
        ]
    scs = ctx.send_to_eop()
    if not scs:
        cmd = (
            f"Set-SendConnector -Identity {ps_quote(PLACEHOLDER_SEND)} -TlsCertificateName {ps_quote(value)}"
        )
        return [
            Check(
                "send-connector-cert",
                "warn",
                title,
                f"no Get-SendConnector export; set the connector to Exchange Online to {value}",
                commands=(cmd,),
            )
        ]
    out = []
    want = (dn_key(cert.issuer), dn_key(cert.subject))
    for sc in scs:
        cmd = f"Set-SendConnector -Identity {ps_quote(sc.name)} -TlsCertificateName {ps_quote(value)}"
        parts = split_tls_certificate_name(sc.tls_certificate_name)
        have = (dn_key(parts[0]), dn_key(parts[1])) if parts else None
        if have == want:
            same = [
                c
                for c in ctx.installed
                if (dn_key(c.issuer), dn_key(c.subject)) == want
                and norm_thumbprint(c.thumbprint) != norm_thumbprint(cert.thumbprint)
            ]
            note = (
                (
                    f"; {len(same)} other installed certificate(s) share issuer and subject — Exchange "
                    "uses the one that expires last"
                )
                if same
                else ""
            )
            out.append(
                Check(
                    "send-connector-cert",
                    "warn" if same else "pass",
                    title,
                    f"already {value}{note}",
                    subject=sc.name,
                    evidence=(link(sc),),
                )
            )
            continue
        current = sc.tls_certificate_name or "(empty: Exchange picks a certificate by the connector's FQDN)"
        out.append(
            Check(
                "send-connector-cert",
                "warn",
                title,
                f"now {current}; set it to {value} when you switch",
                subject=sc.name,
                evidence=(link(sc),),
                commands=(cmd,),
            )
        )
    return out
