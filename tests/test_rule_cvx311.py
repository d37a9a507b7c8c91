import pytest

from tests.ruletester import invalid, run_case, valid
from tests.runtime_fixtures import BASE

TASKS = """
import { query, internalMutation } from "./_generated/server";
import { v } from "convex/values";
export const get = query({ args: { id: v.id("tasks") }, handler: async (ctx, { id }) => await ctx.db.get(id) });
export const touch = internalMutation({ args: {}, handler: async () => null });
export async function loadTask(ctx: any, id: any) { return await ctx.db.get(id); }
"""

CASES = [
    valid("""
        import { mutation } from "./functions";
        import { api, internal } from "./_generated/api";
        import { loadTask, touch } from "./tasks";
        export const rename = mutation({
          args: {},
          handler: async (ctx, { id, get }: any) => {
            // get(ctx, { id }) would skip validation
            const t = await loadTask(ctx, id);
            await ctx.scheduler.runAfter(0, internal.tasks.touch, {});
            const r = await ctx.runQuery(api.tasks.get, { id });
            get(id);
            const touch = (x: any) => x;
            touch(ctx);
            return [t, r];
          },
        });
    """, files={**BASE, "convex/tasks.ts": TASKS}, name="helpers, function references, shadowing param"),
    valid("""
        import { query } from "./_generated/server";
        function list(ctx: any) { return ctx.db.query("tasks").take(5); }
        export const all = query({ args: {}, handler: async (ctx) => list(ctx) });
    """, files=BASE, name="a plain helper in the same file"),
    invalid("""
        import { mutation } from "./functions";
        import { get, touch } from "./tasks";
        import * as Tasks from "./tasks";
        export const rename = mutation({
          args: {},
          handler: async (ctx, args: any) => {
            const t = await get(ctx, { id: args.id });
            await touch.handler(ctx, {});
            await Tasks.get(ctx, { id: args.id });
            return t;
          },
        });
    """, [7, 8, 9], files={**BASE, "convex/tasks.ts": TASKS}, name="imported registrations", message="registered"),
    invalid("""
        import { authedQuery, mutation } from "./functions";
        const current = authedQuery({ args: {}, handler: async (ctx) => ctx.identity });
        export const update = mutation({
          args: {},
          handler: async (c) => {
            const me = await current(c, {});
            return me;
          },
        });
    """, [6], files=BASE, name="same-file custom-builder registration"),
    invalid("""
        import { mutation } from "./functions";
        import { get, touch } from "./tasks";
        export const rename = mutation({
          args: {},
          handler: async (ctx, args: any) => {
            const t = await (get)(ctx, { id: args.id });
            await (touch as any)(ctx, {});
            return t;
          },
        });
    """, [6, 7], files={**BASE, "convex/tasks.ts": TASKS}, name="callee in parentheses or cast"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_direct_registered_call(tmp_path, case):
    run_case(tmp_path, "direct-registered-call", case)
