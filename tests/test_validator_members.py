"""`validator_members` (the `v.<member>` uses of the convex/values `v`) answers what a walk up from
each use answers: a member inside a scope binding the name again (a parameter, a local, a `catch`
or `for` variable, a function or class name) is not on the import."""

from __future__ import annotations

import textwrap

from convex_lsp.analysis.model import FileModel
from convex_lsp.analysis.source import SourceFile
from convex_lsp.analysis.syntax import file_cache, text
from convex_lsp.analysis.validators_util import is_shadowed, v_locals, v_member_names, validator_members

CODE = textwrap.dedent("""
    import { v } from "convex/values";
    import { v as values } from "convex/values";
    // v.comment() and "v.string()" are no members
    export const a = v.object({ x: v.string(), y: values.number(), z: v?.int64() });
    export function param(v) { return v.string(); }
    export const arrow = (x) => [x.map((v) => v.id), v.boolean()];
    export const pattern = ({ v }) => v.bytes();
    export const renamed = ({ a: v = 1 }, ...rest) => v.any();
    function block() {
      const early = v.float64();  // the `const v` below binds the whole block
      { const v = make(); v.null(); }
      const v = other;
      return [early, v.literal("x")];
    }
    try { run(); } catch (v) { v.message; } finally { v.record(); }
    for (const v of list) { v.array(); }
    for (let i = 0; i < 3; i++) { v.optional(v.string()); }
    const f = function v() { return v.name; };
    class Box { method() { return v.union(); } }
    function outer() { function v() {} return v.call(); }
    if (flag) { class v {} v.prototype; }
    switch (kind) { case 1: const v = 2; v.toFixed(); break; default: v.id("t"); }
    export const v$ = 1, $v = 2, w = v$.x + $v.y + v.nullable(v.string());
""")


def _reference(model):
    names = v_locals(model)
    out = []
    for n in model.nodes_of_type("member_expression"):
        obj = n.child_by_field_name("object")
        prop = n.child_by_field_name("property")
        if obj is None or obj.type != "identifier" or text(obj) not in names:
            continue
        if prop is None or prop.type != "property_identifier" or is_shadowed(obj, text(obj)):
            continue
        out.append((n.start_byte, text(prop)))
    return sorted(out)


def test_members_are_those_a_walk_up_from_each_use_finds():
    model = FileModel(SourceFile.from_bytes("/w/convex/v.ts", CODE.encode()), "/w/convex", "v")
    with file_cache(model.memo):
        got = [(n.start_byte, member) for n, member in validator_members(model)]
        want = _reference(model)
    assert got == want
    members = [m for _, m in got]
    # on the import: the top-level ones, a `finally` after `catch (v)`, a `for (let i…)` body, a method
    assert members.count("string") == 3 and "number" in members and "int64" in members
    assert "boolean" in members and "record" in members and "optional" in members and "union" in members
    assert "nullable" in members and "id" in members
    # shadowed: a parameter, a pattern, a block's `const`, a `catch`/`for` variable, function and class names
    for shadowed in ("bytes", "any", "float64", "null", "literal", "message", "array", "name", "call",
                     "prototype", "toFixed"):
        assert shadowed not in members, shadowed


def _model(code: str) -> FileModel:
    return FileModel(SourceFile.from_bytes("/w/convex/v.ts", textwrap.dedent(code).encode()), "/w/convex", "v")


def test_member_names_from_the_bytes_hold_every_member():
    model = _model(CODE)
    with file_cache(model.memo):
        names = v_member_names(model)
        members = {m for _, m in validator_members(model)}
    assert names is not None and members <= names
    # uses inside a longer word (`v$.x`, `$v.y` are other names) may be among them, never needed
    assert {"string", "nullable", "bytes", "message"} <= names


def test_member_names_when_the_bytes_cannot_tell():
    head = 'import { v } from "convex/values";\n'
    plain = _model(head + 'const env = process.env.KEY, csv = "a.csv/x", x = v.string(), y = v?.object({});\n')
    assert v_member_names(plain) == {"string", "object"}  # `env.KEY`, `csv/` end longer words
    assert v_member_names(_model('import { z as v } from "zod";\nconst s = v.set();\n')) == frozenset()
    for odd in ("v /* c */ .string()", "v// c\n.string()", "v.//c\nstring()", "v\u00a0.string()",
                "v.string\u00a0()", "v.str\\u0069ng()", "v.stré()", "v.\n)", "v\n<!-- c\n.string()",
                "v\n--> c\n.string()"):
        assert v_member_names(_model(head + "const x = " + odd + ";\n")) is None, odd
