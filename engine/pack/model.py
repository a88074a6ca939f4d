"""The typed model of a knowledge pack: what the loader builds from YAML and the rest reads.

Every definition remembers where it came from (``path`` and 1-based ``line``) so that every
problem can be reported as ``path:line: message``. Each file type's YAML keys are described
once, in ``keys.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import field
from pathlib import Path
from typing import Any

from .. import lazyre
from ..errors import PackError
from ..lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from ..status import RULE_STATUSES as _RULE_STATUSES
from ..status import Status
from ..utctime import parse_utc

ENGINE_FORMAT = 1  # the pack format this engine understands (pack.yaml ``engine_format``)
RULE_STATUSES = tuple(s.value for s in _RULE_STATUSES)
CASE_STATUSES = (*RULE_STATUSES, Status.UNDETERMINED.value)
POSITIVE_STATUSES = tuple(s.value for s in Status if s.positive)
DIRECTIONS = ("relay_to_exo", "exo_to_onprem", "client_submission", "onprem")
OPERATORS = (
    "eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte",
    "matches", "imatches", "exists", "missing", "contains",
)  # fmt: skip
DEFAULT_CASE_NOW = "2026-11-27T12:00:00Z"  # a case without ``now`` is judged at this moment
ANSWER_ALIAS = "answer"  # ``{answer.KEY}`` placeholders: reserved, never a rule alias

ID_RE = lazyre.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
# cause ids appear in reports as they are; the JSON report schema (engine/schemas/report.schema.json)
# allows lower-case letters, digits and '-' only, so '.' and '_' are refused in cause ids
CAUSE_ID_RE = lazyre.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
ALIAS_RE = lazyre.compile(r"^[a-z][a-z0-9_]{0,39}$")
ANSWER_KEY_RE = lazyre.compile(r"^[a-z][a-z0-9_]{0,63}$")
CODE_RE = lazyre.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,39}$")
EXPECT_SEP = "@"  # case ``expect`` key ``cause@code``: the verdict of a shared cause under one code
# ``cause[subject]`` (or ``cause@code[subject]``): the verdict of one subject (a rule's ``subject:``)
EXPECT_KEY_RE = lazyre.compile(
    # the subject runs to the key's last "]", so a subject may hold "]" (a connector "Relay [EU]")
    r"^[a-z0-9][a-z0-9._-]{0,99}(@[A-Za-z0-9][A-Za-z0-9._ -]{0,39})?(\[[^\n]{1,200}\])?$"
)
URL_RE = lazyre.compile(r"^https?://\S+$")
PACK_STATUSES = ("experimental", "stable", "deprecated")
VERSION_RE = lazyre.compile(r"^\d+(\.\d+){0,3}$")
KNOWLEDGE_OVERRIDE_FIELDS = ("title", "explanation", "verify")


# ---------------------------------------------------------------------------------------------
# Definitions
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Loc:
    """Where a definition is: the file as shown to the user and the 1-based line."""

    path: str
    line: int | None = None

    def ref(self) -> str:
        return f"{self.path}:{self.line}" if self.line is not None else self.path

    def error(self, message: str) -> PackError:
        return PackError(message, self.path, self.line)

    def at(self, line: int | None) -> Loc:
        return Loc(self.path, line if line is not None else self.line)


@dataclass(frozen=True, slots=True)
class Reference:
    """A public source a code or cause cites."""

    url: str
    title: str = ""


@dataclass(frozen=True, slots=True)
class Ref:
    """``{ref: alias.field}``: the value of a field of the fact bound to an earlier alias."""

    alias: str
    field: str

    def __str__(self) -> str:
        return f"{self.alias}.{self.field}"


Scalar = str | int | bool


@dataclass(frozen=True, slots=True)
class FieldTest:
    """One test on one field: ``op`` is one of OPERATORS; ``value`` is a scalar, a tuple of
    scalars (in / not_in), a Ref, or None (exists / missing). ``engine_regex`` is the translated
    regex for matches / imatches."""

    field: str
    op: str
    value: Scalar | tuple[Scalar, ...] | Ref | None
    line: int | None = None
    engine_regex: str | None = None


@dataclass(frozen=True, slots=True)
class AnyOf:
    """``any_of: [{...}, {...}]``: at least one group of tests holds."""

    groups: tuple[tuple[FieldTest | AnyOf, ...], ...]
    line: int | None = None


Test = FieldTest | AnyOf


@dataclass(frozen=True, slots=True)
class Pattern:
    """One item of a rule's ``when``: a fact of ``kind`` whose fields pass ``tests``; a negated
    pattern (``not:``) has no alias and must match no fact."""

    kind: str
    alias: str | None
    tests: tuple[Test, ...] = ()
    negated: bool = False
    line: int | None = None
    fragment: str = ""  # the fragment it comes from (``line`` is then the rule's ``use:`` line)

    def where(self) -> str:
        """How findings name it: its line, and its fragment when it comes from one."""
        return f"line {self.line}" + (f" (fragment {self.fragment})" if self.fragment else "")

    def field_tests(self) -> list[FieldTest]:
        """Every FieldTest, including those inside any_of groups."""
        return _field_tests(self.tests, [])


def _field_tests(tests: tuple[Test, ...], out: list[FieldTest]) -> list[FieldTest]:
    """``out`` with every FieldTest of ``tests`` appended, depth first. A module function: a
    recursive closure is a reference cycle, garbage for the cyclic collector at each call (~13,000
    in a 1 GB diagnose)."""
    for t in tests:
        if isinstance(t, AnyOf):
            for g in t.groups:
                _field_tests(g, out)
        else:
            out.append(t)
    return out


@dataclass(frozen=True, slots=True)
class Completeness:
    """``complete: [sess.tls_complete]``: the bound fact's boolean field must equal ``expect`` for
    an absence the rule rests on to count as proof."""

    alias: str
    field: str
    expect: bool = True
    line: int | None = None

    def __str__(self) -> str:
        return f"{'' if self.expect else 'not '}{self.alias}.{self.field}"


@dataclass(frozen=True, slots=True)
class RuleDef:
    """One rule of a pack: the facts it matches (``when``) and the status it concludes for a cause."""

    id: str
    cause: str
    code: str
    status: str
    description: str
    message: str
    when: tuple[Pattern, ...]
    evidence: tuple[str, ...]
    references: tuple[Reference, ...]
    loc: Loc
    pack: str = ""
    complete: tuple[Completeness, ...] = ()
    fragments: tuple[str, ...] = ()  # every fragment the rule uses, directly or through another
    subject: Ref | None = None  # ``subject: alias.field``: one verdict per value (docs/pack-format.md)


    @property
    def patterns(self) -> tuple[Pattern, ...]:
        return tuple(p for p in self.when if not p.negated)

    @property
    def negations(self) -> tuple[Pattern, ...]:
        return tuple(p for p in self.when if p.negated)

    @property
    def aliases(self) -> dict[str, str]:
        """alias -> fact kind, for the positive patterns."""
        return {p.alias: p.kind for p in self.patterns if p.alias}

    @property
    def source(self) -> str:
        return self.loc.ref()


@dataclass(frozen=True, slots=True)
class FragmentDef:
    """A named, reusable piece of ``when`` (``rules/**/fragments/<name>.yaml``): a rule's
    ``- use: NAME`` item stands for these patterns, and binds their aliases in the rule."""

    id: str
    description: str
    when: tuple[Pattern, ...]
    loc: Loc
    pack: str = ""
    uses: tuple[str, ...] = ()  # the fragments this one uses, directly or through another
    ok: bool = True  # False: the fragment had errors (already reported); its aliases are unsure

    @property
    def aliases(self) -> dict[str, str]:
        """alias -> fact kind, for the positive patterns (all have an explicit ``as``)."""
        return {p.alias: p.kind for p in self.when if not p.negated and p.alias and p.kind}


@dataclass(frozen=True, slots=True)
class CodeDef:
    """An error code a pack recognises, and the causes it can have."""

    code: str
    title: str
    summary: str
    direction: str
    recognize: tuple[str, ...]
    causes: tuple[str, ...]
    references: tuple[Reference, ...]
    loc: Loc
    pack: str = ""
    recognize_lines: tuple[int | None, ...] = ()
    cause_lines: tuple[int | None, ...] = ()
    residual: tuple[str, ...] = ()  # asked about only when no other cause of the code is confirmed


@dataclass(frozen=True, slots=True)
class QuestionDef:
    """What to ask the user when no evidence can decide a cause."""

    id: str
    ask: str
    why: str
    answers_with: str = ""
    collect: str = ""
    line: int | None = None


@dataclass(frozen=True, slots=True)
class RemediationDef:
    """One step of a cause's fix as the pack writes it (commands with placeholders)."""

    step: str
    commands: tuple[str, ...] = ()
    only_if: str | None = None
    line: int | None = None
    labels: tuple[tuple[str, str], ...] = ()  # ("alias.field", "Label"): shown as <Label> when unknown
    unless: tuple[str, ...] = ()  # hidden when the concluding rule bound any of these aliases
    command_lines: tuple[int | None, ...] = ()  # the line of each command, for findings
    for_each: str | None = None  # "alias.field" of a list: the commands once per element


@dataclass(frozen=True, slots=True)
class CauseDef:
    """One documented cause of a code: explanation, deciding rules, question, fix and sources."""

    cause: str
    code: str
    title: str
    explanation: str
    decided_by: tuple[str, ...]
    question: QuestionDef | None
    remediation: tuple[RemediationDef, ...]
    verify: str
    references: tuple[Reference, ...]
    loc: Loc
    pack: str = ""
    replaces: tuple[str, ...] = ()  # former ids of this cause


@dataclass(frozen=True, slots=True)
class InlineFact:
    """A fact given inline in a case: the mapping as written (with ``kind``) and its line."""

    data: Mapping[str, Any]
    line: int | None = None


@dataclass(frozen=True, slots=True)
class OutputExpect:
    """What a case expects a verdict to show (``output:``); None: not checked."""

    message: str | None = None
    commands: tuple[str, ...] | None = None
    rules: tuple[str, ...] | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True)
class CaseDef:
    """A pack's test case: evidence or inline facts and the verdicts they must give."""

    case: str
    description: str
    evidence: tuple[Path, ...]
    ndr: tuple[str, ...]
    facts: tuple[InlineFact, ...]
    answers: Mapping[str, str]
    now: str
    expect: Mapping[str, str]
    loc: Loc
    pack: str = ""
    expect_lines: Mapping[str, int | None] = field(default_factory=dict)
    output: Mapping[str, OutputExpect] = field(default_factory=dict)
    only_confirmed: bool = False
    xfail: str = ""  # a known gap: expected to fail, for this reason

    @property
    def now_datetime(self) -> dt.datetime:
        return parse_utc(self.now)


def split_expect(key: str) -> tuple[str, str | None]:
    """A case ``expect`` key as (cause, code): ``cause@code`` names the code, ``cause`` does not
    (a ``[subject]`` suffix is left out: ``expect_subject`` reads it)."""
    key = key.partition("[")[0]
    cause, sep, code = key.partition(EXPECT_SEP)
    return (cause, code) if sep else (key, None)


def expect_subject(key: str) -> str | None:
    """The subject a case ``expect`` key names (``cause[subject]``), or None."""
    _, sep, rest = key.partition("[")
    return rest[:-1] if sep and rest.endswith("]") else None


@dataclass(frozen=True, slots=True)
class PackManifest:
    """A pack's ``pack.yaml``: identity, format version, overrides."""

    id: str
    version: str
    engine_format: int
    description: str
    default_code: str | None
    disable_rules: tuple[str, ...]
    knowledge_overrides: Mapping[str, Mapping[str, str]]
    loc: Loc
    root: Path  # the pack directory (for the built-in pack: the knowledge folder)
    roots: tuple[Path, ...] = ()  # folders whose files the pack may name (cases' evidence)
    builtin: bool = False
    override_lines: Mapping[str, int | None] = field(default_factory=dict)
    min_relaydoctor: str = ""
    status: str = "stable"


def _deferred_field(obj: Any, name: str) -> Any:
    """``__getattr__`` of ``Pack`` and ``Packs``: a field left unset by the cache reader (the rules,
    the cases: ``pack/cache.py``) is decoded on first use and then set like any other."""
    try:
        deferred = object.__getattribute__(obj, "_deferred")
    except AttributeError:
        deferred = None
    if deferred is None or not deferred.holds(name):
        raise AttributeError(f"{type(obj).__name__!r} object has no attribute {name!r}")
    value = deferred.load(name)
    object.__setattr__(obj, name, value)
    return value


@dataclass(frozen=True, slots=True)
class Pack:
    """One loaded pack: its manifest and definitions."""

    manifest: PackManifest
    rules: tuple[RuleDef, ...] = ()
    codes: tuple[CodeDef, ...] = ()
    causes: tuple[CauseDef, ...] = ()
    cases: tuple[CaseDef, ...] = ()
    fragments: tuple[FragmentDef, ...] = ()
    # read from the cache: what decodes the fields it left unset (``_deferred_field``)
    _deferred: Any = field(default=None, init=False, repr=False, compare=False)

    def __getattr__(self, name: str) -> Any:
        return _deferred_field(self, name)

    @property
    def id(self) -> str:
        return self.manifest.id

    @property
    def version(self) -> str:
        return self.manifest.version


@dataclass(frozen=True, slots=True)
class Packs:
    """Every loaded pack merged: ids are unique across packs, overrides already applied.

    ``rules`` holds the active rules (disabled ones are in ``disabled``); ``causes`` carries
    knowledge overrides; ``overrides`` lists, in words, every override in force."""

    packs: tuple[Pack, ...]
    rules: tuple[RuleDef, ...]
    codes: Mapping[str, CodeDef]
    causes: Mapping[str, CauseDef]
    cases: tuple[CaseDef, ...]
    overrides: tuple[str, ...] = ()
    disabled: tuple[RuleDef, ...] = ()
    default_code: str | None = None
    renamed: Mapping[str, str] = field(default_factory=dict)  # old cause id -> the cause replacing it
    # read from the cache: what decodes the fields it left unset (``_deferred_field``)
    _deferred: Any = field(default=None, init=False, repr=False, compare=False)

    def __getattr__(self, name: str) -> Any:
        return _deferred_field(self, name)

    def recognize(self, text: str) -> CodeDef | None:
        """The code whose recognition pattern finds ``text``, most specific pattern first."""
        from .recognize import recognize

        return recognize(self, text)

    def pack_of_code(self, code: str) -> Pack | None:
        owner = self.codes[code].pack if code in self.codes else None
        return next((p for p in self.packs if p.id == owner), None)

    def rule(self, rule_id: str) -> RuleDef | None:
        """The active or disabled rule ``rule_id`` (read from the cache: only that one is decoded)."""
        if self._deferred is not None:
            return self._deferred.rule(rule_id)
        return next((r for r in (*self.rules, *self.disabled) if r.id == rule_id), None)

    def rules_for(self, cause: str, code: str | None = None) -> tuple[RuleDef, ...]:
        """The active rules concluding ``cause`` (under ``code`` only, when given)."""
        return tuple(r for r in self.rules if r.cause == cause and (code is None or r.code == code))

    def codes_for(self, cause: str) -> tuple[str, ...]:
        """Every code that judges ``cause``: its home code first, then the codes listing it as a
        shared cause, in load order."""
        home = self.causes[cause].code if cause in self.causes else None
        listed = [c.code for c in self.codes.values() if cause in c.causes and c.code != home]
        return tuple([home, *listed] if home in self.codes else listed)

    def may_conclude(self, cause: str, code: str) -> bool:
        """Whether a rule may conclude ``cause`` under ``code``: its home code or a code listing it."""
        home = self.causes[cause].code if cause in self.causes else None
        listed = code in self.codes and cause in self.codes[code].causes
        return code == home or listed
