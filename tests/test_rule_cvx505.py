import pytest

from tests.ruletester import invalid, run_case, valid

CASES = [
    valid("""
        import { httpRouter } from "convex/server";
        const http = httpRouter();
        export default http;
    """, filename="convex/http.ts", name="http default export"),
    valid("""
        import { cronJobs } from "convex/server";
        const crons = cronJobs();
        export { crons as default };
    """, filename="convex/crons.ts", name="export as default"),
    valid("""
        import { defineSchema, defineTable } from "convex/server";
        export default defineSchema({ tasks: defineTable({}) });
    """, filename="convex/schema.ts", name="schema"),
    valid("""
        import { httpRouter } from "convex/server";
        export const http = httpRouter();
    """, filename="convex/routes/http.ts", name="not the root http.ts"),
    invalid("""
        import { httpRouter } from "convex/server";
        const http = httpRouter();
        export { http };
    """, [2], filename="convex/http.ts", name="http named export"),
    invalid("""
        import { cronJobs } from "convex/server";
        const crons = cronJobs();
        // export default crons;
    """, [2], filename="convex/crons.ts", name="crons"),
    invalid("""
        import { defineSchema, defineTable } from "convex/server";
        export const schema = defineSchema({ tasks: defineTable({}) });
    """, [2], filename="convex/schema.ts", name="schema named export"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_missing_default_export(tmp_path, case):
    run_case(tmp_path, "missing-default-export", case)
