import pytest

from tests._kw_fixtures import FILES
from tests.ruletester import invalid, run_case, valid

CASES = [
    valid("""
        import { query } from "./_generated/server";
        export const list = query({
          args: {},
          handler: async (ctx, { channelId }) => {
            const rows = await ctx.db
              .query("messages")
              .withIndex("by_channelId_and_authorId", (q) => q.eq("channelId", channelId))
              .collect();
            return { count: rows.length, rows };
          },
        });
    """, files=FILES, name="rows used beyond length"),
    valid("""
        import { query } from "./_generated/server";
        export const list = query({
          args: {},
          handler: async (ctx) => {
            // counting with `.collect()).length` is discussed in a comment only
            const rows = await ctx.db.query("tasks").take(100);
            const label = "(await q.collect()).length";
            const all = await ctx.db.query("tasks").collect();
            return { n: rows.length === 100 ? "99+" : rows.length, label, all };
          },
        });
    """, files=FILES, name="take for count, collect returned"),
    valid("""
        import { query } from "./_generated/server";
        export const list = query({
          args: {},
          handler: async (ctx) => {
            const rows = await ctx.db.query("tasks").collect();
            console.log(rows.length);
            return { rows };
          },
        });
    """, files=FILES, name="shorthand property is a use"),
    invalid("""
        import { query } from "./_generated/server";
        export const count = query({
          args: {},
          handler: async (ctx, { channelId }) => {
            const rows = await ctx.db
              .query("messages")
              .withIndex("by_channelId_and_authorId", (q) => q.eq("channelId", channelId))
              .collect();
            return rows.length;
          },
        });
    """, [8], files=FILES, name="variable used only for length"),
    invalid("""
        import { authedQuery } from "./functions";
        export const count = authedQuery({
          args: {},
          handler: async (c) => {
            return (await c.db.query("tasks").collect()).length;
          },
        });
    """, [5], files=FILES, name="direct length, renamed ctx, custom builder"),
    invalid("""
        import type { DatabaseReader } from "../_generated/server";
        export async function countOwned(db: DatabaseReader, ownerId: string) {
          const owned = await db
            .query("channels")
            .withIndex("by_ownerId", (q) => q.eq("ownerId", ownerId as any))
            .collect();
          if (owned.length > 10) return "10+";
          return String(owned.length);
        }
    """, [6], files=FILES, filename="convex/model/channels.ts", name="model helper with DatabaseReader"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_collect_for_count(tmp_path, case):
    run_case(tmp_path, "collect-for-count", case)
