"""Property test on the real-world corpus: wherever CVX113's analysis decides (accepted or
rejected), the verdict agrees with a small model of Convex's validator semantics applied to
sample values of the inferred shape.

The model follows Convex's documentation of validators (docs.convex.dev, "Validation" and the
`v` reference): `v.object` rejects missing required fields and fields it does not name;
`v.optional` fields may be absent; `v.id(t)` accepts ids of table `t` only (an id is a string, so
`v.string()` accepts it); `v.number()` is a float64 and `v.int64()` a bigint; `v.literal(x)`
only `x`; `v.union` any member; `v.record(k, v)` objects whose keys and values pass `k` and `v`;
`v.any()` anything. It is written here, independently of analysis/validator_algebra.judge.
"""

from __future__ import annotations

import os

import pytest

from convex_lsp.analysis.config import Config
from convex_lsp.analysis.engine import Analyzer
from convex_lsp.analysis.project import discover
from convex_lsp.analysis.returns_infer import Inferer, builder_dialect
from convex_lsp.analysis.validator_algebra import Resolver, judge, parse_validator

CORPUS = os.environ.get("CONVEX_LSP_CORPUS") or os.path.join(os.path.expanduser("~"), ".cache", "convex-lsp", "corpus")


class IdVal(str):
    def __new__(cls, table):
        obj = super().__new__(cls, f"{table}:0001")
        obj.table = table
        return obj


class Opaque:
    """A part of the value the analysis did not infer: it may be anything valid."""


OPAQUE = Opaque()
MAX_SAMPLES = 12


def samples(shape, res, depth=0) -> list:
    """Concrete values of `shape`: every union member, every field's samples in turn, optional
    fields present and absent."""
    s = res.resolve(shape)
    k = s.kind
    if depth > 8 or k in ("unknown", "any", "undefined"):
        return [OPAQUE]
    if k == "never":
        return []
    if k == "null":
        return [None]
    if k == "string":
        return ["text"]
    if k == "number":
        return [1.5]
    if k == "int64":
        return [7]
    if k == "boolean":
        return [True]
    if k == "bytes":
        return [b"\x00"]
    if k == "id":
        return [IdVal(s.table)]
    if k == "literal":
        return [s.value[1] if s.value[0] != "n" else float(s.value[1])]
    if k == "union":
        out = []
        for m in s.items:
            out += samples(m, res, depth + 1)
        return out[:MAX_SAMPLES]
    if k == "array":
        return [[x] for x in samples(s.items[0], res, depth + 1)][:MAX_SAMPLES] or [[]]
    if k == "record":
        keys = [x for x in samples(s.items[0], res, depth + 1) if isinstance(x, str)] or ["key"]
        vals = samples(s.items[1], res, depth + 1)
        return [{keys[0]: v} for v in vals][:MAX_SAMPLES]
    if k == "object":
        if s.open:
            return [OPAQUE]
        per = [(f, samples(f.shape, res, depth + 1)) for f in s.fields]
        n = max([len(xs) for _, xs in per] + [1])
        out = []
        for i in range(min(n, MAX_SAMPLES)):
            out.append({f.name: xs[i % len(xs)] for f, xs in per if xs})
        absent = {f.name: xs[0] for f, xs in per if xs and not f.optional}
        if any(f.optional for f in s.fields):
            out.append(absent)
        if any(not xs and not f.optional for f, xs in per):
            return []  # a required field with no possible value: no such object
        return out
    return [OPAQUE]


def conforms(value, validator, res, depth=0) -> bool:
    """Would Convex accept `value` for `validator`? (the documented semantics, see above)"""
    if value is OPAQUE or depth > 12:
        return True
    val = res.resolve(validator)
    k = val.kind
    if k in ("any", "unknown"):
        return True
    if k == "null":
        return value is None
    if k == "string":
        return isinstance(value, str)
    if k == "number":
        return isinstance(value, float)
    if k == "int64":
        return isinstance(value, int) and not isinstance(value, bool)
    if k == "boolean":
        return isinstance(value, bool)
    if k == "bytes":
        return isinstance(value, bytes)
    if k == "id":
        return isinstance(value, IdVal) and value.table == val.table
    if k == "literal":
        want = val.value[1] if val.value[0] != "n" else float(val.value[1])
        return type(value) is type(want) and value == want and not isinstance(value, IdVal)
    if k == "union":
        return any(conforms(value, m, res, depth + 1) for m in val.items)
    if k == "array":
        return isinstance(value, list) and all(conforms(x, val.items[0], res, depth + 1) for x in value)
    if k == "record":
        return isinstance(value, dict) and all(
            conforms(key, val.items[0], res, depth + 1) and conforms(x, val.items[1], res, depth + 1)
            for key, x in value.items())
    if k == "object":
        if not isinstance(value, dict):
            return False
        fields = {f.name: f for f in val.fields}
        if not val.open and any(key not in fields for key in value):
            return False
        for name, f in fields.items():
            if name not in value:
                if not f.optional:
                    return False
                continue
            inner = f.shape if f.shape.kind != "optional" else f.shape.items[0]
            if not conforms(value[name], inner, res, depth + 1):
                return False
        return True
    return True


def _projects():
    if not os.path.isdir(CORPUS):
        return []
    return sorted(os.path.join(CORPUS, d) for d in os.listdir(CORPUS))


def _verdicts(project):
    an = Analyzer(discover([project]), Config(root=project))
    an.load_all(include_generated=False)
    for path, model in sorted(an.models.items()):
        if getattr(model, "root", None) is None or not model.registrations:
            continue
        inf = Inferer(model)
        res = Resolver(an.index, path)
        for reg in model.registrations:
            ret = reg.value("returns") if reg.config is not None else None
            if ret is None or reg.handler is None or builder_dialect(an.index, path, reg.builder) == "zod":
                continue
            validator = parse_validator(ret, path, inf.v_names)
            hr = inf.function_returns(reg.handler)
            if hr is None:
                continue
            for site in hr.sites:
                yield path, reg, site, validator, judge(site.shape, validator, res), res


@pytest.mark.skipif(not os.path.isdir(CORPUS), reason="corpus absent (python bench/corpus.py --small fetches it)")
def test_verdicts_agree_with_the_validator_model_on_the_corpus():
    decided = 0
    for project in _projects():
        for path, reg, site, validator, verdict, res in _verdicts(project):
            if verdict.kind == "unknown":
                continue
            decided += 1
            values = samples(site.shape, res)
            where = f"{os.path.relpath(path, CORPUS)}:{reg.fact.name}"
            if verdict.kind == "accepted":
                bad = [x for x in values if not conforms(x, validator, res)]
                assert not bad, f"{where}: accepted, but the model rejects {bad[0]!r}"
            else:
                assert values and any(not conforms(x, validator, res) for x in values), \
                    f"{where}: rejected ({verdict.detail}) but the model accepts every sample {values!r}"
    assert decided > 0, "no verdict at all on the corpus"


def test_the_model_itself_on_hand_written_values(tmp_path):
    """The model says what the documentation says (so the property above means something)."""
    from convex_lsp.analysis.validator_algebra import Field, Shape

    res = Resolver(None, "")
    obj = Shape("object", fields=(Field("a", Shape("string")), Field("b", Shape("number"), optional=True)))
    assert conforms({"a": "x"}, obj, res) and conforms({"a": "x", "b": 1.0}, obj, res)
    assert not conforms({"a": "x", "c": 1.0}, obj, res)  # extra field
    assert not conforms({"b": 1.0}, obj, res)  # missing required field
    assert conforms(IdVal("t"), Shape("string"), res) and not conforms("t", Shape("id", table="t"), res)
    assert not conforms(IdVal("u"), Shape("id", table="t"), res)
    assert not conforms(None, Shape("string"), res) and conforms(None, Shape("null"), res)
    assert not conforms(True, Shape("literal", value=("n", 1.0)), res)
    assert not conforms([{"a": "x"}], obj, res)
