"""convex 1.48: `ctx.storage.store()`/`get()` run in mutations; no rule may misjudge them."""

from tests.ruletester import FUNCTIONS_TS, lint_files

FILES = {
    "package.json": '{"name": "app", "dependencies": {"convex": "^1.48.0"}}',
    "convex/functions.ts": FUNCTIONS_TS,
    # FUNCTIONS_TS reads ctx.auth: an app doing so has an auth config (else CVX511 says so)
    "convex/auth.config.ts": "export default { providers: [] };\n",
    "convex/schema.ts": """
        import { defineSchema, defineTable } from "convex/server";
        import { v } from "convex/values";
        export default defineSchema({ notes: defineTable({ body: v.string(), file: v.id("_storage") }) });
    """,
    "convex/notes.ts": """
        import { v } from "convex/values";
        import { mutation } from "./functions";
        import type { MutationCtx } from "./_generated/server";

        async function archive(ctx: MutationCtx, body: string) {
          const file = await ctx.storage.store(new Blob([body], { type: "text/plain" }));
          return await ctx.db.insert("notes", { body, file });
        }

        export const save = mutation({
          args: { body: v.string() },
          returns: v.id("notes"),
          handler: async ({ storage, db }, { body }) => {
            const file = await storage.store(new Blob([body]));
            const back = await storage.get(file);
            if (back === null) throw new Error("stored file vanished");
            return await db.insert("notes", { body, file });
          },
        });

        export const saveViaHelper = mutation({
          args: { body: v.string() },
          returns: v.id("notes"),
          handler: async (c, { body }) => await archive(c, body),
        });
    """,
}


def test_storage_in_mutations_is_not_reported(tmp_path):
    findings = lint_files(tmp_path, FILES)
    assert [(f.code, f.path, f.srow + 1, f.message) for f in findings] == []
