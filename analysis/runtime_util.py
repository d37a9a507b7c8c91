"""Helpers shared by the transaction/runtime-boundary rules (CVX3xx).

Kept out of the core modules: these answer family-specific questions such as "which
Convex function kind encloses this node?", "is this ctx bound by that handler?", "is this
argument an `api.x.f` / `internal.x.f` reference?", "is this call repeated by a loop?".
"""

from __future__ import annotations

import weakref
from typing import Optional

from tree_sitter import Node

from . import convex as cx
from .syntax import FUNCTION_TYPES, member_chain, text, unwrap

TRANSACTIONAL = ("query", "mutation")
ACTIONS = ("action", "http")

# ctx calls that return a promise (normalizeId is synchronous)
PROMISE_KINDS = {
    "db": {"get", "insert", "patch", "replace", "delete"},
    "db.system": {"get"},
    "scheduler": {"runAfter", "runAt", "cancel"},
    "run": {"runQuery", "runMutation", "runAction"},
    "storage": {"getUrl", "getMetadata", "delete", "generateUploadUrl", "store", "get"},
}


def callee_root(call: Node) -> Optional[Node]:
    """The identifier a member call chain starts from (`ctx` in ctx.db.get(...))."""
    cur = unwrap(call.child_by_field_name("function"))
    while cur is not None and cur.type == "member_expression":
        cur = unwrap(cur.child_by_field_name("object"))
    if cur is not None and cur.type == "identifier":
        return cur
    return None


def binding_function(ident: Node) -> Optional[Node]:
    """The function whose parameter binds this identifier (None: declared otherwise)."""
    found = cx._binding_of(text(ident), ident)
    return found[0] if found is not None else None


def belongs_to(call: Node, handler: Node) -> bool:
    """The ctx (or destructured member) used by `call` is the handler's own, not a nested
    function's parameter of the same name."""
    root = callee_root(call)
    if root is None:
        return True
    fn = binding_function(root)
    if fn is None:
        return True
    return fn.id == handler.id or not _inside(fn, handler)


def rooted_in_ctx(call: Node) -> bool:
    """The ctx/db/scheduler the call starts from is a function parameter or is read from one
    (`const { db } = ctx`), not a module-level object that merely shares the name (a Drizzle
    or Dexie `db` in client code)."""
    root = callee_root(call)
    if root is None:
        return True  # `(this.ctx).db...` and the like: ctx_call already vetted the shape
    name = text(root)
    if cx._binding_of(name, root) is not None:
        return True
    return cx._declared_from_ctx(root, name)


def shadowed_locally(name: str, node: Node) -> bool:
    """A `const/let/var name` or `function name` declared in a block around node."""
    cur = node.parent
    while cur is not None:
        if cur.type == "statement_block" and name in _block_locals(cur):
            return True
        cur = cur.parent
    return False


@cx._memo
def _block_locals(block: Node) -> frozenset:
    """Names a block declares with a plain `const/let/var name` or `function name` (memoised)."""
    out = set()
    for stmt in block.named_children:
        if stmt.type in ("lexical_declaration", "variable_declaration"):
            for d in stmt.named_children:
                if d.type == "variable_declarator":
                    out.add(text(d.child_by_field_name("name")))
        elif stmt.type == "function_declaration":
            out.add(text(stmt.child_by_field_name("name")))
    return frozenset(out)


def _inside(node: Node, outer: Node) -> bool:
    return outer.start_byte <= node.start_byte and node.end_byte <= outer.end_byte


def api_ref(ctx, node: Optional[Node]) -> Optional[tuple[str, tuple[str, ...]]]:
    """`api.a.b.f` / `internal.a.f` (imported from _generated/api) -> ("api", ("a","b","f"))."""
    node = unwrap(node)
    if node is None:
        return None
    parts: list[str] = []
    cur = node
    while cur is not None and cur.type in ("member_expression", "subscript_expression"):
        if cur.type == "member_expression":
            prop = cur.child_by_field_name("property")
            parts.append(text(prop))
        else:
            idx = cur.child_by_field_name("index")
            from .syntax import string_value

            s = string_value(idx)
            if s is None:
                return None
            parts.append(s)
        cur = unwrap(cur.child_by_field_name("object"))
    if cur is None or cur.type != "identifier" or not parts:
        return None
    name = text(cur)
    imp = ctx.model.import_of(name)
    if imp is None or not cx.GENERATED_API_RE.search(imp.source) or imp.imported not in ("api", "internal"):
        return None
    parts.reverse()
    return imp.imported, tuple(parts)


def in_try_body(node: Node, stop: Node) -> bool:
    """Inside the protected block of a `try` (not its catch/finally), below `stop`."""
    cur = node
    while cur is not None and cur.id != stop.id:
        p = cur.parent
        if p is not None and p.type == "try_statement":
            body = p.child_by_field_name("body")
            if body is not None and body.id == cur.id:
                return True
        cur = p
    return False


def is_async(fn: Node) -> bool:
    return any(c.type == "async" for c in fn.children)


def enclosing_fn(node: Node) -> Optional[Node]:
    cur = node.parent
    while cur is not None:
        if cur.type in FUNCTION_TYPES:
            return cur
        cur = cur.parent
    return None


def expression_top(node: Node) -> Node:
    """Climb parentheses / `as` / `satisfies` / `!` wrappers (not `await`)."""
    while node.parent is not None and node.parent.type in (
        "parenthesized_expression", "non_null_expression", "as_expression", "satisfies_expression",
    ):
        node = node.parent
    return node


def is_promise_all_arg(node: Node) -> bool:
    """node (after wrappers) is the argument of Promise.all/allSettled/any/race."""
    node = expression_top(node)
    p = node.parent
    if p is None or p.type != "arguments" or p.parent is None or p.parent.type != "call_expression":
        return False
    fn = p.parent.child_by_field_name("function")
    chain = member_chain(fn) if fn is not None else None
    return bool(chain) and len(chain) == 2 and chain[0] == "Promise" and chain[1] in ("all", "allSettled", "any", "race")


# ---------------------------------------------------------------- per-index caches
_CACHES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def index_cache(index, key: str, build):
    """Memoise `build(index)` per workspace index generation."""
    store = _CACHES.get(index)
    if store is None or store.get("__gen") != index.generation:
        store = {"__gen": index.generation}
        _CACHES[index] = store
    if key not in store:
        store[key] = build(index)
    return store[key]


def resolve_local_call(index, path: str, name: str) -> Optional[tuple[str, str]]:
    """A plain call name recorded in facts (`helper` or `Ns.helper`) -> (file, local name)
    of the function it calls: a helper of this file or an imported one."""
    f = index.facts.get(path)
    if f is None:
        return None
    if "." in name:
        ns, member = name.split(".", 1)
        imp = f.import_of(ns)
        if imp is None or imp.imported != "*" or imp.type_only:
            return None
        target = index.resolve_module(path, imp.source)
        if target is None:
            return None
        return index.resolve_export(target, member)
    if name in f.helpers:
        return (path, name)
    imp = f.import_of(name)
    if imp is None or imp.type_only or imp.imported in ("*", "default"):
        return None
    target = index.resolve_module(path, imp.source)
    if target is None:
        return None
    return index.resolve_export(target, imp.imported)


def transactional_helpers(index) -> dict[tuple[str, str], str]:
    """(file, helper) -> "query"/"mutation": plain helpers reachable from a query or
    mutation handler through direct calls (a few levels deep)."""

    def build(ix):
        out: dict[tuple[str, str], str] = {}
        frontier: list[tuple[tuple[str, str], str]] = []
        for path, f in list(ix.facts.items()):
            if f.is_generated:
                continue
            for r in f.registrations:
                if not r.calls:
                    continue
                b = ix.resolve_builder(path, r.builder)
                if b is None or b.kind not in TRANSACTIONAL:
                    continue
                for name in r.calls:
                    tgt = resolve_local_call(ix, path, name)
                    if tgt is not None and tgt not in out:
                        tf = ix.facts.get(tgt[0])
                        if tf is not None and tgt[1] in tf.helpers:
                            out[tgt] = b.kind
                            frontier.append((tgt, b.kind))
        depth = 0
        while frontier and depth < 4:
            depth += 1
            nxt = []
            for (hpath, hname), kind in frontier:
                h = ix.facts[hpath].helpers.get(hname)
                for name in (h.calls if h is not None else ()):
                    tgt = resolve_local_call(ix, hpath, name)
                    if tgt is None or tgt in out:
                        continue
                    tf = ix.facts.get(tgt[0])
                    if tf is not None and tgt[1] in tf.helpers:
                        out[tgt] = kind
                        nxt.append((tgt, kind))
            frontier = nxt
        return out

    return index_cache(index, "transactional_helpers", build)
