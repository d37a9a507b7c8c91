import pytest

from tests.ruletester import invalid, run_case, valid

FUNCTIONS = """
import { customMutation, customCtx } from "convex-helpers/server/customFunctions";
import { internalMutation } from "./_generated/server";
export const adminMutation = customMutation(internalMutation, customCtx(async () => ({})));
"""

CASES = [
    valid("""
        "use node";
        import { action, internalAction } from "./_generated/server";
        // a query would not be allowed here
        export const a = action({ args: {}, handler: async () => null });
        export const b = internalAction({ args: {}, handler: async () => null });
    """, name="actions only"),
    valid("""
        import { query } from "./_generated/server";
        export const q = query({ args: {}, handler: async () => null });
    """, name="no directive"),
    invalid("""
        "use node";
        import { query, internalMutation, action } from "./_generated/server";
        import { adminMutation } from "./functions";
        export const q = query({ args: {}, handler: async () => null });
        export const m = internalMutation({ args: {}, handler: async () => null });
        export const c = adminMutation({ args: {}, handler: async () => null });
        export const a = action({ args: {}, handler: async () => null });
    """, [4, 5, 6], files={"convex/functions.ts": FUNCTIONS}, name="query, internal mutation, custom builder"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_use_node_non_action(tmp_path, case):
    run_case(tmp_path, "use-node-non-action", case)
