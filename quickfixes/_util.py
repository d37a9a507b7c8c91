"""Text and tree helpers shared by the fix families (plain data, no LSP types)."""

from __future__ import annotations

import re
from typing import Iterable, Optional

from tree_sitter import Node

from ..analysis.convex import _memo
from ..analysis.registry import Finding, TextEdit
from ..analysis.syntax import FUNCTION_TYPES, call_args, function_params, return_value, string_value, text, unwrap

IDENT_RE = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


# ------------------------------------------------------------------ bytes and lines
def line_start(data: bytes, offset: int) -> int:
    return data.rfind(b"\n", 0, offset) + 1


def line_end(data: bytes, offset: int) -> int:
    """Offset of the line's terminator (before `\r\n` / `\n`), or the end of the data."""
    i = data.find(b"\n", offset)
    if i == -1:
        return len(data)
    return i - 1 if i > 0 and data[i - 1:i] == b"\r" else i


def indent_at(data: bytes, offset: int) -> str:
    """Leading whitespace of the line holding `offset`."""
    s = line_start(data, offset)
    e = s
    while e < len(data) and data[e:e + 1] in (b" ", b"\t"):
        e += 1
    return data[s:e].decode("utf-8", "replace")


def first_on_line(data: bytes, offset: int) -> bool:
    """Only whitespace precedes `offset` on its line."""
    return data[line_start(data, offset):offset].strip() == b""


def newline_of(data: bytes) -> str:
    head = data[:4096]
    # (a one-byte search first: most files have no CR at all, and it costs a tenth of the pair's)
    return "\r\n" if b"\r" in head and b"\r\n" in head else "\n"


_LEADING_SPACES = re.compile(rb" *")
_WHITESPACE = (b"", b" ", b"\t", b"\n", b"\r", b"\x0b", b"\x0c")  # (what bytes.strip takes off)


def indent_unit(data: bytes) -> str:
    """The file's indentation step (two spaces when it cannot tell)."""
    counts: dict[int, int] = {}
    spaces = _LEADING_SPACES.match
    for line in data.split(b"\n", 400)[:400]:  # (the first 400 lines: the rest is never split off)
        if line.startswith(b"\t"):
            return "\t"
        n = spaces(line).end()
        # (a line that holds more than whitespace: most show it at once; `strip` copies the line,
        # and a generated file's lines may be megabytes long)
        if n and (line[n:n + 1] not in _WHITESPACE or line.strip()):
            counts[n] = counts.get(n, 0) + 1
    if not counts:
        return "  "
    smallest = min(counts)
    return " " * (smallest if smallest in (2, 4) else 2)


def whole_line_range(data: bytes, start: int, end: int) -> Optional[tuple[int, int]]:
    """When [start, end) is alone on its line(s): the range of those lines with their newline."""
    ls = line_start(data, start)
    if data[ls:start].strip():
        return None
    le = line_end(data, end)
    if data[end:le].strip():
        return None
    nl = data.find(b"\n", end)
    return ls, (nl + 1 if nl != -1 else len(data))


def removal_range(data: bytes, start: int, end: int) -> tuple[int, int]:
    """The range to delete to remove [start, end) cleanly: the whole line(s) when the construct
    is alone there, else the construct plus the spaces before it."""
    whole = whole_line_range(data, start, end)
    if whole is not None:
        return whole
    if first_on_line(data, start):  # something follows on the line: take the spaces after it
        e = end
        while e < len(data) and data[e:e + 1] in (b" ", b"\t"):
            e += 1
        return start, e
    s = start
    while s > 0 and data[s - 1:s] in (b" ", b"\t"):
        s -= 1
    return s, end


@_memo
def uses_semicolons(root: Node) -> bool:
    """Do the file's statements end with `;` (majority vote of top-level statements)? (Asked once
    per file while its memo store is in use: each of its fixes asks.)"""
    yes = no = 0
    for stmt in root.named_children:
        if stmt.type in ("import_statement", "expression_statement", "lexical_declaration",
                         "export_statement", "variable_declaration"):
            if stmt.type == "export_statement" and stmt.child_by_field_name("declaration") is not None \
                    and stmt.child_by_field_name("declaration").type not in ("lexical_declaration",):
                continue
            if text(stmt).rstrip().endswith(";"):
                yes += 1
            else:
                no += 1
    return yes >= no


def quote_char(root: Node) -> str:
    for stmt in root.named_children:
        if stmt.type == "import_statement":
            src = stmt.child_by_field_name("source")
            if src is not None and text(src)[:1] in ("'", '"'):
                return text(src)[:1]
    return '"'


# ------------------------------------------------------------------ nodes
def node_at(model, start: int, end: int) -> Optional[Node]:
    root = getattr(model, "root", None)
    if root is None:
        return None
    return root.descendant_for_byte_range(start, max(start, end))


def ancestors(node: Optional[Node]) -> Iterable[Node]:
    while node is not None:
        yield node
        node = node.parent


def overlaps(a0: int, a1: int, b0: int, b1: int) -> bool:
    return a0 < max(b1, b0 + 1) and b0 < max(a1, a0 + 1)


def find_call_in(model, finding: Finding, pred) -> Optional[Node]:
    """The innermost call overlapping the finding's range that satisfies `pred`."""
    best = None
    for c in model.calls:
        if c.start_byte > max(finding.end, finding.start):
            break
        if overlaps(c.start_byte, c.end_byte, finding.start, finding.end) and pred(c):
            if best is None or (c.end_byte - c.start_byte) <= (best.end_byte - best.start_byte):
                best = c
    return best


def registration_for(model, finding: Finding):
    """The registration a whole-function finding sits on (its span starts the finding)."""
    best = None
    for reg in model.registrations:
        sp = reg.fact.span
        if sp.start <= finding.start < max(sp.end, sp.start + 1) or reg.call.start_byte <= finding.start < reg.call.end_byte:
            if best is None or reg.call.start_byte >= best.call.start_byte:
                best = reg
    if best is None:
        cs = finding.data.get("config_start")
        for reg in model.registrations:
            if reg.config is not None and reg.config.start_byte == cs:
                return reg
    return best


def fn_body(fn: Optional[Node]) -> Optional[Node]:
    if fn is None or fn.type not in FUNCTION_TYPES:
        return None
    return fn.child_by_field_name("body")


def is_async(fn: Node) -> bool:
    return any(c.type == "async" for c in fn.children)


def span_edit(path: str, start: int, end: int, new_text: str) -> TextEdit:
    return TextEdit(path=path, start=start, end=end, new_text=new_text)


def string_inner(node: Node) -> tuple[int, int]:
    return node.start_byte + 1, node.end_byte - 1


def handler_params(fn: Optional[Node]) -> list[Node]:
    if fn is None or fn.type not in FUNCTION_TYPES:
        return []
    return function_params(fn)


__all__ = [
    "IDENT_RE", "line_start", "line_end", "indent_at", "first_on_line", "newline_of", "indent_unit",
    "whole_line_range", "removal_range", "uses_semicolons", "quote_char", "node_at", "ancestors",
    "overlaps", "find_call_in", "registration_for", "fn_body", "is_async", "return_value",
    "span_edit", "string_inner", "handler_params", "call_args", "string_value", "text", "unwrap",
]
