"""CVX404 missing-access-control (opt-in)."""

from __future__ import annotations

from ..registry import Rule
from ._identity import helper_authenticates, uses_custom_ctx_members


def _checks_identity(ctx, reg) -> bool:
    if reg.fact.authenticates:
        return True
    if any(helper_authenticates(ctx.index, ctx.path, c) for c in reg.fact.calls):
        return True
    if reg.handler is not None and uses_custom_ctx_members(reg.handler):
        return True
    return False


def check(ctx):
    d = ctx.functions_dir
    if d is not None and d.kind == "component":
        return  # a component's public functions are called by the app that installs it, not by clients
    for reg, builder in ctx.registrations():
        if builder.visibility != "public" or builder.kind == "http" or builder.authenticates:
            continue
        if _checks_identity(ctx, reg):
            continue
        ctx.report(
            reg.fact.span,
            f"Public {builder.kind} `{reg.fact.name or 'function'}` never checks who is calling it "
            "(no `ctx.auth.getUserIdentity()`, no auth helper, no authenticating builder); any client can call it",
            data={"kind": builder.kind, "name": reg.fact.name},
        )


RULE = Rule(
    code="CVX404",
    name="missing-access-control",
    severity="off",
    spec="§2 Layered Architecture",
    summary="Opt-in. Flags a public query, mutation or action whose handler never establishes the caller's "
            "identity: no `ctx.auth.getUserIdentity()`, no helper named like `requireUser`/`ensure…`/"
            "`assert…`/`check…`/`get…User…` (followed into model-layer helpers), and no custom builder that "
            "authenticates. Internal functions, HTTP actions and components (whose public functions only the installing app can call) are not checked.",
    why="Public functions are the client surface: anyone holding the deployment URL can call them. The "
        "layered design puts the authentication check in that thin public layer before delegating to "
        "internal primitives (§1, §2, §9.4). Many apps legitimately expose public data, which is why this "
        "rule is opt-in.",
    bad="""export const deleteProject = mutation({
  args: { id: v.id("projects") },
  returns: v.null(),
  handler: async (ctx, { id }) => {
    await ctx.db.delete(id);
    return null;
  },
});""",
    good="""export const deleteProject = mutation({
  args: { id: v.id("projects") },
  returns: v.null(),
  handler: async (ctx, { id }) => {
    const user = await requireUser(ctx);
    await Projects.deleteOwned(ctx, user._id, id);
    return null;
  },
});""",
    fix_doc="No automatic fix.",
    fix=None,
    check=check,
    needs_registrations=True,
)
