import pytest

from tests.ruletester import invalid, lint_files, run_case, valid

CASES = [
    valid("""
        import { v } from "convex/values";
        export const all = v.object({
          a: v.string(), b: v.number(), c: v.float64(), d: v.int64(), e: v.bigint(), f: v.boolean(),
          g: v.null(), h: v.id("users"), i: v.array(v.any()), j: v.record(v.string(), v.bytes()),
          k: v.union(v.literal("x"), v.literal(1)), l: v.optional(v.nullable(v.string())),
          m: v.commitTs(),
        });
        export const o = v.string().describe;
    """, name="every real member; methods on validators"),
    valid("""
        import { v } from "convex/values";
        const pairs = [[1, 2]].map((v) => v.map((x) => x * 2));
        for (const v of new Set<number>()) console.log(v.set);
        // v.map() is not supported
    """, name="a local `v` shadows the import"),
    valid("""
        import { z as v } from "zod";
        export const s = v.set(v.string());
    """, name="`v` from another package"),
    invalid("""
        import { v } from "convex/values";
        import { mutation } from "./functions";
        export const save = mutation({
          args: { tags: v.set(v.string()), byKey: v.map(v.string(), v.number()) },
          returns: v.null(),
          handler: async (ctx, args) => null,
        });
    """, [4, 4], name="v.set and v.map"),
    invalid("""
        import { defineSchema, defineTable } from "convex/server";
        import { v } from "convex/values";
        export default defineSchema({ events: defineTable({ at: v.date(), n: v.integer() }) });
    """, [3, 3], filename="convex/schema.ts", name="schema: v.date, v.integer"),
    invalid("""
        import { v as cv } from "convex/values";
        export const shape = cv.object({ name: cv.strin() });
    """, [2], name="typo under an alias", message="did you mean `v.string`"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_unsupported_validator(tmp_path, case):
    run_case(tmp_path, "unsupported-validator", case)


def test_range(tmp_path):
    code = 'import { v } from "convex/values";\nexport const x = v.object({ s: v.set(v.string()) });\n'
    [f] = lint_files(tmp_path, {"convex/x.ts": code}, select=["CVX108"])
    assert code.encode()[f.start:f.end] == b"v.set(v.string())"
    assert f.data["member"] == "set"
