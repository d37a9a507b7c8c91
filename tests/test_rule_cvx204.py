import pytest

from tests.ruletester import invalid, lint_files, run_case, valid

GOOD_SCHEMA = """
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
export default defineSchema({
  // "byChannel" in a comment is not an index
  messages: defineTable({ channelId: v.id("channels"), authorId: v.id("users"), body: v.string(),
                          meta: v.object({ kind: v.string() }) })
    .index("by_channelId_and_authorId", ["channelId", "authorId"])
    .index("by_meta_kind", ["meta.kind"])
    .index("staged_one", { fields: ["body"], staged: true })
    .searchIndex("search_body", { searchField: "body" })
    .vectorIndex("embedding", { vectorField: "body", dimensions: 2 }),
  channels: defineTable({ name: v.string() }),
});
"""

CASES = [
    valid(GOOD_SCHEMA, filename="convex/schema.ts", name="correct names, staged, search and vector exempt"),
    valid("""
        import { defineSchema, defineTable } from "convex/server";
        import { authTables } from "@convex-dev/auth/server";
        import { v } from "convex/values";
        export default defineSchema({
          ...authTables,
          users: defineTable({ email: v.optional(v.string()), phone: v.optional(v.string()) })
            .index("email", ["email"])
            .index("phone", ["phone"]),
        });
    """, filename="convex/schema.ts", name="@convex-dev/auth requires users.email and users.phone"),
    valid("""
        import { defineSchema, defineTable } from "convex/server";
        export default defineSchema({
          counters: defineTable({}).index("by_name_and_time", ["name", "_creationTime"]).index("x", ["a", "a"]),
        });
    """, filename="convex/schema.ts", name="invalid field lists are CVX207's, no name suggested"),
    valid("""
        import { defineSchema, defineTable } from "convex/server";
        import { v } from "convex/values";
        export default defineSchema({
          work: defineTable({ fnName: v.string(), runAt: v.number() }).index("runAt", ["runAt"]),
          pending: defineTable({ workId: v.id("work"), segment: v.int64() }).index("workId", ["workId"])
            .index("segment", ["segment"]),
        });
    """, filename="src/component/schema.ts", files={
        "src/component/convex.config.ts": 'import { defineComponent } from "convex/server";\nexport default defineComponent("workpool");\n',
    }, name="a component schema with a naming scheme of its own (no by_ index) is left alone"),
    invalid("""
        import { defineSchema, defineTable } from "convex/server";
        import { v } from "convex/values";
        export default defineSchema({
          projects: defineTable({ ownerId: v.string(), slug: v.string() }).index("byOwner", ["ownerId"])
            .index("bySlug", ["slug"]),
        });
    """, [4, 5], filename="convex/schema.ts",
        name="an application schema with no by_ index: the exemption is for components only"),
    invalid("""
        import { defineSchema, defineTable } from "convex/server";
        import { v } from "convex/values";
        export default defineSchema({
          users: defineTable({ email: v.string() }).index("email", ["email"]),
          messages: defineTable({ channelId: v.id("channels"), authorId: v.id("users") })
            .index("byChannel", ["channelId"])
            .index("by_channel_author", ["channelId", "authorId"]),
        });
    """, [4, 6, 7], filename="convex/schema.ts", message="should be named",
        name="wrong names; `email` without @convex-dev/auth is not exempt"),
    invalid("""
        import { defineSchema } from "convex/server";
        import { messagesTable } from "./tables/messages";
        export default defineSchema({ messages: messagesTable });
    """, [("convex/tables/messages.ts", 2)], filename="convex/schema.ts", files={
        "convex/tables/messages.ts": """
            import { defineTable } from "convex/server";
            export const messagesTable = defineTable({}).index("channel", ["channelId"])
              .index("by_authorId", ["authorId"]);
        """}, name="table defined in another file: reported where the index is"),
]


CASES.append(invalid("""
    import { defineSchema, defineTable } from "convex/server";
    export default defineSchema({
      messages: defineTable({}).index("by_channelId", ["channelId"]).index("channel", ["channelId"]),
    });
""", [3], filename="convex/schema.ts", message="no automatic rename", name="collision: reported, says why"))


CASES.append(valid("""
    import { defineSchema, defineTable } from "convex/server";
    import { v } from "convex/values";
    export default defineSchema({
      issues: defineTable({ id: v.string(), title: v.string() })
        .index("by_issue_id", ["id"])
        .index("by_title", ["title"]),
    });
""", filename="convex/schema.ts", name="the conventional name would be the reserved by_id: silent"))


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_index_name_fields(tmp_path, case):
    run_case(tmp_path, "index-name-fields", case)


def test_fix_data_lists_every_use(tmp_path):
    files = {
        "convex/schema.ts": """
            import { defineSchema, defineTable } from "convex/server";
            import { v } from "convex/values";
            export default defineSchema({
              messages: defineTable({ channelId: v.id("channels") }).index("byChannel", ["channelId"]),
              users: defineTable({ name: v.string() }).index("by_name", ["name"]),
            });
        """,
        "convex/messages.ts": """
            import { query } from "./_generated/server";
            export const list = query({ args: {}, handler: async (ctx, { id }) =>
              ctx.db.query("messages").withIndex("byChannel", (q) => q.eq("channelId", id)).take(5) });
        """,
    }
    found = [f for f in lint_files(tmp_path, files, select=["CVX204"]) if f.code == "CVX204"]
    assert len(found) == 1
    d = found[0].data
    assert (d["table"], d["old"], d["new"]) == ("messages", "byChannel", "by_channelId")
    assert [u["path"].endswith("messages.ts") for u in d["uses"]] == [True]


def test_collision_offers_no_fix(tmp_path):
    from convex_lsp.analysis.engine import Analyzer
    from convex_lsp.analysis.project import discover
    from convex_lsp.quickfixes import fixes_for
    from tests.ruletester import write_project
    root = write_project(tmp_path, {"convex/schema.ts": """
        import { defineSchema, defineTable } from "convex/server";
        export default defineSchema({
          messages: defineTable({}).index("by_channelId", ["channelId"]).index("channel", ["channelId"]),
        });
    """})
    an = Analyzer(discover([root]))
    paths = an.load_all()
    found = [f for p in paths for f in an.lint(p) if f.code == "CVX204"]
    assert len(found) == 1 and "already has an index" in found[0].message
    assert [f for f in fixes_for(found[0], an) if "Rename" in f.title] == []


def test_two_misnamed_twins_are_not_both_renamed(tmp_path):
    # `byStatus` and `statusIdx` list the same field: renaming both would give `by_status` twice
    # (a schema Convex rejects at deploy); neither gets a fix, --fix leaves the schema alone
    from convex_lsp.analysis.engine import Analyzer
    from convex_lsp.analysis.project import discover
    from convex_lsp.quickfixes import fix_files, fixes_for
    from tests.ruletester import write_project
    root = write_project(tmp_path, {"convex/schema.ts": """
        import { defineSchema, defineTable } from "convex/server";
        import { v } from "convex/values";
        export default defineSchema({
          tasks: defineTable({ status: v.string() }).index("byStatus", ["status"]).index("statusIdx", ["status"]),
        });
    """})
    an = Analyzer(discover([root]))
    paths = an.load_all()
    found = [f for p in paths for f in an.lint(p) if f.code == "CVX204"]
    assert len(found) == 2
    assert all("over the same fields" in f.message and "no automatic rename" in f.message for f in found)
    assert [fx for f in found for fx in fixes_for(f, an) if "Rename" in fx.title] == []
    report = fix_files(an, paths)
    assert report.applied["CVX204"] == 0 and report.changed() == {}
