"""CVX210 missing-index-for-filter: reported once per table, in the schema."""

from __future__ import annotations

from collections import Counter
from typing import Optional

from ..indexes_util import expected_index_name, filter_eq_fields, index_name_deployable, index_serving
from ..registry import Rule


def extract(model) -> list[tuple[str, tuple[str, ...]]]:
    """(table, eq fields) for every `.filter` applied to `db.query("t")` before any index or read,
    each filter once (a helper's or a variable's chain is seen from every use)."""
    out = []
    seen: set[int] = set()
    for chain in model.query_chains:
        if chain.system or chain.table is None or chain.table.startswith("_"):
            continue
        for step in chain.steps:
            if step.method in ("withIndex", "withSearchIndex", "collect", "take", "first", "unique", "paginate"):
                break
            if step.method != "filter" or step.call.start_byte in seen:
                continue
            seen.add(step.call.start_byte)
            fields = filter_eq_fields(step)
            if fields:
                out.append((chain.table, tuple(fields)))
    return out


def _schema_pair(ctx, span):
    node = ctx.model.root.descendant_for_byte_range(span.start, span.end)
    while node is not None and node.type not in ("pair", "program"):
        node = node.parent
    return node if node is not None and node.type == "pair" else None


def _insertion(ctx, span, table, name: str, field: str) -> Optional[tuple[int, str]]:
    """Where and what to insert to add `.index(name, [field])` after the table's definition in the
    schema: the end of `key: defineTable(…)…`, on a line of its own when the chain's `.index` calls are."""
    if table.file != ctx.path or table.open_fields or field not in table.fields:
        return None
    if any(ix.name == name for ix in table.indexes) or not index_name_deployable(name):
        return None
    pair = _schema_pair(ctx, span)
    value = pair.child_by_field_name("value") if pair is not None else None
    if value is None or value.type != "call_expression":
        return None
    data = ctx.model.src.data
    q = '"' if data[value.start_byte:value.end_byte].count(b'"') >= data[value.start_byte:value.end_byte].count(b"'") else "'"
    call = f".index({q}{name}{q}, [{q}{field}{q}])"
    fn = value.child_by_field_name("function")
    if fn is not None and fn.type == "member_expression":
        dot = next((c for c in fn.children if c.type in (".", "?.")), None)
        if dot is not None:
            line_start = data.rfind(b"\n", 0, dot.start_byte) + 1
            before = data[line_start:dot.start_byte]
            if before.strip() == b"":
                return value.end_byte, "\n" + before.decode("utf-8", "replace") + call
    return value.end_byte, call


def check(ctx):
    if ctx.facts.module != "schema" or ctx.facts.schema is None:
        return
    schema = ctx.schema
    d = ctx.functions_dir
    if schema is None or d is None or schema.file != ctx.path:
        return
    filtered: dict[str, Counter] = {}
    for f in ctx.index.files_in(d.path):
        for table, fields in f.extra.get("missing_index_for_filter") or ():
            t = schema.table(table)
            if t is None or not schema.knows_indexes_of(table) or index_serving(t, list(fields), staged=True):
                continue
            filtered.setdefault(table, Counter()).update(fields)
    if not filtered:
        return
    for entry in ctx.facts.schema.entries:
        if entry.kind not in ("table", "ref") or entry.name not in filtered or entry.span is None:
            continue
        counts = filtered[entry.name]
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        field, n = ranked[0]
        name = expected_index_name((field,))
        parts = [f"on `{f}` in {c} place{'s' if c != 1 else ''}" for f, c in ranked]
        listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        them = "it" if len(parts) == 1 else "any of them"
        data = {"table": entry.name, "fields": [f for f, _ in ranked], "counts": dict(counts),
                "suggested_index": name, "field": field}
        ins = _insertion(ctx, entry.span, schema.table(entry.name), name, field)
        if ins is not None:
            data["insert_at"], data["insert_text"] = ins
        ctx.report(
            entry.span,
            f"`{entry.name}` is filtered {listed}{',' if len(parts) > 1 else ''} and has no index starting with "
            f"{them}; each such "
            f"`.filter` reads the whole table. Add `.index(\"{name}\", [\"{field}\"])` and query it with "
            "`.withIndex`",
            data=data,
        )


RULE = Rule(
    code="CVX210",
    name="missing-index-for-filter",
    severity="info",
    spec="§4.4 Avoiding Filter",
    summary="Reported once per table, on the table's key in `schema.ts`: the workspace filters the table with "
            "`.filter((q) => q.eq(q.field(\"f\"), …))` (alone or inside `q.and`) applied directly to "
            "`db.query(\"t\")`, and no index of the table starts with any compared field. The message counts "
            "the places per field and names the index to add. The `.filter` calls themselves are CVX201's "
            "(one problem, one diagnostic); filters after `withIndex`, `neq`/range comparisons and tables "
            "that already have a suitable index (staged ones included) are not counted.",
    why="Replacing the filters with `withIndex` needs an index whose first field is the one compared; until "
        "the schema has it, every such query scans the table (§4.4, §12 MUST 2). Convex backfills a new "
        "index at deploy (or in the background when staged).",
    bad="""// schema: tasks: defineTable({ status: v.string(), … })   ← `tasks` is filtered on `status` in 3 places
await ctx.db.query("tasks").filter((q) => q.eq(q.field("status"), "open")).take(50);""",
    good="""// schema: tasks: defineTable({ status: v.string(), … }).index("by_status", ["status"])
await ctx.db.query("tasks").withIndex("by_status", (q) => q.eq("status", "open")).take(50);""",
    fix_doc="Unsafe: add `.index(\"by_<field>\", [\"<field>\"])` for the most filtered field to the table's "
            "definition in the schema (offered when the table is defined inline in `schema.ts`, declares the "
            "field, and has no index of that name). The queries still need rewriting to `withIndex` "
            "(CVX201's fix), and the deploy backfills the new index.",
    fix="unsafe",
    check=check,
)
