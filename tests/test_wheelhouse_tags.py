"""The wheelhouse (scripts/build-wheelhouse.sh) is for Linux with glibc 2.17 or newer: every
wheel in it must say so in its tags, and SHA256SUMS must vouch for every file.

`.ci/run` builds the wheelhouse and sets RELAYDOCTOR_WHEELHOUSE; locally the test skips unless
you do the same (see tests/engine/cli/test_cli_wheelhouse.py).
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.utils import parse_wheel_filename

pytestmark = pytest.mark.wheelhouse

OLDEST_GLIBC = (2, 17)  # manylinux2014: RHEL/CentOS 7, Ubuntu 14.04 and newer
_LEGACY = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
_PEP600 = re.compile(r"^manylinux_(\d+)_(\d+)_(\w+)$")


def glibc_needed(platform: str) -> tuple[int, int] | None:
    """The glibc a manylinux platform tag promises to run on; None for anything else."""
    m = _PEP600.match(platform)
    if m:
        return int(m.group(1)), int(m.group(2))
    for name, version in _LEGACY.items():
        if platform.startswith(name + "_"):
            return version
    return None


def test_glibc_needed() -> None:
    assert glibc_needed("manylinux_2_17_x86_64") == (2, 17)
    assert glibc_needed("manylinux2014_aarch64") == (2, 17)
    assert glibc_needed("manylinux_2_34_x86_64") == (2, 34)
    assert glibc_needed("linux_x86_64") is None and glibc_needed("any") is None


@pytest.fixture
def house() -> Path:
    where = os.environ.get("RELAYDOCTOR_WHEELHOUSE")
    if not where:
        pytest.skip("RELAYDOCTOR_WHEELHOUSE is not set (.ci/run builds the wheelhouse and sets it)")
    return Path(where)


def test_every_wheel_installs_on_glibc_2_17_and_this_python(house: Path) -> None:
    wheels = sorted(house.glob("*.whl"))
    assert wheels, f"no wheels in {house}"
    ours = f"cp{sys.version_info[0]}{sys.version_info[1]}"
    problems = []
    for wheel in wheels:
        _, _, _, tags = parse_wheel_filename(wheel.name)
        platforms = {t.platform for t in tags}
        if platforms == {"any"}:
            continue
        needed = [glibc_needed(p) for p in platforms]
        # one of its tags must promise glibc 2.17 (a wheel may carry several, e.g. 2_17 and 2_28)
        if not any(n is not None and n <= OLDEST_GLIBC for n in needed):
            problems.append(f"{wheel.name}: no tag for glibc {OLDEST_GLIBC} ({', '.join(sorted(platforms))})")
        if not all(t.interpreter in (ours, "py3") for t in tags):
            problems.append(f"{wheel.name}: not for {ours}")
    assert problems == []
    names = {parse_wheel_filename(w.name)[0] for w in wheels}
    assert {"relaydoctor", "durable-rules", "cryptography", "pyyaml", "regex"} <= names


def test_sha256sums_vouches_for_every_wheel(house: Path) -> None:
    listed = {}
    for line in (house / "SHA256SUMS").read_text("utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        listed[name.lstrip("*")] = digest
    assert sorted(listed) == sorted(p.name for p in house.glob("*.whl"))
    for name, digest in listed.items():
        assert hashlib.sha256((house / name).read_bytes()).hexdigest() == digest, name


def test_the_relaydoctor_wheel_carries_the_pack_authors_documents(house: Path) -> None:
    wheel = next(house.glob("relaydoctor-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for doc in ("writing-rules.md", "rules-reference.md", "pack-format.md"):
        assert f"relaydoctor/docs/{doc}" in names
    for kind in ("manifest", "code", "cause", "rule", "case"):
        assert f"relaydoctor/engine/schemas/pack/{kind}.schema.json" in names
