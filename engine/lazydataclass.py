"""``dataclasses.dataclass`` with the generated methods made on first use (start-up latency).

A diagnosis imports ~130 dataclasses (the fact kinds, the pack model, results, parsers' records)
and instantiates about half of them: generating every ``__init__``, ``__repr__``, ``__eq__``,
``__hash__`` and the frozen ``__setattr__``/``__delattr__`` at import ran ~650 ``exec`` calls,
~90 ms of a run. ``dataclass`` here takes the same arguments and processes the class with
``dataclasses.dataclass`` at once (fields, ``__match_args__``, slots), without generated methods:

- ``__init__``, ``__repr__``, ``__eq__`` and ``__hash__`` are stand-ins; the first call has
  ``dataclasses.dataclass`` write the real method for a throwaway twin class with the same fields
  and options, puts it on the class and calls it. From then on the class has the very code
  ``dataclasses.dataclass`` would have given it.
- A frozen class's ``__setattr__``/``__delattr__`` (and, with slots, ``__getstate__``/
  ``__setstate__``) are written here, with the same checks and errors as the generated ones.

Only the public ``dataclasses`` API is used. What differs from ``dataclasses.dataclass``:
``inspect.signature`` of a class shows the stand-in's ``(*args, **kwargs)`` until its first
instance is made, and ``__dataclass_params__`` records the processing call (``init``, ``repr``,
``eq`` and ``frozen`` false) — so a frozen class's subclasses must use this ``dataclass`` too
(``dataclasses.dataclass`` refuses them with a ``TypeError`` at import); a class without a
docstring keeps none (dataclasses writes ``Name(signature)``, which needs ``__init__`` made).
``order``, ``unsafe_hash``, ``weakref_slot`` and ``InitVar`` fields get ``dataclasses.dataclass``
itself.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Any, dataclass_transform

MARK = "__lazy_dataclass__"  # set on every class made here: its options
# method -> the dataclass options that generate it (plus the class's own frozen and slots)
_GROUPS = {
    "__init__": {"init": True, "repr": False, "eq": False},
    "__repr__": {"init": False, "repr": True, "eq": False},
    "__eq__": {"init": False, "repr": False, "eq": True},
    "__hash__": {"init": False, "repr": False, "eq": True},
}


@dataclass_transform()  # type checkers and IDEs see the fields and __init__ as with dataclasses
def dataclass(cls: type | None = None, /, **options: Any) -> Any:
    """``dataclasses.dataclass(cls, **options)``, its methods generated on first use."""

    def wrap(cls: type) -> type:
        return _lazy(cls, options)

    return wrap if cls is None else wrap(cls)


def _deferrable(cls: type, options: dict[str, Any]) -> bool:
    if options.get("order") or options.get("unsafe_hash") or options.get("weakref_slot"):
        return False
    for base in cls.__mro__[1:-1]:
        if dataclasses.is_dataclass(base) and MARK not in base.__dict__:
            return False  # a base made by dataclasses.dataclass: its checks see the real options
    annotations = inspect.get_annotations(cls)
    return not any(isinstance(t, dataclasses.InitVar) or (isinstance(t, str) and "InitVar" in t)
                   for t in annotations.values())


def _lazy(cls: type, options: dict[str, Any]) -> type:
    frozen = bool(options.get("frozen", False))
    lazy_bases = [base.__dict__[MARK] for base in cls.__mro__[1:-1] if MARK in base.__dict__]
    if not _deferrable(cls, options):
        if lazy_bases:
            raise TypeError(f"{cls.__name__}: a subclass of a lazily made dataclass takes none of "
                            "order, unsafe_hash, weakref_slot or InitVar")
        return dataclasses.dataclass(cls, **options)
    if any(base["frozen"] != frozen for base in lazy_bases):
        raise TypeError(f"cannot inherit {'frozen' if frozen else 'non-frozen'} dataclass "
                        f"{cls.__name__} from a {'non-frozen' if frozen else 'frozen'} one")
    own = dict(cls.__dict__)
    for guard in ("__setattr__", "__delattr__"):
        if frozen and guard in own:
            raise TypeError(f"Cannot overwrite attribute {guard} in class {cls.__name__}")
    documented = bool(cls.__doc__)
    if not documented:  # dataclasses would write "Name(signature)": that needs __init__ now
        cls.__doc__ = "-"
    original = cls  # what dataclasses' frozen checks compare with, also after slots remade the class
    cls = dataclasses.dataclass(cls, **{**options, "init": False, "repr": False, "eq": False,
                                        "frozen": False})
    if not documented:
        cls.__doc__ = None
    setattr(cls, MARK, {**options, "frozen": frozen})
    wanted = [name for name in ("__init__", "__repr__", "__eq__") if options.get(name[2:-2], True)]
    explicit_hash = not ("__hash__" not in own or (own["__hash__"] is None and "__eq__" in own))
    if options.get("eq", True) and not explicit_hash:
        if frozen:
            wanted.append("__hash__")
        else:
            cls.__hash__ = None  # type: ignore[assignment]  # eq without frozen: unhashable
    for name in wanted:
        if name not in own:
            setattr(cls, name, _stand_in(cls, name, options))
    if frozen:
        _freeze(cls, original, own, slots=bool(options.get("slots", False)))
    return cls


def _freeze(cls: type, original: type, own: dict[str, Any], *, slots: bool) -> None:
    """The frozen class's attribute guards, as ``dataclasses`` writes them."""
    names = frozenset(f.name for f in dataclasses.fields(cls))

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is original or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        super(original, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is original or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        super(original, self).__delattr__(name)

    guards: list[Callable[..., Any]] = [__setattr__, __delattr__]
    if slots and "__getstate__" not in own and "__setstate__" not in own:  # pickling: past the guard
        def __getstate__(self: Any) -> list[Any]:
            return [getattr(self, f.name) for f in dataclasses.fields(self)]

        def __setstate__(self: Any, state: list[Any]) -> None:
            for field, value in zip(dataclasses.fields(self), state):  # noqa: B905 (as dataclasses)
                object.__setattr__(self, field.name, value)

        guards += [__getstate__, __setstate__]
    for guard in guards:
        guard.__qualname__ = f"{cls.__qualname__}.{guard.__name__}"
        setattr(cls, guard.__name__, guard)


def _stand_in(cls: type, name: str, options: dict[str, Any]) -> Callable[..., Any]:
    """A generated method not made yet: the first call makes it (on the class) and calls it."""

    def first_call(self: Any, *args: Any, **kwargs: Any) -> Any:
        return _install(cls, name, options)(self, *args, **kwargs)

    first_call.__name__ = name
    first_call.__qualname__ = f"{cls.__qualname__}.{name}"
    first_call.stand_in = True  # type: ignore[attr-defined]
    return first_call


def _install(cls: type, name: str, options: dict[str, Any]) -> Callable[..., Any]:
    """Make ``name`` (and its partner: ``__eq__`` and ``__hash__`` come together) and put it on
    ``cls``; the method."""
    for made, method in _generate(cls, name, options).items():
        if _is_stand_in(cls.__dict__.get(made)):
            setattr(cls, made, method)
    return cls.__dict__[name]


def _generate(cls: type, name: str, options: dict[str, Any]) -> dict[str, Callable[..., Any]]:
    """The method ``dataclasses.dataclass(cls, **options)`` would have put on ``cls`` (with
    ``__hash__`` for ``__eq__`` and the reverse: one call makes both)."""
    fields = dataclasses.fields(cls)
    types = {f.name: f.type for f in fields}
    namespace: dict[str, Any] = {  # annotated ``object``: dataclasses matches text annotations
        "__annotations__": dict.fromkeys(types, object),  # against ClassVar/InitVar (~6 us a field)
        "__module__": cls.__module__,
        "__qualname__": cls.__qualname__,
        "__doc__": cls.__doc__,
    }
    for f in fields:
        namespace[f.name] = dataclasses.field(
            default=f.default, default_factory=f.default_factory, init=f.init, repr=f.repr,
            hash=f.hash, compare=f.compare, metadata=f.metadata, kw_only=f.kw_only)
    if hasattr(cls, "__post_init__"):
        namespace["__post_init__"] = cls.__post_init__
    frozen = bool(options.get("frozen", False))
    init = name == "__init__"  # only __init__ depends on frozen (how it sets fields) and on slots:
    slots = init and bool(options.get("slots", False)) and any(  # it sets init=False defaults then
        not f.init and f.default is not dataclasses.MISSING for f in fields)
    equality = name in ("__eq__", "__hash__")  # a frozen class's __hash__ is unsafe_hash's
    twin = dataclasses.dataclass(
        type(cls.__name__, (), namespace), **_GROUPS[name], frozen=frozen and init, slots=slots,
        unsafe_hash=frozen and equality, match_args=False)
    made = {}
    for member in (("__eq__", "__hash__") if name in ("__eq__", "__hash__") else (name,)):
        method = twin.__dict__[member]
        if method is not None:
            method.__qualname__ = f"{cls.__qualname__}.{member}"
            if method.__annotations__:  # __init__'s parameters: the class's own annotations
                method.__annotations__ = {k: types.get(k, v) for k, v in method.__annotations__.items()}
            made[member] = method
    return made


def _is_stand_in(member: Any) -> bool:
    return getattr(member, "stand_in", False) is True
