import pytest

from tests._kw_fixtures import FILES
from tests.ruletester import invalid, run_case, valid

CASES = [
    valid("""
        import { query } from "./_generated/server";
        export const list = query({
          args: {},
          handler: async (ctx, { channelId, email }) => {
            // withIndex("nope") in a comment, and in a string: 'withIndex("nope")'
            const a = await ctx.db.query("messages")
              .withIndex("by_channelId_and_authorId", (q) => q.eq("channelId", channelId)).take(5);
            const b = await ctx.db.query("messages").withSearchIndex("search_body", (q) => q.search("body", "x")).take(5);
            const c = await ctx.db.query("tasks").withIndex("by_creation_time").order("desc").take(5);
            const d = await ctx.db.query("users").withIndex("email", (q) => q.eq("email", email)).unique();
            const e = await ctx.db.query("authAccounts").withIndex("userIdAndProvider").take(1);
            return [a, b, c, d, e];
          },
        });
    """, files=FILES, name="existing, built-in, cross-file table, package tables"),
    valid("""
        import { query } from "./_generated/server";
        export const list = query({
          args: {},
          handler: async (ctx) => ctx.db.query("messages").withIndex("by_whatever").take(5),
        });
    """, name="no schema in the workspace: silent"),
    valid("""
        import { query } from "./_generated/server";
        export const list = query({
          args: {},
          handler: async (ctx) => ctx.db.query("notes").withIndex("by_whatever").take(5),
        });
    """, files={"convex/schema.ts": """
        import { defineSchema } from "convex/server";
        import { notes } from "some-package";
        export default defineSchema({ notes });
    """}, name="opaque table from a package: silent"),
    invalid("""
        import { authedQuery } from "./functions";
        export const list = authedQuery({
          args: {},
          handler: async ({ db }, { channelId }) => {
            const a = await db.query("messages").withIndex("by_channel", (q) => q.eq("channelId", channelId)).take(5);
            const b = await db.query("messages").withSearchIndex("search_bdy", (q) => q.search("body", "x")).take(5);
            const c = await db.query("messages").withIndex("search_body").take(5);
            return [a, b, c];
          },
        });
    """, [5, 6, 7], files=FILES, name="typo, search typo, wrong kind"),
    invalid("""
        import type { QueryCtx } from "../_generated/server";
        export async function byOwner(ctx: QueryCtx, ownerId: any) {
          return ctx.db.query("channels").withIndex("by_owner", (q) => q.eq("ownerId", ownerId)).take(10);
        }
    """, [3], files=FILES, filename="convex/model/channels.ts", message="did you mean `by_ownerId`",
        name="model helper, did-you-mean"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_unknown_index(tmp_path, case):
    run_case(tmp_path, "unknown-index", case)


STAGED_SCHEMA = """
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
export default defineSchema({
  events: defineTable({ kind: v.string(), at: v.number() })
    .index("by_kind", { fields: ["kind"], staged: true }),
});
"""


def test_staged_index_is_not_unknown(tmp_path):
    """A staged index exists: querying it is CVX213's finding (staged-index-query), never "unknown"."""
    code = """
        import { v } from "convex/values";
        import { query } from "./_generated/server";
        export const byKind = query({
          args: { kind: v.string() },
          handler: async (ctx, { kind }) =>
            await ctx.db.query("events").withIndex("by_kind", (q) => q.eq("kind", kind)).take(10),
        });
    """
    run_case(tmp_path, "unknown-index", valid(code, files={"convex/schema.ts": STAGED_SCHEMA}))
    run_case(tmp_path / "b", "unknown-index", invalid(code.replace('"by_kind"', '"by_kinds"'), [6],
                                                      files={"convex/schema.ts": STAGED_SCHEMA}))
