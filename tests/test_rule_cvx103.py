import pytest

from tests._validators_fixtures import FUNCTIONS_TS
from tests.ruletester import invalid, lint_files, run_case, valid

CASES = [
    valid("""
        import { query } from "./_generated/server";
        import { v } from "convex/values";
        export const list = query({ args: {}, returns: v.null(), handler: async (ctx) => null });
    """, name="object syntax"),
    valid("""
        import { httpAction } from "./_generated/server";
        export const hook = httpAction(async (ctx, req) => new Response("ok"));
    """, name="httpAction takes a bare handler"),
    valid("""
        import { query } from "./_generated/server";
        const label = "query(async (ctx) => ...) is the old style";
        export const xs = [1, 2].map(async (n) => n);
    """, name="strings and unrelated calls"),
    valid("""
        import { customQuery } from "convex-helpers/server/customFunctions";
        import { query } from "./_generated/server";
        export const q2 = customQuery(query, async (ctx) => ({ ctx, args: {} }));
    """, name="custom builder factory is not a registration"),
    invalid("""
        import { query } from "./_generated/server";
        export const list = query(async (ctx) => {
          return await ctx.db.query("tasks").take(10);
        });
    """, [2], name="bare query", message="bare handler"),
    invalid("""
        import { mutation as baseMutation, internalAction } from "./_generated/server";
        export const save = baseMutation(async function (context, args) {
          await context.db.insert("tasks", args);
        });
        const job = internalAction(async () => {});
    """, [2, 5], name="function expression, aliased, non-exported"),
    invalid("""
        import { authedQuery } from "./functions";
        export const me = authedQuery(async ({ identity }) => identity);
    """, [2], files={"convex/functions.ts": FUNCTIONS_TS}, name="custom builder across files"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_bare_handler_syntax(tmp_path, case):
    run_case(tmp_path, "bare-handler-syntax", case)


def test_other_validator_rules_stay_silent_on_bare(tmp_path):
    code = """
        import { query } from "./_generated/server";
        export const list = query(async (ctx) => { await ctx.db.query("t").take(1); });
    """
    codes = {f.code for f in lint_files(tmp_path, {"convex/x.ts": code},
                                        select=["CVX101", "CVX102", "CVX103", "CVX104"])}
    assert codes == {"CVX103"}


def test_fix_data(tmp_path):
    code = """
        import { query } from "./_generated/server";
        export const a = query(async (ctx) => { await ctx.db.query("t").take(1); });
        export const b = query(async (ctx) => 1);
    """
    found = {f.srow + 1: f.data for f in lint_files(tmp_path, {"convex/x.ts": code}, select=["CVX103"])}
    assert found[2]["returns_value"] is False and found[2]["can_fall_off"] is True
    assert found[3]["returns_value"] is True and found[3]["can_fall_off"] is False
