"""CVX106 string-id-validator.

`xId: v.string()` (an argument or a schema field) is flagged only when a table matching `x`
exists AND the code shows the value is a document id of that table. Without that evidence an
`...Id` string is assumed to be an external identifier (Clerk user ids, Stripe customer ids).
"""

from __future__ import annotations

import re
from typing import Optional

from tree_sitter import Node

from .. import convex as cx
from .. import lazy_re
from ..byte_scan import identifiers_named
from ..deferred import defer
from ..registry import Rule
from ..syntax import (FUNCTION_TYPES, call_args, function_params, object_pairs, pair_value, param_pattern,
                      param_type_text, string_value, text, unwrap)
from ..validators_util import v_locals, validator_call

ID_TYPE_RE = lazy_re.compile(r"""^\s*(?:Id|GenericId)\s*<\s*["'`](\w+)["'`]\s*>(?:\s*(\[\s*\]))?\s*+$""")
DB_ID_METHODS = ("get", "patch", "replace", "delete")
_ID_CALLS = frozenset(DB_ID_METHODS + ("insert",))
UNKNOWN = ""  # evidence of an id whose table the code does not name


# ------------------------------------------------------------------ names and tables
def id_name(name: str) -> Optional[tuple[str, bool]]:
    """`userId` -> ("user", False); `userIds` -> ("user", True)."""
    if name.endswith("Ids") and len(name) > 3:
        return name[:-3], True
    if name.endswith("Id") and len(name) > 2:
        return name[:-2], False
    return None


def table_for(x: str, schema) -> Optional[str]:
    if schema is None or not x:
        return None
    forms = [x, x + "s", x + "es"]
    if x.endswith("y"):
        forms.append(x[:-1] + "ies")
    if x.endswith("s"):
        forms.append(x[:-1])
    for f in list(forms):
        forms.append(f[0].lower() + f[1:])
    for f in forms:
        if schema.has_table(f):
            return f
    return None


def string_validator(node: Optional[Node], names: set[str], array: bool) -> Optional[Node]:
    """The `v.string()` call inside `v.string()` / `v.optional(v.string())` (or the array forms)."""
    vc = validator_call(node, names)
    if vc is None:
        return None
    kind, call = vc
    if kind == "optional":
        a = call_args(call)
        return string_validator(a[0], names, array) if len(a) == 1 else None
    if array:
        if kind != "array":
            return None
        a = call_args(call)
        return string_validator(a[0], names, False) if len(a) == 1 else None
    if kind == "string" and not call_args(call):
        return call
    return None


def id_type_table(type_node: Optional[Node]) -> Optional[tuple[str, bool]]:
    if type_node is None:
        return None
    m = ID_TYPE_RE.match(text(type_node))
    return (m.group(1), bool(m.group(2))) if m else None


def _validator_id_table(validator_text: Optional[str]) -> Optional[str]:
    if not validator_text:
        return None
    m = re.match(r"""^\s*v\.(?:optional\(\s*v\.)?id\(\s*["'](\w+)["']""", validator_text)
    return m.group(1) if m else None


# ------------------------------------------------------------------ evidence around one use
def _climb(node: Node) -> Node:
    while node.parent is not None and node.parent.type in ("parenthesized_expression", "non_null_expression",
                                                          "await_expression"):
        node = node.parent
    return node


def _chain_table_of(ctx, call: Node) -> Optional[str]:
    for chain in ctx.model.query_chains:
        for step in chain.steps:
            if step.method in ("withIndex", "filter") and step.call.start_byte <= call.start_byte \
                    and call.end_byte <= step.call.end_byte:
                return chain.table
    return None


def _helper_param_type(ctx, name: str, idx: int) -> Optional[str]:
    fn = ctx.model.helper_nodes.get(name)
    if fn is not None:
        params = function_params(fn)
        return param_type_text(params[idx]) if idx < len(params) else None
    imp = ctx.model.import_of(name)
    if imp is None or imp.type_only:
        return None
    target = ctx.index.resolve_module(ctx.path, imp.source)
    found = ctx.index.resolve_export(target, imp.imported) if target else None
    if found is None:
        return None
    f = ctx.index.facts.get(found[0])
    types = ((f.extra.get("string_id_validator") or {}).get("helper_params") or {}).get(found[1]) if f else None
    return types[idx] if types and idx < len(types) else None


def evidence_at(ctx, ref: Node, elements: bool = False) -> list[str]:
    """Tables that this use of a value shows it to be an id of (UNKNOWN when unnamed)."""
    out: list[str] = []
    node = _climb(ref)
    p = node.parent
    if p is not None and p.type in ("as_expression", "satisfies_expression"):
        t = id_type_table(p.named_children[-1] if len(p.named_children) > 1 else None)
        if t is not None and t[1] == elements:
            out.append(t[0])
        node = _climb(p)
        p = node.parent
    if elements:
        # an array of ids handed to convex-helpers' getAll(db, ids)
        if p is not None and p.type == "arguments" and p.parent is not None:
            call = p.parent
            fn = call.child_by_field_name("function")
            args = call_args(call)
            if fn is not None and text(fn) in ("getAll", "getAllOrThrow") and len(args) == 2 \
                    and args[1].id == node.id:
                out.append(UNKNOWN)
        return out
    if p is None:
        return out
    if p.type == "arguments" and p.parent is not None and p.parent.type == "call_expression":
        call = p.parent
        args = call_args(call)
        idx = next((i for i, a in enumerate(args) if a.id == node.id), -1)
        kind = cx.ctx_call(call)
        if kind is not None and kind[0] == "db" and kind[1] in DB_ID_METHODS and idx >= 0:
            first = string_value(args[0]) if args else None
            if idx == 0 and first is None:
                out.append(UNKNOWN)
            elif idx == 1 and first is not None:
                out.append(first)
        fn = call.child_by_field_name("function")
        if fn is not None and fn.type == "member_expression" and text(fn.child_by_field_name("property")) == "eq" \
                and idx == 1 and len(args) == 2:
            field = string_value(args[0])
            inner = unwrap(args[0])
            if field is None and inner is not None and inner.type == "call_expression" \
                    and text(inner.child_by_field_name("function")).endswith(".field"):
                fa = call_args(inner)
                field = string_value(fa[0]) if fa else None
            table = _chain_table_of(ctx, call) if field is not None else None
            if field == "_id" and table:
                out.append(table)
            elif field and table and ctx.schema is not None and ctx.schema.table(table) is not None:
                t = _validator_id_table(ctx.schema.table(table).fields.get(field))
                if t:
                    out.append(t)
        if fn is not None and fn.type == "identifier" and idx >= 0:
            t = id_type_table_text(_helper_param_type(ctx, text(fn), idx))
            if t is not None:
                out.append(t)
    elif p.type == "binary_expression" and text(p.child_by_field_name("operator")) in ("==", "===", "!=", "!=="):
        left, right = p.child_by_field_name("left"), p.child_by_field_name("right")
        other = right if left is not None and left.id == node.id else left
        other = unwrap(other)
        if other is not None and other.type == "member_expression" \
                and text(other.child_by_field_name("property")) == "_id":
            out.append(UNKNOWN)
    elif p.type == "pair" and p.child_by_field_name("value") is not None \
            and p.child_by_field_name("value").id == node.id:
        key = p.child_by_field_name("key")
        t = _stored_field_table(ctx, p.parent, string_value(key) if key.type == "string" else text(key))
        if t:
            out.append(t)
    elif node.type == "shorthand_property_identifier" and p.type == "object":
        t = _stored_field_table(ctx, p, text(node))
        if t:
            out.append(t)
    return out


def id_type_table_text(type_text: Optional[str]) -> Optional[str]:
    if not type_text:
        return None
    m = ID_TYPE_RE.match(type_text)
    return m.group(1) if m and not m.group(2) else None


def _stored_field_table(ctx, obj: Optional[Node], field: str) -> Optional[str]:
    """`ctx.db.insert("t", { field: value })`: the id table of t.field's validator, if it is `v.id`."""
    if obj is None or obj.type != "object" or obj.parent is None or obj.parent.type != "arguments":
        return None
    call = obj.parent.parent
    kind = cx.ctx_call(call)
    if kind is None or kind[0] != "db" or kind[1] not in ("insert", "patch", "replace"):
        return None
    args = call_args(call)
    table = string_value(args[0]) if args else None
    if table is None or ctx.schema is None or ctx.schema.table(table) is None:
        return None
    if kind[1] != "insert" and (len(args) != 3 or args[2].id != obj.id):
        return None
    return _validator_id_table(ctx.schema.table(table).fields.get(field))


# ------------------------------------------------------------------ argument references
def _arg_refs(model, handler: Node, name: str) -> list[Node]:
    """Nodes reading argument `name` in the handler: `args.name`, or a destructured `name` (any
    order). The declarators and member expressions are the model's (found by its query), the
    identifiers found from their bytes (byte_scan): no walk of the body from Python."""
    params = function_params(handler)
    if len(params) < 2:
        return []
    pat = param_pattern(params[1])
    body = handler.child_by_field_name("body")
    if body is None:
        return []
    obj_names: set[str] = set()
    locals_: set[str] = set()
    if pat.type == "identifier":
        obj_names.add(text(pat))
    elif pat.type == "object_pattern":
        locals_ |= _destructured(pat, name)
    out = []
    if obj_names:
        for d in model.nodes_of_type_within(body, "variable_declarator"):
            val = unwrap(d.child_by_field_name("value"))
            np = d.child_by_field_name("name")
            if val is not None and val.type == "identifier" and text(val) in obj_names \
                    and np is not None and np.type == "object_pattern":
                locals_ |= _destructured(np, name)
        out.extend(_members_named(model, body, name, obj_names))
    for local in locals_:
        found = identifiers_named(model.root, model.src.data, local, body.start_byte, body.end_byte)
        if found is None:  # (an empty name: a MISSING node)
            found = [n for n in _descendants(body, ("identifier", "shorthand_property_identifier"))
                     if text(n) == local]
        out.extend(n for n in found if n.id != body.id)  # (inside the body, not the body itself)
    return out


def _members_named(model, body: Node, name: str, obj_names: set[str]) -> list[Node]:
    """The member expressions `o.name` inside `body` whose object is an identifier in `obj_names`:
    the model's `members_named` (from the property's bytes), not a walk of the body."""
    if not name:  # (a MISSING key: no bytes to look for)
        return [n for n in _descendants(body, ("member_expression",)) if _member_of(n, name, obj_names)]
    return [n for n in model.members_named(name, body) if _member_of(n, name, obj_names)]


def _member_of(n: Node, name: str, obj_names: set[str]) -> bool:
    o = n.child_by_field_name("object")
    return o is not None and o.type == "identifier" and text(o) in obj_names \
        and text(n.child_by_field_name("property")) == name


def _destructured(pat: Node, name: str) -> set[str]:
    out = set()
    for sub in pat.named_children:
        if sub.type == "shorthand_property_identifier_pattern" and text(sub) == name:
            out.add(name)
        elif sub.type == "object_assignment_pattern":
            left = sub.child_by_field_name("left")
            if left is not None and text(left) == name:
                out.add(name)
        elif sub.type == "pair_pattern" and text(sub.child_by_field_name("key")) == name:
            val = sub.child_by_field_name("value")
            if val is not None and val.type == "identifier":
                out.add(text(val))
            elif val is not None and val.type == "assignment_pattern":
                left = val.child_by_field_name("left")
                if left is not None and left.type == "identifier":
                    out.add(text(left))
    return out


def _descendants(node: Node, types) -> list[Node]:
    out = []
    stack = list(node.named_children)
    while stack:
        n = stack.pop()
        if n.type in types:
            out.append(n)
        stack.extend(n.named_children)
    return out


def _element_refs(ref: Node) -> list[Node]:
    """Uses of one element of the array `ref`: `for (const x of ref)`, `ref.map((x) => …)`."""
    out: list[Node] = []
    node = _climb(ref)
    p = node.parent
    if p is not None and p.type == "for_in_statement" and p.child_by_field_name("right") is not None \
            and p.child_by_field_name("right").id == node.id and any(c.type == "of" for c in p.children):
        left = p.child_by_field_name("left")
        var = left if left is not None and left.type == "identifier" else None
        body = p.child_by_field_name("body")
        if var is not None and body is not None:
            out += [n for n in _descendants(body, ("identifier", "shorthand_property_identifier"))
                    if text(n) == text(var)]
    if p is not None and p.type == "member_expression" and text(p.child_by_field_name("property")) in (
            "map", "forEach", "flatMap") and p.parent is not None and p.parent.type == "call_expression":
        args = call_args(p.parent)
        cb = args[0] if args else None
        if cb is not None and cb.type in FUNCTION_TYPES:
            ps = function_params(cb)
            pat = param_pattern(ps[0]) if ps else None
            body = cb.child_by_field_name("body")
            if pat is not None and pat.type == "identifier" and body is not None:
                nodes = _descendants(body, ("identifier", "shorthand_property_identifier"))
                if body.type == "identifier":
                    nodes.append(body)
                out += [n for n in nodes if text(n) == text(pat)]
    return out


def _arg_evidence(ctx, handler: Node, name: str, array: bool) -> list[str]:
    found: list[str] = []
    for ref in _arg_refs(ctx.model, handler, name):
        if array:
            found += evidence_at(ctx, ref, elements=True)
            for el in _element_refs(ref):
                found += evidence_at(ctx, el)
        else:
            found += evidence_at(ctx, ref)
    return found


# ------------------------------------------------------------------ workspace summaries (schema fields)
def extract(model):
    """Per file: exported helpers' parameter types, and uses showing a field holds document ids
    (worked out when first read: few files are, see analysis/deferred.py)."""
    return defer(model, extract_now)


def extract_now(model):
    """`extract`'s summary, at once."""
    helper_params = {}
    for name, fn in model.helper_nodes.items():
        helper_params[name] = [param_type_text(p) for p in function_params(fn)]
    member_ids: list[tuple[str, str]] = []  # (property name, table or UNKNOWN)
    stored_ids: list[tuple[str, str, str]] = []  # (table, field, id table or UNKNOWN)
    for call in model.calls_named(*_ID_CALLS):
        # only `<db>.get/patch/replace/delete/insert(...)` matter: test the method name (cheap)
        # before asking whether the object is a Convex db (a walk up the tree)
        fn = call.child_by_field_name("function")
        if fn is None or fn.type != "member_expression" or text(fn.child_by_field_name("property")) not in _ID_CALLS:
            continue
        kind = cx.ctx_call(call)
        if kind is None or kind[0] != "db":
            continue
        args = call_args(call)
        if kind[1] in DB_ID_METHODS and args:
            first = string_value(args[0])
            target = args[1] if first is not None and len(args) > 1 else (args[0] if first is None else None)
            tgt = unwrap(target)
            if tgt is not None and tgt.type == "member_expression":
                member_ids.append((text(tgt.child_by_field_name("property")), first or UNKNOWN))
        if kind[1] == "insert" and len(args) == 2:
            table = string_value(args[0])
            obj = unwrap(args[1])
            if table is None or obj is None or obj.type != "object":
                continue
            for key, pair in object_pairs(obj).items():
                if pair.type != "pair":
                    continue
                val = pair_value(pair)
                t = _value_is_id(val)
                if t is not None:
                    stored_ids.append((table, key, t))
    for chain in model.query_chains:
        if chain.table is None:
            continue
        for step in chain.steps:
            if step.method != "withIndex":
                continue
            a = call_args(step.call)
            for op, field, eqcall in cx.index_eq_fields(a[1] if len(a) > 1 else None):
                ea = call_args(eqcall)
                if op == "eq" and len(ea) == 2:
                    t = _value_is_id(ea[1])
                    if t is not None:
                        stored_ids.append((chain.table, field, t))
    # the order of `_descendants(model.root, ...)` (a right-to-left pre-order walk): the reverse of a
    # left-to-right post-order, i.e. by end descending, a contained node after its container
    as_nodes = sorted(model.nodes_of_type("as_expression"), key=lambda n: (n.end_byte, -n.start_byte), reverse=True)
    for node in as_nodes:
        inner = unwrap(node.named_children[0]) if node.named_children else None
        t = id_type_table(node.named_children[-1] if len(node.named_children) > 1 else None)
        if t is not None and not t[1] and inner is not None and inner.type == "member_expression":
            member_ids.append((text(inner.child_by_field_name("property")), t[0]))
    return {"helper_params": helper_params, "member_ids": member_ids, "stored_ids": stored_ids}


def _value_is_id(val: Optional[Node]) -> Optional[str]:
    """`doc._id` -> UNKNOWN, `x as Id<"t">` -> "t"; None when the value says nothing."""
    if val is None:
        return None
    v = val
    while v.type in ("parenthesized_expression", "non_null_expression"):
        v = v.named_children[0]
    if v.type == "as_expression":
        t = id_type_table(v.named_children[-1] if len(v.named_children) > 1 else None)
        return t[0] if t is not None and not t[1] else None
    v = unwrap(v)
    if v is not None and v.type == "member_expression" and text(v.child_by_field_name("property")) == "_id":
        return UNKNOWN
    return None


def _defined_tables(ctx, names: set[str]):
    """(table name, field pairs) of every `defineTable({...})` of this file the schema knows."""
    schema = ctx.schema
    if schema is None:
        return
    entries = ctx.facts.schema.entries if ctx.facts.schema is not None else []
    ref_to_table = {e.ref: e.name for e in entries if e.kind == "ref" and e.ref}
    for call in ctx.model.calls_named("defineTable"):
        fn = call.child_by_field_name("function")
        if fn is None or fn.type != "identifier" or text(fn) != "defineTable":
            continue
        a = call_args(call)
        obj = unwrap(a[0]) if a else None
        vc = validator_call(obj, names)
        if vc is not None and vc[0] == "object":
            inner = call_args(vc[1])
            obj = unwrap(inner[0]) if inner else None
        if obj is None or obj.type != "object":
            continue
        outer = call
        while outer.parent is not None and outer.parent.type == "member_expression" and outer.parent.parent \
                is not None and outer.parent.parent.type == "call_expression":
            outer = outer.parent.parent
        p = outer.parent
        tname = None
        if p is not None and p.type == "pair":
            key = p.child_by_field_name("key")
            tname = string_value(key) if key.type == "string" else text(key)
        elif p is not None and p.type == "variable_declarator":
            tname = ref_to_table.get(text(p.child_by_field_name("name")))
        if tname and schema.table(tname) is not None and schema.table(tname).file == ctx.path:
            yield tname, object_pairs(obj)


def _field_evidence(ctx, table: str, field: str, target: str) -> bool:
    schema = ctx.schema
    # a property name is only telling when this table alone has a field called so
    owners = [t for t, tf in schema.tables.items() if field in tf.fields]
    unique = owners == [table]
    d = ctx.functions_dir
    for f in ctx.index.files_in(d.path) if d is not None else ctx.index.facts.values():
        ex = f.extra.get("string_id_validator")
        if not ex:
            continue
        for t, fld, idt in ex.get("stored_ids", ()):
            if t == table and fld == field and idt in (UNKNOWN, target):
                return True
        if unique:
            for prop, idt in ex.get("member_ids", ()):
                if prop == field and idt in (UNKNOWN, target):
                    return True
    return False


# ------------------------------------------------------------------ the rule
def _report(ctx, node: Node, name: str, table: str, array: bool, where: str):
    repl = f'v.id("{table}")'
    ctx.report(
        node,
        f"{where} `{name}` holds `{table}` document ids but is validated with `v.string()`; use `{repl}` "
        "so Convex checks the id and its type is `Id<\"" + table + "\">`",
        data={"start": node.start_byte, "end": node.end_byte, "replacement": repl, "table": table,
              "name": name, "array": array},
    )


def check(ctx):
    names = v_locals(ctx.model)
    schema = ctx.schema
    if not names or schema is None:
        return
    for reg, builder in ctx.registrations():
        if builder.kind == "http" or reg.handler is None or reg.handler.type not in FUNCTION_TYPES:
            continue
        args = unwrap(reg.value("args"))
        if args is None or args.type != "object":
            continue
        for key, pair in object_pairs(args).items():
            if pair.type != "pair":
                continue
            parsed = id_name(key)
            if parsed is None:
                continue
            x, array = parsed
            sv = string_validator(pair_value(pair), names, array)
            table = table_for(x, schema) if sv is not None else None
            if table is None:
                continue
            ev = _arg_evidence(ctx, reg.handler, key, array)
            if any(t in (UNKNOWN, table) for t in ev):
                _report(ctx, sv, key, table, array, "Argument")
    if ctx.facts.schema is None:
        return
    for tname, pairs in _defined_tables(ctx, names):
        for key, pair in pairs.items():
            if pair.type != "pair":
                continue
            parsed = id_name(key)
            if parsed is None or parsed[1]:
                continue  # arrays of ids stored in documents: the evidence is too indirect
            sv = string_validator(pair_value(pair), names, False)
            target = table_for(parsed[0], schema) if sv is not None else None
            if target is None:
                continue
            if _field_evidence(ctx, tname, key, target):
                _report(ctx, sv, key, target, False, f"Field `{tname}`.")


RULE = Rule(
    code="CVX106",
    name="string-id-validator",
    severity="warning",
    spec="§12 Rules for Agents",
    summary="Flags `v.string()` validating an argument or schema field named `<x>Id` (or `<x>Ids` with "
            "`v.array(v.string())`) when the schema has a table for `<x>` and the code treats the value as a "
            "document id of that table: it is passed to `db.get/patch/replace/delete`, cast to `Id<\"t\">`, "
            "compared with an `_id` or a `v.id(\"t\")` field, or stored into one. Identifiers from other systems "
            "kept as strings (an auth provider's user id, a payment customer id) carry no such evidence and "
            "are left alone.",
    why="A string validator accepts any text, so a malformed or foreign id reaches the handler and fails "
        "later (or reads the wrong table), and TypeScript sees `string` where `Id<\"t\">` belongs. "
        "`v.id(\"t\")` makes Convex check that the value is an id of that table (§12 MUST 6, §10).",
    bad="""export const rename = mutation({
  args: { channelId: v.string(), name: v.string() },
  returns: v.null(),
  handler: async (ctx, args) => {
    await ctx.db.patch(args.channelId as Id<"channels">, { name: args.name });
    return null;
  },
});""",
    good="""export const rename = mutation({
  args: { channelId: v.id("channels"), name: v.string() },
  returns: v.null(),
  handler: async (ctx, args) => {
    await ctx.db.patch(args.channelId, { name: args.name });
    return null;
  },
});""",
    fix_doc="Unsafe: replace `v.string()` with `v.id(\"<table>\")`. Existing documents or callers holding "
            "strings that are not ids of that table would start failing validation, so review before applying.",
    fix="unsafe",
    check=check,
)
