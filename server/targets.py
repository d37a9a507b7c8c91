"""What is under the cursor, and where everything it names is, from the workspace reference
graph (`analysis.references` via `WorkspaceIndex`). No LSP types: byte offsets in, `Target`s out.

A cursor names a **function** (an `api.`/`internal.` path or string reference in any file, or a
registration's name), a **table** (a table reference in any file, or its key in the schema) or an
**index** (`withIndex("…")` and the other index arguments, in any file, or its name in the schema).
Renames of functions are refused, with the reason, wherever the edit could break a build.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Optional, Union

from .navigation import IDENT, IndexAt, RenameRefused, Target

MODULE_MOVE = re.compile(r"[./:]")


@dataclass
class FunctionAt:
    functions_dir: str
    api_path: tuple[str, ...]
    path: str  # the file the cursor is in
    start: int  # the word under the cursor (the export name or a path segment)
    end: int
    on_name: bool  # the cursor is on the function's own name
    on_module: bool = False  # the cursor is on a module segment (`tasks` in `api.tasks.list`)


@dataclass
class TableAt:
    functions_dir: str
    table: str
    path: str
    start: int  # the name, without quotes
    end: int


Found = Union[FunctionAt, TableAt, IndexAt]


def _inside(start: int, end: int, offset: int) -> bool:
    return start <= offset <= end


def _unquoted(data: Optional[bytes], span) -> tuple[int, int]:
    a, b = span.start, span.end
    if data is not None and b - a >= 2 and data[a:a + 1] in (b'"', b"'", b"`") and data[b - 1:b] == data[a:a + 1]:
        return a + 1, b - 1
    return a, b


def name_span(info) -> tuple[int, int]:
    """The export name of a registration (`list` in `export const list = query({`)."""
    start = info.fact.span.start
    return start, start + len(info.name.encode("utf-8"))


def schema_of(index, functions_dir: str):
    return index.schema_for(os.path.join(functions_dir, "schema.ts"))


def found_at(session, path: str, offset: int) -> Optional[Found]:
    """The function, table or index named at `offset` of `path` (any file of the workspace)."""
    index = session.analyzer.index
    data = session.data_of(path)
    ref = index.reference_at(path, offset)
    if ref is not None and ref.functions_dir is not None:
        if hasattr(ref, "api_path"):
            segs = ref.segment_spans
            for i, s in enumerate(segs):
                if _inside(s.start, s.end, offset):
                    last = i == len(segs) - 1 and len(segs) == len(ref.api_path)
                    return FunctionAt(ref.functions_dir, ref.api_path, path, s.start, s.end, last, not last)
            return FunctionAt(ref.functions_dir, ref.api_path, path, ref.span.start, ref.span.end, False)
        if hasattr(ref, "index"):
            if ref.table is None:
                return None
            schema = schema_of(index, ref.functions_dir)
            if schema is None or schema.index(ref.table, ref.index) is None:
                return None
            return IndexAt(ref.table, ref.index, ref.functions_dir, ref.name_span, path)
        a, b = _unquoted(data, ref.span)
        return TableAt(ref.functions_dir, ref.table, path, a, b)
    info = index.function_at(path, offset)
    if info is not None and _inside(info.fact.span.start, info.fact.span.end, offset):
        d = index.functions_dir_for_reference(path)
        a, b = name_span(info)
        if d is not None:
            return FunctionAt(d, info.api_path, path, a, b, True)  # anywhere in `list = query({`
    d = session.workspace.dir_for(path)
    schema = index.schema_for(path) if d is not None else None
    if schema is not None:
        for t in schema.tables.values():
            if t.file != path or not t.name:
                continue
            for ix in t.indexes:
                if ix.kind == "db" and _inside(ix.span.start, ix.span.end, offset):
                    return IndexAt(t.name, ix.name, d.path, ix.name_span, path)
            if t.span is not None and _inside(t.span.start, t.span.end, offset):
                a, b = _unquoted(data, t.span)
                return TableAt(d.path, t.name, path, a, b)
    return None


def registration(session, functions_dir: str, api_path: tuple[str, ...]):
    return session.analyzer.index.registry(functions_dir).get(tuple(api_path))


def _uniq(targets: list[Target]) -> list[Target]:
    seen = set()
    out = []
    for t in targets:
        k = (t.path, t.start, t.end)
        if k not in seen and os.path.isabs(t.path):
            seen.add(k)
            out.append(t)
    return out


# ------------------------------------------------------------------ functions


def function_references(session, at: FunctionAt, include_declaration: bool = True) -> list[Target]:
    index = session.analyzer.index
    out: list[Target] = []
    info = registration(session, at.functions_dir, at.api_path)
    if include_declaration and info is not None:
        out.append(Target(info.file, *name_span(info)))
    for r in index.function_references(at.functions_dir, at.api_path):
        out.append(Target(r.file, r.span.start, r.span.end))
    return _uniq(out)


def function_definition(session, at: FunctionAt) -> Optional[Target]:
    info = registration(session, at.functions_dir, at.api_path)
    return Target(info.file, *name_span(info)) if info is not None else None


def _identifier_uses(session, path: str, name: str, decl: tuple[int, int]) -> list[tuple[int, int]]:
    """Other uses of the registration's local name in its own file; refused where a rename of
    them is not a plain textual one (a shorthand property, an export list, a second declaration
    of the name in some inner scope)."""
    model = session.model(path)
    tree = getattr(getattr(model, "src", None), "tree", None) if model is not None else None
    if tree is None:
        raise RenameRefused(f"{os.path.basename(path)} could not be parsed")
    want = name.encode("utf-8")
    uses: list[tuple[int, int]] = []
    declarations = 0
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        t = node.type
        if t in ("identifier", "shorthand_property_identifier", "shorthand_property_identifier_pattern",
                 "type_identifier") and node.text == want:
            span = (node.start_byte, node.end_byte)
            parent = node.parent
            if span == decl:
                continue
            if t != "identifier" or (parent is not None and parent.type in ("export_specifier", "import_specifier")):
                raise RenameRefused(f"`{name}` is also used as `{node.parent.text.decode('utf-8', 'replace')[:60]}` "
                                    f"in {os.path.basename(path)}; rename it by hand")
            if parent is not None and parent.type in (
                    "variable_declarator", "function_declaration", "class_declaration", "required_parameter",
                    "optional_parameter", "formal_parameters", "arrow_function", "catch_clause",
                    "function_expression", "import_clause") and parent.child_by_field_name("name") in (node, None):
                declarations += 1
            uses.append(span)
        stack.extend(node.children)
    if declarations:
        raise RenameRefused(f"`{name}` is declared again inside {os.path.basename(path)}; rename it by hand")
    return uses


def rename_function(session, at: FunctionAt, new_name: str) -> list[tuple[str, int, int]]:
    """(path, start, end) of every edit renaming the function to `new_name`: its export and every
    reference's last segment. Refused (RenameRefused, with the reason) when the new name would
    move it to another module, is taken, or some reference cannot be followed."""
    index = session.analyzer.index
    dotted = ".".join(at.api_path)
    if MODULE_MOVE.search(new_name):
        raise RenameRefused(f"renaming `{dotted}` to `{new_name}` would move it to another module: move or "
                            f"rename the file instead (only the exported name can be renamed here)")
    if not IDENT.match(new_name):
        raise RenameRefused(f"`{new_name}` is not a valid export name")
    info = registration(session, at.functions_dir, at.api_path)
    if info is None:
        raise RenameRefused(f"`{dotted}` is not registered in this workspace")
    if info.name == "default":
        raise RenameRefused("a default export has no name to rename")
    module = at.api_path[:-1]
    if new_name != info.name and registration(session, at.functions_dir, module + (new_name,)) is not None:
        raise RenameRefused(f"`{'.'.join(module + (new_name,))}` already exists")
    data = session.data_of(info.file) or b""
    a, b = name_span(info)
    if data[a:b] != info.name.encode("utf-8"):
        raise RenameRefused(f"`{dotted}` is exported under another name than its declaration; rename it by hand")
    refs = getattr(index, "refs", None)
    prefixes = refs.referenced_prefixes(at.functions_dir, at.api_path) if hasattr(refs, "referenced_prefixes") else []
    if prefixes:
        p = prefixes[0]
        raise RenameRefused(f"`{p.root}.{'.'.join(p.api_path)}` is used as a value in {os.path.basename(p.file)}; "
                            f"a rename cannot follow what is reached through it")
    for path, facts in index.facts.items():
        if facts.functions_dir != at.functions_dir:
            continue
        for imp in facts.imports:
            if imp.imported == info.name and index.resolve_module(path, imp.source) == info.file:
                raise RenameRefused(f"{os.path.basename(path)} imports `{info.name}` directly; rename it by hand")
    edits = [(info.file, a, b)]
    edits += [(info.file, s, e) for s, e in _identifier_uses(session, info.file, info.name, (a, b))]
    for r in index.function_references(at.functions_dir, at.api_path):
        segs = r.segment_spans
        if len(segs) != len(r.api_path):
            raise RenameRefused(f"a reference in {os.path.basename(r.file)} is not written segment by segment")
        last = segs[-1]
        text = (session.data_of(r.file) or b"")[last.start:last.end]
        if text != info.name.encode("utf-8"):
            raise RenameRefused(f"a reference in {os.path.basename(r.file)} does not spell `{info.name}`")
        edits.append((r.file, last.start, last.end))
    return sorted(set(edits))


# ------------------------------------------------------------------ tables and indexes


def table_references(session, at: TableAt, include_declaration: bool = True) -> list[Target]:
    index = session.analyzer.index
    out: list[Target] = []
    if include_declaration:
        schema = schema_of(index, at.functions_dir)
        t = schema.table(at.table) if schema is not None else None
        if t is not None and t.span is not None:
            a, b = _unquoted(session.data_of(t.file or schema.file), t.span)
            out.append(Target(t.file or schema.file, a, b))
    for r in index.table_references(at.functions_dir, at.table):
        a, b = _unquoted(session.data_of(r.file), r.span)
        out.append(Target(r.file, a, b))
    return _uniq(out)


def table_definition(session, at: TableAt) -> Optional[Target]:
    schema = schema_of(session.analyzer.index, at.functions_dir)
    t = schema.table(at.table) if schema is not None else None
    if t is None or t.span is None:
        return None
    return Target(t.file or schema.file, t.span.start, t.span.end)


def _ambiguous(schema, at: IndexAt) -> bool:
    """Another table of the schema has an index of the same name (a use whose query table is
    unknown may be one of its)."""
    return any(t.name != at.table and any(ix.name == at.name for ix in t.indexes) for t in schema.tables.values())


def index_references(session, at: IndexAt, include_declaration: bool = True) -> list[Target]:
    """Every use of the index in the workspace (functions, tests, scripts; `withIndex` and the
    relationship helpers); uses whose query table is unknown count when no other table has an
    index of that name."""
    index = session.analyzer.index
    schema = schema_of(index, at.functions_dir)
    out: list[Target] = []
    if include_declaration and schema is not None:
        ix = schema.index(at.table, at.name)
        if ix is not None and ix.file:
            out.append(Target(ix.file, ix.name_span.start, ix.name_span.end))
    unsure = schema is None or _ambiguous(schema, at)
    for r in index.index_references(at.functions_dir, at.table, at.name):
        if r.table is None and unsure:
            continue
        out.append(Target(r.file, r.name_span.start, r.name_span.end))
    return _uniq(out)


def rename_index(session, at: IndexAt, new_name: str) -> list[Target]:
    if not IDENT.match(new_name):
        raise RenameRefused(f"`{new_name}` is not a valid index name (letters, digits and _; not starting with a digit)")
    schema = schema_of(session.analyzer.index, at.functions_dir)
    if schema is None:
        raise RenameRefused("no schema")
    ix = schema.index(at.table, at.name)
    if ix is None or not ix.file or not os.path.isabs(ix.file):
        raise RenameRefused(f"index `{at.name}` is not defined in this workspace's schema")
    if new_name != at.name and schema.index(at.table, new_name) is not None:
        raise RenameRefused(f"table `{at.table}` already has an index named `{new_name}`")
    if _ambiguous(schema, at):
        for r in session.analyzer.index.index_references(at.functions_dir, at.table, at.name):
            if r.table is None:
                raise RenameRefused(f"the query in {os.path.basename(r.file)} uses `{at.name}` on a table that "
                                    f"cannot be told; another table has an index of that name")
    return index_references(session, at, include_declaration=True)
