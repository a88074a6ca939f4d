"""One status vocabulary: order, labels and the JSON text of a verdict's status."""

from __future__ import annotations

import json

import pytest
from relaydoctor.engine.results import Verdict
from relaydoctor.engine.status import RULE_STATUSES, STATUS_ORDER, Status, status_rank


def test_report_order_is_confirmed_likely_undetermined_ruled_out() -> None:
    assert [s.value for s in STATUS_ORDER] == ["confirmed", "likely", "undetermined", "ruled_out"]
    assert [s.rank for s in STATUS_ORDER] == [0, 1, 2, 3]
    assert status_rank("maybe") == len(STATUS_ORDER)


def test_labels() -> None:
    assert [s.label for s in Status] == ["Confirmed", "Likely", "Undetermined", "Ruled out"]
    assert Status.UNDETERMINED.short_label == "Open" and Status.RULED_OUT.short_label == "Ruled out"


def test_open_and_positive() -> None:
    assert {s for s in Status if s.positive} == {Status.CONFIRMED, Status.LIKELY}
    assert {s for s in Status if s.open} == {Status.LIKELY, Status.UNDETERMINED}
    assert Status.UNDETERMINED not in RULE_STATUSES


def test_a_status_is_its_json_text() -> None:
    verdict = Verdict(cause="c", code="5.7.64", status="ruled_out", title="t")
    assert verdict.status is Status.RULED_OUT and verdict.status == "ruled_out"
    assert json.loads(json.dumps(verdict.to_json()))["status"] == "ruled_out"
    assert f"{verdict.status}" == "ruled_out"


def test_a_verdict_refuses_an_unknown_status() -> None:
    with pytest.raises(ValueError, match="maybe"):
        Verdict(cause="c", code="5.7.64", status="maybe", title="t")
