import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import { reportFields } from "./reports/validators_demo";

export const jobStatus = v.union(v.literal("pending"), v.literal("done"), v.literal("deleted"));

export default defineSchema({
  reports: defineTable(reportFields),
  users: defineTable({
    name: v.string(),
    tokenIdentifier: v.string(),
    role: v.union(v.literal("admin"), v.literal("member")),
    status: v.string(),
  })
    .index("by_tokenIdentifier", ["tokenIdentifier"])
    .index("by_status", ["status"]),
  channels: defineTable({
    name: v.string(),
    ownerId: v.id("users"),
    messageCount: v.number(),
  }).index("by_ownerId", ["ownerId"]),
  messages: defineTable({
    channelId: v.id("channels"),
    authorId: v.id("users"),
    body: v.string(),
    isDeleted: v.boolean(),
  })
    .index("by_channelId_and_authorId", ["channelId", "authorId"])
    .index("byChannel", ["channelId"])
    .searchIndex("search_body", { searchField: "body", filterFields: ["channelId"] }),
  jobs: defineTable({
    userId: v.string(),
    prompt: v.string(),
    status: v.string(),
    result: v.optional(v.string()),
  }).index("by_status", ["status"]),
  counters: defineTable({ name: v.string(), count: v.number() })
    // CVX207: `_creationTime` is appended by Convex; listing it is rejected at deploy
    .index("by_name_and_time", ["name", "_creationTime"]),
});
