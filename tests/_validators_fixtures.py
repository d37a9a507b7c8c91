"""Shared project files for the validator rule tests (CVX102-CVX108)."""

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

SCHEMA_TS = """
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
export default defineSchema({
  users: defineTable({ name: v.string(), tokenIdentifier: v.string() }).index("by_token", ["tokenIdentifier"]),
  channels: defineTable({ name: v.string(), ownerId: v.id("users") }).index("by_ownerId", ["ownerId"]),
  messages: defineTable({ channelId: v.id("channels"), body: v.string() }).index("by_channelId", ["channelId"]),
  jobs: defineTable({ userId: v.string(), status: v.string() }).index("by_userId", ["userId"]),
});
"""
