"""CVX304 sequential-run-queries."""

from __future__ import annotations

from tree_sitter import Node

from .. import convex as cx
from ..registry import Rule
from ..runtime_util import ACTIONS, belongs_to, enclosing_fn, expression_top
from ..syntax import FUNCTION_TYPES, LOOP_TYPES, call_args, descendants_of_type, text, unwrap
from ._calls import calls_named_within

_COMBINERS = {"object", "array", "arguments", "binary_expression", "template_string", "return_statement",
              "ternary_expression"}
_STOP = {"expression_statement", "lexical_declaration", "variable_declaration", "if_statement",
         "statement_block"} | FUNCTION_TYPES
_IDENTS = {"identifier", "shorthand_property_identifier"}


def _pattern_names(pat: Node) -> set[str]:
    if pat.type == "identifier":
        return {text(pat)}
    out: set[str] = set()
    for n in descendants_of_type(pat, {"identifier", "shorthand_property_identifier_pattern"}):
        # in `{ a: b }` only `b` is bound; pair_pattern keys are property_identifiers, not identifiers
        out.add(text(n))
    return out


def _bound_names(call: Node) -> set[str]:
    top = expression_top(call)
    if top.parent is not None and top.parent.type == "await_expression":
        top = expression_top(top.parent)
    d = top.parent
    if d is None or d.type != "variable_declarator":
        return set()
    value = d.child_by_field_name("value")
    if value is None or value.id != top.id:
        return set()
    pat = d.child_by_field_name("name")
    return _pattern_names(pat) if pat is not None else set()


def _in_loop(node: Node, handler: Node) -> bool:
    cur = node.parent
    while cur is not None and cur.id != handler.id:
        if cur.type in LOOP_TYPES:
            return True
        cur = cur.parent
    return False


def _uses(node: Node, names: set[str]) -> bool:
    if node.type in _IDENTS and text(node) in names:
        return True
    return any(text(n) in names for n in descendants_of_type(node, _IDENTS))


def _derive(handler: Node, names: set[str], after: int) -> set[str]:
    """Also names declared later from an expression using `names` (`const id = team.ownerId`)."""
    names = set(names)
    decls = [d for d in descendants_of_type(handler, {"variable_declarator"}) if d.start_byte > after]
    for _ in range(3):
        grew = False
        for d in decls:
            val = d.child_by_field_name("value")
            pat = d.child_by_field_name("name")
            if val is None or pat is None:
                continue
            if _uses(val, names):
                new = _pattern_names(pat) - names
                if new:
                    names |= new
                    grew = True
        if not grew:
            break
    return names


def _is_logical(node: Node) -> bool:
    if node.type != "binary_expression":
        return False
    op = node.child_by_field_name("operator")
    return op is not None and text(op) in ("&&", "||", "??")


def _used_together(handler: Node, a: set[str], b: set[str], after: int) -> bool:
    for ident in descendants_of_type(handler, _IDENTS):
        if ident.start_byte <= after or text(ident) not in b:
            continue
        cur = ident.parent
        while cur is not None and cur.type not in _STOP:
            if cur.type in _COMBINERS and not _is_logical(cur):
                if _uses(cur, a):
                    return True
                break
            cur = cur.parent
    return False


def _awaits_between(handler: Node, qi: Node, qj: Node):
    """(await expression, what it awaits) for the awaited work between two reads, other reads excluded."""
    for aw in descendants_of_type(handler, {"await_expression"}):
        if aw.start_byte <= qi.end_byte or aw.start_byte >= qj.start_byte:
            continue
        inner = unwrap(aw)
        if inner is not None and inner.type == "call_expression" and cx.ctx_call(inner) == ("run", "runQuery"):
            continue
        yield aw, inner


def _io_between(handler: Node, qi: Node, qj: Node) -> bool:
    """Other awaited work between the two reads (a vector search, a fetch, a mutation...):
    the reads are then separated by design and cannot simply be merged."""
    return next(_awaits_between(handler, qi, qj), None) is not None


def _in_scope_at(qi: Node, qj: Node) -> bool:
    """Are the names `qi`'s declaration binds visible at `qj`? (`const` in an `if` block that returns
    is not: the two reads are on different paths.)"""
    cur = qi.parent
    while cur is not None and cur.type not in ("statement_block", "program") and cur.type not in FUNCTION_TYPES:
        cur = cur.parent
    if cur is None or cur.type != "statement_block":
        return True
    return cur.start_byte <= qj.start_byte and qj.end_byte <= cur.end_byte


def _feeding_io_between(handler: Node, qi: Node, qj: Node) -> bool:
    """Awaited work between the reads whose result the second read's arguments use (`const emb =
    await embed(…)` then `runQuery(…, { emb })`): the reads are separated by design."""
    args = call_args(qj)[1:]
    for aw, inner in _awaits_between(handler, qi, qj):
        if inner is not None and inner.type == "call_expression" and _may_write(inner):
            return True  # the second read observes a write made in between: re-reading is the point
        bound = _bound_names(inner) if inner is not None else set()
        if bound and any(_uses(a, _derive(handler, bound, aw.end_byte)) for a in args):
            return True
    return False


def _may_write(call: Node) -> bool:
    """`ctx.runMutation/runAction(…)`, or a helper handed the ctx (it may run either)."""
    kind = cx.ctx_call(call)
    if kind is not None:
        return kind[0] == "run" and kind[1] in ("runMutation", "runAction")
    for a in call_args(call):
        a = unwrap(a)
        if a is not None and a.type == "identifier" and cx.is_ctx_identifier(a):
            return True
    return False


_ABSENT_RE = r"(?:!\s*{n}\b(?!\s*[.?\[])|\b{n}\s*(?:===?|==)\s*(?:null|undefined)\b|(?:null|undefined)\s*===?\s*{n}\b)"


def _absent_test(cond: str, names: set[str]) -> bool:
    import re
    return any(re.search(_ABSENT_RE.format(n=re.escape(n)), cond) for n in names)


def _present_test(cond: str, names: set[str]) -> bool:
    import re
    c = cond.strip().strip("()").strip()
    return any(re.fullmatch(rf"{re.escape(n)}|{re.escape(n)}\s*!==?\s*(?:null|undefined)", c) for n in names)


def _fallback(qj: Node, handler: Node, names: set[str]) -> bool:
    """Does `qj` run only where the first read found nothing: `if (!a) { … qj … }`,
    `if (a) … else { … qj … }`, `a ?? await qj`, `a || await qj`?"""
    cur = qj
    while cur is not None and cur.id != handler.id:
        p = cur.parent
        if p is None:
            return False
        if p.type == "if_statement":
            cond = text(p.child_by_field_name("condition"))
            cons = p.child_by_field_name("consequence")
            alt = p.child_by_field_name("alternative")
            if cons is not None and cons.id == cur.id and _absent_test(cond, names):
                return True
            if alt is not None and alt.id == cur.id and _present_test(cond, names):
                return True
        if p.type == "binary_expression":
            op = p.child_by_field_name("operator")
            left = p.child_by_field_name("left")
            right = p.child_by_field_name("right")
            if op is not None and text(op) in ("??", "||") and right is not None and right.id == cur.id \
                    and left is not None and _uses(left, names):
                return True
        cur = p
    return False


def check(ctx):
    for reg, b in ctx.registrations():
        if b.kind not in ACTIONS or reg.handler is None:
            continue
        handler = reg.handler
        queries = []
        for call in calls_named_within(ctx.model, handler, "runQuery"):
            kind = cx.ctx_call(call)
            if kind != ("run", "runQuery"):
                continue
            fn = enclosing_fn(call)
            if fn is None or fn.id != handler.id or not belongs_to(call, handler) or _in_loop(call, handler):
                continue
            queries.append((call, _bound_names(call)))
        if len(queries) < 2:
            continue
        for j in range(1, len(queries)):
            qj, names_j = queries[j]
            args = call_args(qj)[1:]
            reason = None
            for i in range(j):
                qi, names_i = queries[i]
                if not names_i or not _in_scope_at(qi, qj) or _fallback(qj, handler, names_i):
                    continue
                derived = _derive(handler, names_i, qi.end_byte)
                if any(_uses(a, derived) for a in args):
                    if _io_between(handler, qi, qj):
                        continue
                    reason = ("feeds", qi)
                    break
                if names_j and _used_together(handler, derived, names_j, qj.end_byte) \
                        and not _feeding_io_between(handler, qi, qj):
                    reason = ("together", qi)
                    break
            if reason is None:
                continue
            how, qi = reason
            row = ctx.model.src.lines.row_of(qi.start_byte) + 1
            detail = ("takes its arguments from the result of" if how == "feeds"
                      else "is combined with the result of")
            ctx.report(
                qj,
                f"This `ctx.runQuery` {detail} the one on line {row}, but each call reads a different snapshot, "
                "so the two can disagree; read both in one query",
                data={"first_start": qi.start_byte, "first_end": qi.end_byte, "relation": how},
            )


RULE = Rule(
    code="CVX304",
    name="sequential-run-queries",
    severity="info",
    spec="§6 Transaction Boundaries",
    summary="In an action, flags the second and later `ctx.runQuery` calls whose arguments come from an earlier "
            "`ctx.runQuery` result, or whose result is combined with one (in one object, call, comparison or "
            "return). Independent reads and calls inside loops are not reported here, nor a second read that "
            "runs only where the first found nothing (a fallback: `if (!user) user = await ctx.runQuery(…)`, "
            "`a ?? await ctx.runQuery(…)`). Other awaited work between two reads that feed each other marks "
            "them as separated by design; between two reads that are only combined it does not, unless the "
            "second read takes that work's result or the work may write (`ctx.runMutation`/`runAction`, a helper "
            "given the ctx): re-reading after a write is deliberate.",
    why="Every `ctx.runQuery` from an action is its own transaction at its own point in time. When two reads "
        "belong together, data can change in between, and the action then acts on a combination that never "
        "existed. One internal query that reads both is consistent and saves a round trip (§6 Consolidate "
        "Reads, §12 SHOULD 4).",
    bad="""const order = await ctx.runQuery(internal.orders.byId, { orderId });
const customer = await ctx.runQuery(internal.customers.byId, { id: order.customerId });
await sendInvoice(order, customer);""",
    good="""const { order, customer } = await ctx.runQuery(internal.orders.withCustomer, { orderId });
await sendInvoice(order, customer);""",
    fix_doc="No automatic fix: write one internal query returning everything the action needs.",
    fix=None,
    check=check,
    needs_registrations=True,
)
