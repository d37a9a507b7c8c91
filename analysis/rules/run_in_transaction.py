"""CVX310 run-in-transaction."""

from __future__ import annotations

from .. import convex as cx
from ..registry import Rule
from ..runtime_util import TRANSACTIONAL, api_ref, belongs_to, in_try_body
from ..syntax import call_args
from ._calls import calls_named_within


def check(ctx):
    model = ctx.model
    for reg, b in ctx.registrations():
        if b.kind not in TRANSACTIONAL or reg.handler is None:
            continue
        for call in calls_named_within(model, reg.handler, "runQuery", "runMutation"):
            kind = cx.ctx_call(call)
            if kind not in (("run", "runQuery"), ("run", "runMutation")):
                continue
            if model.registration_of(call) is not reg or not belongs_to(call, reg.handler):
                continue
            args = call_args(call)
            ref = api_ref(ctx, args[0] if args else None)
            if ref is None:
                continue  # components (`components.x.f`) can only be reached this way
            if b.kind == "query" and kind[1] == "runMutation":
                continue  # CVX308 side-effect-in-query
            if in_try_body(call, reg.handler):
                continue  # partial rollback: the nested call's writes roll back on its own
            ctx.report(
                call,
                f"`ctx.{kind[1]}` inside the {b.describe()} `{reg.fact.name or 'handler'}` runs "
                f"`{ref[0]}.{'.'.join(ref[1])}` as a nested call with its own argument validation and overhead; "
                "call a shared helper function directly instead",
                data={"method": kind[1], "target": ".".join(ref[1]), "root": ref[0]},
            )


RULE = Rule(
    code="CVX310",
    name="run-in-transaction",
    severity="info",
    spec="§8 Model Layer Pattern",
    summary="Flags `ctx.runQuery(api|internal.…)` / `ctx.runMutation(api|internal.…)` inside a query or "
            "mutation handler. Calls inside the body of a `try` (the partial-rollback pattern) and calls into "
            "components (which have no other entry point) are not reported.",
    why="Inside a query or mutation you are already in a transaction: `ctx.run*` adds a nested function call "
        "with its own validation and bookkeeping, hides what the transaction reads and writes, and gains "
        "nothing over calling the same logic as a plain function from the model layer. The one exception is a "
        "nested mutation wrapped in `try`, used to roll back only part of the work (§8, §14 Pattern: Partial "
        "Rollback).",
    bad="""export const createTeam = mutation({
  args: { name: v.string() },
  handler: async (ctx, { name }) => {
    const user = await ctx.runQuery(internal.users.current, {});
    return await ctx.db.insert("teams", { name, ownerId: user._id });
  },
});""",
    good="""export const createTeam = mutation({
  args: { name: v.string() },
  handler: async (ctx, { name }) => {
    const user = await Users.current(ctx); // convex/model/users.ts
    return await ctx.db.insert("teams", { name, ownerId: user._id });
  },
});""",
    fix_doc="No automatic fix: move the target's logic into a model-layer helper and call it from both places.",
    fix=None,
    check=check,
    needs_registrations=True,
)
