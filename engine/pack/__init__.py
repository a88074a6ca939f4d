"""Knowledge packs: load, validate, lint and compile the YAML rules and knowledge (data only).

The format is specified in ``docs/pack-format.md``. Entry points: :func:`load_packs` (built-in,
user config and ``--pack`` directories merged into one :class:`Packs`), :func:`compile_packs`,
``Packs.recognize(text)``, :func:`lint`, :func:`run_cases` and :func:`scaffold_code`. Compiling and
linting try rule regexes in the engine only through the probe their caller hands in.
"""

from __future__ import annotations

import importlib
from typing import Any

# Imported on first use (PEP 562): a diagnosis needs the loader and model, never lint or scaffold.
_HOMES = {
    "CaseResult": "cases", "Mismatch": "cases", "run_cases": "cases",
    "RegexProbe": "compiler", "compile_packs": "compiler",
    "lint": "lint", "lint_dirs": "lint",
    "config_home": "loader", "load_pack_dirs": "loader", "load_packs": "loader", "user_pack_dirs": "loader",
    "ENGINE_FORMAT": "model", "CaseDef": "model", "CauseDef": "model", "CodeDef": "model",
    "FieldTest": "model", "Pack": "model", "PackManifest": "model", "Packs": "model", "Pattern": "model",
    "RuleDef": "model",
    "scaffold_code": "scaffold",
    "FilledCommand": "templates", "fill_command": "templates", "fill_text": "templates",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "ENGINE_FORMAT",
    "CaseDef",
    "CaseResult",
    "CauseDef",
    "CodeDef",
    "FieldTest",
    "FilledCommand",
    "Mismatch",
    "Pack",
    "PackManifest",
    "Packs",
    "Pattern",
    "RegexProbe",
    "RuleDef",
    "compile_packs",
    "config_home",
    "fill_command",
    "fill_text",
    "lint",
    "lint_dirs",
    "load_pack_dirs",
    "load_packs",
    "run_cases",
    "scaffold_code",
    "user_pack_dirs",
]
