"""The committed JSON Schema of pack files: current, valid, and in agreement with the loader."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from packkit import standard_pack
from relaydoctor.engine.pack.schema import schema_text
from relaydoctor.engine.paths import builtin_dir

REPO = Path(__file__).resolve().parents[3]
COMMITTED = REPO / "engine" / "schemas" / "pack.schema.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(COMMITTED.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_committed_schema_is_current() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == schema_text(), (
        "engine/schemas/pack.schema.json is stale: run "
        "`python -m relaydoctor.engine.pack.schema > engine/schemas/pack.schema.json`"
    )


def test_every_file_of_a_valid_pack_validates(
    tmp_path: Path, validator: jsonschema.Draft202012Validator
) -> None:
    root = standard_pack(tmp_path / "p")
    files = sorted(root.rglob("*.yaml"))
    assert len(files) == 8
    for path in files:
        errors = list(validator.iter_errors(yaml.safe_load(path.read_text())))
        assert errors == [], (path, [e.message for e in errors])


def test_builtin_pack_files_validate(validator: jsonschema.Draft202012Validator) -> None:
    files = [
        *builtin_dir("rules").rglob("*.yaml"),
        *(builtin_dir("knowledge") / "codes").glob("*.yaml"),
        *(builtin_dir("knowledge") / "causes").glob("*.yaml"),
        builtin_dir("knowledge") / "pack.yaml",
    ]
    for path in files:
        errors = list(validator.iter_errors(yaml.safe_load(path.read_text(encoding="utf-8"))))
        assert errors == [], (str(path), jsonschema.exceptions.best_match(errors).message)


RULE = {
    "id": "x.y",
    "cause": "x",
    "code": "9.9.9",
    "status": "confirmed",
    "description": "d",
    "when": [
        {"fact": "smtp_session", "as": "s", "where": {"tls": "negotiated", "sessions": {"gte": 2}}},
        {"not": {"fact": "answer", "where": {"key": "k", "value": {"ref": "s.connector"}}}},
    ],
}


def _with(path: list[object], value: object) -> dict:
    data = json.loads(json.dumps(RULE))
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


@pytest.mark.parametrize(
    "bad",
    [
        _with(["status"], "maybe"),
        _with(["colour"], "red"),
        _with(["when", 0, "fact"], "smtp_sesion"),
        _with(["when", 0, "where", "colour"], "blue"),
        _with(["when", 0, "where", "tls"], "sideways"),
        _with(["when", 0, "where", "sessions"], "3"),
        _with(["when", 0, "where", "sessions"], {"between": 1}),
        _with(["when", 0, "where", "to_eop"], {"gt": 1}),
        _with(["when", 0, "where", "cert_sans"], "x"),
        _with(["when", 0, "as"], "answer"),
        _with(["when", 1, "not", "as"], "n"),
        _with(["when"], []),
        _with(["id"], "Bad Id"),
    ],
)
def test_schema_rejects_what_the_loader_rejects(
    bad: dict, validator: jsonschema.Draft202012Validator
) -> None:
    assert not validator.is_valid(bad)
    assert validator.is_valid(RULE)


def test_schema_knows_every_kind_of_file(validator: jsonschema.Draft202012Validator) -> None:
    assert validator.is_valid({"id": "p", "version": "1", "engine_format": 1})
    assert not validator.is_valid({"id": "p", "version": "1", "engine_format": 2})
    assert validator.is_valid(
        {
            "case": "c",
            "expect": {"x": "undetermined"},
            "facts": [{"kind": "answer", "key": "k", "value": "v"}],
        }
    )
    assert not validator.is_valid(
        {"case": "c", "expect": {"x": "undetermined"}, "facts": [{"kind": "answer", "key": "k"}]}
    )
    assert validator.is_valid(
        {
            "code": "1",
            "title": "t",
            "direction": "onprem",
            "recognize": ["x"],
            "causes": [],
            "references": ["https://x"],
        }
    )
    assert validator.is_valid(
        {"cause": "c", "code": "1", "title": "t", "explanation": "e", "remediation": [{"step": "s"}]}
    )
    assert not validator.is_valid(
        {"cause": "c", "code": "1", "title": "t", "explanation": "e", "remediation": ["s"]}
    )
