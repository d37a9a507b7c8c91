"""CVX305 action-as-query."""

from __future__ import annotations

from typing import Optional

from tree_sitter import Node

from .. import convex as cx
from ..registry import Rule
from ..runtime_util import belongs_to
from ..syntax import text, unwrap


def _run_query(expr: Optional[Node], handler: Node) -> Optional[Node]:
    e = unwrap(expr)
    if e is None or e.type != "call_expression":
        return None
    if cx.ctx_call(e) != ("run", "runQuery") or not belongs_to(e, handler):
        return None
    return e


def _only_returns_run_query(handler: Node) -> Optional[Node]:
    body = handler.child_by_field_name("body")
    if body is None:
        return None
    if body.type != "statement_block":
        return _run_query(body, handler)
    stmts = [s for s in body.named_children if s.type != "comment"]
    if len(stmts) == 1 and stmts[0].type == "return_statement":
        return _run_query(stmts[0].named_children[0] if stmts[0].named_children else None, handler)
    if len(stmts) == 2 and stmts[0].type in ("lexical_declaration", "variable_declaration") \
            and stmts[1].type == "return_statement":
        decls = [d for d in stmts[0].named_children if d.type == "variable_declarator"]
        ret = stmts[1].named_children[0] if stmts[1].named_children else None
        if len(decls) != 1 or ret is None:
            return None
        name = decls[0].child_by_field_name("name")
        ret = unwrap(ret)
        if name is None or name.type != "identifier" or ret is None or ret.type != "identifier" \
                or text(ret) != text(name):
            return None
        return _run_query(decls[0].child_by_field_name("value"), handler)
    return None


def check(ctx):
    for reg, b in ctx.registrations():
        if b.kind != "action" or b.visibility != "public" or reg.handler is None:
            continue
        call = _only_returns_run_query(reg.handler)
        if call is None:
            continue
        ctx.report(
            reg.fact.span,
            f"The action `{reg.fact.name or 'handler'}` only returns one `ctx.runQuery` result: clients lose "
            "reactivity and caching and pay an extra hop; expose it as a query instead",
            data={"run_query_start": call.start_byte, "run_query_end": call.end_byte,
                  "handler_start": reg.handler.start_byte, "handler_end": reg.handler.end_byte},
        )


RULE = Rule(
    code="CVX305",
    name="action-as-query",
    severity="warning",
    spec="§14 Community Patterns & Wisdom",
    summary="Flags a public action (any builder) whose handler does nothing but return the result of a single "
            "`ctx.runQuery` call. Actions that do anything else are left alone.",
    why="A query is reactive, cached and consistent; an action that merely forwards to one gives the client a "
        "one-shot snapshot, no live updates and an extra function call. Clients should subscribe to the query "
        "itself (§14 Anti-Pattern: Action as Query Replacement, §12 MUST NOT 8).",
    bad="""export const cartTotal = action({
  args: { cartId: v.id("carts") },
  handler: async (ctx, { cartId }) => {
    return await ctx.runQuery(internal.carts.total, { cartId });
  },
});""",
    good="""export const cartTotal = query({
  args: { cartId: v.id("carts") },
  handler: async (ctx, { cartId }) => {
    return await Carts.total(ctx, cartId); // model-layer helper
  },
});""",
    fix_doc="No automatic fix: turn the action into a query (or call the existing query from the client).",
    fix=None,
    check=check,
    needs_registrations=True,
)
