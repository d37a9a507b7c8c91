"""CVX212 first-on-unique-index."""

from __future__ import annotations

import re
from typing import Optional

from ..convex import ctx_call, enclosing_functions, index_eq_fields
from ..indexes_util import dot_span, chains_on_known_tables
from ..registry import Rule
from ..syntax import call_args, string_value, text, unwrap


_LITERAL_TYPES = {"true", "false", "null", "undefined", "number", "string", "template_string"}
_CATEGORY_VALIDATOR_RE = re.compile(r"^\s*v\.(?:boolean|literal|union\(\s*v\.literal)")


def _looks_like_flag(value_args, validator: str) -> bool:
    """A literal compared value, or a boolean/enum field, marks a category lookup."""
    if value_args and value_args[0].type in _LITERAL_TYPES:
        return True
    return bool(_CATEGORY_VALIDATOR_RE.match(validator or ""))


def _lookups(chain):
    """(index, eq fields, read method, withIndex step position) for `withIndex(ix, eq…)` directly
    followed by `.first()`/`.unique()`."""
    steps = chain.steps
    for i, step in enumerate(steps[:-1]):
        if step.method != "withIndex" or steps[i + 1].method not in ("first", "unique"):
            continue
        args = call_args(step.call)
        name = string_value(args[0]) if args else None
        if name is None or len(args) < 2:
            continue
        ops = index_eq_fields(args[1])
        if not ops or any(op != "eq" for op, _, _ in ops):
            continue
        yield name, tuple(f for _, f, _ in ops), steps[i + 1].method, i


def _result_variable(call) -> Optional[tuple[str, object]]:
    """`const existing = await <call>` -> ("existing", declarator)."""
    cur = call
    while cur.parent is not None and cur.parent.type in ("await_expression", "parenthesized_expression",
                                                         "as_expression", "non_null_expression"):
        cur = cur.parent
    p = cur.parent
    if p is None or p.type != "variable_declarator":
        return None
    name = p.child_by_field_name("name")
    return (text(name), p) if name is not None and name.type == "identifier" else None


def _is_upsert(model, chain, read_call) -> bool:
    """The lookup's result is tested (`if (!existing)`, `if (existing) … else`) and the same function
    then inserts into the same table: the lookup is meant to find at most one document."""
    var = _result_variable(read_call)
    if var is None or chain.table is None:
        return False
    name, decl = var
    fns = enclosing_functions(decl)
    if not fns:
        return False
    body = fns[0]
    rest = model.src.data[decl.end_byte:body.end_byte]
    if b"insert" not in rest or chain.table.encode() not in rest:
        return False  # cheap test first: no insert into the table after the lookup
    tested = False
    for node in model.nodes_of_type_between(decl.end_byte, body.end_byte, "if_statement", "ternary_expression"):
        cond = node.child_by_field_name("condition")
        if cond is not None and re.search(rf"(?<![\w$.]){re.escape(name)}(?![\w$])", text(cond)):
            tested = True
            break
    if not tested:
        return False
    for call in model.calls_within(body):
        if call.start_byte < decl.end_byte:
            continue
        kind = ctx_call(call)
        if kind == ("db", "insert"):
            a = call_args(call)
            if a and string_value(a[0]) == chain.table:
                return True
    return False


def extract(model) -> list[tuple[str, str, tuple[str, ...]]]:
    """(table, index, eq fields) of lookups this file shows to be unique: read with `.unique()`, or
    the lookup of an upsert."""
    out = []
    for chain in model.query_chains:
        if chain.table is None or chain.system:
            continue
        for name, fields, method, i in _lookups(chain):
            if method == "unique" or _is_upsert(model, chain, chain.steps[i + 1].call):
                out.append((chain.table, name, fields))
    return sorted(set(out))


def _unique_lookups(ctx) -> set[tuple[str, str, tuple[str, ...]]]:
    d = ctx.functions_dir
    files = ctx.index.files_in(d.path) if d is not None else [ctx.facts]
    out: set = set()
    for f in files:
        out.update(tuple(x) for x in (f.extra.get("first_on_unique_index") or ()))
    return out


def check(ctx):
    schema = ctx.schema
    unique = None
    for chain, table in chains_on_known_tables(ctx):
        t = chain.table
        steps = chain.steps
        for i, step in enumerate(steps[:-1]):
            if step.method != "withIndex" or steps[i + 1].method != "first":
                continue
            args = call_args(step.call)
            name = string_value(args[0]) if args else None
            ix = schema.index(t, name) if name else None
            if ix is None or ix.kind != "db" or not ix.fields_ok or not ix.fields or len(args) < 2:
                continue
            ops = index_eq_fields(args[1])
            if not ops or any(op != "eq" for op, _, _ in ops):
                continue
            if tuple(f for _, f, _ in ops) != tuple(ix.fields):
                continue
            if any(_looks_like_flag(call_args(node)[1:2], table.fields.get(f, "") if table else "")
                   for _, f, node in ops):
                continue  # `eq("done", true)`, `eq("status", "pending")`: a category, not a key
            if unique is None:
                unique = _unique_lookups(ctx)
            if (t, name, tuple(ix.fields)) not in unique:
                continue  # nothing shows the lookup is meant to be unique: "has any?" / "the latest"
            first = steps[i + 1]
            prop = first.member.child_by_field_name("property")
            ctx.report(
                dot_span(first.member, first.call),
                f"Every field of `{name}` is pinned with `eq`, so this looks up one document: `.unique()` "
                "says so and throws if duplicates ever appear, where `.first()` would silently pick one",
                data={"table": t, "index": name, "first_start": prop.start_byte, "first_end": prop.end_byte},
            )


RULE = Rule(
    code="CVX212",
    name="first-on-unique-index",
    severity="hint",
    spec="§13 Quick Reference",
    summary="Suggests `.unique()` for `.first()` placed directly after a `withIndex` whose range fixes every "
            "field of the index with `eq`, only where the workspace shows the lookup is meant to be unique: "
            "the same index with the same `eq` fields is read with `.unique()` elsewhere, or a function looks "
            "it up, tests the result and then inserts into the table (the upsert pattern). A `.first()` on a "
            "one-to-many index (\"has any?\", \"the latest\") is correct code and is not reported. Partial ranges, an `.order()` or `.filter()` between "
            "`withIndex` and `.first()`, and lookups of a category rather than a key (a literal value such "
            "as `true` or `\"pending\"`, or a boolean/enum field) are not reported.",
    why="When the index fields identify a single document, `.unique()` documents that expectation and "
        "fails loudly if a bug ever inserts a duplicate; `.first()` hides the duplicate and returns an "
        "arbitrary match (§13).",
    bad="""const user = await ctx.db
  .query("users")
  .withIndex("by_tokenIdentifier", (q) => q.eq("tokenIdentifier", identity.tokenIdentifier))
  .first();""",
    good="""const user = await ctx.db
  .query("users")
  .withIndex("by_tokenIdentifier", (q) => q.eq("tokenIdentifier", identity.tokenIdentifier))
  .unique();""",
    fix_doc="No automatic fix: switching to `.unique()` makes the call throw when duplicates exist.",
    fix=None,
    check=check,
)
