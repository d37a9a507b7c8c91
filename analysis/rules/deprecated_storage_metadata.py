"""CVX312 deprecated-storage-metadata."""

from __future__ import annotations

from typing import Optional

from tree_sitter import Node

from .. import lazy_re
from ..convex import _binding_of, ctx_call
from ..convex_versions import version_of
from ..registry import Rule
from ..syntax import FUNCTION_TYPES, call_args, function_body, param_type_text, text, unwrap

# a helper whose ctx parameter is typed like this has `db` (query or mutation context)
_DB_CTX_TYPE_RE = lazy_re.compile(r"\b(?:Generic)?(?:Query|Mutation)Ctx\b")
# the fields of the old metadata object that a `_storage` document does not have
_OLD_ONLY_FIELDS = ("storageId",)


def _ctx_with_db(ctx, call: Node, ident: Node) -> bool:
    """Does the `ctx` this call is made on have a `db` (a query or mutation context)?"""
    fn = ctx.function_at(call)
    if fn is not None:
        return fn[1].kind in ("query", "mutation")
    found = _binding_of(text(ident), ident)
    if found is None:
        return False
    return bool(_DB_CTX_TYPE_RE.search(param_type_text(found[1])))


def _result_uses_only_common_fields(call: Node) -> bool:
    """Is the result read only through fields the `_storage` document also has (`meta.size`,
    `meta?.contentType`, a null check)? A result returned, passed on or read as `.storageId`
    changes shape with the rewrite."""
    node = call
    while node.parent is not None and node.parent.type in ("await_expression", "parenthesized_expression",
                                                            "non_null_expression"):
        node = node.parent
    parent = node.parent
    if parent is None:
        return False
    if parent.type == "expression_statement":
        return True
    if parent.type != "variable_declarator" or parent.child_by_field_name("value") is None \
            or parent.child_by_field_name("value").id != node.id:
        return False
    name_node = parent.child_by_field_name("name")
    if name_node.type == "object_pattern":
        keys = [text(c).split(":")[0].split("=")[0].strip() for c in name_node.named_children]
        return not any(k in _OLD_ONLY_FIELDS or k.startswith("...") for k in keys)
    if name_node.type != "identifier":
        return False
    name = text(name_node)
    scope = parent
    while scope is not None and scope.type not in FUNCTION_TYPES:
        scope = scope.parent
    body = function_body(scope) if scope is not None else None
    if body is None:
        return False
    for ident in _identifiers(body, name):
        if ident.id == name_node.id:
            continue
        p = ident.parent
        if p.type == "member_expression" and p.child_by_field_name("object").id == ident.id:
            if text(p.child_by_field_name("property")) in _OLD_ONLY_FIELDS:
                return False
            continue
        if p.type == "unary_expression" or (p.type == "binary_expression" and text(p.child_by_field_name("operator"))
                                            in ("===", "!==", "==", "!=", "&&", "||")):
            continue
        if p.type in ("if_statement", "parenthesized_expression") and p.parent is not None \
                and p.parent.type in ("if_statement", "while_statement", "ternary_expression"):
            continue
        return False  # returned, passed on, spread, reassigned...
    return True


def _identifiers(node: Node, name: str):
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "identifier" and text(n) == name:
            yield n
        stack.extend(n.children)


def _fix_data(ctx, call: Node) -> Optional[dict]:
    fn = call.child_by_field_name("function")
    obj = unwrap(fn.child_by_field_name("object"))  # ctx.storage
    if obj is None or obj.type != "member_expression":
        return None  # destructured `{ storage }`: no ctx to read `db` from
    ident = unwrap(obj.child_by_field_name("object"))
    if ident is None or ident.type != "identifier" or not _ctx_with_db(ctx, call, ident):
        return None
    args = call_args(call)
    if len(args) != 1 or args[0].type == "spread_element":
        return None
    return {"ctx": text(ident), "id_start": args[0].start_byte, "id_end": args[0].end_byte,
            "call_start": call.start_byte, "call_end": call.end_byte,
            "safe": _result_uses_only_common_fields(call),
            "explicit_table": version_of(ctx.functions_dir).has("db-table-name-argument")}


def replacement_text(data: dict, id_text: str) -> str:
    if data.get("explicit_table", True):
        return f"{data['ctx']}.db.system.get(\"_storage\", {id_text})"
    return f"{data['ctx']}.db.system.get({id_text})"


def check(ctx):
    for call in ctx.model.calls_named("getMetadata"):
        if ctx_call(call) != ("storage", "getMetadata"):
            continue
        data = _fix_data(ctx, call)
        if data is not None:
            msg = (f"`storage.getMetadata` is deprecated: read the file's `_storage` document with "
                   f"`{replacement_text(data, 'id')}`")
        else:
            msg = ("`storage.getMetadata` is deprecated: read the file's `_storage` document with "
                   "`ctx.db.system.get(\"_storage\", id)` (in an action, from a query run with `ctx.runQuery`)")
        ctx.report(call, msg, data=data or {})


RULE = Rule(
    code="CVX312",
    name="deprecated-storage-metadata",
    severity="warning",
    spec="§13 Quick Reference",
    summary="Flags `ctx.storage.getMetadata(id)` (any name of `ctx`, destructured `{ storage }` too). File "
            "metadata lives in the `_storage` system table: `ctx.db.system.get(\"_storage\", id)` returns the "
            "same `sha256`, `size` and `contentType` (with `_id` in place of `storageId`).",
    why="`storage.getMetadata` is deprecated in the Convex server API and will go away; the `_storage` system "
        "table is the supported way to read a file's metadata, and it is reactive like any other read in a "
        "query (§13 Database Operations).",
    bad="""const meta = await ctx.storage.getMetadata(args.fileId);
return meta?.size ?? 0;""",
    good="""const meta = await ctx.db.system.get("_storage", args.fileId);
return meta?.size ?? 0;""",
    fix_doc="Safe: rewrite the call to `ctx.db.system.get(\"_storage\", id)` (the one-argument "
            "`ctx.db.system.get(id)` for projects on convex before 1.31) when the call runs in a query or "
            "mutation and its result is read only through fields both shapes have (`size`, `sha256`, "
            "`contentType`, a null check). Unsafe when the result is returned, passed on, or read as "
            "`storageId` (the document names it `_id`). No fix in actions, which have no `ctx.db`.",
    fix="safe/unsafe",
    tags=("deprecated",),
    check=check,
)
