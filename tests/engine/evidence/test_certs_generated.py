"""certs.py on certificates generated for the edge cases the samples do not cover."""

from __future__ import annotations

import datetime as dt
import gc
import io

import pytest
from certfactory import (
    key_pem,
    make_chain,
    make_leaf,
    make_root,
    make_self_signed,
    name,
    to_der,
    to_p7b,
    to_pem,
    to_pfx,
    to_pfx_empty_password,
)
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.oid import NameOID
from relaydoctor.engine.errors import EvidenceError
from relaydoctor.engine.evidence.base import Document
from relaydoctor.engine.evidence.certificates import certs
from relaydoctor.engine.x509names import dotnet_name, dotnet_serial


def document(data: bytes, name_: str = "evidence.bin") -> Document:
    return Document(name_, len(data), data[:65536], lambda: io.BytesIO(data))


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def only(data: bytes, password: str | None = None):
    doc = document(data)
    assert certs.sniff(doc)
    return certs.parse_with_password(doc, password)


def test_expired_and_not_yet_valid_dates_are_iso_utc() -> None:
    expired = make_chain("old.contoso.com", None, utc(2016, 3, 1, 12), utc(2017, 3, 1, 12))
    future = make_chain("new.contoso.com", None, utc(2030, 1, 2, 3, 4, 5), utc(2031, 1, 1))
    old = only(to_der(expired.leaf.cert)).facts[0]
    new = only(to_der(future.leaf.cert)).facts[0]
    assert (old.not_before, old.not_after) == ("2016-03-01T12:00:00Z", "2017-03-01T12:00:00Z")
    assert new.not_before == "2030-01-02T03:04:05Z"


def test_wildcard_and_mixed_case_sans_are_lower_cased() -> None:
    chain = make_chain("*.Contoso.COM", ["*.Contoso.COM", "Contoso.com", "MAIL.contoso.com."])
    fact = only(to_pem(chain.leaf.cert)).facts[0]
    assert fact.cn == "*.Contoso.COM"  # the CN is shown as issued
    assert fact.sans == ("*.contoso.com", "contoso.com", "mail.contoso.com")


def test_no_san_extension_and_no_cn() -> None:
    chain = make_chain("nosan.contoso.com", ())
    fact = only(to_der(chain.leaf.cert)).facts[0]
    assert fact.sans == () and fact.cn == "nosan.contoso.com"
    bare = make_leaf(chain.intermediate, None, ["only-san.contoso.com"], subject=name(("O", "Contoso")))
    fact = only(to_der(bare.cert)).facts[0]
    assert fact.cn is None and fact.subject == "O=Contoso" and fact.sans == ("only-san.contoso.com",)


def test_idn_names_stay_in_a_label_form() -> None:
    chain = make_chain("xn--bcher-kva.example", ["xn--bcher-kva.example", "XN--Caf-dma.example"])
    fact = only(to_der(chain.leaf.cert)).facts[0]
    assert fact.sans == ("xn--bcher-kva.example", "xn--caf-dma.example")
    unicode_cn = make_leaf(chain.intermediate, "bücher.example", ["xn--bcher-kva.example"])
    assert only(to_der(unicode_cn.cert)).facts[0].subject == "CN=bücher.example"


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ((("C", "US"), ("O", "Tailspin, Inc."), ("CN", "x")), 'CN=x, O="Tailspin, Inc.", C=US'),
        ((("O", 'Say "hi"'), ("CN", "x")), 'CN=x, O="Say ""hi"""'),
        ((("CN", "a+b"),), 'CN="a+b"'),
        ((("CN", "a=b;c"),), 'CN="a=b;c"'),
        ((("CN", " padded "),), 'CN=" padded "'),
        ((("CN", "#hash"),), 'CN="#hash"'),
        ((("CN", "back\\slash"),), "CN=back\\slash"),
        (
            (("S", "Washington"), ("L", "Redmond"), ("OU", "IT"), ("CN", "x")),
            "CN=x, OU=IT, L=Redmond, S=Washington",
        ),
        ((("DC", "com"), ("DC", "contoso"), ("CN", "x")), "CN=x, DC=contoso, DC=com"),
        ((("E", "pki@contoso.com"), ("CN", "x")), "CN=x, E=pki@contoso.com"),
        (([("CN", "multi"), ("OU", "valued")], ("C", "US")), "C=US, CN=multi + OU=valued"),
    ],
)
def test_dotnet_distinguished_names(parts: tuple, expected: str) -> None:
    subject = name(*parts)
    assert dotnet_name(subject) == expected
    root = make_root()
    leaf = make_leaf(root, None, ["x.contoso.com"], subject=subject)
    assert only(to_der(leaf.cert)).facts[0].subject == expected


def test_unknown_attribute_types_print_as_oid() -> None:
    subject = x509.Name([
        x509.NameAttribute(x509.ObjectIdentifier("1.3.6.1.4.1.311.60.2.1.3"), "US"),
        x509.NameAttribute(NameOID.BUSINESS_CATEGORY, "Private Organization"),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, "123"),
        x509.NameAttribute(NameOID.COMMON_NAME, "ev.contoso.com"),
    ])
    assert dotnet_name(subject) == (
        "CN=ev.contoso.com, SERIALNUMBER=123, OID.2.5.4.15=Private Organization, "
        "OID.1.3.6.1.4.1.311.60.2.1.3=US"
    )


@pytest.mark.parametrize(
    ("serial", "expected"),
    [
        (0x0C3B7F29E4A1D85B6F20C9A3117E4D02, "0C3B7F29E4A1D85B6F20C9A3117E4D02"),
        (0x8A01, "008A01"),  # high bit set: DER adds a zero byte, and .NET prints it
        (0x7F, "7F"),
        (1, "01"),
        (0, "00"),
        (-1, "FF"),  # malformed but seen: negative serials are printed as encoded
    ],
)
def test_serial_as_dotnet_prints_it(serial: int, expected: str) -> None:
    assert dotnet_serial(serial) == expected


def test_serial_from_a_generated_certificate() -> None:
    root = make_root()
    leaf = make_leaf(root, "s.contoso.com", serial=0x80112233)
    assert only(to_der(leaf.cert)).facts[0].serial == "0080112233"


def test_self_signed_needs_a_matching_signature_not_just_names() -> None:
    own = make_self_signed("EXCH01", ["EXCH01", "EXCH01.corp.contoso.com"])
    fact = only(to_der(own.cert)).facts[0]
    assert fact.self_signed is True and fact.is_ca is False
    assert fact.issuer == fact.subject == "CN=EXCH01"
    # Same name as its issuer, but signed by that other key: not self-signed.
    impostor_root = make_root("EXCH01")
    lookalike = make_leaf(impostor_root, "EXCH01", ["exch01"])
    fact = only(to_der(lookalike.cert)).facts[0]
    assert fact.subject == fact.issuer and fact.self_signed is False


def test_rsa_chain_in_a_pem_p7b() -> None:
    chain = make_chain("rsa.contoso.com", key_type="rsa")
    data = to_p7b([chain.root.cert, chain.leaf.cert, chain.intermediate.cert], encoding="pem")
    result = only(data)
    assert [f.cn for f in result.facts] == ["rsa.contoso.com", "Relaydoctor Test Issuing CA",
                                             "Relaydoctor Test Root CA"]
    assert result.detail.startswith("PEM, 3 certificates")
    assert [f.is_ca for f in result.facts] == [False, True, True]


def test_der_p7b_in_set_order_comes_out_leaf_first() -> None:
    chain = make_chain("p7.contoso.com")
    result = only(to_p7b([chain.root.cert, chain.intermediate.cert, chain.leaf.cert]))
    assert result.detail.startswith("PKCS#7, 3 certificates")
    assert result.facts[0].cn == "p7.contoso.com"


def test_duplicates_in_one_file_give_one_fact() -> None:
    chain = make_chain("dup.contoso.com")
    result = only(to_pem(chain.leaf.cert, chain.leaf.cert, chain.intermediate.cert))
    assert [f.cn for f in result.facts] == ["dup.contoso.com", "Relaydoctor Test Issuing CA"]


def test_unrelated_certificates_keep_file_order() -> None:
    a, b = make_self_signed("a.contoso.com"), make_self_signed("b.contoso.com")
    assert [f.cn for f in only(to_pem(a.cert, b.cert)).facts] == ["a.contoso.com", "b.contoso.com"]


def test_utf16_pem_as_powershell_writes_it() -> None:
    chain = make_chain("utf16.contoso.com")
    data = b"\xff\xfe" + to_pem(chain.leaf.cert, crlf=True).decode().encode("utf-16-le")
    assert only(data).facts[0].cn == "utf16.contoso.com"


def test_trusted_certificate_pem_label() -> None:
    leaf = make_chain("trusted.contoso.com").leaf
    body = to_pem(leaf.cert).decode().replace("BEGIN CERTIFICATE", "BEGIN TRUSTED CERTIFICATE")
    body = body.replace("END CERTIFICATE", "END TRUSTED CERTIFICATE")
    assert only(body.encode()).facts[0].cn == "trusted.contoso.com"


def test_broken_pem_block_names_its_line() -> None:
    leaf = make_chain("x.contoso.com").leaf
    pem = to_pem(leaf.cert).decode()
    broken = "note\n\n" + pem.replace(pem.split("\n")[3], "!!!not base64!!!")
    with pytest.raises(EvidenceError) as err:
        certs.parse(document(broken.encode(), "broken.pem"))
    assert err.value.line == 3 and "not valid base64" in err.value.message


def test_damaged_der_certificate_is_an_evidence_error() -> None:
    der = bytearray(to_der(make_chain("d.contoso.com").leaf.cert))
    der[40:60] = b"\x00" * 20
    doc = document(bytes(der), "d.cer")
    if certs.sniff(doc):
        with pytest.raises(EvidenceError, match="damaged DER certificate"):
            certs.parse(doc)


def test_pfx_without_password_opens_unasked() -> None:
    chain = make_chain("open.contoso.com")
    result = only(to_pfx(chain.leaf, chain.cas, None))
    assert [f.cn for f in result.facts] == ["open.contoso.com", "Relaydoctor Test Issuing CA",
                                            "Relaydoctor Test Root CA"]


def test_pfx_with_empty_password_opens_unasked() -> None:
    chain = make_chain("empty.contoso.com")
    data = to_pfx_empty_password(chain.leaf, chain.cas)
    if data is None:
        pytest.skip("openssl command not available to write an empty-password PFX")
    assert only(data).facts[0].cn == "empty.contoso.com"
    assert only(data, "").facts[0].cn == "empty.contoso.com"


def test_pfx_modern_and_legacy_encryption() -> None:
    chain = make_chain("pfx.contoso.com", key_type="rsa")
    for legacy in (False, True):
        data = to_pfx(chain.leaf, chain.cas, "s3cret", legacy=legacy)
        with pytest.raises(EvidenceError, match="password-protected"):
            certs.parse(document(data, "a.pfx"))
        assert len(certs.parse_with_password(document(data), "s3cret").facts) == 3


def _private_numbers_text(key) -> list[str]:
    numbers = key.private_numbers()
    secret = numbers.d if hasattr(numbers, "d") else numbers.private_value
    return [str(secret), format(secret, "x"), format(secret, "X")]


def _reachable(root: object, limit: int = 20000) -> list[object]:
    seen: dict[int, object] = {}
    todo = [root]
    while todo and len(seen) < limit:
        obj = todo.pop()
        if id(obj) in seen or isinstance(obj, type):
            continue
        seen[id(obj)] = obj
        todo.extend(gc.get_referents(obj))
    return list(seen.values())


def test_pfx_private_key_is_dropped() -> None:
    chain = make_chain("secret.contoso.com", key_type="rsa")
    data = to_pfx(chain.leaf, chain.cas, "pw")
    got = certs.read(document(data, "secret.pfx"), "pw")
    pem_key = key_pem(chain.leaf).decode()
    key_lines = [line for line in pem_key.split("\n") if line and "PRIVATE KEY" not in line]
    dumps = [repr(got), str(got.result), *(repr(f) for f in got.result.facts)]
    dumps += [f.summary() for f in got.result.facts] + [repr(f.to_engine()) for f in got.result.facts]
    for text in dumps:
        for secret in _private_numbers_text(chain.leaf.key):
            assert secret not in text
        for line in key_lines:
            assert line not in text
    # No key object anywhere in what the parse returned.
    assert not [o for o in _reachable(got) if isinstance(o, PrivateKeyTypes)]
    der_values = b"".join(got.der.values())
    assert chain.leaf.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ) not in der_values


def test_private_key_block_in_pem_is_ignored_with_a_warning() -> None:
    chain = make_chain("withkey.contoso.com")
    data = key_pem(chain.leaf) + to_pem(chain.leaf.cert)
    result = only(data)
    assert [f.cn for f in result.facts] == ["withkey.contoso.com"]
    assert result.warnings == ["evidence.bin:1: private key block ignored (never read)"]
    key_body = key_pem(chain.leaf).decode().split("\n")[1]
    assert key_body not in repr(result)


def test_key_only_pem_is_not_a_certificate_file() -> None:
    chain = make_chain("k.contoso.com")
    doc = document(key_pem(chain.leaf))
    assert not certs.sniff(doc)
    with pytest.raises(EvidenceError, match="no certificate found"):
        certs.parse(doc)


def test_provenance_excerpt_names_format_and_subject() -> None:
    chain = make_chain("prov.contoso.com")
    fact = only(to_der(chain.leaf.cert)).facts[0]
    assert fact.provenance.line is None
    assert fact.provenance.excerpt == "DER certificate 1 of 1: CN=prov.contoso.com"


@pytest.mark.parametrize("key_type", ["ec", "rsa"])
def test_the_thumbprint_is_cryptographys_sha1_fingerprint(key_type: str) -> None:
    from cryptography.hazmat.primitives import hashes
    from relaydoctor.engine.x509names import thumbprint

    for cert in make_chain("mail.contoso.com", ["mail.contoso.com"], key_type=key_type).certs:
        der, pem = x509.load_der_x509_certificate(to_der(cert)), x509.load_pem_x509_certificate(to_pem(cert))
        for read in (der, pem):
            assert thumbprint(read) == read.fingerprint(hashes.SHA1()).hex().upper()
