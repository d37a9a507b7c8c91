"""Small one-construct fixes: CVX105, CVX106, CVX202, CVX307, CVX501, CVX503, CVX510, CVX901."""

from __future__ import annotations

import os

import re
from typing import Optional

from ..analysis import convex as cx
from ..analysis.registry import Finding, Fix, TextEdit
from ..analysis.syntax import FUNCTION_TYPES, call_args, callee_name, string_value, text
from ._util import (
    ancestors,
    find_call_in,
    first_on_line,
    is_async,
    line_start,
    newline_of,
    node_at,
    overlaps,
    quote_char,
    removal_range,
    uses_semicolons,
    whole_line_range,
)


def _model(finding: Finding, an):
    m = an.models.get(finding.path)
    return m if m is not None and getattr(m, "root", None) is not None else None


def _is_v_call(call, name: str) -> bool:
    fn = call.child_by_field_name("function")
    if fn is None or fn.type != "member_expression":
        return False
    obj = fn.child_by_field_name("object")
    return text(obj) == "v" and text(fn.child_by_field_name("property")) == name


# ------------------------------------------------------------------ CVX105
def fix_bigint(finding: Finding, an) -> list[Fix]:
    model = _model(finding, an)
    if model is None:
        return []
    call = find_call_in(model, finding, lambda c: _is_v_call(c, "bigint"))
    if call is None:
        return []
    prop = call.child_by_field_name("function").child_by_field_name("property")
    return [Fix("Replace `v.bigint()` with `v.int64()`", "safe",
                [TextEdit(model.path, prop.start_byte, prop.end_byte, "int64")])]


# ------------------------------------------------------------------ CVX106
def _table_for_name(key: str, schema) -> Optional[str]:
    m = re.match(r"^(.*?)(Id|Ids|_id|_ids)$", key)
    if m is None or not m.group(1) or schema is None:
        return None
    base = m.group(1)
    cands = {base, base + "s", base + "es", base[:-1] + "ies" if base.endswith("y") else base}
    if base.endswith("s"):
        cands.add(base[:-1])
    lowered = {c.lower() for c in cands}
    hits = [t for t in schema.tables if t.lower() in lowered] + \
           [t for t in schema.opaque_tables if t.lower() in lowered]
    hits = list(dict.fromkeys(hits))
    return hits[0] if len(hits) == 1 else None


def fix_string_id(finding: Finding, an) -> list[Fix]:
    model = _model(finding, an)
    if model is None:
        return []
    s, e, repl = finding.data.get("start"), finding.data.get("end"), finding.data.get("replacement")
    if isinstance(s, int) and isinstance(e, int) and isinstance(repl, str) and repl.startswith("v.id("):
        if model.src.data[s:e].replace(b" ", b"") == b"v.string()":
            return [Fix(f"Use `{repl}`", "unsafe", [TextEdit(model.path, s, e, repl)])]
    call = find_call_in(model, finding, lambda c: _is_v_call(c, "string") and not call_args(c))
    if call is None:
        return []
    schema = an.index.schema_for(model.path)
    table = finding.data.get("table")
    if not isinstance(table, str) or not table:
        key = None
        for a in ancestors(call.parent):
            if a.type == "pair":
                k = a.child_by_field_name("key")
                key = string_value(k) if k is not None and k.type == "string" else text(k)
                break
        table = _table_for_name(key, schema) if key else None
    if not table:
        return []
    q = quote_char(model.root)
    return [Fix(f"Use `v.id(\"{table}\")`", "unsafe",
                [TextEdit(model.path, call.start_byte, call.end_byte, f"v.id({q}{table}{q})")])]


# ------------------------------------------------------------------ CVX202
def fix_unbounded_collect(finding: Finding, an) -> list[Fix]:
    model = _model(finding, an)
    if model is None:
        return []
    best = None
    for chain in model.query_chains:
        for step in chain.steps:
            if step.method == "collect" and overlaps(step.call.start_byte, step.call.end_byte, finding.start, finding.end):
                prop = step.member.child_by_field_name("property")
                if best is None or prop.start_byte >= best[0]:
                    best = (prop.start_byte, step.call.end_byte)
    if best is None:
        return []
    return [Fix("Replace `.collect()` with `.take(100)`", "unsafe",
                [TextEdit(model.path, best[0], best[1], "take(100)")])]


# ------------------------------------------------------------------ CVX307
def fix_floating_promise(finding: Finding, an) -> list[Fix]:
    model = _model(finding, an)
    if model is None:
        return []
    if finding.data.get("kind") == "forEach":
        return []
    at = finding.data.get("await_offset")
    if isinstance(at, int) and finding.data.get("in_async") is True:
        return [Fix("Add `await`", "safe", [TextEdit(model.path, at, at, "await ")])]
    if finding.data.get("in_async") is False:
        return []
    call = find_call_in(model, finding, lambda c: cx.ctx_call(c) is not None)
    if call is None:
        return []
    stmt = call.parent
    # the statement must be `<call>;` (possibly `<call>.then(...)` is left alone)
    if stmt is None or stmt.type != "expression_statement":
        return []
    fn = None
    for a in ancestors(stmt):
        if a.type in FUNCTION_TYPES:
            fn = a
            break
    if fn is None or not is_async(fn):
        return []
    # an async callback handed to forEach: awaiting inside it does not help
    p = fn.parent
    if p is not None and p.type == "arguments" and p.parent is not None and callee_name(p.parent) == "forEach":
        return []
    return [Fix("Add `await`", "safe", [TextEdit(model.path, call.start_byte, call.start_byte, "await ")])]


# ------------------------------------------------------------------ CVX501 / CVX503
def _directive_stmt(model):
    for stmt in model.root.named_children:
        if stmt.type == "comment":
            continue
        if stmt.type == "expression_statement" and stmt.named_children and stmt.named_children[0].type == "string":
            if string_value(stmt.named_children[0]) == "use node":
                return stmt
            continue
        return None
    return None


def _defines_transactions(model, an) -> bool:
    for reg in model.registrations:
        info = an.index.resolve_builder(model.path, reg.fact.builder)
        if info is not None and info.kind in ("query", "mutation"):
            return True
    return False


def fix_missing_use_node(finding: Finding, an) -> list[Fix]:
    model = _model(finding, an)
    if os.path.basename(finding.path).rsplit(".", 1)[0] in ("http", "crons", "schema", "auth.config"):
        return []  # Convex forbids the directive there (CVX503)
    if model is not None and _defines_transactions(model, an):
        return []  # the file's queries/mutations cannot run in the Node runtime (CVX502)
    if model is None or _directive_stmt(model) is not None:
        return []
    return [Fix("Add `\"use node\";`", "safe", [_insert_use_node(model)])]


def fix_misplaced_use_node(finding: Finding, an) -> list[Fix]:
    """CVX510: move the directive to the top of the file."""
    model = _model(finding, an)
    if model is None or _directive_stmt(model) is not None:
        return []
    stmt = _statement_at(model, finding)
    if stmt is None or len(stmt.named_children) != 1 or string_value(stmt.named_children[0]) != "use node":
        return []
    s, e = removal_range(model.src.data, stmt.start_byte, stmt.end_byte)
    ins = _insert_use_node(model)
    if ins.start >= s:
        return []  # nothing but comments before it: it is already where a directive counts
    return [Fix("Move `\"use node\"` to the top of the file", "safe", [ins, TextEdit(model.path, s, e, "")])]


def _statement_at(model, finding: Finding):
    """The expression statement holding the finding (a `"use node"` directive, say)."""
    for a in ancestors(node_at(model, finding.start, finding.end)):
        if a.type == "expression_statement":
            return a
    return None


def _insert_use_node(model) -> TextEdit:
    """The edit that puts `"use node";` before the file's first statement (leading comments stay
    above it: they may be file suppressions)."""
    data = model.src.data
    nl = newline_of(data)
    semi = ";" if uses_semicolons(model.root) else ""
    q = quote_char(model.root)
    first = next((c for c in model.root.named_children if c.type != "comment"), None)
    if first is None:
        at = len(data)
        pre = nl if data and not data.endswith(b"\n") else ""
        return TextEdit(model.path, at, at, f"{pre}{q}use node{q}{semi}{nl}")
    at = line_start(data, first.start_byte) if first_on_line(data, first.start_byte) else first.start_byte
    sep = nl + nl if at == line_start(data, at) else " "
    return TextEdit(model.path, at, at, f"{q}use node{q}{semi}{sep}")


def fix_forbidden_use_node(finding: Finding, an) -> list[Fix]:
    model = _model(finding, an)
    if model is None:
        return []
    stmt = _statement_at(model, finding)
    if stmt is None or not stmt.named_children or string_value(stmt.named_children[0]) != "use node":
        stmt = _directive_stmt(model)
    if stmt is None:
        return []
    data = model.src.data
    s, e = removal_range(data, stmt.start_byte, stmt.end_byte)
    # drop the blank line that separated the directive from the rest
    if whole_line_range(data, stmt.start_byte, stmt.end_byte) is not None and s == 0:
        while e < len(data) and data[e:e + 1] in (b"\n", b"\r"):
            e += 1
    return [Fix("Remove `\"use node\"`", "safe", [TextEdit(model.path, s, e, "")])]


# ------------------------------------------------------------------ CVX901
def fix_unused_suppression(finding: Finding, an) -> list[Fix]:
    model = _model(finding, an)
    if model is None:
        return []
    s = finding.data.get("comment_start", finding.start)
    e = finding.data.get("comment_end", finding.end)
    data = model.src.data
    if not (0 <= s < e <= len(data)) or b"convex-lsp-disable" not in data[s:e]:
        return []
    a, b = removal_range(data, s, e)
    return [Fix("Remove unused suppression comment", "safe", [TextEdit(model.path, a, b, "")])]
