"""A send connector's TlsCertificateName against the installed and the presented certificates
(DOMAIN §4.1, §4.2, §7 "How renewal breaks relay", §9 4.3).

``<I>issuer<S>subject`` names a certificate by the Issuer and Subject strings Get-ExchangeCertificate
shows; they are compared as DN keys (spacing, case, quoting, ``S``/``ST`` ignored). When several
installed certificates match, Exchange uses the one with the latest expiry. ``presented`` says
whether the send log shows that certificate offered by this connector: by thumbprint when the
installed match is known, else by the issuer and subject the log recorded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..facts import Certificate, SendConnector, SendConnectorCertificate, SmtpSession
from ..x509names import DnKey, dn_cn, dn_key
from .common import derived, norm_thumbprint, parse_time, prov_key

_SPLIT = re.compile(r"^\s*<I>(?P<issuer>.*?)<S>(?P<subject>.*)$", re.IGNORECASE | re.DOTALL)


def split_tls_certificate_name(raw: str | None) -> tuple[str, str] | None:
    """(issuer, subject) from ``<I>issuer<S>subject`` (any case), else None."""
    if not raw:
        return None
    m = _SPLIT.match(raw)
    if not m or not m.group("issuer").strip() or not m.group("subject").strip():
        return None
    return m.group("issuer").strip(), m.group("subject").strip()


def _keys(sc: SendConnector) -> tuple[DnKey, DnKey] | None:
    issuer, subject = sc.tls_cert_issuer, sc.tls_cert_subject
    if not issuer or not subject:
        parts = split_tls_certificate_name(sc.tls_certificate_name)
        if parts is None:
            return None
        issuer, subject = parts
    ik, sk = dn_key(issuer), dn_key(subject)
    return (ik, sk) if ik and sk else None


def _connector_of(session_connector: str, name: str) -> bool:
    a, b = session_connector.strip().lower(), name.strip().lower()
    if a == b:
        return True
    cn = dn_cn(session_connector)  # the log may show the connector's DN
    return cn is not None and cn.strip().lower() == b


def _newest(matches: list[Certificate]) -> Certificate:
    def key(c: Certificate) -> tuple:
        t = parse_time(c.not_after)
        return (t.at.timestamp() if t else float("-inf"), norm_thumbprint(c.thumbprint))

    return max(matches, key=key)


def send_connector_relations(
    send_connectors: Sequence[SendConnector],
    certificates: Sequence[Certificate],
    sessions: Sequence[SmtpSession],
) -> list[SendConnectorCertificate]:
    installed = sorted((c for c in certificates if c.origin == "exchange"), key=prov_key)
    names = [sc.name for sc in send_connectors]
    any_named = any(_connector_of(s.connector, n) for s in sessions for n in names)
    to_eop_connectors = [sc for sc in send_connectors if sc.routes_to_eop]
    out: list[SendConnectorCertificate] = []
    for sc in sorted(send_connectors, key=lambda c: (c.name, prov_key(c))):
        raw = (sc.tls_certificate_name or "").strip()
        head = f"send connector {sc.name!r} TlsCertificateName {raw or '(empty)'}"
        thumb: str | None = None
        keys = _keys(sc) if raw else None
        if not raw or sc.tls_certificate_name_form == "empty":
            state, reason = "empty", "no certificate named; Exchange picks one by the connector's FQDN"
        elif keys is None or sc.tls_certificate_name_form == "malformed":
            state, reason = "malformed", "not of the form <I>issuer<S>subject"
        elif not installed:
            state, reason = "unknown", "no Get-ExchangeCertificate evidence to compare with"
        else:
            ik, sk = keys
            matches = [c for c in installed if dn_key(c.issuer) == ik and dn_key(c.subject) == sk]
            if not matches:
                state = "not_installed"
                reason = f"none of the {len(installed)} installed certificates has this issuer and subject"
            else:
                best = _newest(matches)
                thumb = norm_thumbprint(best.thumbprint)
                state = "matches_installed"
                distinct = {norm_thumbprint(c.thumbprint) for c in matches}
                several = f" (newest of {len(distinct)} matching)" if len(distinct) > 1 else ""
                reason = f"names installed certificate {thumb}{several}, NotAfter {best.not_after or '?'}"

        mine = [s for s in sessions if _connector_of(s.connector, sc.name)]
        if not mine and not any_named and (len(send_connectors) == 1 or to_eop_connectors == [sc]):
            mine = [s for s in sessions if s.to_eop]
        shown = sorted((s for s in mine if s.cert_presented and s.to_eop), key=prov_key)
        presented = "unknown"
        preason = "no session of this connector to Exchange Online presented a certificate"
        if shown:
            thumbs = sorted({norm_thumbprint(s.cert_thumbprint) for s in shown if s.cert_thumbprint})
            if thumb is not None and thumbs:
                if thumb in thumbs:
                    presented, preason = "same", f"the send log shows {thumb} presented"
                else:
                    presented = "different"
                    preason = f"the send log shows {', '.join(thumbs)} presented instead"
            elif keys is not None:
                ik, sk = keys
                alike = [s for s in shown if dn_key(s.cert_issuer) == ik and dn_key(s.cert_subject) == sk]
                if alike:
                    presented = "same"
                    preason = "the send log shows a certificate with this issuer and subject presented"
                elif any(s.cert_subject for s in shown):
                    presented = "different"
                    preason = "the send log shows certificates with another issuer or subject presented"
        out.append(
            SendConnectorCertificate(
                provenance=derived(sc, f"{head}: {state} — {reason}; presented {presented} — {preason}"),
                connector=sc.name,
                state=state,
                thumbprint=thumb,
                presented=presented,
            )
        )
    return out
