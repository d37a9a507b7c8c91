"""CVX307 floating-promise."""

from __future__ import annotations

from typing import Optional

from tree_sitter import Node

from .. import convex as cx
from ..registry import Rule
from ..runtime_util import PROMISE_KINDS, enclosing_fn, expression_top, is_async, rooted_in_ctx
from ..syntax import call_args, text, unwrap
from ._neighbours import may_start_statement


def promise_expr(call: Node) -> Optional[tuple[Node, str]]:
    """(the expression holding the promise, `ctx.x.y` description) for a ctx call that returns
    a promise; for `db.query(...)` chains, the terminal read."""
    kind = cx.ctx_call(call)
    if kind is None or not rooted_in_ctx(call):
        return None
    group, method = kind
    if group in ("db", "db.system") and method == "query":
        chain = cx.query_chain_from_root(call)
        if chain is None or not chain.steps or chain.steps[-1].method not in cx.TERMINALS:
            return None
        return chain.steps[-1].call, f"ctx.{group}.query(…).{chain.steps[-1].method}()"
    if method not in PROMISE_KINDS.get(group, ()):
        return None
    where = "ctx" if group == "run" else f"ctx.{group}"
    return call, f"{where}.{method}(…)"


def is_floating(expr: Node) -> bool:
    """Only a bare expression statement drops the promise; anything else (await, return,
    assignment, argument, `void`, `.then/.catch`, array element, …) hands it on."""
    top = expression_top(expr)
    p = top.parent
    return p is not None and p.type == "expression_statement"


# the callee names `promise_expr` accepts (besides `query`)
_PROMISE_METHODS = frozenset(m for ms in PROMISE_KINDS.values() for m in ms)
_WRAPPERS = ("parenthesized_expression", "non_null_expression", "as_expression", "satisfies_expression")


def _is_statement(call: Node) -> bool:
    """`is_floating(call)`, without building the path up: most calls are not bare statements."""
    p = call.parent
    while p is not None and p.type in _WRAPPERS:
        p = p.parent
    return p is not None and p.type == "expression_statement"


def _foreach_callback(call: Node) -> Optional[tuple[Node, Node]]:
    """`xs.forEach(cb)` -> (property node, cb) when cb is a function literal."""
    fn = call.child_by_field_name("function")
    if fn is None or fn.type != "member_expression" or text(fn.child_by_field_name("property")) != "forEach":
        return None
    args = call_args(call)
    cb = unwrap(args[0]) if args else None
    if cb is None or cb.type not in ("arrow_function", "function_expression"):
        return None
    return fn.child_by_field_name("property"), cb


_WRITES = {"db": {"insert", "patch", "replace", "delete"}, "scheduler": {"runAfter", "runAt", "cancel"},
           "run": {"runMutation", "runAction"}, "storage": {"store", "delete"}}


_WRITE_METHODS = frozenset(m for ms in _WRITES.values() for m in ms)


def _writing_helper(model, fn: Node) -> bool:
    """Is this local helper (a top-level function of the file) async, writing through a ctx/db it is
    given?"""
    if not is_async(fn):
        return False
    for c in model.calls_named(*_WRITE_METHODS):
        if c.start_byte < fn.start_byte or c.end_byte > fn.end_byte:
            continue
        kind = cx.ctx_call(c)
        if kind is not None and kind[1] in _WRITES.get(kind[0], ()) and enclosing_fn(c) is not None \
                and enclosing_fn(c).id == fn.id:
            return True
    return False


def _passes_ctx(call: Node) -> bool:
    for a in call_args(call):
        a = unwrap(a)
        if a is None:
            continue
        if a.type == "identifier" and (cx.is_ctx_identifier(a) or cx.is_db_expression(a)):
            return True
        if a.type == "member_expression" and cx.is_db_expression(a):
            return True
    return False


def check(ctx):
    model = ctx.model
    reported: set[int] = set()
    writing: dict[str, bool] = {}  # helper name -> writes through the ctx it is given
    # async callbacks handed to forEach
    for call in model.calls_named("forEach"):
        found = _foreach_callback(call)
        if found is None:
            continue
        prop, cb = found
        body = cb.child_by_field_name("body")
        if body is None:
            continue
        inner = [pe for pe in (promise_expr(c) for c in model.calls_within(cb)) if pe is not None]
        inner = [pe for pe in inner if enclosing_fn(pe[0]) is not None and enclosing_fn(pe[0]).id == cb.id]
        if not inner:
            continue
        expr_body = body.type != "statement_block"
        if not is_async(cb) and not (expr_body and any(expression_top(pe[0]).id == body.id for pe in inner)):
            continue  # sync callback: its own bare calls are reported one by one below
        for pe in inner:
            reported.add(pe[0].id)
        ctx.report(
            (prop.start_byte, body.start_byte),
            f"`.forEach` ignores the promise its callback returns, so `{inner[0][1]}` may still be running "
            "(or fail unseen) when the function returns; use `for…of` with `await`, or "
            "`await Promise.all(xs.map(…))`",
            data={"kind": "forEach", "call_start": call.start_byte, "call_end": call.end_byte,
                  "property_start": prop.start_byte, "property_end": prop.end_byte,
                  "callback_start": cb.start_byte, "callback_end": cb.end_byte,
                  "in_async": bool(enclosing_fn(call) is not None and is_async(enclosing_fn(call)))},
        )
    queries = {c.id for c in model.calls_named("query")}
    for call in model.calls_named(*_PROMISE_METHODS, "query", *model.helper_nodes):
        if not may_start_statement(model, call):
            continue  # neither the call nor a query chain it starts (same first byte) is a bare statement
        if call.id not in queries and not _is_statement(call):
            continue  # its promise is handed on (a query's is that of its last step)
        pe = promise_expr(call)
        if pe is None:
            fn = call.child_by_field_name("function")
            if fn is None or fn.type != "identifier" or not model.helper_nodes:
                continue
            name = text(fn)
            helper = model.helper_nodes.get(name)
            if helper is None or not is_floating(call) or not _passes_ctx(call) \
                    or cx.enclosing_functions(call)[:1] == (helper,):
                continue
            if name not in writing:
                writing[name] = _writing_helper(model, helper)
            if not writing[name]:
                continue
            outer = enclosing_fn(call)
            ctx.report(
                call,
                f"`{name}(…)` is async and writes through the context it is given, but its promise is never "
                "awaited: the function can return before the writes finish and their errors are lost; add `await`",
                data={"kind": "call", "await_offset": expression_top(call).start_byte,
                      "expr_end": expression_top(call).end_byte,
                      "in_async": bool(outer is not None and is_async(outer))},
            )
            continue
        expr, desc = pe
        if expr.id in reported or not is_floating(expr):
            continue
        fn = enclosing_fn(expr)
        top = expression_top(expr)
        ctx.report(
            expr,
            f"The promise of `{desc}` is never awaited: the function can return before it finishes and its "
            "errors are lost; add `await` (or return it)",
            data={"kind": "call", "await_offset": top.start_byte, "expr_end": top.end_byte,
                  "in_async": bool(fn is not None and is_async(fn))},
        )


RULE = Rule(
    code="CVX307",
    name="floating-promise",
    severity="error",
    spec="§6 Transaction Boundaries",
    summary="Flags an un-awaited call of a local `async` helper that writes through the `ctx`/`db` it is "
            "given (`db.insert/patch/replace/delete`, `scheduler.*`, `runMutation`/`runAction`, "
            "`storage.store/delete`), and a `ctx.db.*`, `ctx.scheduler.*`, `ctx.run*` or `ctx.storage.*` call (any context name, "
            "destructured members, query chains ending in `.collect()`/`.first()`/…) written as a bare "
            "statement, so its promise is dropped; and an `async` callback given to `.forEach` that makes such "
            "calls. Awaited, returned, assigned, `void`-ed, chained (`.then`/`.catch`) calls and calls passed "
            "as arguments or collected in `Promise.all` are fine.",
    why="A function's transaction ends when its handler returns. A write or schedule that is still pending "
        "then may not be part of the commit, and its error never reaches the caller; Convex warns about "
        "dangling promises for this reason. `.forEach` never waits for an async callback, so the same happens "
        "to everything the callback does (§6 Transaction Boundaries).",
    bad="""handler: async (ctx, { ids }) => {
  ids.forEach(async (id) => {
    await ctx.db.delete(id);
  });
  ctx.scheduler.runAfter(0, internal.audit.log, { count: ids.length });
}""",
    good="""handler: async (ctx, { ids }) => {
  for (const id of ids) {
    await ctx.db.delete(id);
  }
  await ctx.scheduler.runAfter(0, internal.audit.log, { count: ids.length });
}""",
    fix_doc="Safe: insert `await ` before the call when the enclosing function is `async` (the `.forEach` case "
            "has no automatic fix).",
    fix="safe",
    check=check,
)
