"""CVX210 missing-index-for-filter."""

from __future__ import annotations

from ..indexes_util import dot_span, expected_index_name, chains_on_known_tables
from ..registry import Rule
from ..syntax import call_args, string_value, text, unwrap


def _field_of(node):
    """`q.field("f")` -> "f"."""
    node = unwrap(node)
    if node is None or node.type != "call_expression":
        return None
    fn = node.child_by_field_name("function")
    if fn is None or fn.type != "member_expression" or text(fn.child_by_field_name("property")) != "field":
        return None
    a = call_args(node)
    return string_value(a[0]) if len(a) == 1 else None


def _eq_fields(expr, q: str):
    """Fields compared with `q.eq(q.field("f"), …)` in a predicate that is one such comparison or a
    `q.and(…)` of them (other parts of an `and` are ignored; `or`, `not`, ranges give nothing)."""
    expr = unwrap(expr)
    if expr is None or expr.type != "call_expression":
        return []
    fn = expr.child_by_field_name("function")
    if fn is None or fn.type != "member_expression" or text(fn.child_by_field_name("object")) != q:
        return []
    op = text(fn.child_by_field_name("property"))
    args = call_args(expr)
    if op == "eq" and len(args) == 2:
        f = _field_of(args[0]) or _field_of(args[1])
        return [f] if f is not None else []
    if op == "and":
        out = []
        for a in args:
            out += _eq_fields(a, q)
        return out
    return []


def _predicate(step):
    args = call_args(step.call)
    fn = unwrap(args[0]) if args else None
    if fn is None or fn.type not in ("arrow_function", "function_expression"):
        return None, None
    params = fn.child_by_field_name("parameters")
    single = fn.child_by_field_name("parameter")
    pnode = single
    if pnode is None and params is not None and params.named_children:
        pnode = params.named_children[0]
        pat = pnode.child_by_field_name("pattern")
        pnode = pat if pat is not None else pnode
    if pnode is None or pnode.type != "identifier":
        return None, None
    body = fn.child_by_field_name("body")
    if body is not None and body.type == "statement_block":
        stmts = [c for c in body.named_children if c.type != "comment"]
        if len(stmts) != 1 or stmts[0].type != "return_statement" or not stmts[0].named_children:
            return None, None
        body = stmts[0].named_children[0]
    return body, text(pnode)


def check(ctx):
    for chain, table in chains_on_known_tables(ctx):
        t = chain.table
        for step in chain.steps:
            if step.method in ("withIndex", "withSearchIndex") or step.method in ("collect", "take", "first",
                                                                                   "unique", "paginate"):
                break
            if step.method != "filter":
                continue
            body, q = _predicate(step)
            if body is None:
                continue
            fields = [f for f in _eq_fields(body, q) if not f.startswith("_")]
            if not fields:
                continue
            firsts = {ix.fields[0] for ix in table.indexes if ix.kind == "db" and ix.fields}
            if any(f in firsts for f in fields):
                continue
            ordered = list(dict.fromkeys(fields))
            name = expected_index_name(tuple(ordered))
            flist = ", ".join(f'"{f}"' for f in ordered)
            ctx.report(
                dot_span(step.member, step.call),
                f"No index of `{t}` starts with {' or '.join(f'`{f}`' for f in ordered)}, so this filter reads "
                f"the whole table; add `.index(\"{name}\", [{flist}])` to the schema and query it with "
                "`.withIndex`",
                data={"table": t, "fields": ordered, "suggested_index": name},
            )


RULE = Rule(
    code="CVX210",
    name="missing-index-for-filter",
    severity="info",
    spec="§4.4 Avoiding Filter",
    summary="Points out a `.filter((q) => q.eq(q.field(\"f\"), …))` (alone or inside `q.and`) applied "
            "directly to `db.query(\"t\")` when no index of `t` starts with `f`, and names the index to add. "
            "Filters after `withIndex`, `neq`/range comparisons and tables that already have a suitable "
            "index are left to CVX201.",
    why="Replacing the filter with `withIndex` needs an index whose first field is the one compared; until "
        "the schema has it, the query scans the table (§4.4, §12 MUST 2).",
    bad="""// schema: users has no index on "status"
await ctx.db.query("users").filter((q) => q.eq(q.field("status"), "active")).take(50);""",
    good="""// schema: users: defineTable({...}).index("by_status", ["status"])
await ctx.db.query("users").withIndex("by_status", (q) => q.eq("status", "active")).take(50);""",
    fix_doc="No automatic fix: the index has to be added to the schema (and deployed) first.",
    fix=None,
    check=check,
)
