"""Relations: facts derived in pure Python from evidence facts, so rules never parse strings.

``derive_relations`` is the one entry point. Each relation cites its most relevant premise (the
session that presented the certificate, the connector, the certificate file) with an excerpt that
says what was compared. The output is deterministic: the same facts in any order give the same
relations in the same order, with the same provenance.

Modules: ``names`` (certificate names × TlsSenderCertificateName), ``ips`` (egress IP ×
SenderIPAddresses), ``domains`` (certificate / MAIL FROM / connector names × accepted domains),
``certstatus`` + ``chain`` + ``roots`` (validity, trust, chain), ``sendconnector``
(TlsCertificateName × installed and presented certificates), ``lifetime`` (days to expiry),
``planned`` (a precheck's planned egress address and certificate).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence

from cryptography import x509

from ..facts import (
    RELATION_ORDER,
    AcceptedDomain,
    Answer,
    CertCheck,
    Certificate,
    DomainVerification,
    Fact,
    InboundConnector,
    IpConnectorMatch,
    PrecheckPlan,
    SendConnector,
    SendConnectorCertificate,
    SmtpClient,
    SmtpSession,
    Symptom,
    WindowsEvent,
)
from ..utctime import as_utc
from .certstatus import cert_status_relations
from .changes import connector_change_relations
from .common import prov_key
from .domains import DomainEvidence, domain_relations, planned_sender_relations, recipient_domain_relations
from .ips import connector_ip_scope_relations, ip_relations
from .lifetime import cert_lifetime_relations, path_certificate_relations
from .names import cert_name_relations, planned_cert_name_relations
from .presented import presented_certificates
from .roots import RootStore, default_store
from .sendconnector import planned_send_connector_relations, send_connector_relations

__all__ = ["RootStore", "derive_relations"]


def _of(facts: Sequence[Fact], cls: type) -> list:
    return [f for f in facts if isinstance(f, cls)]


def derive_relations(
    facts: Sequence[Fact],
    *,
    now: dt.datetime,
    trusted_roots: RootStore | None = None,
    certificates: Mapping[str, x509.Certificate | bytes] | None = None,
) -> list[Fact]:
    """Every relation the evidence supports.

    ``now`` judges certificates never seen presented (a naive value is taken as UTC).
    ``trusted_roots`` defaults to the offline Mozilla roots (certifi). ``certificates`` maps
    thumbprints to the certificate objects (or DER/PEM bytes) the parsers loaded, for signature-
    checked chains; without it chains are linked by DN from the facts.
    """
    facts = _unique(facts)
    sessions = _of(facts, SmtpSession)
    certs = _of(facts, Certificate)
    inbound = _of(facts, InboundConnector)
    answers = _of(facts, Answer)
    store = trusted_roots if trusted_roots is not None else default_store()

    presented = presented_certificates(sessions, certs)
    evidence = DomainEvidence.from_facts(_of(facts, AcceptedDomain), _of(facts, DomainVerification))
    statuses = cert_status_relations(
        certs, sessions, answers, now=as_utc(now), store=store, objects=certificates,
        checks=[*_of(facts, WindowsEvent), *_of(facts, CertCheck)],
    )
    out: list[Fact] = [
        *cert_name_relations(presented, inbound),
        *ip_relations(sessions, answers, inbound, _of(facts, SmtpClient)),
        *domain_relations(presented, sessions, inbound, evidence, _of(facts, SmtpClient)),
        *recipient_domain_relations(_of(facts, Symptom), evidence),
        *statuses,
        *send_connector_relations(_of(facts, SendConnector), certs, sessions),
        *connector_change_relations(inbound, sessions),
        *cert_lifetime_relations(statuses, certs, now=as_utc(now)),
    ]
    ordered = _ordered(out)
    plans = _of(facts, PrecheckPlan)
    if not plans:
        return ordered
    from .planned import planned_relations  # a precheck's only: not imported by every diagnose (~0.3 ms)

    return _ordered([
        *ordered,
        *planned_sender_relations(plans, evidence, ordered),
        *planned_relations(plans, facts, evidence, ordered),
        *planned_send_connector_relations(plans, _of(facts, SendConnector), certs),
        *planned_cert_name_relations(plans, certs, inbound),
        *path_certificate_relations(
            plans, _of(ordered, SendConnectorCertificate), sessions, certs, statuses, now=as_utc(now)
        ),
        *connector_ip_scope_relations(plans, inbound, _of(ordered, IpConnectorMatch)),
    ])


def _unique(facts: Sequence[Fact]) -> list[Fact]:
    """Evidence facts without duplicates (the same values from several files count once; the
    first source in sorted order is kept), so counts and provenance do not depend on the input.
    Certificates are kept per file: which file holds which certificates matters to the chain."""
    seen: set[tuple] = set()
    out: list[Fact] = []
    for f in sorted(facts, key=lambda f: (f.KIND, prov_key(f))):
        ident = (f.identity(), f.provenance.source) if isinstance(f, Certificate) else f.identity()
        if ident not in seen:
            seen.add(ident)
            out.append(f)
    return out


def _ordered(relations: list[Fact]) -> list[Fact]:
    """Sorted by kind, then values, then provenance; duplicates (same identity) dropped."""

    def key(f: Fact) -> tuple:
        p = f.provenance
        values = json.dumps(f.values(), sort_keys=True, default=str)
        line = p.line if p.line is not None else -1
        return (RELATION_ORDER.index(f.KIND), values, p.source, line, p.excerpt)

    seen: set[tuple] = set()
    out: list[Fact] = []
    for f in sorted(relations, key=key):
        ident = f.identity()
        if ident not in seen:
            seen.add(ident)
            out.append(f)
    return out
