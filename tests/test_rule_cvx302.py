import pytest

from tests.ruletester import invalid, run_case, valid
from tests.runtime_fixtures import BASE

CASES = [
    valid("""
        import { query, mutation } from "./_generated/server";
        export const list = query({ args: {}, handler: async (ctx) => await ctx.db.query("tasks").take(5) });
        export const add = mutation({
          args: {},
          handler: async ({ db }) => { await db.insert("tasks", { title: "x", done: false }); },
        });
    """, files=BASE, name="queries and mutations use the database"),
    valid("""
        import { authedAction } from "./functions";
        import { internal } from "./_generated/api";
        export const sync = authedAction({
          args: {},
          handler: async (ctx) => {
            // ctx.db is not available here, so go through a query
            const label = "ctx.db";
            const tasks = await ctx.runQuery(internal.tasks.list, {});
            const db = { name: "external" };
            return db.name + tasks.length + label;
          },
        });
    """, files=BASE, name="comments, strings and an unrelated local db"),
    valid("""
        import { action } from "./_generated/server";
        import type { MutationCtx } from "./_generated/server";
        export const run = action({
          args: {},
          handler: async (ctx) => {
            const inner = async (ctx: MutationCtx) => ctx.db.insert("tasks", { title: "", done: false });
            return null;
          },
        });
    """, files=BASE, name="a nested function with its own ctx"),
    invalid("""
        import { authedAction } from "./functions";
        export const sync = authedAction({
          args: {},
          handler: async (context) => {
            const tasks = await context.db.query("tasks").collect();
            return tasks.length;
          },
        });
    """, [5], files=BASE, name="custom action, renamed ctx", message="ctx.db"),
    invalid("""
        import { internalAction, httpAction } from "./_generated/server";
        export const worker = internalAction({
          args: {},
          handler: async ({ db, scheduler }) => {
            await db.insert("tasks", { title: "x", done: false });
          },
        });
        export const hook = httpAction(async (ctx, req) => {
          const { db } = ctx;
          await db.get("x" as any);
          return new Response("ok");
        });
    """, [4, 9], files=BASE, name="destructured db in an internal action and an httpAction"),
    invalid("""
        import { workerAction } from "./functions";
        export const worker = workerAction({
          args: {},
          handler: async (ctx) => {
            const db = ctx.db;
            return null;
          },
        });
    """, [5], files=BASE, name="aliased builder, db read into a variable"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_db_in_action(tmp_path, case):
    run_case(tmp_path, "db-in-action", case)
