import pytest

from tests.ruletester import invalid, lint_files, run_case, valid

CASES = [
    valid("""
        import { defineSchema, defineTable } from "convex/server";
        import { v } from "convex/values";
        export default defineSchema({
          messages: defineTable({ channelId: v.id("channels"), authorId: v.id("users") })
            .index("by_channelId_and_authorId", ["channelId", "authorId"])
            .index("by_authorId", ["authorId"]),
          channels: defineTable({ channelId: v.string() }).index("by_channelId", ["channelId"]),
        });
    """, filename="convex/schema.ts", name="different leading field; same field on a different table"),
    valid("""
        import { defineSchema, defineTable } from "convex/server";
        import { v } from "convex/values";
        export default defineSchema({
          messages: defineTable({ channelId: v.id("channels"), authorId: v.id("users") })
            .index("by_channelId", ["channelId"])
            .index("by_channelId_and_authorId", { fields: ["channelId", "authorId"], staged: true })
            .index("by_authorId", { fields: ["authorId"], staged: true })
            .index("by_authorId_and_channelId", ["authorId", "channelId"]),
        });
    """, filename="convex/schema.ts", name="staged indexes on either side"),
    invalid("""
        import { defineSchema, defineTable } from "convex/server";
        import { v } from "convex/values";
        export default defineSchema({
          // the spec's example of a redundant prefix index
          messages: defineTable({ channelId: v.id("channels"), authorId: v.id("users"), isDeleted: v.boolean() })
            .index("by_channelId", ["channelId"])
            .index("by_channelId_and_authorId", ["channelId", "authorId"])
            .index("by_channelId_and_authorId_and_isDeleted", ["channelId", "authorId", "isDeleted"]),
        });
    """, [6, 7], filename="convex/schema.ts", message="is redundant", name="prefix chain"),
    invalid("""
        import { defineSchema } from "convex/server";
        import { tables } from "./tables";
        export default defineSchema({ ...tables });
    """, [("convex/tables.ts", 5)], filename="convex/schema.ts", files={"convex/tables.ts": """
        import { defineTable } from "convex/server";
        export const tables = {
          jobs: defineTable({})
            .index("by_status_and_userId", ["status", "userId"])
            .index("by_status", ["status"]),
        };
    """}, name="tables spread from another file"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_redundant_index(tmp_path, case):
    run_case(tmp_path, "redundant-index", case)


def test_data_and_tag(tmp_path):
    files = {"convex/schema.ts": """
        import { defineSchema, defineTable } from "convex/server";
        export default defineSchema({
          t: defineTable({}).index("by_a", ["a"]).index("by_a_and_b", ["a", "b"]),
        });
    """}
    [f] = [f for f in lint_files(tmp_path, files, select=["CVX205"]) if f.code == "CVX205"]
    assert f.tags == ("unnecessary",)
    assert f.data["covering"] == "by_a_and_b"
    src = open(tmp_path / "convex/schema.ts").read().encode()
    assert src[f.data["delete_start"]:f.data["delete_end"]] == b'.index("by_a", ["a"])'
