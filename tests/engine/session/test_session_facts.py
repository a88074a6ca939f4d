"""Facts are validated before they reach the engine, and the engine's identity traps are removed."""

from __future__ import annotations

import pytest
from relaydoctor.engine.errors import EngineError
from relaydoctor.engine.facts import Provenance, Symptom
from relaydoctor.engine.session import MAX_PROPERTIES, validate_fact
from session_kit import fired, kind, rule, ruleset

ANY_X = ruleset(rule("any-x", {"x": kind("x")}))


@pytest.mark.parametrize(
    ("fact", "needle"),
    [
        ({"t": "x", "id": "a"}, "'id'"),  # the engine's identity: joins on it never fire
        ({"t": "x", "sid": 1}, "'sid'"),
        ({"t": "x", "$s": 1}, "'$s'"),
        ({"t": "x", "__key": 3}, "'__key'"),  # the facade's own key field cannot be forged
        ({"t": "x", "": 3}, "''"),
        ({"t": "x", "o": {"p": 1}}, "dict"),
        ({"t": "x", "l": [[1]]}, "list"),
        ({"t": "x", "l": [{"a": 1}]}, "dict"),
        ({"t": "x", "n": None}, "NoneType"),
        ({"t": "x", "f": float("inf")}, "non-finite"),
        ({"t": "x", "f": float("nan")}, "non-finite"),
        ({"t": "x", "f": 1e-05}, "cannot parse"),  # json writes 1e-05: engine error 204
        ({"t": "x", "l": [1e16]}, "cannot parse"),
        ({"t": "x", "i": 2**63}, "64 bits"),  # saturates in the engine: 2**63 == 2**64 there
        ({"t": "x", "s": "\ud800"}, "Unicode"),  # the C argument parser refuses it
        ({"t": "x", "b": b"bytes"}, "bytes"),
    ],
)
def test_bad_fields_rejected_naming_the_kind(engine, fact, needle):
    with pytest.raises(EngineError, match="x fact") as err:
        engine.run(ANY_X, [{"t": "y"}, fact])
    assert needle in str(err.value)


@pytest.mark.parametrize("bad", [{}, {"t": 1}, {"t": ""}, {"t": "__phase", "n": 1}, {"t": "__init"}, "x"])
def test_kind_must_be_a_plain_string(engine, bad):
    with pytest.raises(EngineError, match="kind"):
        engine.run(ANY_X, [bad])


def test_property_count_is_bounded(engine):
    ok = {"t": "x", **{f"f{i}": i for i in range(MAX_PROPERTIES - 1)}}
    assert fired(engine.run(ANY_X, [ok])) == [("any-x", {"x": 0})]  # 200 reach the engine fine
    with pytest.raises(EngineError, match=r"x fact has 201 fields"):
        engine.run(ANY_X, [{**ok, "one_more": 1}])


def test_parseable_floats_and_edge_values_pass_through(engine):
    rs = ruleset(rule("big", {"x": kind("x", {"$gt": {"v": 1e15}})}))
    facts = [{"t": "x", "v": 1.5e16}, {"t": "x", "v": -2.5e-07}, {"t": "x", "v": 2**63 - 1}]
    assert fired(engine.run(rs, facts)) == [("big", {"x": 0}), ("big", {"x": 2})]
    assert validate_fact({"t": "x", "s": "a\x00b", "l": (1, "a", True)}) == {
        "t": "x",
        "s": "a\x00b",
        "l": [1, "a", True],
    }


def test_int_and_text_one_are_distinct_facts(engine):
    """The engine's own identity hashes value text, so {v:1} and {v:'1'} would be one fact
    (the second refused). The facade gives each its own id: both are stored and counted."""
    facts = [{"t": "x", "v": 1}, {"t": "x", "v": "1"}, {"t": "x", "v": 1.0}, {"t": "x", "v": True}]
    assert fired(engine.run(ANY_X, facts)) == [("any-x", {"x": k}) for k in range(4)]
    # Matching still coerces (documented in pack-format.md: don't mix types in one field).
    rs = ruleset(rule("int", {"x": kind("x", {"v": 1})}), rule("text", {"x": kind("x", {"v": "1"})}))
    assert fired(engine.run(rs, facts)) == [
        *(("int", {"x": k}) for k in range(4)),
        ("text", {"x": 0}),
        ("text", {"x": 1}),
    ]


def test_duplicate_facts_are_deduplicated_not_refused(engine):
    facts = [{"t": "x", "v": 1, "w": "a"}, {"w": "a", "t": "x", "v": 1}, {"t": "x", "v": 2}]
    assert fired(engine.run(ANY_X, facts)) == [("any-x", {"x": 0}), ("any-x", {"x": 2})]


def test_unmatched_facts_are_stored(engine, monkeypatch):
    """A fact no rule mentions is stored (the catch-all join), not refused as 'not handled'."""
    stored: list = []
    real_close = type(engine)._close

    def spy(self, reg, session):
        stored.extend(reg.ruleset.get_facts(session.sid))
        real_close(self, reg, session)

    monkeypatch.setattr(type(engine), "_close", spy)
    firings = engine.run(ANY_X, [{"t": "unknown_kind", "v": 1}, {"t": "x"}, {"t": "other", "w": "z"}])
    assert fired(firings) == [("any-x", {"x": 1})]
    assert sorted(f["__key"] for f in stored if "__key" in f) == [0, 1, 2]


def test_fact_model_output_is_accepted(engine):
    sym = Symptom(provenance=Provenance("ndr.eml", 3), code="5.7.64", reply_code="550", tokens=("ATTR36",))
    rs = ruleset(
        rule("sym", {"s": kind("symptom", {"code": "5.7.64"}, {"$iany": {"tokens": {"$i": "ATTR36"}}})})
    )
    assert fired(engine.run(rs, [sym.to_engine()])) == [("sym", {"s": 0})]
