"""CVX101 missing-returns-validator."""

from __future__ import annotations

from ..registry import Rule
from ..syntax import FUNCTION_TYPES
from ..validators_util import function_can_fall_off


def check(ctx):
    for reg, builder in ctx.registrations():
        if builder.kind == "http" or reg.fact.syntax != "object" or reg.fact.has_returns:
            continue
        if reg.config is None or any(c.type == "spread_element" for c in reg.config.named_children):
            continue  # `...shared` may supply `returns`
        args_pair = reg.pairs.get("args")
        h = reg.handler
        falls_off = h is not None and h.type in FUNCTION_TYPES and function_can_fall_off(h)
        ctx.report(
            reg.fact.span,
            f"{builder.describe().capitalize()} `{reg.fact.name or 'function'}` has no `returns` validator; "
            "declare what it returns (`v.null()` when it returns nothing"
            + (", and end the handler with `return null;`: it can reach its end without a `return`)" if falls_off
               else ")"),
            data={
                "config_start": reg.config.start_byte,
                "config_end": reg.config.end_byte,
                "args_end": args_pair.end_byte if args_pair is not None else None,
                "handler_start": reg.handler.start_byte if reg.handler is not None else None,
                "handler_end": reg.handler.end_byte if reg.handler is not None else None,
                "kind": builder.kind,
            },
        )


RULE = Rule(
    code="CVX101",
    name="missing-returns-validator",
    severity="error",
    spec="§10 Validator Requirements",
    summary="Flags a Convex function (any builder, custom builders included) whose definition object has no "
            "`returns` key. HTTP actions are exempt: they return a `Response`. One problem, one diagnostic: when "
            "such a handler can also fall off its end, this finding says so and its fix adds the `return null;` "
            "too (CVX104 reports only handlers whose declared `returns` admits null).",
    why="Without a `returns` validator the function's result is neither checked at run time nor described "
        "to callers; a handler that changes what it returns silently breaks clients. The spec requires a "
        "`returns` validator on every function, `v.null()` when it returns nothing (§10, §12 MUST 1).",
    bad="""export const list = query({
  args: {},
  handler: async (ctx) => {
    await ctx.db.query("tasks").take(10);
  },
});""",
    good="""export const list = query({
  args: {},
  returns: v.null(),
  handler: async (ctx) => {
    await ctx.db.query("tasks").take(10);
    return null;
  },
});""",
    fix_doc="Safe: insert `returns: v.null()` after `args` when the handler never returns a value, adding "
            "`return null;` where it can fall off its end (for a zod builder such as `zCustomQuery`, "
            "`returns: z.null()`, or no fix when the file has no `z`). When every return is inferred (the "
            "analysis CVX113 uses: documents from the schema, `.first()`/`.unique()` with `null`, "
            "`.collect()` arrays, inserted ids, object literals, document fields, helpers across files), the "
            "inferred validator is offered as an unsafe fix: `paginationResultValidator(...)` for a "
            "paginated query, the schema's named constant for a table's documents where there is one "
            "(`v.object({ ...taskFields, _id, _creationTime })`), laid out over lines like the code around it. "
            "Zod builders never get a `v` validator.",
    fix="safe/unsafe",
    check=check,
    needs_registrations=True,
)
