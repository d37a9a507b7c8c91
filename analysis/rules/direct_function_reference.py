"""CVX403 direct-function-reference."""

from __future__ import annotations

from .. import convex as cx
from ..registry import Rule
from ..syntax import member_chain, text, unwrap
from ._refs import function_refs, registration_named


def _target(ctx, node):
    node = unwrap(node)
    if node is None:
        return None
    if node.type == "identifier":
        name = text(node)
        if cx._binding_of(name, node) is not None:
            return None  # a parameter of an enclosing function
        return registration_named(ctx.index, ctx.path, name)
    if node.type == "member_expression":
        chain = member_chain(node)
        if not chain or len(chain) != 2:
            return None
        imp = ctx.facts.import_of(chain[0])
        if imp is None or imp.imported != "*" or imp.type_only:
            return None
        target = ctx.index.resolve_module(ctx.path, imp.source)
        if target is None:
            return None
        found = ctx.index.resolve_export(target, chain[1])
        return registration_named(ctx.index, found[0], found[1]) if found else None
    return None


def check(ctx):
    for ref in function_refs(ctx.model):
        if ref.root is not None:
            continue
        hit = _target(ctx, ref.node)
        if hit is None:
            continue
        path, reg, builder = hit
        if builder.kind == "http":
            continue
        where = "a cron job" if ref.how.startswith("cron.") else f"`{ref.how}`"
        vis = "internal" if builder.visibility == "internal" else "api"
        tf = ctx.index.facts.get(path)
        module = tf.module.replace("/", ".") if tf is not None and tf.module else "<module>"
        ctx.report(
            ref.node,
            f"`{text(ref.node)}` is the {builder.describe()} itself; {where} needs a function reference "
            f"(`{vis}.{module}.{reg.name}`), not the function value",
            data={"target_file": path, "suggestion": f"{vis}.{module}.{reg.name}", "name": reg.name, "visibility": builder.visibility, "how": ref.how},
        )


RULE = Rule(
    code="CVX403",
    name="direct-function-reference",
    severity="error",
    spec="§13 Quick Reference",
    summary="Flags a Convex function value (a registration of this file, or one imported from another "
            "module) passed to `ctx.runQuery/runMutation/runAction`, `ctx.scheduler.runAfter/runAt` or a "
            "`crons.*` job where an `api.*`/`internal.*` reference is expected.",
    why="These calls identify the target by its reference (`internal.jobs.process`), which Convex resolves to "
        "a function path. The exported registration object is not a reference: the call fails when it "
        "runs (§7, §13).",
    bad="""import { process } from "./jobs";
await ctx.scheduler.runAfter(0, process, { jobId });""",
    good="""import { internal } from "./_generated/api";
await ctx.scheduler.runAfter(0, internal.jobs.process, { jobId });""",
    fix_doc="No automatic fix.",
    fix=None,
    check=check,
)
