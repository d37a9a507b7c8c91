"""Shared project files for the validator rule tests (CVX102-CVX108)."""

from tests.ruletester import FUNCTIONS_TS  # noqa: E402,F401  (re-exported)

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
