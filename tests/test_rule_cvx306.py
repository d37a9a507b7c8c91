import pytest

from tests.ruletester import invalid, run_case, valid
from tests.runtime_fixtures import BASE

CASES = [
    valid("""
        import { mutation } from "./functions";
        import { internalAction } from "./_generated/server";
        export const stamp = mutation({
          args: {},
          handler: async (ctx) => {
            await ctx.db.insert("tasks", { title: String(Date.now()), done: Math.random() > 0.5 });
          },
        });
        export const work = internalAction({ args: {}, handler: async () => new Date().toISOString() });
    """, files=BASE, name="mutations and actions"),
    valid("""
        import { query } from "./_generated/server";
        import { v } from "convex/values";
        export const since = query({
          args: { now: v.number(), iso: v.string() },
          handler: async (ctx, { now, iso }) => {
            // Date.now() would make the result stale
            const when = new Date(iso);
            const label = "Math.random()";
            return { when: when.getTime(), now, label };
          },
        });
    """, files=BASE, name="time passed in; new Date(arg); comments and strings"),
    invalid("""
        import { authedQuery } from "./functions";
        export const active = authedQuery({
          args: {},
          handler: async ({ db }) => {
            const now = Date.now();
            const today = new Date();
            const rows = await db.query("tasks").take(20);
            return rows.filter(() => Math.random() < 0.5).length + now + today.getDay();
          },
        });
    """, [5, 6, 8], files=BASE, name="custom query, destructured db", message="query"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_nondeterminism_in_query(tmp_path, case):
    run_case(tmp_path, "nondeterminism-in-query", case)
