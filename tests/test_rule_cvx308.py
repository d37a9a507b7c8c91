import pytest

from tests.ruletester import invalid, run_case, valid
from tests.runtime_fixtures import BASE

CASES = [
    valid("""
        import { mutation } from "./functions";
        import { internal } from "./_generated/api";
        export const write = mutation({
          args: {},
          handler: async (ctx, { id }: any) => {
            await ctx.db.patch(id, { done: true });
            await ctx.scheduler.runAfter(0, internal.tasks.cleanup, { id });
            await ctx.runMutation(internal.tasks.x, {});
          },
        });
    """, files=BASE, name="mutations may write"),
    valid("""
        import { query } from "./_generated/server";
        export const read = query({
          args: {},
          handler: async (ctx, { id }: any) => {
            // ctx.db.patch would fail here
            const rows = await ctx.db.query("tasks").take(5);
            const map = new Map(); map.delete("x");
            const list = rows.slice(); list.patch?.();
            return await ctx.db.get(id);
          },
        });
    """, files=BASE, name="reads, comments, unrelated delete/patch"),
    invalid("""
        import { authedQuery } from "./functions";
        import { internal } from "./_generated/api";
        export const view = authedQuery({
          args: {},
          handler: async ({ db, scheduler }, { id }: any) => {
            const post = await db.get(id);
            await db.patch(id, { views: 1 });
            await scheduler.runAfter(0, internal.stats.bump, { id });
            return post;
          },
        });
    """, [7, 8], files=BASE, name="custom query, destructured db and scheduler", message="read-only"),
    invalid("""
        import { internalQuery } from "./_generated/server";
        import { internal } from "./_generated/api";
        export const q = internalQuery({
          args: {},
          handler: async (c, { id }: any) => {
            await c.db.insert("tasks", { title: "", done: false });
            await c.runMutation(internal.tasks.x, {});
            await c.db.delete(id);
            return null;
          },
        });
    """, [6, 7, 8], files=BASE, name="insert, runMutation, delete in an internal query"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_side_effect_in_query(tmp_path, case):
    run_case(tmp_path, "side-effect-in-query", case)
