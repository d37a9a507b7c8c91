import pytest

from tests.ruletester import invalid, run_case, valid

CASES = [
    valid("""
        import { defineSchema, defineTable } from "convex/server";
        import { v } from "convex/values";
        export default defineSchema({
          messages: defineTable({ channelId: v.id("channels"), meta: v.object({ kind: v.string() }), body: v.string() })
            .index("by_channelId", ["channelId"])
            .index("by_meta_kind_and_channelId", ["meta.kind", "channelId"])
            .searchIndex("search_body", { searchField: "body", filterFields: ["channelId"] })
            .searchIndex("search_body_by_kind", { searchField: "body", filterFields: ["meta.kind"] }),
          other: defineTable({ channelId: v.string() }).index("by_channelId", ["channelId"]),
        });
    """, filename="convex/schema.ts", name="valid indexes; same name on two tables"),
    invalid("""
        import { defineSchema, defineTable } from "convex/server";
        import { v } from "convex/values";
        export default defineSchema({
          t: defineTable({ a: v.string(), b: v.string() })
            .index("by_creation_time", ["a"])
            .index("_private", ["b"])
            .index("by a", ["a", "b"])
            .index("by_b_dup", ["b", "b"])
            .index("by_id_field", ["_id"])
            .index("by_a_then_time", ["a", "_creationTime"])
            .index("by_nothing", [])
            .index("by_a_again", ["a"])
            .index("by_b_dup", ["b", "a"])
            .index("by_many", ["f1","f2","f3","f4","f5","f6","f7","f8","f9","f10","f11","f12","f13","f14","f15","f16"])
            .index("by_hidden", ["a._secret"])
            .index("by_fine", ["b", "a", "c"]),
        });
    """, [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15], filename="convex/schema.ts",
        message="Convex will reject this schema", name="every kind of invalid index"),
    invalid("""
        import { defineSchema } from "convex/server";
        import { users } from "./tables/users";
        export default defineSchema({ users });
    """, [("convex/tables/users.ts", 3)], filename="convex/schema.ts", files={"convex/tables/users.ts": """
        import { defineTable } from "convex/server";
        export const users = defineTable({})
          .index("by_id", ["email"]);
    """}, name="table in another file"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_invalid_index(tmp_path, case):
    run_case(tmp_path, "invalid-index", case)
