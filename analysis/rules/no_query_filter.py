"""CVX201 no-query-filter."""

from __future__ import annotations

from ..registry import Rule
from ..syntax import call_args


def filter_span(step) -> tuple[int, int]:
    """From the `.` before `filter` through the end of the call."""
    dot = next((c for c in step.member.children if c.type in (".", "?.")), None)
    start = dot.start_byte if dot is not None else step.member.child_by_field_name("property").start_byte
    return start, step.call.end_byte


def check(ctx):
    for chain in ctx.model.query_chains:
        seen_search = False
        for step in chain.steps:
            if step.method == "withSearchIndex":
                seen_search = True
            if step.method in ("collect", "take", "first", "unique", "paginate"):
                break
            if step.method != "filter" or seen_search:
                continue
            args = call_args(step.call)
            ctx.report(
                filter_span(step),
                f"`.filter()` on the `{chain.table or 'query'}` query scans every document the query reads; "
                "use an index (`.withIndex`) or filter the results in TypeScript",
                data={
                    "table": chain.table,
                    "filter_start": step.call.start_byte,
                    "filter_end": step.call.end_byte,
                    "member_object_end": step.member.child_by_field_name("object").end_byte,
                    "predicate": [args[0].start_byte, args[0].end_byte] if args else None,
                    "has_index": chain.step("withIndex") is not None,
                },
            )


RULE = Rule(
    code="CVX201",
    name="no-query-filter",
    severity="warning",
    spec="§4.4 Avoiding Filter",
    summary="Flags `.filter(...)` on a database query chain (`ctx.db.query(\"t\")…`, however the context or "
            "its `db` is named) before it is read with `.collect/.take/.first/.unique/.paginate`. Filtering "
            "the resulting array in TypeScript and `.filter` after `withSearchIndex` are fine.",
    why="A query `.filter` does not narrow what the database reads: every document the query scans counts "
        "against limits and every one of them re-runs the reactive query when it changes. An index bounds "
        "the read to the matching range (§4.4, §12 MUST 2, MUST NOT 1).",
    bad="""const active = await ctx.db
  .query("users")
  .filter((q) => q.eq(q.field("status"), "active"))
  .collect();""",
    good="""const active = await ctx.db
  .query("users")
  .withIndex("by_status", (q) => q.eq("status", "active"))
  .collect();""",
    fix_doc="Unsafe: when the predicate is a conjunction of `q.eq(q.field(\"f\"), x)` and an index of the table "
            "has exactly those fields as a prefix, rewrite it into `.withIndex(\"<index>\", (q) => q.eq(\"f\", x)…)`.",
    fix="unsafe",
    check=check,
)
