"""Control and bidi characters from file names and evidence never reach the terminal raw; paths
in redacted reports lose their folders, users and UNC hosts."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from clikit_path import run_main
from relaydoctor.engine.report.common import json_text, plain
from relaydoctor.engine.report.redact import Redactor
from relaydoctor.engine.report.redact_structure import learn_names, source_paths
from samplepath import SAMPLES as SAMPLE_DIR

UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
SAMPLES = SAMPLE_DIR


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="no sample evidence (tests/fixtures/samples)")
def test_hostile_names_and_text_are_escaped_in_every_output(tmp_path, capsys):
    folder = tmp_path / "ev\u202eil"
    folder.mkdir()
    ndr = SAMPLES / "bundles" / "renewed-certificate" / "NDR-5.7.64-TenantAttribution.eml"
    shutil.copy(ndr, folder / "nd\u202er\x1b[31m.eml")
    (folder / "p\u2066.txt").write_text(
        "550 5.7.64 TenantAttribution; Relay Access Denied \x1b[2J \u202e evil \x9b \u2028 x\n", "utf-8")
    for args in (["diagnose", "--format", "text"], ["diagnose", "--format", "markdown"],
                 ["diagnose", "--format", "json"], ["facts", "--format", "text"],
                 ["facts", "--format", "json"], ["diagnose", "--format", "json", "--redact"]):
        run = run_main(capsys, args[0], str(folder), *args[1:])
        assert run.code == 0, run.err
        assert not UNSAFE.search(run.out), (args, repr(UNSAFE.search(run.out).group(0)))
        assert not UNSAFE.search(run.err)
        if "json" in args:
            text = json.dumps(json.loads(run.out))
            assert "u202e" in text.lower() or "\\u202e" in run.out  # kept, as an escape


def test_json_text_and_plain_escape_bidi_controls_and_surrogates():
    raw = "a\u202eb\x1bc\udcffd\u2066e\u061cf"
    out = json_text({"v": raw})
    assert json.loads(out)["v"] == raw  # same value after a round trip
    assert not UNSAFE.search(out) and "\udcff" not in out
    assert plain(raw) == "a\\u202eb\\x1bc\\udcffd\\u2066e\\u061cf"


def test_paths_folders_users_and_unc_hosts_are_redacted():
    sources = ["/home/adm-jsmith/contoso-ticket-4711/SEND20261120-1.LOG:116",
               "/home/adm-jsmith/contoso-ticket-4711/bundle.zip!inner/contoso notes.txt",
               r"C:\Users\jsmith\evidence\mail.contoso.net.cer"]
    r = Redactor(sources, paths=source_paths(sources))
    out = [r.text(s) for s in sources]
    joined = " ".join(out).lower()
    for secret in ("adm-jsmith", "contoso-ticket-4711", "jsmith", "contoso", "inner", "evidence"):
        assert secret not in joined, (secret, out)
    assert out[0].endswith("/SEND20261120-1.LOG:116")  # a standard log name is kept
    assert re.search(r"file-\d+\.cer$", out[2])
    loose = r.text(r"copied from \\FILESRV01\share\x and C:\Users\adm-jsmith\Desktop")
    assert "FILESRV01" not in loose and "adm-jsmith" not in loose


def test_labels_of_learned_names_are_redacted_as_words():
    from relaydoctor.engine.facts import AcceptedDomain, Provenance

    fact = AcceptedDomain(provenance=Provenance("x"), domain="tailwind-traders.industries")
    learned = learn_names([fact])
    assert "industries" in learned.tlds and "tailwind-traders" in learned.words
    r = Redactor(["Tailwind-Traders relay at tailwind-traders.industries"], learned=learned)
    out = r.text("Tailwind-Traders relay at tailwind-traders.industries")
    assert "tailwind" not in out.lower() and "industries" not in out.lower()
