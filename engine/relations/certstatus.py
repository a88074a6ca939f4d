"""One CertStatus per certificate: validity when it was used, trust from the strongest evidence,
and chain completeness from the files (DOMAIN §4.2, §7, §9 4.5–4.6; DESIGN §3 Trust).

Validity is judged at the latest time the certificate was presented in a send log, else at
``now``. Get-ExchangeCertificate dates are local times without an offset: when only such dates
exist and the time judged is within ±14 h of a boundary, the verdict is ``unknown``.

Trust, strongest first:
1. the user's answer ``cert_trusted=yes|no`` (presented certificates; all leaves if none presented);
2. Windows (Get-ExchangeCertificate): IsSelfSigned → self_signed; Status Revoked → revoked;
   Status Invalid/Untrusted → untrusted_root; Status Valid with RootCAType ThirdParty/Registry →
   trusted, Enterprise → private_ca. RevocationCheckFailure (Windows could not check), DateInvalid
   (a date matter) and other root types decide nothing here: ``windows_status`` keeps the raw value;
   a CAPI2 event or a Test-Certificate / certutil -verify run about the certificate (by thumbprint):
   untrusted root or partial chain → untrusted_root, revoked → revoked (the most serious of all
   Windows verdicts wins); an offline revocation server or a passing check decides nothing (a
   private root passes on the server that trusts it); a Windows "expired" sets validity only when
   the dates are unknown;
3. the certificate itself: a self-signed non-CA certificate → self_signed;
4. the files' chain reaching a root in the offline store → trusted (public_roots);
5. otherwise unknown — a root in neither place never becomes private_ca by our inference.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from cryptography import x509

from ..facts import Answer, CertCheck, Certificate, CertStatus, Fact, SmtpSession, WindowsEvent
from ..utctime import as_utc, format_utc
from .chain import CertRecord, ChainIndex, ChainResult, build_records, walk_chain
from .common import Instant, derived, latest_time, most_relevant, norm_name, parse_time, prov_key
from .roots import RootStore

LOCAL_MARGIN = dt.timedelta(hours=14)

_WINDOWS_SEVERITY = {"revoked": 0, "untrusted_root": 1, "private_ca": 2, "self_signed": 3, "trusted": 4}
_CHAIN_TRUST = {
    "untrusted_root": "untrusted_root", "incomplete_chain": "untrusted_root", "revoked": "revoked"
}
WindowsCheck = WindowsEvent | CertCheck


def judge_validity(not_before: Instant | None, not_after: Instant | None, at: dt.datetime) -> tuple[str, str]:
    """(valid | expired | not_yet_valid | unknown, reason) at time ``at``."""
    at = as_utc(at)
    if not_before is None and not_after is None:
        return "unknown", "no validity dates known"
    close = [
        b for b in (not_before, not_after) if b is not None and not b.exact and abs(at - b.at) <= LOCAL_MARGIN
    ]
    if not_after is not None and at > not_after.at:
        verdict, reason = "expired", f"NotAfter {not_after.iso()} is before {format_utc(at)}"
    elif not_before is not None and at < not_before.at:
        verdict, reason = "not_yet_valid", f"NotBefore {not_before.iso()} is after {format_utc(at)}"
    elif not_before is None or not_after is None:
        known = not_before or not_after
        return "unknown", f"only one validity date known ({known.iso() if known else '?'})"
    else:
        verdict, reason = "valid", f"{format_utc(at)} is within {not_before.iso()} – {not_after.iso()}"
    if close:
        return "unknown", (
            f"{reason}, but the date is a local time without offset within 14 h of {format_utc(at)} "
            f"(would be {verdict})"
        )
    return verdict, reason



def windows_trust(status: str | None, root_ca_type: str | None, self_signed: bool | None) -> str | None:
    """What Get-ExchangeCertificate says about trust, or None when it decides nothing."""
    if self_signed:
        return "self_signed"
    s = (status or "").replace(" ", "").lower()
    root = (root_ca_type or "").replace(" ", "").lower()
    if "revoked" in s:
        return "revoked"
    if s in ("invalid", "untrusted", "untrustedroot"):
        return "untrusted_root"
    if s == "valid":
        if root in ("thirdparty", "registry"):
            return "trusted"
        if root == "enterprise":
            return "private_ca"
    return None


def _dates(rec: CertRecord) -> tuple[Instant | None, Instant | None, Certificate | None]:
    """The best NotBefore/NotAfter: the certificate object, else exact dates, else local ones."""
    if rec.obj is not None:
        nb = Instant(rec.obj.not_valid_before_utc, exact=True)
        na = Instant(rec.obj.not_valid_after_utc, exact=True)
        donor = next((c for c in rec.sorted_facts() if c.origin == "file"), None)
        return nb, na, donor
    for want_exact in (True, False):
        for c in rec.sorted_facts():
            nb, na = parse_time(c.not_before), parse_time(c.not_after)
            if na is None and nb is None:
                continue
            exact = all(x.exact for x in (nb, na) if x is not None)
            if exact == want_exact:
                return nb, na, c
    return None, None, None


def _answer_trust(answers: Sequence[Answer]) -> tuple[str, Answer] | None:
    for a in sorted(answers, key=prov_key, reverse=True):  # the last answer given wins
        if a.key.strip().lower() != "cert_trusted":
            continue
        value = a.value.strip().lower()
        if value in ("yes", "true", "y", "1", "trusted"):
            return "trusted", a
        if value in ("no", "false", "n", "0", "untrusted"):
            return "untrusted_root", a
    return None


def cert_status_relations(
    certificates: Sequence[Certificate],
    sessions: Sequence[SmtpSession],
    answers: Sequence[Answer],
    *,
    now: dt.datetime,
    store: RootStore,
    objects: Mapping[str, x509.Certificate | bytes] | None = None,
    checks: Sequence[WindowsCheck] = (),
) -> list[CertStatus]:
    records = build_records(certificates, sessions, objects)
    index = ChainIndex.build(records)
    by_thumb: dict[str, list[WindowsCheck]] = {}
    for check in checks:
        if check.thumbprint and check.chain_error:
            by_thumb.setdefault(check.thumbprint, []).append(check)
    known = sorted(t for t, r in records.items() if r.facts or r.sessions)
    presented_eop = {t for t in known if any(s.to_eop for s in records[t].sessions)}
    answer = _answer_trust(answers)
    answer_targets = presented_eop or {t for t in known if records[t].is_ca is not True}
    out: list[CertStatus] = []
    for thumb in known:
        rec = records[thumb]
        used = latest_time(rec.sessions)
        at = used.at if used else as_utc(now)
        nb, na, date_fact = _dates(rec)
        validity, vreason = judge_validity(nb, na, at)
        told = sorted(by_thumb.get(thumb, ()), key=prov_key)
        expired = next((c for c in told if c.chain_error == "expired"), None)
        if validity == "unknown" and expired is not None:
            validity, vreason = "expired", f"Windows reported it expired ({expired.provenance.ref()})"
            date_fact = expired
        stamp = format_utc(at)
        when = f"when last presented ({stamp})" if used else f"at {stamp} (not seen presented)"

        chain = walk_chain(rec, records, store, index)
        self_signed = rec.self_signed
        trust, basis, treason, trust_fact = _trust(
            rec, chain, answer if thumb in answer_targets else None, told
        )

        windows = next((c for c in rec.sorted_facts() if c.origin == "exchange"), None)
        premise = _premise(rec, validity, date_fact, basis, trust_fact)
        excerpt = (
            f"certificate {thumb} ({rec.cn or rec.subject or '?'}): {validity} {when} — {vreason}; "
            f"trust {trust} ({basis}) — {treason}; chain {chain.chain} — {chain.note}"
        )
        out.append(
            CertStatus(
                provenance=derived(premise, excerpt),
                thumbprint=thumb,
                cn=norm_name(rec.cn) or None,
                presented=thumb in presented_eop,
                validity=validity,
                evaluated_at=format_utc(at),
                not_after=na.iso() if na else None,
                trust=trust,
                trust_basis=basis,
                self_signed=self_signed,
                chain=chain.chain,
                missing_issuer=chain.missing_issuer if chain.chain == "incomplete" else None,
                smtp_enabled=_smtp_enabled(rec),
                windows_status=windows.status if windows else None,
            )
        )
    return out


def _trust(
    rec: CertRecord, chain: ChainResult, answer: tuple[str, Answer] | None, told: Sequence[WindowsCheck] = ()
) -> tuple[str, str, str, Fact | None]:
    if answer is not None:
        return answer[0], "answer", f"you answered cert_trusted={answer[1].value}", answer[1]
    verdicts = []
    for check in told:
        got = _CHAIN_TRUST.get(check.chain_error or "")
        if got is not None:
            verdicts.append((_WINDOWS_SEVERITY[got], got, check))
    for c in rec.sorted_facts():
        if c.origin == "exchange":
            got = windows_trust(c.status, c.root_ca_type, c.self_signed)
            if got is not None:
                verdicts.append((_WINDOWS_SEVERITY[got], got, c))
    if verdicts:
        _, got, fact = min(verdicts, key=lambda v: (v[0], v[2].KIND, prov_key(v[2])))
        if isinstance(fact, Certificate):
            said = (
                f"Get-ExchangeCertificate: Status {fact.status or '?'}, "
                f"RootCAType {fact.root_ca_type or '?'}, IsSelfSigned {fact.self_signed}"
            )
        else:
            what = f"event {fact.event_id}" if isinstance(fact, WindowsEvent) else fact.tool.replace("_", "-")
            said = f"{what}: {fact.chain_error} ({fact.error_code or 'no code'}) at {fact.provenance.ref()}"
        return got, "windows", said, fact
    if rec.self_signed and rec.is_ca is not True:
        return "self_signed", "certificate", "the certificate is self-signed (issuer = subject)", None
    if chain.root_in_store:
        return "trusted", "public_roots", f"the chain reaches {chain.root_name}", None
    if chain.end == "self_signed_root":
        return (
            "unknown",
            "none",
            (
                f"the chain ends at {chain.root_name}, which is not in the offline root store "
                "(if it is a public CA you trust, answer cert_valid=yes)"
            ),
            None,
        )
    return "unknown", "none", "no Windows verdict and no chain to a known root", None


def _premise(
    rec: CertRecord, validity: str, date_fact: Fact | None, basis: str, trust_fact: Fact | None
) -> Fact:
    if validity in ("expired", "not_yet_valid") and date_fact is not None:
        return date_fact
    if basis in ("windows", "answer") and trust_fact is not None:
        return trust_fact
    eop = sorted((s for s in rec.sessions if s.to_eop), key=prov_key)
    if eop:
        return most_relevant(eop)
    facts = rec.sorted_facts()
    if facts:
        return facts[0]
    return min(rec.sessions, key=prov_key)


def _smtp_enabled(rec: CertRecord) -> bool | None:
    for c in rec.sorted_facts():
        if c.origin == "exchange":
            if c.smtp_enabled is not None:
                return c.smtp_enabled
            if c.services:
                return any(s.strip().upper() == "SMTP" for s in c.services)
    return None
