"""How many times can a function run something, along its worst execution path?

A function body is summarised as a small picklable tree (tuples), with the events a rule counts as
leaves, so the summary of a helper can be stored in `FileFacts.extra` and evaluated from another
file. Branches (`if`/`else`, `switch` cases, `? :`, `&&`/`||`/`??`, `try`/`catch`) are alternatives,
an early `return`/`throw` ends its path, and a loop body (or a callback given to `map`/`forEach`…)
counts twice: it can run again.

Trees:
  ("seq", items)          items in order
  ("alt", items)          exactly one of the items runs
  ("loop", item)          item runs zero or more times
  ("ret", item)           item, then the function exits
  ("body", item)          a callback's body: its `return` ends only the callback
  ("leaf", start, end)    one event (a `.paginate()` call, say)
  ("call", name, start, end)  a call of a plain function: as many events as that function can run
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Callable, Optional, Sequence

from tree_sitter import Node

from .syntax import FUNCTION_TYPES, callee_name, function_body, text

# callbacks handed to these run once per element
ITERATING_CALLEES = frozenset({"map", "forEach", "flatMap", "filter", "reduce", "some", "every", "find",
                               "findIndex", "asyncMap", "all"})
_EMPTY = ("seq", ())
_LOOPS = frozenset({"for_statement", "for_in_statement", "while_statement", "do_statement"})
_SKIP = frozenset({"comment", "type_annotation", "type_arguments", "type_alias_declaration",
                   "interface_declaration", "class_declaration", "import_statement"})

# classify(call) -> "leaf" | ("leaf", start, end) | ("call", name) | None
Classifier = Callable[[Node], object]


def summarize_function(fn: Node, classify: Classifier, marks: Optional[Sequence[int]] = None):
    """The tree of a function's body (an arrow's expression body is returned); nested functions run
    only when something calls them, so they are not followed (precision first).

    `marks`: the sorted start bytes of every call `classify` gives an event for and of every
    `return`/`throw` statement (anything else may be included too). A subtree holding none of them
    evaluates like nothing at all and is not visited: the answer of `evaluate` is the same, only
    cheaper. None: every node is visited."""
    try:
        return _Summarizer(classify, marks).function(fn)
    except RecursionError:
        return _EMPTY


def _seq(items):
    items = tuple(i for i in items if i != _EMPTY)
    if not items:
        return _EMPTY
    return items[0] if len(items) == 1 else ("seq", items)


class _Summarizer:
    def __init__(self, classify: Classifier, marks: Optional[Sequence[int]]):
        self.classify = classify
        self.marks = marks

    def _idle(self, node: Node) -> bool:
        """Does nothing in `node` count (no event, no `return`/`throw`)?"""
        marks = self.marks
        if marks is None:
            return False
        i = bisect_left(marks, node.start_byte)
        return i == len(marks) or marks[i] >= node.end_byte

    def function(self, fn: Node):
        body = function_body(fn)
        if body is None:
            return _EMPTY
        if body.type != "statement_block":
            return ("ret", self.expr(body))
        return self.stmt(body)

    def stmt(self, node: Optional[Node]):
        if node is None or node.type in _SKIP or self._idle(node):
            return _EMPTY
        t = node.type
        stmt, expr = self.stmt, self.expr
        if t in ("statement_block", "program", "else_clause", "switch_default", "switch_case", "finally_clause"):
            return _seq(stmt(c) for c in node.named_children
                        if not (t == "switch_case" and c.id == _field_id(node, "value")))
        if t in ("return_statement", "throw_statement"):
            return ("ret", _seq(expr(c) for c in node.named_children))
        if t == "if_statement":
            cond = expr(node.child_by_field_name("condition"))
            then = stmt(node.child_by_field_name("consequence"))
            alt = stmt(node.child_by_field_name("alternative"))
            return _seq((cond, ("alt", (then, alt))))
        if t in _LOOPS:
            return ("loop", _seq(stmt(c) if c.type.endswith("statement") or c.type == "statement_block"
                                 else expr(c) for c in node.named_children))
        if t == "switch_statement":
            disc = expr(node.child_by_field_name("value"))
            body = node.child_by_field_name("body")
            cases = [stmt(c) for c in (body.named_children if body is not None else ())
                     if c.type in ("switch_case", "switch_default")]
            if body is None or not any(c.type == "switch_default" for c in body.named_children):
                cases.append(_EMPTY)
            return _seq((disc, ("alt", tuple(cases))))
        if t == "try_statement":
            body = stmt(node.child_by_field_name("body"))
            handler = node.child_by_field_name("handler")
            catch = stmt(handler.child_by_field_name("body")) if handler is not None else None
            fin = stmt(node.child_by_field_name("finalizer"))
            first = ("alt", (body, catch)) if catch is not None else body
            return _seq((first, fin))
        if t == "labeled_statement":
            return _seq(stmt(c) for c in node.named_children)
        if t.endswith("_declaration") and t not in ("lexical_declaration", "variable_declaration"):
            return _EMPTY
        return expr(node)

    def expr(self, node: Optional[Node]):
        """Events of an expression (or a simple statement) in evaluation order."""
        if node is None or node.type in _SKIP or self._idle(node):
            return _EMPTY
        t = node.type
        expr = self.expr
        if t in FUNCTION_TYPES:
            p = node.parent
            if p is not None and p.type == "arguments" and p.parent is not None \
                    and callee_name(p.parent) in ITERATING_CALLEES:
                return ("loop", ("body", self.function(node)))
            return _EMPTY  # runs when (if) something calls it
        if t == "ternary_expression":
            return _seq((expr(node.child_by_field_name("condition")),
                         ("alt", (expr(node.child_by_field_name("consequence")),
                                  expr(node.child_by_field_name("alternative"))))))
        if t == "binary_expression" and text(node.child_by_field_name("operator")) in ("&&", "||", "??"):
            return _seq((expr(node.child_by_field_name("left")),
                         ("alt", (expr(node.child_by_field_name("right")), _EMPTY))))
        inner = _seq(expr(c) for c in node.named_children)
        if t == "call_expression":
            kind = self.classify(node)
            if kind == "leaf":
                return _seq((inner, ("leaf", node.start_byte, node.end_byte)))
            if isinstance(kind, tuple) and kind[0] == "leaf":  # ("leaf", start, end): a narrower range
                return _seq((inner, ("leaf", kind[1], kind[2])))
            if isinstance(kind, tuple) and kind[0] == "call":
                return _seq((inner, ("call", kind[1], node.start_byte, node.end_byte)))
        return inner


def _field_id(node: Node, name: str) -> int:
    c = node.child_by_field_name(name)
    return c.id if c is not None else -1


# ---------------------------------------------------------------- evaluation
# a path: (count, leaves) where leaves are the (start, end, count, "leaf"|"call") of the top-level
# events on it, in order
Path = Optional[tuple[int, tuple]]


def _best(a: Path, b: Path) -> Path:
    if a is None:
        return b
    if b is None:
        return a
    return b if b[0] > a[0] else a


def _add(a: Path, b: Path) -> Path:
    if a is None or b is None:
        return None
    return (a[0] + b[0], a[1] + b[1])


def evaluate(tree, count_call: Callable[[str], int]) -> tuple[Path, Path]:
    """(worst path falling off the end, worst path that returns), each (count, leaves) or None."""
    kind = tree[0]
    if kind == "seq":
        fall: Path = (0, ())
        ret: Path = None
        for item in tree[1]:
            f, r = evaluate(item, count_call)
            ret = _best(ret, _add(fall, r))
            fall = _add(fall, f)
            if fall is None:
                break
        return fall, ret
    if kind == "alt":
        fall = ret = None
        for item in tree[1]:
            f, r = evaluate(item, count_call)
            fall, ret = _best(fall, f), _best(ret, r)
        return fall, ret
    if kind == "loop":
        f, r = evaluate(tree[1], count_call)
        twice = _add(f, f) if f is not None and f[0] > 0 else f
        return _best((0, ()), twice), _best(r, _add(f, r))
    if kind == "ret":
        f, _ = evaluate(tree[1], count_call)
        return None, f
    if kind == "body":  # a callback: its `return` ends the callback, not the function around it
        f, r = evaluate(tree[1], count_call)
        return _best(f, r), None
    if kind == "leaf":
        return (1, ((tree[1], tree[2], 1, "leaf"),)), None
    if kind == "call":
        n = count_call(tree[1])
        return ((n, ((tree[2], tree[3], n, "call"),)) if n > 0 else (0, ())), None
    return (0, ()), None


def worst(tree, count_call: Callable[[str], int]) -> tuple[int, tuple]:
    try:
        f, r = evaluate(tree, count_call)
    except RecursionError:  # absurdly deep code: say nothing
        return (0, ())
    return _best(f, r) or (0, ())
