"""A PEM file with thousands of certificates of one issuer: bounded by MAX_CERTS_PER_FILE."""

from __future__ import annotations

import datetime as dt
import io
import time
from functools import cache

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from relaydoctor.engine.evidence.base import Document
from relaydoctor.engine.evidence.certificates import certs


@cache
def _pem_block(serial: int) -> bytes:
    key = _key()
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tailspin Issuing CA")])
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"host{serial}.contoso.com")])
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
        .serial_number(serial).not_valid_before(start).not_valid_after(start + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


@cache
def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _doc(count: int) -> Document:
    data = b"".join(_pem_block(n + 1) for n in range(count))
    return Document(name="bundle.pem", size=len(data), head=data[:65536], opener=lambda: io.BytesIO(data))


def test_certificates_just_below_and_just_above_the_limit():
    at = certs.read(_doc(certs.MAX_CERTS_PER_FILE))
    assert len(at.result.facts) == certs.MAX_CERTS_PER_FILE
    assert not any("more than" in w for w in at.result.warnings)
    above = certs.read(_doc(certs.MAX_CERTS_PER_FILE + 1))
    assert len(above.result.facts) == certs.MAX_CERTS_PER_FILE
    (warning,) = [w for w in above.result.warnings if "more than" in w]
    assert warning.startswith("line ") and f"{certs.MAX_CERTS_PER_FILE:,}" in warning


def test_ten_thousand_certificates_are_read_quickly():
    doc = _doc(10_000)
    started = time.monotonic()
    result = certs.read(doc).result
    assert len(result.facts) == certs.MAX_CERTS_PER_FILE
    assert time.monotonic() - started < 20


def test_ten_thousand_certificates_through_the_cli_within_the_bounds(tmp_path):
    """End to end: exit 0, within 30 s and 2 GiB of address space, the cut named."""
    from clikit_path import diagnose_notes_within_bounds

    doc = _doc(10_000)
    with doc.opener() as fh:
        (tmp_path / "bundle.pem").write_bytes(fh.read())
    notes = diagnose_notes_within_bounds(tmp_path)
    assert any(f"{certs.MAX_CERTS_PER_FILE:,}" in note for note in notes)  # the cut is named


def test_the_facts_command_names_the_cut_too(tmp_path):
    """``facts`` showed 1,000 certificates of 10,000 without a word; its text and JSON now carry
    the readers' warnings."""
    import json

    from clikit_path import run_cli

    with _doc(certs.MAX_CERTS_PER_FILE + 1).opener() as fh:
        (tmp_path / "bundle.pem").write_bytes(fh.read())
    text = run_cli("facts", str(tmp_path), timeout=120)
    assert text.code == 0, text.err
    assert "NOTES (1)" in text.out and f"{certs.MAX_CERTS_PER_FILE:,}" in text.out
    data = json.loads(run_cli("facts", str(tmp_path), "--format", "json", timeout=120).out)
    assert any(f"{certs.MAX_CERTS_PER_FILE:,}" in n for n in data["notes"])


@pytest.mark.filterwarnings("ignore:Attribute's length")  # the test's own making of the certificate
def test_a_malformed_name_attribute_is_a_note_of_the_file_not_a_python_warning(tmp_path):
    """Found by the deep fuzz run: a seven-letter country name made the X.509 library print two
    UserWarnings (four lines) on stderr; now stderr is empty and the report names the file."""
    from clikit_path import NDR, run_cli

    key = _key()
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "Germany", _validate=False),
                      x509.NameAttribute(NameOID.COMMON_NAME, "mail.contoso.com")])
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(7).not_valid_before(start).not_valid_after(start + dt.timedelta(days=300))
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "odd-country.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    r = run_cli("diagnose", str(tmp_path), "--ndr", NDR, "--format", "json", timeout=120)
    assert r.code == 0 and r.err == "", r.err
    import json

    notes = json.loads(r.out)["notes"]
    assert any("odd-country.pem" in n and "certificate: Attribute's length" in n for n in notes), notes
