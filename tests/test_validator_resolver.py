"""A Resolver asked many questions (CVX113 judges every return of a file with one) keeps the objects
it flattened: that never changes an answer (the same verdicts as without, in any order of
questions), with constants spread across files, constants that refer to themselves, and a chain of
constants deeper than resolution follows. Without those, each answer is a fresh Resolver's."""

from __future__ import annotations

import itertools
import textwrap

from convex_lsp.analysis.config import Config
from convex_lsp.analysis.engine import Analyzer
from convex_lsp.analysis.project import discover
from convex_lsp.analysis.syntax import file_cache
from convex_lsp.analysis import validator_algebra
from convex_lsp.analysis.validator_algebra import Field, Resolver, Shape, judge, literal, NULL, NUMBER, STRING
from tests.ruletester import write_project

SCHEMA = """
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import { base } from "./shared";
export default defineSchema({ items: defineTable({ ...base.fields, n: v.number() }) });
"""
SHARED = """
import { v } from "convex/values";
export const base = v.object({ name: v.string(), kind: v.union(v.literal("a"), v.literal("b")) });
export const withMore = v.object({ ...base.fields, more: v.optional(v.string()) });
export const selfish = v.object({ a: v.string(), again: selfish });
export const ping = v.object({ p: v.number(), ...pong.fields });
export const pong = v.object({ q: v.string(), ...ping.fields });
""" + "".join(f"export const c{i} = c{i + 1};\n" for i in range(30)) + "export const c30 = v.object({ deep: v.string() });\n"
VALIDATORS = ["base", "withMore", "selfish", "ping", "pong", "c0", "c12", "c25"]


def _values():
    name = Field("name", STRING)
    kind = Field("kind", literal(("s", "a")))
    return [
        Shape("object", fields=(name, kind)),
        Shape("object", fields=(name, kind, Field("more", NUMBER))),
        Shape("object", fields=(Field("a", STRING), Field("again", NULL))),
        Shape("object", fields=(Field("p", NUMBER), Field("q", STRING))),
        Shape("object", fields=(Field("deep", STRING),)),
        Shape("object", fields=(Field("deep", NUMBER),)),
        Shape("doc", table="items"),
        Shape("union", items=(NULL, Shape("doc", table="items"))),
        Shape("array", items=(STRING,)),
    ]


def _verdict(res, value, validator):
    v = validator_algebra.judge(value, validator, res)  # (as the module has it: monkeypatched below)
    return v.kind, v.reason, v.path, v.detail


def _analyzed(tmp_path):
    root = write_project(tmp_path, {"convex/schema.ts": SCHEMA, "convex/shared.ts": textwrap.dedent(SHARED)})
    an = Analyzer(discover([root]), Config(root=root))
    an.load_all()
    return an, f"{root}/convex/shared.ts"


def _orders(questions):
    return (questions, questions[::-1], list(itertools.chain(questions[1::2], questions[::2])))


def test_kept_flattenings_never_change_a_verdict(tmp_path, monkeypatch):
    an, path = _analyzed(tmp_path)
    questions = [(value, Shape("ref", value=(path, name))) for value in _values() for name in VALIDATORS]
    with file_cache(an.models[path].memo):
        for order in _orders(questions):
            res = Resolver(an.index, path)
            kept = [_verdict(res, *q) for q in order]
            assert res._flat
            with monkeypatch.context() as m:
                m.setattr(Resolver, "_flatten", lambda self, s, depth: self._flatten_now(s, depth))
                res = Resolver(an.index, path)
                assert [_verdict(res, *q) for q in order] == kept
            assert {k for k, *_ in kept} == {"accepted", "rejected", "unknown"}


def test_without_cycles_one_resolver_answers_as_fresh_ones(tmp_path):
    # (a name's resolution is memoised where first met: in a cycle, or at the end of a chain deeper
    # than resolution follows, the answer depends on the name asked first, kept or not)
    an, path = _analyzed(tmp_path)
    acyclic = ["base", "withMore", "c25"]
    questions = [(value, Shape("ref", value=(path, name))) for value in _values() for name in acyclic]
    with file_cache(an.models[path].memo):
        fresh = [_verdict(Resolver(an.index, path), *q) for q in questions]
        for order in _orders(questions):
            res = Resolver(an.index, path)
            got = {id(q): _verdict(res, *q) for q in order}
            assert [got[id(q)] for q in questions] == fresh


def _nested(leaf, levels):
    """[leaf, union(leaf, string), union(union(leaf, string), string), ...]: the same objects inside
    each other, each level one deeper for judge at the same field path."""
    out = [leaf]
    for _ in range(levels):
        out.append(Shape("union", items=(out[-1], STRING)))
    return out


def test_kept_judgements_never_change_a_verdict(tmp_path, monkeypatch):
    an, path = _analyzed(tmp_path)
    questions = [(value, Shape("ref", value=(path, name))) for value in _values() for name in VALIDATORS]
    # unions 30 deep (judging stops 24 levels down): the whole is unknown, a part 10 levels up is
    # rejected when asked first, and keeps no answer for the whole to reuse deeper down
    values = _nested(NUMBER, 30)
    deep = [(values[30], STRING), (values[10], STRING), (values[20], STRING)]
    union = Shape("union", items=(Shape("array", items=(NUMBER,)), Shape("array", items=(STRING,)), NULL))
    arrays = _nested(Shape("array", items=(NUMBER,)), 3)
    questions += deep + [(arrays[3], union), (Shape("array", items=(arrays[2],)), Shape("array", items=(union,)))]
    with file_cache(an.models[path].memo):
        for order in _orders(questions) + _orders(deep):
            res = Resolver(an.index, path)
            kept = [_verdict(res, *q) for q in order]
            assert res._judged
            with monkeypatch.context() as m:
                m.setattr(validator_algebra, "judge", lambda value, validator, r, p="", d=0:
                          validator_algebra._judge(value, validator, r, p, d))
                res = Resolver(an.index, path)
                assert [_verdict(res, *q) for q in order] == kept
            got = {id(q[0]): v for q, v in zip(order, kept)}
            assert got[id(values[30])][0] == "unknown" and got[id(values[10])][0] == "rejected"
