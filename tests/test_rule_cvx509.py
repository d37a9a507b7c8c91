import pytest

from tests.ruletester import invalid, run_case, valid

SCHEMA = """
import { defineSchema, defineTable } from "convex/server";
import { taskFields } from "./model/tasks";
export const statusValidator = v.union(v.literal("open"), v.literal("done"));
export default defineSchema({ tasks: defineTable(taskFields) });
"""

CASES = [
    valid("""
        import { v } from "convex/values";
        import schema from "../schema";
        import { statusValidator } from "../schema";
        export const taskFields = { title: v.string() };
        type Doc = typeof schema;
        export function statusOf() { return statusValidator; }
        // statusValidator is read only inside a function
    """, files={"convex/schema.ts": SCHEMA}, filename="convex/model/tasks.ts", name="uses inside functions, types"),
    valid("""
        import { v } from "convex/values";
        export const taskFields = { title: v.string() };
    """, files={"convex/schema.ts": SCHEMA, "convex/other.ts": 'import schema from "./schema";\nexport const t = schema.tables;\n'},
        filename="convex/model/tasks.ts", name="module not imported by the schema"),
    invalid(SCHEMA, [2], files={"convex/model/tasks.ts": """
        import { v } from "convex/values";
        import { statusValidator } from "../schema";
        export const taskFields = { title: v.string(), status: statusValidator };
    """}, filename="convex/schema.ts", name="direct cycle", message="schema.ts -> model/tasks.ts -> schema.ts"),
    invalid(SCHEMA, [2], files={
        "convex/model/tasks.ts": 'import { v } from "convex/values";\nimport { docOf } from "../lib/docs";\nexport const taskFields = { title: v.string() };\n',
        "convex/lib/docs.ts": 'import schema from "../schema";\nexport const docOf = schema.tables.tasks.validator;\n',
    }, filename="convex/schema.ts", name="cycle through two modules",
        message="schema.ts -> model/tasks.ts -> lib/docs.ts -> schema.ts"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_schema_import_cycle(tmp_path, case):
    run_case(tmp_path, "schema-import-cycle", case)
