// Transaction and runtime boundaries (CVX301–CVX311): each function below shows one mistake.
import { v } from "convex/values";
import { action, internalAction, internalMutation, internalQuery } from "./_generated/server";
import { internal } from "./_generated/api";
import { authedQuery, mutation } from "./functions";

export const getJob = internalQuery({
  args: { jobId: v.id("jobs") },
  returns: v.any(),
  handler: async (ctx, { jobId }) => await ctx.db.get(jobId),
});

export const getUser = internalQuery({
  args: { tokenIdentifier: v.string() },
  returns: v.any(),
  handler: async (ctx, { tokenIdentifier }) =>
    await ctx.db
      .query("users")
      .withIndex("by_tokenIdentifier", (q) => q.eq("tokenIdentifier", tokenIdentifier))
      .unique(),
});

export const markDone = internalMutation({
  args: { jobId: v.id("jobs"), result: v.string() },
  returns: v.null(),
  handler: async (ctx, { jobId, result }) => {
    await ctx.db.patch(jobId, { status: "done", result });
    return null;
  },
});

// CVX301: network I/O inside a mutation (a comment mentioning fetch( is not a finding).
export const submitJob = mutation({
  args: { prompt: v.string() },
  returns: v.id("jobs"),
  handler: async (ctx, { prompt }) => {
    const jobId = await ctx.db.insert("jobs", { userId: "anon", prompt, status: "queued" });
    await fetch("https://hooks.example.com/jobs", { method: "POST", body: prompt });
    // CVX307: the schedule's promise is dropped.
    ctx.scheduler.runAfter(0, internal.runtime_demo.runJob, { jobId });
    return jobId;
  },
});

// CVX302 (ctx.db in an action), CVX303 (runMutation in a loop), CVX304 (reads that belong together).
export const runJob = internalAction({
  args: { jobId: v.id("jobs") },
  returns: v.null(),
  handler: async (ctx, { jobId }) => {
    const job = await ctx.runQuery(internal.runtime_demo.getJob, { jobId });
    const user = await ctx.runQuery(internal.runtime_demo.getUser, { tokenIdentifier: job.userId });
    const stale = await (ctx as any).db.get(jobId);
    for (const part of String(job.prompt).split(" ")) {
      await ctx.runMutation(internal.runtime_demo.markDone, { jobId, result: part + user?.name + stale });
    }
    // CVX309: another action in the same (default) runtime.
    await ctx.runAction(internal.runtime_demo.notify, { jobId });
    return null;
  },
});

export const notify = internalAction({
  args: { jobId: v.id("jobs") },
  returns: v.null(),
  handler: async () => null,
});

// CVX305: a public action that only forwards one query.
export const jobStatus = action({
  args: { jobId: v.id("jobs") },
  returns: v.any(),
  handler: async (ctx, { jobId }) => {
    return await ctx.runQuery(internal.runtime_demo.getJob, { jobId });
  },
});

// CVX306 (clock in a query) and CVX308 (a write in a query).
export const recentJobs = authedQuery({
  args: {},
  returns: v.any(),
  handler: async ({ db }) => {
    const since = Date.now() - 60_000;
    const rows = await db.query("jobs").withIndex("by_status", (q) => q.eq("status", "queued")).take(20);
    await db.patch(rows[0]._id, { status: "seen" });
    return rows.filter((r) => r._creationTime > since);
  },
});

// CVX310 (ctx.runQuery inside a mutation) and CVX311 (a registration called as a function).
export const retryJob = mutation({
  args: { jobId: v.id("jobs") },
  returns: v.null(),
  handler: async (ctx, { jobId }) => {
    const job = await ctx.runQuery(internal.runtime_demo.getJob, { jobId });
    if (job !== null) await markDone(ctx as any, { jobId, result: "retried" });
    return null;
  },
});
