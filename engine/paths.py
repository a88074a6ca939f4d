"""Where the built-in pack's data folders are, for regular and editable installs alike."""

from __future__ import annotations

import importlib.util
from pathlib import Path


def builtin_dir(name: str) -> Path:
    """The installed folder of ``relaydoctor.<name>`` (``rules`` or ``knowledge``)."""
    spec = importlib.util.find_spec(f"relaydoctor.{name}")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"relaydoctor.{name} is not installed")
    for location in spec.submodule_search_locations:
        path = Path(location)
        if path.is_dir():
            return path
    raise FileNotFoundError(f"relaydoctor.{name} has no folder on disk")
