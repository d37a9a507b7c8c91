import pytest

from tests._validators_fixtures import FUNCTIONS_TS
from tests.ruletester import invalid, run_case, valid

CASES = [
    valid("""
        import { query } from "./_generated/server";
        import { v } from "convex/values";
        export const list = query({
          args: {},
          returns: v.null(),
          handler: async (ctx) => null,
        });
    """, name="has args"),
    valid("""
        import { httpAction } from "./_generated/server";
        export const hook = httpAction(async (ctx, req) => new Response("ok"));
    """, name="httpAction exempt"),
    valid("""
        import { query } from "./_generated/server";
        // a bare handler: CVX103 covers it
        export const list = query(async (ctx) => null);
    """, name="bare handler is CVX103's job"),
    valid("""
        import { query } from "./_generated/server";
        const shared = { args: {} };
        export const list = query({ ...shared, returns: v.null(), handler: async () => null });
    """, name="spread may supply args"),
    valid("""
        import { query } from "some-other-lib";
        export const list = query({ handler: async () => null });
    """, name="not a Convex builder"),
    invalid("""
        import { query } from "./_generated/server";
        import { v } from "convex/values";
        export const list = query({
          returns: v.null(),
          handler: async (ctx) => {
            // "args: {}" in a comment does not count
            return null;
          },
        });
    """, [3], name="plain query", message="no `args`"),
    invalid("""
        import { internalMutation as im } from "./_generated/server";
        export const a = im({ returns: v.null(), handler: async (context, { id }) => null });
    """, [2], name="aliased internal builder"),
    invalid("""
        import { authedQuery, mutation } from "./functions";
        import { v } from "convex/values";
        export const me = authedQuery({ returns: v.any(), handler: async ({ identity }) => identity });
        export const save = mutation({
          returns: v.null(),
          handler: async (c, args) => null,
        });
        export const ok = mutation({ args: {}, returns: v.null(), handler: async () => null });
    """, [3, 4], files={"convex/functions.ts": FUNCTIONS_TS}, name="custom builders across files"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_missing_args_validator(tmp_path, case):
    run_case(tmp_path, "missing-args-validator", case)


def test_fix_data_safe_only_without_args_param(tmp_path):
    from tests.ruletester import lint_files
    code = """
        import { query } from "./_generated/server";
        export const a = query({ handler: async (ctx) => null });
        export const b = query({ handler: async (ctx, args) => args });
    """
    found = {f.srow + 1: f for f in lint_files(tmp_path, {"convex/x.ts": code}, select=["CVX102"])}
    assert found[2].data["safe"] is True
    assert found[3].data["safe"] is False
