"""Lint for pack mistakes that load, compile and pass ``rules test`` without a word.

Each check here found a mistake a pack author made and nothing reported (issue 14): a
recognition pattern that takes over another code's replies, a placeholder written inside
quotes (relaydoctor quotes every value itself), a question whose answer no rule reads, and a
remediation placeholder naming a field its fact kind does not have. Every finding is
``path:line: message`` at the line to change.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..errors import PackError
from ..lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from .model import ANSWER_ALIAS, POSITIVE_STATUSES, CauseDef, FieldTest, Loc, Packs, RemediationDef, RuleDef
from .parse import _suggest, field_specs
from .templates import PLACEHOLDER, placeholders

try:  # the budgeted engine recognition uses: a pack pattern may backtrack on a sample text
    import regex as _engine

    _FLAGS = _engine.IGNORECASE | _engine.V0
except ImportError:  # pragma: no cover - regex is a declared dependency
    _engine = re  # type: ignore[assignment]
    _FLAGS = re.IGNORECASE

_SEARCH_BUDGET = 0.25  # seconds per pattern and text
# answer keys the engine reads itself, not through a rule (relations/ips.py: the egress IP)
ENGINE_ANSWER_KEYS = frozenset({"egress_ip"})


# ---------------------------------------------------------------------------------------------
# Recognition patterns that take over other codes' replies
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reply:
    """A reply text that belongs to known codes, and where it was written."""

    text: str
    owners: frozenset[str]
    where: str


def _case_owners(packs: Packs, expect: dict[str, str] | object) -> frozenset[str]:
    owners = set()
    for key in expect:  # type: ignore[attr-defined]
        cause, _, code = key.partition("@")
        if code:
            owners.add(code)
        elif cause in packs.causes:
            owners.add(packs.causes[cause].code)
    return frozenset(owners)


def known_replies(packs: Packs) -> list[Reply]:
    """Each code's title (with its id in front when the title does not name it), every case's
    NDR texts (owned by the codes whose causes the case expects) and every inline symptom."""
    out: list[Reply] = []
    for code in packs.codes.values():
        if code.title:
            text = code.title if code.code in code.title else f"{code.code} {code.title}"
            out.append(Reply(text, frozenset({code.code}), f"{code.loc.ref()} (its title)"))
    for case in packs.cases:
        owners = _case_owners(packs, case.expect)
        if owners:
            out.extend(Reply(t, owners, f"case {case.case} ({case.loc.ref()})") for t in case.ndr)
        for fact in case.facts:
            data = fact.data
            # a symptom's code is a pack code when one recognised it, else the raw status
            text = data.get("text")
            if data.get("kind") == "symptom" and isinstance(text, str) and data.get("code") in packs.codes:
                where = f"case {case.case} ({case.loc.at(fact.line).ref()})"
                out.append(Reply(data["text"], frozenset({str(data["code"])}), where))
    return [r for r in out if r.text.strip()]


def _finds(pattern: str, text: str) -> bool:
    try:
        rx = _engine.compile(pattern, _FLAGS)
        if _engine is re:  # pragma: no cover
            return bool(rx.search(text))
        return bool(rx.search(text, timeout=_SEARCH_BUDGET))
    except (re.error, TimeoutError, getattr(_engine, "error", re.error)):
        return False  # a bad or backtracking pattern is reported by its own check


def recognize_takeovers(packs: Packs) -> list[PackError]:
    """A code's pattern that finds a reply of another code would read that reply as its own."""
    out: list[PackError] = []
    replies = known_replies(packs)
    for code in packs.codes.values():
        lines = code.recognize_lines or (code.loc.line,) * len(code.recognize)
        for pattern, line in zip(code.recognize, lines, strict=False):
            for reply in replies:
                if code.code in reply.owners or not _finds(pattern, reply.text):
                    continue
                others = ", ".join(sorted(reply.owners))
                out.append(
                    code.loc.at(line).error(
                        f"code {code.code}: recognize pattern {pattern!r} also finds a reply of code "
                        f"{others} ({reply.text[:80]!r}, {reply.where}), so that reply could be read "
                        f"as {code.code}: make the pattern name what only {code.code}'s replies say"
                    )
                )
                break  # one finding per pattern is enough to act on
    return out


# ---------------------------------------------------------------------------------------------
# Remediation placeholders
# ---------------------------------------------------------------------------------------------


def _step_texts(step: RemediationDef) -> Iterator[tuple[str, int | None, bool]]:
    """(text, line, is_command) for the step text and each command, at its own line."""
    yield step.step, step.line, False
    lines = step.command_lines or (step.line,) * len(step.commands)
    for command, line in zip(step.commands, lines, strict=False):
        yield command, line if line is not None else step.line, True


def quoted_spans(command: str) -> list[tuple[int, int]]:
    """(start, end) of each PowerShell quoted string in ``command`` ('' and `" are escapes)."""
    spans = []
    i, n = 0, len(command)
    while i < n:
        quote = command[i]
        if quote not in "'\"":
            i += 1
            continue
        j = i + 1
        while j < n:
            if quote == '"' and command[j] == "`":
                j += 2
                continue
            if command[j] == quote:
                if j + 1 < n and command[j + 1] == quote:  # doubled quote: an escaped quote
                    j += 2
                    continue
                break
            j += 1
        spans.append((i, min(j, n)))
        i = j + 1
    return spans


def quoted_placeholders(command: str) -> list[str]:
    """Placeholders written inside a quoted string of a command."""
    spans = quoted_spans(command)
    return [
        m.group(0)
        for m in PLACEHOLDER.finditer(command)
        if any(start < m.start() and m.end() <= end for start, end in spans)
    ]


def _shown_under(step: RemediationDef, rules: list[RuleDef]) -> list[RuleDef]:
    return [
        r
        for r in rules
        if (not step.only_if or step.only_if in r.aliases) and not any(a in r.aliases for a in step.unless)
    ]


def _binds(rule: RuleDef, alias: str, name: str) -> bool:
    kind = rule.aliases.get(alias)
    return kind is not None and name in field_specs(kind)


def _step_findings(cause: CauseDef, step: RemediationDef, shown: list[RuleDef]) -> list[PackError]:
    out: list[PackError] = []
    for text, line, is_command in _step_texts(step):
        where = cause.loc.at(line)
        if is_command:
            for ph in quoted_placeholders(text):
                out.append(
                    where.error(
                        f"cause {cause.cause}: placeholder {ph} is inside quotes; relaydoctor quotes "
                        f"every value itself ('...'), so the command would read ''value'' (broken "
                        f"PowerShell): write {ph} without quotes around it"
                    )
                )
        for alias, name in dict.fromkeys(placeholders(text)):
            if alias == ANSWER_ALIAS or not shown:
                continue
            with_alias = [r for r in shown if alias in r.aliases]
            if with_alias and not any(_binds(r, alias, name) for r in with_alias):
                kinds = sorted({r.aliases[alias] for r in with_alias})
                specs = {n for k in kinds for n in field_specs(k)}
                out.append(
                    where.error(
                        f"cause {cause.cause}: placeholder {{{alias}.{name}}}: {' / '.join(kinds)} has "
                        f"no field {name!r}{_suggest(name, specs)}"
                    )
                )
                continue
    return out


def placeholder_findings(packs: Packs) -> list[PackError]:
    """Quoted placeholders and fields a placeholder's kind lacks, per (code, cause) pair. (A
    placeholder only some concluding rules fill is not silent: the report lists every value it
    could not fill as needing the user's value.)"""
    found: dict[str, PackError] = {}
    for cause in packs.causes.values():
        codes = packs.codes_for(cause.cause)
        for code_id in codes:
            positive = [r for r in packs.rules_for(cause.cause, code_id) if r.status in POSITIVE_STATUSES]
            for step in cause.remediation:
                # a step no rule shows is reported as such by lint; check it against them all
                for err in _step_findings(cause, step, _shown_under(step, positive) or positive):
                    found.setdefault(err.one_line(), err)
    return list(found.values())


# ---------------------------------------------------------------------------------------------
# Questions whose answer no rule reads
# ---------------------------------------------------------------------------------------------


def _answer_keys_read(packs: Packs) -> tuple[set[str], list[str]]:
    """Answer keys the rules test (eq / in), and the regexes they test keys with."""
    keys: set[str] = set()
    regexes: list[str] = []
    for rule in packs.rules:
        for pattern in rule.when:
            if pattern.kind != "answer":
                continue
            for test in pattern.field_tests():
                if test.field != "key":
                    continue
                _collect(test, keys, regexes)
    for cause in packs.causes.values():
        for step in cause.remediation:
            for text, _, _ in _step_texts(step):
                keys.update(name for alias, name in placeholders(text) if alias == ANSWER_ALIAS)
    return keys, regexes


def _collect(test: FieldTest, keys: set[str], regexes: list[str]) -> None:
    if test.op == "eq" and isinstance(test.value, str):
        keys.add(test.value)
    elif test.op == "in" and isinstance(test.value, tuple):
        keys.update(v for v in test.value if isinstance(v, str))
    elif test.op in ("matches", "imatches") and isinstance(test.value, str):
        regexes.append(test.value)


def question_key(answers_with: str) -> str | None:
    """The KEY of a question's ``answers_with: "KEY=<...>"``."""
    key, sep, _ = answers_with.partition("=")
    return key.strip() if sep and key.strip() else None


def unread_questions(packs: Packs) -> list[PackError]:
    keys, regexes = _answer_keys_read(packs)
    keys |= ENGINE_ANSWER_KEYS
    out: list[PackError] = []
    seen: set[str] = set()
    for cause in packs.causes.values():
        q = cause.question
        if q is None or not q.answers_with:
            continue
        key = question_key(q.answers_with)
        if key is None or key in keys or key in seen:
            continue
        if any(_finds(rx if rx.startswith("^") else f"^(?:{rx})", key) for rx in regexes):
            continue
        seen.add(key)
        close = _suggest(key, keys)
        out.append(
            Loc(cause.loc.path, q.line or cause.loc.line).error(
                f"cause {cause.cause}: question {q.id} asks for {key}=..., but no rule reads the answer "
                f"key {key!r} (fact: answer, where: {{key: {key}}}){close}, so answering it changes nothing"
            )
        )
    return out


def silent_findings(packs: Packs) -> list[PackError]:
    """Every finding of this module."""
    return [*recognize_takeovers(packs), *placeholder_findings(packs), *unread_questions(packs)]
