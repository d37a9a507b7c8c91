import pytest

from tests.ruletester import invalid, lint_files, run_case, valid

CASES = [
    valid("""
        "use node";
        import { internalAction } from "./_generated/server";
        export const a = internalAction({ args: {}, handler: async () => null });
    """, filename="convex/pdf.ts", name="other files"),
    valid("""
        import { httpRouter } from "convex/server";
        // "use node" must not be used here
        const http = httpRouter();
        export default http;
    """, filename="convex/http.ts", name="http.ts without directive"),
    valid("""
        "use node";
        export const x = 1;
    """, filename="convex/admin/http.ts", name="nested http.ts is an ordinary module"),
    invalid("""
        "use node";
        import { httpRouter } from "convex/server";
        const http = httpRouter();
        export default http;
    """, [1], filename="convex/http.ts", name="http.ts"),
    invalid("""
        'use node'
        import { cronJobs } from "convex/server";
        export default cronJobs();
    """, [1], filename="convex/crons.ts", name="crons.ts"),
    invalid("""
        // schema
        "use node";
        import { defineSchema } from "convex/server";
        export default defineSchema({});
    """, [2], filename="convex/schema.ts", name="schema.ts"),
    invalid("""
        "use node";
        export default { providers: [] };
    """, [1], filename="convex/auth.config.ts", name="auth.config.ts"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_use_node_forbidden_file(tmp_path, case):
    run_case(tmp_path, "use-node-forbidden-file", case)


def test_fix_data(tmp_path):
    code = '"use node";\nexport default { providers: [] };\n'
    fs = lint_files(tmp_path, {"convex/auth.config.ts": code}, select=["CVX503"])
    assert len(fs) == 1
    assert (fs[0].data["directive_start"], fs[0].data["delete_end"]) == (0, len('"use node";\n'))
