import pytest

from tests._validators_fixtures import FUNCTIONS_TS
from tests.ruletester import invalid, run_case, valid

COMPONENT_CONFIG = """
import { defineComponent } from "convex/server";
export default defineComponent("thing");
"""

CASES = [
    valid("""
        import { internalMutation, internalQuery } from "./_generated/server";
        import { v } from "convex/values";
        export const save = internalMutation({ args: { blob: v.any() }, returns: v.null(), handler: async () => null });
        export const get = internalQuery({ args: { q: v.optional(v.any()) }, returns: v.any(), handler: async () => null });
    """, name="internal functions"),
    valid("""
        import { query } from "./_generated/server";
        import { v } from "convex/values";
        // args: { x: v.any() } would be bad
        export const get = query({ args: { id: v.id("users") }, returns: v.any(), handler: async () => null });
        export const shape = v.object({ loose: v.any() });
    """, name="v.any() in returns and outside args"),
    valid("""
        import { query } from "./_generated/server";
        import { v } from "convex/values";
        export const get = query({ args: { x: v.any() }, returns: v.null(), handler: async () => null });
    """, files={"src/component/convex.config.ts": COMPONENT_CONFIG}, filename="src/component/things.ts",
        name="component functions are not client-facing"),
    invalid("""
        import { query } from "./_generated/server";
        import { v } from "convex/values";
        export const get = query({
          args: { filter: v.any(), opts: v.optional(v.object({ extra: v.any() })) },
          returns: v.null(),
          handler: async () => null,
        });
    """, [4, 4], name="public query, nested", message="v.any()"),
    invalid("""
        import { authedQuery, mutation } from "./functions";
        import { v } from "convex/values";
        export const a = authedQuery({ args: { x: v.any() }, returns: v.null(), handler: async () => null });
        export const b = mutation({
          args: { payload: v.any() },
          returns: v.null(),
          handler: async ({ db }, { payload }) => null,
        });
    """, [3, 5], files={"convex/functions.ts": FUNCTIONS_TS}, name="custom builders across files"),
    # the file's bytes are read before the tree (validators_util.v_member_names)
    valid("""
        import { query } from "./_generated/server";
        import { v } from "convex/values";
        export const get = query({ args: { id: v.id("users") }, returns: v.null(), handler: async () => null });
        const anyOf = (xs: any[]) => xs.length > 0; // any, but no v.any
    """, name="no v.any in the file"),
    invalid("""
        import { query as publicQuery } from "./_generated/server";
        import { v as values } from "convex/values";
        export const get = publicQuery({
          args: { x: values /* anything goes */ .any() },
          returns: values.null(),
          handler: async (c, { x }) => null,
        });
    """, [4], filename="convex/open.js", name="a comment before the dot, alias, JS file"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_any_validator_in_public_args(tmp_path, case):
    run_case(tmp_path, "any-validator-in-public-args", case)
