"""engine/lazydataclass.py: a class whose dataclass methods are made on first use behaves as the
class ``dataclasses.dataclass`` makes from the same body — values, errors, pickling, signature."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
from dataclasses import field
from typing import ClassVar

import pytest
from relaydoctor.engine import lazydataclass


def _pair(make):
    """The same class body made by dataclasses and lazily."""
    return make(dataclasses.dataclass), make(lazydataclass.dataclass)


def _frozen_kw(decorate):
    @decorate(frozen=True, kw_only=True)
    class Base:
        """A base with an enum check (like facts.Fact)."""

        KIND: ClassVar[str] = ""
        origin: str

        def __post_init__(self) -> None:
            if self.origin not in ("ndr", "log"):
                raise ValueError(f"bad origin {self.origin!r}")

    @decorate(frozen=True, kw_only=True)
    class Child(Base):
        """A subclass with defaults and a factory."""

        code: str
        tokens: tuple[str, ...] = ()
        seen: list[str] = field(default_factory=list, compare=False)
        note: str = field(default="", repr=False)

    return Child


def _frozen_slots(decorate):
    @decorate(frozen=True, slots=True)
    class Ref:
        """Positional fields, slots."""

        path: str
        line: int | None = None
        hidden: int = field(default=0, init=False)

    return Ref


def _mutable_slots(decorate):
    @decorate(slots=True)
    class Box:
        """Mutable, slots, with a factory."""

        name: str
        items: list[int] = field(default_factory=list)

    return Box


def _undocumented(decorate):
    @decorate(frozen=True)
    class Bare:
        name: str
        size: int = 3

    return Bare


def _own_repr(decorate):
    @decorate(frozen=True)
    class Shown:
        """Writes its own __repr__: kept."""

        name: str

        def __repr__(self) -> str:
            return f"<{self.name}>"

    return Shown


CASES = {
    "frozen, kw_only, inherited": (_frozen_kw, {"origin": "ndr", "code": "5.7.64", "tokens": ("A",)}),
    "frozen, slots": (_frozen_slots, {"path": "a.txt", "line": 3}),
    "mutable, slots": (_mutable_slots, {"name": "x", "items": [1]}),
    "no docstring": (_undocumented, {"name": "y"}),
    "own __repr__": (_own_repr, {"name": "z"}),
}
CHANGES = {  # a valid dataclasses.replace of each case
    "frozen, kw_only, inherited": {"origin": "log"},
    "frozen, slots": {"line": 4},
    "mutable, slots": {"name": "w"},
    "no docstring": {"size": 5},
    "own __repr__": {"name": "q"},
}


def _described(obj):
    return [(f.name, f.type, f.default, f.init, f.repr, f.compare, f.kw_only)
            for f in dataclasses.fields(obj)]


def _outcome(call):
    try:
        return ("ok", call())
    except Exception as exc:  # the error itself is what is compared
        return (type(exc).__name__, str(exc))


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_lazy_class_behaves_as_the_dataclass(case):
    make, kwargs = CASES[case]
    plain, lazy = _pair(make)
    a, b = plain(**kwargs), lazy(**kwargs)
    assert repr(a) == repr(b)
    assert _described(a) == _described(b)
    assert dataclasses.asdict(a) == dataclasses.asdict(b)
    assert lazy(**kwargs) == b and (b == a) is False  # another class: NotImplemented both ways
    assert getattr(plain, "__match_args__", None) == getattr(lazy, "__match_args__", None)
    assert (plain.__hash__ is None) == (lazy.__hash__ is None)
    if plain.__hash__ is not None:
        assert hash(a) == hash(b)
    assert str(inspect.signature(plain)) == str(inspect.signature(lazy))
    assert plain.__init__.__annotations__ == lazy.__init__.__annotations__
    assert plain.__doc__ == lazy.__doc__ or (lazy.__doc__ is None and case == "no docstring")
    assert repr(dataclasses.replace(a, **CHANGES[case])) == repr(dataclasses.replace(b, **CHANGES[case]))
    assert repr(copy.deepcopy(a)) == repr(copy.deepcopy(b))
    for wrong in ({}, {**kwargs, "nope": 1}, {**kwargs, "origin": "mars"}):
        assert _outcome(lambda w=wrong: plain(**w))[0] == _outcome(lambda w=wrong: lazy(**w))[0]
        assert _outcome(lambda w=wrong: repr(plain(**w))) == _outcome(lambda w=wrong: repr(lazy(**w)))
    assert _outcome(lambda: repr(plain(*kwargs.values()))) == _outcome(lambda: repr(lazy(*kwargs.values())))
    for target in (a, b):
        assert not dataclasses.is_dataclass(target) or dataclasses.is_dataclass(type(target))
    name = next(iter(kwargs))
    assert _outcome(lambda: setattr(a, name, "v")) == _outcome(lambda: setattr(b, name, "v"))
    assert _outcome(lambda: setattr(a, "other", 1))[0] == _outcome(lambda: setattr(b, "other", 1))[0]
    assert _outcome(lambda: delattr(a, name)) == _outcome(lambda: delattr(b, name))


FrozenSlotsPlain, FrozenSlotsLazy = _pair(_frozen_slots)
FrozenKwPlain, FrozenKwLazy = _pair(_frozen_kw)
for _cls in (FrozenSlotsPlain, FrozenSlotsLazy, FrozenKwPlain, FrozenKwLazy):
    _cls.__qualname__ = _cls.__name__ = next(k for k, v in globals().items() if v is _cls)


@pytest.mark.parametrize("cls", [FrozenSlotsLazy, FrozenKwLazy])
def test_a_lazy_frozen_class_pickles_and_stays_frozen(cls):
    kwargs = CASES["frozen, slots"][1] if cls is FrozenSlotsLazy else CASES["frozen, kw_only, inherited"][1]
    obj = cls(**kwargs)
    back = pickle.loads(pickle.dumps(obj))
    assert back == obj and hash(back) == hash(obj)
    with pytest.raises(dataclasses.FrozenInstanceError):
        back.path = "b" if cls is FrozenSlotsLazy else None  # type: ignore[misc]


def test_methods_are_made_only_for_a_class_used_often(monkeypatch):
    made = []
    original = lazydataclass._generate
    monkeypatch.setattr(lazydataclass, "_generate", lambda *a: made.append(a[1]) or original(*a))
    cls = _frozen_slots(lazydataclass.dataclass)
    assert made == []  # declaring the class generated nothing
    one = cls("a")
    cls("b", 2)
    assert one == cls("a") and {one} == {cls("a")} and one != cls("a", 1)
    assert made == []  # the quick methods did it: no exec for a class used a few times
    assert (one.path, one.line, one.hidden) == ("a", None, 0)
    many = [cls(str(n), line=n) for n in range(lazydataclass.QUICK_CALLS + 1)]
    assert made == ["__init__"]  # past QUICK_CALLS: the generated method, once
    assert "__init__" in cls.__dict__ and not lazydataclass._is_stand_in(cls.__dict__["__init__"])
    assert [(m.path, m.line, m.hidden) for m in many[-2:]] == [
        (str(n), n, 0) for n in range(lazydataclass.QUICK_CALLS - 1, lazydataclass.QUICK_CALLS + 1)]
    assert len(set(many)) == len(many) and many.count(cls("7", line=7)) == 1
    assert made == ["__init__", "__hash__"]  # __eq__ came with __hash__


def test_a_call_the_quick_init_does_not_bind_gets_the_dataclass_error(monkeypatch):
    made = []
    original = lazydataclass._generate
    monkeypatch.setattr(lazydataclass, "_generate", lambda *a: made.append(a[1]) or original(*a))
    plain, lazy = _pair(_frozen_slots)
    for args, kwargs in (((), {}), (("a", 1, 2), {}), (("a",), {"path": "b"}), (("a",), {"hidden": 1})):
        expected = _outcome(lambda a=args, k=kwargs: plain(*a, **k))
        assert _outcome(lambda a=args, k=kwargs: lazy(*a, **k)) == expected
    assert made == ["__init__"]


def test_the_quick_init_sets_what_the_generated_one_does():
    for case, (make, kwargs) in CASES.items():
        plain, lazy = _pair(make)
        a, b = plain(**kwargs), lazy(**kwargs)
        assert [getattr(a, f.name) for f in dataclasses.fields(a)] == [
            getattr(b, f.name) for f in dataclasses.fields(b)], case
        assert lazydataclass._is_stand_in(lazy.__dict__.get("__init__")), case  # still the quick one


def test_a_frozen_lazy_class_cannot_have_a_mutable_subclass():
    base = _frozen_slots(lazydataclass.dataclass)
    with pytest.raises(TypeError, match="non-frozen"):
        lazydataclass.dataclass(type("Sub", (base,), {"__doc__": "x", "__annotations__": {"z": "int"}}))


def test_options_it_does_not_defer_get_the_dataclass_itself():
    @lazydataclass.dataclass(order=True)
    class Ordered:
        """Ordered."""

        n: int

    assert Ordered(1) < Ordered(2) and lazydataclass.MARK not in Ordered.__dict__
