"""CVX201 no-query-filter."""

from __future__ import annotations

from ..indexes_util import expected_index_name, filter_eq_fields, index_serving
from ..registry import Rule
from ..syntax import call_args


def filter_span(step) -> tuple[int, int]:
    """From the `.` before `filter` through the end of the call."""
    dot = next((c for c in step.member.children if c.type in (".", "?.")), None)
    start = dot.start_byte if dot is not None else step.member.child_by_field_name("property").start_byte
    return start, step.call.end_byte


def _advice(ctx, chain, step, indexed: bool) -> str:
    """What to do instead, naming the index to use or to add when the schema tells."""
    generic = "use an index (`.withIndex`) or filter the results in TypeScript"
    schema = ctx.schema
    if indexed or schema is None or chain.system or chain.table is None or not schema.knows_indexes_of(chain.table):
        return generic
    fields = filter_eq_fields(step)
    if not fields:
        return generic
    table = schema.table(chain.table)
    ix = index_serving(table, fields)
    if ix is not None:
        lead = []
        for f in ix.fields:
            if f not in fields:
                break
            lead.append(f)
        rng = "".join(f'.eq("{f}", …)' for f in lead)
        return f"use its index instead: `.withIndex(\"{ix.name}\", (q) => q{rng})`"
    staged = index_serving(table, fields, staged=True)
    if staged is not None:
        return f"use `.withIndex(\"{staged.name}\", …)` once the staged index `{staged.name}` is enabled"
    name = expected_index_name((fields[0],))
    return (f"`{chain.table}` has no index starting with `{fields[0]}`: add `.index(\"{name}\", [\"{fields[0]}\"])` "
            "to the schema and query it with `.withIndex`")


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
            indexed = any(s.method == "withIndex" for s in chain.steps[:chain.steps.index(step)])
            ctx.report(
                filter_span(step),
                f"`.filter()` on the `{chain.table or 'query'}` query scans every document the query reads; "
                + _advice(ctx, chain, step, indexed),
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
            "the resulting array in TypeScript and `.filter` after `withSearchIndex` are fine. When the filter "
            "compares fields with `q.eq(q.field(\"f\"), …)`, the message names the index of the table to use "
            "instead, or the one to add to the schema (the table itself is reported once in the schema by "
            "CVX210). Chains rooted at `ctx.db.table(\"t\").query()` and chains kept in variables count.",
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
