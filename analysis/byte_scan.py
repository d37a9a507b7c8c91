"""Nodes found from their bytes: a token is searched for in the file's bytes, and the node the
tree has exactly there is checked. Cheaper than a walk from Python, or a query visiting every
node, when the token is rare; exact, since every candidate is verified against the tree (a
token in a comment, a string or a longer name finds a node of another type and is dropped).

Used by the return inference (analysis/returns_infer.py)."""

from __future__ import annotations

import re
from typing import Iterator, Optional

from tree_sitter import Node

from .syntax import FUNCTION_TYPES

_NAME_TYPES = frozenset({"identifier", "shorthand_property_identifier"})
_NOT_OWN = FUNCTION_TYPES | {"class_declaration", "class"}  # a `return` in these is not the function's
# A pattern opening with a literal (or a set of literals) is searched for fast; one opening with
# `\b` or a look-behind is tried at every byte (10-20x slower), so the checks before a token are
# made on the match, reading the byte before it.
_RETURN = re.compile(rb"return\b")  # (and no word character before it)
# the token every condition node holds directly: its keyword (a word), the `?` of `a ? b : c`, the
# operator of `a && b` (not the `?` of `?.`/`??`; one of `x?: T` finds another node and is dropped)
_CONDITION_TOKEN = re.compile(rb"if|while|do|switch|\?|&&|\|\|")
_WORD = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")  # `\w` of a bytes pattern
_DIGITS = frozenset(b"0123456789")
_QUESTION, _DOT, _SLASH = ord("?"), ord("."), ord("/")


def identifiers_named(root: Node, data: bytes, name: str, lo: int = 0, hi: Optional[int] = None) -> Optional[list[Node]]:
    """The `identifier` and `shorthand_property_identifier` nodes spelled `name` (within bytes
    `lo`-`hi`, default the whole file), in document order. None for an empty name (a MISSING node):
    the caller must look otherwise."""
    raw = name.encode("utf-8")
    if not raw:
        return None
    out = []
    size = len(raw)
    for i in name_starts(data, raw, lo, hi):
        node = root.named_descendant_for_byte_range(i, i + size)
        if node is not None and node.type in _NAME_TYPES and node.start_byte == i and node.end_byte == i + size:
            out.append(node)
    return out


def name_starts(data: bytes, raw: bytes, lo: int = 0, hi: Optional[int] = None) -> Iterator[int]:
    """Where a name token spelled `raw` may start (within bytes `lo`-`hi`): every place the bytes
    are there, but not inside a longer word. A name token ends before no word character, and
    starts after none (see _after_token)."""
    end = len(data)
    if hi is None:
        hi = end
    size = len(raw)
    i = data.find(raw, lo, hi)
    while i != -1:
        j = i + size
        if (j >= end or data[j] not in _WORD) and not inside_word(data, i):
            yield i
        i = data.find(raw, i + 1, hi)


def inside_word(data: bytes, i: int) -> bool:
    """Is `i` inside a run of word characters where no token may start (a name token starts after
    no word character, see _after_token)?"""
    return i > 0 and data[i - 1] in _WORD and not _after_token(data, i)


def _after_token(data: bytes, i: int) -> bool:
    """May a token end right before `i`, inside the run of word characters there? Only when the run
    starts a number (`0x1fargs`, `123nargs`) or a regular expression's flags (`/a/gX`): a syntax
    error, but the lexer may start a name there. Else a token starting at `i` is the end of a
    longer word (a name, a keyword)."""
    k = i - 1
    while k > 0 and data[k - 1] in _WORD:
        k -= 1
    return data[k] in _DIGITS or (k > 0 and data[k - 1] == _SLASH)


def own_returns(body: Node, data: bytes, innermost_function=None) -> list[Node]:
    """The `return` statements of a function body, not of the functions (or classes) nested in it,
    in order: what `syntax.returns_of` answers. `innermost_function(node)`: the function around a
    node (or None), asked instead of walking up when the body holds no `class`."""
    out = []
    fn_id = body.parent.id if body.parent is not None else None
    if innermost_function is not None and data.find(b"class", body.start_byte, body.end_byte) != -1:
        innermost_function = None
    for m in _RETURN.finditer(data, body.start_byte, body.end_byte):
        i = m.start()
        if i and data[i - 1] in _WORD:
            continue  # the end of a longer word
        node = body.named_descendant_for_byte_range(i, i + 6)
        if node is None or node.type != "return_statement" or node.start_byte != i:
            continue
        if innermost_function is not None:
            around = innermost_function(node)
            if around is not None and around.id == fn_id:
                out.append(node)
            continue
        up = node.parent
        while up is not None and up.id != body.id and up.type not in _NOT_OWN:
            up = up.parent
        if up is not None and up.id == body.id:
            out.append(node)
    return out


def condition_nodes(fn: Node, data: bytes, types: frozenset) -> list[Node]:
    """The nodes of `types` (among if/while/do/switch statements, ternaries, `&&`/`||`
    expressions) that start inside `fn`: those in it, and those around it starting where it starts.
    Any order, no duplicates; a binary expression with another operator may be among them (the
    caller reads the operator)."""
    lo, hi = fn.start_byte, fn.end_byte
    seen: dict[int, Node] = {}
    for m in _CONDITION_TOKEN.finditer(data, lo, hi):
        i, j = m.span()
        first = data[i]
        if first == _QUESTION:
            if (i and data[i - 1] == _QUESTION) or (j < hi and (data[j] == _QUESTION or (
                    data[j] == _DOT and not (j + 1 < hi and data[j + 1] in _DIGITS)))):
                continue  # `??`, `?.` (`a ?.5 : b` is a `?`)
        elif first in _WORD and ((i and data[i - 1] in _WORD) or (j < hi and data[j] in _WORD)):
            continue  # inside a longer word
        node = fn.named_descendant_for_byte_range(i, j)
        if node is not None and node.type in types and lo <= node.start_byte < hi:
            seen[node.id] = node
    up = fn.parent
    while up is not None and up.start_byte == lo:
        if up.type in types:
            seen[up.id] = up
        up = up.parent
    return list(seen.values())
