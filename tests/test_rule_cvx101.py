import pytest

from tests.ruletester import FUNCTIONS_TS, invalid, run_case, valid


CASES = [
    valid("""
        import { query } from "./_generated/server";
        import { v } from "convex/values";
        export const list = query({
          args: {},
          returns: v.null(),
          handler: async (ctx) => { return null; },
        });
    """, name="has returns"),
    valid("""
        import { httpAction } from "./_generated/server";
        export const hook = httpAction(async (ctx, req) => new Response("ok"));
    """, name="httpAction exempt"),
    valid("""
        import { query } from "./_generated/server";
        export const list = query(async (ctx) => null);
    """, name="bare handler is CVX103's job"),
    valid("""
        import { query } from "./somewhere-else";
        export const list = query({ args: {}, handler: async () => null });
    """, name="unresolvable builder: silent"),
    valid("""
        const shared = { returns: v.null() };
        import { query } from "./_generated/server";
        export const list = query({ ...shared, args: {}, handler: async () => null });
    """, name="spread may supply returns"),
    invalid("""
        import { query } from "./_generated/server";
        export const list = query({
          args: {},
          handler: async (ctx) => {
            await ctx.db.query("tasks").take(10);
          },
        });
    """, [2], name="plain query"),
    invalid("""
        import { internalMutation as im } from "./_generated/server";
        export const a = im({ args: {}, handler: async () => {} });
        const b = im({ args: {}, handler: async () => {} });
    """, [2, 3], name="aliased import, non-exported too"),
    invalid("""
        import { authedQuery, mutation } from "./functions";
        export const me = authedQuery({ args: {}, handler: async (ctx) => ctx.identity });
        export const save = mutation({
          args: {},
          handler: async (ctx) => {},
        });
    """, [2, 3], files={"convex/functions.ts": FUNCTIONS_TS}, name="custom builders across files"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_missing_returns_validator(tmp_path, case):
    run_case(tmp_path, "missing-returns-validator", case)


def test_one_problem_one_diagnostic(tmp_path):
    """No `returns` and a handler that falls off its end: CVX101 alone, saying both."""
    from tests.ruletester import lint_files
    code = """
        import { v } from "convex/values";
        import { mutation } from "./_generated/server";
        export const touch = mutation({
          args: { id: v.id("tasks") },
          handler: async (ctx, { id }) => {
            await ctx.db.patch(id, { touchedAt: Date.now() });
          },
        });
        export const count = mutation({
          args: {},
          handler: async (ctx) => (await ctx.db.query("tasks").take(10)).length,
        });
    """
    fs = lint_files(tmp_path, {"convex/tasks.ts": code}, select=["CVX101", "CVX104"])
    assert [(f.code, f.srow + 1) for f in fs] == [("CVX101", 3), ("CVX101", 9)]
    assert "return null;" in fs[0].message and "return null" not in fs[1].message
