"""A precheck's planned values against the current exports: the planned egress address, the
planned certificate's domain and SMTP binding, and the planned inbound connector edit
(docs/precheck.md).

Only a ``precheck_plan`` fact yields these relations, so a diagnosis never sees them. Each carries
the fields the pack's checks test (an address class, an explicit ``cert_route: none`` computed over
the whole connector export, a count of names), because a rule cannot classify an address, count
or look at every fact of a kind.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..facts import (
    Answer,
    Certificate,
    DomainAcceptance,
    Fact,
    InboundConnector,
    IpAttribution,
    PlannedCertSmtp,
    PlannedConnector,
    PlannedEgress,
    PlannedIpMatch,
    PlannedNameMatch,
    PrecheckPlan,
    SendConnector,
    SendConnectorCertificate,
    SmtpSession,
)
from ..plainwords import plain_value
from ..x509names import dn_cn
from .common import derived, norm_name, norm_thumbprint, planned_certificate, prov_key
from .domains import ACCEPTANCE_RANK, DomainEvidence, certificate_name_acceptance, connector_name_acceptance
from .ips import egress_ips, match_ip, not_public, parse_ip, parse_ip_entry
from .names import best_name_match, connector_value_problem, shared_provider, usable
from .presented import PresentedCert, as_presented, cert_names, presented_certificates


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
        if plan.connector_cert_name is not None or plan.connector_ips_planned:
            out.extend(planned_connector(plan, facts, inbound, ev, relations))
        cert = planned_certificate(plan.cert_thumbprint, certs)
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
    name, got = min(looks, key=lambda nl: (ACCEPTANCE_RANK[nl[1].status], nl[0]))
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
    # an export without a Services column says nothing about SMTP: never "not enabled" from that
    known = [c for c in mine if c.smtp_enabled is not None or c.services]
    where = f"; servers: {', '.join(servers)}" if servers else "; no send connector names its servers"
    if smtp:
        state, premise, services = "smtp", smtp[0], smtp[0].services or ("SMTP",)
        said = f"installed with Services {', '.join(services)}"
    elif known:
        state, premise, services = "not_smtp", known[0], known[0].services or ("none",)
        said = f"installed without SMTP (Services {', '.join(services)})"
    elif mine:
        state, premise, services = "services_unknown", mine[0], ()
        said = "installed; the Get-ExchangeCertificate export has no Services"
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


# -- the planned inbound connector edit -----------------------------------------------------------


def edited_connector(
    plan: PrecheckPlan, inbound: Sequence[InboundConnector]
) -> tuple[str, InboundConnector | None]:
    """The connector the edit applies to: --connector, else the only OnPremises connector (else a
    new one)."""
    if plan.connector:
        wanted = plan.connector.lower()
        return plan.connector, next((c for c in inbound if c.name.lower() == wanted), None)
    onprem = [c for c in inbound if c.connector_type == "OnPremises"]
    if len(onprem) == 1:
        return onprem[0].name, onprem[0]
    return "(new connector)", None


def shown_certificates(facts: Sequence[Fact], relations: Sequence[Fact]) -> list[PresentedCert]:
    """The certificates your side presents to Exchange Online: from the send logs, else the
    installed certificates the send connectors name."""
    sessions = [f for f in facts if isinstance(f, SmtpSession)]
    certs = [f for f in facts if isinstance(f, Certificate)]
    shown = presented_certificates(sessions, certs)
    if shown:
        return shown
    named = {s.thumbprint for s in relations if isinstance(s, SendConnectorCertificate) and s.thumbprint}
    installed = (c for c in certs if c.origin == "exchange")
    return [as_presented(c) for c in installed if norm_thumbprint(c.thumbprint) in named]


def planned_connector(
    plan: PrecheckPlan, facts: Sequence[Fact], inbound: Sequence[InboundConnector], ev: DomainEvidence,
    relations: Sequence[Fact],
) -> list[Fact]:
    """The planned connector (the current one with the edit applied) and what it is compared
    with: the accepted domains, the certificates your servers present, your egress addresses."""
    name, current = edited_connector(plan, inbound)
    value = norm_name(plan.connector_cert_name) if plan.connector_cert_name is not None else None
    problem = connector_value_problem(value) if value is not None else None
    shared = shared_provider(value) if value and not problem else None
    entries = list(plan.connector_ips) if plan.connector_ips_planned else []
    bad, wide, private = [], [], []
    for e in entries:
        parsed = parse_ip_entry(e)
        if parsed.problem:
            bad.append(f"{e!r}: {parsed.problem}")
            continue
        for net in parsed.networks:
            if not_public(net):
                private.append(str(net))
            elif net.prefixlen < 32:
                wide.append(str(net))
    has_cert = bool(value or (current and current.tls_sender_certificate_name))
    shown = shown_certificates(facts, relations) if value and not problem else []
    answers = [a for a in facts if isinstance(a, Answer)]
    sessions = [f for f in facts if isinstance(f, SmtpSession)]
    seen = egress_ips(sessions, answers) if plan.connector_ips_planned else []
    premise: Fact = current or plan
    planned = f"planned connector {name!r}" + ("" if current else " (not in the export)")
    edit = "; ".join(
        ([f"TlsSenderCertificateName {value}"] if value is not None else [])
        + ([f"SenderIPAddresses {', '.join(entries) or '(empty)'}"] if plan.connector_ips_planned else [])
    )
    out: list[Fact] = [
        PlannedConnector(
            provenance=derived(premise, f"{planned}: {edit}"),
            name=name, exists=current is not None, cert_name=value, cert_name_problem=problem, shared=shared,
            domain_export=ev.has_any, ips_planned=plan.connector_ips_planned, ips=tuple(entries),
            ips_count=len(entries), ips_problem="; ".join(bad) or None, ips_private=tuple(private),
            private=bool(private), ips_wide=tuple(wide), wide=bool(wide), certificate_name=has_cert,
            presented=len(shown), egress=len(seen),
        )
    ]
    if value and not problem and ev.has_any:
        got = connector_name_acceptance(value, ev)
        out.append(DomainAcceptance(
            provenance=derived(premise, f"{planned} TlsSenderCertificateName {value}: {got.note}"),
            role="planned_connector_name", domain=value, status=got.status,
            accepted_as=got.accepted_as if got.status in ("accepted", "unverified") else None,
            connector=name, note=got.note,
        ))
    for cert in shown:
        verdict = best_name_match(cert.names, value or "")
        out.append(PlannedNameMatch(
            provenance=derived(
                cert.session, f"certificate {cert.thumbprint} [{', '.join(cert.names)}] vs planned {value}: "
                f"{verdict.match} — {verdict.reason}",
            ),
            thumbprint=cert.thumbprint, short=cert.thumbprint[:8] + "…", label=cert.cn or cert.thumbprint,
            names=cert.names, expected=value or "", match=verdict.match, reason=verdict.reason,
        ))
    for egress in seen:
        verdict = match_ip(egress.ip, entries)
        out.append(PlannedIpMatch(
            provenance=derived(
                egress.premise, f"egress IP {egress.ip} vs planned SenderIPAddresses: {verdict.reason}"
            ),
            ip=egress.ip, match=verdict.match, reason=verdict.reason, certificate_name=has_cert,
        ))
    return out
