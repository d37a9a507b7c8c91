"""CVX401 public-function-scheduled."""

from __future__ import annotations

import os

from ..registry import Rule
from ..syntax import text
from ._refs import function_refs, lookup


def public_callers(index, functions_dir: str, api_path) -> list:
    """References to the function from outside the backend: client code, tests, scripts (any
    kind, type positions included). Making the function internal would break each of them."""
    return [r for r in index.function_references(functions_dir, tuple(api_path)) if not r.backend]


def describe_callers(callers, index) -> str:
    """"client code (src/App.tsx:6) and a test (tests/a.test.ts:8)"."""
    groups: dict[str, list] = {}
    for r in callers:
        label = "a test" if r.kind == "test" else ("client code" if r.kind in ("client-hook", "client-call") else "code outside the functions folder")
        groups.setdefault(label, []).append(r)
    parts = []
    for label, refs in groups.items():
        where = ", ".join(f"{os.path.basename(r.file)}:{r.span.srow + 1}" for r in refs[:3])
        more = f" and {len(refs) - 3} more" if len(refs) > 3 else ""
        parts.append(f"{label} ({where}{more})")
    return " and ".join(parts)


def _import_of_generated(ctx, name: str):
    for imp in ctx.facts.imports:
        if imp.imported == name and not imp.type_only and "_generated/api" in imp.source:
            return imp
    return None


def check(ctx):
    fdir = ctx.functions_dir
    if fdir is not None and fdir.kind == "component":
        return  # a component's `api.*` can be called only by its host app (and by itself): not client-facing
    for ref in function_refs(ctx.model):
        if ref.root != "api" or ref.root_node is None:
            continue
        internal_imp = _import_of_generated(ctx, "internal")
        api_imp = ctx.model.import_of(text(ref.root_node))
        target = lookup(ctx.index, fdir.path, ref.path, lambda p: False) if fdir is not None else None
        if target is not None and target.status == "found" and target.visibility == "internal":
            continue  # `api.*` naming an internal function is CVX402's finding
        where = "a cron job" if ref.how.startswith("cron.") else f"`{ref.how}`"
        dotted = ".".join(ref.path)
        callers = public_callers(ctx.index, fdir.path, ref.path) if fdir is not None else []
        msg = (f"`api.{dotted}` is given to {where}: backend-to-backend calls should target internal functions "
               f"(`internal.{dotted}`), so clients cannot call the same code path directly")
        if callers:
            msg += (f"; `{dotted}` itself stays public: {describe_callers(callers, ctx.index)} call"
                    f"{'s' if len(callers) == 1 else ''} it")
        ctx.report(
            ref.node,
            msg,
            data={
                "public_callers": [f"{os.path.relpath(r.file, fdir.project_root)}:{r.span.srow + 1}" for r in callers],
                "api_start": ref.root_node.start_byte,
                "api_end": ref.root_node.end_byte,
                "ref_start": ref.node.start_byte,
                "ref_end": ref.node.end_byte,
                "path": list(ref.path),
                "how": ref.how,
                "internal_local": internal_imp.local if internal_imp is not None else None,
                "api_import_source": api_imp.source if api_imp is not None else None,
                "target_file": target.file if target is not None and target.status == "found" else None,
                "target_registration": list(target.reg_span) if target is not None and target.reg_span else None,
                "target_kind": target.kind if target is not None else None,
            },
        )


RULE = Rule(
    code="CVX401",
    name="public-function-scheduled",
    severity="warning",
    spec="§7 Scheduling Patterns",
    summary="Flags an `api.*` reference handed to `ctx.scheduler.runAfter/runAt`, `ctx.runQuery/runMutation/"
            "runAction` or a `crons.*` job. References through `internal.*` are what these calls should get. "
            "Inside a component it is silent: a component's `api.*` functions are reachable only by its host "
            "app, never by clients.",
    why="Work the backend schedules or runs for itself belongs to internal functions. Reaching it through "
        "`api.*` means the target is public, so any client can call it directly with arguments of its "
        "choosing, bypassing the checks of the code path that normally invokes it (§1, §2, §7, §12 MUST 3).",
    bad="""await ctx.scheduler.runAfter(0, api.emails.send, { to });""",
    good="""await ctx.scheduler.runAfter(0, internal.emails.send, { to });
// convex/emails.ts
export const send = internalAction({ ... });""",
    fix_doc="Unsafe: replace `api` with `internal` in the reference, adding `internal` to the `_generated/api` "
            "import when it is missing, and switch the target's builder to its internal variant. Offered only "
            "when every other reference to the target anywhere in the workspace (client code, tests, scripts, "
            "type positions) is a backend `internal.*` or string reference; otherwise the message names the "
            "client or test code that calls it, and nothing is changed.",
    fix="unsafe",
    check=check,
)
