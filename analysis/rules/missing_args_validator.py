"""CVX102 missing-args-validator."""

from __future__ import annotations

from ..registry import Rule
from ..syntax import FUNCTION_TYPES, function_params


def handler_param_count(handler) -> int | None:
    if handler is None or handler.type not in FUNCTION_TYPES:
        return None
    return len(function_params(handler))


def check(ctx):
    for reg, builder in ctx.registrations():
        if builder.kind == "http" or reg.fact.syntax != "object" or reg.fact.has_args:
            continue
        if reg.config is None or any(c.type == "spread_element" for c in reg.config.named_children):
            continue  # `...shared` may supply `args`
        nparams = handler_param_count(reg.handler)
        ctx.report(
            reg.fact.span,
            f"{builder.describe().capitalize()} `{reg.fact.name or 'function'}` has no `args` validator, so "
            "its arguments are not checked at run time; declare them (`args: {}` when it takes none)",
            data={
                "config_start": reg.config.start_byte,
                "config_end": reg.config.end_byte,
                "insert_at": reg.config.start_byte + 1,
                "handler_start": reg.handler.start_byte if reg.handler is not None else None,
                "handler_params": nparams,
                # `args: {}` is only right when the handler ignores its second parameter
                "safe": nparams is not None and nparams <= 1,
                "kind": builder.kind,
            },
        )


RULE = Rule(
    code="CVX102",
    name="missing-args-validator",
    severity="error",
    spec="§10 Validator Requirements",
    summary="Flags a Convex function defined with an object (any builder, custom builders included) that has "
            "no `args` key. HTTP actions are exempt; a definition that spreads another object is skipped "
            "because the spread may supply `args`.",
    why="Convex only validates what a function declares: without `args` any client can call it with any "
        "value, and the handler's parameter types are a promise nobody checks. Declaring the arguments "
        "(even `args: {}`) makes Convex reject malformed calls before the handler runs (§10, §1).",
    bad="""export const archive = mutation({
  returns: v.null(),
  handler: async (ctx, { taskId }) => {
    await ctx.db.patch(taskId, { archived: true });
    return null;
  },
});""",
    good="""export const archive = mutation({
  args: { taskId: v.id("tasks") },
  returns: v.null(),
  handler: async (ctx, { taskId }) => {
    await ctx.db.patch(taskId, { archived: true });
    return null;
  },
});""",
    fix_doc="Safe when the handler takes only the context parameter: insert `args: {}` at the start of the "
            "definition object. When the handler reads arguments, no fix is offered: their validators have to "
            "be written by hand.",
    fix="safe",
    check=check,
    needs_registrations=True,
)
