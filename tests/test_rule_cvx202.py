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


FOR_AWAIT_CASES = [
    invalid("""
        import { internalMutation } from "./_generated/server";
        export const backfill = internalMutation({
          args: {},
          handler: async ({ db }) => {
            for await (const message of db.query("messages")) {
              if (message.body === undefined) await db.patch(message._id, { body: "" });
            }
            return null;
          },
        });
    """, [5], files=FILES, name="for await over a whole table", message="`for await`"),
    invalid("""
        import { internalMutation } from "./_generated/server";
        export const backfill = internalMutation({
          args: {},
          handler: async (ctx) => {
            const all = ctx.db.query("messages").order("desc");
            for await (const m of all) await ctx.db.patch(m._id, { seen: true });
            return null;
          },
        });
    """, [6], files=FILES, name="for await over a chain kept in a variable"),
    valid("""
        import { v } from "convex/values";
        import { internalMutation } from "./_generated/server";
        export const markChannel = internalMutation({
          args: { channelId: v.id("channels") },
          handler: async (ctx, { channelId }) => {
            const inChannel = ctx.db.query("messages")
              .withIndex("by_channelId_and_authorId", (q) => q.eq("channelId", channelId));
            for await (const m of inChannel) await ctx.db.patch(m._id, { seen: true });
            for (const id of [channelId]) console.log(id);
            for await (const chunk of streamFrom(channelId)) console.log(chunk);
            return null;
          },
        });
        declare function streamFrom(id: string): AsyncIterable<string>;
    """, files=FILES, name="for await over an index range; other iterables"),
]


@pytest.mark.parametrize("case", FOR_AWAIT_CASES, ids=repr)
def test_unbounded_for_await(tmp_path, case):
    run_case(tmp_path, "unbounded-collect", case)
