import pytest

from tests.ruletester import invalid, run_case, valid

FUNCTIONS_TS = """
import { customMutation, customCtx } from "convex-helpers/server/customFunctions";
import { mutation as rawMutation } from "./_generated/server";
export const mutation = customMutation(rawMutation, customCtx(async () => ({})));
"""

CASES = [
    valid("""
        import { mutation } from "./_generated/server";
        import { v } from "convex/values";
        export const bump = mutation({
          args: { userId: v.id("users") },
          handler: async (ctx, { userId }) => {
            const stats = await ctx.db
              .query("userStats")
              .withIndex("by_userId", (q) => q.eq("userId", userId))
              .unique();
            await ctx.db.patch(stats!._id, { count: stats!.count + 1 });
          },
        });
    """, name="per-user document (variable in the index range)"),
    valid("""
        import { mutation } from "./_generated/server";
        import { v } from "convex/values";
        export const bump = mutation({
          args: { id: v.id("posts") },
          handler: async (ctx, args) => {
            const post = await ctx.db.get(args.id);
            await ctx.db.patch(post!._id, { likes: post!.likes + 1 });
          },
        });
    """, name="get by a client-given id"),
    valid("""
        import { mutation } from "./_generated/server";
        export const touch = mutation({
          args: {},
          handler: async (ctx) => {
            const settings = await ctx.db.query("settings").unique();
            await ctx.db.patch(settings!._id, { updatedAt: Date.now(), title: settings!.title + " (copy)" });
          },
        });
    """, name="constant document, but no counter-style write"),
    valid("""
        import { mutation } from "./_generated/server";
        import { v } from "convex/values";
        export const add = mutation({
          args: { name: v.string(), shard: v.number() },
          handler: async (ctx, { name, shard }) => {
            const row = await ctx.db
              .query("counters")
              .withIndex("by_name_and_shard", (q) => q.eq("name", name).eq("shard", shard))
              .unique();
            if (row) await ctx.db.patch(row._id, { value: row.value + 1 });
          },
        });
    """, name="sharded counter"),
    valid("""
        import { query } from "./_generated/server";
        export const peek = query({
          args: {},
          handler: async (ctx) => {
            const c = await ctx.db.query("counters").unique();
            // "ctx.db.patch(c._id, { count: c.count + 1 })" is only text here
            return c ? c.count + 1 : 0;
          },
        });
    """, name="query arithmetic, no write"),
    invalid("""
        import { mutation } from "./_generated/server";
        export const incrementCounter = mutation({
          args: {},
          handler: async (ctx) => {
            const counter = await ctx.db.query("counters").unique();
            await ctx.db.patch(counter!._id, { count: counter!.count + 1 });
          },
        });
    """, [6], name="the spec's global counter"),
    invalid("""
        import { mutation } from "./functions";
        const GLOBAL = "global";
        export const visit = mutation({
          args: {},
          handler: async ({ db }) => {
            const stats = await db
              .query("stats")
              .withIndex("by_name", (q) => q.eq("name", GLOBAL))
              .first();
            if (!stats) return;
            await db.patch(stats._id, {
              visits: (stats.visits ?? 0) + 1,
            });
          },
        });
    """, [11], files={"convex/functions.ts": FUNCTIONS_TS},
        name="custom builder, destructured db, constant index bound"),
    valid("""
        import { internalMutation } from "./_generated/server";
        export const tick = internalMutation({
          args: {},
          handler: async (ctx) => {
            const state = await ctx.db.query("cronState").unique();
            await ctx.db.patch(state!._id, { runs: state!.runs + 1 });
          },
        });
    """, name="internal mutation (cron-driven)"),
    invalid("""
        import { mutation as m } from "./_generated/server";
        import { Id } from "./_generated/dataModel";
        const POOL_ID = "k57abc" as Id<"pools">;
        export const release = m({
          args: {},
          handler: async (c) => {
            const pool = await c.db.get(POOL_ID);
            await c.db.patch(POOL_ID, { available: pool!.available - 1 });
          },
        });
    """, [8], name="renamed ctx, get by a constant id"),
    invalid("""
        import type { MutationCtx } from "../_generated/server";
        export async function recordSignup(ctx: MutationCtx) {
          const totals = await ctx.db.query("totals").first();
          if (totals) {
            await ctx.db.replace(totals._id, { ...totals, signups: totals.signups + 1 });
          }
        }
    """, [5], filename="convex/model/totals.ts", name="model-layer helper"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_hot_spot_write(tmp_path, case):
    run_case(tmp_path, "hot-spot-write", case)
