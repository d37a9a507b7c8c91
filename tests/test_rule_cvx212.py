import pytest

from tests._kw_fixtures import FILES
from tests.ruletester import invalid, run_case, valid

CASES = [
    valid("""
        import { query } from "./_generated/server";
        export const q1 = query({
          args: {},
          handler: async (ctx, { channelId, ownerId, token }) => {
            // .first() after a full index is discussed here only
            const a = await ctx.db.query("messages")
              .withIndex("by_channelId_and_authorId", (q) => q.eq("channelId", channelId)).first();
            const b = await ctx.db.query("users")
              .withIndex("by_tokenIdentifier", (q) => q.eq("tokenIdentifier", token)).order("desc").first();
            const c = await ctx.db.query("users")
              .withIndex("by_tokenIdentifier", (q) => q.eq("tokenIdentifier", token))
              .filter((q) => q.eq(q.field("status"), "active")).first();
            const d = await ctx.db.query("channels")
              .withIndex("by_ownerId_and_archived", (q) => q.eq("ownerId", ownerId).eq("archived", false)).first();
            const e = await ctx.db.query("users")
              .withIndex("by_tokenIdentifier", (q) => q.eq("tokenIdentifier", token)).unique();
            return [a, b, c, d, e];
          },
        });
    """, files=FILES, name="partial, order, filter, category lookup, unique"),
    invalid("""
        import { authedQuery } from "./functions";
        export const me = authedQuery({
          args: {},
          handler: async ({ db, identity }) => {
            return await db
              .query("users")
              .withIndex("by_tokenIdentifier", (q) => q.eq("tokenIdentifier", identity.tokenIdentifier))
              .first();
          },
        });
    """, [8], files=FILES, name="all fields bound, custom builder, destructured db"),
    invalid("""
        import type { QueryCtx } from "../_generated/server";
        export async function channelOf(ctx: QueryCtx, channelId: any, authorId: any) {
          return ctx.db.query("messages").withIndex("by_channelId_and_authorId",
            (q) => q.eq("channelId", channelId).eq("authorId", authorId)).first();
        }
    """, [4], files=FILES, filename="convex/model/messages.ts", name="two-field index in a model helper"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_first_on_unique_index(tmp_path, case):
    run_case(tmp_path, "first-on-unique-index", case)
