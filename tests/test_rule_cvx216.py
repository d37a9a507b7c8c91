import pytest

from tests.ruletester import FUNCTIONS_TS, invalid, run_case, valid

CASES = [
    valid("""
        import { mutation } from "./_generated/server";
        import { v } from "convex/values";
        export const clear = mutation({
          args: { userId: v.id("users") },
          returns: v.null(),
          handler: async (ctx, { userId }) => {
            const sessions = await ctx.db.query("sessions").withIndex("by_userId", (q) => q.eq("userId", userId)).take(100);
            for (const s of sessions) await ctx.db.delete(s._id);
            const cache = new Map<string, number>();
            cache.delete("x"); // not a query
            // ctx.db.query("sessions").delete() in a comment
            return null;
          },
        });
    """, name="db.delete per document, Map.delete"),
    invalid("""
        import { mutation } from "./functions";
        export const clear = mutation({
          args: {},
          handler: async ({ db }, args) => {
            await db.query("sessions").withIndex("by_expiresAt", (q) => q.lt("expiresAt", Date.now())).delete();
          },
        });
    """, [5], files={"convex/functions.ts": FUNCTIONS_TS}, message="ctx.db.delete", name="custom builder, { db }"),
    invalid("""
        import type { MutationCtx } from "../_generated/server";
        function userSessions(c: MutationCtx, userId: string) {
          return c.db.query("sessions").withIndex("by_userId", (q) => q.eq("userId", userId));
        }
        export async function logout(c: MutationCtx, userId: string) {
          await userSessions(c, userId).delete();
        }
    """, [6], filename="convex/model/sessions.ts", name="helper returning a query, ctx named c"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_query_delete(tmp_path, case):
    run_case(tmp_path, "query-delete", case)
