"""Helpers shared by the queries-and-indexes rules (CVX202-CVX212).

Nothing here changes the engine: these are read-only views over `ctx.schema`, the file's
query chains and the workspace facts.
"""

from __future__ import annotations

import json
import os
import re
from typing import Iterator, Optional

from tree_sitter import Node

from .convex import enclosing_functions
from .facts import IndexFact, TableFact
from .syntax import FUNCTION_TYPES, call_args, string_value, text, unwrap

IDENT_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
BUILTIN_INDEXES = {"by_id": ("_id",), "by_creation_time": ("_creationTime",)}


def schema_indexes_here(ctx) -> Iterator[tuple[str, TableFact, IndexFact]]:
    """(table name, table, index) for every index of this file's schema that is *written in this
    file* (a table defined in `convex/tables/users.ts` and spread or referenced into the schema is
    reported where its `.index(...)` is). Each index once, even when a table const is used twice."""
    schema = ctx.schema
    if schema is None:
        return
    seen: set[int] = set()
    for tname, table in schema.tables.items():
        if tname in schema.opaque_tables:
            continue
        for ix in table.indexes:
            if ix.file != ctx.path or ix.span.start in seen or ix.span.end <= ix.span.start:
                continue
            seen.add(ix.span.start)
            yield tname, table, ix


def chains_on_known_tables(ctx):
    """(chain, table) for every query chain of this file on a user table whose indexes the schema
    model knows (no schema, system tables and tables known by name only are skipped)."""
    schema = ctx.schema
    if schema is None:
        return
    for chain in ctx.model.query_chains:
        t = chain.table
        if chain.system or t is None or t.startswith("_") or not schema.knows_indexes_of(t):
            continue
        yield chain, schema.table(t)


def named_index_steps(ctx):
    """(chain, table, step, name node, index name, "db" | "search") for every `withIndex("x")` /
    `withSearchIndex("x")` with a literal name on a query of a table the schema knows."""
    for chain, table in chains_on_known_tables(ctx):
        for step in chain.steps:
            if step.method not in ("withIndex", "withSearchIndex"):
                continue
            args = call_args(step.call)
            name = string_value(args[0]) if args else None
            if name is not None:
                yield chain, table, step, args[0], name, "db" if step.method == "withIndex" else "search"


def expected_index_name(fields: tuple[str, ...]) -> str:
    """`by_` + fields joined with `_and_` (nested paths `a.b` become `a_b`)."""
    return "by_" + "_and_".join(f.replace(".", "_") for f in fields)


def index_name_deployable(name: str) -> bool:
    """Would Convex accept `name` as an index name? (Not reserved, an identifier, <= 64 chars.)"""
    return (name not in BUILTIN_INDEXES and not name.startswith("_") and bool(IDENT_RE.match(name))
            and len(name) <= 64)


def closest(name: str, candidates, n: int = 3) -> list[str]:
    import difflib  # (here: only a miss asks for suggestions)

    cands = sorted(set(candidates))
    out = difflib.get_close_matches(name, cands, n=n, cutoff=0.5)
    if not out:
        low = name.lower()
        out = [c for c in cands if c.lower() == low or low in c.lower() or c.lower() in low][:n]
    return out


def dot_span(member: Node, call: Node) -> tuple[int, int]:
    """From the `.` before a chained method through the end of its call."""
    dot = next((c for c in member.children if c.type in (".", "?.")), None)
    start = dot.start_byte if dot is not None else member.child_by_field_name("property").start_byte
    return start, call.end_byte


def index_call_range(ctx, ix: IndexFact) -> Optional[tuple[int, int]]:
    """The bytes of `.index("name", [...])` (from the dot through `)`) for a deletion."""
    node = ctx.model.root.descendant_for_byte_range(ix.span.start, ix.span.end)
    while node is not None and node.type != "call_expression":
        node = node.parent
    if node is None:
        return None
    fn = node.child_by_field_name("function")
    if fn is None or fn.type != "member_expression":
        return None
    return dot_span(fn, node)


def workspace_index_uses(ctx, table: str, index: str) -> list[dict]:
    """Every `withIndex("<index>")`/`withSearchIndex` on `table` in this functions folder, as
    {path, start, end} of the name without quotes (for rename/repoint fixes)."""
    d = ctx.functions_dir
    if d is None:
        return []
    out = []
    for f in ctx.index.files_in(d.path):
        for u in f.index_uses:
            if u.table == table and u.index == index:
                out.append({"path": f.path, "start": u.name_span.start, "end": u.name_span.end})
    return out


# --------------------------------------------------------------------- libraries in use
_PKG_CACHE: dict[str, set[str]] = {}


def _package_deps(project_root: str) -> set[str]:
    if project_root in _PKG_CACHE:
        return _PKG_CACHE[project_root]
    deps: set[str] = set()
    try:
        from .fs import read_regular

        data = json.loads(read_regular(os.path.join(project_root, "package.json"), 1_000_000)
                          .decode("utf-8", errors="replace"))
        if isinstance(data, dict):
            for key in ("dependencies", "devDependencies", "peerDependencies"):
                v = data.get(key)
                if isinstance(v, dict):
                    deps.update(k for k in v if isinstance(k, str))
    except (OSError, ValueError):
        pass
    _PKG_CACHE[project_root] = deps
    return deps


def uses_package(ctx, package: str) -> bool:
    """The functions folder imports `package` (or a subpath) somewhere, or its project's
    package.json depends on it."""
    d = ctx.functions_dir
    if d is None:
        return False
    for f in ctx.index.files_in(d.path):
        for imp in f.imports:
            if imp.source == package or imp.source.startswith(package + "/"):
                return True
    return package in _package_deps(d.project_root)


# --------------------------------------------------------------------- scopes
def identifiers_in(node: Node) -> set[str]:
    out: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type in ("identifier", "shorthand_property_identifier"):
            out.add(text(n))
        stack.extend(n.named_children)
    return out


def bound_names(pattern: Optional[Node]) -> set[str]:
    """Names a binding pattern introduces (`x`, `{ a, b: c }`, `[d, ...e]`)."""
    out: set[str] = set()
    if pattern is None:
        return out
    stack = [pattern]
    while stack:
        n = stack.pop()
        t = n.type
        if t in ("identifier", "shorthand_property_identifier_pattern"):
            out.add(text(n))
        elif t == "pair_pattern":
            v = n.child_by_field_name("value")
            if v is not None:
                stack.append(v)
        elif t in ("object_assignment_pattern", "assignment_pattern"):
            left = n.child_by_field_name("left")
            if left is not None:
                stack.append(left)
        elif t in ("object_pattern", "array_pattern", "rest_pattern", "required_parameter", "optional_parameter"):
            if t in ("required_parameter", "optional_parameter"):
                p = n.child_by_field_name("pattern")
                if p is not None:
                    stack.append(p)
            else:
                stack.extend(n.named_children)
    return out


def declared_within(model, node: Node) -> set[str]:
    """Names declared by `const/let/var` anywhere inside node (nested functions excluded): the
    model's declarators inside node whose innermost function is not itself inside node."""
    out: set[str] = set()
    lo, hi, own = node.start_byte, node.end_byte, node.id
    for d in model.nodes_of_type_within(node, "variable_declarator"):
        fns = enclosing_functions(d)
        inner = fns[0] if fns else None
        if inner is not None and inner.id != own and lo <= inner.start_byte and inner.end_byte <= hi:
            continue  # declared in a function nested in node
        out |= bound_names(d.child_by_field_name("name"))
    return out


def is_array_callback(fn: Node) -> Optional[str]:
    """For a function passed to `xs.map(fn)`/`flatMap`/`forEach` or `asyncMap(xs, fn)`, the name of
    the mapping call; None otherwise."""
    parent = fn.parent
    if parent is None or parent.type != "arguments":
        return None
    call = parent.parent
    if call is None or call.type != "call_expression":
        return None
    callee = call.child_by_field_name("function")
    if callee is None:
        return None
    args = [c for c in parent.named_children if c.type != "comment"]
    if callee.type == "member_expression":
        prop = text(callee.child_by_field_name("property"))
        if prop in ("map", "flatMap", "forEach") and args and args[0].id == fn.id:
            return prop
        return None
    if callee.type == "identifier" and text(callee) in ("asyncMap", "pMap") and len(args) >= 2 and args[1].id == fn.id:
        return text(callee)
    return None


def strip(node: Optional[Node]) -> Optional[Node]:
    return unwrap(node)


# ------------------------------------------------------------------ `.filter` predicates
def _field_of(node) -> Optional[str]:
    """`q.field("f")` -> "f"."""
    node = unwrap(node)
    if node is None or node.type != "call_expression":
        return None
    fn = node.child_by_field_name("function")
    if fn is None or fn.type != "member_expression" or text(fn.child_by_field_name("property")) != "field":
        return None
    a = call_args(node)
    return string_value(a[0]) if len(a) == 1 else None


def _eq_fields(expr, q: str) -> list[str]:
    """Fields compared with `q.eq(q.field("f"), …)` in a predicate that is one such comparison or a
    `q.and(…)` of them (other parts of an `and` are ignored; `or`, `not`, ranges give nothing)."""
    expr = unwrap(expr)
    if expr is None or expr.type != "call_expression":
        return []
    fn = expr.child_by_field_name("function")
    if fn is None or fn.type != "member_expression" or text(fn.child_by_field_name("object")) != q:
        return []
    op = text(fn.child_by_field_name("property"))
    args = call_args(expr)
    if op == "eq" and len(args) == 2:
        f = _field_of(args[0]) or _field_of(args[1])
        return [f] if f is not None else []
    if op == "and":
        out: list[str] = []
        for a in args:
            out += _eq_fields(a, q)
        return out
    return []


def predicate_body(fn) -> tuple[Optional[Node], Optional[str]]:
    """`(q) => <expr>` or `(q) => { return <expr>; }` -> (<expr>, "q"); (None, None) for anything else
    (several parameters, a destructured one, a body with more than the return)."""
    fn = unwrap(fn)
    if fn is None or fn.type not in ("arrow_function", "function_expression"):
        return None, None
    params = fn.child_by_field_name("parameters")
    pnode = fn.child_by_field_name("parameter")
    if pnode is None and params is not None:
        named = [c for c in params.named_children if c.type != "comment"]
        if len(named) != 1:
            return None, None
        pnode = named[0]
        pat = pnode.child_by_field_name("pattern")
        pnode = pat if pat is not None else pnode
    if pnode is None or pnode.type != "identifier":
        return None, None
    body = fn.child_by_field_name("body")
    if body is not None and body.type == "statement_block":
        stmts = [c for c in body.named_children if c.type != "comment"]
        if len(stmts) != 1 or stmts[0].type != "return_statement" or not stmts[0].named_children:
            return None, None
        body = stmts[0].named_children[0]
    return body, text(pnode)


def filter_eq_fields(step) -> list[str]:
    """The user fields a query `.filter((q) => …)` step compares with `eq` (in order, each once;
    system fields `_id`/`_creationTime` left out)."""
    args = call_args(step.call)
    body, q = predicate_body(args[0]) if args else (None, None)
    if body is None:
        return []
    return list(dict.fromkeys(f for f in _eq_fields(body, q) if not f.startswith("_")))


def index_serving(table: TableFact, fields: list[str], staged: bool = False) -> Optional[IndexFact]:
    """A database index of `table` (enabled ones only unless `staged`) whose first field is one of
    `fields` (preferring the one whose leading fields are all among them, then the shortest)."""
    best = None
    for order, ix in enumerate(table.indexes):
        if ix.kind != "db" or (ix.staged and not staged) or not ix.fields or ix.fields[0] not in fields:
            continue
        covered = 0
        while covered < len(ix.fields) and ix.fields[covered] in fields:
            covered += 1
        key = (-covered, len(ix.fields), order)
        if best is None or key < best[0]:
            best = (key, ix)
    return best[1] if best is not None else None
