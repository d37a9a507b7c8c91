import { v } from "convex/values";
import { httpAction, mutation } from "./_generated/server";
import { internal } from "./_generated/api";
import { authedQuery } from "./functions";

// CVX701: a live Stripe key in the source (use process.env.STRIPE_SECRET_KEY)
const STRIPE_KEY = "sk_live_4eC39HqLyjWDarjtT1zdp7dcQ2";
// not reported: placeholders and environment variables
const EXAMPLE_KEY = "sk_test_...";
const RESEND_KEY = process.env.RESEND_API_KEY ?? "";

// CVX601: every call rewrites the same counter document
export const recordPageView = mutation({
  args: {},
  returns: v.null(),
  handler: async (ctx) => {
    const views = await ctx.db
      .query("counters")
      .withIndex("by_name_and_time", (q) => q.eq("name", "pageViews"))
      .first();
    if (views === null) {
      await ctx.db.insert("counters", { name: "pageViews", count: 1 });
    } else {
      await ctx.db.patch(views._id, { count: views.count + 1 });
    }
    return null;
  },
});

// CVX702: `userId` comes from the browser; anyone can queue jobs billed to someone else
export const enqueueJob = mutation({
  args: { userId: v.string(), prompt: v.string() },
  returns: v.id("jobs"),
  handler: async (ctx, { userId, prompt }) => {
    return await ctx.db.insert("jobs", { userId, prompt, status: "pending" });
  },
});

// not reported: the identity comes from the authenticating builder
export const myJobs = authedQuery({
  args: {},
  returns: v.array(v.string()),
  handler: async (ctx) => {
    const jobs = await ctx.db
      .query("jobs")
      .withIndex("by_status", (q) => q.eq("status", "pending"))
      .take(20);
    return jobs.filter((j) => j.userId === ctx.identity.subject).map((j) => j.prompt);
  },
});

// CVX703 (opt-in): writes before looking at any header
export const importJobs = httpAction(async (ctx, req) => {
  const { prompt } = await req.json();
  await ctx.runMutation(internal.scheduling_demo.purgeDeleted, {});
  return new Response(JSON.stringify({ prompt, key: STRIPE_KEY !== EXAMPLE_KEY && RESEND_KEY }), { status: 202 });
});
