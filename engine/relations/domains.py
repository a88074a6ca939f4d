"""Domains used for attribution against the tenant's accepted domains (DOMAIN §1.1, §1.6, §6, §9 Step 6).

Decisions (documented so rules can rely on them):
- Evidence: Get-AcceptedDomain (authoritative) and Get-MgDomain/Get-MsolDomain verification. With an
  accepted-domain list, a name is ``accepted`` when listed; ``not_accepted`` otherwise (the excerpt
  says when Entra lists it unverified). A domain listed as accepted while Entra says IsVerified
  false is a contradiction between sources → ``unverified`` (EXO accepted domains are verified by
  definition; rules must not treat it as accepted without asking).
- With only verification evidence, a domain verified in Entra counts as accepted (Microsoft 365
  makes a verified domain an accepted domain); the excerpt says so. Unverified or unlisted →
  ``not_accepted``. Entra's automatic verification of subdomains is NOT an accepted domain, and
  Get-MgDomain lists only domains added to the tenant, so no inheritance is applied.
- With neither → ``unknown``.
- Certificate names (KB 4019940): a host name counts if it or its IMMEDIATE parent is accepted
  (``host.sub.d`` needs ``sub.d``, not ``d``); a wildcard ``*.d`` counts as ``d``.
- MAIL FROM domains must be accepted themselves; when only a parent is accepted and that parent is
  InternalRelay (where MatchSubDomains can be on) the answer is ``unknown``.
- Connector TlsSenderCertificateName: ``*.d`` → ``d``; a host value is accepted only if listed
  itself; a host whose immediate parent is accepted is ``unknown`` — KB 4019940 accepts such a
  certificate host, while KB 3169958 and the HCW warning say host values "may not be registered
  domains" and recommend ``*.d`` or adding the subdomain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import field

from ..facts import (
    AcceptedDomain,
    CertAttribution,
    DomainAcceptance,
    DomainVerification,
    Fact,
    InboundConnector,
    PrecheckPlan,
    SmtpClient,
    SmtpSession,
    Symptom,
)
from ..lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from .common import derived, most_relevant, norm_name, parent_domain, prov_key
from .names import shared_provider
from .presented import PresentedCert

# best first: of several names (a certificate's), the lowest decides
ACCEPTANCE_RANK = {"accepted": 0, "unverified": 1, "unknown": 2, "not_accepted": 3}


@dataclass(frozen=True, slots=True)
class Lookup:
    status: str  # accepted | not_accepted | unverified | unknown
    accepted_as: str | None
    note: str


@dataclass(frozen=True)
class DomainEvidence:
    accepted: dict[str, AcceptedDomain] = field(default_factory=dict)
    verified: dict[str, bool] = field(default_factory=dict)

    @classmethod
    def from_facts(
        cls, accepted: Sequence[AcceptedDomain], verifications: Sequence[DomainVerification]
    ) -> DomainEvidence:
        acc: dict[str, AcceptedDomain] = {}
        for a in sorted(accepted, key=prov_key):
            acc.setdefault(norm_name(a.domain), a)
        ver: dict[str, bool] = {}
        for v in sorted(verifications, key=prov_key):
            name = norm_name(v.domain)
            # two sources disagreeing: keep "unverified" (the cautious reading)
            ver[name] = ver.get(name, True) and bool(v.verified)
        return cls(acc, ver)

    @property
    def has_list(self) -> bool:
        return bool(self.accepted)

    @property
    def has_any(self) -> bool:
        return bool(self.accepted) or bool(self.verified)

    def _listed(self, domain: str) -> str | None:
        """The entry that lists ``domain``: itself, else the first (sorted) ``*.d`` it is under.
        Looked up per parent suffix, so a lookup costs the name's labels, not the list's size."""
        if domain in self.accepted:
            return domain
        found = []
        at = domain.find(".")
        while at >= 0:
            wildcard = "*" + domain[at:]
            if wildcard in self.accepted:
                found.append(wildcard)
            at = domain.find(".", at + 1)
        return min(found) if found else None

    def lookup(self, domain: str) -> Lookup:
        """Is exactly this domain accepted?"""
        d = norm_name(domain)
        entra = self.verified.get(d)
        if self.has_list:
            listed = self._listed(d)
            if listed is not None:
                if entra is False:
                    return Lookup(
                        "unverified",
                        listed,
                        f"{d} is listed by Get-AcceptedDomain but Entra says it is not verified",
                    )
                return Lookup("accepted", listed, f"{d} is an accepted domain")
            if entra is False:
                return Lookup("not_accepted", None, f"{d} is not an accepted domain (unverified in Entra)")
            if entra is True:
                return Lookup(
                    "not_accepted", None, f"{d} is verified in Entra but not listed by Get-AcceptedDomain"
                )
            return Lookup("not_accepted", None, f"{d} is not an accepted domain")
        if self.verified:
            if entra is True:
                return Lookup(
                    "accepted",
                    d,
                    f"{d} is verified in Entra (no Get-AcceptedDomain given; verified domains counted "
                    "as accepted)",
                )
            if entra is False:
                return Lookup("not_accepted", None, f"{d} is in Entra but unverified, so not accepted")
            return Lookup("not_accepted", None, f"{d} is not among the tenant's Entra domains")
        return Lookup("unknown", None, f"no accepted-domain evidence to judge {d}")

    def domain_type(self, domain: str) -> str | None:
        fact = self.accepted.get(domain)
        return fact.domain_type if fact else None


def certificate_name_acceptance(name: str, ev: DomainEvidence) -> Lookup:
    """KB 4019940: the name itself or, for a host name, its immediate parent; ``*.d`` counts as d."""
    n = norm_name(name)
    if n.startswith("*."):
        got = ev.lookup(n[2:])
        return Lookup(got.status, got.accepted_as, f"{n} counts as {n[2:]}: {got.note}")
    own = ev.lookup(n)
    parent = parent_domain(n)
    if own.status == "accepted" or parent is None:
        return own
    up = ev.lookup(parent)
    if ACCEPTANCE_RANK[up.status] < ACCEPTANCE_RANK[own.status]:
        return Lookup(up.status, up.accepted_as, f"{n} is a host under {parent}: {up.note}")
    grand = parent_domain(parent)
    hint = ""
    if own.status == "not_accepted" and grand and ev.lookup(grand).status == "accepted":
        hint = f" ({grand} is accepted, but KB 4019940 needs the immediate parent {parent})"
    return Lookup(own.status, own.accepted_as, f"{own.note}; parent {parent}: {up.note}{hint}")


def mail_from_acceptance(domain: str, ev: DomainEvidence) -> Lookup:
    d = norm_name(domain)
    got = ev.lookup(d)
    if got.status != "not_accepted" or not ev.has_list:
        return got
    parent = parent_domain(d)
    while parent:
        up = ev.lookup(parent)
        if up.status == "accepted":
            if (ev.domain_type(parent) or "").lower() == "internalrelay":
                return Lookup(
                    "unknown",
                    parent,
                    f"{d} is not listed; its parent {parent} is InternalRelay, where MatchSubDomains may "
                    "accept subdomains",
                )
            return Lookup(
                "not_accepted",
                None,
                f"{got.note}; its parent {parent} is accepted, but a subdomain needs its own accepted domain",
            )
        parent = parent_domain(parent)
    return got


def connector_name_acceptance(value: str, ev: DomainEvidence) -> Lookup:
    v = norm_name(value)
    if v.startswith("*."):
        got = ev.lookup(v[2:])
        return Lookup(got.status, got.accepted_as, f"{v} counts as {v[2:]}: {got.note}")
    own = ev.lookup(v)
    parent = parent_domain(v)
    if own.status != "not_accepted" or parent is None:
        return own
    up = ev.lookup(parent)
    if up.status == "accepted":
        return Lookup(
            "unknown",
            up.accepted_as,
            f"{v} is not itself accepted but its parent {parent} is: KB 4019940 accepts a certificate host "
            f"under an accepted domain, while KB 3169958/HCW warn that host values may not be registered "
            f"domains (use *.{parent} or add {v})",
        )
    return own


def _cert_lookup(cert: PresentedCert, ev: DomainEvidence) -> tuple[str, Lookup, list[str]]:
    """The certificate's best name: (domain to report, its lookup, every name's note)."""
    notes: list[str] = []
    best_name, best = None, None
    for name in cert.names:
        got = certificate_name_acceptance(name, ev)
        notes.append(got.note)
        if best is None or ACCEPTANCE_RANK[got.status] < ACCEPTANCE_RANK[best.status]:
            best_name, best = name, got
    if best is None or best_name is None:
        status = "not_accepted" if ev.has_any else "unknown"
        return cert.cn or cert.thumbprint, Lookup(status, None, "the certificate carries no DNS name"), notes
    if best.status in ("accepted", "unverified"):
        return best_name, best, notes
    return (cert.cn if cert.cn in cert.names else cert.names[0]), best, notes


def domain_to_add(name: str, role: str) -> str:
    """The accepted domain that would make ``name`` count (KB 4019940): for a certificate or
    connector host name its immediate parent, for a wildcard its base, else the name itself."""
    n = norm_name(name)
    if n.startswith("*."):
        return n[2:]
    if role in ("certificate", "connector_certificate_name"):
        return parent_domain(n) or n
    return n


def _to_add(got: Lookup, name: str, role: str) -> str | None:
    """What to add (or verify) so that ``name`` counts; None when it already does or cannot be told."""
    if got.status == "accepted":
        return None
    if got.status == "unverified" and got.accepted_as:
        return got.accepted_as
    return domain_to_add(name, role) if got.status == "not_accepted" else None


def domain_relations(
    presented: Sequence[PresentedCert],
    sessions: Sequence[SmtpSession],
    connectors: Sequence[InboundConnector],
    ev: DomainEvidence,
    clients: Sequence[SmtpClient] = (),
) -> list[DomainAcceptance]:
    out: list[DomainAcceptance] = []
    for cert in presented:
        domain, got, notes = _cert_lookup(cert, ev)
        out.append(
            DomainAcceptance(
                provenance=derived(
                    cert.session,
                    f"certificate {cert.thumbprint} names vs accepted domains: {got.status} — "
                    + "; ".join(dict.fromkeys(notes or [got.note])),
                ),
                role="certificate",
                domain=domain,
                status=got.status,
                accepted_as=got.accepted_as if got.status in ("accepted", "unverified") else None,
                thumbprint=cert.thumbprint,
                to_add=_to_add(got, domain, "certificate"),
            )
        )

    by_domain: dict[str, list[SmtpSession | SmtpClient]] = {}
    for s in sessions:
        if not s.to_eop or s.null_sender:
            continue
        d = norm_name(s.mail_from_domain)
        if d:
            by_domain.setdefault(d, []).append(s)
    for c in clients:  # a relay's or app's log of its sessions with the tenant's MX endpoint
        d = norm_name(c.mail_from_domain) if c.smart_host_kind == "eop_tenant" else ""
        if d and d not in by_domain:
            by_domain.setdefault(d, []).append(c)
    for d in sorted(by_domain):
        got = mail_from_acceptance(d, ev)
        group = by_domain[d]
        premise = most_relevant(group) if isinstance(group[0], SmtpSession) else group[0]
        out.append(
            DomainAcceptance(
                provenance=derived(
                    premise,
                    f"MAIL FROM domain {d} vs accepted domains: {got.status} — {got.note}",
                ),
                role="mail_from",
                domain=d,
                status=got.status,
                accepted_as=got.accepted_as if got.status in ("accepted", "unverified") else None,
                to_add=_to_add(got, d, "mail_from"),
            )
        )

    for conn in sorted(connectors, key=lambda c: (c.name, prov_key(c))):
        value = norm_name(conn.tls_sender_certificate_name)
        if not value:
            continue
        got = connector_name_acceptance(value, ev)
        out.append(
            DomainAcceptance(
                provenance=derived(
                    conn,
                    f"connector {conn.name!r} TlsSenderCertificateName {value} vs accepted domains: "
                    f"{got.status} — {got.note}",
                ),
                role="connector_certificate_name",
                domain=value,
                status=got.status,
                accepted_as=got.accepted_as if got.status in ("accepted", "unverified") else None,
                connector=conn.name,
                to_add=_to_add(got, value, "connector_certificate_name"),
                certificate_status=certificate_name_acceptance(value, ev).status,
                shared_with=shared_provider(value),
                domains_given=ev.has_any,
                note=got.note,
            )
        )
    return out


def recipient_domain_relations(symptoms: Sequence[Symptom], ev: DomainEvidence) -> list[DomainAcceptance]:
    """The domains of rejected recipients against the accepted domains: a tenant answers 5.4.1
    Relay Access Denied or loops (5.4.6 ATTR1) for a recipient domain it does not accept (KB 2603474)."""
    if not ev.has_any:
        return []
    seen: dict[str, Symptom] = {}
    for s in sorted(symptoms, key=prov_key):
        address = s.recipient or ""
        domain = norm_name(address.rpartition("@")[2]) if "@" in address else ""
        if domain and domain not in seen:
            seen[domain] = s
    out = []
    for domain, s in sorted(seen.items()):
        got = mail_from_acceptance(domain, ev)
        excerpt = f"recipient domain {domain} vs accepted domains: {got.status} — {got.note}"
        to_add = _to_add(got, domain, "recipient")
        out.append(_acceptance(s, excerpt, "recipient", domain, got, to_add=to_add))
    return out


def _acceptance(
    premise: Fact, excerpt: str, role: str, domain: str, got: Lookup, **more: object
) -> DomainAcceptance:
    """The relation of one looked-up domain (``more``: the role's own fields)."""
    return DomainAcceptance(
        provenance=derived(premise, excerpt),
        role=role,
        domain=domain,
        status=got.status,
        accepted_as=got.accepted_as if got.status in ("accepted", "unverified") else None,
        **more,  # type: ignore[arg-type]
    )


def planned_sender_relations(
    plans: Sequence[PrecheckPlan], ev: DomainEvidence, relations: Sequence[Fact]
) -> list[DomainAcceptance]:
    """A precheck's planned sending domain against the accepted domains (role ``planned_sender``,
    apart from the MAIL FROM domains seen, which other causes read), with the lookup's words for the
    check's line and, when it is not accepted, the presented certificate that attributes its mail
    anyway (``relations``: the certificate attributions and domain acceptances, in report order).
    None without any accepted-domain export: the check cannot be made."""
    if not ev.has_any:
        return []
    accepted = {
        d.thumbprint for d in relations
        if isinstance(d, DomainAcceptance) and d.role == "certificate" and d.status == "accepted"
    }
    attributing = (
        a.thumbprint for a in relations
        if isinstance(a, CertAttribution) and a.match in ("match", "wildcard_match")
        and a.thumbprint in accepted
    )
    by = next(attributing, None)
    out = []
    for plan in sorted(plans, key=prov_key):
        domain = norm_name(plan.sender_domain)
        if not domain:
            continue
        got = mail_from_acceptance(domain, ev)
        excerpt = f"planned sending domain {domain} vs accepted domains: {got.status}"
        out.append(
            _acceptance(
                plan, excerpt, "planned_sender", domain, got, to_add=_to_add(got, domain, "mail_from"),
                note=got.note, attributed_by=by if got.status == "not_accepted" else None,
            )
        )
    return out
