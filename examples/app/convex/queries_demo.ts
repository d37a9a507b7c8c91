// Query and index patterns (CVX202-CVX212). Each function below shows one finding.
import { v } from "convex/values";
import { authedQuery, query } from "./functions";
import { getUserByToken } from "./model/users";

// CVX202 unbounded-collect: every job, however many there are.
export const allJobs = query({
  args: {},
  returns: v.array(v.any()),
  handler: async (ctx) => {
    return await ctx.db.query("jobs").collect();
  },
});

// CVX203 collect-for-count: the rows are loaded only to be counted.
export const channelMessageCount = query({
  args: { channelId: v.id("channels") },
  returns: v.number(),
  handler: async (ctx, { channelId }) => {
    const rows = await ctx.db
      .query("messages")
      .withIndex("by_channelId_and_authorId", (q) => q.eq("channelId", channelId))
      .collect();
    return rows.length;
  },
});

// CVX206 unknown-index: the schema calls it `by_ownerId`.
export const channelsOf = query({
  args: { ownerId: v.id("users") },
  returns: v.array(v.any()),
  handler: async (ctx, { ownerId }) => {
    return await ctx.db
      .query("channels")
      .withIndex("by_owner", (q) => q.eq("ownerId", ownerId))
      .take(50);
  },
});

// CVX208 unknown-table: the table is `counters`.
export const counter = query({
  args: { name: v.string() },
  returns: v.any(),
  handler: async (ctx, { name }) => {
    const rows = await ctx.db.query("counter").take(100);
    return rows.find((r: any) => r.name === name) ?? null;
  },
});

// CVX209 n-plus-one-get: one read per channel.
export const channelOwners = authedQuery({
  args: { channelIds: v.array(v.id("channels")) },
  returns: v.array(v.any()),
  handler: async ({ db }, { channelIds }) => {
    return await Promise.all(channelIds.map((id) => db.get(id)));
  },
});

// CVX210 missing-index-for-filter: no index of `jobs` starts with `userId`.
export const jobsOf = query({
  args: { userId: v.string() },
  returns: v.array(v.any()),
  handler: async (ctx, { userId }) => {
    return await ctx.db
      .query("jobs")
      .filter((q) => q.eq(q.field("userId"), userId))
      .take(20);
  },
});

// CVX212 first-on-unique-index: `by_tokenIdentifier` is fully bound, `.unique()` says so.
export const me = authedQuery({
  args: {},
  returns: v.any(),
  handler: async (ctx) => {
    const viaHelper = await getUserByToken(ctx, ctx.identity.tokenIdentifier);
    const direct = await ctx.db
      .query("users")
      .withIndex("by_tokenIdentifier", (q) => q.eq("tokenIdentifier", ctx.identity.tokenIdentifier))
      .first();
    return viaHelper ?? direct;
  },
});
