"""CVX508 generated-code-edited (runs on `_generated/` files only)."""

from __future__ import annotations

import os
import re

from .. import lazy_re
from ..registry import Rule

KNOWN = ("api", "server", "dataModel", "component")
MARKER_RE = lazy_re.compile(rb"automatically\s+generated", re.IGNORECASE)


def check(ctx):
    name = os.path.basename(ctx.path)
    stem = name.split(".", 1)[0]
    if stem not in KNOWN:
        return  # a file Convex does not write
    data = ctx.model.src.data
    if MARKER_RE.search(data[:4096]):
        return
    nl = data.find(b"\n")
    end = nl if nl >= 0 else len(data)
    if end > 0 and data[end - 1:end] == b"\r":
        end -= 1
    ctx.report((0, end), f"`_generated/{name}` has lost the \"automatically generated\" header: it looks edited "
                         "by hand; `npx convex dev` overwrites it, so put the code elsewhere and regenerate",
               data={"file": name})


RULE = Rule(
    code="CVX508",
    name="generated-code-edited",
    severity="warning",
    spec="§11 File Structure",
    summary="Flags a file Convex generates under `_generated/` (`api`, `server`, `dataModel`, `component`, in "
            ".ts/.d.ts/.js form) whose header no longer says it is automatically generated.",
    why="Convex rewrites `_generated/` on every `npx convex dev`/`deploy`; hand edits there silently "
        "disappear (and until then, types and runtime disagree). A missing header is the usual trace of "
        "such an edit (§11).",
    bad="""// convex/_generated/api.ts, header removed and code added by hand
export const helpers = { ... };""",
    good="""/**
 * Generated `api` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 */""",
    fix_doc="No automatic fix: regenerate with `npx convex dev` and move hand-written code out of `_generated/`.",
    fix=None,
    generated_files=True,
    check=check,
)
