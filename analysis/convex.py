"""Convex-aware recognisers over tree-sitter nodes.

These answer questions such as "is this identifier a Convex ctx?", "is this expression a
database handle?", "what query chain is this call part of?". They are deliberately
conservative: a false positive costs more trust than a miss.
"""

from __future__ import annotations

import bisect
import functools
import re
from typing import Iterator, Optional

from tree_sitter import Node

from .records import record, field
from .syntax import (  # noqa: F401 (file_cache: its home was here, callers import it from here)
    FUNCTION_TYPES,
    _PINS,
    _active,
    _texts_of,
    file_cache,
    call_args,
    function_params,
    member_chain,
    param_pattern,
    param_type_text,
    string_value,
    text,
    unwrap,
)

# name -> (kind, visibility)
BASE_BUILDERS: dict[str, tuple[str, str]] = {
    "query": ("query", "public"),
    "mutation": ("mutation", "public"),
    "action": ("action", "public"),
    "internalQuery": ("query", "internal"),
    "internalMutation": ("mutation", "internal"),
    "internalAction": ("action", "internal"),
    "httpAction": ("http", "public"),
}
GENERIC_BUILDERS: dict[str, tuple[str, str]] = {
    "queryGeneric": ("query", "public"),
    "mutationGeneric": ("mutation", "public"),
    "actionGeneric": ("action", "public"),
    "internalQueryGeneric": ("query", "internal"),
    "internalMutationGeneric": ("mutation", "internal"),
    "internalActionGeneric": ("action", "internal"),
    "httpActionGeneric": ("http", "public"),
}
# custom-builder factories -> the kind they produce (None: same as the wrapped builder)
CUSTOM_FACTORIES: dict[str, Optional[str]] = {
    "customQuery": "query",
    "customMutation": "mutation",
    "customAction": "action",
    "zCustomQuery": "query",
    "zCustomMutation": "mutation",
    "zCustomAction": "action",
    "zodQuery": "query",  # older convex-helpers zod helpers
    "zodMutation": "mutation",
    "zodAction": "action",
}

GENERATED_SERVER_RE = re.compile(r"(^|/)_generated/server(\.js|\.ts)?$")
GENERATED_API_RE = re.compile(r"(^|/)_generated/api(\.js|\.ts)?$")

CTX_TYPE_RE = re.compile(r"\b(?:Generic)?(?:Query|Mutation|Action|RunQuery|RunMutation|RunAction)?Ctx\b|\bCtx\b|Context\b")
DB_TYPE_RE = re.compile(r"\b(?:Generic)?Database(?:Reader|Writer)\b")

AUTH_CALL_RE = re.compile(
    r"^(getUserIdentity|getAuthUserId|getAuthSessionId|requireAuth\w*|require\w*|ensure\w*|assert\w*|check\w*|get(?=\w*User)\w*+|authenticate\w*|verify\w*)$"
)  # `get(?=\w*User)\w*+`, not `get\w*User\w*`: that tried every `User` of a long name (quadratic)

QUERY_METHODS = frozenset(
    {"withIndex", "withSearchIndex", "filter", "order", "collect", "take", "first", "unique",
     "paginate", "limit"}
)
TERMINALS = frozenset({"collect", "take", "first", "unique", "paginate"})


# ---------------------------------------------------------------- per-file memo
# Rules ask the same questions about the same nodes many times (is this a ctx? a db?).
# Answers depend only on the tree, so they are memoised while one file is extracted or
# linted (`file_cache(store)`, from syntax.py), keyed by node id, which is unique among the trees
# alive (a memoised node is pinned: see syntax.file_cache). The engine passes the store kept on the
# file's model (`FileModel.memo`), so the answers found while extracting facts are reused by every
# later lint of the same tree.
_MISS = object()


def _memo(fn):
    """Memoise `fn(node, *args)` in the active file cache (one table per function)."""

    @functools.wraps(fn)
    def wrapper(node, *args):
        cache = _active.cache
        if cache is None:
            return fn(node, *args)
        table = cache.get(wrapper)
        if table is None:
            table = cache[wrapper] = {}
        key = (node.id, args) if args else node.id
        val = table.get(key, _MISS)
        if val is _MISS:
            val = table[key] = fn(node, *args)
            _active.pins.append(node)
        return val
    return wrapper


def memo_answer(store: dict, fn, node: Node, value) -> None:
    """Record `value` as the answer of `fn` (a `_memo` function of one node) for `node` in `store`
    (a file's memo): an answer found on the way by a pass that computes it anyway."""
    table = store.get(fn)
    if table is None:
        table = store[fn] = {}
    table[node.id] = value
    _texts_of(store)  # (as `file_cache` sets a store up)
    store[_PINS].append(node)  # the tree stays alive as long as the memo


@_memo
def is_registration_handler(fn: Node) -> bool:
    """Is `fn` the handler of a Convex registration (object `handler:` or bare builder arg)?"""
    parent = fn.parent
    if parent is None:
        return False
    if parent.type == "pair":
        key = parent.child_by_field_name("key")
        if text(key) != "handler":
            return False
        obj = parent.parent
        args = obj.parent if obj is not None else None
        return args is not None and args.type == "arguments" and args.parent is not None and args.parent.type == "call_expression"
    if fn.type == "method_definition":
        name = fn.child_by_field_name("name")
        obj = fn.parent
        args = obj.parent if obj is not None else None
        return text(name) == "handler" and args is not None and args.type == "arguments"
    if parent.type == "arguments" and parent.parent is not None and parent.parent.type == "call_expression":
        call = parent.parent
        fnode = call.child_by_field_name("function")
        return fnode is not None and fnode.type == "identifier" and call_args(call)[:1] == [fn]
    return False


def _binding_of(name: str, node: Node):
    return _binding_of_m(node, name)


def _binding_of_m(node: Node, name: str) -> Optional[tuple[Node, Node]]:
    """Find the function parameter (fn, param) that binds `name` around `node`."""
    fn = innermost_function(node)
    return _binding_in(fn, name) if fn is not None else None


@_memo
def _binding_in(fn: Node, name: str) -> Optional[tuple[Node, Node]]:
    """The function parameter (fn, param) binding `name` in `fn` or a function around it (the
    answer is the same for every node of `fn` that no nested function holds: asked once)."""
    for cur in (fn,) + enclosing_functions(fn):
        p = _param_bindings(cur).get(name)
        if p is not None:
            return cur, p
    return None


_ENCLOSING = "convex.enclosing_functions"
_FUNCTION_INDEX = "convex.function_index"


def set_function_index(store: dict, root: Node, functions: list[Node]) -> None:
    """Give `enclosing_functions` the functions of one tree (every node of FUNCTION_TYPES, in
    document order: a function before the ones inside it), kept in that tree's file cache `store`.
    Each function's chain (itself, then the functions around it) is computed here once; a node's
    enclosing functions are then found by bisection instead of walking up the tree (tree-sitter's
    `parent` descends from the root on every call)."""
    starts: list[int] = []
    chains: list[tuple] = []  # per function: (nodes innermost first, their (start, end) spans)
    stack: list[tuple[int, tuple, tuple]] = []  # (end, nodes, spans) of the open functions
    for f in functions:
        s, e = f.start_byte, f.end_byte
        while stack and e > stack[-1][0]:
            stack.pop()
        nodes, spans = ((f,) + stack[-1][1], ((s, e),) + stack[-1][2]) if stack else ((f,), ((s, e),))
        stack.append((e, nodes, spans))
        starts.append(s)
        chains.append((nodes, spans))
    store[_FUNCTION_INDEX] = (root, starts, chains)


def _indexed_enclosing(index, node: Node) -> Optional[tuple[Node, ...]]:
    """The functions around `node` from the function index, or None when the index cannot tell
    (a zero-width node, a node spanning exactly a function's bytes, a node of another tree)."""
    s, e = node.start_byte, node.end_byte
    if s >= e:
        return None
    root, starts, chains = index
    i = bisect.bisect_right(starts, s) - 1
    nodes, spans = chains[i] if i >= 0 else ((), ())
    for k, (fs, fe) in enumerate(spans):
        if fs <= s and e <= fe:
            if fs == s and fe == e:
                # the function itself (its id is unique among the trees alive), or a node of the same
                # bytes (a statement holding just the function) the index cannot tell from it
                return nodes[k + 1:] if nodes[k].id == node.id else None
            # the node lies within that function's bytes; it is inside the function (an ancestor
            # of a node of another tree would be a lie): the smallest node there must be it
            inner = nodes[k].descendant_for_byte_range(s, e)
            if inner is None or inner.id != node.id:
                return None
            return nodes[k:]
    # in no function's bytes: no function around it, if it is a node of this tree
    inner = root.descendant_for_byte_range(s, e)
    return () if inner is not None and inner.id == node.id else None


def enclosing_functions(node: Node) -> tuple[Node, ...]:
    """The functions around `node` (its ancestors of FUNCTION_TYPES), innermost first.

    Inside `file_cache()`: memoised per node, and found from the file's function index when the
    model gave one (`set_function_index`); otherwise by walking up, stopping at the first ancestor
    already answered, so the identifiers of one function share the walk (tree-sitter's `parent` is
    not free, and these questions are asked for most identifiers of a handler)."""
    cache = _active.cache
    if cache is None:
        return _walk_enclosing(node, None)
    memo = cache.get(_ENCLOSING)
    if memo is None:
        memo = cache[_ENCLOSING] = {}
    found = memo.get(node.id)
    if found is not None:
        return found
    index = cache.get(_FUNCTION_INDEX)
    if index is not None:
        found = _indexed_enclosing(index, node)
        if found is not None:
            memo[node.id] = found
            _active.pins.append(node)
            return found
    return _walk_enclosing(node, memo)


def innermost_function(node: Node) -> Optional[Node]:
    """The innermost function around `node` (`enclosing_functions(node)[0]`), None at top level."""
    fns = enclosing_functions(node)
    return fns[0] if fns else None


def _walk_enclosing(node: Node, memo: Optional[dict]) -> tuple[Node, ...]:
    pending: list[tuple[int, Node, Node]] = []  # (node id, node, its parent), going up
    cur = node
    while True:
        if memo is not None:
            got = memo.get(cur.id)
            if got is not None:
                found = got
                break
        parent = cur.parent
        if parent is None:
            found = ()
            if memo is not None:
                memo[cur.id] = found
                _active.pins.append(cur)
            break
        pending.append((cur.id, cur, parent))
        cur = parent
    for key, n, parent in reversed(pending):
        if parent.type in FUNCTION_TYPES:
            found = (parent,) + found
        if memo is not None:
            memo[key] = found
            _active.pins.append(n)
    return found


@_memo
def _param_bindings(fn: Node) -> dict[str, Node]:
    """name -> parameter node for every name a function's parameters bind (top level of
    identifier and object patterns)."""
    out: dict[str, Node] = {}
    for p in function_params(fn):
        pat = param_pattern(p)
        if pat.type == "identifier":
            out.setdefault(text(pat), p)
        elif pat.type == "object_pattern":
            for sub in pat.named_children:
                if sub.type == "shorthand_property_identifier_pattern":
                    out.setdefault(text(sub), p)
                elif sub.type == "pair_pattern":
                    val = sub.child_by_field_name("value")
                    if val is not None and val.type == "identifier":
                        out.setdefault(text(val), p)
                elif sub.type == "object_assignment_pattern":
                    left = sub.child_by_field_name("left")
                    if left is not None:
                        out.setdefault(text(left), p)
    return out


@_memo
def is_ctx_identifier(ident: Node) -> bool:
    """An identifier bound to a Convex function context."""
    name = text(ident)
    found = _binding_of(name, ident)
    if found is None:
        return name == "ctx"
    fn, param = found
    pat = param_pattern(param)
    if pat.type != "identifier":
        return False
    if CTX_TYPE_RE.search(param_type_text(param)):
        return True
    params = function_params(fn)
    if params and params[0] is not None and params[0].id == param.id and is_registration_handler(fn):
        return True
    return name == "ctx"


@_memo
def is_db_expression(node: Node) -> bool:
    """`ctx.db`, a destructured `{ db }`, or a parameter typed DatabaseReader/Writer."""
    node = unwrap(node)
    if node is None:
        return False
    if node.type == "member_expression":
        prop = node.child_by_field_name("property")
        obj = unwrap(node.child_by_field_name("object"))
        if text(prop) != "db" or obj is None:
            return False
        if obj.type == "identifier":
            return is_ctx_identifier(obj)
        # this.ctx.db / args.ctx.db and the like: accept a `ctx` link
        chain = member_chain(obj)
        return bool(chain) and chain[-1] == "ctx"
    if node.type == "identifier":
        name = text(node)
        found = _binding_of(name, node)
        if found is None:
            return name == "db" or _declared_from_ctx(node, name)
        fn, param = found
        pat = param_pattern(param)
        if pat.type == "identifier":
            return bool(DB_TYPE_RE.search(param_type_text(param))) or name == "db"
        if pat.type == "object_pattern":
            # ({ db }) => ... destructured from a ctx param
            for sub in pat.named_children:
                if sub.type == "shorthand_property_identifier_pattern" and text(sub) == "db" == name:
                    return True
                if sub.type == "pair_pattern":
                    key = sub.child_by_field_name("key")
                    val = sub.child_by_field_name("value")
                    if text(key) == "db" and val is not None and text(val) == name:
                        return True
        return False
    return False


def _declared_from_ctx(node: Node, name: str, member: str = "db") -> bool:
    return _declared_from_ctx_m(node, name, member)


def _is_ctx_member(node: Node, member: str) -> bool:
    """`ctx.<member>` on a ctx identifier."""
    if node.type != "member_expression" or text(node.child_by_field_name("property")) != member:
        return False
    obj = unwrap(node.child_by_field_name("object"))
    return obj is not None and obj.type == "identifier" and is_ctx_identifier(obj)


def _declared_from_ctx_m(node: Node, name: str, member: str) -> bool:
    """`const { db } = ctx;` (or `const db = ctx.db`) somewhere in an enclosing function; likewise
    for the other ctx members (`const { runQuery, scheduler } = ctx`)."""
    fn = innermost_function(node)
    return _declared_in(fn, name, member) if fn is not None else False


@_memo
def _declared_in(fn: Node, name: str, member: str) -> bool:
    """`_declared_from_ctx_m` for the nodes whose innermost function is `fn` (asked once per function)."""
    for cur in (fn,) + enclosing_functions(fn):
        body = cur.child_by_field_name("body")
        if body is not None and body.type == "statement_block":
            for stmt in body.named_children:
                if stmt.type not in ("lexical_declaration", "variable_declaration"):
                    continue
                for decl in stmt.named_children:
                    if decl.type != "variable_declarator":
                        continue
                    pat = decl.child_by_field_name("name")
                    val = unwrap(decl.child_by_field_name("value"))
                    if pat is None or val is None:
                        continue
                    if pat.type == "identifier" and text(pat) == name and (
                            is_db_expression(val) if member == "db" else _is_ctx_member(val, member)):
                        return True
                    if pat.type == "object_pattern" and val.type == "identifier" and is_ctx_identifier(val):
                        for sub in pat.named_children:
                            if sub.type == "shorthand_property_identifier_pattern" and text(sub) == name == member:
                                return True
                            if sub.type == "pair_pattern" and text(sub.child_by_field_name("key")) == member \
                                    and text(sub.child_by_field_name("value")) == name:
                                return True
    return False


@_memo
def ctx_call(call: Node) -> Optional[tuple[str, str]]:
    """Classify a call on a Convex ctx: ("db", "get"), ("scheduler", "runAfter"),
    ("run", "runQuery"), ("storage", "getUrl"), ("auth", "getUserIdentity"),
    ("db.system", "get"). None for anything else."""
    fn = call.child_by_field_name("function")
    if fn is not None and fn.type == "identifier":
        # `async ({ runMutation }) => { await runMutation(...) }`
        name = text(fn)
        if name in ("runQuery", "runMutation", "runAction") and _destructured_member(fn, name):
            return ("run", name)
        return None
    if fn is None or fn.type != "member_expression":
        return None
    method = text(fn.child_by_field_name("property"))
    obj = unwrap(fn.child_by_field_name("object"))
    if obj is None:
        return None
    if obj.type == "identifier":
        if method in ("runQuery", "runMutation", "runAction") and is_ctx_identifier(obj):
            return ("run", method)
        if is_db_expression(obj):
            return ("db", method)
        name = text(obj)
        if name in ("scheduler", "storage", "auth") and _destructured_member(obj, name):
            return (name, method)
        return None
    if obj.type == "member_expression":
        prop = text(obj.child_by_field_name("property"))
        inner = unwrap(obj.child_by_field_name("object"))
        if prop == "db" and is_db_expression(obj):
            return ("db", method)
        if prop == "system" and inner is not None and is_db_expression(inner):
            return ("db.system", method)
        if prop in ("scheduler", "storage", "auth") and inner is not None and inner.type == "identifier" \
                and is_ctx_identifier(inner):
            return (prop, method)
    return None


def _destructured_member(ident: Node, name: str) -> bool:
    found = _binding_of(name, ident)
    if found is None:
        # `const { runMutation } = ctx;` in the handler body
        return _declared_from_ctx(ident, name, name)
    fn, param = found
    pat = param_pattern(param)
    return pat.type == "object_pattern" and is_registration_handler(fn)


@record
class ChainStep:
    method: str
    call: Node  # the call_expression of this step
    member: Node  # the member_expression (…).method


@record
class QueryChain:
    root: Node  # ctx.db.query("t") call
    table: Optional[str]
    table_node: Optional[Node]
    steps: list[ChainStep] = field(default_factory=list)
    system: bool = False
    use: Optional[Node] = None  # a variable read that ends the chain without steps of its own

    @property
    def outer(self) -> Node:
        if self.use is not None:
            return self.use
        return self.steps[-1].call if self.steps else self.root

    def step(self, method: str) -> Optional[ChainStep]:
        for s in self.steps:
            if s.method == method:
                return s
        return None

    @property
    def terminal(self) -> Optional[ChainStep]:
        for s in self.steps:
            if s.method in TERMINALS:
                return s
        return None

    def methods(self) -> list[str]:
        return [s.method for s in self.steps]


def query_chain_from_root(root: Node) -> Optional[QueryChain]:
    """Build a chain if `root` is `<db>.query("table")` or `<db>.table("table").query()` (1.51)."""
    fn = root.child_by_field_name("function")
    if fn is None or fn.type != "member_expression":
        return None
    if text(fn.child_by_field_name("property")) != "query":
        return None
    obj = unwrap(fn.child_by_field_name("object"))
    if obj is None:
        return None
    system = False
    table_node = None
    if obj.type == "call_expression" and not call_args(root):
        # ctx.db.table("t").query()
        tfn = obj.child_by_field_name("function")
        if tfn is None or tfn.type != "member_expression" or text(tfn.child_by_field_name("property")) != "table":
            return None
        db = unwrap(tfn.child_by_field_name("object"))
        if db is None or not is_db_expression(db):
            return None
        targs = call_args(obj)
        table_node = targs[0] if targs else None
    elif obj.type == "member_expression" and text(obj.child_by_field_name("property")) == "system":
        system = True
        inner = unwrap(obj.child_by_field_name("object"))
        if inner is None or not is_db_expression(inner):
            return None
    elif not is_db_expression(obj):
        return None
    if table_node is None:
        args = call_args(root)
        table_node = args[0] if args else None
    table = string_value(table_node)
    return QueryChain(root=root, table=table, table_node=table_node, system=system, steps=steps_above(root))


_TOP_WRAPPERS = frozenset({"parenthesized_expression", "as_expression", "satisfies_expression", "non_null_expression"})


def _expression_top(node: Node) -> Node:
    return _top_and_parent(node)[0]


def _top_and_parent(node: Node) -> tuple[Node, Optional[Node]]:
    """The outermost wrapper (parens, `as`, `satisfies`, `!`) around `node`, and its parent (each
    `parent` is a walk down from the root in tree-sitter: asked once a level)."""
    parent = node.parent
    while parent is not None and parent.type in _TOP_WRAPPERS:
        node = parent
        parent = node.parent
    return node, parent


def is_for_await_source(node: Node) -> bool:
    """`for await (const d of <node>)`."""
    top = _expression_top(node)
    p = top.parent
    if p is None or p.type != "for_in_statement":
        return False
    right = p.child_by_field_name("right")
    return right is not None and right.id == top.id and any(c.type == "await" for c in p.children)


# the node types that give a value a name: (value field, name field)
_NAMED_BY = {"variable_declarator": ("value", "name"), "assignment_expression": ("right", "left")}


def chain_variable(chain: QueryChain) -> Optional[tuple[str, Node]]:
    """`let q = ctx.db.query("t")…;` or `q = q.filter(…)`: (the variable's name, the node of the
    declaration or assignment) when an unfinished chain is stored in a plain variable."""
    if chain.terminal is not None:
        return None
    outer, p = _top_and_parent(chain.outer)
    if p is None:
        return None
    fields = _NAMED_BY.get(p.type)  # `const name = <outer>` or `name = <outer>`
    if fields is None:
        return None
    value = p.child_by_field_name(fields[0])
    if value is not None and value.id == outer.id:
        name = p.child_by_field_name(fields[1])
        if name is not None and name.type == "identifier":
            return text(name), p
    return None


def steps_above(node: Node) -> list[ChainStep]:
    """The method calls chained onto `node`: `node.a(…).b(…)` -> [a, b]."""
    steps: list[ChainStep] = []
    cur = node
    while True:
        parent = cur.parent
        if parent is None or parent.type != "member_expression":
            break
        obj = parent.child_by_field_name("object")
        if obj is None or obj.id != cur.id:
            break
        call = parent.parent
        method = text(parent.child_by_field_name("property"))
        if call is None or call.type != "call_expression" or call.child_by_field_name("function").id != parent.id:
            break
        steps.append(ChainStep(method=method, call=call, member=parent))
        cur = call
    return steps


def helper_returned_chain(chain: QueryChain) -> Optional[Node]:
    """The function that returns this unfinished chain (`return ctx.db.query("t").withIndex(…)`, or
    an arrow whose body is the chain), so calls of that function continue the chain."""
    if chain.terminal is not None:
        return None
    outer, p = _top_and_parent(chain.outer)
    if p is None:
        return None
    if p.type == "return_statement":
        fn = p.parent
        while fn is not None and fn.type not in FUNCTION_TYPES:
            fn = fn.parent
        return fn
    if p.type == "arrow_function":
        body = p.child_by_field_name("body")
        if body is not None and body.id == outer.id:
            return p
    return None


def index_eq_fields(range_fn: Optional[Node]) -> list[tuple[str, str, Node]]:
    """For `(q) => q.eq("a", x).gt("b", y)`: [("eq","a",node), ("gt","b",node)]."""
    out: list[tuple[str, str, Node]] = []
    if range_fn is None or range_fn.type not in ("arrow_function", "function_expression"):
        return out
    body = range_fn.child_by_field_name("body")
    if body is not None and body.type == "statement_block":
        ret = next((c for c in body.named_children if c.type == "return_statement"), None)
        body = ret.named_children[0] if ret is not None and ret.named_children else None
    cur = unwrap(body)
    while cur is not None and cur.type == "call_expression":
        fn = cur.child_by_field_name("function")
        if fn is None or fn.type != "member_expression":
            break
        args = call_args(cur)
        name = string_value(args[0]) if args else None
        if name is not None:
            out.append((text(fn.child_by_field_name("property")), name, cur))
        cur = unwrap(fn.child_by_field_name("object"))
    out.reverse()
    return out
