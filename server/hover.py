"""Hover text (Markdown) for diagnostics and Convex constructs. No LSP types here.

`hover(session, path, offset)` -> (markdown, (start, end)) or None. On a diagnostic's
range: the rule, its message, why, the fix and the spec citation. Elsewhere: builders,
`v.*` validators, `withIndex("name")`, table names, `api.x.y` / `internal.x.y`,
`ctx.db.*`, `ctx.scheduler.*`.
"""

from __future__ import annotations

import os
from typing import Optional

from convex_lsp.analysis import convex as cx
from convex_lsp.analysis.registry import get_rule
from convex_lsp.analysis.syntax import string_value, text

SPEC = "Convex Architecture Spec"


def cite(section: str) -> str:
    return f"*{SPEC} {section}*"


VALIDATORS = {
    "string": "a UTF-8 string",
    "number": "a float64 number (alias of `v.float64()`)",
    "float64": "a float64 number",
    "int64": "a signed 64-bit integer (a JavaScript `bigint`)",
    "bigint": "deprecated alias of `v.int64()`; use `v.int64()`",
    "boolean": "`true` or `false`",
    "null": "`null` (what a function that returns nothing returns: `returns: v.null()`)",
    "id": "a document ID of the named table (`Id<\"table\">`)",
    "array": "an array whose elements match the given validator",
    "object": "an object with exactly the given fields",
    "record": "an object with arbitrary keys mapping to the given value validator",
    "union": "any of the given validators",
    "literal": "exactly the given constant",
    "optional": "the field may be absent (object fields only)",
    "nullable": "the value or `null`",
    "any": "anything; gives up validation (avoid in public arguments)",
    "bytes": "an `ArrayBuffer`",
}

DB_METHODS = {
    "get": "reads one document by ID (a point read, cheap)",
    "query": "starts a query on a table; narrow it with `.withIndex(...)` rather than `.filter(...)`",
    "insert": "inserts a document and returns its ID",
    "patch": "shallow-merges fields into a document",
    "replace": "replaces a whole document",
    "delete": "deletes a document",
    "normalizeId": "checks that a string is an ID of the given table",
}
SCHEDULER_METHODS = {
    "runAfter": "schedules a function to run after a delay (ms); from a mutation it runs only if the mutation commits",
    "runAt": "schedules a function to run at a timestamp; from a mutation it runs only if the mutation commits",
    "cancel": "cancels a scheduled function that has not started",
}
RUN_METHODS = {
    "runQuery": "calls a query in its own transaction (from an action) or inline (from a mutation)",
    "runMutation": "calls a mutation in its own transaction (from an action) or inline (from a mutation)",
    "runAction": "calls an action from an action; prefer a plain function call",
}


def _rel(session, path: str) -> str:
    for root in session.roots:
        if path.startswith(root + os.sep):
            return os.path.relpath(path, root).replace(os.sep, "/")
    return path


def _contains(span, offset: int) -> bool:
    return span is not None and span.start <= offset <= span.end


# ------------------------------------------------------------------ diagnostics


def diagnostic_hover(session, path: str, offset: int, findings) -> Optional[tuple[str, tuple[int, int]]]:
    hits = [f for f in findings if f.start <= offset <= max(f.end, f.start + 1)]
    if not hits:
        return None
    parts = []
    for f in hits:
        rule = get_rule(f.code)
        if rule is None:
            continue
        fix = None
        qf = _quickfixes()
        if qf is not None:
            try:
                fixes = qf.fixes_for(f, session.analyzer)
                fix = fixes[0].title if fixes else None
            except Exception:
                fix = None
        lines = [f"**{rule.code}** `{rule.name}` ({f.severity})", "", f.message, "", f"**Why:** {rule.why}"]
        if fix:
            lines += ["", f"**Fix:** {fix}"]
        elif rule.fix_doc:
            lines += ["", f"**Fix:** {rule.fix_doc}"]
        lines += ["", cite(rule.spec) + f" — [{rule.code}]({rule.url})"]
        parts.append("\n".join(lines))
    if not parts:
        return None
    start = min(f.start for f in hits)
    end = max(f.end for f in hits)
    return "\n\n---\n\n".join(parts), (start, end)


def _quickfixes():
    from .session import quickfixes

    return quickfixes()


# ------------------------------------------------------------------ constructs


def construct_hover(session, path: str, offset: int) -> Optional[tuple[str, tuple[int, int]]]:
    model = session.model(path)
    if model is None or model.src.tree is None:
        return None
    facts = model.facts
    index = session.analyzer.index
    schema = index.schema_for(path)
    fdir = None  # client code, tests, scripts: the functions folder their references resolve to
    if getattr(facts, "refs_only", False):
        fdir = index.functions_dir_for_reference(path)
        schema = index.schema_for(os.path.join(fdir, "schema.ts")) if fdir else None

    # withIndex("name")
    for use in facts.index_uses:
        if _contains(use.span, offset):
            return _index_use_hover(session, use, schema), (use.span.start, use.span.end)
    # index names in the schema itself
    if schema is not None and schema.file == path:
        for t in schema.tables.values():
            for ix in t.indexes:
                if ix.file == path and _contains(ix.span, offset):
                    return _index_hover(session, t.name or "?", ix, schema), (ix.span.start, ix.span.end)
    # table names: ctx.db.query("t"), insert("t"), v.id("t")
    for ref in facts.table_refs:
        if _contains(ref.span, offset):
            return _table_hover(session, ref.table, schema), (ref.span.start, ref.span.end)
    # api.a.b / internal.a.b
    for ref in facts.api_refs:
        if _contains(ref.span, offset):
            return _api_hover(session, path, ref, fdir), (ref.span.start, ref.span.end)

    found = _returns_hover(session, model, offset)
    if found is not None:
        return found
    node = model.src.tree.root_node.descendant_for_byte_range(offset, offset)
    if node is None:
        return None
    if node.type in ("identifier", "property_identifier") and node.start_byte <= offset <= node.end_byte:
        name = text(node)
        parent = node.parent
        # v.string(), v.id("t")
        if node.type == "property_identifier" and parent is not None and parent.type == "member_expression":
            obj = parent.child_by_field_name("object")
            if obj is not None and obj.type == "identifier":
                imp = facts.import_of(text(obj))
                if imp is not None and imp.source == "convex/values" and imp.imported == "v" and name in VALIDATORS:
                    return _validator_hover(parent, name), (parent.start_byte, parent.end_byte)
            call = parent.parent
            if call is not None and call.type == "call_expression" and call.child_by_field_name("function") == parent:
                kind = cx.ctx_call(call)
                if kind is not None:
                    md = _ctx_hover(kind)
                    if md:
                        return md, (node.start_byte, node.end_byte)
        if node.type == "identifier":
            b = index.resolve_builder(path, name)
            if b is not None:
                return _builder_hover(session, path, name, b), (node.start_byte, node.end_byte)
    return None


def _returns_hover(session, model, offset: int) -> Optional[tuple[str, tuple[int, int]]]:
    """On a registration's `handler` or `returns` key: what the handler returns, inferred."""
    from convex_lsp.analysis.returns_infer import describe_handler

    for reg in model.registrations:
        for key in ("handler", "returns"):
            pair = reg.pairs.get(key)
            if pair is None:
                continue
            k = pair.child_by_field_name("key") if pair.type == "pair" else pair.child_by_field_name("name")
            if k is None or not (k.start_byte <= offset <= k.end_byte):
                continue
            info = describe_handler(model, reg, session.analyzer.index)
            if info is None:
                return None
            lines = [f"**returns** of `{reg.fact.name or 'function'}`", ""]
            if info["inferred"] is not None:
                lines += ["Inferred from the handler:", "", "```ts", info["inferred"], "```"]
            else:
                lines.append("The handler's return value is not fully inferred.")
            verdict = info["verdict"]
            if verdict is not None and verdict[0] == "rejected":
                lines += ["", f"The declared validator rejects it: {verdict[1]}"]
            elif verdict is not None and verdict[0] == "accepted":
                lines += ["", "The declared validator accepts every inferred return."]
            lines += ["", cite("§10 Validator Requirements")]
            return "\n".join(lines), (k.start_byte, k.end_byte)
    return None


def _index_hover(session, table: str, ix, schema) -> str:
    kind = {"db": "index", "search": "search index", "vector": "vector index"}.get(ix.kind, "index")
    fields = ", ".join(f"`{f}`" for f in ix.fields) or "(none)"
    lines = [f"**{kind}** `{ix.name}` on table `{table}`", "", f"Fields, in order: {fields}"]
    if ix.search_field:
        lines.append(f"Search field: `{ix.search_field}`")
    if ix.filter_fields:
        lines.append("Filter fields: " + ", ".join(f"`{f}`" for f in ix.filter_fields))
    if ix.staged:
        lines.append("Staged: not yet usable in queries")
    where = ix.file or (schema.file if schema else "")
    if where and os.path.isabs(where):
        lines.append(f"Defined in `{_rel(session, where)}:{ix.span.srow + 1}`")
    elif where:
        lines.append(f"Defined by `{where}`")
    lines += ["", "Equality conditions must follow the index's fields in order; a range may follow the last one.",
              "", cite("§4.3 Index Design")]
    return "\n".join(lines)


def _index_use_hover(session, use, schema) -> str:
    if schema is None or use.table is None:
        return f"**{use.method}** `{use.index}`\n\nNo schema found for this table.\n\n" + cite("§4.3 Index Design")
    ix = schema.index(use.table, use.index)
    if ix is None:
        return (f"**{use.method}** `{use.index}` on `{use.table}`\n\nThis index is not defined in the schema."
                f"\n\n" + cite("§4.3 Index Design"))
    return _index_hover(session, use.table, ix, schema)


def _table_hover(session, table: str, schema) -> str:
    if schema is None:
        return f"**table** `{table}`\n\nNo schema found."
    t = schema.table(table)
    if t is None:
        if schema.has_table(table):
            return f"**table** `{table}`\n\nDefined outside what convex-lsp can read (a spread or reference)."
        return f"**table** `{table}`\n\nNot defined in `{_rel(session, schema.file)}`."
    lines = [f"**table** `{table}`"]
    if t.file and os.path.isabs(t.file) and t.span is not None:
        lines.append(f"Defined in `{_rel(session, t.file)}:{t.span.srow + 1}`")
    lines.append("")
    if t.fields:
        lines.append("| field | validator |")
        lines.append("|---|---|")
        for k, val in t.fields.items():
            val = " ".join(val.split())
            if len(val) > 60:
                val = val[:57] + "..."
            val = val.replace("|", "\\|")
            lines.append(f"| `{k}` | `{val}` |")
    elif t.open_fields:
        lines.append("Fields are not statically known.")
    if t.indexes:
        lines.append("")
        lines.append("Indexes:")
        for ix in t.indexes:
            lines.append(f"- `{ix.name}`: " + ", ".join(f"`{f}`" for f in ix.fields))
    lines += ["", cite("§4.3 Index Design")]
    return "\n".join(lines)


def _api_hover(session, path: str, ref, functions_dir: Optional[str] = None) -> str:
    dotted = ".".join((ref.root,) + tuple(ref.path))
    index = session.analyzer.index
    info = index.registry(functions_dir).get(tuple(ref.path)) if functions_dir else index.function(path, ref.path)
    if info is None:
        return f"`{dotted}`\n\nNo registered function at this path."
    lines = [f"**{info.builder.describe()}** `{dotted}`", "",
             f"Defined in `{_rel(session, info.file)}:{info.fact.span.srow + 1}` as `{info.name}`"]
    if info.builder.custom and info.builder.chain:
        lines.append(f"Builder: `{info.fact.builder}` (custom, wraps `{info.builder.base}`)")
    else:
        lines.append(f"Builder: `{info.fact.builder}`")
    lines.append("")
    lines.append(f"args: `{_short(info.fact.args_text)}`" if info.fact.has_args else "args: *(no validator)*")
    lines.append(f"returns: `{_short(info.fact.returns_text)}`" if info.fact.has_returns else "returns: *(no validator)*")
    if info.use_node:
        lines.append('Runs in the Node.js runtime (`"use node"`).')
    section = "§7 Scheduling Patterns" if ref.context in ("runAfter", "runAt") else "§2 Layered Architecture"
    lines += ["", cite(section)]
    return "\n".join(lines)


def _short(s: Optional[str], n: int = 200) -> str:
    s = " ".join((s or "").split())
    return s if len(s) <= n else s[: n - 3] + "..."


def _builder_hover(session, path: str, name: str, b) -> str:
    lines = [f"**{b.describe()}** builder `{name}`"]
    if b.custom:
        hops = []
        for file, local in b.chain:
            f = session.analyzer.index.facts.get(file)
            bd = f.builders.get(local) if f is not None else None
            where = f"{_rel(session, file)}:{bd.span.srow + 1}" if bd is not None else _rel(session, file)
            hops.append(f"`{local}` ({where})" + (f" via `{bd.factory}`" if bd is not None and bd.factory != "alias" else ""))
        lines += ["", f"Custom builder wrapping `{b.base}` from `_generated/server`.", "", "Chain: " + " → ".join(hops)]
        lines.append("")
        lines.append("Authenticates the caller: " + ("yes" if b.authenticates else "no"))
    else:
        lines += ["", f"`{b.base}` from `_generated/server`."]
    if b.visibility == "public":
        lines += ["", "Public: callable by any client; validate `args` and check access."]
    else:
        lines += ["", "Internal: callable only from other Convex functions (`internal.*`)."]
    lines += ["", cite("§2 Layered Architecture")]
    return "\n".join(lines)


def _validator_hover(member, name: str) -> str:
    call = member.parent
    extra = ""
    if name == "id" and call is not None and call.type == "call_expression":
        args = call.child_by_field_name("arguments")
        if args is not None and args.named_child_count:
            t = string_value(args.named_children[0])
            if t:
                extra = f" (table `{t}`)"
    lines = [f"**v.{name}()**{extra}", "", VALIDATORS[name]]
    if name == "bigint":
        lines[0] += " *(deprecated)*"
    lines += ["", cite("§10 Validator Requirements")]
    return "\n".join(lines)


def _ctx_hover(kind: tuple[str, str]) -> Optional[str]:
    area, method = kind
    if area in ("db", "db.system"):
        doc = DB_METHODS.get(method)
        if doc is None:
            return None
        sys_ = " (system tables)" if area == "db.system" else ""
        return f"**ctx.db.{method}**{sys_}\n\n{doc}.\n\n" + cite("§4.4 Avoiding Filter" if method == "query" else "§1 Core Mental Model")
    if area == "scheduler":
        doc = SCHEDULER_METHODS.get(method)
        return f"**ctx.scheduler.{method}**\n\n{doc}.\n\n" + cite("§7 Scheduling Patterns") if doc else None
    if area == "run":
        doc = RUN_METHODS.get(method)
        return f"**ctx.{method}**\n\n{doc}.\n\n" + cite("§6 Transaction Boundaries") if doc else None
    return None


def hover(session, path: str, offset: int, findings) -> Optional[tuple[str, tuple[int, int]]]:
    found = diagnostic_hover(session, path, offset, findings or [])
    if found is not None:
        return found
    return construct_hover(session, path, offset)
