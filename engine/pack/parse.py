"""From parsed YAML to the typed model, one file at a time, collecting every problem.

Each ``parse_*`` function takes the YAML data of one file and a :class:`FileCheck` that records
errors as ``path:line: message``; it returns the definition (possibly partial) or None. Checks
that need other files (does the cause exist? do ids collide?) are in ``loader.py``.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .. import lazyre
from ..errors import EngineError, PackError
from ..facts import FACT_KINDS, FieldSpec, Provenance, fact_from_dict
from ..facts import field_specs as _field_specs
from ..utctime import parse_utc
from .keys import (
    CASE_KEYS,
    CAUSE_KEYS,
    CODE_KEYS,
    FRAGMENT_KEYS,
    MANIFEST_KEYS,
    NOT_KEYS,
    OUTPUT_KEYS,
    OVERRIDES_KEYS,
    PATTERN_KEYS,
    QUESTION_KEYS,
    REFERENCE_KEYS,
    RULE_KEYS,
    STEP_KEYS,
    USE_KEYS,
    Key,
)
from .model import (
    ALIAS_RE,
    ANSWER_ALIAS,
    ANSWER_KEY_RE,
    CASE_STATUSES,
    CAUSE_ID_RE,
    CODE_RE,
    DEFAULT_CASE_NOW,
    DIRECTIONS,
    EXPECT_KEY_RE,
    ID_RE,
    KNOWLEDGE_OVERRIDE_FIELDS,
    OPERATORS,
    PACK_STATUSES,
    RULE_STATUSES,
    URL_RE,
    VERSION_RE,
    AnyOf,
    CaseDef,
    CauseDef,
    CodeDef,
    Completeness,
    FieldTest,
    FragmentDef,
    InlineFact,
    Loc,
    OutputExpect,
    PackManifest,
    Pattern,
    QuestionDef,
    Ref,
    Reference,
    RemediationDef,
    RuleDef,
    Test,
)
from .regex import RegexError, backtracking_risk, to_engine
from .templates import placeholders
from .ycontainers import YMap, line_of

_ORDERING_OPS = ("gt", "gte", "lt", "lte")
# field_specs reads type hints (slow); the fact model does not change while we run
field_specs = functools.cache(_field_specs)
_TYPE_NAMES = {"string": "text", "integer": "an integer", "boolean": "true or false", "list": "a list"}

_FIELD_PATH = lazyre.compile(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*")
_LABEL = lazyre.compile(r"([a-z][a-z0-9_]*\.[a-z][a-z0-9_]*)=([A-Za-z][A-Za-z0-9 ._-]{0,39})")


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number with a fraction"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    return type(value).__name__


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class FileCheck:
    """Collects the problems of one file."""

    def __init__(self, path: str, errors: list[PackError]) -> None:
        self.path = path
        self.errors = errors

    def loc(self, line: int | None) -> Loc:
        return Loc(self.path, line)

    def err(self, line: int | None, message: str) -> None:
        self.errors.append(PackError(message, self.path, line))

    # -- structure ------------------------------------------------------------------------------

    def mapping(self, value: Any, what: str, line: int | None) -> YMap | None:
        if isinstance(value, dict):
            return value if isinstance(value, YMap) else YMap(value, line=line)
        self.err(line, f"{what} must be a mapping, not {_kind_of(value)}")
        return None

    def keys(self, data: YMap, keys: tuple[Key, ...], what: str) -> None:
        """Unknown keys and missing required keys."""
        known = {k.name for k in keys}
        for key in data:
            if not isinstance(key, str):
                self.err(data.line_of(key), f"{what}: key {key!r} must be text")
            elif key not in known:
                self.err(data.line_of(key), f"unknown key {key!r} in {what}{_suggest(key, known)}")
        for k in keys:
            if k.required and k.name not in data:
                self.err(data.line, f"{what} is missing the required key {k.name!r}")

    # -- values ---------------------------------------------------------------------------------

    def text(self, data: YMap, key: str, *, default: str = "") -> str:
        if key not in data or data[key] is None:
            return default
        value = data[key]
        if not isinstance(value, str):
            hint = " (quote it)" if isinstance(value, int | float | bool) else ""
            self.err(data.line_of(key), f"{key!r} must be text, not {_kind_of(value)}{hint}")
            return default
        return value

    def ident(self, data: YMap, key: str, *, pattern: re.Pattern[str] = ID_RE, what: str = "an id") -> str:
        value = self.text(data, key)
        if key in data and isinstance(data[key], str) and not pattern.match(value):
            self.err(data.line_of(key), f"{key!r} {value!r} is not {what} ({pattern.pattern})")
        return value

    def code_id(self, data: YMap) -> str:
        """A code file's ``code``. Unquoted ``code: 5.7`` is a number: reported once ("quote it"),
        then kept as text so the rules and causes naming the code do not each report it undefined."""
        value = self.ident(data, "code", pattern=CODE_RE, what="a code")
        raw = data.get("code")
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            return str(raw)
        return value

    def text_list(self, data: YMap, key: str) -> tuple[tuple[str, int | None], ...]:
        """A list of strings with the line of each."""
        if key not in data or data[key] is None:
            return ()
        value = data[key]
        if not isinstance(value, list):
            self.err(data.line_of(key), f"{key!r} must be a list, not {_kind_of(value)}")
            return ()
        out = []
        for i, item in enumerate(value):
            line = line_of(value, i)
            if not isinstance(item, str):
                self.err(line, f"{key!r} items must be text, not {_kind_of(item)}")
                continue
            out.append((item, line))
        return tuple(out)

    def references(self, data: YMap, key: str = "references") -> tuple[Reference, ...]:
        if key not in data or data[key] is None:
            return ()
        value = data[key]
        if not isinstance(value, list):
            self.err(data.line_of(key), f"{key!r} must be a list, not {_kind_of(value)}")
            return ()
        out = []
        for i, item in enumerate(value):
            line = line_of(value, i)
            if isinstance(item, str):
                ref = Reference(url=item)
            elif isinstance(item, dict):
                m = self.mapping(item, "a reference", line)
                assert m is not None
                self.keys(m, REFERENCE_KEYS, "a reference")
                ref = Reference(url=self.text(m, "url"), title=self.text(m, "title"))
            else:
                self.err(line, f"a reference must be a URL or {{title, url}}, not {_kind_of(item)}")
                continue
            if ref.url and not URL_RE.match(ref.url):
                self.err(line, f"{ref.url!r} is not an http(s) URL")
            out.append(ref)
        return tuple(out)

    def placeholders_ok(
        self, template: str, line: int | None, aliases: dict[str, str] | None, *, skip: set[str] = frozenset()
    ) -> None:
        """Placeholders name a known alias (when ``aliases`` is given) and a field of its kind;
        aliases in ``skip`` (already reported) are not checked again."""
        for alias, name in placeholders(template):
            if alias in skip:
                continue
            if alias == ANSWER_ALIAS:
                if not ANSWER_KEY_RE.match(name):
                    self.err(line, f"placeholder {{answer.{name}}}: answer keys are [a-z][a-z0-9_]*")
                continue
            if aliases is None:
                continue
            if alias not in aliases:
                known = ", ".join(sorted(aliases)) or "none"
                self.err(line, f"placeholder {{{alias}.{name}}}: no alias {alias!r} in this rule ({known})")
            elif name not in field_specs(aliases[alias]):
                self.err(
                    line,
                    f"placeholder {{{alias}.{name}}}: {aliases[alias]} has no field {name!r}"
                    f"{_suggest(name, field_specs(aliases[alias]))}",
                )


# ---------------------------------------------------------------------------------------------
# Values against a fact field (rules and inline case facts share these checks)
# ---------------------------------------------------------------------------------------------


def value_problem(kind: str, spec: FieldSpec, value: Any) -> str | None:
    """Why ``value`` cannot be a value of ``kind.field`` (type, then enum), or None."""
    where = f"{kind}.{spec.name}"
    if spec.type == "list":
        return f"{where} is a list: test it with contains, exists or missing"
    ok = {
        "string": isinstance(value, str),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
    }[spec.type]
    if not ok:
        hint = " (quote it)" if spec.type == "string" and isinstance(value, int | float | bool) else ""
        return f"{where} is {_TYPE_NAMES[spec.type]}, not {_kind_of(value)} {value!r}{hint}"
    if spec.enum is not None and value not in spec.enum:
        return f"{value!r} is not a value of {where} (one of: {', '.join(spec.enum)})"
    return None


def required_fields(kind: str) -> list[str]:
    """The fields a fact of ``kind`` cannot be built without (no default)."""
    return [
        f.name
        for f in dataclasses.fields(FACT_KINDS[kind])
        if f.name != "provenance"
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]


def _list_item_problem(kind: str, spec: FieldSpec, value: Any) -> str | None:
    if not isinstance(value, str):
        hint = " (quote it)" if isinstance(value, int | float | bool) else ""
        return f"{kind}.{spec.name} holds text, not {_kind_of(value)} {value!r}{hint}"
    return None


# ---------------------------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------------------------


class _RuleCheck:
    """Parses one rule's ``when`` with the aliases known so far."""

    def __init__(self, f: FileCheck, all_aliases: set[str], fragments: Fragments | None = None) -> None:
        self.f = f
        self.all_aliases = all_aliases  # every alias the rule defines (for 'defined later')
        self.aliases: dict[str, str] = {}  # alias -> kind, defined so far
        self.broken: set[str] = set()  # aliases of patterns already reported (unknown fact kind)
        self.fragments = fragments
        self.used: list[str] = []  # fragments used, directly or through another, in order
        self.origin: dict[str, str] = {}  # alias -> "fragment NAME (used at line N)"
        self.unsure = False  # a used fragment is unknown or broken: unknown aliases are not errors
        self.position = 0  # patterns so far, fragments' counted: `_pN` aliases as if written out
        self.in_fragment = False  # a fragment may start with `not:` (the rule using it may not)

    def is_broken(self, alias: str) -> bool:
        return alias in self.broken or (self.unsure and alias not in self.aliases)

    def item(self, item: Any, line: int | None) -> list[Pattern]:
        """One ``when`` item: a pattern, or the patterns of a ``use:``d fragment."""
        if isinstance(item, dict) and "use" in item:
            return self.use(item, line)
        p = self.pattern(item, self.position, line)
        self.position += 1
        return [p] if p is not None else []

    def use(self, item: dict, line: int | None) -> list[Pattern]:
        """``- use: NAME``: the fragment's patterns at this line, its aliases bound in the rule."""
        f = self.f
        m = f.mapping(item, "a `use:` item", line)
        assert m is not None
        f.keys(m, USE_KEYS, "a `use:` item")
        name = f.text(m, "use")
        line = m.line
        if m.get("use") is None:
            f.err(line, "`use:` names a fragment of this pack (`- use: NAME`)")
        frag = self.fragments.get(name, f, line) if self.fragments is not None and name else None
        if frag is None:
            self.unsure = True
            if self.fragments is None and name:
                f.err(line, f"`use: {name}`: fragments are used by rules and other fragments only")
            return []
        if not frag.ok:
            self.unsure = True
        if frag.id in self.used:
            f.err(line, f"fragment {frag.id!r} is used twice in this rule (its aliases would collide)")
            return []
        where = f"fragment {frag.id!r} (used at line {line})"
        for alias, kind in frag.aliases.items():
            if alias in self.aliases:
                first = self.origin.get(alias, "this rule")
                f.err(
                    line,
                    f"alias {alias!r} of fragment {frag.id!r} ({frag.loc.ref()}) is already bound by "
                    f"{first}; rename one of them",
                )
                self.broken.add(alias)
                continue
            self.aliases[alias] = kind
            self.origin[alias] = where
        if self.position == 0 and not self.in_fragment and frag.when and frag.when[0].negated:
            f.err(line, f"fragment {frag.id!r} starts with a `not:`, so it cannot come first: "
                        "start with a positive pattern")
        self.used.extend(u for u in (*frag.uses, frag.id) if u not in self.used)
        self.position += len(frag.when)
        return [_relocate(p, line, frag.id) for p in frag.when]

    def pattern(self, item: Any, index: int, line: int | None) -> Pattern | None:
        f = self.f
        m = f.mapping(item, "a `when` item", line)
        if m is None:
            return None
        negated = "not" in m
        if negated:
            m = self._negated(m, index)
            if m is None:
                return None
        else:
            f.keys(m, PATTERN_KEYS, "a pattern")
        kind = f.text(m, "fact")
        if kind and kind not in FACT_KINDS:
            f.err(m.line_of("fact"), f"unknown fact kind {kind!r}{_suggest(kind, FACT_KINDS)}")
            kind = ""
        alias = None if negated else self._alias(m, index)
        if alias and not kind:  # reported once: later uses of the alias are not errors again
            self.broken.add(alias)
        tests: tuple[Test, ...] = ()
        if "where" in m and m["where"] is not None and kind:
            where = f.mapping(m["where"], "`where`", m.line_of("where"))
            if where is not None:
                tests = self.where(where, kind, in_any_of=False)
        if alias and kind and alias not in self.aliases:
            self.aliases[alias] = kind
        return Pattern(kind=kind, alias=alias, tests=tests, negated=negated, line=m.line)

    def _negated(self, m: YMap, index: int) -> YMap | None:
        """The pattern inside ``not:``, checked for what a negated pattern may not have."""
        f = self.f
        if len(m) != 1:
            others = ", ".join(sorted(str(k) for k in m if k != "not"))
            f.err(m.line, f"a `not:` item holds only the negated pattern (move {others} inside it)")
        inner = f.mapping(m["not"], "`not:`", m.line_of("not"))
        if inner is None:
            return None
        if index == 0 and not self.in_fragment:
            f.err(m.line, "a `not:` pattern cannot come first: start with a positive pattern")
        if "as" in inner:
            f.err(inner.line_of("as"), "a `not:` pattern has no alias (it matches no fact)")
        f.keys(inner, NOT_KEYS if "as" not in inner else PATTERN_KEYS, "a `not:` pattern")
        return inner

    def _alias(self, m: YMap, index: int) -> str:
        """A positive pattern's alias: its ``as``, or ``_p<n>`` when it has none."""
        f = self.f
        alias = f.text(m, "as") or f"_p{index + 1}"
        if "as" in m and isinstance(m["as"], str):
            if alias == ANSWER_ALIAS:
                f.err(m.line_of("as"), "alias 'answer' is reserved for {answer.KEY} placeholders")
            elif not ALIAS_RE.match(alias):
                f.err(m.line_of("as"), f"alias {alias!r} must match {ALIAS_RE.pattern}")
            elif alias in self.aliases:
                where = self.origin.get(alias)
                by = f": {where} binds it" if where else ""
                f.err(m.line_of("as"), f"duplicate alias {alias!r} in this rule{by}")
        return alias

    def where(self, where: YMap, kind: str, *, in_any_of: bool) -> tuple[Test, ...]:
        f = self.f
        specs = field_specs(kind)
        tests: list[Test] = []
        for key, value in where.items():
            line = where.line_of(key)
            if key == "any_of":
                tests.extend(self.any_of(value, line, kind))
                continue
            if not isinstance(key, str) or key not in specs:
                f.err(line, f"{kind} has no field {key!r}{_suggest(str(key), specs)}")
                continue
            spec = specs[key]
            if isinstance(value, dict):
                ops = dict(value)
                if set(ops) == {"ref"}:
                    ops = {"eq": value}
                if not ops:
                    f.err(line, f"{kind}.{key}: an empty test")
                for op, operand in ops.items():
                    test = self.field_test(kind, spec, str(op), operand, line, in_any_of=in_any_of)
                    if test is not None:
                        tests.append(test)
            elif isinstance(value, list):
                f.err(line, f"{kind}.{key}: a list is not a value; write {{in: [...]}}")
            else:
                test = self.field_test(kind, spec, "eq", value, line, in_any_of=in_any_of)
                if test is not None:
                    tests.append(test)
        return tuple(tests)

    def any_of(self, value: Any, line: int | None, kind: str) -> list[Test]:
        f = self.f
        if not isinstance(value, list) or not value:
            f.err(line, "any_of must be a non-empty list of `where` mappings")
            return []
        groups = []
        for i, item in enumerate(value):
            g = f.mapping(item, "an any_of group", line_of(value, i))
            if g is None:
                continue
            if not g:
                f.err(line_of(value, i), "an empty any_of group always holds")
            groups.append(self.where(g, kind, in_any_of=True))
        return [AnyOf(tuple(groups), line)] if groups else []

    def ref(self, operand: Any, line: int | None) -> Ref | None:
        f = self.f
        target = operand.get("ref") if isinstance(operand, dict) else None
        if isinstance(operand, dict) and set(operand) != {"ref"}:
            f.err(line, "a reference is written {ref: alias.field} and nothing else")
            return None
        if not isinstance(target, str) or target.count(".") != 1:
            f.err(line, f"a reference must be alias.field, not {target!r}")
            return None
        alias, name = target.split(".")
        if self.is_broken(alias):
            return None
        if alias not in self.aliases:
            if alias in self.all_aliases:
                f.err(
                    line,
                    f"{{ref: {target}}}: alias {alias!r} is defined later; refer only to earlier aliases",
                )
            else:
                known = ", ".join(self.aliases) or "none yet"
                f.err(line, f"{{ref: {target}}}: unknown alias {alias!r} (defined so far: {known})")
            return None
        specs = field_specs(self.aliases[alias])
        if name not in specs:
            f.err(
                line, f"{{ref: {target}}}: {self.aliases[alias]} has no field {name!r}{_suggest(name, specs)}"
            )
            return None
        return Ref(alias, name)

    def field_test(
        self, kind: str, spec: FieldSpec, op: str, operand: Any, line: int | None, *, in_any_of: bool
    ) -> FieldTest | None:
        where = f"{kind}.{spec.name}"
        if op not in OPERATORS:
            self.f.err(
                line,
                f"{where}: unknown operator {op!r}{_suggest(op, OPERATORS)} (one of: {', '.join(OPERATORS)})",
            )
            return None
        if isinstance(operand, dict):
            return self._join_test(where, spec, op, operand, line, in_any_of=in_any_of)
        if op in ("eq", "ne"):
            return self._equality_test(kind, spec, op, operand, line)
        if op in ("in", "not_in"):
            return self._membership_test(kind, spec, where, op, operand, line)
        if op in _ORDERING_OPS:
            return self._ordering_test(spec, where, op, operand, line)
        if op in ("matches", "imatches"):
            return self._regex_test(spec, where, op, operand, line)
        if op in ("exists", "missing"):
            return self._presence_test(spec, where, op, operand, line)
        return self._contains_test(kind, spec, where, op, operand, line)

    def _join_test(
        self, where: str, spec: FieldSpec, op: str, operand: dict, line: int | None, *, in_any_of: bool
    ) -> FieldTest | None:
        """``{ref: alias.field}``: a join with an earlier pattern's field of the same type."""
        f = self.f
        if op not in ("eq", "ne", *_ORDERING_OPS):
            f.err(line, f"{where}: {op} cannot take a {{ref: ...}}")
            return None
        if in_any_of:
            f.err(
                line,
                f"{where}: a {{ref: ...}} inside any_of is not supported (the engine ignores it there); "
                "write separate rules instead",
            )
            return None
        ref = self.ref(operand, line)
        if ref is None:
            return None
        other = field_specs(self.aliases[ref.alias])[ref.field]
        if spec.type == "list" or other.type == "list":
            f.err(
                line,
                f"{where}: references join single values; {'a list' if other.type == 'list' else where} "
                "cannot be joined",
            )
            return None
        if other.type != spec.type:
            f.err(line, f"{where} is {_TYPE_NAMES[spec.type]} but {ref} is {_TYPE_NAMES[other.type]}")
            return None
        if op in _ORDERING_OPS and spec.type != "integer":
            f.err(line, f"{where}: {op} compares integers only")
            return None
        return FieldTest(spec.name, op, ref, line)

    def _equality_test(self, kind: str, spec: FieldSpec, op: str, operand: Any,
                       line: int | None) -> FieldTest | None:
        problem = value_problem(kind, spec, operand)
        if problem:
            self.f.err(line, problem + (" (use contains)" if spec.type == "list" else ""))
            return None
        return FieldTest(spec.name, op, operand, line)

    def _membership_test(
        self, kind: str, spec: FieldSpec, where: str, op: str, operand: Any, line: int | None
    ) -> FieldTest | None:
        f = self.f
        if spec.type == "list":
            f.err(line, f"{where} is a list: test it with contains")
            return None
        if not isinstance(operand, list) or not operand:
            f.err(line, f"{where}: {op} takes a non-empty list of values")
            return None
        values = []
        for i, item in enumerate(operand):
            problem = (
                "a reference cannot be a list item"
                if isinstance(item, dict)
                else value_problem(kind, spec, item)
            )
            if problem:
                f.err(line_of(operand, i), f"{where}: {problem}")
            else:
                values.append(item)
        if len(set(map(repr, values))) != len(values):
            f.err(line, f"{where}: {op} lists a value twice")
        return FieldTest(spec.name, op, tuple(values), line) if len(values) == len(operand) else None

    def _ordering_test(self, spec: FieldSpec, where: str, op: str, operand: Any,
                       line: int | None) -> FieldTest | None:
        if spec.type != "integer":
            self.f.err(line, f"{where}: {op} compares integers only, and {where} is {_TYPE_NAMES[spec.type]}")
            return None
        if isinstance(operand, bool) or not isinstance(operand, int):
            self.f.err(line, f"{where}: {op} takes an integer, not {_kind_of(operand)}")
            return None
        return FieldTest(spec.name, op, operand, line)

    def _regex_test(self, spec: FieldSpec, where: str, op: str, operand: Any,
                    line: int | None) -> FieldTest | None:
        f = self.f
        if spec.type != "string":
            f.err(line, f"{where}: {op} applies to text fields only")
            return None
        if not isinstance(operand, str):
            f.err(line, f"{where}: {op} takes a regex (text), not {_kind_of(operand)}")
            return None
        try:
            engine = to_engine(operand)
        except RegexError as exc:
            f.err(line, f"{where}: bad regex {operand!r}: {exc}")
            return None
        return FieldTest(spec.name, op, operand, line, engine_regex=engine)

    def _presence_test(self, spec: FieldSpec, where: str, op: str, operand: Any,
                       line: int | None) -> FieldTest | None:
        if operand is not True:
            other = "missing" if op == "exists" else "exists"
            self.f.err(line, f"{where}: write {{{op}: true}} (for the opposite use {{{other}: true}})")
            return None
        return FieldTest(spec.name, op, None, line)

    def _contains_test(
        self, kind: str, spec: FieldSpec, where: str, op: str, operand: Any, line: int | None
    ) -> FieldTest | None:
        if spec.type != "list":
            self.f.err(line, f"{where}: contains applies to list fields only; use eq")
            return None
        problem = _list_item_problem(kind, spec, operand)
        if problem:
            self.f.err(line, problem)
            return None
        return FieldTest(spec.name, op, operand, line)


def parse_rule(data: Any, f: FileCheck, pack: str, fragments: Fragments | None = None) -> RuleDef | None:
    m = f.mapping(data, "a rule file", 1)
    if m is None:
        return None
    f.keys(m, RULE_KEYS, "a rule")
    rule_id = f.ident(m, "id")
    cause = f.ident(m, "cause")
    code = f.ident(m, "code", pattern=CODE_RE, what="a code")
    status = f.text(m, "status")
    if "status" in m and status not in RULE_STATUSES:
        f.err(m.line_of("status"), f"status {m['status']!r} must be one of: {', '.join(RULE_STATUSES)}")
    rc = _RuleCheck(f, set(), fragments)
    patterns = _when(m, rc)
    if patterns and all(p.negated for p in patterns):
        f.err(m.line_of("when"), "a rule needs at least one positive pattern")
    evidence = _evidence_aliases(m, rc)
    complete = _completeness(f, m, rc.aliases, rc)
    subject = _subject(f, m, rc)
    message = f.text(m, "message")
    f.placeholders_ok(message, m.line_of("message"), rc.aliases, skip=_unsure(rc, message))
    if not f.text(m, "description").strip() and "description" in m:
        f.err(m.line_of("description"), "description is empty")
    return RuleDef(
        id=rule_id,
        cause=cause,
        code=code,
        status=status,
        description=f.text(m, "description"),
        message=message,
        when=tuple(patterns),
        evidence=tuple(evidence) if "evidence" in m else tuple(rc.aliases),
        references=f.references(m),
        loc=f.loc(m.line),
        pack=pack,
        complete=complete,
        fragments=tuple(rc.used),
        subject=subject,
    )


def _unsure(rc: _RuleCheck, template: str) -> set[str]:
    """Aliases whose placeholders are not checked: already reported, or possibly bound by a
    fragment that could not be read."""
    return rc.broken | {a for a, _ in placeholders(template) if rc.is_broken(a)}


def _when(m: YMap, rc: _RuleCheck) -> list[Pattern]:
    """The rule's (or fragment's) patterns, in order, ``use:`` items replaced by their fragment's
    patterns; aliases may refer only to earlier ones."""
    f = rc.f
    if "when" not in m:
        return []
    when_raw = m.get("when")
    if not isinstance(when_raw, list) or not when_raw:
        f.err(m.line_of("when"), "`when` must be a non-empty list of patterns")
        return []
    rc.all_aliases = {
        item["as"] for item in when_raw if isinstance(item, dict) and isinstance(item.get("as"), str)
    }
    patterns: list[Pattern] = []
    for i, item in enumerate(when_raw):
        patterns.extend(rc.item(item, line_of(when_raw, i)))
    return patterns


def _relocate(pattern: Pattern, line: int | None, fragment: str) -> Pattern:
    """A fragment's pattern as seen in a rule: every line is the rule's ``use:`` line, so a
    finding about it points into the rule's own file, and it names the fragment it was written
    in (the innermost, for a fragment used by another)."""

    def tests(items: tuple[Test, ...]) -> tuple[Test, ...]:
        return tuple(
            dataclasses.replace(t, line=line, groups=tuple(tests(g) for g in t.groups))
            if isinstance(t, AnyOf)
            else dataclasses.replace(t, line=line)
            for t in items
        )

    return dataclasses.replace(
        pattern, line=line, tests=tests(pattern.tests), fragment=pattern.fragment or fragment
    )


MAX_FRAGMENT_DEPTH = 8  # fragments using fragments: deeper chains are refused (and never recurse far)


class Fragments:
    """A pack's fragments, read on first use (a fragment may use others: cycles are refused)."""

    def __init__(self, pack: str, foreign: Mapping[str, str] | None = None) -> None:
        self.pack = pack
        self.foreign = foreign or {}  # fragment name -> pack, of the packs loaded before this one
        self.raw: dict[str, tuple[Any, FileCheck]] = {}  # name -> (YAML data, its file's check)
        self.done: dict[str, FragmentDef | None] = {}
        self.stack: list[str] = []
        self.height: dict[str, int] = {}  # name -> levels of fragments it spans, itself included

    def add(self, data: Any, f: FileCheck) -> None:
        m = f.mapping(data, "a fragment file", 1)
        if m is None:
            return
        name = f.ident(m, "fragment")
        if not name:
            f.keys(m, FRAGMENT_KEYS, "a fragment")
            return
        if name in self.raw:
            first = self.raw[name][1].path
            f.err(m.line_of("fragment"), f"fragment {name!r} is defined twice: in {first} and here")
            return
        self.raw[name] = (m, f)

    def get(self, name: str, f: FileCheck, line: int | None) -> FragmentDef | None:
        """The fragment ``name``, or None after reporting at ``f``:``line`` why it cannot be used."""
        if name in self.stack:
            cycle = " -> ".join([*self.stack[self.stack.index(name) :], name])
            f.err(line, f"fragment cycle: {cycle} (a fragment cannot use itself, directly or not)")
            return None
        if name not in self.raw and name in self.foreign:
            f.err(
                line,
                f"fragment {name!r} belongs to pack {self.foreign[name]!r}: fragments are private to their "
                "pack, so copy its file into this pack's rules/ (under a fragments folder)",
            )
            return None
        if name not in self.raw:
            known = ", ".join(sorted(self.raw)) or "none"
            f.err(
                line,
                f"unknown fragment {name!r}{_suggest(name, self.raw)} (fragments of pack {self.pack!r}: "
                f"{known}; a rule uses only its own pack's fragments)",
            )
            return None
        # levels below and including ``name``: known once it was read, at least 1 before
        if len(self.stack) + self.height.get(name, 1) > MAX_FRAGMENT_DEPTH:
            chain = " -> ".join([*self.stack, name])
            too_deep = f"fragments nest deeper than {MAX_FRAGMENT_DEPTH} levels ({chain} ...)"
            f.err(line, f"{too_deep}: use fewer levels")
            return None
        if name not in self.done:
            self.stack.append(name)
            try:
                self.done[name] = frag = self._parse(*self.raw[name])
            finally:
                self.stack.pop()
            self.height[name] = 1 + max((self.height.get(u, 1) for u in frag.uses), default=0)
            if len(self.stack) + self.height[name] > MAX_FRAGMENT_DEPTH:
                return self.get(name, f, line)  # reported as above
        return self.done[name]

    def all(self) -> list[FragmentDef]:
        """Every fragment, each read once (its problems reported once, in its own file)."""
        for name, (_, f) in self.raw.items():
            self.get(name, f, None)
        return [d for d in self.done.values() if d is not None]

    def _parse(self, m: YMap, f: FileCheck) -> FragmentDef:
        before = len(f.errors)
        f.keys(m, FRAGMENT_KEYS, "a fragment")
        if "description" in m and not f.text(m, "description").strip():
            f.err(m.line_of("description"), "description is empty")
        rc = _RuleCheck(f, set(), self)
        rc.in_fragment = True
        patterns = _when(m, rc)
        when_raw = m.get("when") if isinstance(m.get("when"), list) else []
        for i, item in enumerate(when_raw):
            if isinstance(item, dict) and "not" not in item and "use" not in item and "as" not in item:
                f.err(
                    line_of(when_raw, i),
                    "a fragment's positive pattern needs `as:` (the rules using it see the alias)",
                )
        errors = [e for e in f.errors[before:] if e.path == f.path]
        return FragmentDef(
            id=f.text(m, "fragment"),
            description=f.text(m, "description"),
            when=tuple(patterns),
            loc=f.loc(m.line),
            pack=self.pack,
            uses=tuple(rc.used),
            ok=not errors and not rc.unsure,
        )


def _evidence_aliases(m: YMap, rc: _RuleCheck) -> list[str]:
    f = rc.f
    evidence = []
    for alias, line in f.text_list(m, "evidence"):
        if alias not in rc.aliases and not rc.is_broken(alias):
            f.err(line, f"evidence names {alias!r}, which is not an alias of this rule")
        evidence.append(alias)
    if len(set(evidence)) != len(evidence):
        f.err(m.line_of("evidence"), "evidence names an alias twice")
    return evidence


_COMPLETE_RE = lazyre.compile(r"^(not\s+)?([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)$")


def _completeness(
    f: FileCheck, m: YMap, aliases: Mapping[str, str], rc: _RuleCheck | None = None
) -> tuple[Completeness, ...]:
    """``complete:`` items: a boolean field of a positive alias (``not`` for must-be-false)."""
    out: list[Completeness] = []
    for item, line in f.text_list(m, "complete"):
        hit = _COMPLETE_RE.match(item.strip())
        if hit is None:
            f.err(line, f"complete item {item!r} must be `alias.field` or `not alias.field`")
            continue
        negated, alias, name = hit.groups()
        kind = aliases.get(alias)
        if kind is None:
            if rc is None or not rc.is_broken(alias):
                f.err(line, f"complete names {alias!r}, which is not a positive alias of this rule")
            continue
        spec = field_specs(kind).get(name) if kind in FACT_KINDS else None
        if spec is None or spec.type != "boolean":
            f.err(line, f"complete: {kind}.{name} is not a boolean field of {kind}")
            continue
        out.append(Completeness(alias, name, not negated, line))
    return tuple(out)


_SUBJECT_RE = lazyre.compile(r"^([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)$")


def _subject(f: FileCheck, m: YMap, rc: _RuleCheck) -> Ref | None:
    """``subject: alias.field``: a field of a positive alias, whose value names the verdict."""
    if "subject" not in m:
        return None
    line = m.line_of("subject")
    value = m["subject"]
    hit = _SUBJECT_RE.match(value.strip()) if isinstance(value, str) else None
    if hit is None:
        f.err(line, f"subject {value!r} must be `alias.field` (a field of a fact the rule binds)")
        return None
    alias, name = hit.groups()
    kind = rc.aliases.get(alias)
    if kind is None:
        if not rc.is_broken(alias):
            f.err(line, f"subject names {alias!r}, which is not a positive alias of this rule")
        return None
    if kind in FACT_KINDS and name not in field_specs(kind):
        f.err(line, f"subject: {kind} has no field {name!r}{_suggest(name, field_specs(kind))}")
        return None
    return Ref(alias, name)


# ---------------------------------------------------------------------------------------------
# Knowledge
# ---------------------------------------------------------------------------------------------


def parse_code(data: Any, f: FileCheck, pack: str) -> CodeDef | None:
    m = f.mapping(data, "a code file", 1)
    if m is None:
        return None
    f.keys(m, CODE_KEYS, "a code")
    direction = f.text(m, "direction")
    if "direction" in m and direction not in DIRECTIONS:
        f.err(m.line_of("direction"), f"direction {m['direction']!r} must be one of: {', '.join(DIRECTIONS)}")
    patterns = _recognize(m, f)
    cause_items = _code_causes(m, f)
    causes = tuple(c for c, _ in cause_items)
    residual = tuple(c for c, _ in f.text_list(m, "residual"))
    for cause, line in f.text_list(m, "residual"):
        if cause not in causes:
            f.err(line, f"residual: {cause!r} is not one of this code's causes")
    return CodeDef(
        code=f.code_id(m),
        title=f.text(m, "title"),
        summary=f.text(m, "summary"),
        direction=direction,
        recognize=tuple(p for p, _ in patterns),
        causes=causes,
        references=f.references(m),
        loc=f.loc(m.line),
        pack=pack,
        recognize_lines=tuple(line for _, line in patterns),
        cause_lines=tuple(line for _, line in cause_items),
        residual=residual,
    )


def _recognize(m: YMap, f: FileCheck) -> list[tuple[str, int | None]]:
    patterns = f.text_list(m, "recognize")
    if "recognize" in m and not patterns:
        f.err(m.line_of("recognize"), "recognize needs at least one regex")
    for pattern, line in patterns:
        try:
            re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            f.err(line, f"bad regex {pattern!r}: {exc}")
            continue
        risk = backtracking_risk(pattern)  # linted when loaded: such a pack is refused
        if risk:
            f.err(line, f"recognize pattern {pattern!r} could backtrack catastrophically: {risk}")
    return patterns


def _code_causes(m: YMap, f: FileCheck) -> list[tuple[str, int | None]]:
    cause_items = f.text_list(m, "causes")
    for cause, line in cause_items:
        if not CAUSE_ID_RE.match(cause):
            f.err(line, f"causes: {cause!r} is not a cause id ({CAUSE_ID_RE.pattern})")
    if len({c for c, _ in cause_items}) != len(cause_items):
        f.err(m.line_of("causes"), "causes lists a cause twice")
    return cause_items


def parse_cause(data: Any, f: FileCheck, pack: str) -> CauseDef | None:
    m = f.mapping(data, "a cause file", 1)
    if m is None:
        return None
    f.keys(m, CAUSE_KEYS, "a cause")
    decided_by = []
    for kind, line in f.text_list(m, "decided_by"):
        if kind not in FACT_KINDS:
            f.err(line, f"decided_by: unknown fact kind {kind!r}{_suggest(kind, FACT_KINDS)}")
        decided_by.append(kind)
    question = _question(m, f)
    steps = _remediation(m, f)
    verify = f.text(m, "verify")
    f.placeholders_ok(verify, m.line_of("verify"), None)
    replaces = []
    for old, line in f.text_list(m, "replaces"):
        if not CAUSE_ID_RE.match(old):
            f.err(line, f"replaces: {old!r} is not a cause id ({CAUSE_ID_RE.pattern})")
        replaces.append(old)
    return CauseDef(
        cause=f.ident(m, "cause", pattern=CAUSE_ID_RE, what="a cause id (lower-case letters, digits, '-')"),
        code=f.ident(m, "code", pattern=CODE_RE, what="a code"),
        title=f.text(m, "title"),
        explanation=f.text(m, "explanation"),
        decided_by=tuple(decided_by),
        question=question,
        remediation=tuple(steps),
        verify=verify,
        references=f.references(m),
        loc=f.loc(m.line),
        pack=pack,
        replaces=tuple(replaces),
    )


def _question(m: YMap, f: FileCheck) -> QuestionDef | None:
    if m.get("question") is None:
        return None
    q = f.mapping(m["question"], "question", m.line_of("question"))
    if q is None:
        return None
    f.keys(q, QUESTION_KEYS, "a question")
    return QuestionDef(
        id=f.ident(q, "id"),
        ask=f.text(q, "ask"),
        why=f.text(q, "why"),
        answers_with=f.text(q, "answers_with"),
        collect=f.text(q, "collect"),
        line=q.line,
    )


def _remediation(m: YMap, f: FileCheck) -> list[RemediationDef]:
    raw_steps = m.get("remediation")
    if raw_steps is None:
        return []
    if not isinstance(raw_steps, list):
        f.err(m.line_of("remediation"), f"remediation must be a list of steps, not {_kind_of(raw_steps)}")
        return []
    steps: list[RemediationDef] = []
    for i, item in enumerate(raw_steps):
        s = f.mapping(item, "a remediation step", line_of(raw_steps, i))
        if s is None:
            continue
        f.keys(s, STEP_KEYS, "a remediation step")
        step = f.text(s, "step")
        f.placeholders_ok(step, s.line_of("step"), None)
        commands = f.text_list(s, "commands")
        for command, line in commands:
            f.placeholders_ok(command, line, None)
        only_if = f.ident(s, "only_if", pattern=ALIAS_RE, what="an alias") if "only_if" in s else None
        unless = []
        for alias, line in f.text_list(s, "unless"):
            if not ALIAS_RE.fullmatch(alias):
                f.err(line, f"unless: {alias!r} is not an alias")
            unless.append(alias)
        texts = tuple(c for c, _ in commands)
        for_each = f.text(s, "for_each") if "for_each" in s else None
        if for_each is not None and not _FIELD_PATH.fullmatch(for_each):
            f.err(s.line_of("for_each"), f"for_each: {for_each!r} is not alias.field (e.g. b.servers)")
            for_each = None
        steps.append(
            RemediationDef(
                step,
                texts,
                only_if or None,
                s.line,
                _labels(s, f),
                tuple(unless),
                command_lines=tuple(line for _, line in commands),
                for_each=for_each,
            )
        )
    return steps


def _labels(s: YMap, f: FileCheck) -> tuple[tuple[str, str], ...]:
    """``alias.field=Label`` entries: how an unknown value shows in the step."""
    labels = []
    for entry, line in f.text_list(s, "labels"):
        got = _LABEL.fullmatch(entry)
        if got is None:
            f.err(line, f"label {entry!r} is not alias.field=Label (e.g. ts.name=ExchangeServer)")
        else:
            labels.append((got.group(1), got.group(2)))
    return tuple(labels)


# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------


def _inline_fact(item: Any, line: int | None, f: FileCheck) -> InlineFact | None:
    m = f.mapping(item, "an inline fact", line)
    if m is None:
        return None
    kind = m.get("kind")
    if kind not in FACT_KINDS:
        f.err(
            m.line_of("kind"),
            f"an inline fact needs kind: one of the fact kinds, not {kind!r}"
            + (_suggest(kind, FACT_KINDS) if isinstance(kind, str) else ""),
        )
        return None
    ok = _inline_fields_ok(m, kind, f)
    for name in required_fields(kind):
        if m.get(name) is None:
            f.err(m.line, f"an inline {kind} fact needs the field {name!r}")
            ok = False
    if not ok:
        return None
    data = {k: (list(v) if isinstance(v, list) else v) for k, v in m.items() if v is not None}
    try:
        fact_from_dict(data, Provenance(f.path, m.line))
    except EngineError as exc:
        f.err(m.line, f"inline fact: {exc}")
        return None
    return InlineFact(data, m.line)


def _inline_fields_ok(m: YMap, kind: str, f: FileCheck) -> bool:
    """Each field of an inline fact exists on its kind and holds a value of its type."""
    specs = field_specs(kind)
    ok = True
    for key, value in m.items():
        if key == "kind":
            continue
        fl = m.line_of(key)
        if key not in specs:
            f.err(fl, f"{kind} has no field {key!r}{_suggest(str(key), specs)}")
            ok = False
            continue
        spec = specs[key]
        if value is None:
            continue
        if spec.type == "list":
            items = value if isinstance(value, list) else [value]
            problems = [p for p in (_list_item_problem(kind, spec, v) for v in items) if p]
        else:
            problems = [p for p in [value_problem(kind, spec, value)] if p]
        for problem in problems:
            f.err(fl, problem)
            ok = False
    return ok


def parse_case(data: Any, f: FileCheck, pack: str, *, file: Path, roots: tuple[Path, ...]) -> CaseDef | None:
    m = f.mapping(data, "a case file", 1)
    if m is None:
        return None
    f.keys(m, CASE_KEYS, "a case")
    evidence = _case_evidence(m, f, file, roots)
    ndr = _case_ndr(m, f)
    facts = _case_facts(m, f)
    answers = _case_answers(m, f)
    now = f.text(m, "now", default=DEFAULT_CASE_NOW)
    try:
        parse_utc(now)
    except ValueError:
        f.err(m.line_of("now"), f"now {now!r} is not an ISO 8601 time (e.g. {DEFAULT_CASE_NOW})")
        now = DEFAULT_CASE_NOW
    expect, expect_lines = _case_expect(m, f)
    output = _case_output(m, f, expect)
    only_confirmed = m.get("only_confirmed", False)
    if not isinstance(only_confirmed, bool):
        f.err(m.line_of("only_confirmed"), f"only_confirmed is true or false, not {_kind_of(only_confirmed)}")
        only_confirmed = False
    xfail = f.text(m, "xfail")
    if "xfail" in m and not xfail.strip():
        f.err(m.line_of("xfail"), "xfail needs the reason (the known gap), e.g. xfail: ATTR37 is unknown")
    return CaseDef(
        case=f.ident(m, "case"),
        description=f.text(m, "description"),
        evidence=tuple(evidence),
        ndr=tuple(ndr),
        facts=tuple(facts),
        answers=answers,
        now=now,
        expect=expect,
        loc=f.loc(m.line),
        pack=pack,
        expect_lines=expect_lines,
        output=output,
        only_confirmed=only_confirmed,
        xfail=xfail.strip(),
    )


def _case_evidence(m: YMap, f: FileCheck, file: Path, roots: tuple[Path, ...]) -> list[Path]:
    """The case's evidence files: paths relative to the case file, inside the pack, existing."""
    raw_ev = m.get("evidence")
    ev_items: list[tuple[Any, int | None]] = []
    if isinstance(raw_ev, str):
        ev_items = [(raw_ev, m.line_of("evidence"))]
    elif isinstance(raw_ev, list):
        ev_items = [(v, line_of(raw_ev, i)) for i, v in enumerate(raw_ev)]
    elif raw_ev is not None:
        f.err(m.line_of("evidence"), f"evidence must be a path or a list of paths, not {_kind_of(raw_ev)}")
    evidence: list[Path] = []
    for value, line in ev_items:
        if not isinstance(value, str) or not value:
            f.err(line, f"an evidence path must be text, not {_kind_of(value)}")
            continue
        target = (file.parent / value).resolve()
        if not any(target == r or r in target.parents for r in roots):
            f.err(line, f"evidence {value!r} is outside the pack")
        elif not target.exists():
            f.err(line, f"evidence {value!r} does not exist ({target})")
        else:
            evidence.append(target)
    return evidence


def _case_ndr(m: YMap, f: FileCheck) -> list[str]:
    raw_ndr = m.get("ndr")
    if isinstance(raw_ndr, str):
        return [raw_ndr]
    if isinstance(raw_ndr, list):
        return [t for t, _ in f.text_list(m, "ndr")]
    if raw_ndr is not None:
        f.err(m.line_of("ndr"), f"ndr must be text or a list of texts, not {_kind_of(raw_ndr)}")
    return []


def _case_facts(m: YMap, f: FileCheck) -> list[InlineFact]:
    raw_facts = m.get("facts")
    if raw_facts is not None and not isinstance(raw_facts, list):
        f.err(m.line_of("facts"), f"facts must be a list of facts, not {_kind_of(raw_facts)}")
        return []
    facts = (_inline_fact(item, line_of(raw_facts, i), f) for i, item in enumerate(raw_facts or []))
    return [fact for fact in facts if fact is not None]


def _case_answers(m: YMap, f: FileCheck) -> dict[str, str]:
    """Answers as the user would type them: ``true``/``false`` and numbers become text."""
    answers: dict[str, str] = {}
    if m.get("answers") is None:
        return answers
    a = f.mapping(m["answers"], "answers", m.line_of("answers"))
    for key, value in (a or {}).items():
        if not isinstance(key, str) or not ANSWER_KEY_RE.match(key):
            f.err(a.line_of(key), f"answer key {key!r} must match {ANSWER_KEY_RE.pattern}")
        elif isinstance(value, bool) and key in getattr(a, "bool_words", {}):
            word = a.bool_words[key]
            f.err(
                a.line_of(key),
                f"answer {key!r}: unquoted {word} is read by YAML as {'true' if value else 'false'}, "
                f"not the text {word!r}; write {key}: \"{word}\"",
            )
        elif isinstance(value, bool):
            answers[key] = "true" if value else "false"
        elif isinstance(value, str | int):
            answers[key] = str(value)
        else:
            f.err(a.line_of(key), f"answer {key!r} must be text, not {_kind_of(value)}")
    return answers


def _case_output(m: YMap, f: FileCheck, expect: dict[str, str]) -> dict[str, OutputExpect]:
    """``output:``: per expected cause, the message, filled commands and rules its verdict shows."""
    if m.get("output") is None:
        return {}
    o = f.mapping(m["output"], "output", m.line_of("output"))
    out: dict[str, OutputExpect] = {}
    for key, value in (o or {}).items():
        line = o.line_of(key)
        if key not in expect:
            f.err(line, f"output: {key!r} is not named in expect (name its status there too)")
            continue
        if expect[key] not in ("confirmed", "likely"):
            f.err(line, f"output: {key} is expected {expect[key]}, which shows no message or commands")
            continue
        v = f.mapping(value, f"output of {key}", line)
        if v is None:
            continue
        f.keys(v, OUTPUT_KEYS, f"output of {key}")
        commands = tuple(c for c, _ in f.text_list(v, "commands")) if "commands" in v else None
        rules = tuple(r for r, _ in f.text_list(v, "rules")) if "rules" in v else None
        message = f.text(v, "message") if "message" in v else None
        out[key] = OutputExpect(message, commands, rules, line)
    return out


def _case_expect(m: YMap, f: FileCheck) -> tuple[dict[str, str], dict[str, int | None]]:
    """``cause`` (or ``cause@code``) -> expected status, and the line each is written on."""
    expect: dict[str, str] = {}
    expect_lines: dict[str, int | None] = {}
    if "expect" not in m:
        return expect, expect_lines
    e = f.mapping(m["expect"], "expect", m.line_of("expect"))
    if e is not None and not e:
        f.err(m.line_of("expect"), "expect names no cause")
    for cause, status in (e or {}).items():
        line = e.line_of(cause)
        if not isinstance(cause, str) or not EXPECT_KEY_RE.match(cause):
            f.err(line, f"expect: {cause!r} is not a cause id (or cause@code)")
        elif status not in CASE_STATUSES:
            f.err(line, f"expect: {cause}: status {status!r} must be one of: {', '.join(CASE_STATUSES)}")
        else:
            expect[cause] = status
            expect_lines[cause] = line
    return expect, expect_lines


# ---------------------------------------------------------------------------------------------
# pack.yaml
# ---------------------------------------------------------------------------------------------


def parse_manifest(
    data: Any, f: FileCheck, *, root: Path, roots: tuple[Path, ...], builtin: bool
) -> PackManifest | None:
    m = f.mapping(data, "pack.yaml", 1)
    if m is None:
        return None
    f.keys(m, MANIFEST_KEYS, "pack.yaml")
    fmt = m.get("engine_format")
    if "engine_format" in m and (isinstance(fmt, bool) or not isinstance(fmt, int) or fmt < 1):
        f.err(m.line_of("engine_format"), f"engine_format must be a positive integer, not {fmt!r}")
        fmt = 0
    disable, knowledge, lines = _overrides(m, f)
    minimum = f.text(m, "min_relaydoctor")
    if minimum and not VERSION_RE.match(minimum):
        f.err(m.line_of("min_relaydoctor"), f"min_relaydoctor {minimum!r} is not a version like \"0.2.0\"")
        minimum = ""
    status = f.text(m, "status", default="stable")
    if status not in PACK_STATUSES:
        f.err(m.line_of("status"), f"status {status!r} must be one of: {', '.join(PACK_STATUSES)}")
        status = "stable"
    return PackManifest(
        id=f.ident(m, "id"),
        version=f.text(m, "version"),
        engine_format=fmt if isinstance(fmt, int) else 0,
        description=f.text(m, "description"),
        default_code=f.ident(m, "default_code", pattern=CODE_RE, what="a code") or None,
        disable_rules=tuple(disable),
        knowledge_overrides=knowledge,
        loc=f.loc(m.line),
        root=root,
        roots=roots,
        builtin=builtin,
        override_lines=lines,
        min_relaydoctor=minimum,
        status=status,
    )


def _overrides(m: YMap, f: FileCheck) -> tuple[list[str], dict[str, dict[str, str]], dict[str, int | None]]:
    """``overrides:``: rules disabled, knowledge texts replaced, and the line of each override."""
    disable: list[str] = []
    knowledge: dict[str, dict[str, str]] = {}
    lines: dict[str, int | None] = {}
    if m.get("overrides") is None:
        return disable, knowledge, lines
    o = f.mapping(m["overrides"], "overrides", m.line_of("overrides"))
    if o is None:
        return disable, knowledge, lines
    f.keys(o, OVERRIDES_KEYS, "overrides")
    for rule_id, line in f.text_list(o, "disable_rules"):
        disable.append(rule_id)
        lines[f"rule:{rule_id}"] = line
    if o.get("knowledge") is None:
        return disable, knowledge, lines
    k = f.mapping(o["knowledge"], "overrides.knowledge", o.line_of("knowledge"))
    for cause, fields in (k or {}).items():
        fm = f.mapping(fields, f"overrides.knowledge.{cause}", k.line_of(cause))
        if fm is None:
            continue
        lines[f"cause:{cause}"] = k.line_of(cause)
        texts = {}
        for name in fm:
            if name not in KNOWLEDGE_OVERRIDE_FIELDS:
                f.err(
                    fm.line_of(name),
                    f"overrides.knowledge: {name!r} cannot be overridden "
                    f"(only {', '.join(KNOWLEDGE_OVERRIDE_FIELDS)})",
                )
            else:
                texts[name] = f.text(fm, name)
        knowledge[str(cause)] = texts
    return disable, knowledge, lines
