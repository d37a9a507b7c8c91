import pytest

from tests.ruletester import FUNCTIONS_TS, invalid, run_case, valid

CODE = """
import { query } from "./_generated/server";
export const me = query({
  args: {},
  handler: async (qctx) => {
    const identity = await qctx.auth.getUserIdentity();
    return identity?.subject ?? null;
  },
});
"""
AUTH_CONFIG = """
export default {
  providers: [{ domain: process.env.CLERK_JWT_ISSUER_DOMAIN!, applicationID: "convex" }],
};
"""

CASES = [
    valid(CODE, files={"convex/auth.config.ts": AUTH_CONFIG}, name="auth.config.ts present"),
    valid(CODE, files={"convex/auth.config.js": "export default { providers: [] };\n"}, name="auth.config.js"),
    valid(CODE, filename="src/component/me.ts",
          files={"src/component/convex.config.ts": 'import { defineComponent } from "convex/server";\n'
                                                    'export default defineComponent("sessions");\n'},
          name="a component's own folder"),
    valid("""
        import { query } from "./_generated/server";
        export const ping = query({ args: {}, handler: async () => "getUserIdentity()" });
    """, name="no identity read"),
    invalid(CODE, [5], message="auth.config.ts", name="no auth config"),
    invalid("""
        import { customQuery } from "convex-helpers/server/customFunctions";
        import { query } from "./_generated/server";
        export const userQuery = customQuery(query, {
          args: {},
          input: async (ctx, args) => {
            const user = await ctx.auth.getUserIdentity();
            return { ctx: { ...ctx, user }, args };
          },
        });
    """, [6], filename="convex/lib/builders.ts", name="in a custom builder's input"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_missing_auth_config(tmp_path, case):
    run_case(tmp_path, "missing-auth-config", case)
