"""Where the built-in pack's data folders are, for regular and editable installs alike."""

from __future__ import annotations

import importlib.util
from pathlib import Path


def builtin_dir(name: str) -> Path:
    """The installed folder of ``relaydoctor.<name>`` (``rules`` or ``knowledge``)."""
    spec = importlib.util.find_spec(f"relaydoctor.{name}")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"relaydoctor.{name} is not installed")
    folders = [Path(loc) for loc in spec.submodule_search_locations if Path(loc).is_dir()]
    # A regular install replaced by an editable one leaves an empty site-packages/relaydoctor/rules
    # behind (pip removes rules/5.7.64/ but not rules/), and it comes first: skip empty folders.
    for path in folders:
        if any(child.name != "__pycache__" for child in path.iterdir()):
            return path
    if folders:
        return folders[0]
    raise FileNotFoundError(f"relaydoctor.{name} has no folder on disk")
