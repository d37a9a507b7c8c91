"""Shared fixture files for the queries-and-indexes rule tests (CVX202-CVX212)."""

SCHEMA = """
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import { authTables } from "@convex-dev/auth/server";
import { messagesTable } from "./tables/messages";

export default defineSchema({
  ...authTables,
  users: defineTable({
    name: v.string(),
    email: v.optional(v.string()),
    tokenIdentifier: v.string(),
    status: v.string(),
  })
    .index("email", ["email"])
    .index("by_tokenIdentifier", ["tokenIdentifier"]),
  channels: defineTable({ name: v.string(), ownerId: v.id("users"), archived: v.boolean() })
    .index("by_ownerId", ["ownerId"])
    .index("by_ownerId_and_archived", ["ownerId", "archived"]),
  messages: messagesTable,
  tasks: defineTable({ title: v.string(), done: v.boolean(), projectId: v.string() }),
});
"""

MESSAGES_TABLE = """
import { defineTable } from "convex/server";
import { v } from "convex/values";

export const messagesTable = defineTable({
  channelId: v.id("channels"),
  authorId: v.id("users"),
  body: v.string(),
})
  .index("by_channelId_and_authorId", ["channelId", "authorId"])
  .searchIndex("search_body", { searchField: "body", filterFields: ["channelId"] });
"""

FUNCTIONS_TS = """
import { customQuery, customMutation, customCtx } from "convex-helpers/server/customFunctions";
import { query, mutation as rawMutation } from "./_generated/server";
export const authedQuery = customQuery(query, {
  args: {},
  input: async (ctx, args) => {
    const identity = await ctx.auth.getUserIdentity();
    if (!identity) throw new Error("Unauthorized");
    return { ctx: { ...ctx, identity }, args };
  },
});
export const mutation = customMutation(rawMutation, customCtx(async () => ({})));
"""

FILES = {
    "convex/schema.ts": SCHEMA,
    "convex/tables/messages.ts": MESSAGES_TABLE,
    "convex/functions.ts": FUNCTIONS_TS,
}


def files(**extra):
    out = dict(FILES)
    out.update({k.replace("__", "/").replace("_ts", ".ts"): v for k, v in extra.items()})
    return out
