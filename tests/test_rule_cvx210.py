import pytest

from tests._kw_fixtures import FILES
from tests.ruletester import invalid, run_case, valid

CASES = [
    valid("""
        import { query } from "./_generated/server";
        export const list = query({
          args: {},
          handler: async (ctx, { ownerId, channelId }) => {
            // .filter((q) => q.eq(q.field("title"), x)) in a comment
            const a = await ctx.db.query("channels").filter((q) => q.eq(q.field("ownerId"), ownerId)).take(5);
            const b = await ctx.db.query("messages")
              .withIndex("by_channelId_and_authorId", (q) => q.eq("channelId", channelId))
              .filter((q) => q.eq(q.field("body"), "hi")).take(5);
            const c = await ctx.db.query("tasks").filter((q) => q.neq(q.field("title"), "")).take(5);
            const d = await ctx.db.query("tasks").filter((q) => q.gt(q.field("title"), "a")).take(5);
            const e = await ctx.db.query("tasks").filter((q) => q.or(q.eq(q.field("title"), "a"), q.eq(q.field("title"), "b"))).take(5);
            const rows = await ctx.db.query("tasks").take(50);
            const f = rows.filter((t) => t.title === "x");
            return [a, b, c, d, e, f];
          },
        });
    """, files=FILES, name="index exists, after withIndex, neq/range/or, array filter"),
    valid("""
        import { query } from "./_generated/server";
        export const list = query({ args: {}, handler: async (ctx) =>
          ctx.db.query("tasks").filter((q) => q.eq(q.field("done"), true)).take(5) });
    """, name="no schema: silent"),
    invalid("""
        import { authedQuery } from "./functions";
        export const open = authedQuery({
          args: {},
          handler: async (c, { projectId }) => {
            return await c.db
              .query("tasks")
              .filter((q) => q.and(q.eq(q.field("projectId"), projectId), q.eq(q.field("done"), false)))
              .take(20);
          },
        });
    """, [7], files=FILES, message='by_projectId_and_done', name="conjunction, custom builder, renamed ctx"),
    invalid("""
        import type { QueryCtx } from "../_generated/server";
        export async function byStatus(ctx: QueryCtx, status: string) {
          return ctx.db.query("users").filter((q) => {
            return q.eq(status, q.field("status"));
          }).take(10);
        }
    """, [3], files=FILES, filename="convex/model/users.ts", name="model helper, block body, reversed eq"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_missing_index_for_filter(tmp_path, case):
    run_case(tmp_path, "missing-index-for-filter", case)
