"""CVX505 missing-default-export."""

from __future__ import annotations

from ..registry import Rule
from ..syntax import text

EXPECTED = {
    "http": ("httpRouter", "convex/server", "the HTTP router (`export default http;`)"),
    "crons": ("cronJobs", "convex/server", "the cron jobs (`export default crons;`)"),
    "schema": ("defineSchema", "convex/server", "the schema (`export default defineSchema({...});`)"),
}


def check(ctx):
    f = ctx.facts
    spec = EXPECTED.get(f.module or "")
    if spec is None or f.is_generated:
        return
    if any(e.name == "default" for e in f.exports):
        return
    factory, source, what = spec
    names = {i.local for i in f.imports if i.source == source and i.imported == factory}
    for call in ctx.model.calls_named(*names):
        fn = call.child_by_field_name("function")
        if fn is None or fn.type != "identifier":
            continue
        imp = ctx.model.import_of(text(fn))
        if imp is None or imp.source != source or imp.imported != factory:
            continue
        ctx.report(call, f"`{f.module}.ts` must default-export {what}; without it Convex ignores "
                         f"what this file builds (or the deploy fails)",
                   data={"file": f.module, "factory": factory, "end_of_file": len(ctx.model.src.data)})
        return


RULE = Rule(
    code="CVX505",
    name="missing-default-export",
    severity="error",
    spec="§11 File Structure",
    summary="Flags `http.ts`, `crons.ts` or `schema.ts` (at the root of the functions folder) that builds its "
            "object (`httpRouter()`, `cronJobs()`, `defineSchema(...)`) but has no default export.",
    why="Convex finds the HTTP routes, the cron table and the schema through the default export of these "
        "files; a named export is not looked at, so routes are not served, crons never run, or the schema "
        "is not applied (§3, §7, §11).",
    bad="""const http = httpRouter();
http.route({ path: "/hook", method: "POST", handler: hook });
export { http };""",
    good="""const http = httpRouter();
http.route({ path: "/hook", method: "POST", handler: hook });
export default http;""",
    fix_doc="No automatic fix.",
    fix=None,
    check=check,
)
