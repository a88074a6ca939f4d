"""The pack author's documents, shipped inside the package (``relaydoctor rules docs``).

Behind an air gap the README's links are dead: the guide, the rules reference and the format
spec are package data (``relaydoctor.docs``), and so is the pack JSON Schema, so an install with
no source tree can print them or copy them into a folder for an editor.
"""

from __future__ import annotations

from pathlib import Path

from .errors import InputError
from .paths import builtin_dir

# name -> (file in relaydoctor.docs, what it is); the first two are printed by default
GUIDES: dict[str, tuple[str, str]] = {
    "guide": ("writing-rules.md", "the tutorial: teaching relaydoctor a new error code"),
    "reference": ("rules-reference.md", "the rules reference: every key, operator and command"),
    "format": ("pack-format.md", "the pack format specification (spec v1)"),
}
DEFAULT_GUIDES = ("guide", "reference")
PACK_SCHEMA = "pack.schema.json"


def _docs_dir() -> Path:
    try:
        return builtin_dir("docs")
    except FileNotFoundError as exc:
        raise InputError(f"the pack author's documents are not installed ({exc})") from None


def guide_path(name: str) -> Path:
    if name not in GUIDES:
        raise InputError(f"no document {name!r}; one of: {', '.join(GUIDES)}", path="rules docs")
    path = _docs_dir() / GUIDES[name][0]
    if not path.is_file():
        raise InputError("not installed", path=str(path))
    return path


def guide_text(name: str) -> str:
    return guide_path(name).read_text("utf-8")


def schema_path() -> Path:
    return Path(__file__).resolve().parent / "schemas" / PACK_SCHEMA


def write_guides(dest: Path) -> list[Path]:
    """Copy every document and the pack JSON Schema into ``dest``; the files written."""
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for name in GUIDES:
        target = dest / GUIDES[name][0]
        target.write_text(guide_text(name), encoding="utf-8")
        written.append(target)
    schema = dest / PACK_SCHEMA
    schema.write_text(schema_path().read_text("utf-8"), encoding="utf-8")
    written.append(schema)
    return written
