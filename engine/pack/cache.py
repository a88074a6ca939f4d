"""Loaded packs cached on disk, so a run does not re-read and re-check hundreds of YAML files.

- Where: ``$RELAYDOCTOR_CACHE_DIR``, else the user cache folder (``$XDG_CACHE_HOME/relaydoctor`` or
  ``~/.cache/relaydoctor``; ``%LOCALAPPDATA%\\relaydoctor\\Cache`` on Windows,
  ``~/Library/Caches/relaydoctor`` on macOS).
- Key: a SHA-256 over the tool version, the pack format, this codec's version, the sources of the
  pack reader itself, and the path and *content* of every file under every pack's folders (rules,
  knowledge, the cases' evidence), so any change — an edit, a new or removed file, a changed
  parser — gives a new key; stale entries are never read. Hashing ~550 files cost ~25 ms a run,
  so a small ``stat-*`` index maps a digest of every file's path, size, inode, mtime and ctime
  (ns) to the key (``key_for``): an edit always changes ctime, and files changed in the last
  ``RACY_SECONDS`` are never indexed. The index is found by the rule, code and cause files alone
  (not the ~300 test-case files a diagnosis never reads); a case file changed since is noticed
  when the cases are first read (``cases_unchanged``: ``rules test``, lint), which read them
  afresh and drop the index entry.
- Format: JSON only, decoded into the pack model's own dataclasses (every dataclass of
  ``model``); nothing in a cache file can run code (never pickle). An object met twice is written
  once and referenced. A file that does not decode — truncated, corrupt, another version — is
  ignored and rebuilt. The rules and the cases (three quarters of it; a diagnosis reads only the
  rules that fired) are lines of their own, decoded on first use (``read``), each after its CRC-32
  is checked: a line not as written is read afresh from the YAML. The header line (what a run
  trusts without another check) leads with a CRC-32 of itself: not as written, the entry is ignored.
- Beside each entry, the ruleset compiled from those packs (``compiled-*``), keyed by the packs'
  key and the engine build (``write_compiled``).
- Concurrent runs: an entry is written to a temporary file in the same folder and renamed into
  place (atomic), so a reader sees a whole entry or none.
- Only packs that loaded without errors are cached; an unwritable cache folder only costs speed.
"""

from __future__ import annotations

import binascii
import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from .. import __version__
from ..compiled import CompiledRule, CompiledRuleset, facets_of, remember_facets, rule_row
from ..errors import PackError
from ..paths import CACHE_ENV, cache_dir
from . import model
from .model import ENGINE_FORMAT, Pack, Packs
from .ycontainers import YList, YMap

__all__ = ["CACHE_ENV", "cache_dir", "key_for", "read", "read_compiled", "write", "write_compiled"]

# 2: a dataclass object met again is a back-reference (Packs holds each Pack's rules); 3: a rule's
# subject (RuleDef.subject, Conclusion.subject); 4: the compiled ruleset's digest and prepared rules;
# 5: an entry is lines, rules and cases decoded on first use, and the recognition patterns' ranks;
# 6: a compiled rule's condition as text, and each rule's required kinds and literal tests; 7: causes
# on lines of their own, each line's CRC-32; 8: the compiled ruleset as lines; 9: each header line
# sealed by a CRC-32 of its own (``_seal``): a byte changed there went unnoticed; 10: the prepared
# rules as the facade writes them (durable's own JSON form), no longer re-written compact; 11: a
# compiled rule's aliases, conclusion and source as a line of its own, decoded on first use; 12:
# where each line of an entry's body starts, in its header (a run no longer looks for line breaks)
CODEC = 12

# every dataclass of the pack model, found rather than listed: a class added to the model later
# would otherwise make every write fail (TypeError) and every run a silent cache miss
_CLASSES: dict[str, type] = {
    name: cls for name, cls in vars(model).items()
    if isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == model.__name__
}
# each model class's fields, in the order an entry lists their values
_FIELDS: dict[str, tuple[str, ...]] = {
    name: tuple(f.name for f in dataclasses.fields(cls)) for name, cls in _CLASSES.items()
}
# what the decoder makes an object of each class with: the class, its fields, has a __post_init__
_MAKERS: dict[str, tuple[type, tuple[str, ...], bool]] = {
    name: (cls, _FIELDS[name], hasattr(cls, "__post_init__")) for name, cls in _CLASSES.items()
}


def _pair(path: str, st: os.stat_result) -> tuple[str, os.stat_result]:
    return path, st


def _stat_line(path: str, st: os.stat_result) -> str:
    """What the stat index keeps of a file. Made as the file is met, so its ``stat`` result is
    freed at once: keeping the ~500 of them alive (fresh memory, ~0.6 KB each) cost ~0.4 ms."""
    return f"{path}\0{st.st_size}\0{st.st_ino}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0"


def _walk(root: Path, skip: str = "", entry: Callable[[str, os.stat_result], Any] = _pair) -> list[Any]:
    """``entry(path, stat)`` of every file under ``root`` (``root`` itself when it is a file),
    sorted by path, ``__pycache__`` (and folders named ``skip``) left out, symlinked folders not
    followed (as ``Path.rglob``). Plain ``os.scandir`` (the pathlib walk cost ~20 ms of every run
    for the built-in pack's ~550 files), each folder listed once in whatever order the file system
    gives, and one sort of the whole list at the end (paths are unique, and both ``_pair`` and
    ``_stat_line`` lead with the path)."""
    try:
        st = os.stat(root)
    except OSError:
        return []
    if stat.S_ISREG(st.st_mode):
        return [entry(str(root), st)]
    if not stat.S_ISDIR(st.st_mode):
        return []
    out: list[Any] = []
    left_out = ("__pycache__", skip)
    folders = [str(root)]
    for folder in folders:  # grows as sub-folders are met: a flat loop, no recursion, no closure
        try:
            with os.scandir(folder) as found:
                for item in found:
                    try:
                        if item.is_dir():
                            if item.name not in left_out and not item.is_symlink():
                                folders.append(item.path)
                        elif item.is_file():
                            out.append(entry(item.path, item.stat()))
                    except OSError:
                        continue
        except OSError:
            continue
    out.sort()
    return out


@functools.cache
def _sources() -> tuple[Path, ...]:
    """The code that reads packs: a changed parser or model gives a new key too. Found once per
    process (the code running is the code imported; each file's stat is read every time)."""
    here = Path(__file__).resolve().parent
    engine = here.parent
    # what compiling reads, and the facade that prepares the compiled rules (write_compiled)
    derived = ("facts.py", "compiled.py", "status.py", "regex_probe.py", "session.py", "utctime.py")
    # os.listdir, not Path.glob: the glob machinery's first use cost ~0.2 ms of every run
    return (*sorted(here / name for name in os.listdir(here) if name.endswith(".py")),
            *(engine / name for name in derived))


def content_key(roots: Iterable[Path], settings: str) -> str:
    """The cache key: tool version, formats, ``settings``, every pack file's path and content, and
    the sources of the code that reads packs (a changed parser or model gives a new key too)."""
    h = hashlib.sha256()
    h.update(f"relaydoctor {__version__} format {ENGINE_FORMAT} codec {CODEC}\0{settings}\0".encode())
    for source in _sources():
        h.update(source.name.encode() + b"\0")
        with contextlib.suppress(OSError):
            h.update(hashlib.sha256(source.read_bytes()).digest())
    for root in roots:
        h.update(f"root {root}\0".encode())
        for path, _ in _walk(root):
            h.update(f"{path}\0".encode())
            try:
                with open(path, "rb") as fh:
                    h.update(hashlib.sha256(fh.read()).digest())
            except OSError:
                h.update(b"unreadable")
    return h.hexdigest()


RACY_SECONDS = 2.0  # a file changed this recently may change again without its stat changing


def _stat_digest(roots: Sequence[Path], settings: str, skip: str = "",
                 skip_under: Sequence[Path] = ()) -> str:
    """A digest of every file's path, size, inode and modification and change times (ns), the
    pack reader's sources included: what the content key's files look like, without reading
    them. ``skip``: folders of that name left out under the roots in ``skip_under`` (only there:
    elsewhere such a folder may hold what is read)."""
    h = hashlib.sha256(f"relaydoctor {__version__} codec {CODEC}\0{settings}\0skip {skip}\0".encode())
    lines = [line for source in _sources() for line in _walk(source, entry=_stat_line)]
    for root in roots:
        lines.append(f"root {root}\0")
        lines.extend(_walk(root, skip if root in skip_under else "", _stat_line))
    h.update("".join(lines).encode())  # one update: the same digest as one per file, ~1 ms less
    return h.hexdigest()


def _newest(roots: Iterable[Path]) -> float:
    """The newest modification or change time of the files under ``roots`` and of the pack
    reader's sources: only an index entry being written needs it (``RACY_SECONDS``), so it is
    looked up then, after the content was hashed (a file changed since only looks newer)."""
    stats = [st for root in (*_sources(), *roots) for _, st in _walk(root)]
    return max((max(st.st_mtime, st.st_ctime) for st in stats), default=0.0)


CASES = "cases"  # the folders of a pack's test cases: what a diagnosis never reads


def key_for(roots: Sequence[Path], settings: str, environ: Mapping[str, str] | None = None,
            definitions: Sequence[Path] = (), case_roots: Sequence[Path] = ()) -> str:
    """``content_key(roots, settings)``, without reading the files when their ``stat`` is unchanged
    since the key was last computed (as git's index does): a small index entry maps a stat digest
    to the content key. Any write to a file changes its change time (ctime, which no tool can set
    back), so an edit always reaches the content hash. Files changed within ``RACY_SECONDS`` are
    not indexed (a second edit in the same clock tick could keep the stat).

    The index is found by the stat of ``definitions`` alone (the files the rules, codes and causes
    are read from; under those of them in ``case_roots``, the rules folders, ``cases`` folders
    left out, as the loader reads those as test cases): ~300 of a built-in pack's ~850 files
    are test cases and their evidence, which only ``rules test`` and lint read. The entry also
    holds the stat digest of every file under ``roots`` when the key was made: packs read under
    that key check it before their cases are first read (``cases_unchanged``), and a case file
    changed since makes them read the cases afresh. (So a diagnosis whose cached key was made
    before a case file broke does not report that case; ``rules test`` and lint do.)"""
    digest = _stat_digest(definitions or roots, settings, CASES if definitions else "", case_roots)
    index = cache_dir(environ) / f"stat-{digest}"
    try:
        # bytes decoded, not read_text: a text file's "ascii" codec is a module import (~0.1 ms)
        key, _, every = index.read_bytes().decode("ascii").partition(" ")
        if _hex64(key) and (_hex64(every) or not definitions):
            if definitions:
                _INDEXED[key] = (tuple(roots), settings, every, index)
            return key
    except (OSError, ValueError):
        pass
    every = _stat_digest(roots, settings) if definitions else digest
    key = content_key(roots, settings)
    _INDEXED.pop(key, None)  # its cases are the files' own: nothing to check
    written = f"{key} {every}" if definitions else key
    settled = time.time() - _newest(roots) > RACY_SECONDS
    if settled and _write_atomic(index, written, prefix=".stat-"):
        _prune(index.parent, "stat-*", keep=index.name, most=32)
    return key


def _hex64(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdef" for c in text)


# content key -> what its stat index entry said of every file (roots, settings, digest, the entry)
_INDEXED: dict[str, tuple[tuple[Path, ...], str, str, Path]] = {}


def cases_unchanged(key: str) -> bool:
    """Whether every file under the packs' roots has the stat it had when ``key`` was indexed (true
    for a key just computed from the files). False also forgets the index entry, so the next run
    computes the key afresh and caches the packs with the cases as they are now."""
    known = _INDEXED.get(key)
    if known is None:
        return True
    roots, settings, every, index = known
    if _stat_digest(roots, settings) == every:
        return True
    with contextlib.suppress(OSError):
        index.unlink()
    return False


# -- JSON codec: the pack model's dataclasses, tuples, paths and YAML line-tracking containers -----


def _encoder(defer: bool = False) -> Any:
    """An encoding function. Each model object is written once: met again it becomes ``{"r": n}``,
    n counting written objects in the order their text ends — the order ``json.loads`` calls its
    object hook, so the decoder numbers alike. ``defer``: the fields of ``_DEFERRED`` are written
    as ``{"z": 0}`` (the entry's other lines hold them); a reader's ``_deferred`` is never written."""
    written: dict[int, int] = {}

    def field_value(value: Any, name: str, deferred: tuple[str, ...]) -> Any:
        if name == "_deferred":
            return None
        return {"z": 0} if name in deferred else enc(getattr(value, name))

    def enc(value: Any) -> Any:
        if value is None or isinstance(value, bool | int | float | str):
            return value
        if dataclasses.is_dataclass(value) and type(value).__name__ in _CLASSES:
            seen = written.get(id(value))
            if seen is not None:
                return {"r": seen}
            deferred = _DEFERRED.get(type(value).__name__, ()) if defer else ()
            values = [field_value(value, f.name, deferred) for f in dataclasses.fields(value)]
            written[id(value)] = len(written)  # the object outlives the encoding: ids stay unique
            return {"c": type(value).__name__, "v": values}
        if isinstance(value, tuple):
            return {"t": [enc(v) for v in value]}
        if isinstance(value, YList):
            return {"yl": [enc(v) for v in value], "line": value.line, "il": list(value.item_lines)}
        if isinstance(value, list):
            return {"l": [enc(v) for v in value]}
        if isinstance(value, YMap):
            return {"ym": [[enc(k), enc(v)] for k, v in value.items()], "line": value.line,
                    "kl": [[enc(k), n] for k, n in value.key_lines.items()]}
        if isinstance(value, Mapping):
            return {"d": [[enc(k), enc(v)] for k, v in value.items()]}
        if isinstance(value, Path):
            return {"p": str(value)}
        raise TypeError(f"cannot cache a {type(value).__name__}")

    return enc


def _enc(value: Any) -> Any:
    return _encoder()(value)


def _decoder() -> Any:
    """The ``json.loads`` object hook: each tagged object becomes its value, children first (the C
    parser walks the text; this runs once per object, ~1,100 times a diagnosis)."""
    objects: list[Any] = []
    remember, new, put = objects.append, object.__new__, object.__setattr__

    def node(value: dict) -> Any:
        made = _MAKERS.get(value.get("c"))  # one look-up for the class, its fields and __post_init__
        if made is not None:
            cls, names, post_init = made
            values = value["v"]
            if len(values) != len(names):  # field order: the code's own sources are part of the key
                raise ValueError("a cache entry of another model")
            obj = new(cls)  # as pickle does: no __init__ to make, the values were checked
            for name, field_value in zip(names, values, strict=True):  # when the entry was written
                if field_value is not _UNSET:  # a deferred field stays unset until first use
                    put(obj, name, field_value)
            if post_init:
                obj.__post_init__()
            remember(obj)
            return obj
        if "c" in value:
            raise ValueError(f"not a class of the pack model: {value['c']!r}")  # the entry is ignored
        if "t" in value:
            return tuple(value["t"])
        if "r" in value:
            return objects[value["r"]]  # IndexError (a corrupt entry) is caught by the reader
        if "z" in value:
            return _UNSET
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

    return node


def _hashable(key: Any) -> Any:
    if isinstance(key, list | dict):
        raise ValueError("unhashable key in a cache entry")
    return key


# -- entries ---------------------------------------------------------------------------------------


# An entry is lines of JSON: a header (the key, the packs without their rules, causes and cases,
# where those are, each other line's CRC-32 and where it starts), then one line per rule, one per
# cause, then one line of every case. A diagnosis reads the header, the rules that fired and the
# causes of its codes; ``rules test``, lint and ``codes`` read the rest on first use.
_DEFERRED = {"Packs": ("rules", "disabled", "cases", "causes"), "Pack": ("rules", "cases", "causes")}
_UNSET = object()
_ERRORS = (OSError, ValueError, KeyError, IndexError, TypeError, AttributeError, RecursionError)


def read(
    key: str, environ: Mapping[str, str] | None = None, fallback: Callable[[], Packs] | None = None
) -> Packs | None:
    """The cached packs for ``key``, or None (missing, corrupt, another version). Their rules and
    cases are decoded on first use; should that fail (the file checked whole, so only if its
    writer was wrong), ``fallback`` (the packs read afresh) supplies them."""
    path = cache_dir(environ) / f"packs-{key}.json"
    try:
        data = path.read_bytes()
        nl = data.find(b"\n")  # the body stays bytes: a line is cut out when read
        head = data[:nl] if nl >= 0 else data
        if not _sealed(head):
            return None
        header = json.loads(head, object_hook=_decoder())
        if not isinstance(header, dict) or header.get("key") != key:
            return None
        packs, where = header["packs"], json.loads(header["where"])  # plain JSON, as text in the header
        crcs = header["crcs"]
        starts = header["starts"]  # where each body line starts, then one past the last's end
        count = where["rules_count"] + where["causes_count"] + 1
        if (not isinstance(packs, Packs) or not isinstance(crcs, list) or len(crcs) != count
                or not isinstance(starts, list) or len(starts) != count + 1 or starts[0] != 0
                or starts[-1] != len(data) - nl):
            return None
        ranks = json.loads(header["ranks"])
        if not isinstance(ranks, dict):
            return None
        # a line cut at a wrong place (only a writer's mistake: the header is sealed) fails its
        # CRC-32 when read, and the packs are then read afresh
        sections = _Sections(key, data, nl + 1, starts, crcs, where, fallback)
        object.__setattr__(packs, "_deferred", _Deferred(sections, None, where["packs"]))
        if len(packs.packs) != len(where["pack"]):
            return None
        for n, (pack, fields) in enumerate(zip(packs.packs, where["pack"], strict=True)):
            if not isinstance(pack, Pack):
                return None
            object.__setattr__(pack, "_deferred", _Deferred(sections, n, fields))
        from .recognize import remember_ranks

        remember_ranks(ranks)
    except _ERRORS:
        return None
    return packs


class _Sections:
    """The rule and case lines of one entry, each decoded once (model objects shared as written:
    ``Packs.rules`` are ``Pack.rules`` objects)."""

    def __init__(self, key: str, data: bytes, base: int, starts: list[int], crcs: list[int],
                 where: dict[str, Any], fallback: Callable[[], Packs] | None):
        # body line n is data[base + starts[n]:base + starts[n + 1] - 1] (``write``'s "starts")
        self._key, self._data, self._base, self._starts, self._crcs = key, data, base, starts, crcs
        self._rules: dict[int, Any] = {}
        self._causes: dict[int, Any] = {}
        self._cause_lines = where["rules_count"]  # the causes' lines follow the rules'
        self._cases: list[Any] | None = None
        self._fallback = fallback
        self._fresh: Packs | None = None
        self._lock = threading.Lock()
        packs = where["packs"]
        self._by_id = {where["rule_ids"][n]: n for n in (*packs["rules"], *packs["disabled"])}

    def __getstate__(self) -> dict[str, Any]:  # copy.deepcopy of packs read from the cache
        return {**self.__dict__, "_lock": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _lock=threading.Lock())

    def _line(self, n: int) -> Any:
        """Line ``n`` decoded, once its CRC-32 is the one written (else ValueError: the caller
        reads the packs afresh)."""
        line = self._data[self._base + self._starts[n]:self._base + self._starts[n + 1] - 1]
        if binascii.crc32(line) != self._crcs[n]:
            raise ValueError(f"line {n + 2} of the pack cache entry is not as written")
        return json.loads(line.decode("utf-8"), object_hook=_decoder())

    def _decoded(self, done: dict[int, Any], n: int, line: int, cls: type) -> Any:
        """Definition ``n`` (on ``line``) from ``done``, else decoded once and kept there."""
        with self._lock:
            if n not in done:
                value = self._line(line)
                if not isinstance(value, cls):
                    raise ValueError(f"not a {cls.__name__}")
                done[n] = value
            return done[n]

    def rule_at(self, n: int) -> Any:
        return self._decoded(self._rules, n, n, model.RuleDef)

    def cause_at(self, n: int) -> Any:
        return self._decoded(self._causes, n, self._cause_lines + n, model.CauseDef)

    def case_at(self, n: int) -> Any:
        with self._lock:
            if self._cases is None:
                if not cases_unchanged(self._key):  # a case file changed since the key was indexed
                    raise ValueError("the pack cases changed since this entry's key was indexed")
                cases = self._line(len(self._starts) - 2)  # the last line
                if not isinstance(cases, list) or not all(isinstance(c, model.CaseDef) for c in cases):
                    raise ValueError("not cases")
                self._cases = cases
            return self._cases[n]

    def rule(self, rule_id: str) -> Any:
        n = self._by_id.get(rule_id)
        if n is None:
            return None
        try:
            return self.rule_at(n)
        except _ERRORS:
            return self.fresh().rule(rule_id)

    def fresh(self) -> Packs:
        """The packs read afresh: what a corrupt line is replaced with."""
        if self._fallback is None:
            raise PackError("the pack cache entry is corrupt; run again to rebuild it", "pack cache")
        with self._lock:
            if self._fresh is None:
                self._fresh = self._fallback()
            return self._fresh


class _Deferred:
    """What ``Pack``/``Packs`` read from an entry decode on first use (``model._deferred_field``):
    ``fields`` maps each left-out field to its rules' or cases' positions."""

    def __init__(self, sections: _Sections, pack: int | None, fields: dict[str, list[int]]):
        self._sections, self._pack, self._fields = sections, pack, fields

    def holds(self, name: str) -> bool:
        return name in self._fields

    def load(self, name: str) -> Any:
        if name == "causes" and self._pack is None:  # Packs.causes: each decoded when looked up
            return _Causes(self._sections, dict(self._fields[name]))
        at = {"cases": self._sections.case_at, "causes": self._sections.cause_at}.get(
            name, self._sections.rule_at)
        try:
            return tuple(at(n) for n in self._fields[name])
        except _ERRORS:
            fresh = self._sections.fresh()
            return getattr(fresh if self._pack is None else fresh.packs[self._pack], name)

    def rule(self, rule_id: str) -> Any:
        return self._sections.rule(rule_id)


class _Causes(Mapping[str, Any]):
    """``Packs.causes`` read from an entry: cause id -> its ``CauseDef``, decoded when looked up (a
    diagnosis reads those of its codes only)."""

    def __init__(self, sections: _Sections, positions: dict[str, int]):
        self._sections, self._positions = sections, positions

    def __getitem__(self, cause: str) -> Any:
        n = self._positions[cause]
        try:
            return self._sections.cause_at(n)
        except _ERRORS:
            return self._sections.fresh().causes[cause]

    def __iter__(self) -> Iterator[str]:
        return iter(self._positions)

    def __len__(self) -> int:
        return len(self._positions)

    def __contains__(self, cause: object) -> bool:
        return cause in self._positions

    def __repr__(self) -> str:
        return repr(dict(self))


def _layout(packs: Packs) -> tuple[list[Any], list[Any], list[Any], dict[str, Any]]:
    """The distinct rules, causes and cases of ``packs`` (each object once, in first-met order) and
    where each deferred field's objects are among them."""
    rules: dict[int, tuple[int, Any]] = {}
    causes: dict[int, tuple[int, Any]] = {}
    cases: dict[int, tuple[int, Any]] = {}

    def positions(items: Iterable[Any], table: dict[int, tuple[int, Any]]) -> list[int]:
        out = []
        for item in items:
            if id(item) not in table:
                table[id(item)] = (len(table), item)
            out.append(table[id(item)][0])
        return out

    where: dict[str, Any] = {
        "packs": {"rules": positions(packs.rules, rules), "disabled": positions(packs.disabled, rules),
                  "cases": positions(packs.cases, cases),
                  "causes": list(zip(packs.causes, positions(packs.causes.values(), causes), strict=True))},
        "pack": [{"rules": positions(p.rules, rules), "cases": positions(p.cases, cases),
                  "causes": positions(p.causes, causes)} for p in packs.packs],
    }
    rule_list = [item for _, item in rules.values()]
    where["rule_ids"] = [r.id for r in rule_list]
    where["rules_count"] = len(rule_list)
    where["causes_count"] = len(causes)
    return rule_list, [item for _, item in causes.values()], [item for _, item in cases.values()], where


# -- the compiled ruleset (what the engine facade registers), cached beside its packs ------------


def _compiled_path(key: str, environ: Mapping[str, str] | None) -> Path:
    return cache_dir(environ) / f"compiled-{key}.json"


def read_compiled(key: str, environ: Mapping[str, str] | None = None) -> CompiledRuleset | None:
    """The compiled ruleset stored under ``key`` (see ``write_compiled``), with its digest and the
    facade's prepared rules when they were stored, or None."""
    try:
        head, _, body = _compiled_path(key, environ).read_bytes().partition(b"\n")
        if not _sealed(head):
            return None
        data = json.loads(head)
        if not isinstance(data, dict) or data.get("key") != key or data.get("crc") != binascii.crc32(body):
            return None  # the texts parsed later (conditions, prepared rules) are as written
        texts = body.decode("utf-8").split("\n")
        ids, codes, strata = data["ids"], data["codes"], data["strata"]
        count = len(ids)
        prepared = texts[2 * count:] if data["prepared"] else None
        if (len(texts) != count * (3 if prepared is not None else 2) or not all(texts[:2 * count])
                or len(codes) != count or not all(isinstance(rid, str) for rid in ids)
                or len(strata) != count or not all(type(n) is int for n in strata)):
            return None
        new, put = object.__new__, object.__setattr__  # as the packs' decoder: no __init__ to make
        rules = []
        rows, conditions = texts[:count], texts[count:2 * count]
        for rid, stratum, row, condition in zip(ids, strata, rows, conditions, strict=True):
            rule = new(CompiledRule)
            put(rule, "id", rid)
            put(rule, "stratum", stratum)  # every registration reads it (``CompiledRuleset.strata``)
            put(rule, "_row_text", row)  # the other fields stay unset until first used
            put(rule, "_condition_text", condition)  # and ``condition`` too
            rules.append(rule)
        digest = data["digest"]
        if not isinstance(digest, str):
            return None
        ruleset = CompiledRuleset(tuple(rules), prepared=None if prepared is None else tuple(prepared),
                                  known_digest=digest)
        remember_facets(ruleset, data["facets"], codes)
        return ruleset
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None


def write_compiled(
    key: str, ruleset: CompiledRuleset, environ: Mapping[str, str] | None = None,
    prepared: Sequence[str] | None = None,
) -> bool:
    """Store a compiled ruleset under ``key``: the caller's packs key combined with whatever else
    the compilation depended on (the engine build that probed user packs' regexes), with its
    digest and ``prepared``, the facade's form of each rule (``session.prepare_rules``; the
    facade's source is part of the packs' key). Only a ruleset that compiled without errors is
    ever stored. Lines, atomic like the packs: a header (the rules' ids, codes, strata, required
    kinds and literal tests, the digest, a CRC-32 of the rest), each rule's other fields, each
    rule's condition, then each prepared rule; the texts are JSON a run parses only when used (the
    rows of the rules it registers; never, for conditions)."""
    try:
        compact = {"separators": (",", ":")}
        texts = [json.dumps(rule_row(r), **compact) for r in ruleset.rules]
        texts += [json.dumps(r.condition, **compact) for r in ruleset.rules]
        if prepared is not None:
            if len(prepared) != len(ruleset.rules):
                return False
            if any("\n" in p for p in prepared):  # JSON text never has a raw line break
                return False
            texts += prepared  # as the facade wrote them: it hands them to the engine as they are
        body = "\n".join(texts)
        header = {"key": key, "digest": ruleset.digest, "crc": binascii.crc32(body.encode("utf-8")),
                  "prepared": prepared is not None, "ids": [r.id for r in ruleset.rules],
                  "codes": [r.conclusion.code for r in ruleset.rules],
                  "strata": [r.stratum for r in ruleset.rules], "facets": facets_of(ruleset)}
        payload = f"{_seal(json.dumps(header, **compact))}\n{body}"
    except (TypeError, ValueError, RecursionError):
        return False
    path = _compiled_path(key, environ)
    if not _write_atomic(path, payload, prefix=".compiled-"):
        return False
    _prune(path.parent, "compiled-*.json", keep=path.name)
    return True


def write(key: str, packs: Packs, environ: Mapping[str, str] | None = None) -> bool:
    """Store an entry atomically (temp file + rename); False when the cache folder is not usable."""
    try:
        rules, causes, cases, where = _layout(packs)
        compact = {"separators": (",", ":")}
        enc = _encoder()  # one numbering for the cases' line
        lines = [*(json.dumps(_enc(r), **compact) for r in (*rules, *causes)),
                 json.dumps([enc(c) for c in cases], **compact)]
        body = "\n".join(lines)
        encoded = [line.encode("utf-8") for line in lines]
        crcs = [binascii.crc32(line) for line in encoded]
        starts = [0]  # where each line starts in the body, then one past the last's end: a reader
        for line in encoded:  # cuts out the lines it reads without looking for line breaks
            starts.append(starts[-1] + len(line) + 1)
        from .recognize import pattern_rank

        ranks = {p: pattern_rank(p) for code in packs.codes.values() for p in code.recognize}
        header = {"key": key, "crcs": crcs, "starts": starts, "where": json.dumps(where, **compact),
                  "ranks": json.dumps(ranks, **compact), "packs": _encoder(defer=True)(packs)}
        payload = f"{_seal(json.dumps(header, **compact))}\n{body}"
    except (TypeError, ValueError, RecursionError):
        return False
    folder = cache_dir(environ)
    if not _write_atomic(folder / f"packs-{key}.json", payload, prefix=".packs-"):
        return False
    _prune(folder, "packs-*.json", keep=f"packs-{key}.json")
    return True


_SEAL = b'{"seal":'


def _seal(header: str) -> str:
    """A header line (a JSON object, never empty) led by a CRC-32 of the rest of it. The body's
    lines have CRC-32s of their own, but the header holds what a run trusts unchecked (the packs'
    codes and patterns, the compiled rules' conclusions and literal tests): one byte changed there
    gave a silently different report (a literal test edited left its rule out)."""
    return f"{_SEAL.decode()}{binascii.crc32(header.encode('utf-8'))},{header[1:]}"


def _sealed(head: bytes) -> bool:
    """Whether a header line is as ``_seal`` wrote it."""
    comma = head.find(b",", len(_SEAL))
    if not head.startswith(_SEAL) or comma < 0:
        return False
    seal = head[len(_SEAL):comma]
    return seal.isdigit() and int(seal) == binascii.crc32(b"{" + head[comma + 1:])


def _write_atomic(path: Path, text: str, *, prefix: str) -> bool:
    """Write through a temporary file in the same folder and a rename: concurrent runs see a
    whole file or none. False when the folder is not usable (the cache only costs speed)."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        import tempfile  # a write happens on a cache miss only

        fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
        tmp = None
        return True
    except OSError:
        return False
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _prune(folder: Path, pattern: str, keep: str, most: int = 8) -> None:
    """Keep the newest few entries (several pack sets may be in use), drop older ones."""
    with contextlib.suppress(OSError):
        entries = sorted(folder.glob(pattern), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[most:]:
            if old.name != keep:
                with contextlib.suppress(OSError):
                    old.unlink()
