"""`@record` (analysis/records.py) makes the classes `@dataclass` made: the same constructor,
equality, hash, repr, frozenness, slots, pickling and copies (the cache, the worker processes and
the rules rely on them). Each case builds one class both ways and compares what they do."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import sys
from typing import Optional

import pytest

from convex_lsp.analysis import facts, registry
from convex_lsp.analysis.records import FrozenInstanceError, field, fields_of, is_record, record

OPTIONS = [{}, {"frozen": True}, {"slots": True}, {"frozen": True, "slots": True}]


def _pair(opts: dict, name: str):
    """The same class through @dataclass and through @record, picklable as `<module>.<name>`."""
    out = []
    for deco, fld, suffix in ((dataclasses.dataclass, dataclasses.field, "D"), (record, field, "R")):
        @deco(**opts)
        class C:
            a: str
            b: int
            c: Optional[str] = None
            d: list = fld(default_factory=list)
            e: str = fld(default="E", compare=False, repr=False)

        C.__qualname__ = C.__name__ = f"{name}{suffix}"
        setattr(sys.modules[__name__], C.__name__, C)
        out.append(C)
    return out


@pytest.mark.parametrize("opts", OPTIONS, ids=lambda o: "+".join(o) or "plain")
def test_record_behaves_as_dataclass(opts):
    name = "Case_" + "_".join(opts)
    D, R = _pair(opts, name)
    d, r = D("x", 1), R("x", 1)
    assert repr(r) == repr(d).replace(f"{name}D(", f"{name}R(")
    assert repr(r) == f"{name}R(a='x', b=1, c=None, d=[])"
    assert R("x", 1, e="other") == R("x", 1)  # compare=False
    assert R("x", 1) != R("x", 2) and D("x", 1) != D("x", 2)
    assert R("x", 1).__eq__(5) is NotImplemented is D("x", 1).__eq__(5)
    assert (R.__hash__ is None) == (D.__hash__ is None) == (not opts.get("frozen"))
    if opts.get("frozen"):
        assert hash(R("x", 1, d=())) == hash(D("x", 1, d=())) == hash(("x", 1, None, ()))
        with pytest.raises(FrozenInstanceError):
            r.a = "y"
        with pytest.raises(AttributeError):
            del r.b
    else:
        r.a = "y"
        assert r.a == "y"
    assert R("x", 1).d == [] and R("x", 1).d is not R("x", 1).d  # default_factory: one list each
    assert R("x", 1).e == "E"
    assert hasattr(R, "__dict__") == hasattr(D, "__dict__")
    assert getattr(R, "__slots__", None) == getattr(D, "__slots__", None)
    assert hasattr(R, "c") == hasattr(D, "c") and hasattr(R, "d") == hasattr(D, "d")
    assert R.__match_args__ == D.__match_args__
    assert fields_of(R) == fields_of(R("x", 1)) == tuple(f.name for f in dataclasses.fields(D))
    assert is_record(R) and is_record(r) and not is_record(D)
    for o in (R("q", 3, d=[1], e="w"),):
        for back in (pickle.loads(pickle.dumps(o)), copy.copy(o), copy.deepcopy(o)):
            assert back == o and back.e == "w" and type(back) is R
    with pytest.raises(TypeError):
        R("x")  # a field without default left out
    with pytest.raises(TypeError):
        R("x", 1, zz=3)


def test_field_order_and_unsupported_forms_are_refused():
    with pytest.raises(TypeError):
        @record
        class Bad:
            a: int = 0
            b: int

    @record
    class Base:
        a: int

    with pytest.raises(TypeError):
        @record
        class Child(Base):
            b: int


def test_package_records_keep_their_semantics():
    from convex_lsp.analysis import records

    assert records._TEMPLATES.get((6, True, False)) is not None  # Span's __init__: the shared template
    assert records._TEMPLATES.get((21, False, True)) is not None  # FileFacts' (with default factories)
    s = facts.Span(1, 2, 0, 1, 0, 2)
    assert {s: 1}[facts.Span(1, 2, 0, 1, 0, 2)] == 1  # frozen: hashable by value
    with pytest.raises(AttributeError):
        s.start = 5
    assert pickle.loads(pickle.dumps(s)) == s
    ff = facts.FileFacts("a.ts", None, None)
    assert ff.imports == [] and ff.extra == {} and ff.imports is not facts.FileFacts("b", None, None).imports
    assert pickle.loads(pickle.dumps(ff)) == ff
    with pytest.raises(TypeError):
        hash(ff)  # not frozen: unhashable, as with @dataclass(slots=True)
    f = registry.Finding("CVX1", "x", "a.ts", 0, 1, "m")
    assert f == registry.Finding("CVX1", "x", "a.ts", 0, 1, "m") and f.data == {}
    assert repr(f).startswith("Finding(code='CVX1', name='x', path='a.ts', start=0, end=1, message='m'")
    rule = registry.all_rules()[0]
    assert hash(rule) == hash(copy.copy(rule)) and rule == copy.copy(rule)


@pytest.mark.parametrize("opts", OPTIONS, ids=lambda o: "+".join(o) or "plain")
def test_constructor_errors_read_as_with_dataclass(opts):
    """The generated `__init__` (from a shared template, or compiled for default factories) takes the
    same arguments and fails with the same messages."""
    D, R = _pair(opts, "Err_" + "_".join(opts))
    plain_d = dataclasses.dataclass(**opts)(type("Plain", (), {"__annotations__": {"a": "int", "b": "int"}, "b": 2}))
    plain_r = record(**opts)(type("Plain", (), {"__annotations__": {"a": "int", "b": "int"}, "b": 2}))
    errors = 0
    for d_cls, r_cls in ((D, R), (plain_d, plain_r)):
        for args, kwargs in (((), {}), (("x",), {}), (("x", 1, 2, 3, 4, 5, 6), {}), ((), {"zz": 1}),
                             (("x",), {"a": "y"})):
            got = []
            for cls in (d_cls, r_cls):
                try:
                    cls(*args, **kwargs)
                    got.append(None)
                except TypeError as e:
                    got.append(str(e).replace(cls.__qualname__, "C"))
            assert got[0] == got[1]
            errors += got[0] is not None
    assert errors >= 8  # (missing, extra, unknown and repeated arguments)
    assert plain_r(1) == plain_r(1, 2) and plain_r(a=1, b=3).b == 3 and plain_r.__init__.__defaults__ == (2,)
    assert plain_r.__init__.__qualname__ == "Plain.__init__" and plain_r.__init__.__module__ == plain_r.__module__
