"""CVX504 http-outside-http-ts."""

from __future__ import annotations

from ..convex_versions import FEATURES, version_of, version_text
from ..registry import Rule
from ..syntax import text, unwrap
from ._refs import import_statements


def _http_ts_imports(ctx) -> bool:
    """`http.ts` of this folder imports (or re-exports) this file: the router is assembled there."""
    d = ctx.functions_dir
    if d is None:
        return False
    for f in ctx.index.files_in(d.path):
        if f.module != "http":
            continue
        sources = [i.source for i in f.imports if not i.type_only] + [e.source for e in f.exports if e.source]
        for s in sources:
            if ctx.index.resolve_module(f.path, s) == ctx.path:
                return True
    return False


def _router_names(ctx):
    out = {}
    names = {i.local for i in ctx.facts.imports if i.source == "convex/server" and i.imported == "httpRouter"}
    for call in ctx.model.calls_named(*names):
        fn = call.child_by_field_name("function")
        if fn is None or fn.type != "identifier":
            continue
        imp = ctx.model.import_of(text(fn))
        if imp is None or imp.source != "convex/server" or imp.imported != "httpRouter":
            continue
        out.setdefault(None, []).append(call)
        p = call.parent
        if p is not None and p.type == "variable_declarator":
            n = p.child_by_field_name("name")
            if n is not None and n.type == "identifier":
                out[text(n)] = call
    return out


def check(ctx):
    if ctx.facts.module == "http" and ctx.functions_dir is not None and ctx.functions_dir.kind == "component" \
            and not version_of(ctx.functions_dir).may_have("component-http"):
        since = version_text(FEATURES["component-http"].version)
        for call in _router_names(ctx).get(None, []):
            ctx.report(call, f"A component's own `http.ts` is served only since convex {since}; this project's "
                             "`convex` is older, so these routes are never exposed", data={"kind": "component"})
        return
    if ctx.facts.module in (None, "http") or ctx.facts.is_generated:
        return
    made = _router_names(ctx)
    if made and _http_ts_imports(ctx):
        return
    for call in made.get(None, []):
        ctx.report(call, "An HTTP router is created outside `http.ts`; Convex serves only the router that "
                         "`http.ts` exports by default, so build the routes there",
                   data={"kind": "router"})
    # routes added to the router of http.ts from another module
    if "route" not in ctx.model.callee_names():
        return
    imported_routers = set()
    for imp in import_statements(ctx.model.root):
        if imp.type_only or not imp.source.startswith("."):
            continue
        target = ctx.index.resolve_module(ctx.path, imp.source)
        tf = ctx.index.facts.get(target) if target else None
        if tf is not None and tf.module == "http":
            imported_routers.update(imp.locals)
    if not imported_routers:
        return
    for call in ctx.model.calls_named("route"):
        fn = call.child_by_field_name("function")
        if fn is None or fn.type != "member_expression" or text(fn.child_by_field_name("property")) != "route":
            continue
        obj = unwrap(fn.child_by_field_name("object"))
        if obj is not None and obj.type == "identifier" and text(obj) in imported_routers:
            ctx.report(call, "HTTP routes are registered outside `http.ts`; declare them in `http.ts`",
                       data={"kind": "route"})


RULE = Rule(
    code="CVX504",
    name="http-outside-http-ts",
    severity="warning",
    spec="§3 HTTP Actions (Webhooks)",
    summary="Flags `httpRouter()` created in a file other than `http.ts` of the functions folder (unless "
            "`http.ts` imports that file to assemble its router), and `.route(...)` calls on the router "
            "imported from `http.ts` in another file. A component's own `http.ts` is an `http.ts` (components "
            "serve their routes under a prefix since convex 1.35); with an older `convex` the router a component's "
            "`http.ts` builds is reported, since it is never served.",
    why="Convex serves exactly one router: the default export of `convex/http.ts`. A router built anywhere "
        "else is never served, and routes scattered across modules are hard to audit for signature and "
        "authorization checks (§3, §12 MUST 8).",
    bad="""// convex/webhooks.ts
const http = httpRouter();
http.route({ path: "/stripe", method: "POST", handler: stripeWebhook });""",
    good="""// convex/http.ts
const http = httpRouter();
http.route({ path: "/stripe", method: "POST", handler: stripeWebhook });
export default http;""",
    fix_doc="No automatic fix.",
    fix=None,
    check=check,
)
