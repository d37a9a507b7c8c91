"""CVX103 bare-handler-syntax."""

from __future__ import annotations

from ..registry import Rule
from ..syntax import FUNCTION_TYPES, function_params
from ..validators_util import function_can_fall_off, returns_value


def check(ctx):
    for reg, builder in ctx.registrations():
        if builder.kind == "http" or reg.fact.syntax != "bare" or reg.handler is None:
            continue
        h = reg.handler
        if h.type not in FUNCTION_TYPES:
            continue
        body = h.child_by_field_name("body")
        block = body is not None and body.type == "statement_block"
        ctx.report(
            reg.fact.span,
            f"{builder.describe().capitalize()} `{reg.fact.name or 'function'}` is defined with a bare handler "
            "function, so it has neither `args` nor `returns` validators; pass an object "
            "`{ args, returns, handler }` instead",
            data={
                "handler_start": h.start_byte,
                "handler_end": h.end_byte,
                "call_start": reg.call.start_byte,
                "call_end": reg.call.end_byte,
                "handler_params": len(function_params(h)),
                "returns_value": returns_value(h, ctx.model.src.data),
                "can_fall_off": function_can_fall_off(h),
                "body_end": body.end_byte if block else None,
                "kind": builder.kind,
            },
        )


RULE = Rule(
    code="CVX103",
    name="bare-handler-syntax",
    severity="error",
    spec="§10 Validator Requirements",
    summary="Flags a Convex function registered by passing the handler function itself "
            "(`query(async (ctx) => …)`) instead of a definition object. This one finding stands for the "
            "missing `args` and `returns` validators too (CVX101/CVX102 stay silent on such functions). "
            "HTTP actions, which take a bare handler by design, are exempt.",
    why="The bare form leaves no place for validators: arguments arrive unchecked and the result is "
        "undeclared. The object form is the one Convex documents, and it is where `args` and `returns` "
        "belong (§10, §12 MUST 1).",
    bad="""export const count = query(async (ctx) => {
  const rows = await ctx.db.query("tasks").take(100);
  return rows.length;
});""",
    good="""export const count = query({
  args: {},
  returns: v.number(),
  handler: async (ctx) => {
    const rows = await ctx.db.query("tasks").take(100);
    return rows.length;
  },
});""",
    fix_doc="Safe: wrap the handler into `{ args: {}, handler: … }` keeping its text byte for byte, adding "
            "`returns: v.null()` (and a final `return null;`) when the handler never returns a value.",
    fix="safe",
    check=check,
    needs_registrations=True,
)
