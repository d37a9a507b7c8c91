import pytest

from tests.ruletester import invalid, lint_files, run_case, valid

CASES = [
    valid("""
        import { defineSchema, defineTable } from "convex/server";
        import { v } from "convex/values";
        // v.bigint() is deprecated: we use v.int64()
        export default defineSchema({ counters: defineTable({ total: v.int64(), label: v.string() }) });
    """, filename="convex/schema.ts", name="int64, comment mentions bigint"),
    valid("""
        import { query } from "./_generated/server";
        import { v } from "./validators";
        export const f = query({ args: { n: v.bigint() }, returns: v.null(), handler: async () => null });
    """, name="`v` not from convex/values"),
    valid("""
        import { v } from "convex/values";
        const parse = (v: { bigint: () => bigint }) => v.bigint();
        const msg = "v.bigint()";
    """, name="shadowed v and strings"),
    invalid("""
        import { defineSchema, defineTable } from "convex/server";
        import { v } from "convex/values";
        export default defineSchema({
          counters: defineTable({ total: v.bigint(), maybe: v.optional(v.bigint()) }),
        });
    """, [4, 4], filename="convex/schema.ts", name="schema fields", message="v.int64()"),
    invalid("""
        import { mutation } from "./functions";
        import { v as val } from "convex/values";
        export const add = mutation({
          args: { amount: val.bigint() },
          returns: val.null(),
          handler: async (c, { amount }) => null,
        });
    """, [4], name="aliased v import in args"),
    # the file's bytes are read before the tree (validators_util.v_member_names): what they cannot
    # settle (comments, Unicode spaces, a name inside a longer word) must still be reported
    invalid("""
        import { v } from "convex/values";
        export const a = v.object({ n: v /* legacy */ .bigint() });
    """, [2], name="a comment before the dot"),
    invalid("""
        import { v } from "convex/values";
        export const a = v.object({ n: v.// the old name
          bigint() });
    """, [2], name="a comment after the dot"),
    invalid("""
        import { v } from "convex/values";
        export const a = v.object({ n: v
          /* the old name */
          .bigint() });
    """, [2], filename="convex/legacy.js", name="a comment on a line of its own, JS file"),
    invalid("""
        import { v } from "convex/values";
        export const a = v.object({ n: v\u00a0.bigint() });
    """, [2], name="a Unicode space before the dot"),
    invalid("""
        import { v } from "convex/values";
        export const a = v.object({ n: v.bigint\u00a0() });
    """, [2], name="a Unicode space after the member"),
    invalid("""
        import { v } from "convex/values";
        export const a = v.object({ n: v?.bigint(), m: v
          .int64() });
    """, [2], name="?. and a line break"),
    invalid("""
        import { v } from "convex/values";
        import { internalMutation as im } from "@convex-dev/x/server";
        const key = process.env.KEY ?? "dev/x";
        export const f = im({ args: { n: v.bigint() }, handler: async ({ db }, { n }) => { await db.insert("t", { n }); } });
    """, [4], name="env.KEY and dev/ in the bytes"),
    invalid("""
        const { v } = require("convex/values");
        import { v as w } from "convex/values";
        module.exports.shape = w.object({ n: w.bigint() });
    """, [3], filename="convex/legacy.js", name="JS file, alias"),
    valid("""
        import { v } from "convex/values";
        export type Big = bigint;
        export const toBig = (n: number): bigint => BigInt(n); // bigint, not v.bigint
        export const shape = v.object({ n: v.int64() });
    """, name="bigint as a type only"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_deprecated_bigint_validator(tmp_path, case):
    run_case(tmp_path, "deprecated-bigint-validator", case)


def test_range_and_tag(tmp_path):
    code = 'import { v } from "convex/values";\nexport const x = v.object({ n: v.bigint() });\n'
    [f] = lint_files(tmp_path, {"convex/x.ts": code}, select=["CVX105"])
    assert code.encode()[f.start:f.end] == b"v.bigint()"
    assert code.encode()[f.data["prop_start"]:f.data["prop_end"]] == b"bigint"
    assert "deprecated" in f.tags
