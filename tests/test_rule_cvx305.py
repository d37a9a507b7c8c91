import pytest

from tests.ruletester import invalid, run_case, valid
from tests.runtime_fixtures import BASE

CASES = [
    valid("""
        import { action, internalAction } from "./_generated/server";
        import { internal } from "./_generated/api";
        export const enrich = action({
          args: {},
          handler: async (ctx) => {
            const data = await ctx.runQuery(internal.data.get, {});
            await fetch("https://example.com", { method: "POST", body: JSON.stringify(data) });
            return data;
          },
        });
        export const hidden = internalAction({
          args: {},
          handler: async (ctx) => await ctx.runQuery(internal.data.get, {}),
        });
    """, files=BASE, name="does something else; internal actions"),
    valid("""
        import { query } from "./_generated/server";
        export const getData = query({ args: {}, handler: async (ctx) => await ctx.db.query("tasks").take(10) });
    """, files=BASE, name="a query"),
    valid("""
        import { action } from "./_generated/server";
        import { internal } from "./_generated/api";
        export const two = action({
          args: {},
          handler: async (ctx) => {
            await ctx.runMutation(internal.data.touch, {});
            return await ctx.runQuery(internal.data.get, {});
          },
        });
    """, files=BASE, name="a mutation first"),
    invalid("""
        import { action } from "./_generated/server";
        import { internal } from "./_generated/api";
        export const getData = action({
          args: {},
          handler: async (ctx) => {
            // just forwards
            return await ctx.runQuery(internal.data.get, {});
          },
        });
    """, [3], files=BASE, name="returns one runQuery", message="query"),
    invalid("""
        import { authedAction } from "./functions";
        import { api } from "./_generated/api";
        export const list = authedAction({
          args: {},
          handler: async (c, args) => {
            const rows = await c.runQuery(api.tasks.list, args);
            return rows;
          },
        });
        export const arrow = authedAction({ args: {}, handler: (c) => c.runQuery(api.tasks.list, {}) });
    """, [3, 10], files=BASE, name="custom action builder, via a variable and an arrow body"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_action_as_query(tmp_path, case):
    run_case(tmp_path, "action-as-query", case)
