import { internalMutation, mutation } from "./_generated/server";
import { internal } from "./_generated/api";
import { v } from "convex/values";
import { renderLocally } from "./reports/pdf_demo";

export const purgeDeleted = internalMutation({
  args: {},
  returns: v.null(),
  handler: async (ctx) => {
    const stale = await ctx.db.query("jobs").withIndex("by_status", (q) => q.eq("status", "deleted")).take(100);
    for (const job of stale) {
      await ctx.db.delete(job._id);
    }
    if (stale.length === 100) {
      // CVX402: no function `purgeDeletd` in scheduling_demo.ts (typo)
      await ctx.scheduler.runAfter(0, internal.scheduling_demo.purgeDeletd, {});
    }
    return null;
  },
});

export const sendDigest = internalMutation({
  args: {},
  returns: v.null(),
  handler: async () => null,
});

export const refreshStats = mutation({
  args: {},
  returns: v.null(),
  handler: async (ctx) => {
    // CVX403: the function value instead of `internal.scheduling_demo.sendDigest`
    await ctx.scheduler.runAfter(0, sendDigest, {});
    // CVX507: renderLocally comes from a "use node" file
    renderLocally();
    return null;
  },
});
