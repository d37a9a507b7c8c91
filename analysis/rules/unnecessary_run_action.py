"""CVX309 unnecessary-run-action."""

from __future__ import annotations

from .. import convex as cx
from ..registry import Rule
from ..runtime_util import ACTIONS, api_ref, belongs_to
from ..syntax import call_args
from ._calls import calls_named_within


def check(ctx):
    model = ctx.model
    here_node = ctx.facts.use_node
    for reg, b in ctx.registrations():
        if b.kind not in ACTIONS or reg.handler is None:
            continue
        for call in calls_named_within(model, reg.handler, "runAction"):
            if cx.ctx_call(call) != ("run", "runAction"):
                continue
            if model.registration_of(call) is not reg or not belongs_to(call, reg.handler):
                continue
            args = call_args(call)
            ref = api_ref(ctx, args[0] if args else None)
            if ref is None:
                continue
            target = ctx.index.function(ctx.path, ref[1])
            if target is None or target.kind != "action":
                continue
            if target.use_node != here_node:
                continue  # switching runtimes is what runAction is for
            runtime = "Node.js" if here_node else "default Convex"
            ctx.report(
                call,
                f"`ctx.runAction` to `{ref[0]}.{'.'.join(ref[1])}`, which runs in the same ({runtime}) runtime: "
                "this starts a separate action for nothing; call a plain TypeScript helper instead",
                data={"target": ".".join(ref[1]), "target_file": target.file, "use_node": here_node},
            )


RULE = Rule(
    code="CVX309",
    name="unnecessary-run-action",
    severity="warning",
    spec="§2 Layered Architecture",
    summary="Flags `ctx.runAction(api.x.f | internal.x.f, …)` from an action (or HTTP action) when the target "
            "action runs in the same runtime as the caller (both in `\"use node\"` files, or neither). Calls "
            "that switch runtime, and targets the index cannot resolve, are not reported.",
    why="`ctx.runAction` starts a whole new action invocation: extra latency, extra billing, its own memory "
        "and timeout, and arguments that are serialised and validated again. Its only real purpose is to "
        "reach the other runtime (Node.js from the default one). Within one runtime, share the logic as a "
        "plain async function both actions call (§2 Layer 3 orchestration, §8 model layer).",
    bad="""export const process = internalAction({
  args: { id: v.id("jobs") },
  handler: async (ctx, { id }) => {
    await ctx.runAction(internal.jobs.notify, { id });
  },
});""",
    good="""export const process = internalAction({
  args: { id: v.id("jobs") },
  handler: async (ctx, { id }) => {
    await notify(ctx, id); // a plain helper in convex/model/jobs.ts
  },
});""",
    fix_doc="No automatic fix: extract the target's handler into a helper and call it directly.",
    fix=None,
    check=check,
    needs_registrations=True,
)
