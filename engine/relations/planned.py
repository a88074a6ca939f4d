"""A precheck's planned values against the current exports: the planned egress address and the
planned certificate's domain and SMTP binding (docs/precheck.md).

Only a ``precheck_plan`` fact yields these relations, so a diagnosis never sees them. Each carries
the fields the pack's checks test (an address class, an explicit ``cert_route: none`` computed over
the whole connector export, a count of names), because a rule cannot classify an address, count
or look at every fact of a kind.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..facts import (
    Certificate,
    DomainAcceptance,
    Fact,
    InboundConnector,
    IpAttribution,
    PlannedCertSmtp,
    PlannedEgress,
    PrecheckPlan,
    SendConnector,
)
from ..plainwords import plain_value
from ..x509names import dn_cn
from .common import derived, norm_thumbprint, prov_key
from .domains import DomainEvidence, certificate_name_acceptance
from .ips import not_public, parse_ip
from .names import usable
from .presented import cert_names

_RANK = {"accepted": 0, "unverified": 1, "unknown": 2, "not_accepted": 3}


def planned_relations(
    plans: Sequence[PrecheckPlan], facts: Sequence[Fact], ev: DomainEvidence, relations: Sequence[Fact]
) -> list[Fact]:
    """Every planned relation of every plan (``relations``: those already derived, for the planned
    address's attribution)."""
    def named(cls: type) -> list:
        return sorted((f for f in facts if isinstance(f, cls)), key=lambda c: (c.name, prov_key(c)))

    inbound: list[InboundConnector] = named(InboundConnector)
    sends: list[SendConnector] = named(SendConnector)
    certs = sorted((f for f in facts if isinstance(f, Certificate)), key=prov_key)
    attributions = [r for r in relations if isinstance(r, IpAttribution)]
    out: list[Fact] = []
    for plan in sorted(plans, key=prov_key):
        if plan.egress_ip:
            out.append(planned_egress(plan, inbound, attributions))
        thumb = norm_thumbprint(plan.cert_thumbprint)
        same = [c for c in certs if thumb and norm_thumbprint(c.thumbprint) == thumb]
        # the planned file's own fact, else an installed copy of it
        cert = next((c for c in same if c.origin != "exchange"), same[0] if same else None)
        if cert is None:
            continue
        if ev.has_any:
            out.append(planned_certificate_domain(cert, ev))
        out.append(planned_cert_smtp(cert, certs, sends))
    return out


def planned_egress(
    plan: PrecheckPlan, inbound: Sequence[InboundConnector], attributions: Sequence[IpAttribution]
) -> PlannedEgress:
    """The planned address, classified; with a connector export, whether a usable connector
    authenticates by certificate (``none`` is stated only over a read export) and where to add it."""
    text = plan.egress_ip or ""
    ip = parse_ip(text)
    if ip is None:
        return PlannedEgress(
            provenance=derived(plan, f"planned egress {text!r}: not an IP address"),
            text=text, problem=f"{text!r} is not an IP address",
        )
    family = f"ipv{ip.version}"
    route: dict[str, object] = {}
    said = ""
    if inbound:
        cert_conn = next((c for c in inbound if usable(c) and c.tls_sender_certificate_name), None)
        best = next((a for a in attributions if a.ip == str(ip)), None)
        fix = (best.connector if best else None) or next((c.name for c in inbound if usable(c)), None)
        complete = not any(c.incomplete for c in inbound)
        route = {
            "cert_route": "present" if cert_conn else "none",
            "cert_connector": cert_conn.name if cert_conn else None,
            "fix_connector": fix,
            "complete": complete,
        }
        said = (
            f"; certificate connector: {cert_conn.name!r}" if cert_conn
            else f"; no usable connector of the {len(inbound)} exported names a TlsSenderCertificateName"
            + ("" if complete else " (a value of the export was cut short)")
        )
    public = not not_public(ip)
    kind = "public" if public else "not public"
    return PlannedEgress(
        provenance=derived(plan, f"planned egress {ip} ({family}, {kind}){said}"),
        text=text, ip=str(ip), family=family, public=public, **route,  # type: ignore[arg-type]
    )


def planned_certificate_domain(cert: Certificate, ev: DomainEvidence) -> DomainAcceptance:
    """The planned certificate's names against the accepted domains (KB 4019940 parent rule): the
    best name (the alphabetically first of the best status) decides; when none is accepted the
    note holds every name's lookup."""
    thumb = norm_thumbprint(cert.thumbprint)
    names = cert_names(cert.cn or dn_cn(cert.subject), cert.sans)
    if not names:
        return DomainAcceptance(
            provenance=derived(cert, f"certificate {thumb}: no DNS name to look up"),
            role="planned_certificate", domain="", status="not_accepted", thumbprint=thumb, names=0,
            note="the certificate carries no DNS name",
        )
    looks = [(n, certificate_name_acceptance(n, ev)) for n in names]
    name, got = min(looks, key=lambda nl: (_RANK[nl[1].status], nl[0]))
    notes = "; ".join(dict.fromkeys(g.note for _, g in looks))
    return DomainAcceptance(
        provenance=derived(cert, f"{name}: {plain_value('status', got.status)} — {notes}"),
        role="planned_certificate",
        domain=name,
        status=got.status,
        accepted_as=got.accepted_as if got.status in ("accepted", "unverified") else None,
        thumbprint=thumb,
        names=len(names),
        note=notes if got.status == "not_accepted" else got.note,
    )


def _smtp(cert: Certificate) -> bool:
    return bool(cert.smtp_enabled) or any(s.strip().upper() == "SMTP" for s in cert.services)


def planned_cert_smtp(
    cert: Certificate, certs: Sequence[Certificate], sends: Sequence[SendConnector]
) -> PlannedCertSmtp:
    """Installed (Get-ExchangeCertificate) and enabled for SMTP? And on which servers it must be:
    the source transport servers of the send connectors to Exchange Online (all send connectors
    when none says it routes there)."""
    thumb = norm_thumbprint(cert.thumbprint)
    to_eop = [s for s in sends if s.routes_to_eop] or list(sends)
    servers = tuple(sorted({s for sc in to_eop for s in sc.source_transport_servers}))
    installed = [c for c in certs if c.origin == "exchange"]
    mine = [c for c in installed if norm_thumbprint(c.thumbprint) == thumb]
    smtp = [c for c in mine if _smtp(c)]
    where = f"; servers: {', '.join(servers)}" if servers else "; no send connector names its servers"
    if smtp:
        state, premise, services = "smtp", smtp[0], smtp[0].services or ("SMTP",)
        said = f"installed with Services {', '.join(services)}"
    elif mine:
        state, premise, services = "not_smtp", mine[0], mine[0].services or ("none",)
        said = f"installed without SMTP (Services {', '.join(services)})"
    elif installed:
        state, premise, services = "not_installed", installed[0], ()
        said = f"not among the {len(installed)} certificate(s) Get-ExchangeCertificate listed"
    else:
        state, premise, services = "no_export", cert, ()
        said = "no Get-ExchangeCertificate export"
    return PlannedCertSmtp(
        provenance=derived(premise, f"planned certificate {thumb}: {said}{where}"),
        thumbprint=thumb, state=state, services=tuple(services), servers=servers, servers_known=bool(servers),
    )
