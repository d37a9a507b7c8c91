"""CVX308 side-effect-in-query."""

from __future__ import annotations

from .. import convex as cx
from ..registry import Rule
from ..runtime_util import belongs_to
from ._calls import calls_named_within

_WRITES = {"insert", "patch", "replace", "delete"}
# the callee names `effect_of` can accept
_EFFECTS = (*_WRITES, "runAfter", "runAt", "cancel", "runMutation", "runAction")


def effect_of(call) -> str | None:
    kind = cx.ctx_call(call)
    if kind is None:
        return None
    group, method = kind
    if group == "db" and method in _WRITES:
        return f"ctx.db.{method}"
    if group == "scheduler" and method in ("runAfter", "runAt", "cancel"):
        return f"ctx.scheduler.{method}"
    if group == "run" and method in ("runMutation", "runAction"):
        return f"ctx.{method}"
    return None


def check(ctx):
    model = ctx.model
    for reg, b in ctx.registrations():
        if b.kind != "query" or reg.handler is None:
            continue
        for call in calls_named_within(model, reg.handler, *_EFFECTS):
            what = effect_of(call)
            if what is None or model.registration_of(call) is not reg or not belongs_to(call, reg.handler):
                continue
            ctx.report(
                call,
                f"`{what}` in the {b.describe()} `{reg.fact.name or 'handler'}`: queries are read-only "
                "(the call fails at run time); do this in a mutation",
                data={"effect": what, "kind": b.kind},
            )


RULE = Rule(
    code="CVX308",
    name="side-effect-in-query",
    severity="error",
    spec="§1 Core Mental Model",
    summary="Flags writes (`ctx.db.insert/patch/replace/delete`), scheduling (`ctx.scheduler.*`) and "
            "`ctx.runMutation`/`ctx.runAction` inside a query handler, custom query builders and destructured "
            "contexts included.",
    why="Queries only read: they are cached, re-run whenever their data changes and may run many times for "
        "one client. Their context has no writer, scheduler or mutation runner, so the call throws (or a cast "
        "hides a real bug). Writes belong in a mutation, which the client calls explicitly (§1, §0 core "
        "invariants).",
    bad="""export const view = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const post = await ctx.db.get(id);
    await ctx.db.patch(id, { views: (post?.views ?? 0) + 1 });
    return post;
  },
});""",
    good="""export const get = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => await ctx.db.get(id),
});
export const recordView = mutation({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const post = await ctx.db.get(id);
    if (post) await ctx.db.patch(id, { views: post.views + 1 });
  },
});""",
    fix_doc="No automatic fix: move the write into a mutation the client calls.",
    fix=None,
    check=check,
    needs_registrations=True,
)
