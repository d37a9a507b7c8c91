"""CVX502 use-node-non-action."""

from __future__ import annotations

from ..registry import Rule


def check(ctx):
    if not ctx.facts.use_node:
        return
    for reg, builder in ctx.registrations():
        if builder.kind not in ("query", "mutation"):
            continue
        ctx.report(
            reg.fact.span,
            f"{builder.describe().capitalize()} `{reg.fact.name or 'function'}` is defined in a \"use node\" file; "
            "only actions can run in the Node runtime, so move it to a file without the directive",
            data={"kind": builder.kind, "name": reg.fact.name},
        )


RULE = Rule(
    code="CVX502",
    name="use-node-non-action",
    severity="error",
    spec="§12 Rules for Agents",
    summary="Flags a query or mutation (public or internal, custom builders included) defined in a file that "
            "starts with `\"use node\";`. Actions are what such files are for.",
    why="The `\"use node\"` directive moves every function of the file to the Node runtime, which runs actions "
        "only; queries and mutations must run in Convex's transactional runtime, so the deploy rejects them "
        "(§12 MUST 4, 5). Keep the Node-only action in its own file and the database functions elsewhere.",
    bad="""\"use node\";
export const getUser = internalQuery({ ... });""",
    good="""// convex/users.ts (no directive)
export const getUser = internalQuery({ ... });""",
    fix_doc="No automatic fix.",
    fix=None,
    check=check,
    needs_registrations=True,
)
