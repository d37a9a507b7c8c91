"""CVX306 nondeterminism-in-query."""

from __future__ import annotations

from typing import Optional

from tree_sitter import Node

from .. import convex as cx
from ..registry import Rule
from ..syntax import member_chain, text, unwrap

_CALLS = {("Date", "now"): "Date.now()", ("Math", "random"): "Math.random()"}


def _global(ident: Node, model) -> bool:
    name = text(ident)
    return cx._binding_of(name, ident) is None and model.import_of(name) is None


def classify(node: Node, model) -> Optional[str]:
    if node.type == "call_expression":
        fn = unwrap(node.child_by_field_name("function"))
        if fn is None or fn.type != "member_expression":
            return None
        chain = member_chain(fn)
        if not chain or len(chain) != 2 or tuple(chain) not in _CALLS:
            return None
        obj = unwrap(fn.child_by_field_name("object"))
        return _CALLS[tuple(chain)] if obj is not None and _global(obj, model) else None
    if node.type == "new_expression":
        ctor = node.child_by_field_name("constructor")
        if ctor is None or ctor.type != "identifier" or text(ctor) != "Date" or not _global(ctor, model):
            return None
        args = node.child_by_field_name("arguments")
        if args is not None and [c for c in args.named_children if c.type != "comment"]:
            return None
        return "new Date()"
    return None


def check(ctx):
    model = ctx.model
    for reg, b in ctx.registrations():
        if b.kind != "query" or reg.handler is None:
            continue
        nodes = list(model.calls_within(reg.handler))
        nodes += model.nodes_of_type_within(reg.handler, "new_expression")
        for node in sorted(nodes, key=lambda n: n.start_byte):
            what = classify(node, model)
            if what is None or model.registration_of(node) is not reg:
                continue
            ctx.report(
                node,
                f"`{what}` in the {b.describe()} `{reg.fact.name or 'handler'}`: a query's result should depend "
                "only on its arguments and the database, or its cached and reactive result goes stale; pass the "
                "time (rounded) or the random value in as an argument",
                data={"expr": what, "start": node.start_byte, "end": node.end_byte},
            )


RULE = Rule(
    code="CVX306",
    name="nondeterminism-in-query",
    severity="warning",
    spec="§1 Core Mental Model",
    summary="Flags `Date.now()`, `new Date()` without arguments, and `Math.random()` inside "
            "a query handler (custom query builders included). Mutations and actions are not "
            "reported: Convex makes them deterministic or they may be non-deterministic by design.",
    why="Queries are cached and re-run reactively when the data they read changes; a result that also "
        "depends on the clock or on randomness is frozen at whatever value the cached run saw, and "
        "subscribers do not update when time passes. Take the time or the seed as an argument, ideally "
        "rounded so that the cache still works (§1, §0 core invariants: queries are reactive).",
    bad="""export const active = query({
  args: {},
  handler: async (ctx) => {
    const now = Date.now();
    return await ctx.db.query("sessions").withIndex("by_expires", (q) => q.gt("expiresAt", now)).take(50);
  },
});""",
    good="""export const active = query({
  args: { now: v.number() },
  handler: async (ctx, { now }) => {
    return await ctx.db.query("sessions").withIndex("by_expires", (q) => q.gt("expiresAt", now)).take(50);
  },
});""",
    fix_doc="No automatic fix: add an argument carrying the time (or value) and pass it from the client.",
    fix=None,
    check=check,
    needs_registrations=True,
)
