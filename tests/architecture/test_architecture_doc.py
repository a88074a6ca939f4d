"""docs/architecture.md matches the code: every engine module and package, every TUI module and
package is on the map, and every module the map names exists."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOC = (REPO / "docs" / "architecture.md").read_text("utf-8")
NAMED = set(re.findall(r"`([\w./]+)`", DOC))


def _parts(folder: str) -> list[str]:
    """The modules (``name``) and packages (``name/``) directly in ``folder``."""
    root = REPO / folder
    modules = [p.stem for p in root.glob("*.py") if p.stem != "__init__"]
    packages = [f"{p.name}/" for p in root.iterdir() if (p / "__init__.py").is_file()]
    return sorted(modules + packages)


def _on_map(name: str, folder: str) -> bool:
    base = name.rstrip("/")
    forms = {name, base, f"{base}.py"}
    for where in {folder, folder.removeprefix("engine").lstrip("/")} - {""}:
        forms |= {f"{where}/{base}.py", f"{where}/{name}", f"{where}/{base}"}
    return bool(forms & NAMED)


def test_every_engine_and_tui_part_is_on_the_map() -> None:
    missing = [
        f"{folder}/{name}"
        for folder in ("engine", "engine/evidence", "tui")
        for name in _parts(folder)
        if not _on_map(name, folder)
    ]
    assert missing == [], "add these to docs/architecture.md"


def test_every_module_on_the_map_exists() -> None:
    """Names written as files (``x.py``) or folders (``x/``) are real files or folders."""
    files = {p.name for folder in ("engine", "tui") for p in (REPO / folder).rglob("*.py")}
    folders = {p.name for folder in ("engine", "tui") for p in (REPO / folder).rglob("*") if p.is_dir()}
    folders |= {p.name for p in REPO.iterdir() if p.is_dir()}
    def real(name: str) -> bool:
        if (REPO / name).exists():
            return True
        if name.endswith(".py"):
            return Path(name).name in files
        return not name.endswith("/") or Path(name.rstrip("/")).name in folders

    gone = [name for name in NAMED if not real(name)]
    assert gone == [], "docs/architecture.md names modules that are not in the code"
