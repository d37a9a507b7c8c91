"""CVX215 pagination-opts-validator."""

from __future__ import annotations

from typing import Optional

from tree_sitter import Node

from ..convex import _binding_of
from ..registry import Rule
from ..syntax import (call_args, function_params, member_chain, object_pairs, pair_value, param_pattern, string_value,
                      text, unwrap)
from .multiple_paginate import paginate_calls

# the fields `paginationOptsValidator` accepts; a hand-written object of only these is a narrower copy
PAGINATION_FIELDS = frozenset({"numItems", "cursor", "endCursor", "id", "maximumRowsRead", "maximumBytesRead"})
# the fields a rebuilt `{ numItems, cursor }` object drops
DROPPED = ("endCursor", "id", "maximumRowsRead", "maximumBytesRead")


def _is_convex_validator(node) -> bool:
    """`v.something(…)` (the `v` of convex/values)."""
    node = unwrap(node)
    if node is None or node.type != "call_expression":
        return False
    chain = member_chain(node.child_by_field_name("function"))
    return bool(chain) and len(chain) == 2 and chain[0] == "v"


def _arg_name(opts: Node, handler: Node) -> Optional[str]:
    """The `args` field a `.paginate(x)` argument reads: `args.opts`, or `opts` destructured from the
    handler's second parameter."""
    opts = unwrap(opts)
    params = function_params(handler)
    if opts is None or len(params) < 2:
        return None
    pat = param_pattern(params[1])
    if opts.type == "member_expression":
        obj = unwrap(opts.child_by_field_name("object"))
        if obj is not None and obj.type == "identifier" and pat.type == "identifier" and text(obj) == text(pat):
            return text(opts.child_by_field_name("property"))
        return None
    if opts.type == "identifier" and pat.type == "object_pattern":
        found = _binding_of(text(opts), opts)
        if found is None or found[0].id != handler.id:
            return None
        for sub in pat.named_children:
            if sub.type == "shorthand_property_identifier_pattern" and text(sub) == text(opts):
                return text(sub)
            if sub.type == "pair_pattern" and text(sub.child_by_field_name("value")) == text(opts):
                key = sub.child_by_field_name("key")
                return string_value(key) if key.type == "string" else text(key)
    return None


def _validator_problem(val: Node) -> Optional[tuple[str, bool]]:
    """(what is wrong, whether `paginationOptsValidator` is a safe replacement) for a validator of a
    paginated function's options; None when it is `paginationOptsValidator` or not known."""
    val = unwrap(val)
    if not _is_convex_validator(val):
        return None  # paginationOptsValidator, a shared const, a zod schema...: not ours to judge
    method = text(val.child_by_field_name("function").child_by_field_name("property"))
    if method == "any":
        return "`v.any()` accepts anything", False
    if method == "object":
        args = call_args(val)
        obj = unwrap(args[0]) if args else None
        if obj is None or obj.type != "object":
            return None
        keys = set(object_pairs(obj))
        if "numItems" not in keys or any(c.type == "spread_element" for c in obj.named_children):
            return None
        return "a hand-written copy misses fields the client sends (`endCursor`, `maximumRowsRead`…)", \
            keys <= PAGINATION_FIELDS
    return None


def _rebuilt_from(obj: Node) -> Optional[str]:
    """For `.paginate({ numItems: o.numItems, cursor: o.cursor })` with no spread: the text of `o`."""
    if obj.type != "object" or any(c.type == "spread_element" for c in obj.named_children):
        return None
    pairs = object_pairs(obj)
    if "numItems" not in pairs or "cursor" not in pairs:
        return None
    source = None
    for key, pair in pairs.items():
        if key not in PAGINATION_FIELDS or pair.type != "pair":
            return None
        val = unwrap(pair_value(pair))
        if val is not None and val.type == "member_expression" and text(val.child_by_field_name("property")) == key:
            src = text(val.child_by_field_name("object"))
            if source is not None and src != source:
                return None
            source = src
    if source is None or not source.split(".")[-1].lower().endswith(("paginationopts", "opts", "options")):
        return None
    return source


def check(ctx):
    pag = paginate_calls(ctx.model)
    if not pag:
        return
    for reg, b in ctx.registrations():
        if reg.handler is None or b.kind not in ("query", "mutation"):
            continue
        args_obj = unwrap(reg.value("args"))
        arg_pairs = object_pairs(args_obj) if args_obj is not None and args_obj.type == "object" else {}
        for call in ctx.model.calls_within(reg.handler):
            if call.id not in pag:
                continue
            a = call_args(call)
            if not a:
                continue
            opts = unwrap(a[0])
            rebuilt = _rebuilt_from(opts) if opts is not None else None
            if rebuilt is not None:
                missing = [f for f in DROPPED if f not in object_pairs(opts)]
                ctx.report(opts, f"`.paginate` gets a copy of `{rebuilt}` rebuilt field by field, which drops "
                                 f"{', '.join(f'`{m}`' for m in missing)}: pass `{rebuilt}` through as it is "
                                 "(the client's `endCursor` keeps pages stable)",
                           data={"kind": "rebuilt", "opts": rebuilt, "obj_start": opts.start_byte,
                                 "obj_end": opts.end_byte})
                continue
            name = _arg_name(opts, reg.handler) if opts is not None else None
            pair = arg_pairs.get(name) if name else None
            if pair is None or pair.type != "pair":
                continue
            val = unwrap(pair_value(pair))
            problem = _validator_problem(val)
            if problem is None:
                continue
            what, safe = problem
            ctx.report(val, f"`{name}` is passed to `.paginate` but validated by {text(val.child_by_field_name('function'))}"
                            f"(…): {what}; validate it with `paginationOptsValidator` from \"convex/server\"",
                       data={"kind": "validator", "arg": name, "safe": safe, "validator_start": val.start_byte,
                             "validator_end": val.end_byte})


RULE = Rule(
    code="CVX215",
    name="pagination-opts-validator",
    severity="warning",
    spec="§10 Validator Requirements",
    summary="Flags a query or mutation that passes one of its arguments to `.paginate(…)` while validating it "
            "with a hand-written `v.object({ numItems, cursor, … })` or `v.any()` instead of "
            "`paginationOptsValidator`, and a `.paginate({ numItems: opts.numItems, cursor: opts.cursor })` "
            "that rebuilds the options field by field. Validators it cannot read (a shared const, a zod schema) "
            "are left alone.",
    why="`usePaginatedQuery` sends more than `numItems` and `cursor`: `endCursor` (so a reactive page keeps "
        "its bounds when documents are inserted), `id`, and read limits. A narrower validator rejects those "
        "calls, `v.any()` accepts anything, and a rebuilt object silently drops them, so pages overlap or skip "
        "documents (§10).",
    bad="""export const list = query({
  args: { paginationOpts: v.object({ numItems: v.number(), cursor: v.union(v.string(), v.null()) }) },
  handler: (ctx, { paginationOpts }) => ctx.db.query("messages").order("desc").paginate(paginationOpts),
});""",
    good="""import { paginationOptsValidator } from "convex/server";
export const list = query({
  args: { paginationOpts: paginationOptsValidator },
  handler: (ctx, { paginationOpts }) => ctx.db.query("messages").order("desc").paginate(paginationOpts),
});""",
    fix_doc="Safe: replace a hand-written `v.object` of pagination fields with `paginationOptsValidator`, adding "
            "its import from \"convex/server\" (unsafe for `v.any()`, which accepted more). Unsafe: pass the "
            "options object through instead of rebuilding it (`{ ...opts, numItems: … }` keeps a changed "
            "field).",
    fix="safe/unsafe",
    check=check,
    needs_registrations=True,
)
