import pytest

from tests.ruletester import invalid, run_case, valid

FUNCTIONS = """
import { customQuery, customCtx } from "convex-helpers/server/customFunctions";
import { query } from "./_generated/server";
export const authedQuery = customQuery(query, customCtx(async (ctx) => {
  const identity = await ctx.auth.getUserIdentity();
  if (!identity) throw new Error("Unauthorized");
  return { identity };
}));
"""
MODEL = """
import { QueryCtx } from "../_generated/server";
export async function loadViewer(ctx: QueryCtx) {
  const identity = await ctx.auth.getUserIdentity();
  return identity;
}
export async function listPublic(ctx: QueryCtx) { return []; }
"""
FILES = {"convex/functions.ts": FUNCTIONS, "convex/model/users.ts": MODEL}

CASES = [
    valid("""
        import { query, internalMutation, httpAction } from "./_generated/server";
        import { authedQuery } from "./functions";
        import { loadViewer } from "./model/users";
        export const a = query({ args: {}, handler: async (ctx) => { const id = await ctx.auth.getUserIdentity(); return id; } });
        export const b = authedQuery({ args: {}, handler: async (ctx) => ctx.identity });
        export const c = internalMutation({ args: {}, handler: async () => null });
        export const d = query({ args: {}, handler: async (ctx) => { const v = await loadViewer(ctx); return v; } });
        export const e = httpAction(async () => new Response("ok"));
        export const f = query({ args: {}, handler: async (ctx) => { await requireAdmin(ctx); return null; } });
    """, files=FILES, name="checks identity, internal, builder, helper, http"),
    valid("""
        import { query } from "./_generated/server";
        export const list = query({ args: {}, handler: async () => [] });
    """, files={"src/component/convex.config.ts": 'import { defineComponent } from "convex/server";\nexport default defineComponent("c");\n'},
        filename="src/component/public.ts", name="component functions are called by the app"),
    invalid("""
        import { query, mutation } from "./_generated/server";
        import { listPublic } from "./model/users";
        // ctx.auth.getUserIdentity() is only mentioned here
        export const list = query({ args: {}, handler: async (ctx) => listPublic(ctx) });
        export const remove = mutation({
          args: { id: v.id("tasks") },
          handler: async (ctx, { id }) => { await ctx.db.delete(id); return null; },
        });
    """, [4, 5], files=FILES, name="public without checks"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_missing_access_control(tmp_path, case):
    run_case(tmp_path, "missing-access-control", case)


def test_off_by_default():
    from convex_lsp.analysis.registry import get_rule
    assert get_rule("CVX404").severity == "off"
