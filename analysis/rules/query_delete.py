"""CVX216 query-delete."""

from __future__ import annotations

from ..indexes_util import dot_span
from ..registry import Rule


def check(ctx):
    for chain in ctx.model.query_chains:
        step = chain.step("delete")
        if step is None:
            continue
        where = f"`{chain.table}` " if chain.table else ""
        ctx.report(
            dot_span(step.member, step.call),
            f"A {where}query has no `.delete()`: read the documents (`.take(n)`/`.collect()` on an index range), "
            "then delete each with `ctx.db.delete(doc._id)`",
            data={"table": chain.table},
        )


RULE = Rule(
    code="CVX216",
    name="query-delete",
    severity="error",
    spec="§13 Quick Reference",
    summary="Flags `.delete()` called on a query chain (`ctx.db.query(\"t\").withIndex(…).delete()`), any name "
            "of `ctx`, destructured `{ db }` and model-layer helpers that return a query included. "
            "`ctx.db.delete(id)` is the way to delete.",
    why="A Convex query only reads: it has no bulk delete, so the call throws `delete is not a function` "
        "when the mutation runs (and does not type-check). Deleting means reading the documents, then "
        "calling `ctx.db.delete` on each id, in bounded batches for large sets (§13, §6).",
    bad="""await ctx.db.query("sessions").withIndex("by_userId", (q) => q.eq("userId", userId)).delete();""",
    good="""const sessions = await ctx.db
  .query("sessions")
  .withIndex("by_userId", (q) => q.eq("userId", userId))
  .take(100);
for (const s of sessions) {
  await ctx.db.delete(s._id);
}""",
    fix_doc="No automatic fix: how many documents to read per transaction is the author's choice.",
    fix=None,
    check=check,
)
