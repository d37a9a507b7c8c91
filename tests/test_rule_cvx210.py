import pytest

from tests._kw_fixtures import FILES
from tests.ruletester import invalid, lint_files, run_case, valid

# reported on the table key in convex/schema.ts: `users` is line 8, `tasks` line 20
SERVED = """
    import { query } from "./_generated/server";
    export const list = query({
      args: {},
      handler: async (ctx, { ownerId, channelId }) => {
        // .filter((q) => q.eq(q.field("title"), x)) in a comment
        const a = await ctx.db.query("channels").filter((q) => q.eq(q.field("ownerId"), ownerId)).take(5);
        const b = await ctx.db.query("messages")
          .withIndex("by_channelId_and_authorId", (q) => q.eq("channelId", channelId))
          .filter((q) => q.eq(q.field("body"), "hi")).take(5);
        const c = await ctx.db.query("tasks").filter((q) => q.neq(q.field("title"), "")).take(5);
        const d = await ctx.db.query("tasks").filter((q) => q.gt(q.field("title"), "a")).take(5);
        const e = await ctx.db.query("tasks").filter((q) => q.or(q.eq(q.field("title"), "a"), q.eq(q.field("title"), "b"))).take(5);
        const rows = await ctx.db.query("tasks").take(50);
        const f = rows.filter((t) => t.title === "x");
        return [a, b, c, d, e, f];
      },
    });
"""
TASK_FILTERS = """
    import { authedQuery } from "./functions";
    export const open = authedQuery({
      args: {},
      handler: async (c, { projectId }) => {
        return await c.db
          .query("tasks")
          .filter((q) => q.and(q.eq(q.field("projectId"), projectId), q.eq(q.field("done"), false)))
          .take(20);
      },
    });
    export const done = authedQuery({
      args: {},
      handler: async ({ db }) => {
        let q = db.query("tasks");
        q = q.filter((t) => t.eq(t.field("done"), true));
        return await q.take(20);
      },
    });
"""
USERS_HELPER = """
    import type { QueryCtx } from "../_generated/server";
    export async function byStatus(ctx: QueryCtx, status: string) {
      return ctx.db.query("users").filter((q) => {
        return q.eq(status, q.field("status"));
      }).take(10);
    }
"""

CASES = [
    valid(SERVED, files=FILES, name="index exists, after withIndex, neq/range/or, array filter"),
    valid("""
        import { query } from "./_generated/server";
        export const list = query({ args: {}, handler: async (ctx) =>
          ctx.db.query("tasks").filter((q) => q.eq(q.field("done"), true)).take(5) });
    """, name="no schema: silent"),
    invalid(TASK_FILTERS, [("convex/schema.ts", 20)], files=FILES,
            message="`tasks` is filtered on `done` in 2 places and on `projectId` in 1 place",
            name="reported once on the table in the schema, counting places (custom builder, variable chain)"),
    invalid(USERS_HELPER, [("convex/schema.ts", 8)], files=FILES, filename="convex/model/users.ts",
            message='`.index("by_status", ["status"])`', name="model helper, block body, reversed eq"),
    valid(TASK_FILTERS, files={**FILES, "convex/schema.ts": FILES["convex/schema.ts"].replace(
        'projectId: v.string() }),', 'projectId: v.string() }).index("by_done", ["done"], ),').replace(
        '.index("by_done", ["done"], )', '.index("by_done", { fields: ["done"], staged: true })')},
          name="a staged index already covers it"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_missing_index_for_filter(tmp_path, case):
    run_case(tmp_path, "missing-index-for-filter", case)


def test_no_finding_at_the_filter_itself(tmp_path):
    fs = lint_files(tmp_path, {**FILES, "convex/tasks.ts": TASK_FILTERS}, select=["CVX210", "CVX201"])
    by_code = sorted((f.code, f.path) for f in fs)
    assert by_code == [("CVX201", "convex/tasks.ts"), ("CVX201", "convex/tasks.ts"), ("CVX210", "convex/schema.ts")]
    cvx201 = [f.message for f in fs if f.code == "CVX201"]
    assert all('add `.index("by_' in m for m in cvx201), cvx201


def _schema_after_fix(tmp_path, files) -> str:
    """Lint the project, take the one CVX210 finding in the schema, apply its (unsafe) fix."""
    from convex_lsp.analysis.config import Config
    from convex_lsp.analysis.engine import Analyzer
    from convex_lsp.analysis.project import discover
    from convex_lsp.quickfixes import apply_edits, fixes_for
    from tests.ruletester import write_project

    root = write_project(tmp_path, files)
    an = Analyzer(discover([root]), Config(root=root))
    paths = an.load_all()
    schema = next(p for p in paths if p.endswith("schema.ts"))
    [finding] = [f for f in an.lint(schema) if f.code == "CVX210"]
    [fix] = fixes_for(finding, an)
    assert fix.applicability == "unsafe"
    return apply_edits(an.models[schema].src.data, fix.edits).decode()


def test_fix_adds_the_index(tmp_path):
    new = _schema_after_fix(tmp_path, {**FILES, "convex/tasks.ts": TASK_FILTERS})
    assert 'tasks: defineTable({ title: v.string(), done: v.boolean(), projectId: v.string() })' \
           '.index("by_done", ["done"]),' in new


def test_fix_follows_a_multiline_chain(tmp_path):
    new = _schema_after_fix(tmp_path, {**FILES, "convex/model/users.ts": USERS_HELPER})
    assert '    .index("by_tokenIdentifier", ["tokenIdentifier"])\n    .index("by_status", ["status"]),\n' in new
