import pytest

from tests._validators_fixtures import FUNCTIONS_TS, SCHEMA_TS
from tests.ruletester import invalid, lint_files, run_case, valid

BASE = {"convex/schema.ts": SCHEMA_TS, "convex/functions.ts": FUNCTIONS_TS}
MODEL = """
import type { QueryCtx } from "../_generated/server";
import type { Id } from "../_generated/dataModel";
export async function getChannel(ctx: QueryCtx, channelId: Id<"channels">) {
  return await ctx.db.get(channelId);
}
export function label(name: string) { return name.trim(); }
"""
HEAD = """
import { v } from "convex/values";
import type { Id } from "./_generated/dataModel";
import { query, mutation as baseMutation } from "./_generated/server";
import { authedQuery, mutation } from "./functions";
import { getChannel, label } from "./model/channels";
"""


def files(extra=None):
    out = dict(BASE)
    out["convex/model/channels.ts"] = MODEL
    out.update(extra or {})
    return out


CASES = [
    valid(HEAD + """
export const jobsOf = authedQuery({
  args: { userId: v.string() },
  returns: v.null(),
  handler: async (ctx, args) => {
    // a Clerk user id: only stored and looked up through an index
    await ctx.db.query("jobs").withIndex("by_userId", (q) => q.eq("userId", args.userId)).take(10);
    return null;
  },
});
export const addJob = mutation({
  args: { userId: v.string() },
  returns: v.null(),
  handler: async ({ db }, { userId }) => {
    await db.insert("jobs", { userId, status: "new" });
    return null;
  },
});
""", files=files(), name="external id kept as a string"),
    valid(HEAD + """
export const charge = baseMutation({
  args: { stripeCustomerId: v.string(), customerId: v.string() },
  returns: v.null(),
  handler: async (ctx, args) => {
    await ctx.db.get(args.stripeCustomerId as any);
    await ctx.db.patch(args.customerId as any, {});
    return null;
  },
});
""", files=files(), name="no table matches the name"),
    valid(HEAD + """
export const get = query({
  args: { channelId: v.id("channels") },
  returns: v.null(),
  handler: async (ctx, { channelId }) => { await ctx.db.get(channelId); return null; },
});
""", files=files(), name="already v.id"),
    valid(HEAD + """
export const get = query({
  args: { channelId: v.string(), name: v.string() },
  returns: v.null(),
  handler: async (ctx, args) => {
    const owner = args.channelId as Id<"users">;  // a different table: not this rule's call
    const id = ctx.db.normalizeId("channels", args.channelId);
    label(args.channelId);
    const s = "ctx.db.get(args.channelId)";
    return null;
  },
});
""", files=files(), name="no evidence for the matching table"),
    valid(HEAD + """
export const get = query({
  args: { channelId: v.string() },
  returns: v.null(),
  handler: async (ctx, args) => { await ctx.db.get(args.channelId as any); return null; },
});
""", files={"convex/model/channels.ts": MODEL, "convex/functions.ts": FUNCTIONS_TS}, name="no schema: silent"),
    invalid(HEAD + """
export const get = query({
  args: { channelId: v.string() },
  returns: v.null(),
  handler: async (ctx, { channelId }) => { await ctx.db.get(channelId as any); return null; },
});
""", [8], files=files(), name="passed to db.get", message='v.id("channels")'),
    invalid(HEAD + """
export const get = authedQuery({
  args: { channelId: v.optional(v.string()) },
  returns: v.null(),
  handler: async (context, a) => {
    const id = a.channelId as Id<"channels">;
    return null;
  },
});
""", [8], files=files(), name="cast to Id, optional"),
    invalid(HEAD + """
export const isOwner = query({
  args: { channelId: v.string(), userId: v.string() },
  returns: v.boolean(),
  handler: async (ctx, args) => {
    const user = await ctx.db.query("users").first();
    const channels = await ctx.db.query("channels").take(5);
    return channels.some((c) => c._id === args.channelId) && user?._id == args.userId;
  },
});
""", [8, 8], files=files(), name="compared with _id"),
    invalid(HEAD + """
export const post = mutation({
  args: { channelId: v.string(), body: v.string() },
  returns: v.null(),
  handler: async ({ db }, { channelId, body }) => {
    await db.insert("messages", { channelId, body });
    return null;
  },
});
""", [8], files=files(), name="stored into a v.id field (shorthand)"),
    invalid(HEAD + """
export const list = query({
  args: { channelId: v.string() },
  returns: v.null(),
  handler: async (ctx, args) => {
    await ctx.db.query("messages").withIndex("by_channelId", (q) => q.eq("channelId", args.channelId)).take(5);
    return null;
  },
});
""", [8], files=files(), name="compared with a v.id field in withIndex"),
    invalid(HEAD + """
export const show = query({
  args: { channelId: v.string() },
  returns: v.null(),
  handler: async (ctx, args) => { await getChannel(ctx, args.channelId); return null; },
});
""", [8], files=files(), name="passed to a model helper typed Id<'channels'>"),
    invalid(HEAD + """
export const many = query({
  args: { channelIds: v.array(v.string()) },
  returns: v.null(),
  handler: async (ctx, args) => {
    await Promise.all(args.channelIds.map((id) => ctx.db.get(id)));
    return null;
  },
});
""", [8], files=files(), name="array of ids"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_string_id_validator(tmp_path, case):
    run_case(tmp_path, "string-id-validator", case)


SCHEMA_REACTIONS = """
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
export default defineSchema({
  messages: defineTable({ body: v.string() }),
  users: defineTable({ name: v.string() }),
  reactions: defineTable({
    messageId: v.string(),
    userId: v.string(),
  }).index("by_messageId", ["messageId"]),
});
"""


def test_schema_field_with_workspace_evidence(tmp_path):
    react = """
import { mutation } from "./_generated/server";
import { v } from "convex/values";
export const react = mutation({
  args: { body: v.string(), userId: v.string() },
  returns: v.null(),
  handler: async (ctx, args) => {
    const messageId = await ctx.db.insert("messages", { body: args.body });
    const msg = await ctx.db.get(messageId);
    await ctx.db.insert("reactions", { messageId: msg!._id, userId: args.userId });
    return null;
  },
});
"""
    found = lint_files(tmp_path, {"convex/schema.ts": SCHEMA_REACTIONS, "convex/reactions.ts": react},
                       select=["CVX106"])
    # messageId gets `msg._id`; userId (an external id) only gets a string
    assert [(f.path, f.srow + 1, f.data["table"]) for f in found] == [("convex/schema.ts", 7, "messages")]


def test_schema_field_without_evidence(tmp_path):
    found = lint_files(tmp_path, {"convex/schema.ts": SCHEMA_REACTIONS}, select=["CVX106"])
    assert found == []


def test_fix_data(tmp_path):
    code = HEAD + """
export const get = query({
  args: { channelId: v.string() },
  returns: v.null(),
  handler: async (ctx, { channelId }) => { await ctx.db.get(channelId as any); return null; },
});
"""
    [f] = lint_files(tmp_path, files({"convex/x.ts": code}), select=["CVX106"])
    src = code.lstrip("\n").encode()
    assert src[f.data["start"]:f.data["end"]] == b"v.string()"
    assert f.data["replacement"] == 'v.id("channels")'
