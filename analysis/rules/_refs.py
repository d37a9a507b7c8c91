"""Shared helpers for the visibility/scheduling (CVX4xx) and runtime/file (CVX5xx) rules:
function references given to `ctx.run*` / `ctx.scheduler.*` / crons, looking an
`api.a.b` path up in the functions folder, Node built-ins, import scanning.
Not a rule module (the leading underscore keeps the registry away)."""

from __future__ import annotations

import os
import re
import posixpath
from typing import Iterator, Optional

from tree_sitter import Node

from .. import convex as cx
from ..fs import walk
from ..model import ImportStmt, top_level_imports
from ..records import record
from ._neighbours import WORD_BYTES
from ..project import TEST_FILE_RE, _read_json, keep_dir
from ..syntax import FUNCTION_TYPES, call_args, member_chain, string_value, text, unwrap

SCHEDULER_METHODS = {"runAfter": 1, "runAt": 1}
RUN_METHODS = {"runQuery": 0, "runMutation": 0, "runAction": 0}
CRON_METHODS = ("interval", "cron", "hourly", "daily", "weekly", "monthly")

NODE_BUILTINS = frozenset({
    "assert", "async_hooks", "buffer", "child_process", "cluster", "console", "constants", "crypto",
    "dgram", "diagnostics_channel", "dns", "domain", "events", "fs", "http", "http2", "https", "inspector",
    "module", "net", "os", "path", "perf_hooks", "process", "punycode", "querystring", "readline", "repl",
    "stream", "string_decoder", "sys", "timers", "tls", "trace_events", "tty", "url", "util", "v8", "vm",
    "wasi", "worker_threads", "zlib",
})

# files that are no Convex module (never routed): test files, `auth.config.ts`, `convex.config.ts`
MODULE_EXTS = (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")
SKIP_DIRS = {"node_modules", "_generated", ".git", "dist", "build"}


# ----------------------------------------------------------------- imports
def node_builtin(source: str) -> Optional[str]:
    """"fs" for "fs", "fs/promises", "node:fs"; None for anything else."""
    if source.startswith("node:"):
        return source[5:].split("/")[0] or None
    base = source.split("/")[0]
    return base if base in NODE_BUILTINS else None


def project_dependencies(project_root: str) -> set[str]:
    pkg = _read_json(os.path.join(project_root, "package.json")) or {}
    out: set[str] = set()
    for key in ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies"):
        deps = pkg.get(key)
        if isinstance(deps, dict):
            out.update(k for k in deps if isinstance(k, str))
    return out


def import_statements(root: Node) -> list[ImportStmt]:
    """The file's top-level import statements (`model.top_level_imports`: read once per file while
    it is linted, by the model's pass over the imports when it made the tree's model)."""
    return top_level_imports(root)


TYPE_CONTEXTS = frozenset({
    "type_annotation", "type_alias_declaration", "interface_declaration", "type_arguments", "type_query",
    "type_parameters", "generic_type", "type_predicate", "asserts", "ambient_declaration",
})


def value_uses(root: Node, names: set[str]) -> dict[str, list[Node]]:
    """Identifier nodes reading one of `names` in value positions (imports, export lists and
    type positions excluded)."""
    out: dict[str, list[Node]] = {}
    if not names:
        return out
    stack = list(root.named_children)
    while stack:
        n = stack.pop()
        if n.type in ("import_statement", "export_clause") or n.type in TYPE_CONTEXTS:
            continue
        if n.type in ("identifier", "shorthand_property_identifier"):
            name = text(n)
            if name in names:
                out.setdefault(name, []).append(n)
            continue
        stack.extend(n.named_children)
    return out


_SKIPPED_FOR_VALUE_USES = frozenset({"import_statement", "export_clause"}) | TYPE_CONTEXTS
_IDENTIFIER_TYPES = ("identifier", "shorthand_property_identifier")


def value_uses_in(model, names: set[str], where=None, first: bool = False) -> dict[str, list[Node]]:
    """`value_uses(model.root, names)` without walking the whole tree: each name is searched
    for in the file's bytes and only the identifiers found there are looked at (same nodes,
    same order). `where(node)`: keep only the uses it accepts (asked first: cheaper than the
    walk to the root that tells a value use from a type or an import). `first`: one use per name
    is enough (which one is unspecified)."""
    root = getattr(model, "root", None)
    if root is None or not names or "" in names:
        got = value_uses(root, names) if root is not None else {}
        if where is not None:
            got = {k: [n for n in ns if where(n)] for k, ns in got.items()}
            got = {k: ns for k, ns in got.items() if ns}
        return got
    data = model.src.data
    size = len(data)
    hits: list[tuple[int, str, Node]] = []
    for name in names:
        raw = name.encode("utf-8")
        i = data.find(raw)
        while i != -1:
            end = i + len(raw)
            if (i and data[i - 1] in WORD_BYTES) or (end < size and data[end] in WORD_BYTES):
                i = data.find(raw, i + 1)  # inside a longer name (`requireAuth`): no identifier of its own
                continue
            node = root.named_descendant_for_byte_range(i, end)
            if node is not None and node.type in _IDENTIFIER_TYPES and node.start_byte == i \
                    and node.end_byte == end and (where is None or where(node)) and not _inside_skipped(node):
                hits.append((i, name, node))
                if first:
                    break
            i = data.find(raw, i + 1)
    out: dict[str, list[Node]] = {}
    for _, name, node in sorted(hits, key=lambda h: -h[0]):  # value_uses' order: last first
        out.setdefault(name, []).append(node)
    return out


def _inside_skipped(node: Node) -> bool:
    cur = node.parent
    while cur is not None and cur.parent is not None:  # the root itself is never skipped
        if cur.type in _SKIPPED_FOR_VALUE_USES:
            return True
        cur = cur.parent
    return False


def at_evaluation_time(node: Node) -> bool:
    """Runs while the module is evaluated: not inside a function or a class body."""
    cur = node.parent
    while cur is not None:
        if cur.type in FUNCTION_TYPES or cur.type == "class_body":
            return False
        cur = cur.parent
    return True


# ----------------------------------------------------------------- references
@record
class FnRef:
    node: Node  # the argument expression
    root: Optional[str]  # "api" | "internal" (imported name) for a generated reference, else None
    root_node: Optional[Node]  # the `api` identifier
    path: tuple[str, ...]
    call: Node  # the call it is passed to
    how: str  # runAfter | runAt | runQuery | runMutation | runAction | cron.<method>


def cron_objects(model) -> set[str]:
    """Top-level names bound to `cronJobs()` (imported from convex/server)."""
    out: set[str] = set()
    names = {i.local for i in model.facts.imports if i.imported == "cronJobs" and i.source == "convex/server"}
    if not names:
        return out
    for call in model.calls_named(*names):
        fn = call.child_by_field_name("function")
        if fn is None or fn.type != "identifier":
            continue
        imp = model.import_of(text(fn))
        if imp is None or imp.source != "convex/server" or imp.imported != "cronJobs":
            continue
        outer = call
        while outer.parent is not None and outer.parent.type in ("parenthesized_expression", "as_expression",
                                                                 "satisfies_expression"):
            outer = outer.parent
        p = outer.parent
        if p is not None and p.type == "variable_declarator":
            name = p.child_by_field_name("name")
            if name is not None and name.type == "identifier":
                out.add(text(name))
    return out


def cron_calls(model) -> Iterator[tuple[Node, str]]:
    """(call, method) for `crons.<method>(...)` on a cronJobs() object of this file."""
    objs = cron_objects(model)
    if not objs:
        return
    for call in model.calls_named(*CRON_METHODS):
        fn = call.child_by_field_name("function")
        if fn is None or fn.type != "member_expression":
            continue
        obj = unwrap(fn.child_by_field_name("object"))
        method = text(fn.child_by_field_name("property"))
        if obj is not None and obj.type == "identifier" and text(obj) in objs and method in CRON_METHODS:
            yield call, method


def generated_ref(model, node: Optional[Node]) -> Optional[tuple[str, Node, tuple[str, ...]]]:
    """("api"|"internal", root identifier, path) for `api.a.b` with `api` from _generated/api."""
    node = unwrap(node)
    if node is None or node.type != "member_expression":
        return None
    chain = member_chain(node)
    if not chain or len(chain) < 2:
        return None
    imp = model.import_of(chain[0])
    if imp is None or not cx.GENERATED_API_RE.search(imp.source) or imp.imported not in ("api", "internal"):
        return None
    root = node
    while root.type == "member_expression":
        root = unwrap(root.child_by_field_name("object"))
    return imp.imported, root, tuple(chain[1:])


def function_refs(model) -> list[FnRef]:
    """Every function-reference argument of ctx.run*, ctx.scheduler.runAfter/runAt and crons.*
    (found once per model: several rules ask)."""
    found = getattr(model, "_cvx_function_refs", None)
    if found is None:
        found = model._cvx_function_refs = list(_function_refs(model))
    return found


def _function_refs(model) -> Iterator[FnRef]:
    for call in model.calls_named(*SCHEDULER_METHODS, *RUN_METHODS):
        kind = cx.ctx_call(call)
        idx = None
        how = ""
        if kind is not None and kind[0] == "scheduler" and kind[1] in SCHEDULER_METHODS:
            idx, how = SCHEDULER_METHODS[kind[1]], kind[1]
        elif kind is not None and kind[0] == "run" and kind[1] in RUN_METHODS:
            idx, how = RUN_METHODS[kind[1]], kind[1]
        elif kind is None:
            fn = call.child_by_field_name("function")
            name = text(fn) if fn is not None and fn.type == "identifier" else ""
            if name in RUN_METHODS and cx._destructured_member(fn, name):
                idx, how = RUN_METHODS[name], name  # handler: async ({ runMutation }) => ...
        if idx is None:
            continue
        args = call_args(call)
        if len(args) > idx:
            yield _fnref(model, args[idx], call, how)
    for call, method in cron_calls(model):
        args = call_args(call)
        if len(args) > 2:
            yield _fnref(model, args[2], call, "cron." + method)


def _fnref(model, arg: Node, call: Node, how: str) -> FnRef:
    g = generated_ref(model, arg)
    if g is None:
        return FnRef(arg, None, None, (), call, how)
    return FnRef(arg, g[0], g[1], g[2], call, how)


def generated_import_ok(path: str, functions_dir: str, source: str) -> bool:
    """The `api` import points at this functions folder's own `_generated/api`. A path alias
    (`@cvx/_generated/api`, from tsconfig `paths`) is taken as this folder's own: in an app the
    alias can only mean its functions folder."""
    if not source.startswith("."):
        return bool(re.search(r"(^|/)_generated/api(\.js|\.ts)?$", source)) and not source.startswith(
            ("convex/", "@convex-dev/")) and "node_modules" not in source
    base = posixpath.normpath(posixpath.join(os.path.dirname(path).replace(os.sep, "/"), source))
    for ext in (".js", ".ts"):
        if base.endswith(ext):
            base = base[: -len(ext)]
    want = posixpath.join(functions_dir.replace(os.sep, "/"), "_generated", "api")
    return base == want


# ----------------------------------------------------------------- looking references up
_VISIBLE_CACHE: dict[tuple, bool] = {}


def _disk_modules(functions_dir: str, inner_dirs: frozenset[str] = frozenset()) -> set[str]:
    """The function modules on disk under `functions_dir`, leaving out `inner_dirs`: functions
    folders of their own inside it (a local component's folder: its modules are not the app's)."""
    out: set[str] = set()
    for dirpath, dirnames, filenames in walk(functions_dir, keep_dir):
        if inner_dirs:
            dirnames[:] = [d for d in dirnames if os.path.join(dirpath, d) not in inner_dirs]
        for name in filenames:
            if not name.endswith(MODULE_EXTS) or name.endswith(".d.ts"):
                continue
            rel = os.path.relpath(os.path.join(dirpath, name), functions_dir).replace(os.sep, "/")
            if TEST_FILE_RE.search(rel):
                continue
            stem = rel.rsplit(".", 1)[0]
            if "." in stem.rsplit("/", 1)[-1]:
                continue  # auth.config, convex.config, foo.test ...: not a function module
            out.add(stem)
    return out


def folder_fully_seen(index, functions_dir: str) -> bool:
    """Every module file of the folder is indexed and readable, so a missing module is really missing."""
    key = (functions_dir, id(index), index.generation, len(index.facts))
    got = _VISIBLE_CACHE.get(key)
    if got is not None:
        return got
    seen = set()
    ok = True
    for f in index.files_in(functions_dir):
        if f.module is None or f.is_generated:
            continue
        if f.error is not None:
            ok = False
        seen.add(f.module)
    if ok:
        below = functions_dir + os.sep
        inner = frozenset(d.path for d in index.workspace.functions_dirs if d.path.startswith(below))
        ok = _disk_modules(functions_dir, inner) <= seen
    if len(_VISIBLE_CACHE) > 64:
        _VISIBLE_CACHE.clear()
    _VISIBLE_CACHE[key] = ok
    return ok


_MODULES_CACHE: dict[tuple, set[str]] = {}


def _module_table(index, functions_dir: str) -> tuple[set[str], set[str], dict[str, str]]:
    """(modules, folders, module -> file path) of a functions folder; folders are the proper
    prefixes of module paths (`a`, `a/b` for `a/b/c`). Per index generation: a lookup per
    `api.*` reference must not walk a workspace of thousands of files."""
    key = (functions_dir, id(index), index.generation, len(index.facts))
    got = _MODULES_CACHE.get(key)
    if got is None:
        if len(_MODULES_CACHE) > 64:
            _MODULES_CACHE.clear()
        modules: set[str] = set()
        folders: set[str] = set()
        files: dict[str, str] = {}
        for f in index.files_in(functions_dir):
            if f.module and not f.is_generated:
                modules.add(f.module)
                files.setdefault(f.module, f.path)
                parts = f.module.split("/")
                for i in range(1, len(parts)):
                    folders.add("/".join(parts[:i]))
        got = _MODULES_CACHE[key] = (modules, folders, files)
    return got


def _modules(index, functions_dir: str) -> set[str]:
    return _module_table(index, functions_dir)[0]


@record
class Lookup:
    status: str  # found | namespace | no_export | no_module | unknown
    visibility: Optional[str] = None
    kind: Optional[str] = None
    file: Optional[str] = None
    reg_span: Optional[tuple[int, int]] = None
    candidates: tuple[str, ...] = ()
    module: str = ""


def _module_file(index, functions_dir: str, module: str):
    path = _module_table(index, functions_dir)[2].get(module)
    return index.facts.get(path) if path is not None else None


def lookup(index, functions_dir: str, path: tuple[str, ...], has_errors) -> Lookup:
    """What `api.<path>` names in the functions folder. `has_errors(file)` tells whether a
    module's syntax tree has errors (its exports may then be incomplete)."""
    modules, folders, _ = _module_table(index, functions_dir)
    joined = "/".join(path)
    if joined in modules or joined in folders:
        return Lookup("namespace")
    if len(path) < 2:
        return Lookup("unknown")
    module, name = "/".join(path[:-1]), path[-1]
    f = _module_file(index, functions_dir, module)
    if f is None:
        if module in folders:
            # `api.folder.fn`: a folder is no module
            return Lookup("no_module", module=module, candidates=_close(path[-1], _children(modules, module)))
        parent = "/".join(path[:-2])
        siblings = _children(modules, parent) if parent else sorted({m.split("/")[0] for m in modules})
        return Lookup("no_module", module=module, candidates=_close(path[-2], siblings))
    if f.error is not None or has_errors(f.path):
        return Lookup("unknown")
    if any(e.star or (e.source is not None and e.name == name) for e in f.exports):
        # re-exports: follow them; `export *` may supply the name
        found = index.resolve_export(f.path, name)
        if found is None:
            return Lookup("unknown")
        return _describe(index, found[0], found[1], module)
    exp = next((e for e in f.exports if e.name == name), None)
    if exp is None:
        names = sorted({e.name for e in f.exports if not e.star})
        return Lookup("no_export", module=module, file=f.path, candidates=_close(name, names))
    return _describe(index, f.path, exp.local or name, module)


def _describe(index, path: str, local: str, module: str) -> Lookup:
    f = index.facts.get(path)
    if f is None:
        return Lookup("unknown")
    for r in f.registrations:
        if r.name == local:
            b = index.resolve_builder(path, r.builder)
            if b is None:
                return Lookup("unknown")
            return Lookup("found", b.visibility, b.kind, path, (r.span.start, r.span.end), module=module)
    return Lookup("unknown")


def _children(modules: set[str], prefix: str) -> list[str]:
    out = set()
    for m in modules:
        if m.startswith(prefix + "/"):
            out.add(m[len(prefix) + 1:].split("/")[0])
    return sorted(out)


def _close(word: str, options) -> tuple[str, ...]:
    import difflib  # (here: only a miss asks for suggestions)

    return tuple(difflib.get_close_matches(word, list(options), n=3, cutoff=0.6))


def functions_with_visibility(index, functions_dir: str, module: str, visibility: str) -> list[str]:
    out = []
    for api_path, info in index.registry(functions_dir).items():
        if "/".join(api_path[:-1]) == module and info.visibility == visibility:
            out.append(api_path[-1])
    return sorted(out)


def registration_named(index, path: str, local: str):
    """(file, RegistrationFact, BuilderInfo) when `local` in `path` is (or imports) a Convex function."""
    f = index.facts.get(path)
    if f is None:
        return None
    for r in f.registrations:
        if r.name == local:
            b = index.resolve_builder(path, r.builder)
            return (path, r, b) if b is not None else None
    imp = f.import_of(local)
    if imp is None or imp.type_only:
        return None
    target = index.resolve_module(path, imp.source)
    if target is None or imp.imported == "*":
        return None
    found = index.resolve_export(target, imp.imported)
    if found is None:
        return None
    return registration_named(index, found[0], found[1]) if found != (path, local) else None
