"""The offline path: install relaydoctor from a wheelhouse into a fresh venv with no index at all,
then run `relaydoctor demo`.

`.ci/run` always builds the wheelhouse (scripts/build-wheelhouse.sh) and sets
RELAYDOCTOR_WHEELHOUSE; locally the test skips unless you do the same:

    scripts/build-wheelhouse.sh /tmp/wh && RELAYDOCTOR_WHEELHOUSE=/tmp/wh python -m pytest -q -m wheelhouse
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.wheelhouse


def _offline_env(tmp: Path) -> dict[str, str]:
    """No pip configuration, no index, no find-links but the wheelhouse: offline for real."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUAL_ENV", "PYTHON"))}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1",
               PIP_NO_CACHE_DIR="1", HOME=str(tmp), NO_COLOR="1")
    env.pop("RELAYDOCTOR_PACKS", None)
    return env


def test_offline_install_from_wheelhouse_runs_demo(tmp_path):
    house = os.environ.get("RELAYDOCTOR_WHEELHOUSE")
    if not house:
        pytest.skip("RELAYDOCTOR_WHEELHOUSE is not set (.ci/run builds the wheelhouse and sets it)")
    house_dir = Path(house)
    assert any(house_dir.glob("relaydoctor-*.whl")), f"no relaydoctor wheel in {house_dir}"
    assert any(house_dir.glob("durable_rules-*.whl")), "durable-rules must be prebuilt in the wheelhouse"

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    env = _offline_env(tmp_path)
    install = subprocess.run(
        [str(bindir / "python"), "-m", "pip", "install", "--no-index", "--find-links", str(house_dir),
         "relaydoctor"],
        capture_output=True, text=True, env=env, timeout=600,
    )
    assert install.returncode == 0, install.stdout + install.stderr

    # Run from an empty folder so nothing from the source tree can be imported by accident.
    demo = subprocess.run([str(bindir / "relaydoctor"), "demo"], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=300)
    assert demo.returncode == 0, demo.stderr
    assert "CONFIRMED" in demo.stdout and "certificate-name-mismatch" in demo.stdout
    probe = "import relaydoctor.engine as e; print(e.__file__)"
    where = subprocess.run([str(bindir / "python"), "-c", probe],
                           capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert str(venv) in where.stdout, where.stdout
    # the wheel carries the native send-log prefilter, compiled where durable-rules was (issue 11)
    probe = "from relaydoctor.engine.evidence.smtplog import sendfilter as s; print(s.available())"
    native = subprocess.run([str(bindir / "python"), "-c", probe],
                            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert native.stdout.strip() == "True", native.stdout + native.stderr
