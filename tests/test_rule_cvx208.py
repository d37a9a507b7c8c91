import pytest

from tests._kw_fixtures import FILES
from tests.ruletester import invalid, run_case, valid

CASES = [
    valid("""
        import { mutation } from "./functions";
        import { v } from "convex/values";
        export const send = mutation({
          args: { channelId: v.id("channels"), file: v.id("_storage"), job: v.id("_scheduled_functions") },
          handler: async (ctx, args) => {
            // ctx.db.insert("nope", {}) in a comment
            await ctx.db.insert("messages", { channelId: args.channelId, body: "insert('nope')" } as any);
            await ctx.db.query("authSessions").take(1);
            const f = await ctx.db.system.query("_storage").take(1);
            await ctx.db.get("channels", args.channelId);
            return f;
          },
        });
    """, files=FILES, name="known tables, package tables, system tables"),
    valid("""
        import { query } from "./_generated/server";
        export const list = query({ args: {}, handler: async (ctx) => ctx.db.query("anything").take(1) });
    """, name="no schema: silent"),
    valid("""
        import { query } from "./_generated/server";
        export const list = query({ args: {}, handler: async (ctx) => ctx.db.query("migrations").take(1) });
    """, files={"convex/schema.ts": """
        import { defineSchema, defineTable } from "convex/server";
        import { migrationsTable } from "convex-helpers/server/migrations";
        export default defineSchema({ ...migrationsTable, tasks: defineTable({}) });
    """}, name="schema spreads tables it cannot see: silent"),
    invalid("""
        import { query } from "./_generated/server";
        import { v } from "convex/values";
        export const list = query({
          args: { id: v.id("channel") },
          handler: async (c, args) => {
            await c.db.get("chanels", args.id as any);
            return await c.db.query("message").take(10);
          },
        });
    """, [4, 6, 7], files=FILES, message="did you mean", name="typos in v.id, get, query"),
    invalid("""
        import type { MutationCtx } from "../_generated/server";
        export async function log(ctx: MutationCtx) {
          await ctx.db.insert("auditLog", { at: Date.now() });
        }
    """, [3], files=FILES, filename="convex/model/audit.ts", name="model helper insert into an unknown table"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_unknown_table(tmp_path, case):
    run_case(tmp_path, "unknown-table", case)
