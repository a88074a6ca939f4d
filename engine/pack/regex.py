"""Regexes in packs: translation into durable_rules' ``%`` dialect, and backtracking checks.

Rule regexes (``matches`` / ``imatches``) run inside durable_rules, whose matcher is a DFA with
its own dialect: ``%`` escapes (``%d %w %s %.``), always anchored (the whole value must match),
and unknown syntax accepted silently and then never matching. So a rule regex is written in a
small, Python-compatible subset and translated here; anything outside the subset is an error
at load time instead of a rule that silently never fires.

Verified behaviour of the engine that shapes the translation (see tests):
- ``%w`` is ``[A-Za-z0-9]`` (no ``_``), so ``\\w`` becomes ``[%w_]``; ``%s`` matches a space.
- The value is matched as its JSON text: ``"`` and ``\\`` count as two characters there, so
  they are allowed as literals but not inside ``[...]`` (nor are control characters).
- Inside ``[...]`` a literal ``-`` must come last and ``]`` is written ``%]``; ``{`` outside a
  quantifier is ``%{``; repetition counts are at most 100.

Knowledge-file ``recognize`` patterns are plain Python regexes searched over NDR/log text;
:func:`backtracking_risk` finds the shapes that make Python's backtracking matcher explode.
"""

from __future__ import annotations

import functools
import re

from .. import lazyre
from ..lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use

try:  # Python >= 3.11 keeps the parser here; older versions had sre_parse
    import re._constants as _sre  # type: ignore[import-not-found]
    import re._parser as _sre_parse  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover
    import sre_constants as _sre  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]

MAX_RULE_REGEX = 256  # characters; the engine builds a DFA of at most 4096 states
MAX_REPEAT_COUNT = 100  # the engine rejects {m,n} with n > 100
_ENGINE_SPECIAL = set(".|?*+()[]{}%")  # characters the engine needs escaped with %
_ANCHOR_HINT = "matching is anchored: the pattern must match the whole value"


class RegexError(ValueError):
    """A regex the engine cannot run as written; the message says what to change."""


# ---------------------------------------------------------------------------------------------
# Translation: Python subset -> durable_rules dialect
# ---------------------------------------------------------------------------------------------

# Characters a generated class may hold: printable ASCII and Latin-1. Negated classes are built as
# positive classes over this set, because the engine's own [^...] is wrong in some contexts
# (verified: a*[^a]b matches "aab"; [^a]*a is refused with error 507).
UNIVERSE = tuple(chr(c) for c in (*range(0x20, 0x7F), *range(0xA0, 0x100)))
_RANGE_UNSAFE = set('-]%^\\"')
_QUANT = lazyre.compile(r"\{(\d*)(,?)(\d*)\}")


def _class_items(chars: set[str]) -> tuple[list[str], bool, bool]:
    """Engine class items for exactly ``chars`` (runs of 3+ become ranges), plus whether a
    literal '-' and '^' are among them (they must be placed last)."""
    items: list[str] = []
    dash = caret = False
    codes = sorted(ord(c) for c in chars)
    runs: list[list[int]] = []
    for code in codes:
        if runs and code == runs[-1][-1] + 1:
            runs[-1].append(code)
        else:
            runs.append([code])
    singles: list[int] = []
    for run in runs:
        while run and chr(run[0]) in _RANGE_UNSAFE:  # range ends must be plain characters
            singles.append(run.pop(0))
        while run and chr(run[-1]) in _RANGE_UNSAFE:
            singles.append(run.pop())
        if len(run) >= 3:
            items.append(f"{chr(run[0])}-{chr(run[-1])}")
        else:
            singles.extend(run)
    for code in sorted(singles):
        ch = chr(code)
        if ch == "-":
            dash = True
        elif ch == "^":
            caret = True
        else:
            items.append({"]": "%]", "%": "%%"}.get(ch, ch))
    return items, dash, caret


def _assemble(items: list[str], dash: bool, caret: bool) -> str:
    if caret:
        items = [*items, "^"]  # never first: the engine reads a leading ^ as negation
    if dash:
        items = [*items, "-"]  # the engine reads '-' as literal only at the end
    if not items:
        raise RegexError("this [...] class matches no character the engine can compare")
    if len(items) == 1 and items[0] in ("^", "-"):
        return items[0]
    return "[" + "".join(items) + "]"


def _python_class(source: str, extra: set[str]) -> str:
    """An engine class with the members of a Python class over UNIVERSE (and ``extra``)."""
    rx = re.compile(source)
    members = {c for c in (*UNIVERSE, *extra) if rx.fullmatch(c)}
    if '"' in members and "\\" not in members:  # the engine sees '"' as '\\"' (JSON text)
        raise RegexError("a class that excludes '\\' but not '\"' cannot be matched by the engine")
    return _assemble(*_class_items(members))


_ESCAPE_CLASS = {c: _python_class(f"\\{c}", set()) for c in "wsDWS"}
_ESCAPE_CLASS["d"] = "%d"
_ESCAPE_ITEMS = {
    "d": (["%d"], False, False),
    "w": _class_items({c for c in UNIVERSE if re.fullmatch(r"\w", c)}),
    "s": _class_items({c for c in UNIVERSE if re.fullmatch(r"\s", c)}),
}


def _literal(ch: str) -> str:
    """One literal character outside a class, escaped for the engine."""
    return "%" + ch if ch in _ENGINE_SPECIAL else ch


def _read_escape(p: str, i: int) -> tuple[str, str, int]:
    """Read the escape at p[i] == '\\'. Returns (kind, value, next index): kind is 'class'
    (value: the escape letter) or 'char' (value: the literal character)."""
    if i + 1 >= len(p):
        raise RegexError("pattern ends with a lone backslash")
    c = p[i + 1]
    if c in "dwsDWS":
        return "class", c, i + 2
    if c in "bB":
        raise RegexError(f"\\{c} (word boundary) is not supported; {_ANCHOR_HINT}")
    if c in "AZzG":
        raise RegexError(f"\\{c} (anchor) is not supported; {_ANCHOR_HINT}")
    if c.isdigit() or c == "g":
        raise RegexError("backreferences are not supported")
    simple = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "a": "\a"}
    if c in simple:
        return "char", simple[c], i + 2
    for letter, width in (("x", 2), ("u", 4), ("U", 8)):
        if c == letter:
            digits = p[i + 2 : i + 2 + width]
            if len(digits) != width or not all(d in "0123456789abcdefABCDEF" for d in digits):
                raise RegexError(f"\\{letter} needs {width} hex digits")
            return "char", chr(int(digits, 16)), i + 2 + width
    if c.isalnum() or c == "_":
        raise RegexError(f"unknown escape \\{c}")
    return "char", c, i + 2


def _translate_class(p: str, i: int) -> tuple[str, int]:
    """Translate the class starting at p[i] == '['; returns (engine text, next index).

    A positive class is translated item by item; a negated class (or one holding \\D \\W \\S)
    becomes the positive class of its members among UNIVERSE and its own literal characters."""
    start = i
    i += 1
    negate = False
    if i < len(p) and p[i] == "^":
        negate, i = True, i + 1
    items: list[str] = []
    literals: set[str] = set()
    dash = caret = complement = False
    first = True
    while True:
        if i >= len(p):
            raise RegexError("unterminated [...] class")
        ch = p[i]
        if ch == "]" and not first:
            i += 1
            break
        first = False
        if ch == "\\":
            kind, value, i = _read_escape(p, i)
            if kind == "class":
                if value in _ESCAPE_ITEMS:
                    more, d, c = _ESCAPE_ITEMS[value]
                    items.extend(more)
                    dash, caret = dash or d, caret or c
                else:
                    complement = True
                continue
            ch = value
        else:
            i += 1
        literals.add(ch)
        # a range a-b (the dash not last, the next char not ']')
        if i + 1 < len(p) and p[i] == "-" and p[i + 1] != "]":
            hi = p[i + 1]
            j = i + 2
            if hi == "\\":
                kind, hi, j = _read_escape(p, i + 1)
                if kind == "class":
                    raise RegexError("a range in [...] cannot end with a class escape")
            literals.add(hi)
            if ord(hi) < ord(ch):
                raise RegexError(f"bad range {ch}-{hi} in [...]")
            if not (negate or complement):
                for end in (ch, hi):
                    _check_class_char(end, in_range=True)
            items.append(f"{ch}-{hi}")
            i = j
            continue
        if ch == "-":
            dash = True
        elif ch == "^":
            caret = True
        elif ch == "]":
            items.append("%]")
        elif ch == "%":
            items.append("%%")
        else:
            if not (negate or complement):
                _check_class_char(ch, in_range=False)
            items.append(ch)
    if negate or complement:
        return _python_class(p[start:i], {c for c in literals if c.isprintable()}), i
    return _assemble(items, dash, caret), i


def _check_class_char(ch: str, *, in_range: bool) -> None:
    if ch in '"\\' or ord(ch) < 0x20 or ord(ch) == 0x7F:
        raise RegexError(
            f"{ch!r} inside [...] cannot be matched by the engine (it sees it escaped); "
            "use it outside a class or use '.'"
        )
    if in_range and ch in "]%-^":
        raise RegexError(f"{ch!r} cannot be the end of a range in [...]")


def to_engine(pattern: str) -> str:
    """Translate a rule regex (Python syntax, the documented subset) into the engine dialect.

    Raises :class:`RegexError` for anything the engine would silently misread."""
    if not isinstance(pattern, str) or not pattern:
        raise RegexError("an empty regex; use {eq: ''} to test for empty text")
    if len(pattern) > MAX_RULE_REGEX:
        raise RegexError(f"regex longer than {MAX_RULE_REGEX} characters")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise RegexError(f"invalid regex: {exc}") from None
    out: list[str] = []
    i, depth = 0, 0
    quantifiable = False  # whether the previous token can take a quantifier
    # per open group (and the whole pattern): [has '|', holds more than plain text]
    frames: list[list[bool]] = [[False, False]]
    closed: list[bool] | None = None  # the frame of a group that just closed (for its quantifier)

    def plain(is_plain: bool) -> None:
        nonlocal closed
        closed = None
        if not is_plain:
            frames[-1][1] = True

    while i < len(pattern):
        ch = pattern[i]
        if ch in "^$":
            raise RegexError(f"{ch!r} is not supported; {_ANCHOR_HINT}")
        if ch == "\\":
            kind, value, i = _read_escape(pattern, i)
            out.append(_ESCAPE_CLASS[value] if kind == "class" else _literal(value))
            plain(kind != "class")
            quantifiable = True
            continue
        if ch == "[":
            text, i = _translate_class(pattern, i)
            out.append(text)
            plain(False)
            quantifiable = True
            continue
        if ch == "(":
            if pattern.startswith("(?", i):
                raise RegexError("(?...) groups, flags and lookarounds are not supported")
            depth += 1
            out.append("(")
            frames.append([False, False])
            closed = None
            quantifiable = False
            i += 1
            continue
        if ch == ")":
            depth -= 1
            out.append(")")
            closed = frames.pop()
            _check_alternatives(closed)
            if closed[1]:
                frames[-1][1] = True
            quantifiable = True
            i += 1
            continue
        if ch == ".":
            out.append(".")
            plain(False)
            quantifiable = True
            i += 1
            continue
        if ch == "|":
            out.append("|")
            frames[-1][0] = True
            closed = None
            quantifiable = False
            i += 1
            continue
        quant = None
        if ch in "*+?":
            quant, i = ch, i + 1
        elif ch == "{":
            m = _QUANT.match(pattern, i)
            if m and (m.group(1) or m.group(3)) and quantifiable:
                low = int(m.group(1) or 0)
                high = m.group(3)
                if low > MAX_REPEAT_COUNT or (high and int(high) > MAX_REPEAT_COUNT):
                    raise RegexError(f"repetition counts above {MAX_REPEAT_COUNT} are not supported")
                quant = f"{{{low}}}" if not m.group(2) else f"{{{low},{high}}}"
                i = m.end()
        if quant is not None:
            if i < len(pattern) and pattern[i] in "?+":
                raise RegexError("lazy (*?) and possessive (*+) quantifiers are not supported")
            if closed is not None and (closed[1] or quant not in ("?", *(f"{{{n}}}" for n in range(101)))):
                raise RegexError("a repeated group may hold only plain text, repeated with ? or {n}")
            out.append(quant)
            plain(False)
            quantifiable = False
            continue
        out.append(_literal(ch))
        plain(True)
        quantifiable = True
        i += 1
    if depth != 0:  # pragma: no cover - re.compile caught it
        raise RegexError("unbalanced parentheses")
    _check_alternatives(frames[0])
    _check_budget(pattern)
    return "".join(out)


def _check_alternatives(frame: list[bool]) -> None:
    if frame[0] and frame[1]:
        raise RegexError(
            "alternatives (a|b) may hold only plain text (the engine mishandles classes, '.' and repeats "
            "in them); use {in: [...]} or separate rules"
        )


MAX_VARIABLE_REPEATS = 2  # *, +, ?, {m,n} with m != n
MAX_POSITIONS = 64  # characters the pattern spells out once fixed repeats are expanded


def _check_budget(pattern: str) -> None:
    """Refuse patterns the engine's regex compiler is known to get wrong or to choke on.

    durable_rules 2.0.28 turns a regex into a DFA with a construction that explodes quickly and
    mishandles '.' beside overlapping alternatives. Fuzzing against Python's ``re`` showed three
    or more variable-length repeats crashing the process (heap corruption) and alternatives
    holding classes or '.' giving wrong answers (checked in ``to_engine``). What remains can
    still be refused by the engine; ``engine/regex_probe`` tries every rule regex before it is used."""
    variable = 0

    def size(items: list) -> int:
        nonlocal variable
        total = 0
        for op, av in items:
            if op is _sre.SUBPATTERN:
                total += size(list(av[-1]))
            elif op is _sre.BRANCH:
                total += sum(size(list(alt)) for alt in av[1])
            elif op in _REPEATS:
                low, high, body = av
                body = list(body)
                if low != high:
                    variable += 1
                inner = size(body)
                total += inner * (high if high != _MAXREPEAT else max(low, 1))
            else:
                total += 1
        return total

    positions = size(list(_sre_parse.parse(pattern)))
    if variable > MAX_VARIABLE_REPEATS:
        raise RegexError(
            f"{variable} variable repeats (*, +, ?, {{m,n}}); the engine's regex compiler handles at most "
            f"{MAX_VARIABLE_REPEATS} safely: test the parts in separate rules"
        )
    if positions > MAX_POSITIONS:
        raise RegexError(
            f"the pattern spells out {positions} characters; the engine handles at most {MAX_POSITIONS}"
        )


# ---------------------------------------------------------------------------------------------
# Backtracking risk in Python regexes (recognize patterns)
# ---------------------------------------------------------------------------------------------

_ALL = frozenset(range(256))
_MAXREPEAT = _sre.MAXREPEAT
_REPEATS = {_sre.MAX_REPEAT, _sre.MIN_REPEAT}
if hasattr(_sre, "POSSESSIVE_REPEAT"):
    _REPEATS.add(_sre.POSSESSIVE_REPEAT)


@functools.cache
def _category(cat: object) -> frozenset[int]:
    probes = {
        _sre.CATEGORY_DIGIT: r"\d",
        _sre.CATEGORY_NOT_DIGIT: r"\D",
        _sre.CATEGORY_SPACE: r"\s",
        _sre.CATEGORY_NOT_SPACE: r"\S",
        _sre.CATEGORY_WORD: r"\w",
        _sre.CATEGORY_NOT_WORD: r"\W",
    }
    rx = re.compile(probes.get(cat, r"[\s\S]"))
    return frozenset(c for c in range(256) if rx.fullmatch(chr(c)))


@dataclass(frozen=True, slots=True)
class _Info:
    first: frozenset[int]  # characters the item can start with (0..255; others fold to "any")
    nullable: bool


class _Analyzer:
    def __init__(self, ignorecase: bool) -> None:
        self.ignorecase = ignorecase
        self.risk: str | None = None
        self._quiet = False  # inside a repeat's own analysis: don't re-check nested repeats

    def _fold(self, chars: set[int]) -> frozenset[int]:
        if not self.ignorecase:
            return frozenset(chars)
        out = set(chars)
        for c in chars:
            for other in (chr(c).lower(), chr(c).upper()):
                if len(other) == 1 and ord(other) < 256:
                    out.add(ord(other))
        return frozenset(out)

    def seq(self, items: list) -> _Info:
        first: set[int] = set()
        for item in items:
            info = self.item(item)
            first |= info.first
            if not info.nullable:
                return _Info(frozenset(first), False)
        return _Info(frozenset(first), True)

    def item(self, node: tuple) -> _Info:
        op, av = node
        if op is _sre.LITERAL:
            return _Info(self._fold({av}) if av < 256 else _ALL, False)
        if op is _sre.NOT_LITERAL:
            return _Info(_ALL - self._fold({av}) if av < 256 else _ALL, False)
        if op is _sre.ANY:
            return _Info(_ALL, False)
        if op is _sre.IN:
            return _Info(self._in(av), False)
        if op is _sre.BRANCH:
            infos = [self.seq(list(alt)) for alt in av[1]]
            first = frozenset().union(*(i.first for i in infos))
            return _Info(first, any(i.nullable for i in infos))
        if op is _sre.SUBPATTERN:
            return self.seq(list(av[-1]))
        if op in _REPEATS:
            low, high, body = av
            if not self._quiet:
                self._check_repeat(high, list(body))
            info = self.seq(list(body))
            return _Info(info.first, info.nullable or low == 0)
        if op is _sre.AT or op in (_sre.ASSERT, _sre.ASSERT_NOT):
            if op is not _sre.AT:
                self.seq(list(av[1]))
            return _Info(frozenset(), True)
        if hasattr(_sre, "ATOMIC_GROUP") and op is _sre.ATOMIC_GROUP:
            info = self.seq(list(av))
            return info
        return _Info(_ALL, True)  # group references and the like: assume anything

    def _in(self, items: list) -> frozenset[int]:
        chars: set[int] = set()
        negate = False
        for op, av in items:
            if op is _sre.NEGATE:
                negate = True
            elif op is _sre.LITERAL:
                chars.add(av if av < 256 else 0)
            elif op is _sre.RANGE:
                chars.update(range(av[0], min(av[1], 255) + 1))
            elif op is _sre.CATEGORY:
                chars |= _category(av)
        folded = self._fold(chars)
        return _ALL - folded if negate else folded

    def _check_repeat(self, high: int, body: list) -> None:
        """A repeat is dangerous when its body can match one text in several ways."""
        if self.risk or not (high == _MAXREPEAT or high > 50):
            return
        self._quiet = True
        try:
            self.risk = self._repeat_risk(body)
        finally:
            self._quiet = False

    def _repeat_risk(self, body: list) -> str | None:
        whole = self.seq(body)
        flat = _flatten(body)
        for index, (op, av) in enumerate(flat):
            if op is _sre.BRANCH:
                infos = [self.seq(list(alt)) for alt in av[1]]
                for a in range(len(infos)):
                    for b in range(a + 1, len(infos)):
                        if infos[a].first & infos[b].first:
                            return "a repeated group has alternatives that can start alike"
                if any(i.nullable for i in infos):
                    return "a repeated group has an alternative that can match nothing"
            if op in _REPEATS and av[0] != av[1]:
                inner = self.seq(list(av[2]))
                rest = self.seq(flat[index + 1 :])
                follow = rest.first | (whole.first if rest.nullable else frozenset())
                if inner.first & follow:
                    return "nested quantifiers: a repeated group contains a repeat that can overlap"
        return None


def _flatten(items: list) -> list:
    """The body's items with plain groups opened up (their contents are in sequence)."""
    out: list = []
    for op, av in items:
        if op is _sre.SUBPATTERN:
            out.extend(_flatten(list(av[-1])))
        else:
            out.append((op, av))
    return out


def backtracking_risk(pattern: str, *, ignorecase: bool = True) -> str | None:
    """Why ``pattern`` could backtrack catastrophically in Python's ``re``, or None.

    Flags nested quantifiers whose inner repeat can overlap what follows it (``(a+)+``,
    ``(.*)*``, ``(\\w+\\s?)+``) and repeated alternations whose branches can start with the same
    character (``(a|ab)*``); ``(\\w+\\.)+`` is fine (the dot separates the repeats)."""
    try:
        parsed = _sre_parse.parse(pattern, re.IGNORECASE if ignorecase else 0)
    except re.error:
        return None  # reported elsewhere as an invalid regex
    analyzer = _Analyzer(ignorecase)
    analyzer.seq(list(parsed))
    return analyzer.risk


def literal_weight(pattern: str) -> int:
    """How many literal characters a pattern requires: a rough measure of its specificity."""
    try:
        parsed = _sre_parse.parse(pattern, re.IGNORECASE)
    except re.error:
        return 0

    def weight(items: list) -> int:
        total = 0
        for op, av in items:
            if op is _sre.LITERAL:
                total += 1
            elif op is _sre.SUBPATTERN:
                total += weight(list(av[-1]))
            elif op is _sre.BRANCH:
                total += min(weight(list(alt)) for alt in av[1])
            elif op in _REPEATS and av[0] > 0:
                total += weight(list(av[2]))
        return total

    return weight(list(parsed))


def required_literals(pattern: str) -> tuple[str, ...]:
    """Texts every match of ``pattern`` contains, lower-cased: its runs of plain characters at the
    top level (each item of the top-level sequence must match, in order). Only ASCII runs of two
    or more characters are given: a search of ASCII text with ``re.IGNORECASE`` can match them
    only where the lower-cased text holds them (the prefilter of ``recognize``); () when the
    pattern does not parse or has none."""
    try:
        parsed = _sre_parse.parse(pattern, re.IGNORECASE)
    except re.error:
        return ()
    runs: list[str] = []
    run: list[str] = []
    for op, av in [*parsed, (None, None)]:
        if op is _sre.LITERAL:
            run.append(chr(av))
            continue
        text = "".join(run).lower()
        if len(text) >= 2 and text.isascii():
            runs.append(text)
        run = []
    return tuple(runs)
