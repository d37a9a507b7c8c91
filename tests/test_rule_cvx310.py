import pytest

from tests.ruletester import invalid, run_case, valid
from tests.runtime_fixtures import BASE

CASES = [
    valid("""
        import { mutation } from "./functions";
        import { internal } from "./_generated/api";
        import { v } from "convex/values";
        export const trySend = mutation({
          args: { body: v.string() },
          handler: async (ctx, args) => {
            try {
              await ctx.runMutation(internal.messages.send, args);
            } catch (e) {
              await ctx.db.insert("tasks", { title: String(e), done: false });
            }
            return null;
          },
        });
    """, files=BASE, name="partial rollback inside try"),
    valid("""
        import { mutation, query } from "./_generated/server";
        import { components } from "./_generated/api";
        export const inc = mutation({
          args: {},
          handler: async (ctx) => {
            await ctx.runMutation(components.counter.lib.add, { name: "x", count: 1 });
            return await ctx.runQuery(components.counter.lib.count, { name: "x" });
          },
        });
    """, files=BASE, name="calls into a component"),
    valid("""
        import { action } from "./_generated/server";
        import { internal } from "./_generated/api";
        export const a = action({
          args: {},
          handler: async (ctx) => { await ctx.runMutation(internal.x.y, {}); },
        });
    """, files=BASE, name="actions are expected to use ctx.run*"),
    invalid("""
        import { mutation, authedQuery } from "./functions";
        import { internal, api } from "./_generated/api";
        export const createTeam = mutation({
          args: {},
          handler: async (context, { name }: any) => {
            const user = await context.runQuery(internal.users.current, {});
            try {
              await context.db.insert("teams", { name, ownerId: user._id });
            } catch (e) {
              await context.runMutation(internal.audit.log, {});
            }
          },
        });
        export const me = authedQuery({
          args: {},
          handler: async (ctx) => await ctx.runQuery(api.users.current, {}),
        });
    """, [6, 10, 16], files=BASE, name="custom builders; catch block is not the try body", message="helper"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_run_in_transaction(tmp_path, case):
    run_case(tmp_path, "run-in-transaction", case)
