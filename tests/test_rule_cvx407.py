import os

import pytest

from convex_lsp.analysis.engine import Analyzer
from convex_lsp.analysis.project import discover
from convex_lsp.quickfixes import apply_edits, fixes_for
from tests.ruletester import FUNCTIONS_TS, invalid, run_case, valid, write_project

CASES = [
    valid("""
        import { query, internalMutation } from "./_generated/server";
        export const list = query({ args: {}, handler: async (ctx) => ctx.db.query("tasks").take(10) });
        const archive = internalMutation({ args: {}, handler: async () => null });
        export { archive };
    """, name="exported inline or through an export list"),
    valid("""
        import { customQuery } from "convex-helpers/server/customFunctions";
        import { query } from "./_generated/server";
        // a builder, not a registration
        const adminQuery = customQuery(query, { args: {}, input: async (ctx, args) => ({ ctx, args }) });
        export const stats = adminQuery({ args: {}, handler: async () => 1 });
    """, name="custom builder definition"),
    valid("""
        import { mutation } from "./_generated/server";
        const impl = mutation({ args: {}, handler: async () => null });
        export default { impl };
    """, name="used elsewhere in the file: intent unclear"),
    invalid("""
        import { query } from "./_generated/server";
        import { v } from "convex/values";
        const hidden = query({
          args: { id: v.id("tasks") },
          handler: async ({ db }, { id }) => db.get(id),
        });
    """, [3], message="not exported", name="plain query never exported"),
    invalid("""
        import { authedQuery } from "./functions";
        const mine = authedQuery({ args: {}, handler: async (ctx) => ctx.identity });
    """, [2], files={"convex/functions.ts": FUNCTIONS_TS}, name="custom builder across files"),
    invalid("""
        import { internalAction } from "./_generated/server";
        const ping = internalAction({ args: {}, handler: async () => null });
    """, [2], filename="convex/ping.js", name="JavaScript functions file"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_unexported_registration(tmp_path, case):
    run_case(tmp_path, "unexported-registration", case)


def test_fix_adds_export(tmp_path):
    root = write_project(tmp_path, {"convex/a.ts": """
        import { query } from "./_generated/server";
        const hidden = query({ args: {}, handler: async () => null });
    """})
    an = Analyzer(discover([root]))
    an.load_all()
    path = os.path.join(os.path.realpath(root), "convex/a.ts")
    (f,) = [f for f in an.lint(path) if f.code == "CVX407"]
    (fx,) = fixes_for(f, an)
    assert fx.applicability == "safe"
    out = apply_edits(an.models[path].src.data, fx.edits)
    assert b"export const hidden = query(" in out
