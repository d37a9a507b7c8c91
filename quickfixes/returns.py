"""CVX101 missing-returns-validator and CVX104 implicit-undefined-return.

Safe: `returns: v.null()` (+ the `v` import, + `return null;` where the handler can fall off
its end) when the handler never returns a value. Unsafe: an inferred validator when every
return is an insert's id, a `db.get` / `.first()` / `.unique()` of a known table, a query's
documents, or a literal.
"""

from __future__ import annotations

import functools
import re
from typing import Optional

from tree_sitter import Node

from ..analysis import convex as cx
from ..analysis.registry import Finding, Fix, TextEdit
from ..analysis import validator_algebra as va
from ..analysis.returns_infer import Inferer, builder_dialect, own_returns
from ..analysis.validator_algebra import Resolver
from ..analysis.validators_util import function_can_fall_off  # the rule's own reachability (CVX104)
from ..analysis.syntax import (
    FUNCTION_TYPES, call_args, function_params, object_pairs, own_file_cache, pair_value, string_value, text, unwrap,
)
from ._imports import add_named_import
from ._util import (
    IDENT_RE,
    ancestors,
    first_on_line,
    fn_body,
    indent_at,
    indent_unit,
    line_end,
    newline_of,
    node_at,
    registration_for,
    return_value,
    uses_semicolons,
)


# ------------------------------------------------------------------ object-literal keys
def insert_key_edit(model, obj: Node, entry: str, after: Optional[Node] = None,
                    before: Optional[Node] = None) -> Optional[TextEdit]:
    """Insert `entry` (e.g. `returns: v.null()`) as a key of `obj`, after or before a member,
    in the style of its neighbours (indentation, trailing commas, one-line objects)."""
    data = model.src.data
    path = model.path
    nl = newline_of(data)
    lines = model.src.lines
    multiline = lines.row_of(obj.start_byte) != lines.row_of(obj.end_byte)
    if after is not None:
        own_line = multiline and first_on_line(data, after.start_byte)
        indent = indent_at(data, after.start_byte)
        nxt = after.next_sibling
        while nxt is not None and nxt.type == "comment":
            nxt = nxt.next_sibling
        if nxt is not None and nxt.type == ",":
            if own_line:
                rest = data[nxt.end_byte:line_end(data, nxt.end_byte)].strip()
                pos = line_end(data, nxt.end_byte) if (not rest or rest.startswith(b"//")) else nxt.end_byte
                return TextEdit(path, pos, pos, f"{nl}{indent}{entry},")
            return TextEdit(path, nxt.end_byte, nxt.end_byte, f" {entry},")
        if own_line:
            return TextEdit(path, after.end_byte, after.end_byte, f",{nl}{indent}{entry}")
        return TextEdit(path, after.end_byte, after.end_byte, f", {entry}")
    if before is not None:
        if multiline and first_on_line(data, before.start_byte):
            indent = indent_at(data, before.start_byte)
            return TextEdit(path, before.start_byte, before.start_byte, f"{entry},{nl}{indent}")
        return TextEdit(path, before.start_byte, before.start_byte, f"{entry}, ")
    members = [c for c in obj.named_children if c.type != "comment"]
    if members:
        return insert_key_edit(model, obj, entry, before=members[0])
    return TextEdit(path, obj.start_byte + 1, obj.end_byte - 1, f" {entry} ")


# ------------------------------------------------------------------ return null
_uses_semicolons = cx._memo(uses_semicolons)  # (once per file: each of its CVX101/CVX104 fixes asks)

def return_null_edits(model, fn: Node) -> list[TextEdit]:
    """`return;` -> `return null;` and `return null;` at the end when the body can fall off."""
    body = fn_body(fn)
    if body is None or body.type != "statement_block":
        return []
    data = model.src.data
    path = model.path
    semi = ";" if _uses_semicolons(model.root) else ""
    edits: list[TextEdit] = []
    for r in own_returns(model, body):
        if return_value(r) is None:
            kw = r.children[0]
            edits.append(TextEdit(path, kw.end_byte, kw.end_byte, " null"))
    if function_can_fall_off(fn):
        lines = model.src.lines
        stmts = list(body.named_children)
        one_line = lines.row_of(body.start_byte) == lines.row_of(body.end_byte)
        if not stmts:
            if one_line:
                edits.append(TextEdit(path, body.start_byte + 1, body.end_byte - 1, f" return null{semi} "))
            else:
                nl = newline_of(data)
                close_indent = indent_at(data, body.end_byte - 1)
                inner = indent_at(data, fn.start_byte)
                inner = (close_indent if first_on_line(data, body.end_byte - 1) else inner) + indent_unit(data)
                edits.append(TextEdit(path, body.start_byte + 1, body.end_byte - 1,
                                      f"{nl}{inner}return null{semi}{nl}{close_indent}"))
        elif one_line or not any(first_on_line(data, s.start_byte) for s in stmts):
            edits.append(TextEdit(path, stmts[-1].end_byte, stmts[-1].end_byte, f" return null{semi}"))
        else:
            ref = next(s for s in reversed(stmts) if first_on_line(data, s.start_byte))
            indent = indent_at(data, ref.start_byte)
            last = stmts[-1]
            pos = line_end(data, last.end_byte) if not data[last.end_byte:line_end(data, last.end_byte)].strip() \
                else last.end_byte
            edits.append(TextEdit(path, pos, pos, f"{newline_of(data)}{indent}return null{semi}"))
    return edits


# ------------------------------------------------------------------ inference
def _z_local(model) -> Optional[str]:
    """The local name of zod's `z` in this file (`import { z } from "zod"`), if any."""
    for imp in model.facts.imports:
        if imp.imported == "z" and not imp.type_only and "zod" in imp.source:
            return imp.local
    return None


def _args_in_zod(model, reg) -> bool:
    """`args: { n: z.number() }`: a builder this file does not show as zod, taking zod schemas."""
    z = _z_local(model)
    args = reg.value("args") if reg.config is not None else None
    if z is None or args is None:
        return False
    return re.search(r"(?<![\w$.])" + re.escape(z) + r"\s*\.", text(args)) is not None


def _doc_constants(model, res, imports: list):
    """`docs(table)` for rendering: a table whose document validator is a named constant exported
    by its file becomes `v.object({ ...name, _id, _creationTime })` (the import is recorded)."""
    schema = res.schema

    def docs(table: str):
        t = schema.table(table) if schema is not None else None
        if t is None or not t.doc_validator or t.file == model.path:
            return None
        name = t.doc_validator.strip()
        if not IDENT_RE.match(name):
            return None
        f = res.index.facts.get(t.file)
        if f is None or not any(e.name == name and e.local == name and e.source is None for e in f.exports):
            return None
        if model.facts.import_of(name) is not None and not any(
                imp.local == name and imp.imported == name and res.index.resolve_module(model.path, imp.source) == t.file
                for imp in model.facts.imports):
            return None  # the name means something else here
        const = res.resolve(va.Shape("ref", value=(t.file, name)))
        if const.kind != "object":
            return None
        summ = (f.extra.get(va.EXTRA_KEY) or {}).get("consts", {})
        spread = name + ".fields" if summ.get(name) is not None and summ[name].kind != "object" else name
        imports.append((name, va.relative_module(model.path, t.file)))
        return ("call", "v.object", [("obj", [("...", spread), ("_id", f'v.id("{table}")'),
                                              ("_creationTime", "v.number()")])])
    return docs


def handler_summary(model, reg, handler: Optional[Node], index):
    """("void", None) when the handler never returns a value; ("value", (tree, imports)) with the
    validator tree of what it returns (None when not fully inferred); None when the handler is
    not a function literal."""
    body = fn_body(handler)
    if body is None:
        return None
    if body.type == "statement_block":
        values = [return_value(r) for r in own_returns(model, body)]
        if all(v is None or (unwrap(v) is not None and unwrap(v).type == "null") for v in values):
            return ("void", None)  # only `return;` / `return null;`
    hr = Inferer(model).function_returns(handler)
    if hr is None or hr.falls_off or not hr.sites:
        return ("value", None)
    res = Resolver(index, model.path)
    shape = va.widen_code_literals(hr.shape)
    if va.has_unknown(shape, res):
        return ("value", None)
    imports: list = []
    tree = va.render_tree(shape, res, "v", 0, _doc_constants(model, res, imports))
    return ("value", (tree, imports) if tree is not None else None)


def _import_v(model) -> Optional[list[TextEdit]]:
    return add_named_import(model, "v", "convex/values")


def _validator_text(model, reg, tree, anchor_offset: int) -> str:
    """The validator laid out like the code around it: one line when it fits, else one member
    per line at the config's indentation."""
    data = model.src.data
    one_line_config = model.src.lines.row_of(reg.config.start_byte) == model.src.lines.row_of(reg.config.end_byte)
    if one_line_config:
        return va.flat(tree)
    members = [c for c in reg.config.named_children if c.type != "comment"]
    indent = indent_at(data, members[0].start_byte) if members else indent_at(data, anchor_offset)
    trailing = _uses_trailing_commas(reg.config)
    return va.layout(tree, indent, indent_unit(data), len(indent) + len("returns: "), 100, trailing, newline_of(data))


def _uses_trailing_commas(obj: Node) -> bool:
    kids = [c for c in obj.children if c.type != "comment"]
    return len(kids) >= 2 and kids[-2].type == ","


def _returns_anchor(reg):
    args_pair = reg.pairs.get("args")
    if args_pair is not None:
        return {"after": args_pair}
    handler_pair = reg.pairs.get("handler")
    return {"before": handler_pair} if handler_pair is not None else {}


# ------------------------------------------------------------------ fixes
def _with_file_memo(fix):
    """The fix worked out with its file's memo store in use, as the file's rules were: their answers
    (is this a ctx, a file's texts, the functions around a node) are read again, not worked out
    again by walks up the tree (fixes are attached after the lint, outside its store)."""

    @functools.wraps(fix)
    def run(finding: Finding, an) -> list[Fix]:
        model = an.models.get(finding.path)
        store = getattr(model, "memo", None)
        if store is None:
            return fix(finding, an)
        with own_file_cache(store):
            return fix(finding, an)

    return run


@_with_file_memo
def fix_missing_returns(finding: Finding, an) -> list[Fix]:
    model = an.models.get(finding.path)
    if model is None or getattr(model, "root", None) is None:
        return []
    reg = registration_for(model, finding)
    if reg is None or reg.config is None or "returns" in reg.pairs:
        return []
    handler = reg.handler
    summary = handler_summary(model, reg, handler, an.index)
    if summary is None:
        return []
    kind, inferred = summary
    zod = builder_dialect(an.index, model.path, reg.builder) == "zod" or _args_in_zod(model, reg)
    if kind == "void":
        if zod:  # a zod builder takes a zod schema: `z.null()`, or no fix
            z = _z_local(model)
            if z is None:
                return []
            imp, entry, title = [], f"returns: {z}.null()", f"Add `returns: {z}.null()`"
        else:
            imp = _import_v(model)
            if imp is None:
                return []
            entry, title = "returns: v.null()", "Add `returns: v.null()`"
        key = insert_key_edit(model, reg.config, entry, **_returns_anchor(reg))
        if key is None:
            return []
        return [Fix(title, "safe", imp + [key] + return_null_edits(model, handler))]
    if inferred is None or zod:
        return []
    tree, imports = inferred
    edits = _import_v(model)
    if edits is None:
        return []
    flat_text = va.flat(tree)
    if "paginationResultValidator(" in flat_text:
        more = add_named_import(model, "paginationResultValidator", "convex/server")
        if more is None:
            return []
        edits = edits + more
    for name, module in dict.fromkeys(imports):
        more = add_named_import(model, name, module)
        if more is None:
            return []
        edits = edits + more
    anchor = _returns_anchor(reg)
    at = (anchor.get("after") or anchor.get("before") or reg.config).start_byte
    validator = _validator_text(model, reg, tree, at)
    key = insert_key_edit(model, reg.config, f"returns: {validator}", **anchor)
    if key is None:
        return []
    short = flat_text if len(flat_text) <= 60 else flat_text[:57] + "…"
    return [Fix(f"Add `returns: {short}` (inferred from the handler)", "unsafe", _merge_imports(edits) + [key])]


def _merge_imports(edits: list[TextEdit]) -> list[TextEdit]:
    """Two new import lines inserted at the same point become one edit (in order)."""
    out: list[TextEdit] = []
    for e in edits:
        prev = out[-1] if out else None
        if prev is not None and prev.path == e.path and prev.start == prev.end == e.start == e.end:
            out[-1] = TextEdit(e.path, e.start, e.end, prev.new_text + e.new_text)
        else:
            out.append(e)
    return out


@_with_file_memo
def fix_returns_mismatch(finding: Finding, an) -> list[Fix]:
    """CVX113: replace the `returns` validator with the inferred one (unsafe)."""
    model = an.models.get(finding.path)
    if model is None or getattr(model, "root", None) is None:
        return []
    start, end = finding.data.get("returns_start"), finding.data.get("returns_end")
    reg = next((r for r in model.registrations if r.value("returns") is not None
                and r.value("returns").start_byte == start and r.value("returns").end_byte == end), None)
    if reg is None:
        return []
    summary = handler_summary(model, reg, reg.handler, an.index)
    if summary is not None and summary[0] == "void":
        summary = ("value", ("v.null()", []))  # every return is `null`
    if summary is None or summary[0] != "value" or summary[1] is None:
        return []
    tree, imports = summary[1]
    edits: list[TextEdit] = []
    flat_text = va.flat(tree)
    if "paginationResultValidator(" in flat_text:
        more = add_named_import(model, "paginationResultValidator", "convex/server")
        if more is None:
            return []
        edits += more
    for name, module in dict.fromkeys(imports):
        more = add_named_import(model, name, module)
        if more is None:
            return []
        edits += more
    more = _import_v(model)
    if more is None:
        return []
    edits = more + edits
    validator = _validator_text(model, reg, tree, reg.pairs["returns"].start_byte)
    short = flat_text if len(flat_text) <= 60 else flat_text[:57] + "…"
    return [Fix(f"Replace the validator with `{short}` (inferred from the handler)", "unsafe",
                _merge_imports(edits) + [TextEdit(model.path, start, end, validator)])]


def _handler_at(model, finding: Finding) -> Optional[Node]:
    for reg in model.registrations:
        hp = reg.pairs.get("handler")
        if hp is not None and hp.start_byte <= finding.start < hp.end_byte:
            return reg.handler
        if reg.config is None and reg.handler is not None and reg.handler.start_byte <= finding.start < reg.handler.end_byte:
            return reg.handler
    for n in ancestors(node_at(model, finding.start, finding.end)):
        if n.type in FUNCTION_TYPES:
            return n
        if n.type == "pair" and text(n.child_by_field_name("key")) == "handler":
            v = unwrap(n.child_by_field_name("value"))
            return v if v is not None and v.type in FUNCTION_TYPES else None
    return None


@_with_file_memo
def fix_implicit_undefined(finding: Finding, an) -> list[Fix]:
    model = an.models.get(finding.path)
    if model is None or getattr(model, "root", None) is None:
        return []
    fn = _handler_at(model, finding)
    if fn is None:
        return []
    edits = return_null_edits(model, fn)
    if not edits:
        return []
    return [Fix("Add `return null;`", "safe", edits)]
