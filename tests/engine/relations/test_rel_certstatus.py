"""Certificate validity at the time of use, trust precedence and chain completeness."""

from __future__ import annotations

import datetime as dt

import pytest
from certfactory import make_chain, make_intermediate, make_leaf, make_root, make_self_signed, to_der
from relaydoctor.engine.facts import CertStatus
from relaydoctor.engine.relations import RootStore, derive_relations
from relaydoctor.engine.relations.certstatus import judge_validity, windows_trust
from relaydoctor.engine.relations.common import parse_time
from relaydoctor.engine.relations.roots import default_store
from relkit import answer, cert_fact, session

UTC = dt.UTC
NO_PUBLIC = RootStore(include_public=False)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("nb", "na", "when", "expected"),
    [
        ("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", "2026-06-01T00:00:00", "valid"),
        ("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", "2027-01-01T00:00:01", "expired"),
        ("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", "2025-12-31T23:59:59", "not_yet_valid"),
        ("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", "2027-01-01T00:00:00", "valid"),  # inclusive
        (None, None, "2026-06-01T00:00:00", "unknown"),
        (None, "2027-01-01T00:00:00Z", "2027-06-01T00:00:00", "expired"),
        (None, "2027-01-01T00:00:00Z", "2026-06-01T00:00:00", "unknown"),  # NotBefore unknown
        # local (naive) cmdlet dates: within ±14 h of a boundary → unknown
        ("2026-01-01T00:00:00", "2026-12-05T15:59:59", "2026-12-06T02:00:00", "unknown"),
        ("2026-01-01T00:00:00", "2026-12-05T15:59:59", "2026-12-05T10:00:00", "unknown"),
        ("2026-01-01T00:00:00", "2026-12-05T15:59:59", "2026-12-07T00:00:00", "expired"),
        ("2026-01-01T00:00:00", "2026-12-05T15:59:59", "2026-11-20T08:41:00", "valid"),
        ("2026-11-09T16:00:00", "2027-05-28T16:59:59", "2026-11-10T00:00:00", "unknown"),
    ],
)
def test_judge_validity(nb, na, when, expected):
    verdict, _ = judge_validity(parse_time(nb), parse_time(na), at(when))
    assert verdict == expected


@pytest.mark.parametrize(
    ("status", "root", "self_signed", "expected"),
    [
        ("Valid", "ThirdParty", False, "trusted"),
        ("Valid", "Registry", False, "trusted"),
        ("Valid", "Enterprise", False, "private_ca"),
        ("Valid", "None", True, "self_signed"),
        ("Invalid", "ThirdParty", False, "untrusted_root"),
        ("Revoked", "ThirdParty", False, "revoked"),
        ("RevocationCheckFailure", "ThirdParty", False, None),  # could not check: decides nothing
        ("DateInvalid", "ThirdParty", False, None),  # a date matter, judged from the dates
        ("Valid", "GroupPolicy", False, None),
        (None, None, None, None),
    ],
)
def test_windows_trust(status, root, self_signed, expected):
    assert windows_trust(status, root, self_signed) == expected


def statuses(facts, now, **kw) -> dict[str, CertStatus]:
    kw.setdefault("trusted_roots", NO_PUBLIC)
    return {r.thumbprint: r for r in derive_relations(facts, now=now, **kw) if isinstance(r, CertStatus)}


def test_validity_is_judged_when_the_certificate_was_used(fixed_now):
    chain = make_chain(
        "mail.contoso.com", not_before=at("2025-12-06T00:00:00"), not_after=at("2026-11-25T00:00:00")
    )
    leaf = cert_fact(chain.leaf.cert)
    used = session(
        cert_thumbprint=leaf.thumbprint, last_seen="2026-11-20T07:58:11Z", cert_cn="mail.contoso.com"
    )
    st = statuses([leaf, used], fixed_now)[leaf.thumbprint]
    assert (st.validity, st.evaluated_at, st.presented) == ("valid", "2026-11-20T07:58:11Z", True)
    # the same certificate, never seen presented: judged now (2026-11-27) → expired
    st = statuses([leaf], fixed_now)[leaf.thumbprint]
    assert (st.validity, st.evaluated_at, st.presented) == ("expired", "2026-11-27T12:00:00Z", False)
    assert st.not_after == "2026-11-25T00:00:00Z"
    assert st.provenance.source == "cert.pem"  # the expiry comes from the certificate


def test_expired_at_session_time_cites_the_file(fixed_now):
    """The 2017 sample: the log (no dates) + the certificate file that says it expired."""
    chain = make_chain(
        "smtp.contoso.com", not_before=at("2016-03-01T12:00:00"), not_after=at("2017-03-01T12:00:00")
    )
    leaf = cert_fact(chain.leaf.cert, source="smtp.contoso.com-expired.pem")
    facts = [leaf, session(line=13, cert_thumbprint=leaf.thumbprint, last_seen="2017-03-06T10:02:48Z")]
    st = statuses(facts, fixed_now)[leaf.thumbprint]
    assert (st.validity, st.evaluated_at) == ("expired", "2017-03-06T10:02:48Z")
    assert st.provenance.source == "smtp.contoso.com-expired.pem"
    assert "2017-03-01T12:00:00Z" in st.provenance.excerpt


def test_exact_dates_win_over_local_cmdlet_dates(fixed_now):
    chain = make_chain(
        "mail.contoso.com", not_before=at("2025-12-06T00:00:00"), not_after=at("2026-11-27T08:00:00")
    )
    exact = cert_fact(chain.leaf.cert)
    local = cert_fact(
        chain.leaf.cert,
        origin="exchange",
        source="Get-ExchangeCertificate.fl.txt",
        naive_dates=True,
        not_after="2026-11-27T00:00:00",
    )
    assert statuses([local], fixed_now)[exact.thumbprint].validity == "unknown"  # within 14 h of now
    assert statuses([local, exact], fixed_now)[exact.thumbprint].validity == "expired"


def test_trust_precedence_windows_over_store_over_unknown(fixed_now):
    chain = make_chain("mail.contoso.com")
    leaf_file = cert_fact(chain.leaf.cert)
    inter = cert_fact(chain.intermediate.cert)
    root = cert_fact(chain.root.cert)
    windows = cert_fact(
        chain.leaf.cert,
        origin="exchange",
        source="gec.txt",
        status="Valid",
        root_ca_type="ThirdParty",
        services=("IIS", "SMTP"),
    )
    thumb = leaf_file.thumbprint
    # nothing but the chain, root unknown to the store → unknown, never private_ca
    st = statuses([leaf_file, inter, root], fixed_now)[thumb]
    assert (st.trust, st.trust_basis, st.chain) == ("unknown", "none", "complete")
    assert "not in the offline root store" in st.provenance.excerpt
    # the caller trusts that root → trusted on the public-roots basis
    store = RootStore([chain.root.cert], include_public=False)
    st = statuses([leaf_file, inter, root], fixed_now, trusted_roots=store)[thumb]
    assert (st.trust, st.trust_basis) == ("trusted", "public_roots")
    # Windows says ThirdParty/Valid: that wins, even with a root we do not know
    st = statuses([leaf_file, inter, root, windows], fixed_now)[thumb]
    assert (st.trust, st.trust_basis, st.windows_status, st.smtp_enabled) == (
        "trusted",
        "windows",
        "Valid",
        True,
    )
    # Windows says Invalid: untrusted even though our store would trust it
    bad = cert_fact(
        chain.leaf.cert, origin="exchange", source="gec.txt", status="Invalid", root_ca_type="None"
    )
    st = statuses([leaf_file, inter, root, bad], fixed_now, trusted_roots=store)[thumb]
    assert (st.trust, st.trust_basis) == ("untrusted_root", "windows")
    assert st.provenance.source == "gec.txt"
    # RevocationCheckFailure decides nothing: the store decides, the raw status is kept
    rcf = cert_fact(
        chain.leaf.cert,
        origin="exchange",
        source="gec.txt",
        status="RevocationCheckFailure",
        root_ca_type="ThirdParty",
    )
    st = statuses([leaf_file, inter, root, rcf], fixed_now, trusted_roots=store)[thumb]
    assert (st.trust, st.trust_basis, st.windows_status) == (
        "trusted",
        "public_roots",
        "RevocationCheckFailure",
    )
    # an answer overrides everything
    st = statuses([leaf_file, inter, root, windows, answer("cert_trusted", "no")], fixed_now)[thumb]
    assert (st.trust, st.trust_basis) == ("untrusted_root", "answer")


def test_answer_applies_to_presented_certificates_only(fixed_now):
    a = make_chain("mail.contoso.com")
    b = make_chain("other.contoso.com")
    fa, fb = cert_fact(a.leaf.cert), cert_fact(b.leaf.cert)
    facts = [fa, fb, session(cert_thumbprint=fa.thumbprint), answer("cert_trusted", "yes")]
    got = statuses(facts, fixed_now)
    assert (got[fa.thumbprint].trust, got[fa.thumbprint].trust_basis) == ("trusted", "answer")
    assert got[fb.thumbprint].trust_basis == "none"


def test_self_signed_leaf(fixed_now):
    own = make_self_signed("EXCH01", ["EXCH01", "EXCH01.corp.contoso.com"])
    fact = cert_fact(own.cert, source="EXCH01.cer")
    st = statuses([fact], fixed_now)[fact.thumbprint]
    assert (st.trust, st.trust_basis, st.self_signed) == ("self_signed", "certificate", True)
    win = cert_fact(
        own.cert,
        origin="exchange",
        source="gec.txt",
        status="Valid",
        root_ca_type="Registry",
        self_signed=True,
    )
    st = statuses([win], fixed_now)[fact.thumbprint]
    assert (st.trust, st.trust_basis) == ("self_signed", "windows")


def test_root_from_the_public_store_is_trusted(fixed_now):
    """The real certifi bundle, loaded lazily: one of its roots given as a file is trusted."""
    store = default_store()
    assert len(store) > 50
    some_root = store.by_subject(next(iter(store._build())))[0]
    from certfactory import thumbprint

    fact = cert_fact(some_root, source="root.pem")
    st = statuses([fact], fixed_now, trusted_roots=None, certificates={thumbprint(some_root): some_root})
    got = st[thumbprint(some_root)]
    assert (got.trust, got.trust_basis, got.chain) == ("trusted", "public_roots", "complete")


@pytest.mark.parametrize("with_objects", [True, False])
def test_chain_complete_incomplete_unknown(fixed_now, with_objects):
    chain = make_chain("mail.contoso.com")
    leaf = cert_fact(chain.leaf.cert, source="bundle.p7b")
    inter = cert_fact(chain.intermediate.cert, source="bundle.p7b")
    root = cert_fact(chain.root.cert, source="bundle.p7b")
    objects = {f.thumbprint: c for f, c in zip((leaf, inter, root), chain.certs, strict=True)}

    def status(facts):
        kw = {"certificates": {f.thumbprint: objects[f.thumbprint] for f in facts}} if with_objects else {}
        return statuses(facts, fixed_now, **kw)[leaf.thumbprint]

    assert status([leaf, inter, root]).chain == "complete"
    # a chain export without the intermediate: incomplete, naming what is missing
    st = status([leaf, root])
    assert st.chain == "incomplete"
    assert "Relaydoctor Test Issuing CA" in st.missing_issuer
    # a lone leaf file says nothing about what the server sends
    lone = cert_fact(chain.leaf.cert, source="leaf.cer")
    kw = {"certificates": {lone.thumbprint: chain.leaf.cert}} if with_objects else {}
    st = statuses([lone], fixed_now, **kw)[lone.thumbprint]
    assert (st.chain, st.missing_issuer) == ("unknown", None)
    # leaf + intermediate, root neither given nor in the store: the gap may be a root → unknown
    assert status([leaf, inter]).chain == "unknown"
    # ... but complete when the store has that root
    kw = (
        {"certificates": {f.thumbprint: objects[f.thumbprint] for f in (leaf, inter)}} if with_objects else {}
    )
    store = RootStore([chain.root.cert], include_public=False)
    st = statuses([leaf, inter], fixed_now, trusted_roots=store, **kw)[leaf.thumbprint]
    assert (st.chain, st.trust) == ("complete", "trusted")
    # intermediates given in separate files still complete the chain
    split = [cert_fact(c, source=f"{i}.pem") for i, c in enumerate(chain.certs)]
    kw = (
        {"certificates": {f.thumbprint: c for f, c in zip(split, chain.certs, strict=True)}}
        if with_objects
        else {}
    )
    assert statuses(split, fixed_now, **kw)[leaf.thumbprint].chain == "complete"


def test_signature_is_checked_when_objects_are_given(fixed_now):
    """An impostor intermediate with the right name but another key does not complete the chain."""
    chain = make_chain("mail.contoso.com")
    fake_root = make_root("Relaydoctor Test Root CA")
    impostor = make_intermediate(fake_root, "Relaydoctor Test Issuing CA")
    leaf = cert_fact(chain.leaf.cert, source="bundle.pem")
    fake = cert_fact(impostor.cert, source="bundle.pem")
    objects = {leaf.thumbprint: chain.leaf.cert, fake.thumbprint: impostor.cert}
    st = statuses([leaf, fake], fixed_now, certificates=objects)[leaf.thumbprint]
    assert st.chain == "incomplete"
    # by DN alone the impostor looks like the issuer (the fallback cannot tell)
    st = statuses([leaf, fake], fixed_now)[leaf.thumbprint]
    assert st.chain == "unknown"  # stops above the intermediate: root not given


def test_der_bytes_are_accepted_as_certificate_objects(fixed_now):
    chain = make_chain("mail.contoso.com")
    facts = [cert_fact(c, source="b.p7b") for c in chain.certs]
    store = RootStore([chain.root.cert], include_public=False)
    objects = {f.thumbprint: to_der(c) for f, c in zip(facts, chain.certs, strict=True)}
    st = statuses(facts, fixed_now, trusted_roots=store, certificates=objects)[facts[0].thumbprint]
    assert (st.chain, st.trust, st.trust_basis) == ("complete", "trusted", "public_roots")


def test_log_only_certificate_is_unknown(fixed_now):
    facts = [
        session(
            cert_thumbprint="F13EA69EB8D27B0D2A8947D5BCC472E6B2724B29",
            cert_cn="mail.contoso.com",
            cert_subject="CN=mail.contoso.com",
            cert_issuer="CN=Tailspin Trust RSA TLS CA G2, C=US",
            last_seen="2026-11-20T07:58:11Z",
        )
    ]
    st = statuses(facts, fixed_now)["F13EA69EB8D27B0D2A8947D5BCC472E6B2724B29"]
    assert (st.validity, st.trust, st.chain, st.presented) == ("unknown", "unknown", "unknown", True)
    assert st.provenance.source == "SEND20261120-1.LOG"


def test_issuer_directly_in_the_store(fixed_now):
    root = make_root("Direct Root")
    leaf = make_leaf(root, "mail.contoso.com")
    fact = cert_fact(leaf.cert, source="leaf.cer")
    store = RootStore([root.cert], include_public=False)
    st = statuses([fact], fixed_now, trusted_roots=store, certificates={fact.thumbprint: leaf.cert})
    assert (st[fact.thumbprint].chain, st[fact.thumbprint].trust) == ("complete", "trusted")


def test_root_store_file_errors_name_the_file(tmp_path):
    from relaydoctor.engine.errors import InputError

    empty = tmp_path / "roots.pem"
    empty.write_text("no certificates here\n")
    with pytest.raises(InputError, match=r"roots\.pem"):
        RootStore.from_pem_files([empty])
    with pytest.raises(InputError, match=r"missing\.pem"):
        RootStore.from_pem_files([tmp_path / "missing.pem"])


def test_naive_now_is_taken_as_utc():
    chain = make_chain("mail.contoso.com", not_after=at("2026-11-27T11:00:00"))
    fact = cert_fact(chain.leaf.cert)
    st = statuses([fact], dt.datetime(2026, 11, 27, 12, 0))[fact.thumbprint]
    assert (st.validity, st.evaluated_at) == ("expired", "2026-11-27T12:00:00Z")


def test_self_signed_certificate_seen_only_in_the_log(fixed_now):
    facts = [
        session(
            cert_thumbprint="1F5543F4A7C89979765EB35ED799439D7F3CC4B2",
            cert_subject="CN=EXCH01",
            cert_issuer="CN=EXCH01",
            cert_cn="EXCH01",
        )
    ]
    st = statuses(facts, fixed_now)["1F5543F4A7C89979765EB35ED799439D7F3CC4B2"]
    assert (st.trust, st.trust_basis, st.self_signed) == ("self_signed", "certificate", True)
