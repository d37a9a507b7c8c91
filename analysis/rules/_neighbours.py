"""What the bytes beside a node say about its parent: a cheap, exact "no" before a walk up the tree
(`node.parent` descends from the root in tree-sitter 0.25: a few microseconds per call).

Each answer is conservative: True whenever the bytes cannot rule the parent out (a comment in the way,
a file with syntax errors, whose recovered tree may put nodes where the bytes would not), so a caller
that walks up only when told True gets what the walk alone gives."""

from __future__ import annotations

_SPACE = b" \t\r\n\f\v"
WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$")
# what may come right before a statement on its line: the end of another statement or of a block,
# a block's or a case's opening, a control statement's head, a comment, a parenthesis (an
# expression statement may be parenthesised)
_STATEMENT_BEFORE = frozenset(b";{}()/:")


def _after(data: bytes, end: int) -> int:
    """The first byte after `end` that is not white space, or -1 at the end of the file."""
    n = len(data)
    while end < n and data[end] in _SPACE:
        end += 1
    return data[end] if end < n else -1


def may_be_object_of_member(model, node) -> bool:
    """Can `node` be the object of a member expression (`node.x`, `node?.x`)? Only when a `.`, a `?`
    or a comment follows it."""
    if model.errors:
        return True
    c = _after(model.src.data, node.end_byte)
    return c in (0x2E, 0x3F, 0x2F)  # . ? /


_WORD_CHARS = bytes(sorted(WORD_BYTES))
_WINDOW = 96  # bytes before the node read at once (a longer run of blanks or of a word: byte by byte)


def may_start_statement(model, node) -> bool:
    """Can `node` (a call, say) be the expression of an expression statement, directly or through
    parentheses, `!`, `as`, `satisfies`? Only when its line holds nothing before it, or what does is
    the end of a statement or block, an opening, a control head, a label, a comment, `else` or `do`.
    (The bytes before it are read as one slice, stripped by `bytes.rstrip`: asked of every call named
    like a promise-returning method, a loop over them in Python cost more than the answer.)"""
    if model.errors:
        return True
    data = model.src.data
    end = node.start_byte
    lo = end - _WINDOW if end > _WINDOW else 0
    seg = data[lo:end].rstrip(b" \t")
    if not seg:
        return True if lo == 0 else _may_start_statement(data, end)
    c = seg[-1]
    if c in b"\r\n\f\v" or c in _STATEMENT_BEFORE:
        return True
    if c in WORD_BYTES:
        before = seg.rstrip(_WORD_CHARS)  # what comes before the word
        if not before and lo > 0:
            return _may_start_statement(data, end)
        return seg[len(before):] in (b"else", b"do") or before[-1:] == b"\\" or (before != b"" and before[-1] >= 0x80)
    return c >= 0x80  # (a character the rules above do not know)


def _may_start_statement(data: bytes, i: int) -> bool:
    """`may_start_statement`, byte by byte back from `i`."""
    while i > 0 and data[i - 1] in b" \t":
        i -= 1
    if i == 0 or data[i - 1] in b"\r\n\f\v":
        return True
    c = data[i - 1]
    if c in _STATEMENT_BEFORE:
        return True
    if c in WORD_BYTES:
        j = i
        while j > 0 and data[j - 1] in WORD_BYTES:
            j -= 1
        return data[j:i] in (b"else", b"do") or data[j - 1:j] in (b"\\",) or (j > 0 and data[j - 1] >= 0x80)
    return c >= 0x80  # (a character the rules above do not know)
