"""CVX209 n-plus-one-get."""

from __future__ import annotations

import re
from typing import Optional

from ..convex import ctx_call, enclosing_functions
from ..indexes_util import bound_names, declared_within, identifiers_in, is_array_callback
from ..registry import Rule
from ..syntax import FUNCTION_TYPES, function_params, param_type_text, unwrap

_FOR_TYPES = ("for_in_statement", "for_statement")
_READ_ONLY_PARAM_RE = re.compile(r"\b(?:Generic)?QueryCtx\b|\b(?:Generic)?DatabaseReader\b")


def _in_reactive_read(ctx, node) -> bool:
    """Inside a query function, or a helper whose context parameter is read-only (`QueryCtx`,
    `DatabaseReader`): where the fan-out re-runs on every change. Mutations are left alone: a batch
    mutation reading each document it updates has no cheaper alternative."""
    found = ctx.function_at(node)
    if found is not None:
        return found[1].kind == "query"
    if ctx.model.registration_of(node) is not None:
        return False  # a registration whose builder does not resolve: unknown kind
    around = enclosing_functions(node)  # (innermost first: the outermost is last)
    if not around:
        return False
    outer = around[-1]
    return any(_READ_ONLY_PARAM_RE.search(param_type_text(p)) for p in function_params(outer))


def _per_item_scope(node, data: Optional[bytes] = None):
    """The innermost loop (for-of/for-in/for) or array callback (`xs.map(fn)`, `asyncMap(xs, fn)`) around
    node, inside the same function, and how it repeats (`loop` or the mapping call); None when there is none.
    Given the file's bytes: when no `for` is written between the innermost function's start and the node,
    no loop can hold the node inside it, and that function decides (no walk up the tree)."""
    if data is not None:
        around = enclosing_functions(node)
        if around and data.find(b"for", around[0].start_byte, node.start_byte) == -1:
            how = is_array_callback(around[0])
            return None if how is None else (around[0], how)
    cur = node.parent
    while cur is not None:
        if cur.type in FUNCTION_TYPES:
            how = is_array_callback(cur)
            return None if how is None else (cur, how)
        if cur.type in _FOR_TYPES:
            body = cur.child_by_field_name("body")
            if body is not None and body.start_byte <= node.start_byte and node.end_byte <= body.end_byte:
                return cur, "loop"
        cur = cur.parent
    return None


def _item_names(model, scope, how) -> set[str]:
    """The names that change per item of a `_per_item_scope`."""
    if how != "loop":
        names: set[str] = set()
        for p in function_params(scope):
            names |= bound_names(p)
        body = scope.child_by_field_name("body")
        if body is not None:
            names |= declared_within(model, body)
        return names
    names = declared_within(model, scope.child_by_field_name("body"))
    if scope.type == "for_in_statement":
        names |= bound_names(scope.child_by_field_name("left"))
    else:
        init = scope.child_by_field_name("initializer")
        if init is not None:
            names |= declared_within(model, init) | bound_names(init)
    return names


SMALL_LITERAL = 5  # a fan-out over a literal list this short is bounded, not N+1


def _over_small_literal(scope, how) -> bool:
    """`for (const k of ["free", "pro"])`, `["a", "b"].map(…)`, `asyncMap(["a", "b"] as const, …)`."""
    coll = None
    if how == "loop":
        if scope.type == "for_in_statement":
            coll = scope.child_by_field_name("right")
    else:
        call = scope.parent.parent  # fn -> arguments -> call
        callee = call.child_by_field_name("function")
        if callee is not None and callee.type == "member_expression":
            coll = callee.child_by_field_name("object")
        else:
            args = [c for c in scope.parent.named_children if c.type != "comment"]
            coll = args[0] if args else None
    coll = unwrap(coll)
    # `[...a, ...b]` is as long as the arrays it spreads: a loop over it is a loop
    return coll is not None and coll.type == "array" and len(coll.named_children) <= SMALL_LITERAL \
        and not any(c.type == "spread_element" for c in coll.named_children)


def check(ctx):
    reported: set[int] = set()
    per_scope: dict[int, set[str]] = {}

    def names_of(scope, how) -> set[str]:
        if scope.id not in per_scope:
            per_scope[scope.id] = _item_names(ctx.model, scope, how)
        return per_scope[scope.id]

    for call in ctx.model.calls_named("get"):
        if ctx_call(call) != ("db", "get"):
            continue
        found = _per_item_scope(call, ctx.model.src.data)
        if found is None or not _in_reactive_read(ctx, call):
            continue
        scope, how = found
        if _over_small_literal(scope, how):
            continue
        if not (identifiers_in(call.child_by_field_name("arguments")) & names_of(scope, how)):
            continue  # the same document every time: not a per-item read
        reported.add(call.start_byte)
        where = "in a loop" if how == "loop" else f"for each element (`{how}`)"
        ctx.report(call, f"`db.get` {where}: one read per item (N+1); denormalize what you need onto the "
                         "parent document, or make sure the list is small and bounded",
                   data={"kind": "get", "scope": how})
    for chain in ctx.model.query_chains:
        term = chain.terminal
        if term is None or term.method == "paginate" or chain.root.start_byte in reported:
            continue
        found = _per_item_scope(chain.root, ctx.model.src.data)
        if found is None or not _in_reactive_read(ctx, chain.root):
            continue
        scope, how = found
        if _over_small_literal(scope, how):
            continue
        used: set[str] = set()
        for step in chain.steps:
            if step.method in ("withIndex", "withSearchIndex", "filter"):
                used |= identifiers_in(step.call.child_by_field_name("arguments"))
        if not (used & names_of(scope, how)):
            continue
        where = "in a loop" if how == "loop" else f"for each element (`{how}`)"
        ctx.report((chain.root.start_byte, chain.outer.end_byte),
                   f"Query on `{chain.table or 'a table'}` {where}: one query per item (N+1); denormalize, or "
                   "fetch the related documents with one indexed query",
                   data={"kind": "query", "scope": how, "table": chain.table})


RULE = Rule(
    code="CVX209",
    name="n-plus-one-get",
    severity="info",
    spec="§4.1 Denormalization",
    summary="Points out a per-item read in a query (or a model helper taking `QueryCtx`/`DatabaseReader`): "
            "`db.get(…)` or a query inside a `for` loop, or inside the callback of `xs.map(…)` / "
            "`asyncMap(xs, …)`, whose id or index range comes from the current item. Reads that do not "
            "depend on the item, pagination loops (`while`, `.paginate`), mutations (batch updates must read "
            "what they write), helpers such as `getAll(db, ids)` and fan-outs over a short literal list "
            "(`[\"free\", \"pro\"]`) are not reported; a literal that spreads other arrays "
            "(`[...owned, ...shared]`) is as long as they are, and is reported.",
    why="Each item costs a separate read, so the function's cost and latency grow with the list, and a "
        "reactive query re-runs when any of the N documents changes. Copying the fields you display onto "
        "the parent document avoids the fan-out (§4.1, §12 SHOULD 1).",
    bad="""const members = await Promise.all(team.memberIds.map((id) => ctx.db.get(id)));""",
    good="""// teams.members: v.array(v.object({ userId: v.id("users"), name: v.string() }))
const team = await ctx.db.get(teamId);
return team?.members ?? [];""",
    fix_doc="No automatic fix: denormalizing changes the schema and the write paths.",
    fix=None,
    check=check,
)
