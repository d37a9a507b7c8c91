"""CVX601 hot-spot-write."""

from __future__ import annotations

from typing import Optional

from tree_sitter import Node

from .. import convex as cx
from ..registry import Rule
from ..syntax import (
    FUNCTION_TYPES,
    call_args,
    descendants_of_type,
    enclosing_function,
    function_params,
    object_pairs,
    param_pattern,
    text,
    unwrap,
)

LITERAL_TYPES = frozenset({"string", "number", "true", "false", "null", "undefined"})
SKIP_IDENTS = frozenset({"undefined", "NaN", "Infinity"})


def _top_level_consts(model) -> set[str]:
    cached = getattr(model, "_cvx601_consts", None)
    if cached is not None:
        return cached
    out: set[str] = set()
    for stmt in model.root.named_children:
        decl = stmt.child_by_field_name("declaration") if stmt.type == "export_statement" else stmt
        if decl is None or decl.type != "lexical_declaration" or not any(c.type == "const" for c in decl.children):
            continue
        for d in decl.named_children:
            if d.type != "variable_declarator":
                continue
            n = d.child_by_field_name("name")
            v = unwrap(d.child_by_field_name("value"))
            if n is not None and n.type == "identifier" and v is not None and v.type in LITERAL_TYPES | {"template_string"}:
                out.add(text(n))
    model._cvx601_consts = out
    return out


def _is_constant(expr: Optional[Node], consts: set[str]) -> bool:
    e = unwrap(expr)
    if e is None:
        return False
    if e.type in LITERAL_TYPES:
        return True
    if e.type == "template_string":
        return not any(c.type == "template_substitution" for c in e.named_children)
    if e.type == "identifier":
        return text(e) in consts or text(e) in SKIP_IDENTS
    return False


def _fn_binds_only_constants(fn: Node, consts: set[str]) -> bool:
    """A range/filter callback whose only free names are its own parameter(s) and constants."""
    if fn.type not in ("arrow_function", "function_expression"):
        return False
    own = set()
    for p in function_params(fn):
        pat = param_pattern(p)
        if pat.type != "identifier":
            return False
        own.add(text(pat))
    body = fn.child_by_field_name("body")
    if body is None:
        return False
    idents = list(descendants_of_type(body, ("identifier", "shorthand_property_identifier")))
    if body.type == "identifier":
        idents.append(body)
    for ident in idents:
        name = text(ident)
        if name in own or name in consts or name in SKIP_IDENTS:
            continue
        return False
    return True


def _constant_read(value: Optional[Node], model, consts: set[str]) -> Optional[str]:
    """'get' / 'unique' / 'first' when `value` reads one document by a constant key."""
    v = unwrap(value)
    if v is None or v.type != "call_expression":
        return None
    kind = cx.ctx_call(v)
    if kind == ("db", "get"):
        a = call_args(v)
        if len(a) == 1 and _is_constant(a[0], consts):
            return "get"
        if len(a) == 2 and unwrap(a[0]) is not None and unwrap(a[0]).type == "string" and _is_constant(a[1], consts):
            return "get"
        return None
    for chain in model.query_chains:
        if chain.outer.id != v.id or chain.system:
            continue
        term = chain.terminal
        if term is None or term.method not in ("unique", "first") or term.call.id != chain.outer.id:
            return None
        for step in chain.steps[:-1]:
            if step.method not in ("withIndex", "filter", "order"):
                return None
            for arg in call_args(step.call):
                a = unwrap(arg)
                if a is None:
                    continue
                if a.type in ("arrow_function", "function_expression"):
                    if not _fn_binds_only_constants(a, consts):
                        return None
                elif not _is_constant(a, consts):
                    return None
        return term.method
    return None


def _doc_name(id_expr: Optional[Node]) -> Optional[tuple[str, str]]:
    """`counter._id` -> ("doc", "counter"); `COUNTER_ID` -> ("id", "COUNTER_ID")."""
    e = unwrap(id_expr)
    if e is None:
        return None
    if e.type == "member_expression" and text(e.child_by_field_name("property")) == "_id":
        obj = unwrap(e.child_by_field_name("object"))
        if obj is not None and obj.type == "identifier":
            return ("doc", text(obj))
    return None


def _find_decl(model, scope: Node, name: str, before: int) -> Optional[Node]:
    found = None
    for d in model.nodes_of_type_within(scope, "variable_declarator"):
        if d.start_byte >= before:
            break
        n = d.child_by_field_name("name")
        if n is not None and n.type == "identifier" and text(n) == name:
            found = d
    return found


def _find_get_of(model, scope: Node, id_text: str, before: int) -> Optional[Node]:
    found = None
    for d in model.nodes_of_type_within(scope, "variable_declarator"):
        if d.start_byte >= before:
            break
        n = d.child_by_field_name("name")
        v = unwrap(d.child_by_field_name("value"))
        if n is None or n.type != "identifier" or v is None or v.type != "call_expression":
            continue
        if cx.ctx_call(v) == ("db", "get") and call_args(v) and text(unwrap(call_args(v)[-1])) == id_text:
            found = d
    return found


def _field_operand(e: Optional[Node], doc: str, field: str) -> bool:
    """`doc.field`, `doc!.field`, `(doc.field ?? 0)`, `doc?.field`."""
    e = unwrap(e)
    if e is None:
        return False
    if e.type == "binary_expression" and text(e.child_by_field_name("operator")) in ("??", "||"):
        return _field_operand(e.child_by_field_name("left"), doc, field)
    if e.type == "member_expression" and text(e.child_by_field_name("property")) == field:
        obj = unwrap(e.child_by_field_name("object"))
        return obj is not None and obj.type == "identifier" and text(obj) == doc
    return False


def _increments(value: Node, doc: str) -> Optional[str]:
    """The field that `{ f: doc.f + n }` (or `- n`) writes back, if any."""
    for key, pair in object_pairs(value).items():
        if pair.type != "pair":
            continue
        val = pair.child_by_field_name("value")
        stack = [val] if val is not None else []
        while stack:
            n = stack.pop()
            if n.type in FUNCTION_TYPES:
                continue
            if n.type == "binary_expression" and text(n.child_by_field_name("operator")) in ("+", "-"):
                left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
                for mine, other in ((left, right), (right, left)):
                    o = unwrap(other)
                    if _field_operand(mine, doc, key) and o is not None and o.type not in ("string", "template_string"):
                        return key
            stack.extend(n.named_children)
    return None


def check(ctx):
    model = ctx.model
    consts: Optional[set[str]] = None
    for call in model.calls_named("patch", "replace"):
        kind = cx.ctx_call(call)
        if kind not in (("db", "patch"), ("db", "replace")):
            continue
        fn_at = ctx.function_at(call)
        if fn_at is not None and (fn_at[1].kind != "mutation" or fn_at[1].visibility != "public"):
            continue  # internal mutations mostly run from crons and jobs, at a pace the app controls
        a = call_args(call)
        if len(a) == 3 and unwrap(a[0]) is not None and unwrap(a[0]).type == "string":
            a = a[1:]
        if len(a) != 2:
            continue
        value = unwrap(a[1])
        if value is None or value.type != "object":
            continue
        scope = enclosing_function(call)
        if scope is None:
            continue
        if consts is None:
            consts = _top_level_consts(model)
        dn = _doc_name(a[0])
        if dn is not None:
            doc = dn[1]
            decl = _find_decl(model, scope, doc, call.start_byte)
        elif _is_constant(a[0], consts):
            # ctx.db.patch(COUNTER_ID, { n: doc.n + 1 }) after `const doc = await ctx.db.get(COUNTER_ID)`
            decl = _find_get_of(model, scope, text(unwrap(a[0])), call.start_byte)
            doc = text(decl.child_by_field_name("name")) if decl is not None else ""
        else:
            continue
        if decl is None:
            continue
        how = _constant_read(decl.child_by_field_name("value"), model, consts)
        if how is None:
            continue
        field = _increments(value, doc)
        if field is None:
            continue
        ctx.report(
            call,
            f"Every call of this mutation reads and rewrites the same `{doc}` document (`{field}` updated from "
            "its previous value): concurrent calls conflict and retry. Shard the value, or use a counter/"
            "aggregate component",
            data={"doc": doc, "field": field, "read": how},
        )


RULE = Rule(
    code="CVX601",
    name="hot-spot-write",
    severity="warning",
    spec="§5 Concurrency & OCC (Optimistic Concurrency Control)",
    summary="Flags a public mutation (or a model-layer helper) that loads one fixed document (a query with no variable in its bounds read "
            "with `.unique()`/`.first()`, or `ctx.db.get` of a constant id) and writes back one of its numeric "
            "fields as the old value plus or minus something: a global counter.",
    why="Mutations run as optimistic transactions. When every call reads and writes the same document, "
        "simultaneous calls invalidate one another and are retried, so throughput collapses as traffic grows "
        "and requests may eventually fail. Per-user or per-item documents do not have this problem (§5).",
    bad="""export const increment = mutation({
  args: {},
  handler: async (ctx) => {
    const stats = await ctx.db.query("stats").unique();
    await ctx.db.patch(stats!._id, { views: stats!.views + 1 });
  },
});""",
    good="""export const increment = mutation({
  args: {},
  handler: async (ctx) => {
    // one of N shards, picked at random, summed when read
    const shard = Math.floor(Math.random() * 16);
    await counter.inc(ctx, "views", 1, shard);
  },
});""",
    fix_doc="No automatic fix: shard the counter across several documents, or use the sharded-counter or "
            "aggregate component, or move the count into a scheduled job.",
    fix=None,
    check=check,
)
