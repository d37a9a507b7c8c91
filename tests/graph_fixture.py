"""A small Convex app with a web client, tests and scripts, written from scratch for the workspace
reference graph (tests/test_references.py, tests/test_fix_safety.py).

The functions folder commits a minimal `_generated/` (what `npx convex dev` writes, reduced to the
lines the tools read). Build output, `node_modules/` and a git-ignored folder hold references that
must never count.
"""

from __future__ import annotations

APP: dict[str, str] = {
    "package.json": '{"name": "notes-app", "dependencies": {"convex": "^1.25.0", "react": "^18.0.0"}}',
    "tsconfig.json": """
        {
          // the client imports the backend through an alias
          "compilerOptions": {"baseUrl": ".", "paths": {"@/*": ["./src/*"], "@cvx/*": ["./convex/*"]},},
        }
    """,
    ".gitignore": "ignored-out/\n*.local.ts\n",
    "convex/_generated/api.d.ts": """
        /* eslint-disable */
        /**
         * Generated `api` utility.
         *
         * THIS CODE IS AUTOMATICALLY GENERATED.
         */
        import type { ApiFromModules, FilterApi, FunctionReference } from "convex/server";
        import type * as tasks from "../tasks.js";
        import type * as messages from "../messages.js";
        declare const fullApi: ApiFromModules<{ tasks: typeof tasks; messages: typeof messages }>;
        export declare const api: FilterApi<typeof fullApi, FunctionReference<any, "public">>;
        export declare const internal: FilterApi<typeof fullApi, FunctionReference<any, "internal">>;
    """,
    "convex/_generated/api.js": """
        /* eslint-disable */
        /**
         * Generated `api` utility.
         *
         * THIS CODE IS AUTOMATICALLY GENERATED.
         */
        import { anyApi } from "convex/server";
        export const api = anyApi;
        export const internal = anyApi;
    """,
    "convex/_generated/server.d.ts": """
        /* eslint-disable */
        /**
         * Generated utilities for implementing server-side Convex query and mutation functions.
         *
         * THIS CODE IS AUTOMATICALLY GENERATED.
         */
        export declare const query: any, mutation: any, action: any, httpAction: any;
        export declare const internalQuery: any, internalMutation: any, internalAction: any;
    """,
    "convex/schema.ts": """
        import { defineSchema, defineTable } from "convex/server";
        import { v } from "convex/values";

        export default defineSchema({
          tasks: defineTable({ owner: v.string(), text: v.string(), done: v.boolean() })
            .index("by_owner", ["owner"])
            .index("by_done", ["done"]),
          messages: defineTable({ author: v.string(), body: v.string() })
            .index("author", ["author"]),
        });
    """,
    "convex/tasks.ts": """
        import { v } from "convex/values";
        import { query, mutation, internalMutation } from "./_generated/server";
        import { api, internal } from "./_generated/api";

        export const list = query({
          args: { owner: v.string() },
          returns: v.any(),
          handler: async (ctx, { owner }) => {
            return await ctx.db.query("tasks").withIndex("by_owner", (q) => q.eq("owner", owner)).collect();
          },
        });

        export const add = mutation({
          args: { owner: v.string(), text: v.string() },
          returns: v.null(),
          handler: async (ctx, args) => {
            await ctx.db.insert("tasks", { ...args, done: false });
            await ctx.scheduler.runAfter(0, api.tasks.touch, { owner: args.owner });
            await ctx.scheduler.runAfter(0, internal.tasks.cleanup, {});
            return null;
          },
        });

        export const touch = mutation({
          args: { owner: v.string() },
          returns: v.null(),
          handler: async (ctx, { owner }) => {
            await ctx.runMutation(api.tasks.archive, { owner });
            return null;
          },
        });

        export const archive = mutation({
          args: { owner: v.string() },
          returns: v.null(),
          handler: async () => null,
        });

        export const cleanup = internalMutation({
          args: {},
          returns: v.null(),
          handler: async () => null,
        });

        export const forgotten = internalMutation({
          args: {},
          returns: v.null(),
          handler: async () => null,
        });
    """,
    "convex/messages.ts": """
        import { v } from "convex/values";
        import { query, mutation } from "./_generated/server";
        import { api } from "./_generated/api";

        export const list = query({
          args: {},
          returns: v.any(),
          handler: async (ctx) => ctx.db.query("messages").order("desc").take(20),
        });

        export const byAuthor = query({
          args: { author: v.string() },
          returns: v.any(),
          handler: async (ctx, { author }) =>
            ctx.db.query("messages").withIndex("author", (q) => q.eq("author", author)).take(20),
        });

        export const send = mutation({
          args: { author: v.string(), body: v.string() },
          returns: v.null(),
          handler: async (ctx, args) => {
            await ctx.db.insert("messages", args);
            await ctx.scheduler.runAfter(0, api.messages.list, {});
            return null;
          },
        });
    """,
    "src/App.tsx": """
        import { useMutation, useQuery } from "convex/react";
        import { api } from "@cvx/_generated/api";
        import type { Id } from "../convex/_generated/dataModel";

        export function App({ owner }: { owner: string }) {
          const tasks = useQuery(api.tasks.list, { owner });
          const add = useMutation(api.tasks.add);
          const selected: Id<"tasks"> | null = null;
          return <button onClick={() => add({ owner, text: "x" })}>{tasks?.length}</button>;
        }
    """,
    "src/lib/server.ts": """
        import { ConvexHttpClient } from "convex/browser";
        import { api } from "../../convex/_generated/api";

        const client = new ConvexHttpClient(process.env.CONVEX_URL!);
        export async function recent() {
          return await client.query(api.messages.list, {});
        }
    """,
    "tests/tasks.test.ts": """
        import { convexTest } from "convex-test";
        import { expect, test } from "vitest";
        import { api } from "../convex/_generated/api";
        import schema from "../convex/schema";

        test("touch", async () => {
          const t = convexTest(schema);
          await t.mutation(api.tasks.touch, { owner: "a" });
          const rows = await t.run(async (ctx) =>
            ctx.db.query("tasks").withIndex("by_owner", (q) => q.eq("owner", "a")).collect());
          expect(rows).toHaveLength(0);
        });
    """,
    "tests/messages.test.ts": """
        import { convexTest } from "convex-test";
        import { expect, test } from "vitest";
        import schema from "../convex/schema";

        test("by author", async () => {
          const t = convexTest(schema);
          const rows = await t.run(async (ctx) =>
            ctx.db.query("messages").withIndex("author", (q) => q.eq("author", "bot")).collect());
          expect(rows).toEqual([]);
        });
    """,
    "scripts/report.ts": """
        import { getManyFrom } from "convex-helpers/server/relationships";
        import type { GenericDatabaseReader } from "convex/server";
        export const byBot = (db: GenericDatabaseReader<any>) => getManyFrom(db, "messages", "author", "bot");
    """,
    "scripts/seed.mjs": """
        import { ConvexHttpClient } from "convex/browser";
        import { makeFunctionReference } from "convex/server";

        const client = new ConvexHttpClient(process.env.CONVEX_URL);
        await client.mutation(makeFunctionReference("messages:send"), { author: "bot", body: "hi" });
    """,
    # never read: build output, dependencies, git-ignored files
    "dist/assets/index.js": 'import { api } from "../../convex/_generated/api"; useQuery(api.tasks.archive);\n',
    "node_modules/lib/index.js": 'import { api } from "../../convex/_generated/api"; useQuery(api.tasks.archive);\n',
    "ignored-out/x.ts": 'import { api } from "../convex/_generated/api"; useQuery(api.tasks.archive);\n',
    "src/secret.local.ts": 'import { api } from "../convex/_generated/api"; useQuery(api.tasks.archive);\n',
}
