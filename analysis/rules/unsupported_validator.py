"""CVX108 unsupported-validator."""

from __future__ import annotations

import difflib

from ..registry import Rule
from ..validators_util import V_MEMBERS, validator_members

_HINTS = {
    "map": "use `v.record(keys, values)` or an array of pairs",
    "set": "use `v.array(...)`",
    "date": "store a timestamp with `v.number()`",
    "undefined": "use `v.optional(...)` for a field that may be absent, or `v.null()`",
    "int": "use `v.int64()` (a bigint) or `v.number()`",
    "integer": "use `v.int64()` (a bigint) or `v.number()`",
    "float": "use `v.number()`",
    "bool": "use `v.boolean()`",
    "enum": "use `v.union(v.literal(...), ...)`",
    "tuple": "use `v.array(...)` or `v.object(...)`",
}


def check(ctx):
    for member, name in validator_members(ctx.model):
        if name in V_MEMBERS:
            continue
        prop = member.child_by_field_name("property")
        parent = member.parent
        node = parent if parent is not None and parent.type == "call_expression" \
            and parent.child_by_field_name("function").id == member.id else member
        close = difflib.get_close_matches(name, sorted(V_MEMBERS), n=3, cutoff=0.6)
        hint = _HINTS.get(name) or (f"did you mean `v.{close[0]}`?" if close else "")
        ctx.report(
            node,
            f"`v.{name}` is not a validator of `convex/values`" + (f"; {hint}" if hint else ""),
            data={"member": name, "prop_start": prop.start_byte, "prop_end": prop.end_byte,
                  "candidates": close},
        )


RULE = Rule(
    code="CVX108",
    name="unsupported-validator",
    severity="error",
    spec="§10 Validator Requirements",
    summary="Flags `v.<name>` where `v` is the validator object imported from `convex/values` and `<name>` "
            "is not one of its members (`v.map()`, `v.set()`, `v.date()`, typos). Only the `v` imported from "
            "`convex/values` is checked; a local variable called `v` is not.",
    why="Convex values have no Map, Set or Date types, and a missing member is a TypeScript error at best and "
        "a crash when the module loads at worst (the deploy fails). The supported validators are listed "
        "in §10.",
    bad="""args: { tags: v.set(v.string()), seenAt: v.date() },""",
    good="""args: { tags: v.array(v.string()), seenAt: v.number() },""",
    fix_doc="No automatic fix: the right replacement depends on how the data is meant to be stored.",
    fix=None,
    check=check,
)
