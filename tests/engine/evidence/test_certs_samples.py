"""certs.py against every sample certificate file: values equal certs/manifest.json."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from relaydoctor.engine.errors import EvidenceError
from relaydoctor.engine.evidence.base import Document
from relaydoctor.engine.evidence.certificates import certs

PASSWORD = "relaydoctor-sample"
CERT_SUFFIXES = (".pem", ".cer", ".p7b", ".pfx")


def document(path: Path) -> Document:
    data = path.read_bytes()
    return Document(path.name, len(data), data[:65536], lambda: io.BytesIO(data))


@pytest.fixture(scope="module")
def manifest(samples: Path) -> dict[str, dict]:
    data = json.loads((samples / "certs" / "manifest.json").read_text())
    return {entry["thumbprint_sha1"]: entry for entry in data.values()}


def cert_files(samples: Path) -> list[Path]:
    files = [p for p in sorted((samples / "certs").iterdir()) if p.suffix in CERT_SUFFIXES]
    files += [p for p in sorted((samples / "bundles").glob("*/*")) if p.suffix in CERT_SUFFIXES]
    return files


def test_every_sample_certificate_matches_the_manifest(samples: Path, manifest: dict) -> None:
    files = cert_files(samples)
    assert len(files) >= 35
    for path in files:
        doc = document(path)
        assert certs.sniff(doc), path.name
        result = certs.parse_with_password(doc, PASSWORD)
        assert result.facts, path.name
        for fact in result.facts:
            entry = manifest[fact.thumbprint]
            where = f"{path.name}: {fact.thumbprint}"
            assert fact.subject == entry["subject_dotnet"], where
            assert fact.issuer == entry["issuer_dotnet"], where
            assert fact.serial == entry["serial_hex"], where
            assert fact.not_before == entry["not_before_utc"], where
            assert fact.not_after == entry["not_after_utc"], where
            assert list(fact.sans) == [n.lower() for n in entry["san_dns"]], where
            assert fact.self_signed is (entry["kind"] in ("root", "selfsigned")), where
            assert fact.is_ca is (entry["kind"] in ("root", "intermediate")), where
            assert fact.origin == "file"
            assert fact.provenance.source == path.name


def test_intermediate_serial_keeps_leading_zero_byte(samples: Path) -> None:
    fact = certs.parse(document(samples / "certs" / "tailspin-trust-rsa-tls-ca-g2.cer")).facts[0]
    assert fact.serial == "0C3B7F29E4A1D85B6F20C9A3117E4D02"
    assert fact.subject == (
        'CN=Tailspin Trust RSA TLS CA G2, O="Tailspin Trust Services, Inc.", L=Redmond, S=Washington, C=US'
    )
    assert fact.cn == "Tailspin Trust RSA TLS CA G2"
    assert fact.issuer_cn == "Tailspin Trust Root CA R2"


@pytest.mark.parametrize("suffix", [".p7b", ".pfx", ".fullchain.pem", ".openssl-pkcs12-nokeys.pem"])
def test_bundles_are_reordered_leaf_first(samples: Path, suffix: str) -> None:
    path = samples / "certs" / f"mail.contoso.com{suffix}"
    facts = certs.parse_with_password(document(path), PASSWORD).facts
    assert [f.cn for f in facts] == [
        "mail.contoso.com",
        "Tailspin Trust RSA TLS CA G2",
        "Tailspin Trust Root CA R2",
    ]


def test_p7b_der_set_of_order_is_not_leaf_first_in_the_file(samples: Path) -> None:
    from cryptography.hazmat.primitives.serialization import pkcs7

    raw = pkcs7.load_der_pkcs7_certificates((samples / "certs" / "mail.contoso.com.p7b").read_bytes())
    assert raw[0].subject != raw[0].issuer  # leaf first in the file would make this test pointless
    assert [c.subject.rfc4514_string() for c in raw][1].startswith("CN=Tailspin Trust Root")


def test_pem_lines_point_at_each_begin_line(samples: Path) -> None:
    path = samples / "certs" / "mail.contoso.com.openssl-pkcs12-nokeys.pem"
    lines = path.read_text().split("\n")
    facts = certs.parse(document(path)).facts
    for fact in facts:
        assert lines[fact.provenance.line - 1] == "-----BEGIN CERTIFICATE-----"
    assert len({f.provenance.line for f in facts}) == 3
    assert facts[0].provenance.excerpt.endswith("CN=mail.contoso.com")


def test_windows_base64_cer_with_crlf(samples: Path) -> None:
    path = samples / "certs" / "mail2026.contoso.net.base64.cer"
    assert b"\r\n" in path.read_bytes()
    result = certs.parse(document(path))
    assert [f.thumbprint for f in result.facts] == ["121A013FD6789E1E09F2493A26AD9213BF5B07C7"]
    assert result.facts[0].provenance.line == 1
    assert result.detail.startswith("PEM, 1 certificate")


def test_der_and_pem_of_one_certificate_give_identical_facts(samples: Path) -> None:
    der = certs.parse(document(samples / "certs" / "star.contoso.com.cer")).facts[0]
    pem = certs.parse(document(samples / "certs" / "star.contoso.com.pem")).facts[0]
    assert der.identity() == pem.identity()
    assert der.cn == "*.contoso.com" and der.sans == ("*.contoso.com", "contoso.com")


def test_pfx_without_password_says_how_to_pass_one(samples: Path) -> None:
    with pytest.raises(EvidenceError) as err:
        certs.parse(document(samples / "certs" / "mail.contoso.com.pfx"))
    assert err.value.message == "PFX is password-protected: pass --pfx-password-env VAR"
    assert err.value.path == "mail.contoso.com.pfx"


def test_pfx_with_wrong_password_is_a_clear_error(samples: Path) -> None:
    with pytest.raises(EvidenceError, match="PFX password is wrong"):
        certs.parse_with_password(document(samples / "certs" / "mail.contoso.com.pfx"), "not-it")


def test_pfx_accepts_str_and_bytes_passwords(samples: Path) -> None:
    doc = document(samples / "certs" / "EXCH01-selfsigned.pfx")
    assert certs.parse_with_password(doc, PASSWORD).facts[0].cn == "EXCH01"
    assert certs.parse_with_password(doc, PASSWORD.encode()).facts[0].cn == "EXCH01"
    assert certs.parse(doc, pfx_password=PASSWORD).facts[0].cn == "EXCH01"  # as the loader calls it


def test_read_returns_public_der_by_thumbprint(samples: Path) -> None:
    got = certs.read(document(samples / "certs" / "mail.contoso.com.pfx"), PASSWORD)
    assert got.format == "pfx"
    assert list(got.der) == [f.thumbprint for f in got.result.facts]
    for thumb, der in got.der.items():
        assert certs.load_certificates(der, "x")[0] is not None
        assert thumb in {f.thumbprint for f in got.result.facts}


def test_load_certificates_reuses_the_format_detection(samples: Path) -> None:
    for suffix in ("p7b", "fullchain.pem", "cer"):
        name = f"mail2026.contoso.net.{suffix}"
        loaded = certs.load_certificates((samples / "certs" / name).read_bytes(), name)
        assert loaded[0].subject.rfc4514_string() == "CN=mail2026.contoso.net"
    pfx = (samples / "certs" / "mail2026.contoso.net.pfx").read_bytes()
    assert len(certs.load_certificates(pfx, "x.pfx", PASSWORD)) == 3
    with pytest.raises(EvidenceError, match="password-protected"):
        certs.load_certificates(pfx, "x.pfx")


def test_sniff_rejects_everything_that_is_not_a_certificate(samples: Path) -> None:
    others = [p for p in samples.rglob("*") if p.is_file() and p.suffix not in CERT_SUFFIXES]
    assert len(others) > 20
    for path in others:
        assert not certs.sniff(document(path)), path


def test_the_der_of_a_cer_file_is_the_file_and_the_encoding_is_the_public_one(samples: Path) -> None:
    """x509names (whose ``der`` certs.py uses) takes ``Encoding`` from the module defining it, to
    leave the serialization package (ssh, ciphers) unimported for plain certificates: the same
    object as the public one."""
    from cryptography.hazmat.primitives import serialization
    from relaydoctor.engine import x509names

    assert x509names.Encoding is serialization.Encoding
    data = (samples / "certs" / "star.contoso.com.cer").read_bytes()
    got = certs.read(document(samples / "certs" / "star.contoso.com.cer"))
    assert list(got.der.values()) == [data]
