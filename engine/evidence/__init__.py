"""Evidence: the admin's files → typed facts with provenance.

``load_evidence`` (in ``loader``) walks files, folders and zips, sniffs each file by content and
runs the matching parser module (see ``base`` for the parser interface).
"""

from __future__ import annotations

from typing import Any

__all__ = ["load_evidence"]


def __getattr__(name: str) -> Any:  # lazy: parser modules import this package's base first
    if name == "load_evidence":
        from .loader import load_evidence

        return load_evidence
    raise AttributeError(name)
