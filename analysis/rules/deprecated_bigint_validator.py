"""CVX105 deprecated-bigint-validator."""

from __future__ import annotations

from ..registry import Rule
from ..validators_util import v_member_names, validator_members


def check(ctx):
    names = v_member_names(ctx.model)
    if names is not None and "bigint" not in names:
        return  # (exact: no `v.bigint` member can be in the file, see v_member_names)
    for member, name in validator_members(ctx.model):
        if name != "bigint":
            continue
        prop = member.child_by_field_name("property")
        call = member.parent if member.parent is not None and member.parent.type == "call_expression" \
            and member.parent.child_by_field_name("function").id == member.id else None
        node = call if call is not None else member
        ctx.report(
            node,
            "`v.bigint()` is deprecated; use `v.int64()`, which validates the same 64-bit integers",
            data={"prop_start": prop.start_byte, "prop_end": prop.end_byte, "replacement": "int64"},
        )


RULE = Rule(
    code="CVX105",
    name="deprecated-bigint-validator",
    severity="warning",
    spec="§10 Validator Requirements",
    summary="Flags `v.bigint()` from `convex/values`, wherever it is used (arguments, return validators, "
            "schema fields).",
    why="`v.bigint()` is the old name of the signed 64-bit integer validator; it is deprecated and kept "
        "only for compatibility. `v.int64()` is the same validator under its current name (§10, "
        "§12 MUST NOT 6).",
    bad="""counters: defineTable({ total: v.bigint() }),""",
    good="""counters: defineTable({ total: v.int64() }),""",
    fix_doc="Safe: rename `bigint` to `int64`; the accepted values are identical.",
    fix="safe",
    tags=("deprecated",),
    check=check,
)
