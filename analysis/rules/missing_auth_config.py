"""CVX511 missing-auth-config."""

from __future__ import annotations

import os

from ..convex import ctx_call
from ..registry import Rule

AUTH_CONFIG_EXTS = (".ts", ".js", ".mjs", ".cjs", ".mts", ".cts")


def has_auth_config(ctx) -> bool:
    """Is there an `auth.config.*` in this file's functions folder (on disk or open in the editor)?"""
    d = ctx.functions_dir
    if d is None:
        return True
    if any(facts.module == "auth.config" for facts in ctx.index.files_in(d.path)):
        return True
    return any(os.path.isfile(os.path.join(d.path, "auth.config" + ext)) for ext in AUTH_CONFIG_EXTS)


def check(ctx):
    d = ctx.functions_dir
    if d is None or d.kind != "app":
        return  # a component gets its identity from the app that installs it
    calls = [c for c in ctx.model.calls_named("getUserIdentity") if ctx_call(c) == ("auth", "getUserIdentity")]
    if not calls or has_auth_config(ctx):
        return
    for call in calls:
        ctx.report(call, "`getUserIdentity()` always returns null here: this functions folder has no "
                         "`auth.config.ts` naming an identity provider; add one (see the auth provider's "
                         "Convex setup)", data={})


RULE = Rule(
    code="CVX511",
    name="missing-auth-config",
    severity="warning",
    spec="§2 Layered Architecture",
    summary="Flags `ctx.auth.getUserIdentity()` (any name of `ctx`, destructured `{ auth }`) in an application's "
            "functions folder that has no `auth.config.ts` (or `.js`). Components are left alone: their "
            "identity comes from the host app.",
    why="Convex validates a client's token only against the providers listed in `auth.config.ts`. Without "
        "that file no token is accepted, so `getUserIdentity()` returns null for every caller: access checks "
        "that throw on null lock everybody out, and code that treats null as \"anonymous\" silently never "
        "sees a user (§2 Layer 1).",
    bad="""// convex/ has no auth.config.ts
const identity = await ctx.auth.getUserIdentity();
if (!identity) throw new Error("Unauthorized");""",
    good="""// convex/auth.config.ts
export default {
  providers: [{ domain: process.env.CLERK_JWT_ISSUER_DOMAIN, applicationID: "convex" }],
};""",
    fix_doc="No automatic fix: the provider's domain and application id are the project's.",
    fix=None,
    check=check,
)
