"""The public root store's index kept in the cache folder (issue 11 latency): the same roots,
fingerprints and answers as parsing the whole bundle; a corrupt or foreign index is rebuilt."""

from __future__ import annotations

import pytest
from relaydoctor.engine.relations import roots
from relaydoctor.engine.x509names import name_key


@pytest.fixture
def fresh_index(tmp_path, monkeypatch):
    monkeypatch.setenv("RELAYDOCTOR_CACHE_DIR", str(tmp_path))
    roots._public_lines.cache_clear()
    yield tmp_path
    roots._public_lines.cache_clear()


def test_the_cached_index_answers_as_the_parsed_bundle(fresh_index):
    parsed = roots._public_entries()
    assert parsed, "certifi's bundle is a dependency"
    first = roots._public_index()
    (entry,) = fresh_index.glob("roots-*.txt")
    roots._public_lines.cache_clear()
    again = roots._public_index()  # read back from the file
    assert again == first
    expected = [(name_key(c.subject), roots.fingerprint(c)) for c, _, _ in parsed]
    assert [(k, fp) for k, fp, _, _ in again] == expected
    store = roots.RootStore()
    assert len(store) == len(parsed)
    for cert, _, _ in parsed:
        assert store.contains(cert)
        assert cert in store.by_subject(name_key(cert.subject))
    whole = entry.read_bytes()
    entry.write_bytes(b'relaydoctor root index\t"another bundle"\n')
    roots._public_lines.cache_clear()
    assert roots._public_index() == first  # a foreign entry is ignored and rewritten
    assert entry.read_bytes() == whole
    entry.write_bytes(whole[:-30])  # a write cut short
    roots._public_lines.cache_clear()
    assert roots._public_index() == first
    assert entry.read_bytes() == whole


def test_a_lookup_reads_the_index_text_as_the_parsed_bundle_answers(fresh_index):
    """By subject and by fingerprint, the roots found in the index's text (``_public_find``) are the
    bundle's own, for every public root, and a subject or fingerprint of no root finds none."""
    parsed = roots._public_entries()
    roots._public_lines.cache_clear()
    for cert, start, end in parsed:
        assert (start, end) in roots._public_find(0, roots._dn_text(name_key(cert.subject)))
        assert roots._public_find(1, roots.fingerprint(cert).hex()) == [(start, end)]
    assert roots._public_find(0, roots._dn_text((("CN", "no such root"),))) == []
    assert roots._public_find(1, "0" * 64) == []


def test_the_fingerprint_is_cryptographys_sha256_fingerprint():
    # hashlib over the DER encoding, for speed: the same bytes for every public root (RSA and EC)
    from cryptography.hazmat.primitives import hashes

    parsed = roots._public_entries()
    assert parsed
    for cert, _, _ in parsed:
        assert roots.fingerprint(cert) == cert.fingerprint(hashes.SHA256())
