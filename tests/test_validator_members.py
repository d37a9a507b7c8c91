"""`validator_members` (the `v.<member>` uses of the convex/values `v`) answers what a walk up from
each use answers: a member inside a scope binding the name again (a parameter, a local, a `catch`
or `for` variable, a function or class name) is not on the import."""

from __future__ import annotations

import textwrap

from convex_lsp.analysis.model import FileModel
from convex_lsp.analysis.source import SourceFile
from convex_lsp.analysis.syntax import file_cache, text
from convex_lsp.analysis.validators_util import is_shadowed, v_locals, validator_members

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
