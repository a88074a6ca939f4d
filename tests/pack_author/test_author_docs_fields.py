"""Issue 14: the fact catalogue and the pack author's documents come with the install, so an
admin behind an air gap can read them without the source tree or the README's links."""

from __future__ import annotations

import importlib.resources
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from clikit import run_main
from relaydoctor.engine.factdocs import field_doc
from relaydoctor.engine.facts import FACT_KINDS, RELATION_KINDS, field_specs
from relaydoctor.engine.guides import GUIDES, PACK_SCHEMA
from relaydoctor.engine.paths import builtin_dir

ROOT = Path(__file__).resolve().parents[2]


def test_every_field_of_every_fact_kind_has_a_sentence() -> None:
    missing = [f"{k}.{f}" for k in FACT_KINDS for f in field_specs(k) if not field_doc(k, f).strip()]
    assert missing == [], "add a comment on the field in engine/facts.py or an entry in engine/factdocs.py"


def test_rules_fields_lists_every_kind_with_its_meaning(capsys: pytest.CaptureFixture) -> None:
    run = run_main(capsys, "rules", "fields")
    assert run.code == 0
    for kind, cls in FACT_KINDS.items():
        line = next(x for x in run.out.splitlines() if x.split()[:1] == [kind])
        assert ("relation" if kind in RELATION_KINDS else "evidence") in line and cls.DOC in line


def test_rules_fields_kind_shows_types_enum_values_and_sentences(capsys: pytest.CaptureFixture) -> None:
    run = run_main(capsys, "rules", "fields", "cert_status")
    assert run.code == 0
    for spec in field_specs("cert_status").values():
        assert f"  {spec.name}  ({spec.type}" in run.out
        assert field_doc("cert_status", spec.name) in run.out
    assert "one of: complete, incomplete, unknown" in run.out  # chain
    assert "(string, may be missing)" in run.out  # cn


def test_an_unknown_kind_gets_a_did_you_mean(capsys: pytest.CaptureFixture) -> None:
    run = run_main(capsys, "rules", "fields", "inbound_conector")
    assert run.code == 2
    assert "unknown fact kind 'inbound_conector'; did you mean inbound_connector?" in run.err


def test_the_documents_are_package_data() -> None:
    # found the way the product finds them (a namespace package's MultiplexedPath cannot open a
    # file on Python 3.11; the built-wheel test below checks the wheel's own contents)
    docs = builtin_dir("docs")
    for file, _ in GUIDES.values():
        assert docs.joinpath(file).read_text("utf-8") == (ROOT / "docs" / file).read_text("utf-8")
    assert importlib.resources.files("relaydoctor.engine").joinpath("schemas", PACK_SCHEMA).is_file()


def test_rules_docs_prints_the_guide_and_the_reference(capsys: pytest.CaptureFixture) -> None:
    run = run_main(capsys, "rules", "docs")
    assert run.code == 0
    guide = (ROOT / "docs" / "writing-rules.md").read_text("utf-8")
    reference = (ROOT / "docs" / "rules-reference.md").read_text("utf-8")
    assert run.out.startswith(guide.splitlines()[0]) and reference.splitlines()[0] in run.out
    only = run_main(capsys, "rules", "docs", "format")
    assert only.out == (ROOT / "docs" / "pack-format.md").read_text("utf-8")


def test_rules_docs_dest_writes_every_document_and_the_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    run = run_main(capsys, "rules", "docs", "--dest", str(tmp_path / "out"))
    assert run.code == 0
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == sorted([*(f for f, _ in GUIDES.values()), PACK_SCHEMA])
    schema = (ROOT / "engine" / "schemas" / PACK_SCHEMA).read_bytes()
    assert (tmp_path / "out" / PACK_SCHEMA).read_bytes() == schema


def test_a_built_wheel_prints_fields_and_docs_with_no_source_tree(tmp_path: Path) -> None:
    """Build the wheel, unpack it into an empty folder, and run the CLI from there alone (no
    editable finder: ``python -S`` skips site's .pth files; the dependencies come from
    site-packages on PYTHONPATH)."""
    built = os.environ.get("RELAYDOCTOR_WHEELHOUSE")  # .ci/run's wheelhouse holds this tree's wheel
    wheels = sorted(Path(built).glob("relaydoctor-*.whl")) if built else []
    if wheels:
        wheel = wheels[0]
    else:  # build it (with build isolation: a fresh venv's setuptools has no bdist_wheel)
        out = tmp_path / "wheel"
        subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(ROOT), "-w", str(out)],
                       check=True, capture_output=True, timeout=600)
        wheel = next(out.glob("relaydoctor-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for file, _ in GUIDES.values():
        assert f"relaydoctor/docs/{file}" in names
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    site_dirs = [p for p in sys.path if p.rstrip("/").endswith(("site-packages", "dist-packages"))]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(unpacked), *site_dirs])}
    code = "import sys; from relaydoctor.engine.cli import main; sys.exit(main(sys.argv[1:]))"
    probe = "import relaydoctor.engine, sys; print(relaydoctor.engine.__file__)"
    where = subprocess.run([sys.executable, "-S", "-c", probe], env=env, cwd=tmp_path,
                           capture_output=True, text=True, check=True)
    assert where.stdout.startswith(str(unpacked))
    fields = subprocess.run([sys.executable, "-S", "-c", code, "rules", "fields", "smtp_session"],
                            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert fields.returncode == 0, fields.stderr
    assert field_doc("smtp_session", "cert_cn") in fields.stdout
    docs = subprocess.run([sys.executable, "-S", "-c", code, "rules", "docs", "guide"],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert docs.returncode == 0, docs.stderr
    assert docs.stdout == (ROOT / "docs" / "writing-rules.md").read_text("utf-8")
