"""`rules test` must say why a case could not run, not just count it as failed."""

from __future__ import annotations

from pathlib import Path

import pytest
from relaydoctor.engine.cli import main


def test_a_case_that_cannot_run_says_why(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pack = tmp_path / "pack"
    assert main(["rules", "new", "9.9.99", "--dest", str(pack)]) == 0
    capsys.readouterr()
    garbage = pack / "garbage.bin"
    garbage.write_bytes(b"\x00\x01\x02 not evidence of any kind \xff" * 10)
    case = next((pack / "rules").rglob("*positive*.yaml"))
    case.write_text(case.read_text().replace("facts:", "evidence: ../../../garbage.bin\nfacts:", 1))

    assert main(["rules", "test", "--pack", str(pack)]) == 1
    out = capsys.readouterr().out
    assert "could not run" in out
    assert "garbage.bin" in out
