"""Small, generic helpers over tree-sitter nodes (no Convex knowledge here)."""

from __future__ import annotations

from _thread import _local  # (= threading.local, without importing threading)
from typing import Callable, Iterator, Optional

from tree_sitter import Node

FUNCTION_TYPES = frozenset(
    {"arrow_function", "function_expression", "function_declaration", "method_definition",
     "generator_function_declaration", "generator_function", "function"}
)
LOOP_TYPES = frozenset({"for_statement", "for_in_statement", "while_statement", "do_statement"})


# ---------------------------------------------------------------- per-file memo
# Rules ask the same questions about the same nodes many times (its text, its member chain, is it
# a ctx?). While one file is extracted or linted (`file_cache(store)`, the store kept on the file's
# `FileModel.memo`), the answers are memoised by node id, which is unique among the trees alive.
# A node a memo answered for is kept in the store (`_PINS`): its tree stays alive as long as the
# memo, so no other tree (a validator text parsed on the side, say) can reuse the id meanwhile.


class _Active(_local):
    cache: Optional[dict] = None  # the store of the file being worked on, or None
    texts: Optional[dict] = None  # node id -> text, inside `cache`
    pins: Optional[list] = None  # nodes the memo answered for, inside `cache`


_active = _Active()
_TEXTS = "syntax.text"
_PINS = "syntax.pins"


class file_cache:
    """Memoise per-node answers in `store` (a file's `FileModel.memo`) while the block runs. Nested:
    the outer file's store stays in use. (A class, not a generator context manager: entered a few
    thousand times per check, at a third of the cost.)"""

    __slots__ = ("store", "entered")

    def __init__(self, store: Optional[dict] = None):
        self.store = store
        self.entered = False

    def __enter__(self) -> None:
        if _active.cache is not None:
            return
        cache = {} if self.store is None else self.store
        texts = _texts_of(cache)
        _active.cache, _active.texts, _active.pins = cache, texts, cache[_PINS]
        self.entered = True

    def __exit__(self, *exc) -> None:
        if self.entered:
            self.entered = False
            _active.cache = _active.texts = _active.pins = None


class own_file_cache:
    """`file_cache(store)` even inside another file's block (work on another file's tree met
    while linting this one): the outer store is put back after."""

    __slots__ = ("store", "saved")

    def __init__(self, store: dict):
        self.store = store

    def __enter__(self) -> None:
        store = {} if self.store is None else self.store
        texts = _texts_of(store)
        self.saved = _active.cache, _active.texts, _active.pins
        _active.cache, _active.texts, _active.pins = store, texts, store[_PINS]

    def __exit__(self, *exc) -> None:
        _active.cache, _active.texts, _active.pins = self.saved


def _texts_of(store: dict) -> dict:
    """The text memo of a file's store (set up with its pins on first use)."""
    texts = store.get(_TEXTS)
    if texts is None:
        texts = store[_TEXTS] = {}
        store[_PINS] = []
    return texts


def active_cache() -> Optional[dict]:
    """The store `file_cache` is using in this thread, or None."""
    return _active.cache


def pin(node: Node) -> None:
    """Keep `node`'s tree alive as long as the active memo (call when memoising by `node.id`)."""
    pins = _active.pins
    if pins is not None:
        pins.append(node)


def text(node: Optional[Node]) -> str:
    if node is None:
        return ""
    texts = _active.texts
    if texts is not None:
        i = node.id
        got = texts.get(i)
        if got is not None:
            return got
        raw = node.text  # a new bytes slice on every access: read it once
        got = texts[i] = raw.decode("utf-8", "replace") if raw is not None else ""
        _active.pins.append(node)
        return got
    raw = node.text
    return raw.decode("utf-8", "replace") if raw is not None else ""


def text_reader(data: bytes, root: Node, store: dict) -> Callable[[Optional[Node]], str]:
    """`text` for the nodes of the one tree parsed from `data` whose root is `root` (the caller
    vouches: a node of another tree would be read from the wrong bytes), memoised in the same table
    as `text` in `store` (a file's memo). A miss is sliced from the file's text (an ASCII file
    decoded once) or bytes: `Node.text` copies through a memoryview, several times slower. The root
    is pinned once: every node read here is of its tree, which stays alive as long as the memo."""
    texts = _texts_of(store)
    store[_PINS].append(root)
    get = texts.get
    if data.isascii():
        whole = data.decode("ascii")

        def read(node: Optional[Node]) -> str:
            if node is None:
                return ""
            i = node.id
            got = get(i)
            if got is None:
                got = texts[i] = whole[node.start_byte:node.end_byte]
            return got
    else:
        def read(node: Optional[Node]) -> str:
            if node is None:
                return ""
            i = node.id
            got = get(i)
            if got is None:
                got = texts[i] = data[node.start_byte:node.end_byte].decode("utf-8", "replace")
            return got
    return read


def string_value(node: Optional[Node]) -> Optional[str]:
    """The value of a plain string literal ("x", 'x', or `x` without substitutions)."""
    if node is None:
        return None
    if node.type == "string":
        raw = text(node)
        return raw[1:-1] if len(raw) >= 2 else ""
    if node.type == "template_string":
        raw = text(node)
        # a substitution is written `${`: without one in the text, no child need be read
        if "${" in raw and any(c.type == "template_substitution" for c in node.named_children):
            return None
        return raw[1:-1]
    return None


# what `unwrap` looks through
WRAPPER_TYPES = frozenset({"parenthesized_expression", "await_expression", "non_null_expression", "as_expression",
                           "satisfies_expression", "type_assertion"})


def unwrap(node: Optional[Node]) -> Optional[Node]:
    """Strip parentheses, `await`, `as`/`satisfies`/non-null wrappers."""
    while node is not None and node.type in WRAPPER_TYPES:
        inner = node.named_children
        node = inner[0] if inner else None
    return node


_UP_WRAPPERS = frozenset({"parenthesized_expression", "await_expression", "non_null_expression",
                          "as_expression", "satisfies_expression"})


def up(node: Node) -> Node:
    """The outermost wrapper (parens, await, as, !) around a node."""
    parent = node.parent  # (tree-sitter walks down from the root for each `parent`: once a level)
    while parent is not None and parent.type in _UP_WRAPPERS:
        node = parent
        parent = node.parent
    return node


def call_args(call: Node) -> list[Node]:
    args = call.child_by_field_name("arguments")
    if args is None:
        return []
    return [c for c in args.named_children if c.type != "comment"]


def callee_name(call: Node) -> Optional[str]:
    """`foo` for foo(...), `bar` for a.b.bar(...)."""
    fn = call.child_by_field_name("function")
    if fn is None:
        return None
    if fn.type == "identifier":
        return text(fn)
    if fn.type == "member_expression":
        prop = fn.child_by_field_name("property")
        return text(prop) if prop is not None else None
    return None


def member_property(node: Node) -> Optional[Node]:
    """The property of a member_expression. Inside a type query (`typeof internal.a.b`) tree-sitter's
    `child_by_field_name("property")` answers with the wrong node (the inner member's property), so
    the field is read from the children themselves."""
    for i in range(node.child_count - 1, -1, -1):
        if node.field_name_for_child(i) == "property":
            return node.children[i]
    return node.child_by_field_name("property")


def member_chain(node: Node) -> Optional[list[str]]:
    """['ctx', 'db', 'get'] for ctx.db.get; None when a link is not a plain name."""
    cache = _active.cache
    if cache is None or node is None:
        return _member_chain(node)
    memo = cache.get(_CHAINS)
    if memo is None:
        memo = cache[_CHAINS] = {}
    i = node.id
    got = memo.get(i, _MISS)
    if got is _MISS:
        found = _member_chain(node)
        got = memo[i] = tuple(found) if found is not None else None
        _active.pins.append(node)
    return list(got) if got is not None else None  # a list of its own: a caller may change it


_CHAINS = "syntax.member_chain"
_MISS = object()


def _member_chain(node: Node) -> Optional[list[str]]:
    parts: list[str] = []
    cur: Optional[Node] = node
    while cur is not None:
        if cur.type == "member_expression":
            prop = cur.child_by_field_name("property")
            if prop is None or prop.type not in ("property_identifier", "private_property_identifier"):
                return None
            parts.append(text(prop))
            cur = unwrap(cur.child_by_field_name("object"))
        elif cur.type in ("identifier", "this"):
            parts.append(text(cur))
            break
        else:
            return None
    parts.reverse()
    return parts


def object_pairs(obj: Optional[Node]) -> dict[str, Node]:
    """key -> pair/method/shorthand node for an object literal (string or identifier keys)."""
    out: dict[str, Node] = {}
    if obj is None or obj.type != "object":
        return out
    for child in obj.named_children:
        if child.type == "pair":
            key = child.child_by_field_name("key")
            name = string_value(key) if key is not None and key.type == "string" else text(key)
            out[name] = child
        elif child.type == "method_definition":
            key = child.child_by_field_name("name")
            out[text(key)] = child
        elif child.type == "shorthand_property_identifier":
            out[text(child)] = child
    return out


def pair_value(pair: Node) -> Optional[Node]:
    if pair.type == "pair":
        return pair.child_by_field_name("value")
    return pair  # method_definition / shorthand: the node itself


def enclosing(node: Node, types: frozenset | set | tuple) -> Optional[Node]:
    cur = node.parent
    while cur is not None:
        if cur.type in types:
            return cur
        cur = cur.parent
    return None


def enclosing_function(node: Node) -> Optional[Node]:
    return enclosing(node, FUNCTION_TYPES)


def walk(node: Node) -> Iterator[Node]:
    """Pre-order walk of named and anonymous descendants (including node)."""
    cursor = node.walk()
    visited_children = False
    while True:
        if not visited_children:
            yield cursor.node
            if cursor.goto_first_child():
                continue
        if cursor.goto_next_sibling():
            visited_children = False
            continue
        if not cursor.goto_parent() or cursor.node == node:
            break
        visited_children = True


def descendants_of_type(node: Node, types: set | frozenset | tuple, stop_at_functions: bool = False) -> Iterator[Node]:
    stack = list(reversed(node.named_children))
    while stack:
        n = stack.pop()
        if n.type in types:
            yield n
        if stop_at_functions and n.type in FUNCTION_TYPES:
            continue
        stack.extend(reversed(n.named_children))


def function_params(fn: Node) -> list[Node]:
    """Parameter nodes (required/optional parameter, or the single arrow identifier)."""
    single = fn.child_by_field_name("parameter")
    if single is not None:
        return [single]
    params = fn.child_by_field_name("parameters")
    if params is None:
        return []
    return [p for p in params.named_children if p.type != "comment"]


def param_pattern(param: Node) -> Node:
    if param.type in ("required_parameter", "optional_parameter"):
        pat = param.child_by_field_name("pattern")
        if pat is not None:
            return pat
    return param


def param_type_text(param: Node) -> str:
    if param.type in ("required_parameter", "optional_parameter"):
        ann = param.child_by_field_name("type")
        if ann is not None:
            return text(ann).lstrip(":").strip()
    return ""


def function_body(fn: Node) -> Optional[Node]:
    return fn.child_by_field_name("body")


def is_inside(node: Node, ancestor: Node) -> bool:
    return ancestor.start_byte <= node.start_byte and node.end_byte <= ancestor.end_byte


def error_ranges(root: Node) -> list[tuple[int, int]]:
    """Byte ranges of ERROR and MISSING nodes (only descends into subtrees with errors)."""
    out: list[tuple[int, int]] = []
    if not root.has_error:
        return out
    stack = [root]
    while stack:
        n = stack.pop()
        if n.is_error or n.type == "ERROR":
            out.append((n.start_byte, n.end_byte))
            continue
        if n.is_missing:
            out.append((max(0, n.start_byte - 1), n.end_byte + 1))
            continue
        for c in n.children:
            if c.has_error or c.is_missing or c.is_error:
                stack.append(c)
    return out


def returns_of(body: Node) -> list[Node]:
    """The `return` statements of a function body (not of functions nested in it), in order."""
    out = []
    stack = list(body.named_children)
    while stack:
        n = stack.pop()
        if n.type == "return_statement":
            out.append(n)
        if n.type in FUNCTION_TYPES or n.type in ("class_declaration", "class"):
            continue
        stack.extend(n.named_children)
    out.sort(key=lambda n: n.start_byte)
    return out


def return_value(ret: Node) -> Optional[Node]:
    """The expression a `return` statement returns (None for a bare `return;`)."""
    vals = [c for c in ret.named_children if c.type != "comment"]
    return vals[0] if vals else None
