"""Query chains the query rules follow (catalog revision 2): `ctx.db.table("t").query()` (convex 1.51
types) and chains kept in variables (`let q = ctx.db.query("t"); q = q.filter(…)`)."""

import pytest

from tests.ruletester import FUNCTIONS_TS, invalid, lint_files, run_case, valid

SCHEMA = """
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
export default defineSchema({
  tasks: defineTable({ status: v.string(), ownerId: v.id("users"), title: v.string() })
    .index("by_ownerId", ["ownerId"])
    .searchIndex("search_title", { searchField: "title" }),
  users: defineTable({ name: v.string() }),
});
"""
FILES = {"convex/schema.ts": SCHEMA, "convex/functions.ts": FUNCTIONS_TS}

TABLE_FORM = """
import { v } from "convex/values";
import { authedQuery } from "./functions";
export const mine = authedQuery({
  args: { ownerId: v.id("users") },
  returns: v.any(),
  handler: async ({ db }, { ownerId }) => {
    const owned = await db.table("tasks").query().withIndex("by_ownerId", (q) => q.eq("ownerId", ownerId)).collect();
    const open = await db.table("tasks").query().filter((q) => q.eq(q.field("status"), "open")).collect();
    const wrong = await db.table("tasks").query().withIndex("by_owner").first();
    const gone = await db.table("task").query().first();
    return { owned, open, wrong, gone };
  },
});
"""

VARIABLE_FORM = """
import { v } from "convex/values";
import { query } from "./_generated/server";
export const list = query({
  args: { status: v.optional(v.string()), ownerId: v.optional(v.id("users")) },
  returns: v.any(),
  handler: async (context, args) => {
    let tasks = context.db.query("tasks");
    if (args.status !== undefined) {
      tasks = tasks.filter((q) => q.eq(q.field("status"), args.status));
    }
    const byOwner = context.db.query("tasks").withIndex("by_ownr");
    const first = await byOwner.first();
    return { all: await tasks.collect(), first };
  },
});
"""

BOUNDED_VARIABLE = """
import { v } from "convex/values";
import { query } from "./_generated/server";
export const list = query({
  args: { ownerId: v.id("users") },
  returns: v.any(),
  handler: async (ctx, { ownerId }) => {
    const base = ctx.db.query("tasks").withIndex("by_ownerId", (q) => q.eq("ownerId", ownerId));
    const rows = await base.order("desc").collect();
    const tasks = await ctx.db.query("tasks").withIndex("by_ownerId", (q) => q.eq("ownerId", ownerId)).take(5);
    const titles = tasks.filter((t) => t.status === "open");  // an array, not a query
    let q = ctx.db.query("tasks");
    q = otherSource();  // reassigned to something else: no longer followed
    return { rows, titles, more: await q.collect() };
  },
});
declare function otherSource(): any;
"""

CASES = {
    "no-query-filter": [
        invalid(TABLE_FORM, [8], files=FILES, name="db.table(t).query().filter"),
        invalid(VARIABLE_FORM, [9], files=FILES, name="filter reassigned into a variable"),
        valid(BOUNDED_VARIABLE, files=FILES, name="variables without filters; arrays"),
    ],
    "unbounded-collect": [
        invalid(TABLE_FORM, [8], files=FILES, name="db.table(t).query() collected without a range"),
        invalid(VARIABLE_FORM, [13], files=FILES, name="variable chain collected without a range"),
        valid(BOUNDED_VARIABLE, files=FILES, name="bounded variable chain; reassigned variable not followed"),
    ],
    "unknown-index": [
        invalid(TABLE_FORM, [9], files=FILES, name="db.table(t).query().withIndex(unknown)"),
        invalid(VARIABLE_FORM, [11], files=FILES, name="withIndex(unknown) stored in a variable, seen from its use"),
        valid(BOUNDED_VARIABLE, files=FILES, name="known indexes through variables"),
    ],
    "unknown-table": [
        invalid(TABLE_FORM, [10], files=FILES, name="db.table(unknown)"),
        valid(VARIABLE_FORM, files=FILES, name="known tables"),
    ],
}


@pytest.mark.parametrize("rule, case", [(r, c) for r, cs in CASES.items() for c in cs],
                         ids=lambda x: repr(x) if not isinstance(x, str) else x)
def test_query_chain_forms(tmp_path, rule, case):
    run_case(tmp_path, rule, case)


def test_index_uses_through_variables_are_facts(tmp_path):
    """An index used only through a variable is a use (CVX217 unused-index, CVX204 renames)."""
    from convex_lsp.analysis.config import Config
    from convex_lsp.analysis.engine import Analyzer
    from convex_lsp.analysis.project import discover
    from tests.ruletester import write_project

    root = write_project(tmp_path, {**FILES, "convex/tasks.ts": VARIABLE_FORM})
    an = Analyzer(discover([root]), Config(root=root))
    an.load_all()
    facts = next(f for p, f in an.index.facts.items() if p.endswith("tasks.ts"))
    assert [(u.table, u.index) for u in facts.index_uses] == [("tasks", "by_ownr")]
