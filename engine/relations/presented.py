"""The certificates our side presented to Exchange Online, as the send log shows them.

A certificate is "presented" when an SmtpSession to EOP carries ``cert_presented`` and a
thumbprint. Several aggregated sessions may present the same certificate; their names are merged
and the most relevant session (a rejection first, then the latest) is the premise the relations
cite. The old merged one-line certificate record (Exchange 2016 CU2) may lack SANs: they are taken
from a Certificate fact with the same thumbprint (a file or Get-ExchangeCertificate).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from ..facts import Certificate, SmtpSession
from ..lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from ..x509names import dn_cn
from .common import Instant, latest_time, most_relevant, norm_name, norm_thumbprint, prov_key


@dataclass(frozen=True, slots=True)
class PresentedCert:
    thumbprint: str
    cn: str | None  # normalised CN (lower case; may be a non-DNS text like an Auth certificate's)
    names: tuple[str, ...]  # CN first, then SANs; normalised, unique
    subject: str | None
    issuer: str | None
    session: SmtpSession  # the most relevant session that presented it
    last_used: Instant | None
    enriched_from: str | None  # file:line of the Certificate fact whose SANs were added


def _dns_name(value: str | None) -> str | None:
    name = norm_name(value)
    if not name or any(ch.isspace() for ch in name) or "=" in name:
        return None
    return name


def cert_names(cn: str | None, sans: Sequence[str]) -> tuple[str, ...]:
    """CN then SAN DNS names, normalised, without duplicates."""
    out: list[str] = []
    for raw in (cn, *sans):
        name = _dns_name(raw)
        if name and name not in out:
            out.append(name)
    return tuple(out)


def presented_certificates(
    sessions: Sequence[SmtpSession], certificates: Sequence[Certificate]
) -> list[PresentedCert]:
    """One PresentedCert per thumbprint presented to EOP, sorted by thumbprint."""
    by_thumb: dict[str, list[SmtpSession]] = defaultdict(list)
    for s in sessions:
        thumb = norm_thumbprint(s.cert_thumbprint)
        if s.to_eop and s.cert_presented and thumb:
            by_thumb[thumb].append(s)
    files: dict[str, list[Certificate]] = defaultdict(list)
    for c in certificates:
        files[norm_thumbprint(c.thumbprint)].append(c)

    out: list[PresentedCert] = []
    for thumb in sorted(by_thumb):
        group = sorted(by_thumb[thumb], key=prov_key)
        best = most_relevant(group)
        subject = best.cert_subject or next((s.cert_subject for s in group if s.cert_subject), None)
        issuer = best.cert_issuer or next((s.cert_issuer for s in group if s.cert_issuer), None)
        cn = best.cert_cn or next((s.cert_cn for s in group if s.cert_cn), None) or dn_cn(subject)
        sans: list[str] = []
        for s in [best, *group]:
            sans.extend(x for x in s.cert_sans if x not in sans)
        enriched = None
        known = sorted(files.get(thumb, []), key=lambda c: (c.origin != "file", prov_key(c)))
        if not sans:
            donor = next((c for c in known if c.sans), None)
            if donor is not None:
                sans = list(donor.sans)
                enriched = donor.provenance.ref()
        if not cn:
            cn = next((c.cn for c in known if c.cn), None)
        if not subject:
            subject = next((c.subject for c in known if c.subject), None)
        if not issuer:
            issuer = next((c.issuer for c in known if c.issuer), None)
        out.append(
            PresentedCert(
                thumbprint=thumb,
                cn=norm_name(cn) or None,
                names=cert_names(cn, sans),
                subject=subject,
                issuer=issuer,
                session=best,
                last_used=latest_time(group),
                enriched_from=enriched,
            )
        )
    return out


def as_presented(cert: Certificate) -> PresentedCert:
    """A certificate (planned, or installed and named by a send connector) as the relation
    functions see a presented one; its own fact is the premise the relations cite."""
    cn = cert.cn or dn_cn(cert.subject)
    return PresentedCert(
        thumbprint=norm_thumbprint(cert.thumbprint),
        cn=norm_name(cn) or None,
        names=cert_names(cn, cert.sans),
        subject=cert.subject,
        issuer=cert.issuer,
        session=cert,  # type: ignore[arg-type]  # only its provenance is read
        last_used=None,
        enriched_from=None,
    )
