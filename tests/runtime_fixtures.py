"""Shared project files for the CVX3xx (transaction and runtime boundaries) rule tests."""

FUNCTIONS_TS = """
import { customQuery, customMutation, customAction, customCtx } from "convex-helpers/server/customFunctions";
import { query, mutation as rawMutation, action as rawAction, internalAction } from "./_generated/server";
export const authedQuery = customQuery(query, {
  args: {},
  input: async (ctx, args) => {
    const identity = await ctx.auth.getUserIdentity();
    if (!identity) throw new Error("Unauthorized");
    return { ctx: { ...ctx, identity }, args };
  },
});
export const mutation = customMutation(rawMutation, customCtx(async () => ({})));
export const authedAction = customAction(rawAction, customCtx(async (ctx) => {
  const identity = await ctx.auth.getUserIdentity();
  if (!identity) throw new Error("Unauthorized");
  return { identity };
}));
export const workerAction = internalAction;
"""

SCHEMA_TS = """
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
export default defineSchema({
  users: defineTable({ name: v.string(), teamId: v.id("teams") }),
  teams: defineTable({ name: v.string(), ownerId: v.id("users") }),
  tasks: defineTable({ title: v.string(), done: v.boolean() }),
});
"""

BASE = {"convex/functions.ts": FUNCTIONS_TS, "convex/schema.ts": SCHEMA_TS}

