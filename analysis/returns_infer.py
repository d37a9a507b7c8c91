"""Return inference without the TypeScript compiler.

For a handler (or a model-layer helper), the shapes its `return` statements can produce, as
`validator_algebra.Shape`s: `ctx.db.get` documents, `.unique()`/`.first()` (with `null`),
`.collect()`/`.take()` arrays, `.paginate()` results, `ctx.db.insert` ids, object literals and
spreads, document field reads, `.map(x => ({...}))`, conditionals and `??`, literals, helpers
across files (through `extract`, the per-file summary) and `ctx.run*` results (the callee's
`returns`). Anything not understood is `unknown`; rules report nothing about it.
"""

from __future__ import annotations

import re
from typing import Optional

from tree_sitter import Node

from . import byte_scan
from . import deferred
from .deferred import Keyed, Pending
from . import convex as cx
from .records import record
from .syntax import (
    FUNCTION_TYPES, call_args, function_params, param_pattern, return_value,
    string_value, text,
)
from .validator_algebra import (
    BOOLEAN, EXTRA_KEY, NEVER, NULL, NUMBER, STRING, SYMBOLIC, UNDEFINED, UNKNOWN, Field,
    Shape, literal, nullable, pair_key, parse_validator, union, with_maybe_null, without_null,
)
from .validators_util import can_complete, function_can_fall_off, v_locals

_MAX_DEPTH = 12
_STRING_METHODS = {"toLowerCase", "toUpperCase", "trim", "trimStart", "trimEnd", "slice", "substring", "replace",
                   "replaceAll", "padStart", "padEnd", "toString", "toFixed", "toISOString", "join", "repeat",
                   "normalize", "charAt", "toLocaleString", "toDateString", "toLocaleDateString"}
_NUMBER_METHODS = {"indexOf", "lastIndexOf", "getTime", "charCodeAt", "localeCompare", "findIndex", "valueOf"}
_BOOLEAN_METHODS = {"includes", "startsWith", "endsWith", "some", "every", "has", "test"}
_SAME_ARRAY = {"filter", "slice", "reverse", "sort", "toSorted", "toReversed"}


@record
class ReturnSite:
    node: Node  # the return statement (or the expression body of an arrow)
    value: Optional[Node]  # the returned expression (None: `return;`)
    shape: Shape


@record
class HandlerReturns:
    sites: list  # [ReturnSite]
    falls_off: bool  # the body can reach its end (returns undefined)

    @property
    def shape(self) -> Shape:
        shapes = [s.shape for s in self.sites]
        if self.falls_off or not shapes:
            shapes.append(UNDEFINED)
        return union(shapes)


def _unwrap(node: Optional[Node]) -> tuple[Optional[Node], bool]:
    """Strip parens/await/as/satisfies; the second value says a `!` (non-null) was seen."""
    nonnull = False
    while node is not None:
        t = node.type
        if t in ("parenthesized_expression", "await_expression"):
            node = node.named_children[0] if node.named_children else None
        elif t == "non_null_expression":
            nonnull = True
            node = node.named_children[0] if node.named_children else None
        elif t in ("as_expression", "satisfies_expression", "type_assertion"):  # `as const` too
            node = node.named_children[0] if node.named_children else None
        else:
            break
    return node, nonnull


# ------------------------------------------------------------------ TypeScript annotations
def type_shape(node: Optional[Node], depth: int = 0) -> Shape:
    """`Doc<"t">`, `Id<"t">`, `X | null`, `Promise<X>`, `X[]`, primitives -> Shape; else unknown."""
    if node is None or depth > 8:
        return UNKNOWN
    t = node.type
    if t in ("type_annotation", "parenthesized_type"):
        return type_shape(node.named_children[-1] if node.named_children else None, depth + 1)
    if t == "predefined_type":
        return {"string": STRING, "number": NUMBER, "boolean": BOOLEAN, "null": NULL}.get(text(node), UNKNOWN)
    if t == "literal_type":
        if text(node) == "null":
            return NULL
        inner = node.named_children[0] if node.named_children else None
        s = string_value(inner)
        return literal(("s", s)) if s is not None else UNKNOWN
    if t == "union_type":
        return union([type_shape(c, depth + 1) for c in node.named_children])
    if t == "array_type":
        return Shape("array", items=(type_shape(node.named_children[0] if node.named_children else None, depth + 1),))
    if t == "generic_type":
        name = text(node.child_by_field_name("name"))
        targs = node.child_by_field_name("type_arguments")
        args = [c for c in targs.named_children] if targs is not None else []
        if name in ("Doc", "Id") and len(args) == 1:
            s = _type_string(args[0])
            if s is not None:
                return Shape("doc" if name == "Doc" else "id", table=s)
        if name == "Promise" and len(args) == 1:
            return type_shape(args[0], depth + 1)
        if name == "Array" and len(args) == 1:
            return Shape("array", items=(type_shape(args[0], depth + 1),))
    return UNKNOWN


def _type_string(node: Node) -> Optional[str]:
    if node.type == "literal_type" and node.named_children:
        return string_value(node.named_children[0])
    return None


# ------------------------------------------------------------------ inference
_TREE_MEMO = "returns_infer.tree"  # FileModel.memo key: the _TreeMemo every Inferer of that model shares


class _TreeMemo:
    """An Inferer's answers that depend on the tree alone (nothing an Inferer's recursion guards or
    helper shapes decide), so every Inferer of one model shares them: the extractor's and the
    rules' (CVX113, CVX101's fix). They live in the model's per-parse store (`FileModel.memo`): a
    re-parsed tree gets a new model and a new store, never another tree's node ids."""

    def __init__(self):
        self.idents: dict[tuple, list] = {}  # (name, top-level node start, end) -> the identifiers spelled so in it
        self.named: dict[tuple, list] = {}  # (name, scope id) -> Inferer.named's answer
        self.returns: dict[int, list] = {}  # statement block id -> its own return statements (see own_returns)
        self.conditions: dict[int, list] = {}  # function id -> the conditions starting in it
        self.spans: dict[int, tuple] = {}  # function id -> where its tests are (see _test_spans)
        self.mutated: dict[tuple, bool] = {}  # (scope id, name, fresh) -> _mutated's answer for its identifiers
        self.held: dict[int, bool] = {}  # function id -> does a condition starting with it hold it (see _held)
        self.tests: dict[int, tuple] = {}  # function id -> (reads its conditions narrow, their heads)
        self.tested: dict[tuple, bool] = {}  # (function id, name) -> is an identifier `name` in its tests
        self.leaves: dict[int, frozenset] = {}  # condition node id -> the reads it tests


def _tree_memo(model) -> _TreeMemo:
    store = getattr(model, "memo", None)
    if store is None:
        return _TreeMemo()
    tree = store.get(_TREE_MEMO)
    if tree is None:
        tree = store[_TREE_MEMO] = _TreeMemo()
    return tree


def own_returns(model, body: Node, tree: Optional[_TreeMemo] = None) -> list[Node]:
    """The `return` statements of a function's statement block, not of the functions nested in it
    (byte_scan.own_returns), found once per parse: the inference and the CVX101/CVX104/CVX113
    fixes ask it of the same handlers."""
    if tree is None:
        tree = _tree_memo(model)
    got = tree.returns.get(body.id)
    if got is None:
        got = tree.returns[body.id] = byte_scan.own_returns(body, model.src.data, cx.innermost_function)
    return got


class Inferer:
    """Infers return shapes in one file (symbolic where other files or the schema are needed)."""

    def __init__(self, model):
        self.model = model
        self.path = model.path
        self.v_names = _v_names(model)
        self.text = reader_of(model)  # (the text of a node of the model's tree)
        self._helper_memo: dict[int, Shape] = {}
        self._active: set[int] = set()
        # helpers asked for too deep, and recursions cut: where an answer may depend on the questions
        # asked before (a helper's shape memoised, or being worked out); none, and every answer is
        # the one any order of questions gives (see _Shapes)
        self.cuts = 0
        self.deep = 0  # expressions met deeper than _MAX_DEPTH (an answer without any holds at any lesser depth)
        self._declared_memo: dict[tuple, tuple] = {}  # see _declared
        self._tree = _tree_memo(model)
        self._chains_by_call: Optional[dict] = None  # see _chains
        self._handlers_by_id: Optional[dict] = None  # see _handlers

    @property
    def _chains(self) -> dict:
        """Query chains with steps, by the node that ends them."""
        if self._chains_by_call is None:
            self._chains_by_call = {c.outer.id: c for c in self.model.query_chains if c.steps}
        return self._chains_by_call

    @property
    def _handlers(self) -> dict:
        """Registrations by their handler node's id."""
        if self._handlers_by_id is None:
            self._handlers_by_id = {reg.handler.id: reg for reg in self.model.registrations if reg.handler is not None}
        return self._handlers_by_id

    def named(self, scope: Node, name: str) -> list[Node]:
        """The identifiers (and shorthand properties) spelled `name` starting inside `scope`, in
        document order; looked for in the bytes of the top-level statements holding `scope`, each
        once per name (a name is mostly asked about in one function of a file of many)."""
        tree = self._tree
        key = (name, scope.id)
        got = tree.named.get(key)
        if got is not None:
            return got
        root = self.model.root
        lo, hi = scope.start_byte, scope.end_byte
        if not name:  # an empty (MISSING) name: a query over the whole tree
            nodes = _identifier_nodes(root, self.path, name)
        else:
            data = self.model.src.data
            nodes = []
            kid = root.first_child_for_byte(lo)  # (the first ending after `lo`: those before hold nothing here)
            while kid is not None and kid.start_byte < hi:
                k = (name, kid.start_byte, kid.end_byte)
                part = tree.idents.get(k)
                if part is None:
                    part = tree.idents[k] = byte_scan.identifiers_named(
                        root, data, name, kid.start_byte, kid.end_byte)
                nodes.extend(part)
                kid = kid.next_sibling
        got = tree.named[key] = [n for n in nodes if lo <= n.start_byte < hi]
        return got

    # ---------------------------------------------------------- functions
    def function_returns(self, fn: Node) -> Optional[HandlerReturns]:
        body = fn.child_by_field_name("body") if fn is not None and fn.type in FUNCTION_TYPES else None
        if body is None:
            return None
        if body.type != "statement_block":
            return HandlerReturns([ReturnSite(body, body, self.expr(body, 0))], False)
        sites = []
        for r in own_returns(self.model, body, self._tree):
            val = return_value(r)
            sites.append(ReturnSite(r, val, self.expr(val, 0) if val is not None else UNDEFINED))
        return HandlerReturns(sites, function_can_fall_off(fn))

    def helper_shape(self, fn: Node, depth: int = 0) -> Shape:
        """What a model-layer helper returns (its annotation when the body says too little)."""
        deep = depth > _MAX_DEPTH
        if deep:
            self.cuts += 1
        got = self._helper_memo.get(fn.id)
        if got is not None:
            return got
        if deep or fn.id in self._active:
            self.cuts += not deep
            return UNKNOWN
        self._active.add(fn.id)
        try:
            hr = self.function_returns(fn)
            shape = hr.shape if hr is not None else UNKNOWN
            if _unknownish(shape):
                ann = type_shape(fn.child_by_field_name("return_type"))
                if ann.kind != "unknown" and not _unknownish(ann):
                    shape = ann
        finally:
            self._active.discard(fn.id)
        self._helper_memo[fn.id] = shape
        return shape

    # ---------------------------------------------------------- expressions
    def expr(self, node: Optional[Node], depth: int) -> Shape:
        node, nonnull = _unwrap(node)
        if node is None:
            return UNKNOWN
        if depth > _MAX_DEPTH:
            self.deep += 1
            return UNKNOWN
        s = self._expr(node, depth)
        return without_null(s) if nonnull else s

    def _expr(self, e: Node, depth: int) -> Shape:
        t = e.type
        if t == "string":
            return _code(("s", string_value(e)))
        if t == "template_string":
            sv = string_value(e)
            return _code(("s", sv)) if sv is not None else STRING
        if t == "number" or (t == "unary_expression" and e.named_children and e.named_children[-1].type == "number"
                             and self.text(e).startswith("-")):
            if self.text(e).rstrip().endswith("n"):
                return Shape("int64")  # `0n`: a bigint
            try:
                val = float(self.text(e).replace("_", "").replace(" ", ""))
            except ValueError:
                return NUMBER
            return _code(("n", val))
        if t in ("true", "false"):
            return _code(("b", t == "true"))
        if t == "null":
            return NULL
        if t == "undefined" or (t == "identifier" and self.text(e) == "undefined"):
            return UNDEFINED
        if t == "identifier":
            return self._identifier(e, depth)
        if t == "object":
            return self._object(e, depth)
        if t == "array":
            return self._array(e, depth)
        if t == "ternary_expression":
            return union([self.expr(e.child_by_field_name("consequence"), depth + 1),
                          self.expr(e.child_by_field_name("alternative"), depth + 1)])
        if t == "binary_expression":
            return self._binary(e, depth)
        if t == "unary_expression":
            op = self.text(e.child_by_field_name("operator"))
            if op == "!":
                return BOOLEAN
            if op == "typeof":
                return STRING
            if op in ("-", "+", "~"):
                return NUMBER
            return UNKNOWN
        if t == "member_expression":
            return self._member(e, depth)
        if t == "call_expression":
            return self._call(e, depth)
        return UNKNOWN

    def _binary(self, e: Node, depth: int) -> Shape:
        op = self.text(e.child_by_field_name("operator"))
        left = e.child_by_field_name("left")
        right = e.child_by_field_name("right")
        if op in ("===", "!==", "==", "!=", "<", ">", "<=", ">=", "instanceof", "in"):
            return BOOLEAN
        if op in ("-", "*", "/", "%", "**", "|", "&", "^", "<<", ">>", ">>>"):
            return NUMBER
        if op == "+":
            a, b = self.expr(left, depth + 1), self.expr(right, depth + 1)
            kinds = {_prim_kind(a), _prim_kind(b)}
            if "string" in kinds:
                return STRING
            if kinds == {"number"}:
                return NUMBER
            return UNKNOWN
        if op == "??":
            a = self.expr(left, depth + 1)
            if a.kind == "unknown":
                return UNKNOWN
            return union([without_null(_drop_undefined(a)), self.expr(right, depth + 1)])
        if op == "||":
            a = self.expr(left, depth + 1)
            if _nullable_object(a):
                return union([without_null(a), self.expr(right, depth + 1)])
            return UNKNOWN
        return UNKNOWN

    def _object(self, e: Node, depth: int) -> Shape:
        fields: list[Field] = []
        open_ = False
        for c in e.named_children:
            if c.type == "pair":
                name = pair_key(c, self.text)
                if name is None:
                    open_ = True
                    continue
                val = self.expr(c.child_by_field_name("value"), depth + 1)
                fields.append(_value_field(name, val))
            elif c.type == "shorthand_property_identifier":
                fields.append(_value_field(self.text(c), self._identifier(c, depth + 1)))
            elif c.type == "spread_element":
                inner = c.named_children[0] if c.named_children else None
                cond = _strip_parens(inner)
                if cond is not None and cond.type == "binary_expression" \
                        and self.text(cond.child_by_field_name("operator")) == "&&":
                    # `...(x && { a })`: the fields of the object, each may be absent
                    part = self.expr(cond.child_by_field_name("right"), depth + 1)
                    fields.append(Field("...", Shape("op", value=("partial",), items=(part,))))
                elif cond is not None and cond.type == "ternary_expression":
                    a = self.expr(cond.child_by_field_name("consequence"), depth + 1)
                    b = self.expr(cond.child_by_field_name("alternative"), depth + 1)
                    fields.append(Field("...", Shape("op", value=("either",), items=(a, b))))
                else:
                    fields.append(Field("...", self.expr(inner, depth + 1)))
            elif c.type == "comment":
                continue
            else:  # methods, getters: not Convex values
                return UNKNOWN
        return Shape("object", fields=tuple(fields), open=open_)

    def _array(self, e: Node, depth: int) -> Shape:
        members = []
        for c in e.named_children:
            if c.type == "comment":
                continue
            if c.type == "spread_element":
                inner = self.expr(c.named_children[0] if c.named_children else None, depth + 1)
                if inner.kind != "array":
                    return UNKNOWN
                members.append(inner.items[0])
            else:
                members.append(self.expr(c, depth + 1))
        return Shape("array", items=(union(members) if members else NEVER,))

    # ---------------------------------------------------------- names
    def _tested(self, node: Node, read: str) -> bool:
        """Is `read` (`email.to`, `p`) narrowed by a condition other than a null test somewhere in
        the functions around `node` (`Array.isArray(email.to) ? …`, `if (p.kind !== "a") throw`)?
        Then its inferred shape would be too wide: the analysis says unknown."""
        m = _PLAIN_HEAD.match(read)
        name = m.group(1) if m is not None and m.group(1) not in _NOT_PLAIN else None
        heads = _heads(read) if "." in read else ()
        tree = self._tree
        outermost = None
        for fn in cx.enclosing_functions(node):  # (innermost first)
            if name is not None and not self._held(fn):
                # `a`, `a.b`: a test reads it, a member of it or what it is a member of exactly
                # when the identifier `a` is in the test (every such read starts with it). The
                # tests of such a function are among those of such a function around it, as are
                # its `a`s: the outermost one answers for all
                outermost = fn
                continue
            got = tree.tests.get(fn.id)
            if got is None:
                got = tree.tests[fn.id] = _tested_reads(self._conditions(fn), tree.leaves)
            tested, tested_heads = got
            # a read tested itself, one of its heads (`a` of `a.b`), or one it is the head of
            if read in tested or read in tested_heads or any(h in tested for h in heads):
                return True
        if outermost is None:
            return False
        key = (outermost.id, name)  # (asked again for each read starting with `a`: `a.b.c`, `a.b`, `a`)
        inside = tree.tested.get(key)
        if inside is None:
            inside = tree.tested[key] = _named_inside(self.model.root, self.model.src.data, name,
                                                      self._test_spans(outermost))
        return inside

    def _held(self, fn: Node) -> bool:
        """Does a condition starting where `fn` starts hold it (`(() => {}) || x`)? Then its tests
        reach outside it. (Every other condition starting in it lies inside it.)"""
        tree = self._tree
        got = tree.held.get(fn.id)
        if got is None:
            got = False
            lo, hi = fn.start_byte, fn.end_byte
            up = fn.parent
            while up is not None and up.start_byte == lo:
                if up.type in _COND_TYPES and up.end_byte > hi:
                    got = True
                    break
                up = up.parent
            tree.held[fn.id] = got
        return got

    def _conditions(self, fn: Node) -> list[Node]:
        got = self._tree.conditions.get(fn.id)
        if got is None:
            got = self._tree.conditions[fn.id] = byte_scan.condition_nodes(fn, self.model.src.data, _COND_TYPES)
        return got

    def _test_spans(self, fn: Node) -> tuple:
        """(starts, ends) of the outermost tests in `fn` (a function no condition holds, see _held)
        other than null tests, sorted."""
        tree = self._tree
        spans = tree.spans.get(fn.id)
        if spans is not None:
            return spans
        found = sorted(((leaf.start_byte, -leaf.end_byte) for c in self._conditions(fn) for cond in _tested_parts(c)
                        for leaf in _condition_leaves(cond) if not _pure_null_test(leaf)))
        starts: list[int] = []
        ends: list[int] = []
        for start, neg_end in found:
            if ends and start < ends[-1]:
                continue  # inside the one before (nodes nest)
            starts.append(start)
            ends.append(-neg_end)
        spans = tree.spans[fn.id] = (starts, ends)
        return spans

    def _identifier(self, ident: Node, depth: int) -> Shape:
        name = self.text(ident)
        found = self._binding(ident, name)  # (both questions are pure: the cheaper one first)
        if found is None or self._tested(ident, name):
            return UNKNOWN
        kind, node, extra = found
        if kind == "decl":
            shape = self._declared(node, name, ident, depth)
        elif kind == "param":
            shape = self._param(node, extra, name, depth)
        elif kind == "forof":
            arr = self.expr(node.child_by_field_name("right"), depth + 1)
            shape = _element(arr) or UNKNOWN
            if shape.kind != "unknown" and node.child_by_field_name("left") is not None \
                    and node.child_by_field_name("left").type != "identifier":
                shape = self._pattern_pick(node.child_by_field_name("left"), name, shape)
        else:
            return UNKNOWN
        if _has_null(shape) or shape.kind in SYMBOLIC:
            shape = self._narrow(ident, name, shape)
        return shape

    def _binding(self, ident: Node, name: str):
        """Where `name` (used at `ident`) is bound: ("decl", declarator, None), ("param", fn,
        param), ("forof", for_in_statement, None), or None."""
        data = self.model.src.data
        raw = name.encode("utf-8")
        cur = ident
        parent = cur.parent
        while parent is not None:
            pt = parent.type
            if pt in _BLOCK_TYPES:
                # its statements before the use that hold the name, in order: those holding an
                # occurrence before `cur` (the statement holding the use), then `cur`
                end = cur.start_byte
                i = data.find(raw, parent.start_byte, end)
                while i != -1:
                    stmt = parent.first_named_child_for_byte(i)
                    if stmt is None or stmt.start_byte >= end:
                        break
                    if stmt.start_byte <= i:
                        d = _declarator_of(stmt, name)
                        if d is not None:
                            return ("decl", d, None)
                        i = data.find(raw, stmt.end_byte, end)
                    else:  # (outside every statement: not a name's place, but looked past exactly)
                        i = data.find(raw, stmt.start_byte, end)
                if end < ident.start_byte and data.find(raw, end, cur.end_byte) != -1:
                    d = _declarator_of(cur, name)
                    if d is not None:
                        return ("decl", d, None)
            elif pt in FUNCTION_TYPES:
                body = parent.child_by_field_name("body")
                # (its parameters and name are written before its body)
                if body is None or data.find(raw, parent.start_byte, body.start_byte) != -1:
                    for p in function_params(parent):
                        if name in _pattern_names(param_pattern(p)):
                            return ("param", parent, p)
                    if pt == "function_declaration" and self.text(parent.child_by_field_name("name")) == name:
                        return None
            elif pt == "for_in_statement":
                left = parent.child_by_field_name("left")
                if left is not None and name in _pattern_names(left) and cur.id != left.id \
                        and any(c.type == "of" for c in parent.children):
                    return ("forof", parent, None)
            cur = parent
            parent = cur.parent
        return None

    def _declared(self, decl: Node, name: str, use: Node, depth: int) -> Shape:
        """The shape of `name` declared at `decl` (each use of a name asks again). An answer worked out
        with no recursion cut and no expression too deep is kept, and given to the same question asked
        no deeper: the helpers it met are memoised with the shapes it saw."""
        key = (decl.id, name)
        got = self._declared_memo.get(key)
        if got is not None and depth <= got[0]:
            return got[1]
        cuts, deep = self.cuts, self.deep
        shape = self._declared_now(decl, name, depth)
        if self.cuts == cuts and self.deep == deep:
            self._declared_memo[key] = (depth, shape)
        return shape

    def _declared_now(self, decl: Node, name: str, depth: int) -> Shape:
        stmt = decl.parent
        is_const = stmt is not None and stmt.type == "lexical_declaration" \
            and self.model.src.data.startswith(b"const", stmt.start_byte)
        value = decl.child_by_field_name("value")
        if value is None:
            return UNKNOWN
        scope = cx.innermost_function(decl)
        if scope is None:
            scope = self.model.root
        if not is_const and _reassigned(self.named(scope, name)):
            return UNKNOWN
        inner = _unwrap(value)[0]
        fresh = inner is not None and inner.type in ("object", "array")
        key = (scope.id, name, fresh)
        mutated = self._tree.mutated.get(key)
        if mutated is None:
            mutated = self._tree.mutated[key] = _mutated(self.named(scope, name), fresh)
        if mutated:
            return UNKNOWN
        shape = self.expr(value, depth + 1)
        pat = decl.child_by_field_name("name")
        if pat is not None and pat.type != "identifier":
            shape = self._pattern_pick(pat, name, shape)
        return shape

    def _pattern_pick(self, pat: Node, name: str, shape: Shape) -> Shape:
        """`const { a } = <shape>`: the shape of `a`."""
        if pat.type != "object_pattern":
            return UNKNOWN
        for sub in pat.named_children:
            if sub.type == "shorthand_property_identifier_pattern" and self.text(sub) == name:
                return self._field_of(shape, name)
            if sub.type == "pair_pattern" and self.text(sub.child_by_field_name("value")) == name:
                return self._field_of(shape, self.text(sub.child_by_field_name("key")))
        return UNKNOWN

    def _param(self, fn: Node, param: Node, name: str, depth: int) -> Shape:
        reg = self._handlers.get(fn.id)
        params = function_params(fn)
        if reg is not None:  # the handler's args
            if len(params) < 2 or params[1].id != param.id:
                return UNKNOWN
            args = self._args_shape(reg)
            pat = param_pattern(param)
            if pat.type == "identifier":
                return args
            return self._pattern_pick(pat, name, args)
        # a callback of `.map(...)` over a known array
        call = fn.parent.parent if fn.parent is not None and fn.parent.type == "arguments" else None
        if call is not None and call.type == "call_expression" and params and params[0].id == param.id:
            callee = call.child_by_field_name("function")
            if callee is not None and callee.type == "member_expression" \
                    and self.text(callee.child_by_field_name("property")) in ("map", "flatMap", "forEach", "filter",
                                                                         "find", "some", "every"):
                arr = self.expr(callee.child_by_field_name("object"), depth + 1)
                elem = _element(arr)
                if elem is not None:
                    pat = param_pattern(param)
                    return elem if pat.type == "identifier" else self._pattern_pick(pat, name, elem)
            return UNKNOWN
        # a helper's typed parameter (`id: Id<"tasks">`, `task: Doc<"tasks">`)
        if param.type in ("required_parameter", "optional_parameter") and param_pattern(param).type == "identifier":
            return type_shape(param.child_by_field_name("type"))
        return UNKNOWN

    def _args_shape(self, reg) -> Shape:
        node = reg.value("args") if reg.config is not None else None
        if node is None:
            return UNKNOWN
        return parse_validator(node, self.path, self.v_names, read=reader_of(self.model))

    def _narrow(self, use: Node, name: str, shape: Shape) -> Shape:
        """`if (!doc) throw …` before the use rules `null` out; any other test of the name makes
        its `null` uncertain."""
        fn = cx.innermost_function(use)
        if fn is None:
            return shape
        mentions = False
        for other in self.named(fn, name):
            if other.start_byte >= use.start_byte:
                break
            if other.parent is not None and other.parent.type == "variable_declarator" \
                    and other.parent.child_by_field_name("name") is not None \
                    and other.parent.child_by_field_name("name").id == other.id:
                continue  # the declaration itself
            mentions = True
            guard = _early_exit_guard(other, name)
            if guard is not None and not (guard.start_byte <= use.start_byte < guard.end_byte):
                return without_null(shape)
        anc = use.parent
        while anc is not None and anc.id != fn.id:
            p = anc.parent
            if p is not None and p.type == "if_statement" and p.child_by_field_name("consequence") is not None \
                    and p.child_by_field_name("consequence").id == anc.id \
                    and _truthy_test(p.child_by_field_name("condition"), name):
                return without_null(shape)
            if p is not None and p.type == "ternary_expression" and p.child_by_field_name("consequence") is not None \
                    and p.child_by_field_name("consequence").id == anc.id \
                    and _truthy_test(p.child_by_field_name("condition"), name):
                return without_null(shape)
            anc = p
        return with_maybe_null(shape) if mentions else shape

    # ---------------------------------------------------------- members and calls
    def _field_of(self, base: Shape, name: str) -> Shape:
        base = without_null(base)
        if base.kind in SYMBOLIC or base.kind in ("paginate", "object", "union", "tablefields"):
            return Shape("op", value=("prop", name), items=(base,))
        return UNKNOWN

    def _member(self, e: Node, depth: int) -> Shape:
        prop = self.text(e.child_by_field_name("property"))
        obj = e.child_by_field_name("object")
        if self._tested(e, self.text(e).replace("?.", ".")):
            return UNKNOWN
        base = self.expr(obj, depth + 1)
        if any(c.type == "optional_chain" for c in e.children):
            # `doc?.field`: the field, or undefined when `doc` is null
            if base.kind == "unknown" or "?." in self.text(obj):
                return UNKNOWN
            return union([self._field_of(base, prop), UNDEFINED])
        if prop == "length" and base.kind in ("array", "string", "literal"):
            return NUMBER
        return self._field_of(base, prop)

    def _call(self, e: Node, depth: int) -> Shape:
        chain = self._chains.get(e.id)
        if chain is not None:
            term = chain.terminal
            if chain.system or chain.table is None or term is None or term.call.id != e.id:
                return UNKNOWN
            d = _narrowed_by_query(chain)
            if d is None:
                return UNKNOWN
            if term.method in ("first", "unique"):
                return nullable(d, origin=f"`.{term.method}()`")
            if term.method in ("collect", "take"):
                return Shape("array", items=(d,), origin=f"`.{term.method}()`")
            if term.method == "paginate":
                return Shape("paginate", items=(d,), origin="`.paginate()`")
            return UNKNOWN
        kind = cx.ctx_call(e)
        args = call_args(e)
        if kind is not None:
            return self._ctx_call(kind, args, depth)
        fn = e.child_by_field_name("function")
        if fn is None:
            return UNKNOWN
        if fn.type == "identifier":
            return self._plain_call(self.text(fn), args, depth)
        if fn.type != "member_expression":
            return UNKNOWN
        method = self.text(fn.child_by_field_name("property"))
        obj = fn.child_by_field_name("object")
        objname = self.text(obj) if obj is not None and obj.type == "identifier" else ""
        if objname == "Promise" and method == "all" and args:
            return self.expr(args[0], depth + 1)
        if objname in ("Math",) or (objname == "Date" and method == "now"):
            return NUMBER
        if objname == "JSON" and method == "stringify":
            return STRING
        if objname == "Object" and method == "keys":
            return Shape("array", items=(STRING,))
        if objname and self.model.import_of(objname) is not None and self.model.import_of(objname).imported == "*":
            return Shape("helper", value=(self.path, f"{objname}.{method}"))
        if method in ("map", "flatMap") and args:
            arr = self.expr(obj, depth + 1)
            cb = args[0]
            if _element(arr) is None:
                return UNKNOWN
            if cb.type == "identifier" and self.text(cb) in self.model.helper_nodes:
                elem = self.helper_shape(self.model.helper_nodes[self.text(cb)], depth + 1)  # `.map(publicMessage)`
            elif cb.type in FUNCTION_TYPES:
                hr = self.function_returns(cb)
                if hr is None or hr.falls_off:
                    return UNKNOWN
                elem = union([s.shape for s in hr.sites]) if hr.sites else UNKNOWN
            else:
                return UNKNOWN
            if method == "flatMap":
                elem = elem.items[0] if elem.kind == "array" else UNKNOWN
            return Shape("array", items=(elem,))
        if method == "filter":
            arr = self.expr(obj, depth + 1)
            if arr.kind != "array" or not args or not _null_filter(args[0]):
                return UNKNOWN  # a predicate may narrow the elements (literal fields, kinds)
            return Shape("array", items=(without_null(arr.items[0]),))
        if method in _SAME_ARRAY:
            arr = self.expr(obj, depth + 1)
            return arr if arr.kind == "array" else UNKNOWN
        if method == "concat":
            parts = [self.expr(obj, depth + 1)] + [self.expr(a, depth + 1) for a in args]
            if all(p.kind == "array" for p in parts):
                return Shape("array", items=(union([p.items[0] for p in parts]),))
            return UNKNOWN
        if method in _STRING_METHODS and method not in ("slice",):
            return STRING if method != "join" or self.expr(obj, depth + 1).kind == "array" else UNKNOWN
        if method in _BOOLEAN_METHODS:
            return BOOLEAN
        if method in _NUMBER_METHODS:
            return NUMBER
        return UNKNOWN

    def _ctx_call(self, kind: tuple[str, str], args: list, depth: int) -> Shape:
        area, method = kind
        if area == "db":
            if method == "insert" and args:
                t = string_value(args[0])
                return Shape("id", table=t, origin="`ctx.db.insert`") if t else UNKNOWN
            if method == "get":
                if len(args) == 2 and string_value(args[0]) is not None:
                    table = string_value(args[0])
                elif len(args) == 1:
                    ids = without_null(self.expr(args[0], depth + 1))
                    if ids.kind in SYMBOLIC:  # an argument, a document's id field: resolved later
                        return Shape("get", items=(ids,), origin="`ctx.db.get`")
                    table = ids.table if ids.kind == "id" else None
                else:
                    table = None
                if not table or table.startswith("_"):
                    return UNKNOWN
                return nullable(Shape("doc", table=table), origin="`ctx.db.get`")
            if method == "normalizeId" and args and string_value(args[0]):
                return nullable(Shape("id", table=string_value(args[0])), origin="`ctx.db.normalizeId`")
            return UNKNOWN
        if area == "storage":
            if method == "getUrl":
                return nullable(STRING, origin="`ctx.storage.getUrl`")
            if method == "generateUploadUrl":
                return STRING
            if method == "store":
                return Shape("id", table="_storage")
            return UNKNOWN
        if area == "scheduler" and method in ("runAfter", "runAt"):
            return Shape("id", table="_scheduled_functions")
        if area == "run" and args:
            ref = _api_path(self.model, args[0])
            if ref is not None:
                return Shape("fnret", value=(self.path, ref))
        return UNKNOWN

    def _plain_call(self, name: str, args: list, depth: int) -> Shape:
        if name in ("String",):
            return STRING
        if name in ("Number", "parseInt", "parseFloat"):
            return NUMBER
        if name == "Boolean":
            return BOOLEAN
        fn = self.model.helper_nodes.get(name)
        if fn is not None:
            return self.helper_shape(fn, depth + 1)
        imp = self.model.import_of(name)
        if imp is not None and not imp.type_only and imp.source.startswith("."):
            return Shape("helper", value=(self.path, name))
        if imp is not None and name == "getAuthUserId" and imp.source.startswith("@convex-dev/auth"):
            return nullable(Shape("id", table="users"), origin="`getAuthUserId`")
        return UNKNOWN


# ------------------------------------------------------------------ helpers
def _code(value) -> Shape:
    """A literal written in the code (widened to its type when a validator is proposed)."""
    return Shape("literal", value=value, origin="code")


def _narrowed_by_query(chain) -> Optional[Shape]:
    """The documents a query chain reads: `withIndex(…, q => q.eq("status", "open"))` and
    `.filter(q => q.eq(q.field("status"), …))` pin fields, so only what the query lets through
    is described (a field pinned to a literal is that literal; a literal union pinned otherwise
    is unknown)."""
    pinned: dict[str, Optional[tuple]] = {}
    for step in chain.steps:
        if step.method in ("withIndex", "withSearchIndex"):
            args = call_args(step.call)
            for op, name, node in cx.index_eq_fields(args[1] if len(args) > 1 else None):
                if op != "eq":
                    continue
                a = call_args(node)
                lit = _code_literal(a[1]) if len(a) > 1 else None
                pinned[name] = lit if name not in pinned else None
        elif step.method == "filter":
            names = _filtered_fields(step.call)
            for name in (names if names is not None else ("*",)):  # "*": any field may be narrowed
                pinned[name] = None
    d = Shape("doc", table=chain.table)
    if not pinned:
        return d
    return Shape("op", value=("pin", tuple(sorted(pinned.items(), key=lambda kv: kv[0]))), items=(d,))


def _code_literal(node: Optional[Node]):
    from .validator_algebra import _literal_value

    return _literal_value(node)


def _filtered_fields(call: Node) -> Optional[set]:
    """The fields a `.filter(q => …)` reads through `q.field("x")` (None: it reads otherwise)."""
    out: set = set()
    args = call_args(call)
    if not args:
        return None
    for n in _descendants(args[0]):
        if n.type == "call_expression":
            fn = n.child_by_field_name("function")
            if fn is not None and fn.type == "member_expression" and text(fn.child_by_field_name("property")) == "field":
                a = call_args(n)
                name = string_value(a[0]) if a else None
                if name is None:
                    return None
                out.add(name.split(".")[0])
    return out or None


def _element(arr: Shape) -> Optional[Shape]:
    """The element shape of an array (symbolic when the array is: an argument, a document field)."""
    if arr.kind == "array":
        return arr.items[0]
    if arr.kind in SYMBOLIC:
        return Shape("op", value=("elem",), items=(arr,))
    return None


def _prim_kind(s: Shape) -> str:
    if s.kind == "literal":
        return {"s": "string", "n": "number", "b": "boolean"}[s.value[0]]
    return s.kind


def _value_field(name: str, val: Shape) -> Field:
    """An object literal's field: `undefined` values are dropped by Convex (the field may be absent)."""
    if val.kind == "undefined":
        return Field(name, UNKNOWN, True)
    if val.kind == "union" and any(m.kind == "undefined" for m in val.items):
        return Field(name, union([m for m in val.items if m.kind != "undefined"]), True)
    return Field(name, val)


def _drop_undefined(s: Shape) -> Shape:
    if s.kind == "union":
        return union([m for m in s.items if m.kind != "undefined"])
    return NEVER if s.kind == "undefined" else s


def _has_null(s: Shape) -> bool:
    return s.kind == "null" or (s.kind == "union" and any(m.kind == "null" for m in s.items))


def _nullable_object(s: Shape) -> bool:
    return s.kind == "union" and any(m.kind == "null" for m in s.items) \
        and all(m.kind in ("null", "doc", "object") for m in s.items)


def _api_path(model, node: Node) -> Optional[tuple[str, ...]]:
    from .syntax import member_chain, unwrap

    node = unwrap(node)
    if node is None or node.type != "member_expression":
        return None
    chain = member_chain(node)
    if not chain or len(chain) < 3:
        return None
    imp = model.import_of(chain[0])
    if imp is None or not cx.GENERATED_API_RE.search(imp.source) or chain[0] not in ("api", "internal"):
        return None
    return tuple(chain[1:])


def _pattern_names(pat: Optional[Node]) -> set[str]:
    out: set[str] = set()
    stack = [pat] if pat is not None else []
    while stack:
        n = stack.pop()
        if n.type in ("identifier", "shorthand_property_identifier_pattern"):
            out.add(text(n))
        elif n.type == "pair_pattern":
            stack.append(n.child_by_field_name("value"))
        elif n.type in ("object_assignment_pattern", "assignment_pattern"):
            stack.append(n.child_by_field_name("left"))
        elif n.type in ("object_pattern", "array_pattern", "rest_pattern", "required_parameter",
                        "optional_parameter"):
            if n.type in ("required_parameter", "optional_parameter"):
                stack.append(param_pattern(n))
            else:
                stack.extend(n.named_children)
        elif n.type in ("lexical_declaration", "variable_declaration"):
            for d in n.named_children:
                if d.type == "variable_declarator":
                    stack.append(d.child_by_field_name("name"))
    out.discard("")
    return out


def _declarator_of(stmt: Node, name: str) -> Optional[Node]:
    if stmt.type == "export_statement":
        stmt = stmt.child_by_field_name("declaration") or stmt
    if stmt.type not in ("lexical_declaration", "variable_declaration"):
        return None
    for d in stmt.named_children:
        if d.type == "variable_declarator" and name in _pattern_names(d.child_by_field_name("name")):
            return d
    return None


def _identifier_nodes(root: Node, path: str, name: str) -> list[Node]:
    """The identifiers spelled `name` in the tree, by a query over every identifier (document order)."""
    import tree_sitter as ts

    from .source import language

    kind = "tsx" if path.endswith((".tsx", ".jsx")) else "ts"
    q = _IDENT_QUERY.get(kind)
    if q is None:
        q = _IDENT_QUERY[kind] = ts.Query(language(kind), "(identifier) @n (shorthand_property_identifier) @n")
    found = [n for n in ts.QueryCursor(q).captures(root).get("n", []) if text(n) == name]
    found.sort(key=lambda n: n.start_byte)
    return found


_IDENT_QUERY: dict = {}


def _reassigned(idents: list[Node]) -> bool:
    """Is one of these identifiers (of a name, in a scope) assigned to or updated?"""
    for ident in idents:
        p = ident.parent
        if p is not None and p.type in ("assignment_expression", "augmented_assignment_expression") \
                and p.child_by_field_name("left") is not None and p.child_by_field_name("left").id == ident.id:
            return True
        if p is not None and p.type == "update_expression":
            return True
    return False


def _mutated(idents: list[Node], fresh: bool = False) -> bool:
    """`name.push(…)`, `name.x = …`, `delete name.x`, `Object.assign(name, …)` (`idents`: the
    identifiers of the name in its scope)."""
    for ident in idents:
        p = ident.parent
        if p is None:
            continue
        if p.type == "member_expression" and p.child_by_field_name("object") is not None \
                and p.child_by_field_name("object").id == ident.id:
            gp = p.parent
            if gp is not None and gp.type in ("assignment_expression", "augmented_assignment_expression") \
                    and gp.child_by_field_name("left") is not None and gp.child_by_field_name("left").id == p.id:
                return True
            if gp is not None and gp.type == "call_expression" and text(p.child_by_field_name("property")) in (
                    "push", "unshift", "splice", "pop", "shift", "set", "add", "delete", "sort", "reverse", "fill"):
                return True
            if gp is not None and gp.type == "unary_expression" and text(gp.child_by_field_name("operator")) == "delete":
                return True
        if p.type == "subscript_expression" and p.child_by_field_name("object") is not None \
                and p.child_by_field_name("object").id == ident.id:
            gp = p.parent
            if gp is not None and gp.type in ("assignment_expression", "augmented_assignment_expression") \
                    and gp.child_by_field_name("left") is not None and gp.child_by_field_name("left").id == p.id:
                return True  # `out[key] = …`
        if p.type == "arguments" and fresh:
            return True  # a new object/array handed to a function that may fill it in (`collect(out)`)
        if p.type == "arguments" and _text_is(p.parent.child_by_field_name("function"), "Object.assign") \
                and p.named_children and p.named_children[0].id == ident.id:
            return True
    return False


def _strip_parens(n: Optional[Node]) -> Optional[Node]:
    while n is not None and n.type == "parenthesized_expression":
        n = n.named_children[0] if n.named_children else None
    return n


def _text_is(node: Optional[Node], s: str) -> bool:
    """`text(node) == s`, without reading the text of a node too long to be it."""
    if node is None:
        return s == ""
    if "\ufffd" not in s and node.end_byte - node.start_byte != len(s.encode("utf-8")):
        return False  # (a text without U+FFFD decoded from exactly its own UTF-8 bytes)
    return text(node) == s


def _nullish(node: Optional[Node]) -> bool:
    """Is the node's text `null` or `undefined`?"""
    return _text_is(node, "null") or _text_is(node, "undefined")


def _falsy_test(cond: Optional[Node], name: str) -> bool:
    """`!x`, `x === null`, `x == null`, `x === undefined`, `!x || …`."""
    cond = _strip_parens(cond)
    if cond is None:
        return False
    if cond.type == "unary_expression" and text(cond.child_by_field_name("operator")) == "!":
        arg = _strip_parens(cond.child_by_field_name("argument"))
        return arg is not None and arg.type == "identifier" and text(arg) == name
    if cond.type == "binary_expression":
        op = text(cond.child_by_field_name("operator"))
        left, right = _strip_parens(cond.child_by_field_name("left")), _strip_parens(cond.child_by_field_name("right"))
        if op in ("===", "=="):
            return (_text_is(left, name) or _text_is(right, name)) and (_nullish(left) or _nullish(right))
        if op == "||":
            return _falsy_test(left, name) or _falsy_test(right, name)
    return False


def _truthy_test(cond: Optional[Node], name: str) -> bool:
    """`x`, `x !== null`, `x != null`, `x && …`."""
    cond = _strip_parens(cond)
    if cond is None:
        return False
    if cond.type == "identifier":
        return text(cond) == name
    if cond.type == "binary_expression":
        op = text(cond.child_by_field_name("operator"))
        left, right = _strip_parens(cond.child_by_field_name("left")), _strip_parens(cond.child_by_field_name("right"))
        if op in ("!==", "!="):
            return (_text_is(left, name) or _text_is(right, name)) and (_nullish(left) or _nullish(right))
        if op == "&&":
            return _truthy_test(left, name) or _truthy_test(right, name)
    return False


def _pure_null_test(leaf: Node) -> bool:
    """`x`, `x === null`, `x != undefined`: a test that only rules `null` in or out."""
    if leaf.type == "identifier":
        return True
    if leaf.type == "binary_expression" and text(leaf.child_by_field_name("operator")) in ("===", "!==", "==", "!="):
        sides = [_strip_parens(leaf.child_by_field_name("left")), _strip_parens(leaf.child_by_field_name("right"))]
        return any(x is not None and _nullish(x) for x in sides) \
            and any(x is not None and x.type == "identifier" and text(x) not in ("null", "undefined") for x in sides)
    return False


def _condition_leaves(cond: Optional[Node]):
    cond = _strip_parens(cond)
    if cond is None:
        return
    if cond.type == "binary_expression" and text(cond.child_by_field_name("operator")) in ("&&", "||"):
        yield from _condition_leaves(cond.child_by_field_name("left"))
        yield from _condition_leaves(cond.child_by_field_name("right"))
    elif cond.type == "unary_expression" and text(cond.child_by_field_name("operator")) == "!":
        yield from _condition_leaves(cond.child_by_field_name("argument"))
    else:
        yield cond


_BLOCK_TYPES = frozenset({"statement_block", "program", "switch_case", "switch_default", "class_body"})
_COND_TYPES = frozenset({"if_statement", "while_statement", "do_statement", "ternary_expression",
                         "switch_statement", "binary_expression"})


def _tested_reads(nodes: list[Node], memo: dict) -> tuple[set, set]:
    """Texts of the names and member chains that these conditions (those starting in a function)
    test, null tests aside; and their heads (`a`, `a.b` of `a.b.c`). `memo`: the reads of each
    condition, by node id (nested functions share their conditions with the functions around)."""
    out: set = set()
    for n in nodes:
        got = memo.get(n.id)
        if got is None:
            got = memo[n.id] = _condition_reads(n)
        out |= got
    heads = {h for t in out if "." in t for h in _heads(t)}
    return out, heads


# a read starting with a plain name (`a`, `a.b.c`), and the words at the start of a member chain that
# are not `identifier` nodes
_PLAIN_HEAD = re.compile(r"([A-Za-z_$][A-Za-z0-9_$]*)(?:\.|$)")
_NOT_PLAIN = frozenset({"this", "super", "import", "new", "null", "undefined", "true", "false"})


def _named_inside(root: Node, data: bytes, name: str, spans: tuple) -> bool:
    """Is an `identifier` spelled `name` inside one of the (disjoint, sorted) spans? Found from the
    bytes there: the tree is asked only about the name's occurrences in the tests."""
    raw = name.encode("utf-8")
    size = len(raw)
    for start, end in zip(*spans):
        for i in byte_scan.name_starts(data, raw, start, end):
            node = root.named_descendant_for_byte_range(i, i + size)
            if node is not None and node.type == "identifier" and node.start_byte == i and node.end_byte == i + size:
                return True
    return False


def _heads(read: str) -> list[str]:
    """`a` and `a.b` of `a.b.c`: what it reads a member of."""
    out = []
    i = read.find(".")
    while i != -1:
        out.append(read[:i])
        i = read.find(".", i + 1)
    return out


def _tested_parts(n: Node) -> list:
    """The expression a condition node (`if`, `while`, `do`, `switch`, `? :`, `&&`/`||`) tests."""
    t = n.type
    if t == "binary_expression":
        return [n.child_by_field_name("left")] if text(n.child_by_field_name("operator")) in ("&&", "||") else []
    if t == "switch_statement":
        return [n.child_by_field_name("value")]
    return [n.child_by_field_name("condition")]


def _condition_reads(n: Node) -> frozenset:
    """What one condition node tests: the texts of the names and member chains in it."""
    out: set = set()
    for cond in _tested_parts(n):
        for leaf in _condition_leaves(cond):
            if _pure_null_test(leaf):
                continue
            for m in [leaf] + list(_descendants(leaf)):
                if m.type == "identifier" or (m.type == "member_expression"
                                              and not any(c.type == "optional_chain" for c in m.children)):
                    out.add(text(m))
                elif m.type == "member_expression":
                    out.add(text(m).replace("?.", "."))
    return frozenset(out)


def _descendants(node: Node):
    stack = list(node.named_children)
    while stack:
        n = stack.pop()
        yield n
        stack.extend(n.named_children)


def _null_filter(cb: Node) -> bool:
    """`Boolean`, `(x) => x !== null`, `(x): x is T => !!x`: drops null elements only."""
    if cb.type == "identifier":
        return text(cb) == "Boolean"
    if cb.type not in ("arrow_function", "function_expression"):
        return False
    params = function_params(cb)
    if len(params) != 1:
        return False
    name = text(param_pattern(params[0]))
    body = cb.child_by_field_name("body")
    if body is not None and body.type == "statement_block":
        rets = [c for c in body.named_children if c.type != "comment"]
        if len(rets) != 1 or rets[0].type != "return_statement":
            return False
        body = return_value(rets[0])
    body = _strip_parens(body)
    while body is not None and body.type == "unary_expression" and text(body).startswith("!!"):
        body = _strip_parens(body.child_by_field_name("argument"))
        body = _strip_parens(body.child_by_field_name("argument")) if body is not None and body.type == "unary_expression" else body
    return body is not None and _pure_null_test(body) and name in text(body)


def _early_exit_guard(ident: Node, name: str) -> Optional[Node]:
    """The `if` statement around `ident` that leaves the function when `name` is null."""
    cur = ident
    while cur.parent is not None and cur.parent.type in ("parenthesized_expression", "unary_expression",
                                                         "binary_expression"):
        cur = cur.parent
    stmt = cur.parent
    if stmt is None or stmt.type != "if_statement":
        return None
    cond = stmt.child_by_field_name("condition")
    if cond is None or not _falsy_test(cond, name):
        return None
    if can_complete(stmt.child_by_field_name("consequence")):
        return None
    return stmt


def _unknownish(s: Shape) -> bool:
    if s.kind in ("unknown", "undefined"):
        return True
    if s.kind == "union":
        return any(m.kind in ("unknown", "undefined") for m in s.items)
    return False


# ------------------------------------------------------------------ the per-file summary
def extract(model) -> dict:
    """Plain data for other files: validator constants, helpers' return shapes, and each
    registration's inferred return shape (for `ctx.run*` callers of a function without `returns`).

    Each part is worked out when another file first asks for it (analysis/deferred.py, when
    deferring is on): few files are ever asked, and a helper's shape is a walk of its body; a
    constant is parsed when asked for by name. They come out as the eager computation gives them
    (the helpers, then the functions, with one Inferer: a recursion between helpers is cut where it
    was first met; the constants read no Inferer state)."""
    if not deferred.ENABLED:
        return eager_summary(model)
    consts = deferred.defer(model, lambda m: _constants(m).all(), {}, lambda m, name: _constants(m).entry(name))
    if not (_exported_helpers(model) or _summarized_registrations(model)):
        return {"consts": consts, "helpers": {}, "functions": {}}
    pending = Pending(model, lambda m: _shapes(m, Inferer(m)), ({}, {}))
    return {"consts": consts, "helpers": Keyed(pending, lambda m, name: _lazy_shapes(m).helper(m, name), 0),
            "functions": Keyed(pending, lambda m, name: _lazy_shapes(m).function(m, name), 1)}


def eager_summary(model) -> dict:
    """`extract` with every part worked out now (the reference the deferred parts are tested against)."""
    inf = Inferer(model)
    consts = _constants(model).all()
    helpers, functions = _shapes(model, inf)
    return {"consts": consts, "helpers": helpers, "functions": functions}


_CONSTANTS = "returns_infer.constants"  # FileModel.memo key: the file's _Constants


def _constants(model) -> "_Constants":
    return _in_memo(model, _CONSTANTS, _Constants)


def reader_of(model):
    """The text of a node of this model's tree (`FileModel.text_of`: `text` with a cheaper miss)."""
    return getattr(model, "text_of", None) or text


def _v_names(model) -> set:
    """The file's local names of `v` (`{"v"}` when it imports none), once per parse."""
    store = getattr(model, "memo", None)
    if store is None:
        return v_locals(model) or {"v"}
    return _in_memo(model, "returns_infer.v_names", lambda m: v_locals(m) or {"v"})


def _in_memo(model, key: str, make):
    """`model.memo[key]`, made by `make(model)` when first asked (it lives as long as the parse)."""
    got = model.memo.get(key)
    if got is None:
        got = model.memo[key] = make(model)
    return got


class _Constants:
    """The top-level `const x = <validator>` of a file (exported or not), each parsed once when
    first needed: all of them (`all`, the summary's "consts") or those of one name (`entry`)."""

    def __init__(self, model):
        self.path = model.path
        self.v_names = _v_names(model)
        self.read = reader_of(model)
        self.values: list[tuple[str, Node]] = []  # (name, value), in the file's order
        self.named: dict[str, list[Node]] = {}  # name -> its values, in order
        self.shapes: dict[int, Shape] = {}  # value id -> its validator shape
        for stmt in model.root.named_children:
            decl = stmt.child_by_field_name("declaration") if stmt.type == "export_statement" else stmt
            if decl is None or decl.type not in ("lexical_declaration", "variable_declaration"):
                continue
            for d in decl.named_children:
                if d.type != "variable_declarator":
                    continue
                n = d.child_by_field_name("name")
                val = d.child_by_field_name("value")
                if n is not None and n.type == "identifier" and val is not None and val.type in (
                        "call_expression", "object", "member_expression", "as_expression", "satisfies_expression",
                        "identifier"):
                    name = text(n)
                    self.values.append((name, val))
                    self.named.setdefault(name, []).append(val)

    def _shape(self, val: Node) -> Shape:
        got = self.shapes.get(val.id)
        if got is None:
            got = self.shapes[val.id] = parse_validator(val, self.path, self.v_names, read=self.read)
        return got

    def all(self) -> dict:
        consts: dict[str, Shape] = {}
        for name, val in self.values:
            shape = self._shape(val)
            if _worth_keeping(shape):
                consts[name] = shape
        return consts

    def entry(self, name: str):
        """`all().get(name)`, parsing only the values of that name (ABSENT when it has none)."""
        out = deferred.ABSENT
        for val in self.named.get(name, ()):
            shape = self._shape(val)
            if _worth_keeping(shape):
                out = shape
        return out


def _exported_helpers(model) -> list:
    helpers = model.facts.helpers
    return [(name, fn) for name, fn in model.helper_nodes.items()
            if (fact := helpers.get(name)) is not None and fact.exported]  # other files see exported helpers only


def _summarized_registrations(model) -> list:
    return [reg for reg in model.registrations
            if not reg.fact.has_returns and reg.fact.name and reg.handler is not None
            # `ctx.run*` callees are internal functions (custom builders named so too)
            and "internal" in reg.fact.builder.lower()]


def _shapes(model, inf: "Inferer") -> tuple[dict, dict]:
    """The exported helpers' return shapes, then the internal functions' (in this order: a helper's
    shape is memoised on the Inferer, and a recursion is cut where it was first met)."""
    helpers: dict[str, Shape] = {}
    for name, fn in _exported_helpers(model):
        shape = inf.helper_shape(fn)
        if shape.kind != "unknown":
            helpers[name] = shape
    functions: dict[str, Shape] = {}
    for reg in _summarized_registrations(model):
        hr = inf.function_returns(reg.handler)
        if hr is not None and not hr.falls_off and hr.sites:
            shape = hr.shape
            if shape.kind != "unknown":
                functions[reg.fact.name] = shape
    return helpers, functions


_LAZY_SHAPES = "returns_infer.lazy_shapes"  # FileModel.memo key: the file's _Shapes


def _lazy_shapes(model) -> "_Shapes":
    return _in_memo(model, _LAZY_SHAPES, _Shapes)


class _Shapes:
    """The summary's helper and function shapes one name at a time (`_shapes` works them all out,
    the helpers then the functions, with one Inferer).

    A helper's shape depends on the questions asked before only through a recursion cut (`A` calls
    `B` calls `A`: whichever is asked first sees the other's call to it as unknown) or a helper asked
    for too deep (a memoised shape is given, else unknown); the Inferer counts both (`cuts`). An
    answer worked out with none is the one every order of questions gives, `_shapes`' too: a helper
    in no cycle and reached at no cut depth has one shape. Once a cut is met, the memo may hold
    answers of that order only: this Inferer answers no more (WHOLE: `_shapes` is worked out)."""

    def __init__(self, model):
        self.inf = Inferer(model)
        self.inf.model = None  # (kept in the model's memo: it holds the model only while it answers)
        self.helpers = dict(_exported_helpers(model))
        self.functions: dict[str, list] = {}
        for reg in _summarized_registrations(model):
            self.functions.setdefault(reg.fact.name, []).append(reg)

    def helper(self, model, name: str):
        fn = self.helpers.get(name)
        if fn is None:
            return deferred.ABSENT
        got = self._answer(model, lambda inf: inf.helper_shape(fn))
        return got if got is deferred.WHOLE or got.kind != "unknown" else deferred.ABSENT

    def function(self, model, name: str):
        out = deferred.ABSENT
        for reg in self.functions.get(name, ()):
            hr = self._answer(model, lambda inf: inf.function_returns(reg.handler))
            if hr is deferred.WHOLE:
                return hr
            if hr is not None and not hr.falls_off and hr.sites:
                shape = hr.shape
                if shape.kind != "unknown":
                    out = shape
        return out

    def _answer(self, model, ask):
        """`ask(inferer)`, or WHOLE when a cut was met (then or before)."""
        inf = self.inf
        if inf.cuts:
            return deferred.WHOLE
        inf.model = model
        try:
            got = ask(inf)
        finally:
            inf.model = None
        return deferred.WHOLE if inf.cuts else got


def _worth_keeping(s: Shape) -> bool:
    if s.kind == "unknown":
        return False
    if s.kind == "object":
        return any(f.shape.kind != "unknown" for f in s.fields) or not s.fields
    return True


def summary_of(index, path: str) -> Optional[dict]:
    f = index.facts.get(path) if index is not None else None
    return f.extra.get(EXTRA_KEY) if f is not None else None


def builder_dialect(index, path: str, local: str) -> str:
    """"zod" when the builder is made by a zod factory (`zCustomQuery`, `zQuery` built from it,
    `zodQuery`...): its `returns` is a zod schema. Else "v"."""
    info = index.resolve_builder(path, local) if index is not None else None
    if info is None:
        return "v"
    for file, name in info.chain:
        f = index.facts.get(file)
        b = f.builders.get(name) if f is not None else None
        if b is not None and b.factory.startswith("z"):
            return "zod"
    return "v"


def describe_handler(model, reg, index) -> Optional[dict]:
    """For hover: the validator inferred from the handler's returns (None where not fully
    inferred), and the verdict on the declared `returns` (accepted/rejected/unknown + detail)."""
    from .validator_algebra import Resolver, has_unknown, judge, render, widen_code_literals

    if reg.handler is None:
        return None
    inf = Inferer(model)
    hr = inf.function_returns(reg.handler)
    if hr is None:
        return None
    res = Resolver(index, model.path)
    shape = widen_code_literals(hr.shape)
    inferred = None if has_unknown(shape, res) else render(shape, res)
    verdict = None
    ret = reg.value("returns") if reg.config is not None else None
    if ret is not None and builder_dialect(index, model.path, reg.builder) != "zod":
        validator = parse_validator(ret, model.path, inf.v_names, read=reader_of(model))
        if res.resolve(validator).kind != "unknown":
            verdicts = [judge(s.shape, validator, res) for s in hr.sites]
            bad = next((v for v in verdicts if v.kind == "rejected"), None)
            if bad is not None:
                verdict = ("rejected", bad.detail)
            elif verdicts and all(v.kind == "accepted" for v in verdicts) and not hr.falls_off:
                verdict = ("accepted", "")
            else:
                verdict = ("unknown", "")
    return {"inferred": inferred, "verdict": verdict, "returns": len(hr.sites), "falls_off": hr.falls_off}
