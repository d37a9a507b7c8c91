"""CVX501 missing-use-node."""

from __future__ import annotations

from ..registry import Rule
from ._refs import import_statements, node_builtin, project_dependencies
from .misplaced_use_node import misplaced_use_node

_DEPS_CACHE: dict[str, set[str]] = {}


def _deps(ctx) -> set[str]:
    d = ctx.functions_dir
    if d is None:
        return set()
    got = _DEPS_CACHE.get(d.project_root)
    if got is None:
        got = _DEPS_CACHE[d.project_root] = project_dependencies(d.project_root)
    return got


def first_statement_start(root) -> int:
    first = next((c for c in root.named_children if c.type not in ("comment", "hash_bang_line")), None)
    return first.start_byte if first is not None else 0


def check(ctx):
    if ctx.facts.use_node or ctx.facts.is_generated or ctx.functions_dir is None:
        return
    module = ctx.facts.module or ""
    if "." in module.rsplit("/", 1)[-1]:
        return  # convex.config.ts, auth.config.ts: not bundled as functions
    if misplaced_use_node(ctx.model) is not None:
        return  # the directive is there, in the wrong place: CVX510 says so (one problem, one diagnostic)
    root = ctx.model.root
    insert_at = 0
    shebang = next((c for c in root.children if c.type == "hash_bang_line"), None)
    if shebang is not None:
        insert_at = shebang.end_byte
    for imp in import_statements(root):
        if imp.type_only:
            continue
        name = node_builtin(imp.source)
        if name is None:
            continue
        if not imp.source.startswith("node:") and name in _deps(ctx):
            continue  # an npm package of the same name (`buffer`, `events`, `util`...) is installed
        ctx.report(
            imp.source_node,
            f"`{imp.source}` is a Node.js built-in, available only in the Node runtime; add \"use node\"; "
            "at the top of this file (and keep only actions in it)",
            data={"insert_at": insert_at, "first_statement": first_statement_start(root), "module": imp.source},
        )


RULE = Rule(
    code="CVX501",
    name="missing-use-node",
    severity="error",
    spec="§12 Rules for Agents",
    summary="Flags a value import of a Node.js built-in (`fs`, `crypto`, `path`, `stream`, `child_process`, "
            "`node:*`, …) in a file of the functions folder that does not start with the `\"use node\";` "
            "directive. Type-only imports, and bare names that resolve to an installed npm package of the "
            "same name (`buffer`, `events`), are fine.",
    why="Without the directive Convex bundles the file for its default JavaScript runtime, which has no Node "
        "built-ins: the push fails to bundle or the import fails when the function runs. Files using Node "
        "modules must opt into the Node runtime (§12 MUST 5).",
    bad="""import { createHash } from "crypto";
export const sign = internalAction({ ... });""",
    good="""\"use node\";
import { createHash } from "crypto";
export const sign = internalAction({ ... });""",
    fix_doc="Safe: insert `\"use node\";` as the first statement of the file. Queries and mutations in the "
            "file must then move elsewhere (CVX502).",
    fix="safe",
    check=check,
)
