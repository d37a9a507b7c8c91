"""CVX501 missing-use-node."""

from __future__ import annotations

from ..convex_versions import version_of
from ..registry import Rule
from ..syntax import call_args, string_value, text
from ..validators_util import _declares, is_shadowed
from ._refs import import_statements, node_builtin, project_dependencies, value_uses_in
from .misplaced_use_node import misplaced_use_node

# `node:async_hooks` members the default runtime offers since 1.39 (analysis/convex_versions.py)
_ASYNC_HOOKS_DEFAULT = frozenset({"AsyncLocalStorage", "AsyncResource"})
# Node globals that need no import: a value use is Node use
_NODE_GLOBALS = ("Buffer", "__dirname", "__filename")

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


def _imported_names(stmt) -> list[str]:
    """The names a value import takes from its module (`*`/`default` for namespace/default)."""
    out: list[str] = []
    clause = next((c for c in stmt.named_children if c.type == "import_clause"), None)
    for c in (clause.named_children if clause is not None else ()):
        if c.type == "identifier":
            out.append("default")
        elif c.type == "namespace_import":
            out.append("*")
        elif c.type == "named_imports":
            for spec in c.named_children:
                if spec.type == "import_specifier" and not any(x.type == "type" for x in spec.children):
                    out.append(text(spec.child_by_field_name("name")))
    return out


def _default_runtime_has(ctx, imp) -> bool:
    """`node:async_hooks`' AsyncLocalStorage/AsyncResource run in the default runtime since 1.39."""
    if node_builtin(imp.source) != "async_hooks" or not version_of(ctx.functions_dir).may_have("node-async-hooks"):
        return False
    names = _imported_names(imp.node)
    return bool(names) and all(n in _ASYNC_HOOKS_DEFAULT or n == "*" for n in names)


def _declared_at_top(root, name: str) -> bool:
    return any(_declares(s, name) for s in root.named_children) or any(
        name in imp.locals for imp in import_statements(root))


def _global_uses(ctx):
    """(node, name) for the first value use of each Node global (`Buffer`, `__dirname`), and each
    `require("<node built-in>")`, that nothing in the file binds."""
    model = ctx.model
    root = model.root
    data = model.src.data
    names = {n for n in _NODE_GLOBALS if n.encode() in data}
    if model.calls_named("require"):  # (only a call `require(…)` is reported: no search of the bytes)
        names.add("require")
    if not names:
        return
    for name, nodes in sorted(value_uses_in(model, names).items()):
        if _declared_at_top(root, name):
            continue
        for node in sorted(nodes, key=lambda n: n.start_byte):
            if node.type != "identifier" or is_shadowed(node, name):
                continue
            parent = node.parent
            if parent is not None and parent.type == "unary_expression" and text(parent).startswith("typeof"):
                continue  # feature detection: `typeof Buffer !== "undefined"`
            if name == "require":
                if parent is None or parent.type != "call_expression" \
                        or parent.child_by_field_name("function").id != node.id:
                    continue
                args = call_args(parent)
                mod = string_value(args[0]) if args else None
                if mod is None or node_builtin(mod) is None or (
                        not mod.startswith("node:") and mod in _deps(ctx)):
                    continue
                yield parent, f"`require(\"{mod}\")`", mod
                break
            if parent is not None and parent.type in ("pair", "pair_pattern") \
                    and parent.child_by_field_name("key") is not None \
                    and parent.child_by_field_name("key").id == node.id:
                continue
            yield node, f"`{name}`", name
            break


def keep_words(ctx):
    """The first use of a Node global is reported: it depends on every mention of the name."""
    data = ctx.model.src.data
    return [n for n in _NODE_GLOBALS + ("require",) if n.encode() in data]


def _insert_at(model) -> int:
    """Where the directive goes: after a `#!` line, else at the start (asked for a finding only:
    most files have none, and the search of the whole file for `#!` is then spared)."""
    shebang = next((c for c in model.root.children if c.type == "hash_bang_line"), None) \
        if b"#!" in model.src.data else None
    return shebang.end_byte if shebang is not None else 0


def check(ctx):
    if ctx.facts.use_node or ctx.facts.is_generated or ctx.functions_dir is None:
        return
    module = ctx.facts.module or ""
    if "." in module.rsplit("/", 1)[-1]:
        return  # convex.config.ts, auth.config.ts: not bundled as functions
    if misplaced_use_node(ctx.model) is not None:
        return  # the directive is there, in the wrong place: CVX510 says so (one problem, one diagnostic)
    root = ctx.model.root
    advice = ("; add \"use node\"; at the top of this file if it defines only actions, else move the Node "
              "code into an action file that starts with it")
    for imp in import_statements(root):
        if imp.type_only:
            continue
        name = node_builtin(imp.source)
        if name is None:
            continue
        if not imp.source.startswith("node:") and name in _deps(ctx):
            continue  # an npm package of the same name (`buffer`, `events`, `util`...) is installed
        if _default_runtime_has(ctx, imp):
            continue
        ctx.report(
            imp.source_node,
            f"`{imp.source}` is a Node.js built-in, available only in the Node runtime" + advice,
            data={"insert_at": _insert_at(ctx.model), "first_statement": first_statement_start(root), "module": imp.source},
        )
    for node, shown, what in _global_uses(ctx):
        ctx.report(
            node,
            f"{shown} is Node.js-only: the default Convex runtime does not have it" + advice,
            data={"insert_at": _insert_at(ctx.model), "first_statement": first_statement_start(root), "module": what},
        )


RULE = Rule(
    code="CVX501",
    name="missing-use-node",
    severity="error",
    spec="§12 Rules for Agents",
    summary="Flags a value import of a Node.js built-in (`fs`, `crypto`, `path`, `stream`, `child_process`, "
            "`node:*`, …) in a file of the functions folder that does not start with the `\"use node\";` "
            "directive, and Node globals used there without an import: `Buffer`, `__dirname`, `__filename`, "
            "`require(\"<built-in>\")`. Type-only imports, bare names that resolve to an installed npm package "
            "of the same name (`buffer`, `events`), `typeof Buffer` checks and locally declared names are fine. "
            "`AsyncLocalStorage` and `AsyncResource` from `node:async_hooks` are available in the default "
            "runtime since convex 1.39: with a `convex` that may be 1.39 or later (or an unknown version) "
            "they are not reported. In a file that defines queries or mutations the message advises moving the "
            "Node code to an action file instead, and no fix is offered (the directive would break them, "
            "CVX502).",
    why="Without the directive Convex bundles the file for its default JavaScript runtime, which has no Node "
        "built-ins: the push fails to bundle or the import fails when the function runs. Files using Node "
        "modules must opt into the Node runtime (§12 MUST 5).",
    bad="""import { createHash } from "crypto";
export const sign = internalAction({ ... });""",
    good="""\"use node\";
import { createHash } from "crypto";
export const sign = internalAction({ ... });""",
    fix_doc="Safe: insert `\"use node\";` as the first statement of the file; offered only when the file "
            "defines no query or mutation (they cannot run in the Node runtime, CVX502).",
    fix="safe",
    check=check,
    keep_words=keep_words,
)
