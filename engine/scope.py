"""Which objects the reasoning may use, by where they live (issue 10, failure class 3).

- Get-AcceptedDomain from the on-premises organisation is not the tenant's list: it never decides
  whether a domain is accepted by Exchange Online (it is set aside, with a note).
- Objects of two tenants (or two on-premises organisations) are never merged: while the admin has
  not said which one sent the failing mail, none of the competing objects is used, the report says
  what was found and asks (``--answer tenant=<name>`` / ``--answer onprem_org=<name>``).

Objects whose shape did not tell their scope (``unknown``) are used as before: they carry no
name to compare, so they cannot be told apart.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import field

from . import lazyre
from .facts import AcceptedDomain, Fact
from .lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from .results import Question

# Answer key per scope that can have rivals, and what it is called in the report.
SCOPE_KEYS = {"tenant": "tenant", "onprem_org": "onprem_org"}
_WORDS = {"tenant": "Exchange Online tenants", "onprem_org": "on-premises Exchange organisations"}


@dataclass(slots=True)
class ScopeChoice:
    facts: list[Fact]
    notes: list[str] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    set_aside: list[Fact] = field(default_factory=list)


def scope_answer_problem(key: str, value: str, facts: Sequence[Fact]) -> str | None:
    """A ``tenant=``/``onprem_org=`` answer naming none of the ones found (None when it is fine)."""
    if key not in SCOPE_KEYS:
        return None
    found = _names(facts).get(key, [])
    if not found:
        return f"--answer {key}={value}: the evidence names no {key} to choose between"
    if value.strip().lower() not in {n.lower() for n in found}:
        return f"--answer {key}={value}: no {key} of that name in the evidence; found: {', '.join(found)}"
    return None


def choose(facts: Sequence[Fact], answers: Mapping[str, str]) -> ScopeChoice:
    out = ScopeChoice(facts=[])
    names = _names(facts)
    chosen: dict[str, str | None] = {}
    for scope, found in names.items():
        if len(found) < 2:
            continue
        wanted = (answers.get(SCOPE_KEYS[scope]) or "").strip().lower()
        match = next((n for n in found if n.lower() == wanted), None)
        chosen[scope] = match
        where = "; ".join(f"{n} ({', '.join(_sources(facts, scope, n))})" for n in found)
        if match is None:
            out.notes.append(
                f"{len(found)} {_WORDS[scope]} found: {where}. Their objects are not merged and none of "
                f"them is used until you say which one sent the failing mail (--answer {scope}=<name>)"
            )
            out.questions.append(
                Question(
                    id=f"which-{scope.replace('_', '-')}",
                    ask=f"The evidence holds objects of {len(found)} {_WORDS[scope]} ({', '.join(found)}). "
                    "Which one sent the failing mail?",
                    why="Objects of different tenants or organisations are never merged; until you say "
                    "which one, none of their connectors or domains decides a cause.",
                    answers_with=f"{scope}=<{'|'.join(found)}>",
                )
            )
        else:
            out.notes.append(f"{len(found)} {_WORDS[scope]} found: {where}; using {match} as you answered")
    onprem_domains = []
    for fact in facts:
        scope = getattr(fact, "scope", None)
        sid = getattr(fact, "scope_id", "")
        rivals = {n.lower() for n in names.get(scope, [])} if scope in chosen else set()
        if sid.lower() in rivals and (chosen[scope] is None or sid.lower() != chosen[scope].lower()):
            out.set_aside.append(fact)
        elif isinstance(fact, AcceptedDomain) and scope == "onprem_org":
            onprem_domains.append(fact)
            out.set_aside.append(fact)
        else:
            out.facts.append(fact)
    if onprem_domains:
        files = sorted({f.provenance.source for f in onprem_domains})
        out.notes.append(
            f"{len(onprem_domains)} accepted domain(s) from the on-premises organisation "
            f"({', '.join(files)}) are not the tenant's accepted domains and were not used to decide "
            "domain-not-accepted: "
            "run Get-AcceptedDomain in Exchange Online PowerShell (Connect-ExchangeOnline)"
        )
    return out


def _names(facts: Sequence[Fact]) -> dict[str, list[str]]:
    """Per scope with rivals possible, the distinct names found (in name order, case-insensitive).

    A tenant is named by its domain (``contoso.onmicrosoft.com``) in Exchange objects and by its
    GUID in sign-in logs: names of different forms cannot be compared, so they are rivals only
    within one form (the form with the most names wins)."""
    out: dict[str, dict[str, dict[str, str]]] = {}
    for fact in facts:
        scope = getattr(fact, "scope", None)
        sid = getattr(fact, "scope_id", "")
        if scope in SCOPE_KEYS and sid:
            form = "guid" if _GUID.match(sid) else "name"
            out.setdefault(scope, {}).setdefault(form, {}).setdefault(sid.lower(), sid)
    result: dict[str, list[str]] = {}
    for scope, forms in out.items():
        names = max(forms.values(), key=len)
        result[scope] = [names[k] for k in sorted(names)]
    return result


_GUID = lazyre.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


def _sources(facts: Sequence[Fact], scope: str, name: str) -> list[str]:
    files = {
        f.provenance.source
        for f in facts
        if getattr(f, "scope", None) == scope and getattr(f, "scope_id", "").lower() == name.lower()
    }
    return sorted(files)[:3]
