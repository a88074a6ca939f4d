"""The key tables of the pack format: one per YAML object type, each key's name, value type,
whether it is required and what it means. They are written once: the loader (``parse.py``) checks
files against them and ``schema.py`` generates the JSON Schema from them, so the two cannot drift
apart. Apart from ``model.py`` because nothing else reads them: a diagnosis whose packs come from
the cache never builds them (75 keys, ~0.2 ms of every run, issue 11).
"""

from __future__ import annotations

from ..lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from .model import DEFAULT_CASE_NOW, ENGINE_FORMAT


@dataclass(frozen=True, slots=True)
class Key:
    """One YAML key of a pack object: its name, value type (a token schema.py knows), whether
    it is required, and what it means."""

    name: str
    type: str
    required: bool = False
    doc: str = ""


MANIFEST_KEYS = (
    Key("id", "id", True, "Unique among loaded packs."),
    Key("version", "string", True, 'The pack\'s own version, quoted ("1.0.0").'),
    Key("engine_format", "engine_format", True, f"The pack format this pack needs ({ENGINE_FORMAT})."),
    Key("description", "text", False, "What the pack is for."),
    Key("default_code", "code", False, "Code assumed when the evidence shows no symptom."),
    Key("overrides", "overrides", False, "Explicit local tuning of other packs."),
    Key(
        "min_relaydoctor",
        "version",
        False,
        'The oldest relaydoctor this pack works with ("0.2.0"); an older one refuses the pack.',
    ),
    Key("status", "pack_status", False, "experimental, stable (default) or deprecated; shown by `codes`."),
)
OVERRIDES_KEYS = (
    Key("disable_rules", "id_list", False, "Rule ids (of any loaded pack) that must not run."),
    Key("knowledge", "knowledge_overrides", False, "Cause id -> replacement texts."),
)
RULE_KEYS = (
    Key("id", "id", True, "Unique across all loaded packs, e.g. certificate-name-mismatch.confirmed."),
    Key("cause", "cause_id", True, "The cause this rule concludes about (a knowledge/causes file)."),
    Key(
        "code",
        "code",
        True,
        "The error code (a knowledge/codes file): the cause's own code or a code whose causes list it.",
    ),
    Key("status", "rule_status", True, "What the rule concludes when it fires."),
    Key("description", "text", True, "Why this rule concludes what it concludes."),
    Key("message", "text", False, "One line shown with the verdict; {alias.field} placeholders."),
    Key(
        "when",
        "when",
        True,
        "Patterns that must all hold; `not:` items must not match; `use: FRAGMENT` stands for a "
        "fragment's patterns.",
    ),
    Key("evidence", "alias_list", False, "Aliases whose facts are shown (default: all positive ones)."),
    Key("references", "references", False, "URLs added to the cause's own references."),
    Key(
        "complete",
        "complete_list",
        False,
        "Completeness a confirmed rule resting on an absence relies on: `alias.field` (a boolean "
        "field that must be true) or `not alias.field` (must be false).",
    ),
    Key(
        "subject",
        "subject",
        False,
        "`alias.field`: what the verdict is about (a connector's name, a certificate's thumbprint). "
        "The diagnosis groups the cause's firings by this value and gives one verdict per subject, "
        "each with its own evidence; rules without it give the cause's one verdict as before.",
    ),
)
PATTERN_KEYS = (
    Key("fact", "fact_kind", True, "A fact kind (engine/facts.py FACT_KINDS)."),
    Key("as", "alias", False, "Alias for the matched fact: [a-z][a-z0-9_]*, unique in the rule."),
    Key("where", "where", False, "Field tests; all must hold."),
)
NOT_KEYS = (
    Key("fact", "fact_kind", True, "A fact kind that must NOT be present (with these fields)."),
    Key("where", "where", False, "Field tests; may reference earlier aliases."),
)
USE_KEYS = (
    Key("use", "id", True, "A fragment of this pack (rules/**/fragments/): its patterns stand here."),
)
FRAGMENT_KEYS = (
    Key("fragment", "id", True, "The fragment's name, unique in its pack; rules write `- use: NAME`."),
    Key("description", "text", True, "What the patterns match, for the rules that use them."),
    Key(
        "when",
        "when",
        True,
        "The shared patterns: positive ones need `as` (the rule sees those aliases); `not:` items "
        "and `use:` of other fragments of the pack are allowed; references name only this "
        "fragment's own earlier aliases.",
    ),
)
CODE_KEYS = (
    Key("code", "code", True, 'The code id, e.g. "5.7.64".'),
    Key("title", "text", True, "The reply text the code is known by."),
    Key("summary", "text", False, "One paragraph: what the code means."),
    Key("direction", "direction", True, "Which mail flow the code belongs to."),
    Key("recognize", "regex_list", True, "Python regexes searched case-insensitively in reply text."),
    Key(
        "causes",
        "cause_id_list",
        True,
        "The code's causes, in display order; may name a cause of another code (a shared cause).",
    ),
    Key(
        "residual",
        "id_list",
        False,
        "Causes of this code that remain when the documented checks pass: not asked about while "
        "another cause of the code is confirmed.",
    ),
    Key("references", "references", False, "Documentation links."),
)
CAUSE_KEYS = (
    Key("cause", "cause_id", True, "The cause id: lower-case letters, digits and '-'."),
    Key("code", "code", True, "The cause's home code (other codes may list it too)."),
    Key("title", "text", True, "One line: what is wrong."),
    Key("explanation", "text", True, "Plain-text paragraphs."),
    Key("decided_by", "fact_kind_list", False, "Fact kinds that decide it (for 'what is missing')."),
    Key("question", "question", False, "Asked when the verdict is undetermined."),
    Key("remediation", "remediation", False, "Steps shown for confirmed and likely verdicts."),
    Key("verify", "text", False, "What to look for after the fix."),
    Key("references", "references", False, "Documentation links."),
    Key(
        "replaces",
        "cause_id_list",
        False,
        "Former ids of this cause: `explain OLD` finds it; a case expecting OLD is told the new id.",
    ),
)
QUESTION_KEYS = (
    Key("id", "id", True, "Question id (several causes may share one question)."),
    Key("ask", "text", True, "The question."),
    Key("why", "text", True, "Why the answer matters."),
    Key("answers_with", "text", False, "KEY=VALUE template for --answer."),
    Key("collect", "text", False, "How to collect the evidence instead (a command)."),
)
STEP_KEYS = (
    Key("step", "text", True, "What to do; {alias.field} placeholders are filled as plain text."),
    Key("commands", "string_list", False, "PowerShell templates; placeholders become quoted arguments."),
    Key("only_if", "alias", False, "Show the step only when the concluding rule bound this alias."),
    Key(
        "unless",
        "alias_list",
        False,
        "Hide the step when the concluding rule bound any of these aliases (a general step a specific one "
        "replaces, or advice that the bound fact makes wrong).",
    ),
    Key(
        "labels",
        "string_list",
        False,
        "alias.field=Label: how an unknown value shows (<Label>, marked as needing the user's value).",
    ),
    Key(
        "for_each",
        "field_path",
        False,
        "alias.field of a list field: the step's commands are given once per element, the placeholder "
        "{alias.field} standing for that element (one command per server); an empty list hides the step.",
    ),
)
REFERENCE_KEYS = (
    Key("title", "text", False, "Link text."),
    Key("url", "url", True, "An http(s) URL."),
)
CASE_KEYS = (
    Key("case", "id", True, "Unique across loaded packs."),
    Key("description", "text", False, "What the case shows (a TODO here marks a skeleton)."),
    Key("evidence", "paths", False, "Evidence files or folders, relative to this file, inside the pack."),
    Key("ndr", "string_or_list", False, "NDR / reply text(s) as pasted with --ndr."),
    Key("facts", "facts", False, "Inline facts: {kind: <fact kind>, <field>: <value>, ...}."),
    Key("answers", "answers", False, "KEY: VALUE answers, as given with --answer."),
    Key("now", "datetime", False, f"The evaluation time (default {DEFAULT_CASE_NOW})."),
    Key(
        "expect",
        "expect",
        True,
        "Cause (or cause@code, for a shared cause) -> expected status; causes not named are not checked.",
    ),
    Key(
        "output",
        "case_output",
        False,
        "Cause (or cause@code) -> what its verdict must show: message (a substring of the verdict's "
        "line), commands (filled, each exactly as printed), rules (the ids that concluded it, all of them).",
    ),
    Key("only_confirmed", "boolean", False, "true: no cause but those expected confirmed is confirmed."),
    Key(
        "xfail",
        "text",
        False,
        "A known gap, with the reason: the case is expected to fail; if it passes, rules test says so.",
    ),
)
OUTPUT_KEYS = (
    Key("message", "text", False, "A substring of the verdict's one-line message."),
    Key("commands", "string_list", False, "Filled remediation commands that must be printed, exactly."),
    Key("rules", "id_list", False, "The ids of every rule that concluded the verdict."),
)
