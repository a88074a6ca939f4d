"""A password-protected PFX without --pfx-password-env: on a terminal the CLI asks once (not echoed);
in scripts it is skipped, with a one-line warning naming the option. The password never reaches
the report."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from relaydoctor.engine import cli

PASSWORD = "relaydoctor-sample"


@pytest.fixture
def pfx(samples: Path, tmp_path: Path) -> Path:
    target = tmp_path / "mail2026.contoso.net.pfx"
    shutil.copy(samples / "certs" / "mail2026.contoso.net.pfx", target)
    return target


def test_named_pfx_is_read_after_the_prompt(pfx: Path) -> None:
    asked = []

    def prompt() -> str:
        asked.append(1)
        return PASSWORD

    report = cli._run_diagnosis([str(pfx)], prompt=prompt)
    assert asked == [1]
    certs = [f for f in report.facts if f.KIND == "certificate"]
    assert any(c.cn == "mail2026.contoso.net" for c in certs)
    assert PASSWORD not in repr(report.to_json())


def test_pfx_in_a_folder_is_read_after_the_prompt(pfx: Path) -> None:
    report = cli._run_diagnosis([str(pfx.parent)], prompt=lambda: PASSWORD)
    assert not any(s.skipped_reason for s in report.evidence)


def test_without_a_terminal_it_is_skipped_with_the_option_to_use(
    pfx: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], samples: Path
) -> None:
    monkeypatch.setattr(cli, "_interactive", lambda: False)
    report = cli._run_diagnosis([str(pfx)])
    (source,) = report.evidence
    assert source.source == str(pfx) and "password-protected" in (source.skipped_reason or "")
    bundle = samples / "bundles" / "ip-changed"
    assert cli.main(["diagnose", str(pfx), str(bundle)]) == 0
    assert capsys.readouterr().err == (
        f"relaydoctor: warning: {pfx}: skipped: PFX is password-protected: pass --pfx-password-env VAR\n"
    )


def test_no_prompt_when_no_pfx_is_locked(samples: Path) -> None:
    def prompt() -> str:
        raise AssertionError("asked for a password without a locked PFX")

    cli._run_diagnosis([str(samples / "bundles" / "ip-changed")], prompt=prompt)
