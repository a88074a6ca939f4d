"""The architecture as a test: the pipeline's layers import only downwards, no module is part of an
import circle, and only ``engine/session.py`` touches durable_rules.

Every module under ``engine/`` and ``tui/`` is parsed (not imported) and each import — at module
level or inside a function — becomes an edge; imports under ``if TYPE_CHECKING:`` are types only and
do not count. A new module belongs to the layer of its folder; a new top-level ``engine/*.py`` must
be given a layer in ``LAYERS`` below (the test says so).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ROOTS = {"engine": "relaydoctor.engine", "tui": "relaydoctor.tui"}

# Lowest first. A module may import its own layer and the ones before it, never a later one.
# A name covers its submodules, except one written "=name" (the engine package itself).
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("shared vocabulary", (
        "=relaydoctor.engine", "relaydoctor.engine.errors", "relaydoctor.engine.facts",
        "relaydoctor.engine.paths", "relaydoctor.engine.compiled", "relaydoctor.engine.answers",
        "relaydoctor.engine.results", "relaydoctor.engine.describe", "relaydoctor.engine.x509names",
        "relaydoctor.engine.lifecycle", "relaydoctor.engine.status", "relaydoctor.engine.utctime",
        "relaydoctor.engine.plainwords", "relaydoctor.engine.factdocs", "relaydoctor.engine.guides",
        # the reasoning rules applied to firings (issue 10): pure, over facts and results
        "relaydoctor.engine.discipline", "relaydoctor.engine.precedence", "relaydoctor.engine.guidance",
        "relaydoctor.engine.scope",
        "relaydoctor.engine.lazyre",  # module-level regexes compiled on first use (issue 11 latency)
        "relaydoctor.engine.regexcache",  # their programs kept between runs (issue 11 latency)
        "relaydoctor.engine.lazydataclass",  # dataclass methods generated on first use (issue 11)
    )),
    ("evidence", ("relaydoctor.engine.evidence",)),
    ("relations", ("relaydoctor.engine.relations",)),
    ("pack", ("relaydoctor.engine.pack",)),
    ("session", ("relaydoctor.engine.session", "relaydoctor.engine.regex_probe")),
    ("diagnosis", ("relaydoctor.engine.diagnosis",)),
    ("precheck", ("relaydoctor.engine.precheck",)),
    ("report", ("relaydoctor.engine.report",)),
    ("watch", ("relaydoctor.engine.watch",)),
    ("front door and CLI", (
        "relaydoctor.engine.api", "relaydoctor.engine.cli", "relaydoctor.engine.cliargs",
        "relaydoctor.engine.cliparser", "relaydoctor.engine.__main__", "relaydoctor.engine.output",
    )),
    ("tui", ("relaydoctor.tui",)),
)
# Upward edges that are the point of their module, each with its reason.
ALLOWED_UPWARD = {
    ("relaydoctor.engine.cli", "relaydoctor.tui.app"): "`relaydoctor tui` starts the app (lazily)",
}


def _modules() -> dict[str, tuple[Path, bool]]:
    found: dict[str, tuple[Path, bool]] = {}
    for folder, package in ROOTS.items():
        for path in sorted((REPO / folder).rglob("*.py")):
            parts = list(path.relative_to(REPO / folder).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts.pop()
            found[".".join([package, *parts])] = (path, is_package)
    return found


MODULES = _modules()


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """ids of every node inside the body of an ``if TYPE_CHECKING:`` (or ``typing.TYPE_CHECKING``)."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            for stmt in node.body:
                inside.update(id(n) for n in ast.walk(stmt))
    return inside


def _imports(module: str, path: Path, is_package: bool) -> set[str]:
    """The modules ``module`` imports (absolute names), outside ``TYPE_CHECKING`` blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    skip = _type_checking_nodes(tree)
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                names.add(sub if sub in MODULES else target)
    return names


def _graph() -> dict[str, set[str]]:
    graph = {}
    for module, (path, is_package) in MODULES.items():
        graph[module] = {m for m in _imports(module, path, is_package) if m in MODULES and m != module}
    return graph


def _layer(module: str) -> int | None:
    best: tuple[int, int] | None = None  # (prefix length, layer): the most specific prefix wins
    for rank, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            exact = prefix.startswith("=")
            prefix = prefix.lstrip("=")
            covers = module == prefix or (not exact and module.startswith(prefix + "."))
            if covers and (best is None or len(prefix) > best[0]):
                best = (len(prefix), rank)
    return best[1] if best else None


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            advanced = False
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_every_module_has_a_layer() -> None:
    missing = [m for m in MODULES if _layer(m) is None]
    assert not missing, f"give these modules a layer in LAYERS (tests/test_import_graph.py): {missing}"


def test_no_upward_imports() -> None:
    graph = _graph()
    upward = []
    for module, targets in sorted(graph.items()):
        here = _layer(module)
        for target in sorted(targets):
            there = _layer(target)
            if here is None or there is None or there <= here or (module, target) in ALLOWED_UPWARD:
                continue
            upward.append(f"{module} ({LAYERS[here][0]}) imports {target} ({LAYERS[there][0]})")
    assert not upward, "imports against the pipeline's direction:\n" + "\n".join(upward)


def test_no_import_circles() -> None:
    circles = _circles(_graph())
    listed = "; ".join(" <-> ".join(c) for c in circles)
    assert not circles, f"import circles (outside TYPE_CHECKING): {listed}"


def test_only_the_session_imports_durable() -> None:
    offenders = []
    for folder in ("engine", "tui", "benchmarks", "scripts"):
        for path in sorted((REPO / folder).rglob("*.py")):
            if path == REPO / "engine" / "session.py":
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            for node in ast.walk(tree):
                names = (
                    [a.name for a in node.names] if isinstance(node, ast.Import)
                    else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level
                    else []
                )
                if any(n.split(".")[0] in ("durable", "durable_rules_engine") for n in names):
                    offenders.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert not offenders, f"only engine/session.py may import durable: {offenders}"


# The checks themselves, on small graphs: they must be able to fail.


def test_circle_finder_sees_a_circle_and_ignores_a_chain() -> None:
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _circles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from ..session import get_engine\n", {"relaydoctor.engine.session"}),
        ("def f():\n    from ..session import get_engine\n", {"relaydoctor.engine.session"}),
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..session import Engine\n",
         {"typing"}),
        ("from .. import session\n", {"relaydoctor.engine.session"}),
    ],
)
def test_imports_are_read_like_python_reads_them(tmp_path: Path, source: str, expected: set[str]) -> None:
    path = tmp_path / "m.py"
    path.write_text(source)
    assert _imports("relaydoctor.engine.pack.m", path, False) == expected


def test_layers_rank_a_subpackage_by_its_most_specific_prefix() -> None:
    assert _layer("relaydoctor.engine.evidence.smtplog.send") == 1
    assert _layer("relaydoctor.engine.session") == 4
    assert _layer("relaydoctor.engine.sessionless") is None
    assert _layer("relaydoctor.engine") == 0 and _layer("relaydoctor.engine.newthing") is None
    assert _layer("relaydoctor.tui.screens.evidence") == len(LAYERS) - 1
