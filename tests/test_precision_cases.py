"""Precision regressions found by running convex-lsp on real Convex apps (not components).

Each case is a minimal reproduction written from scratch (no third-party code): three false
positives (CVX104 on a handler whose return type rules out `undefined`, CVX204 suggesting the
reserved `by_id`, CVX209 on a fan-out over a short literal list) and four misses (a destructured
`runMutation` left floating, `.filter` on a query returned by a local helper, `api` imported through
a tsconfig path alias, a table spread in from convex-helpers' `rateLimitTables`). Each failed before
its fix."""

import pytest

from tests.ruletester import invalid, run_case, valid  # noqa: E402

SCHEMA = """
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
export default defineSchema({
  plans: defineTable({ key: v.string() }).index("by_key", ["key"]),
  rounds: defineTable({ stage: v.union(v.literal("a"), v.literal("b")) }),
  threads: defineTable({ name: v.string() }),
  messages: defineTable({ threadId: v.id("threads"), state: v.string() })
    .index("by_threadId", ["threadId"]),
});
"""

# ---------------------------------------------------------------- false positives
FALSE_POSITIVES = [
    # FP-1 CVX104: the handler's return type (no `undefined`) makes TypeScript (TS2366) prove that every
    # path returns; an exhaustive `switch` over a union has no reachable end.
    ("implicit-undefined-return", valid("""
        import { query } from "./_generated/server";
        import { v } from "convex/values";
        export const stageName = query({
          args: { id: v.id("rounds") },
          handler: async (ctx, { id }): Promise<string> => {
            const round = (await ctx.db.get(id))!;
            switch (round.stage) {
              case "a":
                return "A";
              case "b":
                return "B";
            }
          },
        });
    """, files={"convex/schema.ts": SCHEMA}, name="FP-1 annotated return type, exhaustive switch")),

    # FP-2 CVX204: the conventional name for an index on a field called `id` is `by_id`, which Convex
    # reserves (CVX207): the message and its *safe* fix would break the deploy.
    ("index-name-fields", valid("""
        import { defineSchema, defineTable } from "convex/server";
        import { v } from "convex/values";
        export default defineSchema({
          issues: defineTable({ id: v.string(), title: v.string() })
            .index("by_issue_id", ["id"])
            .index("by_title", ["title"]),
        });
    """, filename="convex/schema.ts", name="FP-2 expected name is reserved by_id")),

    # FP-3 (debatable) CVX209: fan-out over a constant two-element literal is bounded, not N+1.
    ("n-plus-one-get", valid("""
        import { query } from "./_generated/server";
        import { v } from "convex/values";
        import { asyncMap } from "convex-helpers";
        export const plans = query({
          args: {},
          returns: v.any(),
          handler: async (ctx) => {
            const [free, pro] = await asyncMap(["free", "pro"] as const, (key) =>
              ctx.db.query("plans").withIndex("by_key", (q) => q.eq("key", key)).unique(),
            );
            return { free, pro };
          },
        });
    """, files={"convex/schema.ts": SCHEMA}, name="FP-3 constant literal list")),
]

# ---------------------------------------------------------------- misses
MISSES = [
    # MISS-1 CVX307: `run*` taken from a destructured ctx and never awaited.
    ("floating-promise", invalid("""
        import { action } from "./_generated/server";
        import { internal } from "./_generated/api";
        import { v } from "convex/values";
        export const go = action({
          args: {},
          returns: v.null(),
          handler: async ({ runMutation }) => {
            runMutation(internal.example.save, {});
            return null;
          },
        });
    """, [8], name="MISS-1 destructured runMutation not awaited")),

    # MISS-2 CVX201: `.filter` on a query built by a helper that returns `ctx.db.query(...)…`.
    ("no-query-filter", invalid("""
        import { query, DatabaseReader } from "./_generated/server";
        import { v } from "convex/values";
        import { Id } from "./_generated/dataModel";
        function messagesQuery(ctx: { db: DatabaseReader }, threadId: Id<"threads">) {
          return ctx.db
            .query("messages")
            .withIndex("by_threadId", (q) => q.eq("threadId", threadId));
        }
        export const lastOk = query({
          args: { threadId: v.id("threads") },
          returns: v.any(),
          handler: async (ctx, args) => {
            return await messagesQuery(ctx, args.threadId)
              .filter((q) => q.eq(q.field("state"), "success"))
              .first();
          },
        });
    """, [14], files={"convex/schema.ts": SCHEMA}, name="MISS-2 filter on helper-returned query")),

    # MISS-3 CVX402: `internal` imported through a tsconfig path alias (`@cvx/*` -> `convex/*`).
    ("unknown-function-reference", invalid("""
        import { internal } from "@cvx/_generated/api";
        import { mutation } from "@cvx/_generated/server";
        import { v } from "convex/values";
        export const f = mutation({
          args: {},
          returns: v.null(),
          handler: async (ctx) => {
            await ctx.scheduler.runAfter(0, internal.billing.createCustomr, {});
            return null;
          },
        });
    """, [8], files={
        "tsconfig.json": '{"compilerOptions": {"baseUrl": ".", "paths": {"@cvx/*": ["./convex/*"]}}}',
        "convex/billing.ts": """
            import { internalAction } from "./_generated/server";
            import { v } from "convex/values";
            export const createCustomer = internalAction({ args: {}, returns: v.null(), handler: async () => null });
        """,
    }, name="MISS-3 api imported through a path alias")),

    # MISS-4 (debatable) CVX208: `...rateLimitTables` from convex-helpers is a known package spread
    # (it only adds `rateLimits`), so an insert into a table nobody defines should still be reported.
    ("unknown-table", invalid("""
        import { internalMutation } from "./_generated/server";
        import { v } from "convex/values";
        export const log = internalMutation({
          args: {},
          returns: v.null(),
          handler: async (ctx) => {
            await ctx.db.insert("failures", { at: 1 });
            return null;
          },
        });
    """, [7], files={"convex/schema.ts": """
        import { defineSchema, defineTable } from "convex/server";
        import { v } from "convex/values";
        import { rateLimitTables } from "convex-helpers/server/rateLimit";
        export default defineSchema({
          ...rateLimitTables,
          jobs: defineTable({ status: v.string() }),
        });
    """}, name="MISS-4 known package spread (rateLimitTables)")),

    # MISS-5 CVX401: `run*` destructured from ctx in the handler body (`const { runQuery } = ctx`), not
    # in the parameter list, is still `ctx.runQuery`.
    ("public-function-scheduled", invalid("""
        import { internalAction } from "./_generated/server";
        import { api } from "./_generated/api";
        import { v } from "convex/values";
        export const tick = internalAction({
          args: {},
          returns: v.null(),
          handler: async (ctx) => {
            const { runQuery } = ctx;
            await runQuery(api.board.peek, {});
            return null;
          },
        });
    """, [9], files={"convex/board.ts": """
        import { query } from "./_generated/server";
        import { v } from "convex/values";
        export const peek = query({ args: {}, returns: v.null(), handler: async () => null });
    """}, name="MISS-5 runQuery destructured from ctx in the body")),
]


@pytest.mark.parametrize("rule,case", FALSE_POSITIVES, ids=lambda x: repr(x) if not isinstance(x, str) else x)
def test_false_positive(tmp_path, rule, case):
    run_case(tmp_path, rule, case)


@pytest.mark.parametrize("rule,case", MISSES, ids=lambda x: repr(x) if not isinstance(x, str) else x)
def test_miss(tmp_path, rule, case):
    run_case(tmp_path, rule, case)


# ---------------------------------------------------------------- catalog revision 2, from labelled apps
# (bench/precision/labels.jsonl): each case a from-scratch reproduction of a false-positive pattern.
OWNED_SCHEMA = """
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
export default defineSchema({
  deliveries: defineTable({ ownerId: v.string(), kind: v.string() })
    .index("by_owner", ["ownerId"])
    .index("by_owner_kind", ["ownerId", "kind"]),
});
"""

REVISION_2 = [
    # FP-4 CVX205: the prefix index is read for "the latest n" (`.order("desc").take(n)`): within one owner
    # it returns documents by `_creationTime`, which the covering index (ordered by `kind`) would not.
    ("redundant-index", valid(OWNED_SCHEMA, filename="convex/schema.ts", files={"convex/model/deliveries.ts": """
        import type { QueryCtx } from "../_generated/server";
        export function recent(qctx: QueryCtx, ownerId: string) {
          return qctx.db.query("deliveries").withIndex("by_owner", (q) => q.eq("ownerId", ownerId)).order("desc").take(10);
        }
    """}, name="FP-4 prefix index read in creation order")),
    # ... while a prefix index only ever collected (or never read) is still redundant
    ("redundant-index", invalid(OWNED_SCHEMA, [5], filename="convex/schema.ts", files={"convex/deliveries.ts": """
        import { query } from "./_generated/server";
        import { v } from "convex/values";
        export const all = query({
          args: { ownerId: v.string() },
          handler: async ({ db }, { ownerId }) => db.query("deliveries").withIndex("by_owner", (q) => q.eq("ownerId", ownerId)).collect(),
        });
    """}, name="FP-4 counterpart: collected only")),
    # FP-5 CVX702: `targetUserId` names whom the caller follows, chosen by the caller by design; the
    # client-supplied identity here is `clerkId` (reported), not the target.
    ("client-supplied-identity", invalid("""
        import { mutation } from "./_generated/server";
        import { v } from "convex/values";
        export const follow = mutation({
          args: { clerkId: v.string(),
                  targetUserId: v.id("users") },
          handler: async (ctx, args) => {
            const me = await ctx.db.query("users").withIndex("by_clerkId", (q) => q.eq("clerkId", args.clerkId)).unique();
            if (!me) throw new Error("no user");
            await ctx.db.insert("follows", { followerId: me._id, followingId: args.targetUserId, by: args.clerkId });
          },
        });
    """, [4], name="FP-5 the other party of a follow is not the caller")),
]


@pytest.mark.parametrize("rule,case", REVISION_2, ids=lambda x: repr(x) if not isinstance(x, str) else x)
def test_revision_2_precision(tmp_path, rule, case):
    run_case(tmp_path, rule, case)
