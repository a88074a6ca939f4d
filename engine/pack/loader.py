"""Finding, loading, cross-checking and merging packs.

Load order is fixed: the built-in pack, then the user config packs, then ``--pack`` directories.
Nothing is silently shadowed: two packs defining the same rule, cause, code, case or pack id is
an error naming both files, and tuning another pack is possible only through the explicit
``overrides`` of pack.yaml, which are listed in :attr:`Packs.overrides` for the report.
Every problem found in one run is reported together (:class:`PackErrors`).
"""

from __future__ import annotations

import dataclasses
import itertools
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .. import __version__
from ..errors import PackError, PackErrors
from ..lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from ..paths import builtin_dir
from .model import ENGINE_FORMAT, CaseDef, CauseDef, Pack, Packs, RuleDef
from .recognize import BUILTIN_PACK
from .ycontainers import MAX_FILE_BYTES

if TYPE_CHECKING:
    from .parse import FileCheck

MAX_PACK_BYTES = 16 << 20  # all YAML files of one pack together
MAX_PACK_FILES = 4000
_YAML_SUFFIXES = (".yaml", ".yml")
PACKS_ENV = "RELAYDOCTOR_PACKS"


def version_tuple(text: str) -> tuple[int, ...]:
    """ "0.2.0" -> (0, 2, 0); anything after the numbers (".dev1", "rc1") is ignored."""
    parts = []
    for piece in text.split("."):
        digits = "".join(itertools.takewhile(str.isdigit, piece))
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


# ---------------------------------------------------------------------------------------------
# Where packs are
# ---------------------------------------------------------------------------------------------


def config_home(environ: Mapping[str, str] | None = None, *, windows: bool | None = None) -> Path:
    """The user's configuration folder: %APPDATA% on Windows, else $XDG_CONFIG_HOME or ~/.config."""
    env = os.environ if environ is None else environ
    if windows if windows is not None else os.name == "nt":
        appdata = env.get("APPDATA")
        return Path(appdata) if appdata else Path.home() / "AppData" / "Roaming"
    xdg = env.get("XDG_CONFIG_HOME", "")
    return Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".config"


def user_pack_dirs(environ: Mapping[str, str] | None = None, *, windows: bool | None = None) -> list[Path]:
    """Pack directories from ``$RELAYDOCTOR_PACKS`` (os.pathsep-separated; set but empty means
    none), else every folder in ``<config home>/relaydoctor/packs/``, in name order."""
    env = os.environ if environ is None else environ
    if PACKS_ENV in env:
        return [Path(p) for p in env[PACKS_ENV].split(os.pathsep) if p.strip()]
    base = config_home(env, windows=windows) / "relaydoctor" / "packs"
    if not base.is_dir():
        return []
    return sorted(d for d in base.iterdir() if d.is_dir() and not d.name.startswith("."))


# ---------------------------------------------------------------------------------------------
# One pack
# ---------------------------------------------------------------------------------------------


def _inside(path: Path, roots: Iterable[Path]) -> bool:
    try:
        resolved = path.resolve()
    except OSError:
        return False
    return any(resolved == r or r in resolved.parents for r in roots)


def _yaml_files(folder: Path, roots: tuple[Path, ...]) -> list[Path]:
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).parts
        if any(part.startswith(".") or part == "__pycache__" for part in rel):
            continue
        if path.suffix.lower() in _YAML_SUFFIXES and path.is_file() and _inside(path, roots):
            out.append(path)
    return out


@dataclass
class _Layout:
    manifest: Path
    rules: Path
    knowledge: Path
    builtin: bool

    @property
    def roots(self) -> tuple[Path, ...]:
        if self.builtin:
            return (self.rules.resolve(), self.knowledge.resolve())
        return (self.manifest.parent.resolve(),)


def _read_files(layout: _Layout, errors: list[PackError]) -> _Files:
    """Rule, case, fragment, code and cause files, checked against the pack's size limits."""
    roots = layout.roots
    files = _Files()
    for path in _yaml_files(layout.rules, roots):
        folders = path.relative_to(layout.rules).parts[:-1]
        kind = "cases" if "cases" in folders else "fragments" if "fragments" in folders else "rules"
        getattr(files, kind).append(path)
    files.codes = _yaml_files(layout.knowledge / "codes", roots)
    files.causes = _yaml_files(layout.knowledge / "causes", roots)
    every = [layout.manifest, *files.rules, *files.cases, *files.fragments, *files.codes, *files.causes]
    total = sum(p.stat().st_size for p in every if p.is_file())
    if len(every) > MAX_PACK_FILES or total > MAX_PACK_BYTES:
        errors.append(
            PackError(
                f"pack is too large ({len(every)} files, {total:,} bytes; the limits are "
                f"{MAX_PACK_FILES} files and {MAX_PACK_BYTES:,} bytes)",
                str(layout.manifest),
            )
        )
        return _Files()
    return files


@dataclass
class _Files:
    """A pack's YAML files by kind (a file in a ``cases`` folder is a case, in a ``fragments``
    folder a fragment, any other under ``rules/`` a rule)."""

    rules: list[Path] = dataclasses.field(default_factory=list)
    cases: list[Path] = dataclasses.field(default_factory=list)
    fragments: list[Path] = dataclasses.field(default_factory=list)
    codes: list[Path] = dataclasses.field(default_factory=list)
    causes: list[Path] = dataclasses.field(default_factory=list)


T = TypeVar("T")


def _parse_all(
    files: Sequence[Path], parse: Callable[[Any, FileCheck], T | None], errors: list[PackError]
) -> list[T]:
    from .parse import FileCheck
    from .yamlload import load_yaml  # yaml only on a cache miss

    out = []
    for path in files:
        check = FileCheck(str(path), errors)
        try:
            data = load_yaml(path, display=str(path), max_bytes=MAX_FILE_BYTES)
        except PackError as exc:
            errors.append(exc)
            continue
        item = parse(data, check)
        if item is not None:
            out.append(item)
    return out


def _load_one(
    layout: _Layout, errors: list[PackError], foreign: dict[str, str] | None = None
) -> Pack | None:
    """One pack; ``foreign`` (fragment name -> pack) names the fragments of the packs loaded
    before, so a rule using one is told whose it is; this pack's fragments are added to it."""
    if not layout.manifest.is_file():
        where = layout.manifest.parent
        errors.append(PackError(f"not a pack: {layout.manifest.name} is missing", str(where)))
        return None
    # imported here: a run whose packs come from the cache never needs the YAML checks
    from .parse import FileCheck, Fragments, parse_case, parse_cause, parse_code, parse_manifest, parse_rule
    from .yamlload import load_yaml

    check = FileCheck(str(layout.manifest), errors)
    try:
        data = load_yaml(layout.manifest)
    except PackError as exc:
        errors.append(exc)
        return None
    before = len(errors)
    manifest = parse_manifest(
        data, check, root=layout.manifest.parent, roots=layout.roots, builtin=layout.builtin
    )
    if manifest is None or (len(errors) > before and not manifest.id):
        return None
    if manifest.engine_format > ENGINE_FORMAT:
        check.err(
            manifest.loc.line,
            f"pack {manifest.id!r} needs engine_format {manifest.engine_format}, but this relaydoctor "
            f"reads packs up to format {ENGINE_FORMAT}: upgrade relaydoctor to use it",
        )
        return None
    if manifest.id == BUILTIN_PACK and not layout.builtin:
        # the id is what recognition trusts (patterns unbudgeted, their programs kept in the cache)
        check.err(manifest.loc.line, f"pack id {BUILTIN_PACK!r} is reserved for the built-in pack: "
                                     "give this pack another id")
        return None
    if manifest.min_relaydoctor and version_tuple(manifest.min_relaydoctor) > version_tuple(__version__):
        check.err(
            manifest.loc.line,
            f"pack {manifest.id!r} needs relaydoctor {manifest.min_relaydoctor} or newer (min_relaydoctor), "
            f"but this is relaydoctor {__version__}: upgrade relaydoctor to use it",
        )
        return None
    files = _read_files(layout, errors)
    pid = manifest.id
    roots = layout.roots
    fragments = Fragments(pid, foreign)
    _parse_all(files.fragments, fragments.add, errors)  # read first: rules splice them in
    rules = tuple(_parse_all(files.rules, lambda d, f: parse_rule(d, f, pid, fragments), errors))
    if foreign is not None:
        foreign.update({name: pid for name in fragments.raw if name not in foreign})
    return Pack(
        manifest=manifest,
        rules=rules,
        codes=tuple(_parse_all(files.codes, lambda d, f: parse_code(d, f, pid), errors)),
        causes=tuple(_parse_all(files.causes, lambda d, f: parse_cause(d, f, pid), errors)),
        cases=tuple(
            _parse_all(
                files.cases,
                lambda d, f: parse_case(d, f, pid, file=Path(f.path), roots=roots),
                errors,
            )
        ),
        fragments=tuple(fragments.all()),
    )


def builtin_layout() -> _Layout:
    knowledge = builtin_dir("knowledge")
    return _Layout(knowledge / "pack.yaml", builtin_dir("rules"), knowledge, builtin=True)


def dir_layout(directory: Path) -> _Layout:
    return _Layout(directory / "pack.yaml", directory / "rules", directory / "knowledge", builtin=False)


# ---------------------------------------------------------------------------------------------
# Merging
# ---------------------------------------------------------------------------------------------


def _unique(
    items: Iterable[T], key: Callable[[T], str], where: Callable[[T], Any], what: str, errors: list[PackError]
) -> dict[str, T]:
    out: dict[str, T] = {}
    for item in items:
        k = key(item)
        if not k:
            continue
        if k in out:
            first = where(out[k])
            second = where(item)
            errors.append(second.error(f"{what} {k!r} is defined twice: in {first.ref()} and here"))
            continue
        out[k] = item
    return out


def merge(packs: Sequence[Pack], errors: list[PackError]) -> Packs:
    """Check ids and cross-references over all packs and apply the overrides."""
    by_id = _unique(packs, lambda p: p.id, lambda p: p.manifest.loc, "pack id", errors)
    rules = _unique((r for p in packs for r in p.rules), lambda r: r.id, lambda r: r.loc, "rule", errors)
    codes = _unique((c for p in packs for c in p.codes), lambda c: c.code, lambda c: c.loc, "code", errors)
    causes = _unique(
        (c for p in packs for c in p.causes), lambda c: c.cause, lambda c: c.loc, "cause", errors
    )
    cases = _unique((c for p in packs for c in p.cases), lambda c: c.case, lambda c: c.loc, "case", errors)

    for rule in rules.values():
        cause = causes.get(rule.cause)
        if rule.cause and cause is None:
            errors.append(
                rule.loc.error(
                    f"rule {rule.id}: cause {rule.cause!r} is not defined by any loaded "
                    f"pack (knowledge/causes/{rule.cause}.yaml)"
                )
            )
        if rule.code and rule.code not in codes:
            errors.append(
                rule.loc.error(
                    f"rule {rule.id}: code {rule.code!r} is not defined by any loaded pack (knowledge/codes/)"
                )
            )
        elif (
            cause is not None
            and rule.code
            and cause.code
            and rule.code != cause.code
            and rule.cause not in codes[rule.code].causes
        ):
            errors.append(
                rule.loc.error(
                    f"rule {rule.id}: code {rule.code!r} is neither cause {rule.cause}'s code "
                    f"{cause.code!r} nor a code whose causes list it (add {rule.cause} to the causes "
                    f"of {rule.code} to share the cause)"
                )
            )
    for code in codes.values():
        lines = code.cause_lines or (code.loc.line,) * len(code.causes)
        for cause_id, line in zip(code.causes, lines, strict=False):
            if cause_id not in causes:
                errors.append(
                    code.loc.at(line).error(
                        f"code {code.code} lists cause {cause_id!r}, but no pack has "
                        f"knowledge/causes/{cause_id}.yaml"
                    )
                )
    for cause in causes.values():
        if cause.code and cause.code not in codes:
            errors.append(
                cause.loc.error(f"cause {cause.cause}: code {cause.code!r} is not defined by any loaded pack")
            )

    default_code, default_from = None, None
    for pack in by_id.values():
        dc = pack.manifest.default_code
        if not dc:
            continue
        if dc not in codes:
            errors.append(pack.manifest.loc.error(f"default_code {dc!r} is not a code of any loaded pack"))
        if default_code is None:
            default_code, default_from = dc, pack.manifest.loc
        elif dc != default_code:
            errors.append(
                pack.manifest.loc.error(
                    f"default_code {dc!r} conflicts with {default_code!r} set in {default_from.ref()}"
                )
            )

    overrides: list[str] = []
    disabled_ids: set[str] = set()
    changed: dict[tuple[str, str], str] = {}  # (cause, field) -> manifest that changed it
    for pack in by_id.values():
        man = pack.manifest
        for rule_id in man.disable_rules:
            line = man.override_lines.get(f"rule:{rule_id}")
            target = rules.get(rule_id)
            if target is None:
                errors.append(
                    man.loc.at(line).error(f"overrides.disable_rules: no loaded pack has rule {rule_id!r}")
                )
                continue
            disabled_ids.add(rule_id)
            overrides.append(f"pack {man.id} disables rule {rule_id} (from pack {target.pack})")
        for cause_id, fields in man.knowledge_overrides.items():
            line = man.override_lines.get(f"cause:{cause_id}")
            target_cause = causes.get(cause_id)
            if target_cause is None:
                errors.append(
                    man.loc.at(line).error(f"overrides.knowledge: no loaded pack has cause {cause_id!r}")
                )
                continue
            for name, text in fields.items():
                if (cause_id, name) in changed:
                    errors.append(
                        man.loc.at(line).error(
                            f"overrides.knowledge: the {name} of cause {cause_id} is also overridden in "
                            f"{changed[(cause_id, name)]}"
                        )
                    )
                    continue
                changed[(cause_id, name)] = man.loc.at(line).ref()
                causes[cause_id] = dataclasses.replace(causes[cause_id], **{name: text})
                overrides.append(
                    f"pack {man.id} replaces the {name} of cause {cause_id} (from pack {target_cause.pack})"
                )

    renamed: dict[str, str] = {}
    for cause in causes.values():
        for old in cause.replaces:
            if old in causes:
                errors.append(
                    cause.loc.error(f"cause {cause.cause} replaces {old!r}, which is still defined "
                                    f"({causes[old].loc.ref()})")
                )
            elif old in renamed:
                errors.append(cause.loc.error(f"cause {old!r} is replaced twice: by {renamed[old]} and here"))
            else:
                renamed[old] = cause.cause
    for case in cases.values():
        for key, line in case.expect_lines.items():
            old = key.partition("@")[0]
            if old in renamed:
                errors.append(
                    case.loc.at(line).error(
                        f"case {case.case}: cause {old!r} was renamed to {renamed[old]!r}"
                    )
                )

    active = tuple(r for r in rules.values() if r.id not in disabled_ids)
    disabled = tuple(r for r in rules.values() if r.id in disabled_ids)
    return Packs(
        packs=tuple(by_id.values()),
        rules=active,
        codes=codes,
        causes=causes,
        cases=tuple(cases.values()),
        overrides=tuple(overrides),
        disabled=disabled,
        default_code=default_code,
        renamed=renamed,
    )


# ---------------------------------------------------------------------------------------------
# Public entry points
# ---------------------------------------------------------------------------------------------


def load_packs(
    extra_dirs: Iterable[str | os.PathLike[str]] = (),
    *,
    include_builtin: bool = True,
    include_user_config: bool = True,
    environ: Mapping[str, str] | None = None,
    cache: bool = True,
) -> Packs:
    """Load the built-in pack, the user's config packs and ``extra_dirs``; raise
    :class:`PackErrors` listing every problem found. Packs that load cleanly are cached on disk
    by content (``pack/cache.py``); ``cache=False`` always reads the YAML."""
    errors: list[PackError] = []
    layouts: list[_Layout] = []
    if include_builtin:
        try:
            layouts.append(builtin_layout())
        except FileNotFoundError as exc:
            errors.append(PackError(f"the built-in pack is not installed: {exc}"))
    dirs = [*(user_pack_dirs(environ) if include_user_config else []), *(Path(d) for d in extra_dirs)]
    seen: set[Path] = set()
    for d in dirs:
        if not d.is_dir():
            errors.append(PackError("pack directory not found", str(d)))
            continue
        key = d.resolve()
        if key in seen:
            continue
        seen.add(key)
        layouts.append(dir_layout(d))
    key = _cache_key(layouts, environ) if cache and not errors else None
    if key is not None:
        from .cache import read

        hit = read(key, environ, fallback=lambda: _read_all(layouts, []))
        if hit is not None:
            _remember_key(hit, key)
            return hit
    merged = _read_all(layouts, errors)
    if key is not None:
        _store(key, merged, environ)
        _remember_key(merged, key)
    return merged


def _read_all(layouts: Sequence[_Layout], errors: list[PackError]) -> Packs:
    """Every pack's YAML read, checked and merged; ``PackErrors`` with ``errors`` and all found."""
    foreign: dict[str, str] = {}
    packs = [p for p in (_load_one(layout, errors, foreign) for layout in layouts) if p is not None]
    merged = merge(packs, errors)
    if errors:
        raise PackErrors(errors)
    return merged


_KEYS: dict[int, tuple[Packs, str]] = {}


def _remember_key(packs: Packs, key: str) -> None:
    if len(_KEYS) >= 64:
        _KEYS.clear()
    _KEYS[id(packs)] = (packs, key)  # holding packs keeps its id unique


def cache_key_of(packs: Packs) -> str | None:
    """The content key ``packs`` were loaded under (None: not loaded through the cache), so what
    is derived from them (the compiled ruleset) can be cached under it too."""
    known = _KEYS.get(id(packs))
    return known[1] if known is not None and known[0] is packs else None


def _cache_key(layouts: Sequence[_Layout], environ: Mapping[str, str] | None = None) -> str:
    from .cache import key_for

    roots: list[Path] = []
    definitions: list[Path] = []  # what rules, fragments, codes and causes are read from
    for layout in layouts:
        roots.extend(r for r in (layout.manifest, *layout.roots) if r not in roots)
        knowledge = layout.knowledge
        definitions.extend((layout.manifest, layout.rules, knowledge / "codes", knowledge / "causes"))
    settings = repr([(layout.builtin, str(layout.manifest), str(layout.rules), str(layout.knowledge))
                     for layout in layouts])
    # a YAML file under a folder named "cases" is a test case under the rules folder only (under
    # knowledge/codes or causes it is a code or cause, which the key must follow)
    return key_for(roots, settings, environ, definitions, [layout.rules for layout in layouts])


def _store(key: str, packs: Packs, environ: Mapping[str, str] | None) -> None:
    from .cache import write

    write(key, packs, environ)


def load_pack_dirs(dirs: Iterable[str | os.PathLike[str]]) -> Packs:
    """Only the given pack directories (no built-in, no user config): for tests and tools."""
    return load_packs(dirs, include_builtin=False, include_user_config=False)


__all__ = [
    "CaseDef",
    "CauseDef",
    "RuleDef",
    "config_home",
    "load_pack_dirs",
    "load_packs",
    "merge",
    "user_pack_dirs",
]
