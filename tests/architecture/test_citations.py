"""Nothing in the repository explains itself with a file that is not in the repository, and the
code's durable-rules trap numbers are the ones docs/engine-traps.md defines."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TRAPS = REPO / "docs" / "engine-traps.md"
# Notes that live beside the repository (the team's shared folder), never in it.
OUTSIDE = re.compile(r"ENGINE-NOTES|DOMAIN\.md|DESIGN\.md|shared/(?!samples\b)")
# Tests may read the shared sample evidence as an extra check, and skip without it.
EXTRA_CHECKS = {
    # checks the built-in knowledge's links against the shared source index, when it is there
    "tests/pack_builtin/test_builtin_pack.py": "DOMAIN.md",
}
THIS = "tests/architecture/test_citations.py"  # names the patterns it looks for
SUFFIXES = {".py", ".md", ".sh", ".ps1", ".yaml", ".yml", ".json", ".toml", ".tcss", ".cfg", ".txt", ""}


def tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True)
    return [f for f in out.stdout.splitlines() if Path(f).suffix in SUFFIXES and (REPO / f).is_file()]


def test_nothing_cites_files_outside_the_repository() -> None:
    found = []
    for rel in tracked_files():
        if rel == THIS:
            continue
        text = (REPO / rel).read_text("utf-8", errors="replace")
        for n, line in enumerate(text.splitlines(), 1):
            m = OUTSIDE.search(line)
            if m and EXTRA_CHECKS.get(rel) != m.group(0):
                found.append(f"{rel}:{n}: {line.strip()[:100]}")
    assert found == [], "cite docs/ in the repository instead:\n" + "\n".join(found)


def test_the_pattern_finds_outside_citations() -> None:
    assert OUTSIDE.search("see ENGINE-NOTES.md trap 3") and OUTSIDE.search("(DOMAIN.md §5.2)")
    assert OUTSIDE.search("../shared/DESIGN.md") and not OUTSIDE.search("../shared/samples is missing")


def _trap_numbers() -> set[int]:
    return {int(n) for n in re.findall(r"^(\d+)\. \*\*", TRAPS.read_text("utf-8"), flags=re.MULTILINE)}


def test_trap_numbers_are_a_single_sequence() -> None:
    numbers = sorted(_trap_numbers())
    assert numbers == list(range(1, len(numbers) + 1))


def test_every_cited_trap_exists_and_the_facade_cites_them() -> None:
    known = _trap_numbers()
    cited: dict[str, set[int]] = {}
    for rel in tracked_files():
        if rel.endswith(".py") or rel.endswith(".sh"):
            text = (REPO / rel).read_text("utf-8", errors="replace")
            numbers = {
                int(n)
                for group in re.findall(r"engine-traps\.md ((?:#\d+(?:, )?)+)", text)
                for n in re.findall(r"\d+", group)
            }
            if numbers:
                cited[rel] = numbers
    unknown = {rel: sorted(n - known) for rel, n in cited.items() if n - known}
    assert unknown == {}
    assert len(cited.get("engine/session.py", set())) >= 10
    assert not re.search(r"\(trap [0-9a-z]+\)", (REPO / "engine" / "session.py").read_text("utf-8"))
