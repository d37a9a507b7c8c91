"""CVX201 no-query-filter: `.filter(q => q.eq(q.field("f"), x) …)` -> `.withIndex(...)`."""

from __future__ import annotations

import re
from typing import Optional

from ..analysis.indexes_util import predicate_body
from ..analysis.registry import Finding, Fix, TextEdit
from ..analysis.syntax import call_args, string_value, text, unwrap
from ._util import first_on_line, indent_at, overlaps, quote_char


def _conjuncts(e, q: str) -> Optional[list[tuple[str, str]]]:
    e = unwrap(e)
    if e is None or e.type != "call_expression":
        return None
    fn = e.child_by_field_name("function")
    if fn is None or fn.type != "member_expression" or text(fn.child_by_field_name("object")) != q:
        return None
    op = text(fn.child_by_field_name("property"))
    args = call_args(e)
    if op == "and":
        out: list[tuple[str, str]] = []
        for a in args:
            sub = _conjuncts(a, q)
            if sub is None:
                return None
            out.extend(sub)
        return out
    if op != "eq" or len(args) != 2:
        return None
    for fld, val in ((args[0], args[1]), (args[1], args[0])):
        f = unwrap(fld)
        if f is not None and f.type == "call_expression" and text(f.child_by_field_name("function")) == f"{q}.field":
            fa = call_args(f)
            name = string_value(fa[0]) if len(fa) == 1 else None
            vtext = text(val)
            if name is None or re.search(rf"(?<![\w$.]){re.escape(q)}(?![\w$])", re.sub(r'"[^"]*"|\'[^\']*\'', "", vtext)):
                continue
            return [(name, vtext)]
    return None


def fix_filter_to_index(finding: Finding, an) -> list[Fix]:
    model = an.models.get(finding.path)
    if model is None or getattr(model, "root", None) is None:
        return []
    hit = None
    for chain in model.query_chains:
        for i, step in enumerate(chain.steps):
            if step.method == "filter" and overlaps(step.call.start_byte, step.call.end_byte, finding.start, finding.end):
                if hit is None or step.call.start_byte >= hit[2].call.start_byte:
                    hit = (chain, i, step)
    if hit is None:
        return []
    chain, i, step = hit
    if chain.root.type == "identifier":
        return []  # a chain kept in a variable: its declared type would no longer fit
    if chain.table is None or any(s.method in ("withIndex", "withSearchIndex") for s in chain.steps):
        return []
    if any(s.method not in ("order",) for s in chain.steps[:i]):
        return []
    schema = an.index.schema_for(model.path)
    if schema is None or not schema.knows_indexes_of(chain.table):
        return []
    args = call_args(step.call)
    if len(args) != 1 or args[0].type not in ("arrow_function", "function_expression"):
        return []
    body, q = predicate_body(args[0])
    if body is None:
        return []
    conj = _conjuncts(body, q)
    if not conj:
        return []
    fields = [f for f, _ in conj]
    if len(set(fields)) != len(fields):
        return []
    best = None
    for order, ix in enumerate(schema.table(chain.table).indexes):
        if ix.kind != "db" or ix.staged or not ix.fields_ok or len(ix.fields) < len(fields):
            continue
        if set(ix.fields[:len(fields)]) != set(fields):
            continue
        key = (len(ix.fields) != len(fields), len(ix.fields), order)
        if best is None or key < best[0]:
            best = (key, ix)
    if best is None:
        return []
    ix = best[1]
    values = dict(conj)
    qc = quote_char(model.root)
    rng = "".join(f".eq({qc}{f}{qc}, {values[f]})" for f in ix.fields[:len(fields)])
    new_call = f"withIndex({qc}{ix.name}{qc}, ({q}) => {q}{rng})"
    path = model.path
    prop = step.member.child_by_field_name("property")
    if i == 0:
        edits = [TextEdit(path, prop.start_byte, step.call.end_byte, new_call)]
    else:
        data = model.src.data
        obj_end = step.member.child_by_field_name("object").end_byte
        first = chain.steps[0].member
        dot = next((c for c in first.children if c.type in (".", "?.")), None)
        if dot is not None and first_on_line(data, dot.start_byte):
            ins = "\n" + indent_at(data, dot.start_byte) + "." + new_call
        else:
            ins = "." + new_call
        edits = [TextEdit(path, chain.root.end_byte, chain.root.end_byte, ins),
                 TextEdit(path, obj_end, step.call.end_byte, "")]
    return [Fix(f"Use index `{ix.name}` instead of `.filter()`", "unsafe", edits)]
