import pytest

from tests.ruletester import invalid, run_case, valid

CASES = [
    valid("""
        import { defineSchema, defineTable } from "convex/server";
        import { v } from "convex/values";
        export default defineSchema({
          users: defineTable({ name: v.string(), meta: v.object({ source: v.string(), _note: v.optional(v.string()) }) }),
          events: defineTable(v.union(
            v.object({ kind: v.literal("a"), at: v.number() }),
            v.object({ kind: v.literal("b"), "by": v.string() }),
          )),
        });
    """, filename="convex/schema.ts", name="plain fields, nested _ field, unions"),
    valid("""
        import { query } from "./_generated/server";
        import { v } from "convex/values";
        const userDoc = v.object({ _id: v.id("users"), _creationTime: v.number(), name: v.string() });
        export const get = query({
          args: { user: v.object({ _id: v.id("users"), _creationTime: v.number(), name: v.string() }) },
          returns: v.union(userDoc, v.null()),
          handler: async (ctx, { user }) => ctx.db.get(user._id),
        });
    """, name="document validators in args and returns"),
    invalid("""
        import { defineSchema, defineTable } from "convex/server";
        import { v } from "convex/values";
        export default defineSchema({
          tasks: defineTable({
            _status: v.string(),
            "$kind": v.string(),
            meta: v.object({ $ref: v.string() }),
          }),
          logs: defineTable(v.object({ _level: v.string() })),
        });
    """, [5, 6, 7, 9], filename="convex/schema.ts", name="table fields with _ and $, nested $"),
    invalid("""
        import { defineTable } from "convex/server";
        import { v } from "convex/values";
        export const messagesTable = defineTable(v.union(
          v.object({ kind: v.literal("text"), _body: v.string() }),
          v.object({ kind: v.literal("image"), url: v.string() }),
        ));
    """, [4], filename="convex/tables/messages.ts", name="table in another file, a union member"),
    invalid("""
        import { mutation } from "./_generated/server";
        import { v } from "convex/values";
        export const log = mutation({
          args: { payload: v.object({ $type: v.string() }), tags: v.record(v.literal("$meta"), v.string()) },
          handler: async () => null,
        });
    """, [4, 4], name="$ in args object and record"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_reserved_field_name(tmp_path, case):
    run_case(tmp_path, "reserved-field-name", case)
