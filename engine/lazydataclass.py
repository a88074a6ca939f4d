"""``dataclasses.dataclass`` with the generated methods made on first use (start-up latency).

A diagnosis imports ~130 dataclasses (the fact kinds, the pack model, results, parsers' records)
and instantiates about half of them: generating every ``__init__``, ``__repr__``, ``__eq__``,
``__hash__`` and the frozen ``__setattr__``/``__delattr__`` at import ran ~650 ``exec`` calls,
~90 ms of a run. ``dataclass`` here takes the same arguments and processes the class at once as
``dataclasses.dataclass`` does (fields, ``__match_args__``, slots; ``_process``: the same result,
each annotation text read once instead of three times), without generated methods:

- ``__init__``, ``__repr__``, ``__eq__`` and ``__hash__`` are stand-ins; the first call has
  ``dataclasses.dataclass`` write the real method for a throwaway twin class with the same fields
  and options, puts it on the class and calls it. From then on the class has the very code
  ``dataclasses.dataclass`` would have given it.
- Making one costs ~0.3-0.5 ms (``exec`` of its source, three of them for a frozen class's
  ``__init__``), ~30 ms of a diagnosis for ~70 classes most of which see a handful of calls. So
  ``__init__``, ``__eq__`` and ``__hash__`` first run as plain closures doing what the generated
  code does (fields set in order, defaults and factories, ``__post_init__``; the same tuples
  compared and hashed) for ``QUICK_CALLS`` calls; a class used more gets the generated method
  then. A call the closure does not bind plainly (a missing, unknown or repeated argument, too
  many positional ones) makes the generated method at once, so every error is the dataclass's own.
- A frozen class's ``__setattr__``/``__delattr__`` (and, with slots, ``__getstate__``/
  ``__setstate__``) are written here, with the same checks and errors as the generated ones.
- None of these is made at import: the class's ``__dict__`` holds a ``_Later`` descriptor for
  each, which makes the stand-in (or guard) on its first look-up, from the class or an instance,
  and puts it there in its place (most are never looked up in a run).

Besides the public ``dataclasses`` API, ``_process`` sets a field's ``_field_type`` as
``dataclasses`` does (a test compares every engine class with ``dataclasses``' own result). What
differs from ``dataclasses.dataclass``: ``inspect.signature`` of a class makes its ``__init__``
(``cls.__signature__``, see ``_Signature``), ``__dataclass_params__`` records the processing call
(``init``, ``repr``, ``eq`` and ``frozen`` false) — so a frozen class's subclasses must use this
``dataclass`` too (``dataclasses.dataclass`` refuses them with a ``TypeError`` at import); a class
without a docstring keeps none (dataclasses writes ``Name(signature)``, which needs ``__init__`` made);
``vars(cls)`` shows a ``_Later`` for a method not looked up yet (``getattr`` gives the function).
``order``, ``unsafe_hash``, ``weakref_slot`` and ``InitVar`` fields get ``dataclasses.dataclass``
itself.
"""

from __future__ import annotations

import abc
import dataclasses
import inspect
import re
import sys
import types
import typing
from collections.abc import Callable
from typing import Any, dataclass_transform

MARK = "__lazy_dataclass__"  # set on every class made here: its options
# calls of the quick __init__/__eq__/__hash__ before the generated method is made: about where
# making it (~0.3-0.55 ms) pays for itself (~0.8-1 us a call saved), so a class never costs more
# than twice the better choice (at 200, a Format-List's Prop and _Pending, ~300 calls each on a
# sample bundle, were made and never repaid it: ~0.5 ms of a diagnosis)
QUICK_CALLS = 500
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
        if MARK not in base.__dict__ and dataclasses.is_dataclass(base):
            return False  # a base made by dataclasses.dataclass: its checks see the real options
    # the class's own annotations, as dataclasses reads them (inspect.get_annotations: ~12 us a class)
    for annotation in cls.__dict__.get("__annotations__", {}).values():  # noqa: RUF063
        if isinstance(annotation, str):
            if "InitVar" in annotation:
                return False
        elif isinstance(annotation, dataclasses.InitVar):
            return False
    return True


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
    own = cls.__dict__.copy()  # of the mappingproxy: ~10x dict(cls.__dict__), which reads it key by key
    for guard in ("__setattr__", "__delattr__"):
        if frozen and guard in own:
            raise TypeError(f"Cannot overwrite attribute {guard} in class {cls.__name__}")
    documented = bool(cls.__doc__)
    if not documented:  # dataclasses would write "Name(signature)": that needs __init__ now
        cls.__doc__ = "-"
    original = cls  # what dataclasses' frozen checks compare with, also after slots remade the class
    cls = _process(cls, {**options, "init": False, "repr": False, "eq": False, "frozen": False})
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
            setattr(cls, name, _Later(cls, name, options))
    if "__init__" in wanted and "__init__" not in own and "__signature__" not in own:
        cls.__signature__ = _SIGNATURE  # type: ignore[attr-defined]
    if frozen:
        _freeze(cls, original, own, slots=bool(options.get("slots", False)))
    return cls


def _process(cls: type, options: dict[str, Any]) -> type:
    """``dataclasses.dataclass(cls, **options)`` for the options ``_lazy`` processes with (no
    methods, not frozen): the fields, ``__dataclass_params__``, ``__match_args__``, slots.

    ``dataclasses`` tests every annotation text three times against ``ClassVar``, ``InitVar`` and
    ``KW_ONLY`` (a regex and module look-ups each: about a third of its ~40 us a class); this
    reads each text once, the same way. A class it does not process exactly
    as ``dataclasses`` would (an annotation that is not text, ``InitVar`` or ``KW_ONLY``, its own
    ``__slots__``, anything ``dataclasses`` refuses) goes to ``dataclasses.dataclass`` itself, so
    errors are its own. It sets the fields' private ``_field_type`` marker (``fields()`` keeps the
    fields whose marker is ``dataclasses._FIELD``); ``tests/engine/vocabulary/test_lazydataclass``
    compares every engine class with what ``dataclasses`` makes of it."""
    made = _fields(cls, options) if FAST and _MARKERS else None
    if made is None:
        return dataclasses.dataclass(cls, **options)
    fields, declared = made
    cls.__dataclass_params__ = _params(options)  # type: ignore[attr-defined]
    for f in declared:  # a field()'s class attribute becomes its default, as dataclasses does
        if f.default is dataclasses.MISSING:
            delattr(cls, f.name)
        else:
            setattr(cls, f.name, f.default)
    cls.__dataclass_fields__ = fields  # type: ignore[attr-defined]
    plain = _MARKERS[0]
    if options.get("match_args", True) and "__match_args__" not in cls.__dict__:
        cls.__match_args__ = tuple(  # type: ignore[attr-defined]
            f.name for f in fields.values() if f._field_type is plain and f.init and not f.kw_only)
    if options.get("slots", False):
        cls = _slotted(cls, [f.name for f in fields.values() if f._field_type is plain])
    if "__abstractmethods__" in cls.__dict__:  # what abc.update_abstractmethods asks first (hasattr
        abc.update_abstractmethods(cls)  # reads only the class's own __dict__), without an exception
    return cls


# False: every class through dataclasses.dataclass (the equivalence test's reference). Only on the
# Python versions whose dataclasses this mirrors: 3.14 reads annotations through annotationlib
# (PEP 649), which a class's ``__dict__`` no longer holds for modules without the future import.
FAST = sys.version_info < (3, 14)
# the field-type markers dataclasses gives a field and a ClassVar pseudo-field (private names)
_MARKERS = tuple(getattr(dataclasses, n, None) for n in ("_FIELD", "_FIELD_CLASSVAR"))
_MARKERS = _MARKERS if None not in _MARKERS else ()
_PLAIN, _CLASSVAR, _OTHER = range(3)
_IDENTIFIER = re.compile(r"^(?:\s*(\w+)\s*\.)?\s*(\w+)")  # dataclasses' own: an annotation text's first name
_PARAMS: dict[tuple[Any, ...], Any] = {}
_FIRST_NAMES: dict[str, tuple[str | None, str] | None] = {}  # annotation text -> _IDENTIFIER's groups


def _kind(annotation: Any, module: dict[str, Any]) -> int:
    """What dataclasses' ``_is_type`` tests find an annotation to be (its regex, its look-ups)."""
    if not isinstance(annotation, str):
        return _OTHER
    try:
        parsed = _FIRST_NAMES[annotation]  # the texts repeat ("str | None"): each matched once
    except KeyError:
        match = _IDENTIFIER.match(annotation)
        parsed = _FIRST_NAMES[annotation] = match.group(1, 2) if match else None
    if parsed is None:
        return _PLAIN
    prefix, name = parsed
    if prefix:
        owner = module.get(prefix)
        if owner is typing:
            thing = typing.__dict__.get(name)
        elif owner is dataclasses:
            return _OTHER  # dataclasses.InitVar / KW_ONLY (or anything else of it): dataclasses
        else:
            return _PLAIN
    else:
        thing = module.get(name)
    if thing is typing.ClassVar or (type(thing) is typing._GenericAlias
                                    and thing.__origin__ is typing.ClassVar):
        return _CLASSVAR
    if thing is dataclasses.KW_ONLY or thing is dataclasses.InitVar or type(thing) is dataclasses.InitVar:
        return _OTHER
    return _PLAIN


def _fields(cls: type, options: dict[str, Any]) -> tuple[dict[str, Any], list[Any]] | None:
    """The class's ``__dataclass_fields__`` (bases' then its own) and the fields declared with
    ``field()`` as class attributes, as ``dataclasses`` makes them; None for a class it should
    process itself."""
    module = sys.modules.get(cls.__module__)
    own_dict = cls.__dict__
    annotations = own_dict.get("__annotations__", {})  # as dataclasses reads them
    if module is None or "__slots__" in own_dict or options.get("weakref_slot"):
        return None
    namespace = module.__dict__
    kinds = [_kind(annotation, namespace) for annotation in annotations.values()]
    if _OTHER in kinds:
        return None
    field_class, missing = dataclasses.Field, dataclasses.MISSING
    for name, value in own_dict.items():  # a field() without an annotation: dataclasses' error
        if isinstance(value, field_class) and name not in annotations:
            return None
    kw_only = bool(options.get("kw_only", False))
    fields: dict[str, Any] = {}
    for base in cls.__mro__[-2:0:-1]:  # object (the last) has none
        inherited = getattr(base, "__dataclass_fields__", None)
        if inherited is not None:
            for f in inherited.values():
                fields[f.name] = f
    own = []
    for name, kind in zip(annotations, kinds, strict=True):
        default = getattr(cls, name, missing)
        if isinstance(default, field_class):
            f = default
            if kind == _CLASSVAR and (f.default_factory is not missing or f.kw_only is not missing):
                return None
        else:
            if isinstance(default, types.MemberDescriptorType):
                default = missing
            # dataclasses.field(default=default): Field's parameters are positional up to
            # Python 3.13 (the versions FAST allows), the other values field()'s defaults
            f = field_class(default, missing, True, True, None, True, None, missing)
        if kind == _PLAIN and f.default.__class__.__hash__ is None:  # a mutable default: its error
            return None
        own.append((f, name, kind, f is default))  # default is f: a field() class attribute
    markers = _MARKERS
    declared = []
    for f, name, kind, declared_here in own:
        f.name = name
        f.type = annotations[name]
        f._field_type = markers[kind]
        if kind == _PLAIN and f.kw_only is missing:
            f.kw_only = kw_only
        fields[name] = f
        if declared_here:
            declared.append(f)
    return fields, declared


def _params(options: dict[str, Any]) -> Any:
    """``__dataclass_params__`` for these processing options: the object ``dataclasses`` makes,
    once per set of options (a diagnosis uses 7 sets)."""
    key = tuple(options.items())  # the same options in another order: the same object, made again
    params = _PARAMS.get(key)
    if params is None:
        params = _PARAMS[key] = _record(options)
    return params


def _record(options: dict[str, Any]) -> Any:
    """The record ``dataclasses.dataclass(**options)`` makes: it passes each option, as given or
    as its keyword default, to ``_DataclassParams`` by the record's parameter names (they differ
    between Python versions: read from its ``__init__``). No probe class processed by
    ``dataclasses`` (its ``__init__``, ``__repr__`` and ``__eq__`` compiled: ~0.25 ms of every
    run); a record whose constructor is not that gets the probe."""
    kind = getattr(dataclasses, "_DataclassParams", None)
    code = getattr(getattr(kind, "__init__", None), "__code__", None)
    defaults = getattr(dataclasses.dataclass, "__kwdefaults__", None) or {}
    names = code.co_varnames[1:code.co_argcount] if code is not None else ()
    known = set(names) <= defaults.keys() and options.keys() <= defaults.keys()
    if names and not code.co_kwonlyargcount and known:
        return kind(*[options.get(name, defaults[name]) for name in names])
    return _probe(options)


def _probe(options: dict[str, Any]) -> Any:
    """``__dataclass_params__`` as ``dataclasses.dataclass`` makes it, for a probe class."""
    return dataclasses.dataclass(type("Probe", (), {"__doc__": "-"}), **options).__dataclass_params__


def _slotted(cls: type, names: list[str]) -> type:
    """The class remade with ``__slots__``, as ``dataclasses`` does (``_add_slots``, no weakref
    slot; a frozen class's pickling methods are ``_freeze``'s)."""
    inherited: set[str] = set()
    for base in cls.__mro__[1:-1]:
        slots = base.__dict__.get("__slots__")
        if isinstance(slots, str):
            inherited.add(slots)
        elif slots is not None:
            inherited.update(slots)
    namespace = cls.__dict__.copy()
    namespace["__slots__"] = tuple(name for name in names if name not in inherited)
    for name in names:
        namespace.pop(name, None)
    namespace.pop("__dict__", None)
    namespace.pop("__weakref__", None)
    qualname = cls.__qualname__
    cls = type(cls)(cls.__name__, cls.__bases__, namespace)
    cls.__qualname__ = qualname
    return cls


def _freeze(cls: type, original: type, own: dict[str, Any], *, slots: bool) -> None:
    """The frozen class's attribute guards, as ``dataclasses`` writes them, each made on its first
    look-up (``_Later``): most frozen classes never see one."""
    guards = ["__setattr__", "__delattr__"]
    if slots:  # pickling past the guard: each one the class does not define, as dataclasses adds them
        guards += [name for name in ("__getstate__", "__setstate__") if name not in own]
    for guard in guards:
        setattr(cls, guard, _Later(cls, guard, original))


def _guard(cls: type, original: type, which: str) -> Callable[..., Any]:
    """One of ``_freeze``'s guards of ``cls`` (``original``: the class before slots remade it,
    which ``dataclasses``' guards compare with); the field names are read on its first call."""
    names: frozenset[str] | None = None

    def fields() -> frozenset[str]:
        nonlocal names
        if names is None:
            names = frozenset(f.name for f in dataclasses.fields(cls))
        return names

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is original or name in fields():
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        super(original, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is original or name in fields():
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        super(original, self).__delattr__(name)

    def __getstate__(self: Any) -> list[Any]:
        return [getattr(self, f.name) for f in dataclasses.fields(self)]

    def __setstate__(self: Any, state: list[Any]) -> None:
        for field, value in zip(dataclasses.fields(self), state):  # noqa: B905 (as dataclasses)
            object.__setattr__(self, field.name, value)

    guard = {"__setattr__": __setattr__, "__delattr__": __delattr__,
             "__getstate__": __getstate__, "__setstate__": __setstate__}[which]
    guard.__qualname__ = f"{cls.__qualname__}.{which}"
    return guard


class _Later:
    """A generated method, or a frozen class's guard, not made at all yet: the class's ``__dict__``
    holds this descriptor until the method is first looked up (called, or read from the class or
    an instance); that makes it (``_stand_in``, ``_guard``), puts it in the class's ``__dict__``
    in its place and binds it. Making a class's ~4 stand-ins and 2-4 guards as closures at once
    was ~9 us a class (closures, names, ``__init__``'s annotations), and a diagnosis looks up
    ~100 of ~700. It keeps its own class, so a look-up through ``super()`` or from a subclass
    instance makes the method of the class that holds it, as the closure it replaces did."""

    __slots__ = ("cls", "detail", "name")

    def __init__(self, cls: type, name: str, detail: Any) -> None:
        self.cls, self.name, self.detail = cls, name, detail  # detail: options, or a guard's original

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        cls, name = self.cls, self.name
        method = cls.__dict__.get(name)
        if method is self:
            method = (_stand_in(cls, name, self.detail) if name in _GROUPS
                      else _guard(cls, self.detail, name))
            setattr(cls, name, method)
        bind = getattr(type(method), "__get__", None)
        return method if bind is None else bind(method, instance, owner)


def _stand_in(cls: type, name: str, options: dict[str, Any]) -> Callable[..., Any]:
    """A generated method not made yet: the first call makes it (on the class) and calls it;
    ``__init__``, ``__eq__`` and ``__hash__`` run as quick closures for their first calls."""
    quick = _QUICK.get(name)
    if quick is not None:
        method = quick(cls, options)
    else:
        def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            return _install(cls, name, options)(self, *args, **kwargs)

    method.__name__ = name
    method.__qualname__ = f"{cls.__qualname__}.{name}"
    _STAND_IN_CODES.add(id(method.__code__))  # what tells a stand-in (an attribute costs a dict each)
    return method


# the code of every kind of stand-in made so far, by id (a code object's hash reads all its code);
# they are constants of this module's functions, so never freed
_STAND_IN_CODES: set[int] = set()


class _Signature:
    """``inspect.signature(cls)`` reads ``cls.__signature__`` first: asked for it, the class gets
    its generated ``__init__`` (the quick one takes ``*args, **kwargs``), whose signature (without
    ``self``) is the one ``dataclasses`` gives."""

    def __get__(self, instance: Any, owner: type) -> Any:
        maker = next(k for k in owner.__mro__ if "__init__" in k.__dict__)  # whose __init__ it is
        if _is_stand_in(maker.__dict__["__init__"]) and MARK in maker.__dict__:
            _install(maker, "__init__", maker.__dict__[MARK])
        signature = inspect.signature(owner.__init__)  # as inspect reads a class: without self
        return signature.replace(parameters=tuple(signature.parameters.values())[1:])


_SIGNATURE = _Signature()  # it keeps nothing: one for every class


_REQUIRED, _DEFAULT, _FACTORY, _ALWAYS_FACTORY, _ALWAYS_DEFAULT = range(5)


def _init_plan(cls: type, options: dict[str, Any]) -> tuple[tuple[Any, ...] | None, dict[str, Any]]:
    """What the generated ``__init__`` does, as data: (positional names, keyword names, required
    names, steps ``(name, how, default)`` in field order, whether ``__post_init__`` follows, the
    field order when a call giving every field only sets them (else None), whether all of them
    are positional), None when dataclasses would refuse the fields (a required one after a
    defaulted one: the generated method then says so); and its annotations (one pass)."""
    missing = dataclasses.MISSING
    annotations: dict[str, Any] = {}  # as the generated method's: dataclasses puts the field types
    slots = bool(options.get("slots", False))
    positional: list[str] = []
    names: list[str] = []
    required: list[str] = []
    steps: list[tuple[str, int, Any]] = []
    defaulted, valid = False, True
    for f in dataclasses.fields(cls):
        name, default, factory = f.name, f.default, f.default_factory
        if f.init:
            annotations[name] = f.type
            if factory is not missing:
                step = (name, _FACTORY, factory)
            elif default is not missing:
                step = (name, _DEFAULT, default)
            else:
                step = (name, _REQUIRED, None)
                required.append(name)
            if not f.kw_only:
                valid = valid and not (defaulted and step[1] == _REQUIRED)
                defaulted = defaulted or step[1] != _REQUIRED
                positional.append(name)
            names.append(name)
            steps.append(step)
        elif factory is not missing:
            steps.append((name, _ALWAYS_FACTORY, factory))
        elif slots and default is not missing:  # else the class attribute is the default
            steps.append((name, _ALWAYS_DEFAULT, default))
    post_init = hasattr(cls, "__post_init__")
    # every step sets an argument and nothing follows: a call that gives every field just sets them
    # in field order (Format-List's Prop, ~300 calls a bundle: 1.45 -> 0.93 us; generated 0.54)
    direct = not post_init and all(how <= _FACTORY for _, how, _ in steps)
    order = tuple(name for name, _, _ in steps) if direct else None
    plan = (tuple(positional), frozenset(names), frozenset(required), tuple(steps), post_init, order,
            order == tuple(positional))
    annotations["return"] = None
    return plan if valid else None, annotations


def _quick_init(cls: type, options: dict[str, Any]) -> Callable[..., Any]:
    """``__init__`` as a closure over the fields (see the module's docstring)."""
    calls = 0
    plan, annotations = _init_plan(cls, options)  # made on the first look-up (_Later): a call follows
    assign = object.__setattr__ if options.get("frozen", False) else setattr

    def __init__(self: Any, /, *args: Any, **kwargs: Any) -> None:  # a field may be named "self"
        nonlocal calls
        calls += 1
        if plan is not None and calls <= QUICK_CALLS:
            positional, names, required, steps, post_init, order, by_position = plan
            if order is not None:  # every field given, each once: set in field order
                if not kwargs and by_position and len(args) == len(order):
                    for name, value in zip(order, args, strict=False):  # the same length
                        assign(self, name, value)
                    return
                if not args and kwargs.keys() == names:
                    for name in order:
                        assign(self, name, kwargs[name])
                    return
            if not args:  # keywords only (every fact): this call's own dict
                given = kwargs if kwargs.keys() <= names else None
            elif len(args) <= len(positional):
                given = dict(zip(positional, args, strict=False))  # fewer args: defaults
                if not kwargs or (kwargs.keys() <= names and not kwargs.keys() & given.keys()):
                    given.update(kwargs)
                else:
                    given = None
            else:
                given = None
            if given is not None and required <= given.keys():
                for name, how, default in steps:
                    if how == _REQUIRED:
                        value = given[name]
                    elif how == _DEFAULT:
                        value = given.get(name, default)
                    elif how == _FACTORY:
                        value = given[name] if name in given else default()
                    else:
                        value = default() if how == _ALWAYS_FACTORY else default
                    assign(self, name, value)
                if post_init:
                    self.__post_init__()
                return
        _install(cls, "__init__", options)(self, *args, **kwargs)

    __init__.__annotations__ = annotations
    return __init__


def _compared(cls: type, hashing: bool) -> tuple[str, ...]:
    """The fields ``__eq__`` (or ``__hash__``) compares (hashes), as dataclasses chooses them."""
    return tuple(f.name for f in dataclasses.fields(cls)
                 if (f.compare if not hashing or f.hash is None else f.hash))


def _quick_eq(cls: type, options: dict[str, Any]) -> Callable[..., Any]:
    calls = 0
    names: tuple[str, ...] = ()

    def __eq__(self: Any, other: Any) -> Any:
        nonlocal calls, names
        calls += 1
        if calls > QUICK_CALLS:
            return _install(cls, "__eq__", options)(self, other)
        if calls == 1:
            names = _compared(cls, hashing=False)
        if other.__class__ is self.__class__:
            return tuple([getattr(self, n) for n in names]) == tuple([getattr(other, n) for n in names])
        return NotImplemented

    return __eq__


def _quick_hash(cls: type, options: dict[str, Any]) -> Callable[..., Any]:
    calls = 0
    names: tuple[str, ...] = ()

    def __hash__(self: Any) -> int:
        nonlocal calls, names
        calls += 1
        if calls > QUICK_CALLS:
            return _install(cls, "__hash__", options)(self)
        if calls == 1:
            names = _compared(cls, hashing=True)
        return hash(tuple([getattr(self, n) for n in names]))

    return __hash__


_QUICK: dict[str, Callable[[type, dict[str, Any]], Callable[..., Any]]] = {
    "__init__": _quick_init, "__eq__": _quick_eq, "__hash__": _quick_hash,
}


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
    if type(member) is _Later:
        return True
    code = getattr(member, "__code__", None)
    return code is not None and id(code) in _STAND_IN_CODES
