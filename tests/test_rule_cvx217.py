import pytest

from tests.ruletester import invalid, run_case, valid

SCHEMA = """
    import { defineSchema, defineTable } from "convex/server";
    import { v } from "convex/values";
    export default defineSchema({
      tasks: defineTable({ owner: v.string(), done: v.boolean(), text: v.string() })
        .index("by_owner", ["owner"])
        .index("by_done", ["done"])
        .searchIndex("search_text", { searchField: "text" }),
    });
"""
READS_OWNER = """
    import { query } from "./_generated/server";
    import { v } from "convex/values";
    export const mine = query({
      args: { owner: v.string() },
      handler: async ({ db }, { owner }) =>
        db.query("tasks").withIndex("by_owner", (q) => q.eq("owner", owner)).collect(),
    });
"""
SEARCH = """
    import { query } from "./_generated/server";
    export const find = query({
      args: {},
      handler: async (context) =>
        context.db.query("tasks").withSearchIndex("search_text", (q) => q.search("text", "x")).take(5),
    });
"""

CASES = [
    valid(SCHEMA, files={"convex/tasks.ts": READS_OWNER, "convex/search.ts": SEARCH,
                         "tests/done.test.ts": """
        import { convexTest } from "convex-test";
        import schema from "../convex/schema";
        test("done", async () => {
          const t = convexTest(schema);
          // the only reader of by_done is this test: it still counts
          await t.run(async (ctx) => ctx.db.query("tasks").withIndex("by_done", (q) => q.eq("done", true)).collect());
        });
    """}, filename="convex/schema.ts", name="every index used: one only by a test outside the functions folder"),
    valid(SCHEMA, files={"convex/search.ts": SEARCH, "convex/model/tasks.ts": """
        import { getManyFrom } from "convex-helpers/server/relationships";
        import type { QueryCtx } from "../_generated/server";
        export const byOwner = (ctx: QueryCtx, owner: string) => getManyFrom(ctx.db, "tasks", "by_owner", owner, "owner");
    """, "scripts/report.mjs": """
        // a script reading through a paginated stream helper
        import { stream } from "convex-helpers/server/stream";
        export const rows = (ctx, schema) => stream(ctx.db, schema).query("tasks").withIndex("by_done");
    """}, filename="convex/schema.ts", name="relationship helper in the model layer; helper-rooted withIndex in a JS script"),
    valid(SCHEMA, files={"convex/search.ts": SEARCH, "convex/dyn.ts": """
        import { query } from "./_generated/server";
        import { v } from "convex/values";
        export const by = query({
          args: { index: v.string(), value: v.any() },
          handler: async (ctx, { index, value }) =>
            ctx.db.query("tasks").withIndex(index as any, (q: any) => q.eq("owner", value)).collect(),
        });
    """}, filename="convex/schema.ts", name="a computed index name may be any index"),
    valid("""
        import { defineSchema, defineTable } from "convex/server";
        import { v } from "convex/values";
        export default defineSchema({
          tasks: defineTable({ owner: v.string() }).index("by_owner", { fields: ["owner"], staged: true }),
        });
    """, filename="convex/schema.ts", name="staged index (being backfilled)"),
    valid("""
        import { defineSchema, defineTable } from "convex/server";
        import { authTables } from "@convex-dev/auth/server";
        import { v } from "convex/values";
        export default defineSchema({
          ...authTables,
          // Convex Auth looks users up by these two
          users: defineTable({ email: v.optional(v.string()), phone: v.optional(v.string()) })
            .index("email", ["email"])
            .index("phone", ["phone"]),
        });
    """, filename="convex/schema.ts", name="indexes @convex-dev/auth requires"),
    invalid(SCHEMA, [6], files={"convex/tasks.ts": READS_OWNER, "convex/search.ts": SEARCH,
                                "dist/bundle.js": 'db.query("tasks").withIndex("by_done");\n',
                                "src/App.tsx": """
        import { useQuery } from "convex/react";
        import { api } from "../convex/_generated/api";
        // a comment naming withIndex("by_done") is no use
        export const A = () => useQuery(api.tasks.mine, { owner: "by_done" });
    """}, filename="convex/schema.ts", message="`by_done` on `tasks` is not used", name="unused index; build output does not count"),
    invalid(SCHEMA, [7], files={"convex/tasks.ts": READS_OWNER, "convex/done.js": """
        import { query } from "./_generated/server";
        export const done = query({
          args: {},
          handler: async (ctx) => ctx.db.query("tasks").withIndex("by_done", (q) => q.eq("done", true)).collect(),
        });
    """}, filename="convex/schema.ts", message="search index `search_text`",
            name="unused search index; by_done used from a JavaScript functions file"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_unused_index(tmp_path, case):
    run_case(tmp_path, "unused-index", case)
