"""The committed JSON Schema of the report (§6.2) accepts what render_json produces and refuses
what the contract forbids."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest
from relaydoctor.engine.report.jsonreport import render_json, report_schema
from reportkit import build_report


@pytest.fixture(scope="module")
def validator():
    schema = report_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def test_schema_is_draft_2020_12(validator):
    assert validator.schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("hostile", [False, True])
def test_hand_built_report_validates(validator, hostile):
    validator.validate(json.loads(render_json(build_report(hostile=hostile))))


def test_empty_report_validates(validator):
    report = build_report()
    report.symptoms, report.verdicts, report.questions, report.evidence = [], [], [], []
    validator.validate(json.loads(render_json(report)))


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("verdicts"),
        lambda d: d.update(schema_version=2),
        lambda d: d["verdicts"][0].update(status="maybe"),
        lambda d: d["verdicts"][0]["evidence"][0].pop("source"),
        lambda d: d["questions"][0].update(answers_with="no equals sign"),
        lambda d: d.update(generated_at="yesterday"),
        lambda d: d["evidence"][0].update(facts=-1),
        lambda d: d.update(surprise=True),
        lambda d: d["verdicts"][0]["remediation"][0].update(commands="Set-X"),
    ],
    ids=["no-verdicts", "version", "status", "evidence-source", "answers-with", "time", "facts", "extra",
         "commands-type"],
)
def test_schema_refuses_contract_breaks(validator, mutate):
    data = copy.deepcopy(json.loads(render_json(build_report())))
    mutate(data)
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(data)


def test_schema_is_installed_as_package_data():
    # pyproject ships engine/schemas/*.json; report_schema() reads it through importlib.resources.
    assert report_schema()["title"] == "relaydoctor diagnosis report"


def _diagnosed(ndr: str):
    import datetime as dt

    from relaydoctor.engine.api import diagnose

    return diagnose([], ndr_texts=[ndr], now=dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC))


def test_unknown_values_stay_visible_with_needs_values(validator):
    """4.7.230 from a pasted reply names no server: the lasting fix ("update the server") still
    shows, with a visible <ExchangeServer> placeholder listed in the additive needs_values."""
    report = _diagnosed(
        "450 4.7.230 Connecting Exchange server version is out-of-date; connection to Exchange Online "
        "throttled for 10 mins/hr."
    )
    data = json.loads(render_json(report))
    validator.validate(data)
    steps = [s for v in data["verdicts"] for s in v["remediation"]]
    update = [s for s in steps if "only lasting fix" in s["step"]]
    assert update and update[0]["needs_values"] == ["<ExchangeServer>"]
    assert "Get-ExchangeServer -Identity <ExchangeServer>" in update[0]["commands"][0]
    assert all("needs_values" not in s or s["needs_values"] for s in steps)  # present only when non-empty


def test_needs_values_shows_in_text_and_markdown():
    from relaydoctor.engine.report import render

    report = _diagnosed(
        "450 4.7.230 Connecting Exchange server version is out-of-date; connection to Exchange Online "
        "throttled for 10 mins/hr."
    )
    assert "needs your value: <ExchangeServer>" in render(report, "text")
    markdown = render(report, "markdown")
    assert "Needs your value: " in markdown and "ExchangeServer" in markdown


@pytest.mark.parametrize("bad", [[], ["ExchangeServer"], "<ExchangeServer>"])
def test_schema_refuses_malformed_needs_values(validator, bad):
    data = copy.deepcopy(json.loads(render_json(build_report())))
    data["verdicts"][0]["remediation"][0]["needs_values"] = bad
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(data)
