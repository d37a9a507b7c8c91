import pytest

from tests._kw_fixtures import FILES
from tests.ruletester import invalid, run_case, valid

CASES = [
    valid("""
        import { query } from "./_generated/server";
        export const list = query({
          args: {},
          handler: async (ctx, { channelId }) => {
            // a full `.collect()` would be bad here; "ctx.db.query('x').collect()" in a string is not code
            return await ctx.db
              .query("messages")
              .withIndex("by_channelId_and_authorId", (q) => q.eq("channelId", channelId))
              .collect();
          },
        });
    """, files=FILES, name="collect after an index range"),
    valid("""
        import { query } from "./_generated/server";
        export const list = query({
          args: {},
          handler: async (context) => {
            const a = await context.db.query("tasks").take(100);
            const b = await context.db.query("tasks").order("desc").paginate({ numItems: 10, cursor: null });
            const c = await context.db.query("messages").withSearchIndex("search_body", (q) => q.search("body", "hi")).collect();
            return [a, b, c];
          },
        });
    """, files=FILES, name="take, paginate, search"),
    valid("""
        export async function all(items: string[]) {
          const rows = await Promise.all(items);
          return rows.filter(Boolean);
        }
        const other = { collect: () => [] };
        export const x = other.collect();
    """, files=FILES, name="collect on something that is not a query"),
    invalid("""
        import { query } from "./_generated/server";
        export const list = query({
          args: {},
          handler: async (ctx) => {
            return await ctx.db.query("tasks").collect();
          },
        });
    """, [5], files=FILES, name="plain full-table collect"),
    invalid("""
        import { authedQuery } from "./functions";
        export const mine = authedQuery({
          args: {},
          handler: async ({ db }) => {
            const rows = await db
              .query("tasks")
              .filter((q) => q.eq(q.field("done"), false))
              .collect();
            const ordered = await db.query("users").withIndex("by_tokenIdentifier").order("desc").collect();
            return [rows, ordered];
          },
        });
    """, [8, 9], files=FILES, name="custom builder, destructured db, filter, withIndex with no range"),
    invalid("""
        import type { QueryCtx } from "../_generated/server";
        export async function allChannels(ctx: QueryCtx) {
          return await ctx.db.query("channels").collect();
        }
    """, [3], files=FILES, filename="convex/model/channels.ts", name="model helper taking QueryCtx"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_unbounded_collect(tmp_path, case):
    run_case(tmp_path, "unbounded-collect", case)
