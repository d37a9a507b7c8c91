"""CVX211 missing-table-name-in-db-call (opt-in, convex >= 1.31)."""

from __future__ import annotations


from .. import lazy_re
from ..convex import ctx_call
from ..convex_versions import version_of
from ..registry import Rule
from ..syntax import (FUNCTION_TYPES, call_args, function_params, object_pairs, pair_value, param_pattern,
                      param_type_text, string_value, text, unwrap)

# the explicit-table overloads of db.get/patch/replace/delete shipped in convex 1.31.0
OLD_ARITY = {"get": 1, "delete": 1, "patch": 2, "replace": 2}
_ID_TYPE_RE = lazy_re.compile(r"^(?:Id|GenericId)<\s*[\"']([A-Za-z0-9_]+)[\"']\s*>$")
_VID_RE = lazy_re.compile(r"^v\.id\(\s*[\"']([A-Za-z0-9_]+)[\"']\s*\)$")


def _table_of_id(ctx, arg) -> str | None:
    """The table an id expression belongs to, when its type or validator says so."""
    while arg is not None and arg.type in ("parenthesized_expression", "non_null_expression", "as_expression",
                                           "satisfies_expression"):
        kids = arg.named_children
        if arg.type == "as_expression" and len(kids) == 2:
            m = _ID_TYPE_RE.match(text(kids[1]).strip())
            if m:
                return m.group(1)
        arg = kids[0] if kids else None
    if arg is None:
        return None
    # `args.x` / destructured `x` of a registration whose args declare `x: v.id("t")`
    name = None
    if arg.type == "member_expression":
        obj = unwrap(arg.child_by_field_name("object"))
        if obj is not None and obj.type == "identifier":
            name = text(arg.child_by_field_name("property"))
    elif arg.type == "identifier":
        name = text(arg)
        # a parameter typed Id<"t">
        cur = arg.parent
        while cur is not None:
            if cur.type in FUNCTION_TYPES:
                for p in function_params(cur):
                    pat = param_pattern(p)
                    if pat.type == "identifier" and text(pat) == name:
                        m = _ID_TYPE_RE.match(param_type_text(p))
                        if m:
                            return m.group(1)
            cur = cur.parent
    if name is None:
        return None
    reg = ctx.model.registration_of(arg)
    if reg is None:
        return None
    args_obj = unwrap(reg.value("args"))
    if args_obj is None or args_obj.type != "object":
        return None
    pair = object_pairs(args_obj).get(name)
    if pair is None or pair.type != "pair":
        return None
    m = _VID_RE.match(text(pair_value(pair)).strip())
    return m.group(1) if m else None


def check(ctx):
    d = ctx.functions_dir
    if d is None or not version_of(d).has("db-table-name-argument"):
        return
    for call in ctx.model.calls_named(*OLD_ARITY):
        kind = ctx_call(call)
        if kind is None or kind[0] != "db" or kind[1] not in OLD_ARITY:
            continue
        args = call_args(call)
        if len(args) != OLD_ARITY[kind[1]] or any(a.type == "spread_element" for a in args):
            continue
        if string_value(args[0]) is not None:
            continue
        table = _table_of_id(ctx, args[0])
        fn = call.child_by_field_name("function")
        ctx.report(
            call,
            f"`db.{kind[1]}` without the table name: pass it first "
            f"(`db.{kind[1]}(\"{table or '<table>'}\", …)`) so the id is checked against that table",
            data={"method": kind[1], "table": table, "insert_at": args[0].start_byte,
                  "callee_end": fn.end_byte if fn is not None else None},
        )


RULE = Rule(
    code="CVX211",
    name="missing-table-name-in-db-call",
    severity="off",
    spec="§13 Quick Reference",
    summary="Opt-in. Flags `db.get(id)`, `db.patch(id, …)`, `db.replace(id, …)` and `db.delete(id)` written "
            "without the table name first, but only in projects whose `convex` version (installed, else package.json's "
            "exact version, else the lockfile's, else the lowest version the package.json range allows; the newest "
            "known release when none is named) is 1.31 or later, where "
            "`db.get(\"table\", id)` and its siblings exist.",
    why="Naming the table makes the call state which table it touches and lets Convex verify the id belongs "
        "to it, which matters when ids arrive as plain strings; the implicit form is slated for "
        "deprecation (§13).",
    bad="""const task = await ctx.db.get(args.taskId);
await ctx.db.patch(args.taskId, { done: true });""",
    good="""const task = await ctx.db.get("tasks", args.taskId);
await ctx.db.patch("tasks", args.taskId, { done: true });""",
    fix_doc="Unsafe: insert the table name as the first argument when the id's validator (`v.id(\"t\")` in "
            "`args`) or type (`Id<\"t\">`) names it.",
    fix="unsafe",
    check=check,
)
