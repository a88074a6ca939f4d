"""Knowledge packs: load, validate, lint and compile the YAML rules and knowledge (data only).

The format is specified in ``docs/pack-format.md``. Entry points: :func:`load_packs` (built-in,
user config and ``--pack`` directories merged into one :class:`Packs`), :func:`compile_packs`,
``Packs.recognize(text)``, :func:`lint`, :func:`run_cases` and :func:`scaffold_code`. Compiling and
linting try rule regexes in the engine only through the probe their caller hands in.
"""

from __future__ import annotations

from .cases import CaseResult, Mismatch, run_cases
from .compiler import RegexProbe, compile_packs
from .lint import lint, lint_dirs
from .loader import config_home, load_pack_dirs, load_packs, user_pack_dirs
from .model import (
    ENGINE_FORMAT,
    CaseDef,
    CauseDef,
    CodeDef,
    FieldTest,
    Pack,
    PackManifest,
    Packs,
    Pattern,
    RuleDef,
)
from .scaffold import scaffold_code
from .templates import FilledCommand, fill_command, fill_text

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
