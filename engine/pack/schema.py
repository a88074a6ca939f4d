"""The JSON Schema of pack files, generated from the model's key tables and the fact registry.

``python -m relaydoctor.engine.pack.schema > engine/schemas/pack.schema.json`` regenerates the
committed file; a test keeps the two equal. Editors validate pack YAML with it (every fact kind,
field and enum value is spelled out, so they can also complete them). The loader remains the
authority: it also checks what a schema cannot (references to earlier aliases, regex dialect,
cross-file ids).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ..facts import FACT_KINDS, FieldSpec
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
    ANSWER_KEY_RE,
    CASE_STATUSES,
    CAUSE_ID_RE,
    CODE_RE,
    DIRECTIONS,
    ENGINE_FORMAT,
    EXPECT_KEY_RE,
    ID_RE,
    KNOWLEDGE_OVERRIDE_FIELDS,
    PACK_STATUSES,
    RULE_STATUSES,
    URL_RE,
    VERSION_RE,
)
from .parse import field_specs, required_fields

SCHEMA_ID = "https://relaydoctor.invalid/schemas/pack.schema.json"


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/$defs/{name}"}


def _strings(item: dict[str, Any] | None = None, *, min_items: int = 0) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "array", "items": item or {"type": "string"}}
    if min_items:
        out["minItems"] = min_items
    return out


_KINDS = sorted(FACT_KINDS)


_COMPLETE_PATTERN = r"^(not )?[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$"


def _type(token: str) -> dict[str, Any]:
    """The schema of one key type token used in the model's key tables."""
    text = {"type": "string"}
    table: dict[str, dict[str, Any]] = {
        "id": {"type": "string", "pattern": ID_RE.pattern},
        "code": {"type": "string", "pattern": CODE_RE.pattern},
        "string": text,
        "text": text,
        "datetime": text,
        "url": {"type": "string", "pattern": URL_RE.pattern},
        "alias": {"type": "string", "pattern": ALIAS_RE.pattern, "not": {"const": "answer"}},
        "engine_format": {"type": "integer", "minimum": 1, "maximum": ENGINE_FORMAT},
        "rule_status": {"enum": list(RULE_STATUSES)},
        "direction": {"enum": list(DIRECTIONS)},
        "fact_kind": {"enum": _KINDS},
        "id_list": _strings({"type": "string", "pattern": ID_RE.pattern}),
        "cause_id": {"type": "string", "pattern": CAUSE_ID_RE.pattern},
        "cause_id_list": _strings({"type": "string", "pattern": CAUSE_ID_RE.pattern}),
        "alias_list": _strings(_ref("alias")),
        "complete_list": _strings({"type": "string", "pattern": _COMPLETE_PATTERN}),
        "subject": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$"},
        "string_list": _strings(),
        "regex_list": _strings(min_items=1),
        "fact_kind_list": _strings({"enum": _KINDS}),
        "paths": {"anyOf": [text, _strings()]},
        "string_or_list": {"anyOf": [text, _strings()]},
        "references": _strings({"anyOf": [_ref("url"), _ref("reference")]}),
        "overrides": _ref("overrides"),
        "knowledge_overrides": {
            "type": "object",
            "propertyNames": {"pattern": ID_RE.pattern},
            "additionalProperties": {
                "type": "object",
                "properties": {name: text for name in KNOWLEDGE_OVERRIDE_FIELDS},
                "additionalProperties": False,
            },
        },
        "question": _ref("question"),
        "remediation": _strings(_ref("step")),
        "when": _strings(_ref("when_item"), min_items=1),
        "facts": _strings(_ref("fact")),
        "answers": {
            "type": "object",
            "propertyNames": {"pattern": ANSWER_KEY_RE.pattern},
            "additionalProperties": {"type": ["string", "integer", "boolean"]},
        },
        "boolean": {"type": "boolean"},
        "version": {"type": "string", "pattern": VERSION_RE.pattern},
        "pack_status": {"enum": list(PACK_STATUSES)},
        "case_output": {
            "type": "object",
            "propertyNames": {"pattern": EXPECT_KEY_RE.pattern},
            "additionalProperties": _ref("output"),
        },
        "expect": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"pattern": EXPECT_KEY_RE.pattern},
            "additionalProperties": {"enum": list(CASE_STATUSES)},
        },
        "field_path": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$"},
    }
    return dict(table[token])


def _object(keys: tuple[Key, ...], **replace: dict[str, Any]) -> dict[str, Any]:
    props = {}
    for k in keys:
        prop = replace.get(k.name) or _type(k.type)
        props[k.name] = {**prop, "description": k.doc} if k.doc else prop
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    required = [k.name for k in keys if k.required]
    if required:
        out["required"] = required
    return out


# -- field tests --------------------------------------------------------------------------------


def _value(spec: FieldSpec) -> dict[str, Any]:
    if spec.enum is not None:
        return {"enum": list(spec.enum)}
    return {
        "type": {"string": "string", "integer": "integer", "boolean": "boolean", "list": "string"}[spec.type]
    }


def _field_test(spec: FieldSpec) -> dict[str, Any]:
    """A where-entry for one field: a plain value, a {ref}, or an operator mapping."""
    value = _value(spec)
    ops: dict[str, Any] = {}
    if spec.type == "list":
        ops["contains"] = value
    else:
        value_or_ref = {"anyOf": [value, _ref("ref")]}
        ops.update({"eq": value_or_ref, "ne": value_or_ref})
        ops.update({"in": _strings(value, min_items=1), "not_in": _strings(value, min_items=1)})
        if spec.type == "integer":
            ops.update(
                {op: {"anyOf": [{"type": "integer"}, _ref("ref")]} for op in ("gt", "gte", "lt", "lte")}
            )
        if spec.type == "string":
            ops.update(
                {
                    "matches": {"type": "string", "minLength": 1},
                    "imatches": {"type": "string", "minLength": 1},
                }
            )
    ops.update({"exists": {"const": True}, "missing": {"const": True}})
    if spec.type != "list":
        ops["ref"] = _ref("ref_path")
    operator = {"type": "object", "minProperties": 1, "properties": ops, "additionalProperties": False}
    return operator if spec.type == "list" else {"anyOf": [value, operator]}


def _shared_field_test(spec: FieldSpec) -> dict[str, Any]:
    """Fields without an enum share one definition per type."""
    return _ref(f"test.{spec.type}") if spec.enum is None else _field_test(spec)


def _where(kind: str) -> dict[str, Any]:
    props = {name: _shared_field_test(spec) for name, spec in field_specs(kind).items()}
    props["any_of"] = _strings(_ref(f"where.{kind}"), min_items=1)
    return {"type": "object", "properties": props, "additionalProperties": False}


def _inline_fact(kind: str) -> dict[str, Any]:
    props: dict[str, Any] = {"kind": {"const": kind}}
    required = ["kind"]
    for name, spec in field_specs(kind).items():
        value = _value(spec)
        props[name] = {"anyOf": [_strings(value), value]} if spec.type == "list" else value
    required.extend(required_fields(kind))
    return {"type": "object", "properties": props, "required": required, "additionalProperties": False}


def build_schema() -> dict[str, Any]:
    """The whole schema: one of the six pack file types."""
    defs: dict[str, Any] = {
        "manifest": {**_object(MANIFEST_KEYS), "title": "pack.yaml"},
        "overrides": _object(OVERRIDES_KEYS),
        "rule": {**_object(RULE_KEYS), "title": "rule file (rules/<code>/<cause>/<rule>.yaml)"},
        "case": {**_object(CASE_KEYS), "title": "case file (rules/<code>/cases/<case>.yaml)"},
        "code": {**_object(CODE_KEYS), "title": "code file (knowledge/codes/<code>.yaml)"},
        "cause": {**_object(CAUSE_KEYS), "title": "cause file (knowledge/causes/<cause>.yaml)"},
        "fragment": {**_object(FRAGMENT_KEYS), "title": "fragment file (rules/**/fragments/<name>.yaml)"},
        "question": _object(QUESTION_KEYS),
        "step": _object(STEP_KEYS),
        "output": _object(OUTPUT_KEYS),
        "reference": _object(REFERENCE_KEYS),
        "url": _type("url"),
        "alias": _type("alias"),
        "ref_path": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*\.[a-z_][a-z0-9_]*$"},
        "ref": {
            "type": "object",
            "properties": {"ref": _ref("ref_path")},
            "required": ["ref"],
            "additionalProperties": False,
        },
        "when_item": {
            "oneOf": [
                *(_ref(f"pattern.{k}") for k in _KINDS),
                {
                    "type": "object",
                    "properties": {"not": {"oneOf": [_ref(f"not.{k}") for k in _KINDS]}},
                    "required": ["not"],
                    "additionalProperties": False,
                },
                _object(USE_KEYS),
            ]
        },
        "fact": {"oneOf": [_ref(f"fact.{k}") for k in _KINDS]},
    }
    for type_name in ("string", "integer", "boolean", "list"):
        defs[f"test.{type_name}"] = _field_test(FieldSpec("x", type_name, True))
    for kind in _KINDS:
        doc = FACT_KINDS[kind].DOC
        defs[f"pattern.{kind}"] = {
            **_object(PATTERN_KEYS, fact={"const": kind}, where=_ref(f"where.{kind}")),
            "description": doc,
        }
        defs[f"not.{kind}"] = _object(NOT_KEYS, fact={"const": kind}, where=_ref(f"where.{kind}"))
        defs[f"where.{kind}"] = _where(kind)
        defs[f"fact.{kind}"] = {**_inline_fact(kind), "description": doc}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "relaydoctor knowledge pack file",
        "description": "One file of a relaydoctor pack: pack.yaml, a rule, a case, a code or a cause "
        "(docs/pack-format.md). Generated by `python -m relaydoctor.engine.pack.schema`; do not edit.",
        "oneOf": [_ref(name) for name in ("manifest", "rule", "case", "code", "cause", "fragment")],
        "$defs": defs,
    }


def schema_text() -> str:
    return json.dumps(build_schema(), indent=2) + "\n"


# One schema per file kind, for editors: an error then names the key of THAT file kind instead of
# "matches none of six". File name -> the $defs entry it validates.
FILE_SCHEMAS = {
    "manifest": "manifest",
    "code": "code",
    "cause": "cause",
    "rule": "rule",
    "case": "case",
    "fragment": "fragment",
}
FILE_SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas" / "pack"


def file_schema(kind: str) -> dict[str, Any]:
    """The schema of one file kind: the whole set of definitions, rooted at that kind."""
    whole = build_schema()
    defs = whole["$defs"]
    root = defs[FILE_SCHEMAS[kind]]
    return {
        "$schema": whole["$schema"],
        "title": f"relaydoctor {root.get('title', kind)}",
        "description": "Generated by `python -m relaydoctor.engine.pack.schema --write`; do not edit.",
        "$ref": f"#/$defs/{FILE_SCHEMAS[kind]}",
        "$defs": {name: defs[name] for name in sorted(_reachable(defs, FILE_SCHEMAS[kind]))},
    }


def _reachable(defs: dict[str, Any], start: str) -> set[str]:
    """The definitions ``start`` refers to, directly or not (and itself)."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        stack: list[Any] = [defs[name]]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str) and ref.startswith("#/$defs/"):
                    todo.append(ref.removeprefix("#/$defs/"))
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
    return seen


def file_schema_text(kind: str) -> str:
    return json.dumps(file_schema(kind), indent=2) + "\n"


def file_schema_path(kind: str) -> Path:
    """Where the installed schema of ``kind`` is (``engine/schemas/pack/<kind>.schema.json``)."""
    return FILE_SCHEMA_DIR / f"{kind}.schema.json"


def modeline(kind: str) -> str:
    """The first line ``rules new`` writes: the YAML language server (VS Code's YAML extension)
    validates the file against the installed schema of its kind."""
    return f"# yaml-language-server: $schema={file_schema_path(kind).as_uri()}\n"


def write_schemas() -> list[Path]:
    """Regenerate every committed pack schema (the combined one and one per file kind)."""
    combined = FILE_SCHEMA_DIR.parent / "pack.schema.json"
    combined.write_text(schema_text(), encoding="utf-8")
    FILE_SCHEMA_DIR.mkdir(exist_ok=True)
    written = [combined]
    for kind in FILE_SCHEMAS:
        file_schema_path(kind).write_text(file_schema_text(kind), encoding="utf-8")
        written.append(file_schema_path(kind))
    return written


def main() -> int:
    if sys.argv[1:] == ["--write"]:
        for path in write_schemas():
            sys.stdout.write(f"wrote {path}\n")
        return 0
    sys.stdout.write(schema_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
