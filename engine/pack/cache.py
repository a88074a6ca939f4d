"""Loaded packs cached on disk, so a run does not re-read and re-check hundreds of YAML files.

- Where: ``$RELAYDOCTOR_CACHE_DIR``, else the user cache folder (``$XDG_CACHE_HOME/relaydoctor`` or
  ``~/.cache/relaydoctor``; ``%LOCALAPPDATA%\\relaydoctor\\Cache`` on Windows,
  ``~/Library/Caches/relaydoctor`` on macOS).
- Key: a SHA-256 over the tool version, the pack format, this codec's version, the sources of the
  pack reader itself, and the path and *content* of every file under every pack's folders (rules,
  knowledge, the cases' evidence), so any change — an edit, a new or removed file, a changed
  parser — gives a new key; stale entries are never read.
- Format: JSON only, decoded into the pack model's own dataclasses from a fixed list; nothing in
  a cache file can run code (never pickle). A file that does not decode — truncated, corrupt,
  another version — is ignored and rebuilt.
- Concurrent runs: an entry is written to a temporary file in the same folder and renamed into
  place (atomic), so a reader sees a whole entry or none.
- Only packs that loaded without errors are cached; an unwritable cache folder only costs speed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .. import __version__
from . import model
from .model import ENGINE_FORMAT, Packs
from .yamlload import YList, YMap

CODEC = 1
CACHE_ENV = "RELAYDOCTOR_CACHE_DIR"

_CLASSES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        model.Key, model.Loc, model.Reference, model.Ref, model.FieldTest, model.AnyOf, model.Pattern,
        model.RuleDef, model.CodeDef, model.QuestionDef, model.RemediationDef, model.CauseDef,
        model.InlineFact, model.CaseDef, model.PackManifest, model.Pack, model.Packs, model.OutputExpect,
        model.FragmentDef,
    )
}


def cache_dir(environ: Mapping[str, str] | None = None, platform: str | None = None) -> Path:
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


def _files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    if not root.is_dir():
        return []
    out = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).parts
        if any(part == "__pycache__" for part in rel):
            continue
        if path.is_file():
            out.append(path)
    return out


def content_key(roots: Iterable[Path], settings: str) -> str:
    """The cache key: tool version, formats, ``settings``, every pack file's path and content, and
    the sources of the code that reads packs (a changed parser or model gives a new key too)."""
    h = hashlib.sha256()
    h.update(f"relaydoctor {__version__} format {ENGINE_FORMAT} codec {CODEC}\0{settings}\0".encode())
    here = Path(__file__).resolve().parent
    for source in (*sorted(here.glob("*.py")), here.parent / "facts.py"):
        h.update(source.name.encode() + b"\0")
        with contextlib.suppress(OSError):
            h.update(hashlib.sha256(source.read_bytes()).digest())
    for root in roots:
        h.update(f"root {root}\0".encode())
        for path in _files(root):
            h.update(f"{path}\0".encode())
            try:
                h.update(hashlib.sha256(path.read_bytes()).digest())
            except OSError:
                h.update(b"unreadable")
    return h.hexdigest()


# -- JSON codec: the pack model's dataclasses, tuples, paths and YAML line-tracking containers -----


def _enc(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if dataclasses.is_dataclass(value) and type(value).__name__ in _CLASSES:
        values = [_enc(getattr(value, f.name)) for f in dataclasses.fields(value)]
        return {"c": type(value).__name__, "v": values}
    if isinstance(value, tuple):
        return {"t": [_enc(v) for v in value]}
    if isinstance(value, YList):
        return {"yl": [_enc(v) for v in value], "line": value.line, "il": list(value.item_lines)}
    if isinstance(value, list):
        return {"l": [_enc(v) for v in value]}
    if isinstance(value, YMap):
        return {"ym": [[_enc(k), _enc(v)] for k, v in value.items()], "line": value.line,
                "kl": [[_enc(k), n] for k, n in value.key_lines.items()]}
    if isinstance(value, Mapping):
        return {"d": [[_enc(k), _enc(v)] for k, v in value.items()]}
    if isinstance(value, Path):
        return {"p": str(value)}
    raise TypeError(f"cannot cache a {type(value).__name__}")


def _node(value: dict) -> Any:
    """``json.loads`` object hook: each tagged object becomes its value, children first (the C
    parser walks the text; this runs once per object)."""
    if "c" in value:
        cls = _CLASSES[value["c"]]  # KeyError for anything not in the model: the entry is ignored
        return cls(*value["v"])  # field order: the code's own sources are part of the key
    if "t" in value:
        return tuple(value["t"])
    if "l" in value:
        return list(value["l"])
    if "yl" in value:
        out = YList(value["yl"], line=value["line"])
        out.item_lines = list(value["il"])
        return out
    if "ym" in value:
        ymap = YMap({_hashable(k): v for k, v in value["ym"]}, line=value["line"])
        ymap.key_lines = {_hashable(k): n for k, n in value["kl"]}
        return ymap
    if "d" in value:
        return {_hashable(k): v for k, v in value["d"]}
    if "p" in value:
        return Path(value["p"])
    if "key" in value:
        return value  # the entry itself
    raise ValueError("unknown value in a cache entry")


def _hashable(key: Any) -> Any:
    if isinstance(key, list | dict):
        raise ValueError("unhashable key in a cache entry")
    return key


# -- entries ---------------------------------------------------------------------------------------


def read(key: str, environ: Mapping[str, str] | None = None) -> Packs | None:
    """The cached packs for ``key``, or None (missing, corrupt, another version)."""
    path = cache_dir(environ) / f"packs-{key}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"), object_hook=_node)
        if not isinstance(data, dict) or data.get("key") != key:
            return None
        packs = data["packs"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None
    return packs if isinstance(packs, Packs) else None


def write(key: str, packs: Packs, environ: Mapping[str, str] | None = None) -> bool:
    """Store an entry atomically (temp file + rename); False when the cache folder is not usable."""
    folder = cache_dir(environ)
    try:
        payload = json.dumps({"key": key, "packs": _enc(packs)}, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        return False
    tmp = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".packs-", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(payload)
        os.replace(tmp, folder / f"packs-{key}.json")
        tmp = None
        _prune(folder, keep=f"packs-{key}.json")
        return True
    except OSError:
        return False
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _prune(folder: Path, keep: str, most: int = 8) -> None:
    """Keep the newest few entries (several pack sets may be in use), drop older ones."""
    with contextlib.suppress(OSError):
        entries = sorted(folder.glob("packs-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[most:]:
            if old.name != keep:
                with contextlib.suppress(OSError):
                    old.unlink()
