"""Every engine dataclass comes from ``engine/lazydataclass.py``: a frozen subclass made by plain
``dataclasses.dataclass`` of a lazily made frozen base fails at import ("cannot inherit frozen
dataclass from a non-frozen one"), so the rule is checked here, not left to memory."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ENGINE = REPO / "engine"
MAKER = ENGINE / "lazydataclass.py"


def plain_dataclass_uses(source: str, filename: str) -> list[int]:
    """Lines that take ``dataclass`` from the ``dataclasses`` module itself."""
    lines = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.ImportFrom) and node.module == "dataclasses" and not node.level:
            lines += [node.lineno for alias in node.names if alias.name == "dataclass"]
        elif (isinstance(node, ast.Attribute) and node.attr == "dataclass"
              and isinstance(node.value, ast.Name) and node.value.id == "dataclasses"):
            lines.append(node.lineno)
    return lines


@pytest.mark.parametrize("path", sorted(p for p in ENGINE.rglob("*.py") if p != MAKER),
                         ids=lambda p: str(p.relative_to(REPO)))
def test_engine_modules_take_dataclass_from_lazydataclass(path: Path) -> None:
    lines = plain_dataclass_uses(path.read_text("utf-8"), str(path))
    assert not lines, (f"{path.relative_to(REPO)}:{lines[0]}: use "
                       "'from relaydoctor.engine.lazydataclass import dataclass'")


def test_the_checker_sees_both_spellings() -> None:
    assert plain_dataclass_uses("from dataclasses import dataclass, field\n", "x") == [1]
    assert plain_dataclass_uses("import dataclasses\n@dataclasses.dataclass\nclass A: pass\n", "x") == [2]
    assert plain_dataclass_uses("from dataclasses import field, fields\n", "x") == []
    assert plain_dataclass_uses("from .lazydataclass import dataclass\n", "x") == []
