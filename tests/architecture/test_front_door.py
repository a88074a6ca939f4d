"""The front ends go through the door: the TUI imports no engine module but ``engine/api.py``,
the CLI's modules none but the api, each other and the package's version, and the door stays
cheap to import."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TUI = REPO / "tui"
ENGINE = "relaydoctor.engine"
DOOR = "relaydoctor.engine.api"


def imported_modules(path: Path, package: str) -> Iterator[tuple[int, str]]:
    """(line, absolute module) for every import in ``path`` (inside functions and TYPE_CHECKING
    too), relative imports resolved against ``package``; ``from X import name`` yields ``X.name``
    as well, so ``from relaydoctor.engine import facts`` is caught."""
    tree = ast.parse(path.read_text("utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            yield node.lineno, module
            for alias in node.names:
                yield node.lineno, f"{module}.{alias.name}"


def _package_of(path: Path, root: Path, name: str) -> str:
    """The package a file's relative imports start from (its folder, for ``__init__`` too)."""
    return ".".join([name, *path.relative_to(root).parent.parts])


def engine_imports(path: Path, root: Path, name: str) -> list[tuple[int, str]]:
    package = _package_of(path, root, name)
    return [
        (line, module)
        for line, module in imported_modules(path, package)
        if module == ENGINE or module.startswith(ENGINE + ".")
    ]


def _outside_door(module: str, allowed: tuple[str, ...]) -> bool:
    return not any(module == a or module.startswith(a + ".") for a in allowed)


@pytest.mark.parametrize("path", sorted(TUI.rglob("*.py")), ids=lambda p: str(p.relative_to(REPO)))
def test_tui_imports_only_the_api(path: Path) -> None:
    # ``from relaydoctor.engine import api`` names the door itself; anything else is the inside.
    allowed = (DOOR, f"{ENGINE}.api")
    wrong = [
        f"{path.relative_to(REPO)}:{line}: imports {module}"
        for line, module in engine_imports(path, TUI, "relaydoctor.tui")
        if module != ENGINE and _outside_door(module, allowed)
    ]
    assert not wrong, "the TUI must use relaydoctor.engine.api only:\n" + "\n".join(wrong)


# the command line's modules: cli.py runs the commands, cliargs.py and cliparser.py read the line
CLI = ("cli", "cliargs", "cliparser")


@pytest.mark.parametrize("name", CLI)
def test_cli_imports_only_the_api(name: str) -> None:
    path = REPO / "engine" / f"{name}.py"
    allowed = (DOOR, f"{ENGINE}.__version__", *(f"{ENGINE}.{other}" for other in CLI))
    wrong = [
        f"engine/{name}.py:{line}: imports {module}"
        for line, module in engine_imports(path, REPO / "engine", ENGINE)
        if module != ENGINE and _outside_door(module, allowed)
    ]
    assert not wrong, "the CLI must use relaydoctor.engine.api only:\n" + "\n".join(wrong)


def test_the_checker_sees_engine_internals(tmp_path: Path) -> None:
    """The checks above can fail: every way of reaching past the door is seen."""
    pkg = tmp_path / "screens"
    pkg.mkdir()
    bad = pkg / "bad.py"
    bad.write_text(
        "from relaydoctor.engine import facts\n"
        "import relaydoctor.engine.results\n"
        "def f():\n    from relaydoctor.engine.diagnosis import judge\n"
        "from relaydoctor.engine.api import Report\n"
    )
    found = [m for _, m in engine_imports(bad, tmp_path, "relaydoctor.tui")]
    outside = {m for m in found if m != ENGINE and _outside_door(m, (DOOR,))}
    internals = {"relaydoctor.engine.facts", "relaydoctor.engine.results", "relaydoctor.engine.diagnosis"}
    assert internals <= outside
    assert "relaydoctor.engine.api.Report" not in outside


def test_importing_the_door_is_cheap() -> None:
    """``import relaydoctor.engine.api`` loads no parser, pack, rules engine or renderer."""
    code = (
        "import sys, relaydoctor.engine, relaydoctor.engine.api\n"
        "heavy = ('relaydoctor.engine.evidence', 'relaydoctor.engine.pack', 'relaydoctor.engine.session',"
        " 'relaydoctor.engine.relations', 'relaydoctor.engine.report', 'relaydoctor.engine.diagnosis',"
        " 'durable', 'cryptography', 'yaml', 'textual')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
