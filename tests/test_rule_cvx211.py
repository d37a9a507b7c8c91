import pytest

from convex_lsp.analysis.config import Config
from tests._kw_fixtures import FILES
from tests.ruletester import invalid, lint_files, run_case, valid

NEW = '{"name": "app", "dependencies": {"convex": "^1.31.0"}}'
OLD = '{"name": "app", "dependencies": {"convex": "^1.25.0"}}'


def with_pkg(pkg, **more):
    f = dict(FILES)
    f["package.json"] = pkg
    f.update(more)
    return f


CODE = """
    import { mutation } from "./functions";
    import { v } from "convex/values";
    import type { Id } from "./_generated/dataModel";
    export const done = mutation({
      args: { taskId: v.id("tasks") },
      handler: async (ctx, args) => {
        // ctx.db.get(args.taskId) in a comment
        const task = await ctx.db.get(args.taskId);
        await ctx.db.patch(args.taskId, { done: true });
        await ctx.db.get("tasks", args.taskId);
        await ctx.db.patch("tasks", args.taskId, { done: true });
        return task;
      },
    });
    export async function remove(db: any, id: Id<"channels">) {
      await db.delete(id);
    }
"""

CASES = [
    valid(CODE, files=with_pkg(OLD), name="older convex: silent"),
    invalid(CODE, [8, 9, 16], files=with_pkg(NEW), name="convex >= 1.31"),
    invalid(CODE, [8, 9, 16], files=with_pkg(OLD, **{"node_modules/convex/package.json": '{"version": "1.31.2"}'}),
            name="installed version wins over the range"),
    valid("""
        import { mutation } from "./functions";
        export const ok = mutation({ args: {}, handler: async (ctx, { id }) => {
          await ctx.db.get("tasks", id);
          await ctx.db.replace("tasks", id, { title: "t", done: false, projectId: "p" });
          await ctx.db.delete("tasks", id);
        } });
    """, files=with_pkg(NEW), name="table name given"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_missing_table_name_in_db_call(tmp_path, case):
    run_case(tmp_path, "missing-table-name-in-db-call", case)


def test_off_by_default_and_fix_data(tmp_path):
    files = with_pkg(NEW, **{"convex/example.ts": CODE})
    assert not [f for f in lint_files(tmp_path, files, config=Config(root=str(tmp_path))) if f.code == "CVX211"]
    found = sorted((f for f in lint_files(tmp_path / "b", files, select=["CVX211"]) if f.code == "CVX211"),
                   key=lambda f: f.start)
    assert [f.data["table"] for f in found] == ["tasks", "tasks", "channels"]
