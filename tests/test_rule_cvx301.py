import pytest

from tests.ruletester import invalid, run_case, valid
from tests.runtime_fixtures import BASE

MODEL_USERS = """
import type { MutationCtx, QueryCtx } from "../_generated/server";
import type { Id } from "../_generated/dataModel";

export async function syncProfile(ctx: MutationCtx, userId: Id<"users">) {
  const user = await ctx.db.get(userId);
  // fetch( in a comment is not a call
  await fetch("https://crm.example.com/users", { method: "POST", body: JSON.stringify(user) });
}

export async function pingFromAction(url: string) {
  await fetch(url);
}

export async function loadUser(ctx: QueryCtx, userId: Id<"users">) {
  return await ctx.db.get(userId);
}
"""

CASES = [
    valid("""
        import { action, httpAction } from "./_generated/server";
        import Stripe from "stripe";
        const stripe = new Stripe(process.env.STRIPE_KEY!);
        export const charge = action({
          args: {},
          handler: async (ctx) => {
            await fetch("https://example.com");
            await stripe.paymentIntents.create({ amount: 100, currency: "usd" });
            setTimeout(() => {}, 10);
            return null;
          },
        });
        export const hook = httpAction(async (ctx, req) => {
          await fetch("https://example.com/forward");
          return new Response("ok");
        });
    """, files=BASE, name="actions and httpAction may do I/O"),
    valid("""
        import { mutation } from "./functions";
        import type Stripe from "stripe";
        import { v } from "convex/values";
        export const save = mutation({
          args: { body: v.string() },
          handler: async (context, { body }) => {
            const note = "call fetch(url) later";
            const evt: Stripe.Event | null = null;
            await context.db.insert("tasks", { title: body, done: false });
            await context.scheduler.runAfter(0, internal.sync.push, { body });
          },
        });
    """, files=BASE, name="type-only import, strings and scheduler are fine"),
    valid("""
        import { mutation } from "./_generated/server";
        import { Resend } from "@convex-dev/resend";
        import { components } from "./_generated/api";
        const resend = new Resend(components.resend, {});
        export const send = mutation({
          args: {},
          handler: async (ctx) => {
            await resend.sendEmail(ctx, { from: "a@b.c", to: "d@e.f", subject: "hi", html: "" });
          },
        });
    """, files=BASE, name="the Resend Convex component is meant for mutations"),
    valid("""
        import { mutation } from "./_generated/server";
        import { fetch } from "./lib/localFetch";
        export const save = mutation({
          args: {},
          handler: async (ctx) => {
            const helper = (fetch: (u: string) => number) => fetch("x");
            await fetch("tasks");
          },
        });
    """, files=BASE, name="a local function named fetch"),
    valid("""
        import { internalAction } from "./_generated/server";
        import { pingFromAction } from "./model/users";
        export const ping = internalAction({
          args: {},
          handler: async (ctx) => { await pingFromAction("https://x"); },
        });
    """, files={**BASE, "convex/model/users.ts": MODEL_USERS}, name="helper called only from an action"),
    invalid("""
        import { mutation } from "./functions";
        import { v } from "convex/values";
        export const save = mutation({
          args: { body: v.string() },
          handler: async (ctx, { body }) => {
            await ctx.db.insert("tasks", { title: body, done: false });
            await fetch("https://hooks.example.com", { method: "POST", body });
          },
        });
    """, [7], files=BASE, name="fetch in a custom mutation", message="fetch"),
    invalid("""
        import { authedQuery } from "./functions";
        import OpenAI from "openai";
        import axios from "axios";
        const openai = new OpenAI();
        export const suggest = authedQuery({
          args: {},
          handler: async (c) => {
            const r = await openai.chat.completions.create({ model: "gpt-4o", messages: [] });
            const { data } = await axios.get("https://api.example.com");
            setTimeout(() => {}, 0);
            return r.id + data;
          },
        });
    """, [8, 9, 10], files=BASE, name="SDK client, axios and timers in a custom query"),
    invalid("""
        import { internalMutation } from "./_generated/server";
        import Stripe from "stripe";
        export const refund = internalMutation({
          args: {},
          handler: async ({ db }) => {
            const stripe = new Stripe(process.env.STRIPE_KEY!);
            const ws = new WebSocket("wss://example.com");
            await stripe.refunds.create({ payment_intent: "pi_1" });
          },
        });
    """, [7, 8], files=BASE, name="client built in the handler, WebSocket"),
    invalid("""
        import { mutation } from "./functions";
        import { v } from "convex/values";
        import { syncProfile } from "./model/users";
        export const rename = mutation({
          args: { userId: v.id("users"), name: v.string() },
          handler: async (ctx, args) => {
            await ctx.db.patch(args.userId, { name: args.name });
            await syncProfile(ctx, args.userId);
          },
        });
    """, [("convex/model/users.ts", 7)], files={**BASE, "convex/model/users.ts": MODEL_USERS},
        name="model-layer helper called from a mutation (finding in the helper)"),
    invalid("""
        import { mutation } from "./functions";
        import * as Users from "./model/users";
        export const rename = mutation({
          args: {},
          handler: async (ctx, args) => { await Users.syncProfile(ctx, "u" as any); },
        });
    """, [("convex/model/users.ts", 7)], files={**BASE, "convex/model/users.ts": MODEL_USERS},
        name="helper called through a namespace import"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_external_call_in_transaction(tmp_path, case):
    run_case(tmp_path, "external-call-in-transaction", case)
