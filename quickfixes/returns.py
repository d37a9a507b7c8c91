"""CVX101 missing-returns-validator and CVX104 implicit-undefined-return.

Safe: `returns: v.null()` (+ the `v` import, + `return null;` where the handler can fall off
its end) when the handler never returns a value. Unsafe: an inferred validator when every
return is an insert's id, a `db.get` / `.first()` / `.unique()` of a known table, a query's
documents, or a literal.
"""

from __future__ import annotations

import re
from typing import Optional

from tree_sitter import Node

from ..analysis import convex as cx
from ..analysis.registry import Finding, Fix, TextEdit
from ..analysis.validators_util import can_complete  # the rule's own reachability (CVX104)
from ..analysis.syntax import FUNCTION_TYPES, call_args, function_params, object_pairs, pair_value, string_value, text, unwrap
from ._imports import add_named_import
from ._util import (
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
    returns_in,
    uses_semicolons,
)

V_ID_RE = re.compile(r"""^v\s*\.\s*id\s*\(\s*["'`]([^"'`]+)["'`]\s*\)$""")
_STRING_RE = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`(?:\\.|[^`\\])*`')
_IDENT_RE = re.compile(r"(?<![.\w$])([A-Za-z_$][\w$]*)")
_ALLOWED_FREE = {"v", "true", "false", "null", "undefined"}


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
def return_null_edits(model, fn: Node) -> list[TextEdit]:
    """`return;` -> `return null;` and `return null;` at the end when the body can fall off."""
    body = fn_body(fn)
    if body is None or body.type != "statement_block":
        return []
    data = model.src.data
    path = model.path
    semi = ";" if uses_semicolons(model.root) else ""
    edits: list[TextEdit] = []
    for r in returns_in(body):
        if return_value(r) is None:
            kw = r.children[0]
            edits.append(TextEdit(path, kw.end_byte, kw.end_byte, " null"))
    if can_complete(body):
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
def _args_validator_of(reg, name: str) -> Optional[str]:
    if reg is None:
        return None
    args_v = reg.value("args")
    args_v = unwrap(args_v)
    if args_v is None or args_v.type != "object":
        return None
    p = object_pairs(args_v).get(name)
    if p is None or p.type != "pair":
        return None
    return text(pair_value(p)).strip()


def _table_of_v_id(validator: Optional[str]) -> Optional[str]:
    if not validator:
        return None
    m = V_ID_RE.match(validator)
    return m.group(1) if m else None


def _local_decl_value(name: str, scope: Node) -> Optional[Node]:
    """The initializer of `const name = …` directly in the function body `scope`."""
    for stmt in scope.named_children:
        if stmt.type not in ("lexical_declaration", "variable_declaration"):
            continue
        if stmt.type == "lexical_declaration" and text(stmt).lstrip().startswith("let"):
            continue
        for d in stmt.named_children:
            if d.type == "variable_declarator":
                n = d.child_by_field_name("name")
                if n is not None and n.type == "identifier" and text(n) == name:
                    return d.child_by_field_name("value")
    return None


class _Infer:
    def __init__(self, model, reg, handler: Node, schema):
        self.model = model
        self.reg = reg
        self.handler = handler
        self.schema = schema
        self.body = fn_body(handler)
        params = function_params(handler) if handler is not None else []
        self.args_param = params[1] if len(params) > 1 else None

    # which argument name does this expression read? (`args.x`, destructured `{ x }`)
    def _arg_name(self, e: Node) -> Optional[str]:
        from ..analysis.syntax import param_pattern
        if self.args_param is None:
            return None
        pat = param_pattern(self.args_param)
        if e.type == "member_expression":
            obj = unwrap(e.child_by_field_name("object"))
            if obj is not None and obj.type == "identifier" and pat.type == "identifier" and text(obj) == text(pat):
                return text(e.child_by_field_name("property"))
            return None
        if e.type == "identifier" and pat.type == "object_pattern":
            name = text(e)
            for sub in pat.named_children:
                if sub.type == "shorthand_property_identifier_pattern" and text(sub) == name:
                    return name
                if sub.type == "pair_pattern" and text(sub.child_by_field_name("value")) == name:
                    return text(sub.child_by_field_name("key"))
        return None

    def table_of_id(self, e: Optional[Node], depth: int = 0) -> Optional[str]:
        e = unwrap(e)
        if e is None or depth > 3:
            return None
        name = self._arg_name(e)
        if name is not None:
            return _table_of_v_id(_args_validator_of(self.reg, name))
        if e.type == "identifier" and self.body is not None and self.body.type == "statement_block":
            init = unwrap(_local_decl_value(text(e), self.body))
            if init is not None and init.type == "call_expression" and cx.ctx_call(init) == ("db", "insert"):
                a = call_args(init)
                return string_value(a[0]) if a else None
        return None

    def doc(self, table: Optional[str]) -> Optional[str]:
        if table is None or self.schema is None or not self.schema.knows_indexes_of(table):
            return None
        t = self.schema.table(table)
        if t is None or t.open_fields:
            return None
        parts = []
        for name, vtext in t.fields.items():
            if not _self_contained(vtext):
                return None
            key = name if re.match(r"^[A-Za-z_$][\w$]*$", name) else f'"{name}"'
            parts.append(f"{key}: {vtext.strip()}")
        parts.append(f'_id: v.id("{table}")')
        parts.append("_creationTime: v.number()")
        return "v.object({ " + ", ".join(parts) + " })"

    def infer(self, expr: Optional[Node], depth: int = 0) -> Optional[str]:
        e = unwrap(expr)
        if e is None or depth > 3:
            return None
        t = e.type
        if t == "string" or (t == "template_string" and string_value(e) is not None):
            return "v.string()"
        if t == "number" or (t == "unary_expression" and text(e).lstrip().startswith("-")
                             and e.named_children and e.named_children[-1].type == "number"):
            return "v.number()"
        if t in ("true", "false"):
            return "v.boolean()"
        if t == "null":
            return "v.null()"
        if t == "identifier" and self.body is not None and self.body.type == "statement_block":
            init = _local_decl_value(text(e), self.body)
            return self.infer(init, depth + 1) if init is not None else None
        if t != "call_expression":
            return None
        kind = cx.ctx_call(e)
        args = call_args(e)
        if kind == ("db", "insert"):
            table = string_value(args[0]) if args else None
            return f'v.id("{table}")' if table else None
        if kind == ("db", "get"):
            if len(args) == 2 and string_value(args[0]) is not None:
                table = string_value(args[0])
            elif len(args) == 1:
                table = self.table_of_id(args[0])
            else:
                table = None
            d = self.doc(table)
            return f"v.union({d}, v.null())" if d else None
        for chain in self.model.query_chains:
            if chain.outer.id != e.id or chain.system:
                continue
            term = chain.terminal
            if term is None or term.call.id != e.id:
                return None
            d = self.doc(chain.table)
            if d is None:
                return None
            if term.method in ("first", "unique"):
                return f"v.union({d}, v.null())"
            if term.method in ("collect", "take"):
                return f"v.array({d})"
            return None
        return None


def _self_contained(vtext: str) -> bool:
    """A schema validator text that reads nothing but `v` (safe to copy into another file)."""
    stripped = _STRING_RE.sub('""', vtext)
    for m in _IDENT_RE.finditer(stripped):
        if m.group(1) not in _ALLOWED_FREE:
            return False
    return stripped.strip().startswith("v.")


def _combine(validators: list[str]) -> Optional[str]:
    seen: list[str] = []
    for v in validators:
        if v not in seen:
            seen.append(v)
    if not seen:
        return None
    if len(seen) == 1:
        return seen[0]
    nonnull = [v for v in seen if v != "v.null()"]
    if len(nonnull) == 1 and nonnull[0].startswith("v.union(") and nonnull[0].endswith(", v.null())"):
        return nonnull[0]
    return "v.union(" + ", ".join(seen) + ")"


def handler_summary(model, reg, handler: Optional[Node], schema):
    """("void", None) when the handler never returns a value; ("value", validator-or-None);
    None when the handler is not a function literal."""
    body = fn_body(handler)
    if body is None:
        return None
    inf = _Infer(model, reg, handler, schema)
    if body.type != "statement_block":
        return ("value", inf.infer(body))
    rets = returns_in(body)
    values = [return_value(r) for r in rets]
    if all(v is None or (unwrap(v) is not None and unwrap(v).type == "null") for v in values):
        return ("void", None)  # only `return;` / `return null;`
    if any(v is None for v in values) or can_complete(body):
        return ("value", None)  # mixes undefined with values
    inferred = [inf.infer(v) for v in values]
    if any(i is None for i in inferred):
        return ("value", None)
    return ("value", _combine(inferred))


def _import_v(model) -> Optional[list[TextEdit]]:
    return add_named_import(model, "v", "convex/values")


def _returns_anchor(reg):
    args_pair = reg.pairs.get("args")
    if args_pair is not None:
        return {"after": args_pair}
    handler_pair = reg.pairs.get("handler")
    return {"before": handler_pair} if handler_pair is not None else {}


# ------------------------------------------------------------------ fixes
def fix_missing_returns(finding: Finding, an) -> list[Fix]:
    model = an.models.get(finding.path)
    if model is None or getattr(model, "root", None) is None:
        return []
    reg = registration_for(model, finding)
    if reg is None or reg.config is None or "returns" in reg.pairs:
        return []
    handler = reg.handler
    summary = handler_summary(model, reg, handler, an.index.schema_for(model.path))
    if summary is None:
        return []
    imp = _import_v(model)
    if imp is None:
        return []
    kind, validator = summary
    if kind == "void":
        key = insert_key_edit(model, reg.config, "returns: v.null()", **_returns_anchor(reg))
        if key is None:
            return []
        edits = imp + [key] + return_null_edits(model, handler)
        return [Fix("Add `returns: v.null()`", "safe", edits)]
    if validator is None:
        return []
    key = insert_key_edit(model, reg.config, f"returns: {validator}", **_returns_anchor(reg))
    if key is None:
        return []
    short = validator if len(validator) <= 60 else validator[:57] + "…"
    return [Fix(f"Add `returns: {short}` (inferred from the handler)", "unsafe", imp + [key])]


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
