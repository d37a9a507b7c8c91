"""CVX213 staged-index-query."""

from __future__ import annotations

from ..indexes_util import named_index_steps
from ..registry import Rule


def check(ctx):
    for chain, table, _step, name_node, name, want in named_index_steps(ctx):
        found = next((i for i in table.indexes if i.name == name and i.kind == want), None)
        if found is None or not found.staged:
            continue
        ctx.report(
            name_node,
            f"Index `{name}` on `{chain.table}` is declared with `staged: true`: a staged index is being "
            "backfilled and cannot serve queries until it is enabled (remove `staged: true` and deploy)",
            data={"table": chain.table, "index": name},
        )


RULE = Rule(
    code="CVX213",
    name="staged-index-query",
    severity="error",
    spec="§4.3 Index Design",
    summary="Flags `withIndex(\"x\")` (and `withSearchIndex(\"x\")`) where the schema declares `x` with "
            "`{ fields: [...], staged: true }`. Enabled indexes, and tables whose schema cannot be read, are "
            "left alone.",
    why="A staged index is built in the background so a large table can be backfilled without blocking a "
        "deploy; until the `staged` flag is removed and the schema pushed again, the index does not serve "
        "reads and a query naming it fails at run time (§4.3).",
    bad="""// schema: .index("by_status", { fields: ["status"], staged: true })
const open = await ctx.db.query("tasks").withIndex("by_status", (q) => q.eq("status", "open")).take(20);""",
    good="""// schema: .index("by_status", ["status"])   (enabled once the backfill is done)
const open = await ctx.db.query("tasks").withIndex("by_status", (q) => q.eq("status", "open")).take(20);""",
    fix_doc="No automatic fix: enable the index in the schema once its backfill has finished, then query it.",
    fix=None,
    check=check,
)
