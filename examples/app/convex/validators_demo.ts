// Validator rules (CVX102-CVX108) demo. Mentions of v.bigint() or v.any() in comments
// and strings like "v.map()" are not findings.
import { v } from "convex/values";
import type { Id } from "./_generated/dataModel";
import { internalMutation, query as baseQuery } from "./_generated/server";
import { authedQuery, mutation } from "./functions";

// CVX102: no `args`.
export const channelCount = authedQuery({
  returns: v.number(),
  handler: async ({ db }) => {
    const rows = await db.query("channels").take(100);
    return rows.length;
  },
});

// CVX103: a bare handler instead of a definition object.
export const ping = baseQuery(async (context) => {
  return "pong";
});

// CVX104: `returns: v.null()` but the `else` branch falls off the end.
export const renameChannel = mutation({
  args: { channelId: v.id("channels"), name: v.string() },
  returns: v.null(),
  handler: async (c, { channelId, name }) => {
    if (name.length === 0) {
      return null;
    } else {
      await c.db.patch(channelId, { name });
    }
  },
});

// CVX105 (v.bigint) and CVX107 (v.any in a public function's args).
export const record = mutation({
  args: { counter: v.string(), total: v.bigint(), meta: v.any() },
  returns: v.null(),
  handler: async (ctx, args) => {
    await ctx.db.insert("counters", { name: args.counter, count: Number(args.total) });
    return null;
  },
});

// CVX106: `channelId` is plainly a channels id (cast and passed to db.get);
// `userId` on jobs is an external (auth provider) id and is left alone.
export const channelName = baseQuery({
  args: { channelId: v.string(), userId: v.string() },
  returns: v.union(v.string(), v.null()),
  handler: async (ctx, args) => {
    const channel = await ctx.db.get(args.channelId as Id<"channels">);
    const jobs = await ctx.db
      .query("jobs")
      .withIndex("by_status", (q) => q.eq("status", args.userId))
      .take(1);
    return channel && jobs.length >= 0 ? channel.name : null;
  },
});

// CVX108: convex/values has no `v.set`; internal functions may take v.any().
export const tag = internalMutation({
  args: { tags: v.set(v.string()), payload: v.any() },
  returns: v.null(),
  handler: async () => {
    return null;
  },
});
