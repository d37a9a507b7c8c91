"""CVX402 unknown-function-reference."""

from __future__ import annotations

import re

from ..registry import Rule
from ._refs import folder_fully_seen, functions_with_visibility, generated_import_ok, lookup


def extract(model):
    """Whether the file's syntax tree has errors (its exports may then be incomplete)."""
    return {"errors": bool(model.errors)}


def _has_errors(index):
    def f(path: str) -> bool:
        facts = index.facts.get(path)
        return bool(facts is None or facts.extra.get("unknown_function_reference", {}).get("errors"))
    return f


def check(ctx):
    fdir = ctx.functions_dir
    if fdir is None:
        return
    seen_ok = None
    for ref in ctx.facts.api_refs:
        imp = ctx.facts.import_of(ref.root)
        if imp is None or imp.imported not in ("api", "internal"):
            continue
        if not generated_import_ok(ctx.path, fdir.path, imp.source):
            continue
        root = imp.imported
        res = lookup(ctx.index, fdir.path, ref.path, _has_errors(ctx.index))
        # the reference as written (spread over lines, or with `["a/b"]` subscripts), whitespace dropped
        dotted = re.sub(r"\s+", "", ctx.model.src.data[ref.span.start:ref.span.end].decode("utf-8", "replace"))
        data = {"ref_start": ref.span.start, "ref_end": ref.span.end, "root": root, "path": list(ref.path)}
        if res.status == "found":
            if root == "api" and res.visibility == "internal":
                msg = f"`{dotted}` names an internal function; internal functions are only reachable as `internal.…`"
                data.update(kind="visibility", replacement="internal", candidates=["internal"])
            elif root == "internal" and res.visibility == "public":
                msg = f"`{dotted}` names a public function; public functions are reachable only as `api.…`"
                data.update(kind="visibility", replacement="api", candidates=["api"])
            else:
                continue
            ctx.report(ref.span, msg, data=data)
            continue
        if res.status not in ("no_export", "no_module"):
            continue
        if seen_ok is None:
            seen_ok = folder_fully_seen(ctx.index, fdir.path)
        if not seen_ok:
            return
        cands = list(res.candidates)
        if res.status == "no_export":
            same_vis = functions_with_visibility(ctx.index, fdir.path, res.module,
                                                 "internal" if root == "internal" else "public")
            import difflib
            better = difflib.get_close_matches(ref.path[-1], same_vis, n=3, cutoff=0.6)
            cands = better or cands
            msg = f"`{dotted}`: module `{res.module}` exports no function `{ref.path[-1]}`"
        else:
            msg = f"`{dotted}`: there is no module `{res.module}` in the functions folder"
        if cands:
            msg += f" (did you mean `{cands[0]}`?)"
        data.update(kind=res.status, module=res.module, candidates=cands)
        ctx.report(ref.span, msg, data=data)


RULE = Rule(
    code="CVX402",
    name="unknown-function-reference",
    severity="error",
    spec="§13 Quick Reference",
    summary="Flags an `api.a.b` / `internal.a.b` reference whose module (`a.ts` or the folder `a/`) or export "
            "`b` does not exist in the functions folder, and an `api.*` reference to an internal function "
            "(or `internal.*` to a public one). References in type positions (`FunctionReturnType<typeof "
            "internal.a.b>`) are checked like values. The message shows the reference as written. Stays "
            "silent when part of the folder cannot be read.",
    why="`api` and `internal` mirror the file layout of the functions folder: `convex/a/b.ts` exporting `f` is "
        "`api.a.b.f`. A reference that names nothing fails at run time (or at type-check time in a "
        "project that is not type-checked continuously), and internal functions only appear under "
        "`internal` (§1, §11, §13).",
    bad="""await ctx.runMutation(internal.users.creatUser, { name });""",
    good="""await ctx.runMutation(internal.users.createUser, { name });""",
    fix_doc="Unsafe: replace the last segment with the closest existing name (or `api`/`internal` for a "
            "visibility mismatch), listed in the finding's data.",
    fix="unsafe",
    check=check,
)
