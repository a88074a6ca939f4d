"""engine/lazydataclass.py: a class whose dataclass methods are made on first use behaves as the
class ``dataclasses.dataclass`` makes from the same body — values, errors, pickling, signature."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import itertools
import pickle
import sys
import types
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


def _mutable_dict(decorate):
    @decorate
    class Pending:
        """Mutable, no slots: factories, one of them not an __init__ parameter."""

        name: str
        line: int
        parts: list[str] = field(default_factory=list)
        made: list[str] = field(default_factory=lambda: ["made"], init=False)
        last: str = ""

    return Pending


def _own_setattr(decorate):
    @decorate
    class Logged:
        """Mutable with its own __setattr__, which the fields go through."""

        name: str
        size: int = 3

        def __setattr__(self, name: str, value: object) -> None:
            object.__setattr__(self, "log", [*self.__dict__.get("log", ()), name])
            object.__setattr__(self, name, value)

    return Logged


CASES = {
    "frozen, kw_only, inherited": (_frozen_kw, {"origin": "ndr", "code": "5.7.64", "tokens": ("A",)}),
    "mutable, no slots": (_mutable_dict, {"last": "l", "name": "n", "line": 2}),
    "own __setattr__": (_own_setattr, {"size": 4, "name": "s"}),
    "frozen, slots": (_frozen_slots, {"path": "a.txt", "line": 3}),
    "mutable, slots": (_mutable_slots, {"name": "x", "items": [1]}),
    "no docstring": (_undocumented, {"name": "y"}),
    "own __repr__": (_own_repr, {"name": "z"}),
}
CHANGES = {  # a valid dataclasses.replace of each case
    "frozen, kw_only, inherited": {"origin": "log"},
    "mutable, no slots": {"line": 3},
    "own __setattr__": {"size": 5},
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
    if hasattr(a, "__dict__"):  # the instance dict as the generated __init__ leaves it, in its order
        assert list(vars(a).items()) == list(vars(b).items())
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
        assert list(getattr(a, "__dict__", {}).items()) == list(getattr(b, "__dict__", {}).items()), case
        if hasattr(a, "__dict__") and case != "frozen, kw_only, inherited":  # by position: the other way in
            args = [kwargs[f.name] for f in dataclasses.fields(a) if f.name in kwargs]
            assert list(vars(plain(*args)).items()) == list(vars(lazy(*args)).items()), case
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


# Every engine module imported in a fresh interpreter, with lazydataclass's own processing (FAST)
# and with dataclasses.dataclass for every class; each class made is described (fields with every
# attribute, the params, __match_args__, slots, class attributes, doc, MRO) and the two compared.
_DESCRIBE = r"""
import dataclasses, importlib, json, pkgutil, re, sys
from relaydoctor.engine import lazydataclass
lazydataclass.FAST = sys.argv[1] == "fast"
made, fast = [], []
original_lazy, original_fields = lazydataclass._lazy, lazydataclass._fields
lazydataclass._lazy = lambda cls, options: made.append(original_lazy(cls, options)) or made[-1]
lazydataclass._fields = lambda cls, options: (lambda r: fast.append(r is not None) or r)(
    original_fields(cls, options))
import relaydoctor.engine as engine
for info in pkgutil.walk_packages(engine.__path__, "relaydoctor.engine."):
    importlib.import_module(info.name)
shown = lambda v: re.sub(r" at 0x[0-9a-f]+", "", repr(v))
def field(f):
    return [f.name, shown(f.type), shown(f.default), shown(f.default_factory), f.init, f.repr,
            shown(f.hash), f.compare, shown(dict(f.metadata)), shown(f.kw_only), shown(f._field_type)]
out = {}
for cls in made:
    own = cls.__dict__
    out[f"{cls.__module__}.{cls.__qualname__}"] = {
        "fields": [[k, field(f)] for k, f in cls.__dataclass_fields__.items()],
        "public fields": [f.name for f in dataclasses.fields(cls)],
        "params": shown(cls.__dataclass_params__), "match_args": shown(own.get("__match_args__")),
        "slots": shown(own.get("__slots__")), "doc": cls.__doc__,
        "mro": [k.__qualname__ for k in cls.__mro__],
        "attributes": {k: shown(own.get(k, "absent")) for k in cls.__dataclass_fields__},
        "abstract": sorted(getattr(cls, "__abstractmethods__", ())),
        "own": sorted(k for k in own if k not in ("__dataclass_params__", "__dataclass_fields__")),
    }
print(json.dumps({"classes": out, "fast": sum(fast), "asked": len(fast)}))
"""


def _engine_classes(mode: str) -> dict:
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONHASHSEED": "0"}  # sets' reprs in the same order in both runs
    done = subprocess.run([sys.executable, "-c", _DESCRIBE, mode], capture_output=True, text=True,
                          check=True, timeout=300, env=env)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_every_engine_class_is_processed_as_dataclasses_does():
    fast, reference = _engine_classes("fast"), _engine_classes("dataclasses")
    assert reference["fast"] == 0 and fast["fast"] >= 100  # the fast path is what was compared
    assert len(fast["classes"]) >= 150
    assert fast["classes"].keys() == reference["classes"].keys()
    for name, described in reference["classes"].items():
        assert fast["classes"][name] == described, name


_SPECIAL = """
from __future__ import annotations
import typing
from dataclasses import field
from typing import ClassVar
CV = ClassVar

@decorate(frozen=True, slots=True, kw_only=True)
class Special:
    "ClassVar pseudo-fields (as dataclasses keeps them), metadata, a factory, field() options."

    KIND: ClassVar[str] = "k"
    ORDER: typing.ClassVar[int] = 3
    LIMIT: CV[int] = 4
    name: str
    tags: tuple[str, ...] = field(default=(), metadata={"doc": "x"}, compare=False, hash=True)
    seen: list[str] = field(default_factory=list, repr=False, compare=False)
    late: int = field(default=1, kw_only=False)
"""


def _special(decorate, monkeypatch):
    """The class in a module of its own (dataclasses reads ClassVar texts in the class's module)."""
    module = types.ModuleType(f"special_{decorate.__module__.replace('.', '_')}")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    module.decorate = decorate
    exec(compile(_SPECIAL, module.__name__, "exec"), module.__dict__)
    return module.Special


def test_the_fast_processing_keeps_what_dataclasses_keeps(monkeypatch):
    plain, lazy = _special(dataclasses.dataclass, monkeypatch), _special(lazydataclass.dataclass, monkeypatch)

    def described(cls):
        return [(k, f.name, f.type, f.default, f.default_factory, f.init, f.repr, f.hash, f.compare,
                 dict(f.metadata), f.kw_only, f._field_type) for k, f in cls.__dataclass_fields__.items()]

    assert described(plain) == described(lazy)
    assert {"KIND", "ORDER", "LIMIT"} <= lazy.__dataclass_fields__.keys()
    assert [f.name for f in dataclasses.fields(lazy)] == ["name", "tags", "seen", "late"]
    assert plain.__match_args__ == lazy.__match_args__ == ("late",)
    assert plain.__slots__ == lazy.__slots__ and (plain.KIND, plain.LIMIT) == (lazy.KIND, lazy.LIMIT)
    assert repr(plain.__dataclass_params__).replace("frozen=True", "frozen=False") == repr(
        lazy.__dataclass_params__).replace("init=False,repr=False,eq=False", "init=True,repr=True,eq=True")
    a, b = plain(name="a", tags=("t",)), lazy(name="a", tags=("t",))
    assert repr(a) == repr(b) and hash(a) == hash(b) and dataclasses.asdict(a) == dataclasses.asdict(b)


@pytest.mark.parametrize("body", [
    "x: list = []",  # a mutable default
    "x = field(default=1)",  # a field() without an annotation
    "x: ClassVar[int] = field(default_factory=list)",  # a ClassVar with a factory
    "x: int\n    y: int = field(default=1)\n    z: int",  # a required field after a defaulted one
])
def test_what_dataclasses_refuses_is_refused_with_its_error(body, monkeypatch):
    source = ("from __future__ import annotations\nfrom dataclasses import field\n"
              f"from typing import ClassVar\n@decorate\nclass Bad:\n    'doc'\n    {body}\n")

    def make(decorate):
        module = types.ModuleType("bad_dataclass")
        monkeypatch.setitem(sys.modules, module.__name__, module)
        module.decorate = decorate
        exec(compile(source, module.__name__, "exec"), module.__dict__)
        return module.Bad("1", "2", "3") if body.startswith("x: int") else module.Bad

    expected = _outcome(lambda: make(dataclasses.dataclass))
    assert expected[0] in ("TypeError", "ValueError")
    assert _outcome(lambda: make(lazydataclass.dataclass)) == expected


@pytest.mark.parametrize("make", [_mutable_slots, _undocumented, _own_setattr, _frozen_slots, _mutable_dict])
def test_a_call_giving_every_field_sets_what_the_generated_init_does(make):
    plain, lazy = _pair(make)
    values = {f.name: [f.name] if f.name in ("items", "parts") else f"v-{f.name}"
              for f in dataclasses.fields(plain) if f.init}
    for args, kwargs in (((*values.values(),), {}), ((), dict(reversed(values.items())))):
        a, b = plain(*args, **kwargs), lazy(*args, **kwargs)
        assert repr(a) == repr(b) and a == plain(*args, **kwargs)
        assert [getattr(a, f.name) for f in dataclasses.fields(a)] == [
            getattr(b, f.name) for f in dataclasses.fields(b)]
        assert list(getattr(a, "__dict__", {}).items()) == list(getattr(b, "__dict__", {}).items())
    assert lazydataclass._is_stand_in(lazy.__dict__.get("__init__"))  # still the quick one


def test_a_field_named_self_is_given_by_keyword_as_with_the_dataclass():
    """The generated ``__init__`` names its instance ``__dataclass_self__`` when a field is
    called ``self``; the quick one took ``self=`` for its own instance (TypeError)."""

    def make(decorate):
        @decorate
        class Named:
            """A field named self."""

            self: int
            size: int = 1

        return Named

    plain, lazy = _pair(make)
    assert repr(lazy(self=3)) == repr(plain(self=3))
    assert repr(plain(self=3)).endswith("Named(self=3, size=1)")
    assert repr(lazy(4, size=2)) == repr(plain(4, size=2))


@pytest.mark.parametrize("options", [
    dict(zip(("init", "repr", "eq", "frozen", "kw_only", "slots", "match_args"), bits, strict=False))
    for bits in itertools.product((False, True), repeat=7)])
def test_the_params_record_is_the_one_dataclasses_makes(options):
    """``_record`` builds ``__dataclass_params__`` from the record's parameters, without a probe
    class: every slot holds what ``dataclasses.dataclass(**options)`` puts there."""
    made, probe = lazydataclass._record(options), lazydataclass._probe(options)
    assert type(made) is type(probe) and repr(made) == repr(probe)
    slots = type(probe).__slots__
    assert [getattr(made, n) for n in slots] == [getattr(probe, n) for n in slots]


def _parent_and_child(decorate):
    @decorate(frozen=True)
    class Parent:
        """Two fields."""

        a: int
        b: int = 2

    @decorate(frozen=True)
    class Child(Parent):
        """One more."""

        c: int = 3

    return Parent, Child


def test_a_method_not_made_yet_is_made_for_the_class_that_holds_it():
    """``_Later`` keeps its class: the parent's methods, reached from a child instance through
    the parent (as ``super()`` does) before either class made them, are the parent's, as with
    ``dataclasses``; read from the class, each is a function, as the generated one is."""
    (plain_parent, plain_child), (parent, child) = _pair(_parent_and_child)
    assert type(parent.__dict__["__repr__"]) is lazydataclass._Later  # nothing made at import
    assert type(child.__dict__["__setattr__"]) is lazydataclass._Later
    a, b = plain_child(1), child(1)
    assert plain_parent.__repr__(a) == parent.__repr__(b)
    assert parent.__repr__(b).endswith("Child(a=1, b=2)")  # the parent's fields, the class's name
    assert repr(a) == repr(b) and plain_parent.__eq__(a, a) == parent.__eq__(b, b)
    assert plain_parent.__hash__(a) == parent.__hash__(b) and hash(a) == hash(b)
    for cls in (parent, child):
        for name in ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__"):
            method = getattr(cls, name)
            assert isinstance(method, types.FunctionType), (cls, name)
            assert method.__qualname__ == f"{cls.__qualname__}.{name}"
    fresh_parent = lazydataclass.dataclass(frozen=True)(
        type("P", (), {"__annotations__": {"a": "int"}, "__doc__": "p", "__module__": __name__}))
    fresh_child = lazydataclass.dataclass(frozen=True)(
        type("C", (fresh_parent,), {"__annotations__": {"c": "int"}, "__doc__": "c", "__module__": __name__}))
    instance = fresh_child(1, 2)
    with pytest.raises(TypeError):  # the parent's __init__ takes the parent's one field
        fresh_parent.__init__(instance, 1, 2)
    fresh_parent.__init__(instance, 5)
    assert repr(instance) == f"{fresh_child.__qualname__}(a=5, c=2)"
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'a'"):
        instance.a = 3


def test_a_frozen_slots_class_with_its_own_getstate_gets_the_other_as_dataclasses_gives_it():
    """``dataclasses`` adds ``__getstate__`` and ``__setstate__`` to a frozen class with slots
    each unless the class defines it; one defined is no reason to leave out the other."""

    def make(decorate):
        @decorate(frozen=True, slots=True)
        class Own:
            """Its own __getstate__."""

            a: int
            b: str = "x"

            def __getstate__(self):
                return [self.a, self.b]

        return Own

    plain, lazy = _pair(make)
    assert ("__setstate__" in plain.__dict__) == ("__setstate__" in lazy.__dict__) is True
    a, b = copy.copy(plain(1, "y")), copy.copy(lazy(1, "y"))  # its state through __setstate__
    assert repr(a) == repr(b) and (b.a, b.b) == (1, "y")
