"""CVX110 reserved-field-name."""

from __future__ import annotations

from typing import Iterator

from tree_sitter import Node

from ..registry import Rule
from ..syntax import call_args, member_chain, string_value, text, unwrap


def _v_call(node, name: str) -> bool:
    node = unwrap(node)
    if node is None or node.type != "call_expression":
        return False
    return member_chain(node.child_by_field_name("function")) == ["v", name]


def _keys(obj: Node) -> Iterator[tuple[str, Node]]:
    """(name, key node) for the plain keys of an object literal."""
    for child in obj.named_children:
        if child.type == "pair":
            key = child.child_by_field_name("key")
            if key is None:
                continue
            if key.type == "string":
                name = string_value(key)
            elif key.type == "property_identifier":
                name = text(key)
            else:
                continue  # computed keys
            if name is not None:
                yield name, key


def _document_objects(arg) -> Iterator[Node]:
    """The object literals that give a table's top-level fields: `defineTable({...})`,
    `defineTable(v.object({...}))`, and each `v.object` of `defineTable(v.union(...))`."""
    arg = unwrap(arg)
    if arg is None:
        return
    if arg.type == "object":
        yield arg
    elif _v_call(arg, "object"):
        inner = call_args(arg)
        if inner and unwrap(inner[0]) is not None and unwrap(inner[0]).type == "object":
            yield unwrap(inner[0])
    elif _v_call(arg, "union"):
        for member in call_args(arg):
            yield from _document_objects(member) if _v_call(member, "object") else ()


def check(ctx):
    if ctx.functions_dir is None:
        return
    reported: set[int] = set()

    def report(key: Node, name: str, where: str) -> None:
        if key.start_byte in reported:
            return
        reported.add(key.start_byte)
        if name.startswith("$"):
            why = "field names starting with `$` are reserved by Convex and rejected in every value"
        else:
            why = "top-level field names starting with `_` are reserved for system fields (`_id`, `_creationTime`)"
        ctx.report(key, f"`{name}` {where}: {why}; rename it", data={"field": name})

    data = ctx.model.src.data
    tables = b"defineTable" in data
    if not tables and b"$" not in data:
        return  # no table, and no key starting with `$`
    for call in ctx.model.calls_named("defineTable", "object", "record"):
        fn = call.child_by_field_name("function")
        if tables and fn is not None and fn.type == "identifier" and text(fn) == "defineTable":
            args = call_args(call)
            for obj in _document_objects(args[0] if args else None):
                for name, key in _keys(obj):
                    if name.startswith(("_", "$")):
                        report(key, name, "is a table field")
        elif data.find(b"$", call.start_byte, call.end_byte) == -1:
            continue  # no key of this `v.object({…})` / `v.record(…)` can start with `$`
        elif _v_call(call, "object"):
            args = call_args(call)
            obj = unwrap(args[0]) if args else None
            if obj is not None and obj.type == "object":
                for name, key in _keys(obj):
                    if name.startswith("$"):
                        report(key, name, "is an object field")
        elif _v_call(call, "record"):
            args = call_args(call)
            if args and _v_call(args[0], "literal"):
                lit = call_args(unwrap(args[0]))
                name = string_value(lit[0]) if lit else None
                if name is not None and name.startswith("$"):
                    report(lit[0], name, "is a record key")


RULE = Rule(
    code="CVX110",
    name="reserved-field-name",
    severity="error",
    spec="§10 Validator Requirements",
    summary="Flags a top-level field of a table (`defineTable({...})`, `defineTable(v.object({...}))`, each "
            "object of a `v.union`) whose name starts with `_` or `$`, and a key starting with `$` in any "
            "`v.object({...})` or `v.record(v.literal(\"$…\"), …)` validator. Document validators in `returns` "
            "and `args` may list `_id` and `_creationTime`: only `$` is reported there.",
    why="Convex reserves the `_` prefix for the system fields of a document (`_id`, `_creationTime`), so a "
        "schema that declares `_status` is refused when it is pushed; and no Convex value may have a field "
        "starting with `$` (it marks encoded types on the wire), so such a validator fails when a value "
        "crosses it (§10).",
    bad="""tasks: defineTable({
  _status: v.string(),
  meta: v.object({ $ref: v.string() }),
}),""",
    good="""tasks: defineTable({
  status: v.string(),
  meta: v.object({ ref: v.string() }),
}),""",
    fix_doc="No automatic fix: renaming a field changes every document and caller.",
    fix=None,
    check=check,
)
