import pytest

from tests._kw_fixtures import FILES
from tests.ruletester import invalid, run_case, valid

ME = """
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
"""
STORE_USER_UPSERT = """
    import { mutation } from "./_generated/server";
    export const store = mutation({
      args: {},
      handler: async (ctx) => {
        const identity = await ctx.auth.getUserIdentity();
        if (!identity) throw new Error("Called storeUser without authentication present");
        const user = await ctx.db.query("users")
          .withIndex("by_tokenIdentifier", (q) => q.eq("tokenIdentifier", identity.tokenIdentifier)).first();
        if (user !== null) {
          if (user.name !== identity.name) await ctx.db.patch(user._id, { name: identity.name ?? "" });
          return user._id;
        }
        return await ctx.db.insert("users", { name: identity.name ?? "", tokenIdentifier: identity.tokenIdentifier, status: "new" });
      },
    });
"""
USER_BY_TOKEN_UNIQUE = """
    import type { QueryCtx } from "../_generated/server";
    export async function userByToken(ctx: QueryCtx, token: string) {
      return await ctx.db.query("users").withIndex("by_tokenIdentifier", (q) => q.eq("tokenIdentifier", token)).unique();
    }
"""
LATEST_MESSAGE = """
    import type { QueryCtx } from "../_generated/server";
    export async function lastBy(ctx: QueryCtx, channelId: any, authorId: any) {
      return ctx.db.query("messages").withIndex("by_channelId_and_authorId",
        (q) => q.eq("channelId", channelId).eq("authorId", authorId)).first();
    }
"""
MESSAGE_UNIQUE = """
    import { v } from "convex/values";
    import { internalQuery } from "./_generated/server";
    export const pinned = internalQuery({
      args: { channelId: v.id("channels"), authorId: v.id("users") },
      handler: async (ctx, { channelId, authorId }) => await ctx.db.query("messages")
        .withIndex("by_channelId_and_authorId", (q) => q.eq("channelId", channelId).eq("authorId", authorId))
        .unique(),
    });
"""

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
    invalid(ME, [8, ("convex/users.ts", 8)], files={**FILES, "convex/users.ts": STORE_USER_UPSERT},
            name="all fields bound; the upsert elsewhere shows the key is unique"),
    valid(ME, files=FILES, name="all fields bound but nothing shows uniqueness: silent"),
    invalid(ME, [8], files={**FILES, "convex/model/users.ts": USER_BY_TOKEN_UNIQUE},
            name="the same lookup is read with .unique() in a model helper"),
    invalid(STORE_USER_UPSERT, [8], files=FILES, filename="convex/users.ts", name="the upsert's own .first()"),
    valid(LATEST_MESSAGE, files=FILES, filename="convex/model/messages.ts",
          name="a one-to-many lookup: the latest / has any"),
    invalid(LATEST_MESSAGE, [4], files={**FILES, "convex/messages.ts": MESSAGE_UNIQUE},
            filename="convex/model/messages.ts", name="two-field index read with .unique() elsewhere"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_first_on_unique_index(tmp_path, case):
    run_case(tmp_path, "first-on-unique-index", case)
