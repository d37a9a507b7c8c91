"""CVX208 unknown-table."""

from __future__ import annotations

from ..convex import ctx_call
from ..indexes_util import closest
from ..registry import Rule
from ..syntax import call_args, string_value

# db methods whose first argument may be a table name (the explicit-table API of convex >= 1.31)
_TABLE_FIRST = {"get": 2, "delete": 2, "patch": 3, "replace": 3, "normalizeId": 2}


def _refs(ctx):
    for r in ctx.facts.table_refs:
        if r.how in ("query", "insert", "table", "v.id"):
            yield r.table, r.span.start, r.span.end, r.how
    for call in ctx.model.calls_named(*_TABLE_FIRST):
        kind = ctx_call(call)
        if kind is None or kind[0] != "db" or kind[1] not in _TABLE_FIRST:
            continue
        args = call_args(call)
        if len(args) != _TABLE_FIRST[kind[1]]:
            continue
        t = string_value(args[0])
        if t is not None:
            yield t, args[0].start_byte, args[0].end_byte, kind[1]


def check(ctx):
    schema = ctx.schema
    if schema is None or schema.open:
        return
    known = set(schema.tables) | set(schema.opaque_tables)
    for table, start, end, how in _refs(ctx):
        if not table or table.startswith("_") or schema.has_table(table):
            continue
        cands = closest(table, known)
        where = "`v.id(…)`" if how == "v.id" else f"`db.{how}(…)`"
        msg = f"The schema has no table `{table}` ({where})"
        if cands:
            msg += f"; did you mean `{cands[0]}`?"
        ctx.report((start, end), msg,
                   data={"table": table, "how": how, "candidates": cands,
                         "name_start": start + 1, "name_end": end - 1})


RULE = Rule(
    code="CVX208",
    name="unknown-table",
    severity="error",
    spec="§13 Quick Reference",
    summary="Flags a table name that the schema does not define, in `db.query(\"t\")`, `db.insert(\"t\", …)`, "
            "the explicit-table forms `db.get/patch/replace/delete(\"t\", id…)` and `v.id(\"t\")`. System "
            "tables (`_storage`, `_scheduled_functions`, any `_` name) are skipped, and it stays silent "
            "when there is no schema or the schema spreads in tables it cannot see (known packages such as "
            "`@convex-dev/auth`'s `authTables` are resolved).",
    why="With a schema, a table that is not in it cannot be read or written: the call fails at run time, "
        "usually because of a typo or a table renamed in the schema (§13).",
    bad="""await ctx.db.insert("message", { body });  // schema defines "messages\"""",
    good="""await ctx.db.insert("messages", { body });""",
    fix_doc="Unsafe: replace the name with the closest table of the schema.",
    fix="unsafe",
    check=check,
)
