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

from tests.ruletester import FUNCTIONS_TS  # noqa: E402,F401  (re-exported)

FILES = {
    "convex/schema.ts": SCHEMA,
    "convex/tables/messages.ts": MESSAGES_TABLE,
    "convex/functions.ts": FUNCTIONS_TS,
}


def files(**extra):
    out = dict(FILES)
    out.update({k.replace("__", "/").replace("_ts", ".ts"): v for k, v in extra.items()})
    return out
