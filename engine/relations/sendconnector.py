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

from .. import lazyre
from ..facts import (
    Certificate,
    PlannedSendConnectorCert,
    PrecheckPlan,
    SendConnector,
    SendConnectorCertificate,
    SmtpSession,
)
from ..x509names import DnKey, dn_cn, dn_key
from .common import derived, norm_thumbprint, parse_time, planned_certificate, prov_key

_SPLIT = lazyre.compile(r"^\s*<I>(?P<issuer>.*?)<S>(?P<subject>.*)$", re.IGNORECASE | re.DOTALL)


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


def _connector_names(session_connector: str) -> frozenset[str]:
    """The names a session's connector field answers to: itself, and the CN when the log shows the
    connector's DN."""
    names = {session_connector.strip().lower()}
    cn = dn_cn(session_connector)
    if cn is not None:
        names.add(cn.strip().lower())
    return frozenset(names)


class _SessionsByConnector:
    """Sessions indexed by every name their connector answers to (each distinct connector string
    is parsed once), so finding a connector's sessions is a lookup, not a scan of all sessions."""

    def __init__(self, sessions: Sequence[SmtpSession]):
        self.sessions = sessions
        names_of: dict[str, frozenset[str]] = {}
        self.by_name: dict[str, list[int]] = {}
        for i, s in enumerate(sessions):
            names = names_of.get(s.connector)
            if names is None:
                names = names_of[s.connector] = _connector_names(s.connector)
            for name in names:
                self.by_name.setdefault(name, []).append(i)

    def of(self, name: str) -> list[SmtpSession]:
        """The sessions of connector ``name``, in input order."""
        return [self.sessions[i] for i in self.by_name.get(name.strip().lower(), ())]


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
    # installed certificates by (issuer, subject): a connector's name is a look-up, not a scan of all
    by_names: dict[tuple[DnKey | None, DnKey | None], list[Certificate]] = {}
    for c in installed:
        by_names.setdefault((dn_key(c.issuer), dn_key(c.subject)), []).append(c)
    by_connector = _SessionsByConnector(sessions)
    any_named = any(by_connector.of(sc.name) for sc in send_connectors)
    session_keys: dict[tuple[str | None, str | None], tuple[DnKey | None, DnKey | None]] = {}

    def cert_keys(s: SmtpSession) -> tuple[DnKey | None, DnKey | None]:
        pair = (s.cert_issuer, s.cert_subject)
        got = session_keys.get(pair)
        if got is None:
            got = session_keys[pair] = (dn_key(s.cert_issuer), dn_key(s.cert_subject))
        return got

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
            matches = by_names.get((ik, sk), [])
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

        mine = by_connector.of(sc.name)
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
                alike = [s for s in shown if cert_keys(s) == (ik, sk)]
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


PLACEHOLDER_SEND = "Outbound to Office 365"  # the Hybrid Configuration Wizard's send connector name


def planned_send_connector_relations(
    plans: Sequence[PrecheckPlan],
    send_connectors: Sequence[SendConnector],
    certificates: Sequence[Certificate],
) -> list[PlannedSendConnectorCert]:
    """precheck --cert: does each send connector to Exchange Online (all of them when none says it
    routes there) already name the planned certificate, and what value would (``<I>issuer<S>subject``
    as Get-ExchangeCertificate prints them, compared as DN keys)."""
    thumbs = {norm_thumbprint(p.cert_thumbprint) for p in plans if p.cert_thumbprint}
    out: list[PlannedSendConnectorCert] = []
    for thumb in sorted(thumbs):
        cert = planned_certificate(thumb, certificates)
        if cert is None:
            continue
        if not cert.issuer or not cert.subject:
            out.append(
                PlannedSendConnectorCert(
                    provenance=derived(cert, "the planned certificate's issuer or subject is unknown"),
                    thumbprint=thumb,
                    target=PLACEHOLDER_SEND,
                )
            )
            continue
        value = f"<I>{cert.issuer}<S>{cert.subject}"
        scs = sorted(send_connectors, key=lambda c: (c.name, prov_key(c)))
        scs = [s for s in scs if s.routes_to_eop] or scs
        if not scs:
            out.append(
                PlannedSendConnectorCert(
                    provenance=derived(cert, f"no send connector given; the planned certificate is {value}"),
                    thumbprint=thumb,
                    value=value,
                    target=PLACEHOLDER_SEND,
                )
            )
            continue
        want = (dn_key(cert.issuer), dn_key(cert.subject))
        same = sum(
            1
            for c in certificates
            if c.origin == "exchange"
            and (dn_key(c.issuer), dn_key(c.subject)) == want
            and norm_thumbprint(c.thumbprint) != thumb
        )
        for sc in scs:
            parts = split_tls_certificate_name(sc.tls_certificate_name)
            names = parts is not None and (dn_key(parts[0]), dn_key(parts[1])) == want
            out.append(
                PlannedSendConnectorCert(
                    provenance=derived(
                        sc,
                        f"send connector {sc.name!r} TlsCertificateName "
                        f"{sc.tls_certificate_name or '(empty)'} vs the planned certificate {value}: "
                        f"{'names it' if names else 'names another'}",
                    ),
                    thumbprint=thumb,
                    value=value,
                    connector=sc.name,
                    target=sc.name,
                    current=sc.tls_certificate_name or None,
                    names_planned=names,
                    others_same=same if names else 0,
                )
            )
    return out
