import pytest

from tests.ruletester import FUNCTIONS_TS, invalid, run_case, valid

SCHEMA = """
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
export default defineSchema({
  tasks: defineTable({ ownerId: v.string(), status: v.string(), title: v.string() })
    .index("by_ownerId", ["ownerId"])
    .index("by_status", { fields: ["status"], staged: true })
    .index("by_ownerId_and_status", { fields: ["ownerId", "status"] })
    .searchIndex("search_title", { searchField: "title", staged: true }),
});
"""
FILES = {"convex/schema.ts": SCHEMA, "convex/functions.ts": FUNCTIONS_TS}

CASES = [
    valid("""
        import { query } from "./_generated/server";
        import { v } from "convex/values";
        export const mine = query({
          args: { ownerId: v.string() },
          handler: async (ctx, { ownerId }) => {
            // withIndex("by_status") is staged: not yet, see the comment
            const a = await ctx.db.query("tasks").withIndex("by_ownerId", (q) => q.eq("ownerId", ownerId)).take(10);
            const b = await ctx.db.query("tasks")
              .withIndex("by_ownerId_and_status", (q) => q.eq("ownerId", ownerId).eq("status", "open")).take(10);
            const note = 'withIndex("by_status")';
            return [a, b, note];
          },
        });
    """, files=FILES, name="enabled indexes (object form without staged), strings and comments"),
    invalid("""
        import { authedQuery } from "./functions";
        export const open = authedQuery({
          args: {},
          handler: async ({ db }) => {
            const open = await db.query("tasks").withIndex("by_status", (q) => q.eq("status", "open")).take(10);
            const found = await db.query("tasks").withSearchIndex("search_title", (q) => q.search("title", "x")).take(5);
            return [open, found];
          },
        });
    """, [5, 6], files=FILES, message="staged", name="custom builder, destructured db, search index"),
    invalid("""
        import type { QueryCtx } from "../_generated/server";
        export function openTasks(qctx: QueryCtx) {
          return qctx.db.query("tasks").withIndex("by_status", (q) => q.eq("status", "open"));
        }
    """, [3], files=FILES, filename="convex/model/tasks.ts", name="model helper with ctx named differently"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_staged_index_query(tmp_path, case):
    run_case(tmp_path, "staged-index-query", case)


def test_staged_index_is_not_also_unknown(tmp_path):
    from tests.ruletester import lint_files
    code = CASES[1].code
    fs = lint_files(tmp_path, {**FILES, "convex/example.ts": code}, select=["CVX206", "CVX213"])
    assert sorted({f.code for f in fs}) == ["CVX213"]
