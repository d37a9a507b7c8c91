import pytest

from tests.ruletester import invalid, run_case, valid

FUNCTIONS_TS = """
import { customMutation, customCtx } from "convex-helpers/server/customFunctions";
import { mutation as rawMutation } from "./_generated/server";
import { getAuthUserId } from "@convex-dev/auth/server";

// authenticates: the user id comes from the session
export const authedMutation = customMutation(rawMutation, {
  args: {},
  input: async (ctx, args) => {
    const userId = await getAuthUserId(ctx);
    if (userId === null) throw new Error("Unauthorized");
    return { ctx: { userId }, args };
  },
});

// adds the user to ctx through a helper of a package the linter cannot read
export const userMutation = customMutation(rawMutation, customCtx(async (ctx) => ({
  user: await loadUser(ctx),
})));

// no auth at all: a plain wrapper
export const mutation = customMutation(rawMutation, customCtx(async () => ({})));
"""

USERS_MODEL = """
import type { MutationCtx, QueryCtx } from "../_generated/server";
import type { Id } from "../_generated/dataModel";

async function viewerIdentity(ctx: QueryCtx) {
  const identity = await ctx.auth.getUserIdentity();
  if (!identity) throw new Error("Not signed in");
  return identity;
}

export async function mustBeSelf(ctx: MutationCtx, userId: Id<"users">) {
  const identity = await viewerIdentity(ctx);
  if (identity.subject !== userId) throw new Error("Forbidden");
}

export async function touchProfile(ctx: MutationCtx, userId: Id<"users">) {
  await ctx.db.patch(userId, { lastSeen: Date.now() });
}
"""

RLS_FUNCTIONS = """
import { customMutation, customCtx } from "convex-helpers/server/customFunctions";
import { wrapDatabaseWriter } from "convex-helpers/server/rowLevelSecurity";
import { mutation } from "./_generated/server";
import { rlsRules } from "./rules";
export const mutationWithRLS = customMutation(mutation, customCtx(async (ctx) => ({
  db: wrapDatabaseWriter(ctx, ctx.db, await rlsRules(ctx)),
})));
"""

RLS_RULES = """
import type { QueryCtx } from "./_generated/server";
export async function rlsRules(ctx: QueryCtx) {
  const identity = await ctx.auth.getUserIdentity();
  return {
    boards: { insert: async (_: QueryCtx, board: { ownerId: string }) => board.ownerId === identity?.subject },
  };
}
"""

COMPONENT_CONFIG = """
import { defineComponent } from "convex/server";
export default defineComponent("ledger");
"""

CASES = [
    valid("""
        import { query } from "./_generated/server";
        import { v } from "convex/values";
        export const postsBy = query({
          args: { authorId: v.id("users") },
          handler: async (ctx, { authorId }) => {
            return await ctx.db.query("posts").withIndex("by_authorId", (q) => q.eq("authorId", authorId)).take(20);
          },
        });
    """, name="public query reading by author"),
    valid("""
        import { internalMutation } from "./_generated/server";
        import { v } from "convex/values";
        export const create = internalMutation({
          args: { userId: v.id("users"), body: v.string() },
          handler: async (ctx, { userId, body }) => {
            await ctx.db.insert("posts", { userId, body });
          },
        });
    """, name="internal mutation"),
    valid("""
        import { mutation } from "./_generated/server";
        import { v } from "convex/values";
        import { getAuthUserId } from "@convex-dev/auth/server";
        export const create = mutation({
          args: { userId: v.id("users"), body: v.string() },
          handler: async (ctx, args) => {
            const me = await getAuthUserId(ctx);
            if (me !== args.userId) throw new Error("Forbidden");
            await ctx.db.insert("posts", { userId: args.userId, body: args.body });
          },
        });
    """, name="handler checks identity"),
    valid("""
        import { authedMutation } from "./functions";
        import { v } from "convex/values";
        export const create = authedMutation({
          args: { ownerId: v.id("users"), title: v.string() },
          handler: async (ctx, { ownerId, title }) => {
            await ctx.db.insert("boards", { ownerId, title });
          },
        });
    """, files={"convex/functions.ts": FUNCTIONS_TS}, name="authenticating custom builder in convex/functions.ts"),
    valid("""
        import { mutationWithRLS } from "./functions";
        import { v } from "convex/values";
        export const create = mutationWithRLS({
          args: { ownerId: v.string(), title: v.string() },
          handler: async (ctx, { ownerId, title }) => {
            await ctx.db.insert("boards", { ownerId, title });
          },
        });
    """, files={"convex/functions.ts": RLS_FUNCTIONS, "convex/rules.ts": RLS_RULES},
        name="row-level-security builder whose rules read the identity"),
    valid("""
        import { userMutation } from "./functions";
        import { v } from "convex/values";
        export const assign = userMutation({
          args: { taskId: v.id("tasks"), userId: v.id("users") },
          handler: async (ctx, { taskId, userId }) => {
            if (!ctx.user.isAdmin) throw new Error("Forbidden");
            await ctx.db.patch(taskId, { assignee: userId });
          },
        });
    """, files={"convex/functions.ts": FUNCTIONS_TS}, name="custom builder that puts the user on ctx"),
    valid("""
        import { mutation } from "./_generated/server";
        import { v } from "convex/values";
        import * as Users from "./model/users";
        export const rename = mutation({
          args: { userId: v.id("users"), name: v.string() },
          handler: async (ctx, { userId, name }) => {
            await Users.mustBeSelf(ctx, userId);
            await ctx.db.patch(userId, { name });
          },
        });
    """, files={"convex/model/users.ts": USERS_MODEL}, name="model-layer helper checks identity (transitively)"),
    valid("""
        import { mutation } from "./_generated/server";
        import { v } from "convex/values";
        export const lookup = mutation({
          args: { userId: v.id("users"), note: v.string() },
          handler: async (ctx, { userId, note }) => {
            const user = await ctx.db.get(userId);
            await ctx.db.insert("notes", { note, seenName: user ? "known" : "unknown" === note });
            return user?.name ?? null;
          },
        });
    """, name="identity argument only read, nothing written with it"),
    valid("""
        import { mutation } from "./_generated/server";
        import { v } from "convex/values";
        export const record = mutation({
          args: { userId: v.string(), amount: v.number() },
          handler: async (ctx, { userId, amount }) => {
            await ctx.db.insert("ledger", { userId, amount });
          },
        });
    """, files={"src/component/convex.config.ts": COMPONENT_CONFIG}, filename="src/component/ledger.ts",
        name="component function: only the app can call it"),
    valid("""
        import { mutation } from "./_generated/server";
        import { v } from "convex/values";
        export const addMessage = mutation({
          args: { threadId: v.id("threads"), role: v.union(v.literal("user"), v.literal("assistant")), text: v.string() },
          handler: async (ctx, { threadId, role, text }) => {
            await ctx.db.insert("messages", { threadId, role, text });
          },
        });
    """, name="chat message role is not a privilege"),
    invalid("""
        import { mutation } from "./_generated/server";
        import { internal } from "./_generated/api";
        import { v } from "convex/values";
        export const requestExport = mutation({
          args: { ownerId: v.id("users") },
          handler: async (ctx, args) => {
            const uid = args.ownerId;
            await ctx.scheduler.runAfter(0, internal.exports.run, { ownerId: uid });
          },
        });
    """, [5], name="scheduled with a copy of the id"),
    invalid("""
        import { mutation } from "./_generated/server";
        import { v } from "convex/values";
        export const createPost = mutation({
          args: {
            authorId: v.id("users"),
            body: v.string(),
          },
          handler: async (ctx, { authorId, body }) => {
            // mentions ctx.auth.getUserIdentity() only in a comment
            await ctx.db.insert("posts", { authorId, body });
          },
        });
    """, [5], name="stored as the owner field"),
    invalid("""
        import { mutation } from "./functions";
        import { v } from "convex/values";
        export const updateBio = mutation({
          args: { ownerId: v.id("users"), bio: v.string() },
          handler: async (c, args) => {
            const profile = await c.db
              .query("profiles")
              .withIndex("by_ownerId", (q) => q.eq("ownerId", args.ownerId))
              .unique();
            if (profile) await c.db.patch(profile._id, { bio: args.bio });
          },
        });
    """, [4], files={"convex/functions.ts": FUNCTIONS_TS},
        name="non-authenticating custom builder, document found through the id"),
    invalid("""
        import { mutation } from "./_generated/server";
        import { v } from "convex/values";
        export const setRole = mutation({
          args: { memberId: v.id("members"), role: v.string() },
          handler: async ({ db }, { memberId, role }) => {
            await db.patch(memberId, { role });
          },
        });
    """, [4, 4], name="client-supplied role and memberId, destructured db"),
    invalid("""
        import { action } from "./_generated/server";
        import { internal } from "./_generated/api";
        import { v } from "convex/values";
        export const importAll = action({
          args: { userId: v.id("users"), url: v.string() },
          handler: async (ctx, args) => {
            const { userId } = args;
            const res = await fetch(args.url);
            await ctx.runMutation(internal.items.save, { userId, items: await res.json() });
          },
        });
    """, [5], name="public action forwarding it to a mutation"),
    invalid("""
        import { mutation } from "./_generated/server";
        import { v } from "convex/values";
        import { touchProfile } from "./model/users";
        export const comment = mutation({
          args: { userId: v.id("users"), isAdmin: v.boolean(), text: v.string() },
          handler: async (ctx, args) => {
            await touchProfile(ctx, args.userId);
            await ctx.db.insert("comments", { ...args, pinned: false });
          },
        });
    """, [5, 5], files={"convex/model/users.ts": USERS_MODEL},
        name="spread of args; a model helper that writes but does not check"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_client_supplied_identity(tmp_path, case):
    run_case(tmp_path, "client-supplied-identity", case)


NAME_CASES = [
    invalid("""
        import { v } from "convex/values";
        import { mutation } from "./_generated/server";
        export const claimShop = mutation({
          args: { shopId: v.id("shops"), shopOwnerId: v.string(), clerkUserId: v.string(), ownerUid: v.string() },
          returns: v.null(),
          handler: async (ctx, { shopId, shopOwnerId, clerkUserId, ownerUid }) => {
            await ctx.db.patch(shopId, { shopOwnerId, clerkUserId, ownerUid });
            return null;
          },
        });
    """, [4, 4, 4], name="identity words as suffixes: shopOwnerId, clerkUserId, ownerUid"),
    invalid("""
        import { v } from "convex/values";
        import { mutation } from "./_generated/server";
        export const link = mutation({
          args: { authId: v.string(), clerkId: v.string(), tokenIdentifier: v.string() },
          returns: v.id("profiles"),
          handler: async (ctx, args) =>
            await ctx.db.insert("profiles", { authId: args.authId, clerkId: args.clerkId, tokenIdentifier: args.tokenIdentifier }),
        });
    """, [4, 4, 4], name="authId, clerkId, tokenIdentifier"),
    valid("""
        import { v } from "convex/values";
        import { mutation } from "./_generated/server";
        export const save = mutation({
          args: { customerId: v.string(), parentId: v.id("folders"), channelId: v.id("channels"), ownerName: v.string() },
          returns: v.null(),
          handler: async (ctx, args) => {
            await ctx.db.insert("folders", { customerId: args.customerId, parentId: args.parentId, ownerName: args.ownerName });
            await ctx.db.insert("channels", { name: String(args.channelId) });
            return null;
          },
        });
    """, name="ids of other things and identity words without Id are not identities"),
]


@pytest.mark.parametrize("case", NAME_CASES, ids=repr)
def test_client_supplied_identity_names(tmp_path, case):
    run_case(tmp_path, "client-supplied-identity", case)


SUBJECT_CASES = [
    valid("""
        import { v } from "convex/values";
        import { mutation } from "./_generated/server";
        export const draft = mutation({
          args: { to: v.string(), subject: v.string(), body: v.string() },
          returns: v.id("emails"),
          handler: async (ctx, args) => await ctx.db.insert("emails", { ...args, status: "draft" }),
        });
    """, name="an email's subject line is not an identity"),
    invalid("""
        import { v } from "convex/values";
        import { mutation } from "./_generated/server";
        export const linkAccount = mutation({
          args: { subject: v.string(), provider: v.string() },
          returns: v.id("accounts"),
          handler: async (ctx, { subject, provider }) => await ctx.db.insert("accounts", { subject, provider }),
        });
    """, [4], name="a JWT subject taken from the client"),
]


@pytest.mark.parametrize("case", SUBJECT_CASES, ids=repr)
def test_client_supplied_identity_subject(tmp_path, case):
    run_case(tmp_path, "client-supplied-identity", case)


OTHER_USER_CASES = [
    invalid("""
        import { v } from "convex/values";
        import { mutation } from "./_generated/server";
        export const follow = mutation({
          args: { clerkId: v.string(), targetUserId: v.id("users") },
          returns: v.null(),
          handler: async (ctx, { clerkId, targetUserId }) => {
            await ctx.db.insert("follows", { followerClerkId: clerkId, followedId: targetUserId });
            return null;
          },
        });
    """, [4], name="the followed user is the caller's choice; the caller's own clerkId is the finding"),
]


@pytest.mark.parametrize("case", OTHER_USER_CASES, ids=repr)
def test_client_supplied_identity_other_users(tmp_path, case):
    run_case(tmp_path, "client-supplied-identity", case)
