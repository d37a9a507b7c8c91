import pytest

from tests.ruletester import invalid, run_case, valid
from tests.runtime_fixtures import BASE

CASES = [
    valid("""
        import { action } from "./_generated/server";
        import { internal } from "./_generated/api";
        export const one = action({
          args: {},
          handler: async (ctx, { teamId }: any) => {
            const team = await ctx.runQuery(internal.teams.getWithOwner, { teamId });
            return team;
          },
        });
    """, files=BASE, name="a single call"),
    valid("""
        import { internalAction } from "./_generated/server";
        import { internal } from "./_generated/api";
        export const report = internalAction({
          args: {},
          handler: async (ctx, { teamId }: any) => {
            const team = await ctx.runQuery(internal.teams.get, { teamId });
            await sendSlack(team.name);
            const stats = await ctx.runQuery(internal.stats.global, {});
            await sendSlack(String(stats.count));
          },
        });
    """, files=BASE, name="independent reads used separately"),
    valid("""
        import { internalAction } from "./_generated/server";
        import { internal } from "./_generated/api";
        export const search = internalAction({
          args: {},
          handler: async (ctx, { q }: any) => {
            const ns = await ctx.runQuery(internal.ns.get, { q });
            const hits = await ctx.vectorSearch("chunks", "by_embedding", { vector: ns.vector, limit: 10 });
            const docs = await ctx.runQuery(internal.chunks.load, { ns: ns._id, ids: hits.map((h) => h._id) });
            return docs;
          },
        });
    """, files=BASE, name="an action-only step in between: cannot be merged"),
    valid("""
        import { mutation } from "./functions";
        import { internal } from "./_generated/api";
        export const m = mutation({
          args: {},
          handler: async (ctx, { teamId }: any) => {
            const team = await ctx.runQuery(internal.teams.get, { teamId });
            const owner = await ctx.runQuery(internal.users.get, { userId: team.ownerId });
            return owner;
          },
        });
    """, files=BASE, name="not an action"),
    invalid("""
        import { authedAction } from "./functions";
        import { internal } from "./_generated/api";
        export const notifyOwner = authedAction({
          args: {},
          handler: async (context, { teamId }: any) => {
            const team = await context.runQuery(internal.teams.get, { teamId });
            const ownerId = team.ownerId;
            const owner = await context.runQuery(internal.users.get, { userId: ownerId });
            await fetch("https://mail.example.com", { method: "POST", body: owner.email });
          },
        });
    """, [8], files=BASE, name="second read takes the first one's result", message="snapshot"),
    invalid("""
        import { internalAction } from "./_generated/server";
        import { internal } from "./_generated/api";
        export const exportUser = internalAction({
          args: {},
          handler: async (ctx, { id }: any) => {
            const user = await ctx.runQuery(internal.users.get, { id });
            const { theme, locale } = await ctx.runQuery(internal.settings.get, { userId: id });
            await fetch("https://example.com", { method: "POST", body: JSON.stringify({ user, theme, locale }) });
          },
        });
    """, [7], files=BASE, name="results used together"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_sequential_run_queries(tmp_path, case):
    run_case(tmp_path, "sequential-run-queries", case)


REV2_CASES = [
    valid("""
        import { v } from "convex/values";
        import { internalAction } from "./_generated/server";
        import { internal } from "./_generated/api";
        export const resolveUser = internalAction({
          args: { email: v.string(), externalId: v.string() },
          handler: async (ctx, { email, externalId }) => {
            let user = await ctx.runQuery(internal.users.byExternalId, { externalId });
            if (!user) {
              user = await ctx.runQuery(internal.users.byEmail, { email });
            }
            const team = await ctx.runQuery(internal.teams.byOwner, { ownerId: externalId });
            const profile = team ?? (await ctx.runQuery(internal.teams.defaultTeam, {}));
            return { user, profile };
          },
        });
    """, files=BASE, name="fallback reads: only when the first found nothing"),
    invalid("""
        import { v } from "convex/values";
        import { internalAction } from "./_generated/server";
        import { internal } from "./_generated/api";
        export const digest = internalAction({
          args: { teamId: v.id("teams") },
          handler: async (ctx, { teamId }) => {
            const team = await ctx.runQuery(internal.teams.get, { teamId });
            await fetch("https://hooks.example.com/digest", { method: "POST" });
            const members = await ctx.runQuery(internal.members.list, { teamId });
            return { team, members };
          },
        });
    """, [9], files=BASE, name="an unrelated await between two reads that are combined"),
    valid("""
        import { v } from "convex/values";
        import { internalAction } from "./_generated/server";
        import { internal } from "./_generated/api";
        export const finishRound = internalAction({
          args: { duelId: v.id("duels") },
          handler: async (ctx, { duelId }) => {
            const duel = await ctx.runQuery(internal.duels.get, { duelId });
            await ctx.runMutation(internal.duels.completeRound, { duelId });
            const updated = await ctx.runQuery(internal.duels.get, { duelId });
            return { before: duel, after: updated };
          },
        });
    """, files=BASE, name="re-reading after a write in between is deliberate"),
    valid("""
        import { v } from "convex/values";
        import { internalAction } from "./_generated/server";
        import { internal } from "./_generated/api";
        export const similar = internalAction({
          args: { docId: v.id("docs") },
          handler: async (ctx, { docId }) => {
            const doc = await ctx.runQuery(internal.docs.get, { docId });
            const embedding = await embed(String(docId));
            const near = await ctx.runQuery(internal.docs.nearest, { embedding });
            return { doc, near };
          },
        });
        declare function embed(s: string): Promise<number[]>;
    """, files=BASE, name="the second read takes the intermediate await's result"),
]


@pytest.mark.parametrize("case", REV2_CASES, ids=repr)
def test_sequential_run_queries_rev2(tmp_path, case):
    run_case(tmp_path, "sequential-run-queries", case)


SCOPE_CASES = [
    valid("""
        import { v } from "convex/values";
        import { internalAction } from "./_generated/server";
        import { internal } from "./_generated/api";
        export const search = internalAction({
          args: { text: v.optional(v.string()), ns: v.string() },
          handler: async (ctx, args) => {
            if (!args.text) {
              const { ranges, entries } = await ctx.runQuery(internal.search.vectorOnly, { ns: args.ns });
              return { ranges, entries };
            }
            await ctx.runMutation(internal.search.logQuery, { text: args.text });
            const { ranges, entries } = await ctx.runQuery(internal.search.hybrid, { ns: args.ns, text: args.text });
            return { ranges, entries };
          },
        });
    """, files=BASE, name="reads on different paths (a block that returns) are not combined"),
]


@pytest.mark.parametrize("case", SCOPE_CASES, ids=repr)
def test_sequential_run_queries_scopes(tmp_path, case):
    run_case(tmp_path, "sequential-run-queries", case)
