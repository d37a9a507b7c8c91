import { v } from "convex/values";
import { authedQuery, mutation, query } from "./functions";

export const list = query({
  args: { channelId: v.id("channels") },
  handler: async (ctx, { channelId }) => {
    // Comments and strings that mention .filter( are not findings.
    // convex-lsp-disable-next-line unbounded-collect
    const label = "use .filter( sparingly";
    const rows = await ctx.db
      .query("messages")
      .filter((q) => q.eq(q.field("channelId"), channelId))
      .collect();
    return rows.filter((m) => !m.isDeleted).map((m) => ({ ...m, label }));
  },
});

export const mine = authedQuery({
  args: {},
  returns: v.array(v.string()),
  handler: async ({ db, identity }) => {
    const rows = await db
      .query("messages")
      .withIndex("by_channelId_and_authorId", (q) => q.eq("channelId", identity.subject as any))
      .take(20);
    return rows.map((r) => r.body);
  },
});

export const send = mutation({
  args: { channelId: v.id("channels"), body: v.string() },
  handler: async (ctx, args) => {
    await ctx.db.insert("messages", { ...args, authorId: "x" as any, isDeleted: false });
  },
});
