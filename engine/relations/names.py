"""Certificate names against an inbound connector's TlsSenderCertificateName (DOMAIN §3.2, §9 4.4).

Documented: the connector value is an SMTP domain; ``*.d`` means "a domain and all subdomains";
the KB pairs a certificate ``*.d`` with a connector ``*.d``. Sources disagree on which certificate
field is compared (CN, Subject, SAN, "CN or SAN"), so CN and every SAN DNS name are tried. Two
cases are undocumented or contradictory and yield ``ambiguous``, never a verdict:
- value ``d`` against a certificate name under ``d`` (``host.d``): Set-InboundConnector says the
  certificate must "contain the domain name" (suffix reading), KB 3169958 recommends ``*.d`` for
  host names and Microsoft Support says the value should equal the CN;
- a wildcard certificate ``*.d`` against a host value ``host.d``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..facts import (
    CertAttribution,
    Certificate,
    CertNameMatch,
    InboundConnector,
    PlannedCertAttribution,
    PlannedCertNameMatch,
    PrecheckPlan,
)
from ..lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from .common import derived, norm_name, norm_thumbprint, planned_certificate
from .presented import PresentedCert, as_presented

ORDER = {"match": 0, "wildcard_match": 1, "ambiguous": 2, "mismatch": 3}


@dataclass(frozen=True, slots=True)
class NameVerdict:
    match: str  # match | wildcard_match | ambiguous | mismatch
    name: str | None  # the certificate name that decided (None for a mismatch)
    reason: str


def connector_value_problem(value: str) -> str | None:
    """Why a TlsSenderCertificateName is not a valid SMTP domain (or wildcard of one), else None."""
    if not value:
        return "empty value"
    if value == "*":
        return "a bare '*' is not a domain"
    body = value[2:] if value.startswith("*.") else value
    if not body:
        return "wildcard without a domain"
    if "*" in body:
        return "embedded wildcard (only a leading '*.' is valid)"
    if any(ch.isspace() for ch in body) or ".." in body or body.startswith("."):
        return "not a domain name"
    return None


def compare_name(cert_name: str, expected: str) -> NameVerdict:
    """One certificate name (CN or SAN) against one connector value, both compared normalised."""
    n, v = norm_name(cert_name), norm_name(expected)
    problem = connector_value_problem(v)
    if problem:
        return NameVerdict("mismatch", None, f"connector value {expected!r} is invalid: {problem}")
    if not n:
        return NameVerdict("mismatch", None, "empty certificate name")
    if n == v:
        return NameVerdict("match", n, f"{n} equals {v}")
    if v.startswith("*."):
        d = v[2:]
        if n == d or n.endswith("." + d):
            return NameVerdict("wildcard_match", n, f"{n} is covered by {v} (a domain and all subdomains)")
        return NameVerdict("mismatch", None, f"{n} is not {d} nor under it")
    if n.endswith("." + v):
        return NameVerdict(
            "ambiguous",
            n,
            f"{n} is under {v}, but the value is not a wildcard: the docs say the certificate must "
            f"'contain the domain name' while KB 3169958 recommends *.{v} — verify",
        )
    if n.startswith("*."):
        d = n[2:]
        head = v[: -len(d) - 1] if v.endswith("." + d) else ""
        if head and "." not in head:
            return NameVerdict(
                "ambiguous", n, f"wildcard certificate name {n} against host value {v} is undocumented"
            )
    return NameVerdict("mismatch", None, f"{n} does not satisfy {v}")


def best_name_match(cert_names: Iterable[str], expected: str) -> NameVerdict:
    """The best verdict over all of a certificate's names (match > wildcard > ambiguous > mismatch)."""
    verdicts = [compare_name(n, expected) for n in cert_names]
    if not verdicts:
        return NameVerdict("mismatch", None, "the certificate carries no DNS name")
    return min(verdicts, key=lambda x: (ORDER[x.match], x.name or ""))


# Names that belong to multi-tenant services: a certificate (or connector value) naming them is
# shared with every other customer of the service (MC1226222). Matched as the domain or under it.
SHARED_PROVIDERS = (
    "outlook.com",
    "office365.com",
    "microsoft.com",
    "mimecast.com",
    "pphosted.com",
    "messagelabs.com",
    "barracudanetworks.com",
    "ess.barracudanetworks.com",
    "sendgrid.net",
    "mailgun.org",
    "amazonses.com",
    "sparkpostmail.com",
    "mandrillapp.com",
    "google.com",
    "googlemail.com",
    "iphmx.com",
    "trendmicro.com",
    "sophos.com",
    "mailcontrol.com",
    "hornetsecurity.com",
)


def shared_provider(value: str) -> str | None:
    v = norm_name(value)
    v = v[2:] if v.startswith("*.") else v
    if "." not in v:
        return f"the whole top-level domain {v!r}"
    if v in ("onmicrosoft.com", "mail.onmicrosoft.com"):
        return v
    for provider in SHARED_PROVIDERS:
        if v == provider or v.endswith("." + provider):
            return provider
    return None


def usable(connector: InboundConnector) -> bool:
    """Enabled (not known disabled) and of type OnPremises: the only kind that grants relay."""
    return connector.enabled is not False and connector.connector_type == "OnPremises"


def _why_unusable(connector: InboundConnector) -> str:
    if connector.enabled is False:
        return "disabled"
    return f"type {connector.connector_type or 'unknown'}, not OnPremises"


def _names_text(cert: PresentedCert) -> str:
    shown = ", ".join(cert.names) or "no DNS names"
    extra = f" (SANs from {cert.enriched_from})" if cert.enriched_from else ""
    return f"[{shown}]{extra}"


def _cn_note(cert: PresentedCert, verdict: NameVerdict) -> str:
    if verdict.name and cert.cn and verdict.name != cert.cn and verdict.match != "mismatch":
        return f"; satisfied by a SAN, not the CN {cert.cn} (sources differ on CN vs SAN — probably OK)"
    return ""


def cert_name_relations(
    presented: Sequence[PresentedCert], connectors: Sequence[InboundConnector]
) -> list[CertNameMatch | CertAttribution]:
    """CertNameMatch per presented certificate × connector with a certificate name, and one
    CertAttribution per presented certificate (best over usable certificate connectors)."""
    with_name = sorted(
        (c for c in connectors if c.tls_sender_certificate_name),
        key=lambda c: (c.name, c.tls_sender_certificate_name or ""),
    )
    # a certificate connector whose name the export cut short: nothing can be said against it
    unnamed = [c for c in connectors if usable(c) and c.auth in ("certificate", "both")
               and not c.tls_sender_certificate_name]
    out: list[CertNameMatch | CertAttribution] = []
    for cert in presented:
        scored: list[tuple[InboundConnector, NameVerdict]] = []
        for conn in with_name:
            expected = conn.tls_sender_certificate_name or ""
            verdict = best_name_match(cert.names, expected)
            ok = usable(conn)
            state = "" if ok else f" (connector {_why_unusable(conn)})"
            out.append(
                CertNameMatch(
                    provenance=derived(
                        cert.session,
                        f"certificate {cert.thumbprint} names {_names_text(cert)} vs connector "
                        f"{conn.name!r} TlsSenderCertificateName {expected}: {verdict.match} — "
                        f"{verdict.reason}{_cn_note(cert, verdict)}{state}",
                    ),
                    thumbprint=cert.thumbprint,
                    connector=conn.name,
                    expected=norm_name(expected),
                    match=verdict.match,
                    matched_name=verdict.name,
                    usable_connector=ok,
                )
            )
            scored.append((conn, verdict))
        candidates = [(c, v) for c, v in scored if usable(c)]
        if unnamed and not any(v.match in ("match", "wildcard_match") for _, v in candidates):
            continue  # the unnamed connector may be the one that attributes it: unknown, not decided
        if not candidates:
            unusable = [f"{c.name!r} ({_why_unusable(c)}: {v.match})" for c, v in scored]
            note = f"; unusable certificate connectors: {', '.join(unusable)}" if unusable else ""
            out.append(
                CertAttribution(
                    provenance=derived(
                        cert.session,
                        f"certificate {cert.thumbprint} {_names_text(cert)}: no enabled OnPremises "
                        f"connector authenticates by certificate{note}",
                    ),
                    thumbprint=cert.thumbprint,
                    cn=cert.cn,
                    match="no_cert_connector",
                )
            )
            continue
        conn, verdict = min(candidates, key=lambda cv: (ORDER[cv[1].match], cv[0].name))
        others = [f"{c.name!r}: {v.match}" for c, v in candidates if c is not conn]
        more = f"; other connectors: {', '.join(others)}" if others else ""
        out.append(
            CertAttribution(
                provenance=derived(
                    cert.session,
                    f"certificate {cert.thumbprint} {_names_text(cert)} best against connector "
                    f"{conn.name!r} ({conn.tls_sender_certificate_name}): {verdict.match} — "
                    f"{verdict.reason}{_cn_note(cert, verdict)}{more}",
                ),
                thumbprint=cert.thumbprint,
                cn=cert.cn,
                match=verdict.match,
                connector=conn.name,
                expected=norm_name(conn.tls_sender_certificate_name),
                matched_name=verdict.name,
            )
        )
    return out


def planned_cert_name_relations(
    plans: Sequence[PrecheckPlan], certificates: Sequence[Certificate], connectors: Sequence[InboundConnector]
) -> list[PlannedCertNameMatch | PlannedCertAttribution]:
    """precheck --cert: ``cert_name_relations`` of the planned certificate (the precheck_plan's
    thumbprint), as kinds of their own so the diagnosis never takes it for a presented one."""
    thumbs = {norm_thumbprint(p.cert_thumbprint) for p in plans if p.cert_thumbprint}
    out: list[PlannedCertNameMatch | PlannedCertAttribution] = []
    for thumb in sorted(thumbs):
        planned = planned_certificate(thumb, certificates)
        if planned is None:
            continue
        cert = as_presented(planned)
        names_text = ", ".join(cert.names) or "no DNS names"
        own = cert.cn or (cert.names[0] if cert.names else None)
        target = cert.cn if cert.cn in cert.names else (cert.names[0] if cert.names else None)
        for r in cert_name_relations([cert], connectors):
            fields = {k: v for k, v in r.values().items() if k != "cn"}
            if isinstance(r, CertNameMatch):
                out.append(PlannedCertNameMatch(provenance=r.provenance, **fields))
            else:
                out.append(
                    PlannedCertAttribution(
                        provenance=r.provenance, names_text=names_text, own_name=own, target=target, **fields
                    )
                )
    return out
