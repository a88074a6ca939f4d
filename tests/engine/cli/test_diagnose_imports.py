"""What a ``diagnose`` run imports (issue 11 start-up latency): only what the run uses.

Each module a run imports costs start-up time on every invocation; these tests keep the lazy
imports lazy. They run the real CLI in a fresh interpreter and read ``sys.modules`` at the end.
A new module on a diagnosis's path belongs in ``RUN_MODULES`` (or is imported where it is used).
The second of two runs is read: the first may fill the pack cache (the YAML reader and compiler).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "samples" / "bundles"
_PROBE = """
import io, json, sys
from relaydoctor.engine import cli
out, sys.stdout = sys.stdout, io.StringIO()
code = cli.main(["diagnose", *sys.argv[1:]])
sys.stdout = out
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""

# relaydoctor's modules a diagnosis may import: the shared vocabulary, evidence, relations, the
# pack reader's cache path, the facade, the diagnosis, the front door; one renderer.
RUN_PACKAGES = (
    "relaydoctor.engine.evidence", "relaydoctor.engine.relations", "relaydoctor.engine.session",
    "relaydoctor.engine.diagnosis", "relaydoctor.engine.api", "relaydoctor.engine.cli",
)
RUN_MODULES = {
    "relaydoctor", "relaydoctor.engine", "relaydoctor.engine.answers", "relaydoctor.engine.cliargs",
    "relaydoctor.engine.compiled",
    "relaydoctor.engine.describe", "relaydoctor.engine.discipline", "relaydoctor.engine.errors",
    "relaydoctor.engine.facts", "relaydoctor.engine.guidance", "relaydoctor.engine.lazydataclass",
    "relaydoctor.engine.lazyre", "relaydoctor.engine.lifecycle", "relaydoctor.engine.output",
    "relaydoctor.engine.paths", "relaydoctor.engine.plainwords", "relaydoctor.engine.precedence",
    "relaydoctor.engine.regexcache", "relaydoctor.engine.results", "relaydoctor.engine.scope",
    "relaydoctor.engine.status", "relaydoctor.engine.utctime", "relaydoctor.engine.x509names",
    "relaydoctor.engine.pack", "relaydoctor.engine.pack.cache", "relaydoctor.engine.pack.loader",
    "relaydoctor.engine.pack.model", "relaydoctor.engine.pack.recognize",
    "relaydoctor.engine.pack.templates", "relaydoctor.engine.pack.ycontainers",
    "relaydoctor.engine.report", "relaydoctor.engine.report.common", "relaydoctor.engine.report.progress",
}
# what a cache hit and one format never need: the YAML reader and pack compiler, other renderers,
# watch/precheck/TUI, worker pools, archives, the regex module (user packs' patterns only), shutil
# (argparse's formatter asks it for the terminal's width: cliparser._Parser asks os), signal.py (its enum
# classes: engine/__main__.py and lifecycle.py set handlers with _signal), argparse and gettext (a
# plain diagnose line is read by cliargs.plain_diagnose_args), zlib (its crc32 is binascii's) and csv (a
# small log's rows are split by smtplog/format.split_quoted)
NEVER = (
    "yaml", "regex", "textual", "rich", "multiprocessing", "concurrent.futures", "zipfile", "tempfile",
    "difflib", "shutil", "bz2", "lzma", "signal", "argparse", "gettext", "zlib", "csv",
    "relaydoctor.engine.cliparser",
    "relaydoctor.tui", "relaydoctor.engine.watch", "relaydoctor.engine.precheck",
    "relaydoctor.engine.pack.compiler", "relaydoctor.engine.pack.parse", "relaydoctor.engine.pack.lint",
    "relaydoctor.engine.pack.keys",  # the format's key tables: the loader and the schema read them
    "relaydoctor.engine.report.redact",
    # cryptography's serialization package (ssh keys, ciphers: ~4 ms): only PKCS#7 and PFX files
    "cryptography.hazmat.primitives.serialization", "cryptography.hazmat.primitives.ciphers",
)
RENDERERS = ("jsonreport", "markdown", "text")
EMAIL_PARSING = ("email.parser", "email.feedparser", "email.message")
# policy.default's header objects: only for a report whose type headers are not plain (symptoms/ndr.py)
EMAIL_POLICY = ("email.policy", "email.headerregistry", "email._header_value_parser", "email.contentmanager")
# evidence parsers whose gate (evidence/registry.py) rules them out for every file of the sample
# bundle, and what only they import: a diagnosis imports the parsers its files need
UNNEEDED_PARSERS = (
    "relaydoctor.engine.evidence.windows", "relaydoctor.engine.evidence.relaylogs",
    "relaydoctor.engine.evidence.applog", "relaydoctor.engine.evidence.hcwlog",
    "relaydoctor.engine.evidence.manifest", "relaydoctor.engine.evidence.smtplog.receive",
    "relaydoctor.engine.evidence.smtplog.iis", "relaydoctor.engine.evidence.symptoms.messagetrace",
    "relaydoctor.engine.evidence.symptoms.msgtrk", "relaydoctor.engine.evidence.symptoms.queue",
    "relaydoctor.engine.evidence.symptoms.text", "relaydoctor.engine.evidence.cmdlets.clixml",
    "relaydoctor.engine.evidence.cmdlets.csvexport", "relaydoctor.engine.evidence.cmdlets.signins",
    "relaydoctor.engine.evidence.cmdlets.formattable",
    "relaydoctor.engine.evidence.xmltree", "xml",
)


def _imported(*args: str) -> set[str]:
    """The modules imported by the second of two runs (the first fills the pack cache)."""
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True,
                              check=True, timeout=120)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["code"] in (0, 1, 2, 3), done.stderr  # a verdict's exit code, not a crash
    return set(result["modules"])


def _allowed(module: str, fmt: str) -> bool:
    return (module in RUN_MODULES or module.startswith(tuple(p + "." for p in RUN_PACKAGES))
            or module in RUN_PACKAGES or module == f"relaydoctor.engine.report.{fmt}")


@pytest.mark.parametrize(("bundle", "fmt", "renderer"), [
    ("renewed-certificate", "json", "jsonreport"), ("ip-changed", "text", "text"),
])
def test_a_diagnosis_imports_only_what_it_uses(bundle: str, fmt: str, renderer: str) -> None:
    modules = _imported(str(SAMPLES / bundle), "--format", fmt)
    ours = {m for m in modules if m.split(".")[0] == "relaydoctor"}
    assert sorted(m for m in ours if not _allowed(m, renderer)) == []
    assert sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in NEVER)) == []
    shown = {r for r in RENDERERS if f"relaydoctor.engine.report.{r}" in modules}
    assert shown == {renderer}


def test_the_email_package_is_parsed_with_only_for_an_email_file_mimelite_does_not_read(tmp_path) -> None:
    without = _imported(str(SAMPLES / "ip-changed"), "--format", "json")  # no .eml in it
    assert not [m for m in EMAIL_PARSING + EMAIL_POLICY if m in without]
    sample = SAMPLES / "renewed-certificate" / "NDR-5.7.64-TenantAttribution.eml"
    with_eml = _imported(str(sample), "--format", "json")
    assert "relaydoctor.engine.evidence.symptoms.mimelite" in with_eml  # the probe sees imports
    assert not [m for m in EMAIL_PARSING + EMAIL_POLICY if m in with_eml]  # its type headers are plain
    odd = tmp_path / "odd.eml"  # a comment in the report's type: read under policy.default
    odd.write_bytes(sample.read_bytes().replace(b"multipart/report;", b"multipart/report (odd);", 1))
    with_odd = _imported(str(odd), "--format", "json")
    assert all(m in with_odd for m in EMAIL_PARSING + EMAIL_POLICY)


def test_only_the_parsers_the_files_need_are_imported() -> None:
    modules = _imported(str(SAMPLES / "renewed-certificate"), "--format", "json")
    assert sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in UNNEEDED_PARSERS)) == []
    needed = ("cmdlets.formatlist", "cmdlets.jsonexport", "symptoms.ndr", "smtplog.send",
              "certificates.certs")
    assert all(f"relaydoctor.engine.evidence.{n}" in modules for n in needed)  # a real check
