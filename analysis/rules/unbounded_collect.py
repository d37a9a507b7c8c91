"""CVX202 unbounded-collect."""

from __future__ import annotations

from ..convex import is_for_await_source
from ..indexes_util import dot_span
from ..registry import Rule
from ..syntax import call_args


def _bounded(chain) -> bool:
    """Does the chain read a range of an index (a search, or withIndex with a range function)?"""
    for step in chain.steps:
        if step.method == "withSearchIndex":
            return True
        if step.method == "withIndex":
            args = call_args(step.call)
            if len(args) > 1:
                return True
    return False


def check(ctx):
    for chain in ctx.model.query_chains:
        term = chain.terminal
        if term is None and not chain.system and is_for_await_source(chain.outer) and not _bounded(chain):
            where = f"the whole `{chain.table}` table" if chain.table else "the whole table"
            ctx.report(chain.outer, f"`for await` over this query reads {where} with no index range; bound it "
                                    "with `.withIndex(…, (q) => q.eq(…))`, or read pages with `.paginate(…)`",
                       data={"table": chain.table, "kind": "for-await"})
            continue
        if term is None or term.method != "collect":
            continue
        if _bounded(chain):
            continue
        start, end = dot_span(term.member, term.call)
        prop = term.member.child_by_field_name("property")
        where = f"the whole `{chain.table}` table" if chain.table else "the whole table"
        ctx.report(
            (start, end),
            f"`.collect()` reads {where} with no index range; bound it with `.withIndex(…, (q) => q.eq(…))`, "
            "or read a page with `.take(n)` / `.paginate(…)`",
            data={
                "table": chain.table,
                "collect_start": prop.start_byte,
                "collect_end": term.call.end_byte,
                "replacement": "take(100)",
                "has_index": chain.step("withIndex") is not None,
            },
        )


RULE = Rule(
    code="CVX202",
    name="unbounded-collect",
    severity="warning",
    spec="§12 Rules for Agents",
    summary="Flags `.collect()` on a database query that has no index range at all: no `.withIndex(name, "
            "range)` and no `.withSearchIndex`, so every document of the table is loaded. A `withIndex` "
            "with a range function, `.take(n)` and `.paginate(…)` are fine. Iterating such a query with "
            "`for await (const doc of ctx.db.query(\"t\"))` reads the table just the same and is reported too. "
            "Chains rooted at `ctx.db.table(\"t\").query()` and chains kept in variables "
            "(`let q = ctx.db.query(\"t\"); …; await q.collect()`) count.",
    why="`.collect()` returns everything the query matches. Without an index range that is the whole table: "
        "it gets slower as the table grows, eventually hits the per-transaction read limits, and any write "
        "to the table re-runs a reactive query that reads it (§4.4, §12 MUST NOT 5 and SHOULD 5).",
    bad="""const tasks = await ctx.db.query("tasks").collect();""",
    good="""const tasks = await ctx.db
  .query("tasks")
  .withIndex("by_ownerId", (q) => q.eq("ownerId", userId))
  .collect();
// or a bounded page
const recent = await ctx.db.query("tasks").order("desc").take(100);""",
    fix_doc="Unsafe: replace `.collect()` with `.take(100)`. This changes the result when the table holds more "
            "than 100 matching documents, so review the limit. No fix for a `for await` loop.",
    fix="unsafe",
    check=check,
)
