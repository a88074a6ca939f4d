"""Where the built-in pack's data folders are, for regular and editable installs alike, where
relaydoctor keeps its caches, and the file name of an evidence source as reports show it."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Mapping
from pathlib import Path

CACHE_ENV = "RELAYDOCTOR_CACHE_DIR"


def cache_dir(environ: Mapping[str, str] | None = None, platform: str | None = None) -> Path:
    """``$RELAYDOCTOR_CACHE_DIR``, else the user cache folder of the platform (the pack cache,
    the root-store index)."""
    env = os.environ if environ is None else environ
    if env.get(CACHE_ENV):
        return Path(env[CACHE_ENV])
    platform = platform or sys.platform
    if platform.startswith("win"):
        base = env.get("LOCALAPPDATA")
        return (Path(base) if base else Path.home() / "AppData" / "Local") / "relaydoctor" / "Cache"
    if platform == "darwin":
        return Path.home() / "Library" / "Caches" / "relaydoctor"
    xdg = env.get("XDG_CACHE_HOME", "")
    return (Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache") / "relaydoctor"


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


def file_name(source: str) -> str:
    """The last part of an evidence source (``folder/SEND.LOG:12`` → ``SEND.LOG:12``), for either
    separator: sources from Windows shares and zips keep backslashes."""
    return source.replace("\\", "/").rsplit("/", 1)[-1]
