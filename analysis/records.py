"""`@record`: the package's plain data classes, as `@dataclass` makes them, for less at start-up.

`@dataclass` costs 0.3-0.6 ms a class when a module is imported (a separate `exec` for every
method it writes, a second class for `slots=True`) and `import dataclasses` pulls in `inspect`,
`ast`, `dis` and `tokenize`: with ~45 classes, a tenth of the command's start-up. `@record` gives
the same classes: the same `__init__` (one `exec`), equality over the compared fields (`other`
of the very same class), a hash over them when frozen (None otherwise), the same repr, `frozen`
(assigning a field raises) and `slots`; pickling and copying work as with `@dataclass`.
`field(default=..., default_factory=..., compare=..., repr=...)` as in `dataclasses`.

What it leaves out (no class here uses it): inheritance between records, `ClassVar`/`InitVar`
annotations, `order`, `kw_only`, `__post_init__`, the `dataclasses` module's functions: the
field names, in order, are `cls._record_fields` (the cache's encoding and copies read them).
"""

from __future__ import annotations

from _thread import get_ident
from operator import attrgetter
from types import FunctionType
from typing import Any, Callable

__all__ = ["record", "field", "fields_of", "is_record", "FrozenInstanceError"]


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<no default>"


_MISSING: Any = _Missing()


class FrozenInstanceError(AttributeError):
    """Assigning (or deleting) a field of a frozen record."""


class _Field:
    __slots__ = ("default", "default_factory", "compare", "repr")

    def __init__(self, default: Any, default_factory: Any, compare: bool, repr: bool):
        self.default = default
        self.default_factory = default_factory
        self.compare = compare
        self.repr = repr


def field(*, default: Any = _MISSING, default_factory: Any = _MISSING, compare: bool = True,
          repr: bool = True) -> Any:
    if default is not _MISSING and default_factory is not _MISSING:
        raise ValueError("cannot specify both default and default_factory")
    return _Field(default, default_factory, compare, repr)


def is_record(obj: Any) -> bool:
    """A record class or an instance of one."""
    return hasattr(obj if isinstance(obj, type) else type(obj), "_record_fields")


def fields_of(obj: Any) -> tuple[str, ...]:
    """The field names of a record (class or instance), in order."""
    return (obj if isinstance(obj, type) else type(obj))._record_fields


def _key(names: tuple[str, ...]) -> Callable[[Any], tuple]:
    """obj -> the tuple of its `names` (the tuple @dataclass compares and hashes)."""
    if len(names) >= 2:
        return attrgetter(*names)
    if len(names) == 1:
        get = attrgetter(names[0])
        return lambda obj: (get(obj),)
    return lambda obj: ()


def _eq(key: Callable[[Any], tuple]):
    def __eq__(self, other):
        if other.__class__ is self.__class__:
            return key(self) == key(other)
        return NotImplemented

    return __eq__


def _hash(key: Callable[[Any], tuple]):
    def __hash__(self):
        return hash(key(self))

    return __hash__


def _repr(names: tuple[str, ...]):
    running: set = set()

    def __repr__(self):
        me = (id(self), get_ident())
        if me in running:
            return "..."
        running.add(me)
        try:
            return (self.__class__.__qualname__ + "("
                    + ", ".join([f"{n}={getattr(self, n)!r}" for n in names]) + ")")
        finally:
            running.discard(me)

    return __repr__


def _frozen(cls: type, names: tuple[str, ...]):
    names_set = frozenset(names)

    def __setattr__(self, name, value):
        if type(self) is cls or name in names_set:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self, name):
        if type(self) is cls or name in names_set:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    return __setattr__, __delattr__


def _getstate(self):
    return [getattr(self, n) for n in self._record_fields]


def _setstate(self, state):
    for n, v in zip(self._record_fields, state):
        object.__setattr__(self, n, v)  # (frozen: the class's own __setattr__ refuses)


def _init_source(names, specs, frozen: bool, glb: dict) -> str:
    params, body = ["self"], []
    seen_default = False
    for name in names:
        spec = specs[name]
        if spec is _MISSING or (isinstance(spec, _Field) and spec.default is _MISSING
                                and spec.default_factory is _MISSING):
            if seen_default:
                raise TypeError(f"non-default argument {name!r} follows default argument")
            params.append(name)
            value = name
        elif isinstance(spec, _Field) and spec.default_factory is not _MISSING:
            seen_default = True
            glb[f"_dflt_{name}"] = spec.default_factory
            params.append(f"{name}=_HAS_DEFAULT_FACTORY")
            value = f"_dflt_{name}() if {name} is _HAS_DEFAULT_FACTORY else {name}"
        else:
            seen_default = True
            glb[f"_dflt_{name}"] = spec.default if isinstance(spec, _Field) else spec
            params.append(f"{name}=_dflt_{name}")
            value = name
        body.append(f"  _setattr(self, {name!r}, {value})" if frozen else f"  self.{name} = {value}")
    return f"def __init__({', '.join(params)}):\n" + ("\n".join(body) if body else "  pass") + "\n"


_TEMPLATES: dict[tuple[int, bool, bool], Any] = {}
_RESERVED = ("self", "_setattr", "_HAS_DEFAULT_FACTORY")


def _template(n: int, frozen: bool, factories: bool):
    """The code of `__init__(self, f0, ..., f<n-1>)` storing each argument in its field (frozen:
    through object.__setattr__; `factories`: an argument left at its default-factory marker is
    replaced by `_dflt_f<i>()`), compiled once per (n, frozen, factories). A record gets this code
    with its own field names put in (`CodeType.replace`, ~1 us; compiling its own source costs
    30-350 us): the instructions a compile of its own source gives (`factories`: plus the marker
    test for the fields without a factory). None when the compiled code is not laid out as
    expected (another Python): the record's own source is compiled then."""
    key = (n, frozen, factories)
    if key not in _TEMPLATES:
        ps = tuple(f"f{i}" for i in range(n))
        spec = _Field(_MISSING, list, True, True) if factories else _MISSING
        glb: dict = {"_HAS_DEFAULT_FACTORY": _MISSING}
        exec(_init_source(ps, dict.fromkeys(ps, spec), frozen, glb), glb)
        code = glb["__init__"].__code__
        names = set() if frozen else set(ps)
        if frozen and n:
            names.add("_setattr")
        if factories and n:
            names.update(["_HAS_DEFAULT_FACTORY"] + [f"_dflt_{p}" for p in ps])
        ok = (set(code.co_names) == names and code.co_varnames[: n + 1] == ("self",) + ps
              and (not frozen or [c for c in code.co_consts if isinstance(c, str)] == list(ps)))
        _TEMPLATES[key] = code if ok else None
    return _TEMPLATES[key]


def _init_function(cls: type, names: tuple[str, ...], specs: dict, frozen: bool):
    """The record's `__init__` (what `@dataclass` writes for it)."""
    qualname = f"{cls.__qualname__}.__init__"
    glb: dict = {"_HAS_DEFAULT_FACTORY": _MISSING, "_setattr": object.__setattr__}
    defaults = []
    for i, name in enumerate(names):
        spec = specs[name]
        if isinstance(spec, _Field) and spec.default_factory is not _MISSING:
            glb[f"_dflt_f{i}"] = spec.default_factory
            defaults.append(_MISSING)
            continue
        value = spec.default if isinstance(spec, _Field) else spec
        if value is not _MISSING:
            defaults.append(value)
        elif defaults:
            raise TypeError(f"non-default argument {name!r} follows default argument")
    factories = len(glb) > 2
    plain_names = not any(n in _RESERVED or n.startswith("_dflt_") for n in names)
    code = _template(len(names), frozen, factories) if plain_names else None
    if code is not None:
        rename = dict(zip((f"f{i}" for i in range(len(names))), names))
        changes: dict = {"co_varnames": ("self",) + names + code.co_varnames[len(names) + 1:]}
        if frozen:
            changes["co_consts"] = tuple(rename.get(c, c) if isinstance(c, str) else c for c in code.co_consts)
        else:
            changes["co_names"] = tuple(rename.get(c, c) for c in code.co_names)
        if hasattr(code, "co_qualname"):
            changes["co_qualname"] = qualname
        fn = FunctionType(code.replace(**changes), glb, "__init__", tuple(defaults) or None)
    else:
        glb = {"_HAS_DEFAULT_FACTORY": _MISSING, "_setattr": object.__setattr__}
        exec(_init_source(names, specs, frozen, glb), glb)
        fn = glb["__init__"]
    fn.__qualname__ = qualname
    fn.__module__ = cls.__module__
    return fn


def _make(cls: type, frozen: bool, slots: bool) -> type:
    d = cls.__dict__
    for base in cls.__mro__[1:]:
        if hasattr(base, "_record_fields"):
            raise TypeError(f"{cls.__name__}: records do not inherit fields")
    names = tuple(d.get("__annotations__", {}))
    for name in names:
        ann = d["__annotations__"][name]
        if isinstance(ann, str) and (ann.startswith(("ClassVar", "typing.ClassVar", "InitVar", "dataclasses."))):
            raise TypeError(f"{cls.__name__}.{name}: ClassVar/InitVar fields are not supported")
    specs = {n: d.get(n, _MISSING) for n in names}
    init = _init_function(cls, names, specs, frozen)
    compared = tuple(n for n in names if not (isinstance(specs[n], _Field) and not specs[n].compare))
    shown = tuple(n for n in names if not (isinstance(specs[n], _Field) and not specs[n].repr))

    ns = dict(d)
    for name, spec in specs.items():  # class attributes: plain defaults stay (as with @dataclass)
        if isinstance(spec, _Field):
            if spec.default is _MISSING:
                del ns[name]
            else:
                ns[name] = spec.default
    if slots:
        if "__slots__" in ns:
            raise TypeError(f"{cls.__name__} already specifies __slots__")
        for name in names:
            ns.pop(name, None)
        ns.pop("__dict__", None)
        ns.pop("__weakref__", None)
        ns["__slots__"] = names
    ns["_record_fields"] = names
    ns["__match_args__"] = names
    _set = ns.setdefault
    _set("__init__", init)
    _set("__repr__", _repr(shown))
    key = _key(compared)
    explicit_hash = "__hash__" in d and not (d["__hash__"] is None and "__eq__" in d)
    _set("__eq__", _eq(key))
    if not explicit_hash:
        ns["__hash__"] = _hash(key) if frozen else None
    out = cls
    if slots:
        out = type(cls)(cls.__name__, cls.__bases__, ns)
        out.__qualname__ = cls.__qualname__
    if not slots:
        for k, v in ns.items():
            if d.get(k, _MISSING) is not v:
                setattr(cls, k, v)
        for name, spec in specs.items():
            if isinstance(spec, _Field) and spec.default is _MISSING:
                delattr(cls, name)
    if frozen:
        if "__setattr__" in d or "__delattr__" in d:
            raise TypeError(f"cannot overwrite __setattr__/__delattr__ of frozen {cls.__name__}")
        out.__setattr__, out.__delattr__ = _frozen(out, names)
        if slots:  # (the default pickling would set the fields with the refusing __setattr__)
            out.__getstate__, out.__setstate__ = _getstate, _setstate
    return out


def record(cls: Any = None, /, *, frozen: bool = False, slots: bool = False) -> Any:
    """`@record`, `@record(frozen=True, slots=True)`: see the module's docstring."""

    def wrap(c: type) -> type:
        return _make(c, frozen, slots)

    return wrap if cls is None else wrap(cls)
